"""The feeds a user trusts: one private folder each under `CONFIG/feeds/`, named by the feed's name, holding
`feed.json` (address, when added, the pinned root's SHA-256) and `root.json` (the pinned root: the anchor
every update verifies from). No TUF here, so `feed list` starts fast.

The folder's name is the feed's identity: a name inside `feed.json` is never used as a path.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from ketacli.errors import FeedError, UsageError
from ketacli.fileio import ReadRefused, read_limited, write_atomic

FEED_FILE = "feed.json"
ROOT_FILE = "root.json"
MAX_ROOT_BYTES = 512 * 1024
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


class Feed(NamedTuple):
    name: str
    url: str
    added: str
    root_sha256: str | None  # None for a feed added before 0.6: recorded on its next update
    folder: Path

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "url": self.url, "added": self.added}


def check_name(name: str) -> str:
    """A feed name the user typed: 1-40 lowercase letters, digits and hyphens (a usage error otherwise)."""
    if not _NAME.fullmatch(name):
        raise UsageError(f"feed name {name!r}: use 1-40 lowercase letters, digits and hyphens")
    return name


def check_url(url: str) -> str:
    """A well-formed http(s) address with a host and a valid port and no credentials; returned without a
    trailing slash. A usage error otherwise."""
    shown = _without_credentials(url)  # an address's password is never repeated back
    if not url or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise UsageError(f"feed address {shown!r}: use an http:// or https:// address without spaces")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UsageError(f"feed address {url!r}: use an http:// or https:// address")
    try:
        parts.port  # noqa: B018 - parsing the port is the check (ValueError when out of range or not a number)
    except ValueError:
        raise UsageError(f"feed address {shown!r}: the port must be a number from 1 to 65535") from None
    if parts.username is not None or parts.password is not None:
        raise UsageError(
            f"feed address {parts.scheme}://…@{parts.hostname}: refused, it holds a user name or password; "
            "a feed is public, so give its address without credentials"
        )
    if not parts.hostname:
        raise UsageError(f"feed address {url!r}: it names no host")
    if parts.port == 0:
        raise UsageError(f"feed address {url!r}: the port must be a number from 1 to 65535")
    if parts.query or parts.fragment:
        raise UsageError(f"feed address {url!r}: give the folder's address, without ?query or #fragment")
    return url.rstrip("/")


def _without_credentials(url: str) -> str:
    """The address with anything before an '@' in its authority replaced by '…' (a user name or password)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, path = rest.partition("/")
    if "@" not in authority:
        return url
    return f"{scheme}://…@{authority.rpartition('@')[2]}{slash}{path}"


def feeds_dir(config_dir: Path) -> Path:
    return config_dir / "feeds"


def private_mkdir(path: Path) -> None:
    """Make `path` (and its parents) owner-only; a folder that already exists is left as its owner set it."""
    if path.is_dir():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        return
    os.chmod(path, 0o700)  # whatever the umask, on the folders made here only


def list_feeds(config_dir: Path) -> list[Feed]:
    folder = feeds_dir(config_dir)
    try:
        entries = sorted(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        raise FeedError(f"{folder}: cannot read: {exc.strerror or exc}") from None
    return [feed for entry in entries if _NAME.fullmatch(entry.name) and (feed := _read(entry)) is not None]


def _read(folder: Path) -> Feed | None:
    """The feed a folder holds; None for a folder with no feed.json (not one ketacli wrote). A feed.json that is
    there but cannot be read is a damaged file, said as one (exit 1), never "no feed is trusted"."""
    path = folder / FEED_FILE
    if not path.exists() and not path.is_symlink():
        return None
    try:
        record = json.loads(read_limited(path, 64 * 1024))
        root_sha256 = record.get("root_sha256")
        return Feed(folder.name, str(record["url"]), str(record["added"]),
                    root_sha256 if isinstance(root_sha256, str) else None, folder)  # fmt: skip
    except (OSError, ReadRefused, ValueError, KeyError, TypeError, AttributeError) as exc:
        why = getattr(exc, "strerror", None) or type(exc).__name__
        raise FeedError(f"{path}: damaged ({why}); delete the folder {folder} and add the feed again with "
                        "`ketacli feed add`") from None  # fmt: skip


def find_feed(config_dir: Path, name: str | None) -> Feed:
    if name is not None:
        check_name(name)
    feeds = list_feeds(config_dir)
    if name is None:
        if len(feeds) == 1:
            return feeds[0]
        if not feeds:
            raise FeedError("no feed is trusted; add one with `ketacli feed add NAME URL --root root.json`")
        raise UsageError(f"several feeds are trusted ({', '.join(f.name for f in feeds)}): name the one to use")
    for feed in feeds:
        if feed.name == name:
            return feed
    raise UsageError(f"no feed named {name!r}; `ketacli feed list` shows the trusted ones")


def save_feed(config_dir: Path, name: str, url: str, root_bytes: bytes, added: str) -> Feed:
    folder = feeds_dir(config_dir) / name
    if folder.exists():
        raise FeedError(f"a feed named {name!r} is already trusted; `ketacli feed remove {name}` first")
    private_mkdir(feeds_dir(config_dir))
    private_mkdir(folder)
    write_atomic(folder / ROOT_FILE, root_bytes, mode=0o600, follow_symlinks=False)
    feed = Feed(name, url, added, hashlib.sha256(root_bytes).hexdigest(), folder)
    _write_record(feed)
    return feed


def _write_record(feed: Feed) -> None:
    record = {**feed.to_json(), "root_sha256": feed.root_sha256}
    write_atomic(feed.folder / FEED_FILE, json.dumps(record, indent=2) + "\n", mode=0o600, follow_symlinks=False)


def pinned_root(feed: Feed) -> bytes:
    """The root pinned by `feed add`, exactly as it was: the anchor of every update. Missing or changed is
    an error naming the file; a feed added before 0.6 has its root's hash recorded now."""
    path = feed.folder / ROOT_FILE
    again = f"`ketacli feed remove {feed.name}`, then add it again with the publisher's root"
    try:
        data = read_limited(path, MAX_ROOT_BYTES, follow_symlinks=False)
    except FileNotFoundError:
        raise FeedError(f"{path}: the feed's pinned root is missing; {again}") from None
    except (OSError, ReadRefused) as exc:
        raise FeedError(
            f"{path}: cannot read the feed's pinned root: {getattr(exc, 'strerror', None) or exc}; {again}"
        ) from None
    actual = hashlib.sha256(data).hexdigest()
    if feed.root_sha256 is None:
        _write_record(feed._replace(root_sha256=actual))
    elif actual != feed.root_sha256:
        raise FeedError(f"{path}: the feed's pinned root has changed since it was added; {again}")
    return data
