"""Updating from a signed feed with python-tuf's client (`tuf.ngclient.Updater`), and installing the result.

TUF checks who signed each file, that no version goes backwards, that nothing has expired, that a new root
is signed by the old one, and the catalogue's length and hashes; ketacli then validates the catalogue as
it validates any file, and only then makes it active. Every refusal is a `FeedError` that leaves the
active catalogue untouched. Imported only by `feed` and `update`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any, NamedTuple

from tuf.api import exceptions as tuf_errors
from tuf.api.metadata import Metadata
from tuf.ngclient import Updater, UpdaterConfig, Urllib3Fetcher

from .active import ActiveFeed, active_dir, read_active, write_active
from .errors import FeedError
from .feed_repo import TARGET_NAME, root_fingerprint
from .fileio import ReadRefused, read_limited

FEED_FILE = "feed.json"
ROOT_FILE = "root.json"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_MAX_ROOT_BYTES = 512 * 1024
UNCHANGED = "the active catalogue is unchanged"


class Feed(NamedTuple):
    name: str
    url: str
    added: str


class Fetched(NamedTuple):
    """A verified catalogue, not yet installed."""

    feed: Feed
    version: int
    signed: str
    expires: str
    sha256: str
    data: bytes
    path: Path | None  # the verified download in the feed's target folder (None with download=False)


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise FeedError(f"feed name {name!r}: use 1-40 lowercase letters, digits and hyphens")
    return name


def _feeds_dir(config_dir: Path) -> Path:
    return config_dir / "feeds"


def _private_mkdir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)


def add_feed(config_dir: Path, name: str, url: str, root_bytes: bytes, now: dt.datetime) -> str:
    """Trust a feed: its address and root metadata, kept privately. Returns the root fingerprint to compare."""
    check_name(name)
    if not url.startswith(("https://", "http://")):
        raise FeedError(f"feed address {url!r}: use an http:// or https:// address")
    try:
        root = Metadata.from_bytes(root_bytes)
        if root.signed.type != "root":
            raise ValueError("not root metadata")
        root.verify_delegate("root", root)  # self-signed by its own root keys
    except Exception as exc:  # noqa: BLE001 - any parse or signature problem is the same refusal
        raise FeedError(f"the root metadata is not a valid, self-signed TUF root ({exc}); nothing was added") from None
    folder = _feeds_dir(config_dir) / name
    if folder.exists():
        raise FeedError(f"a feed named {name!r} is already trusted; `ketacli feed remove {name}` first")
    from .fileio import write_atomic

    _private_mkdir(_feeds_dir(config_dir))
    _private_mkdir(folder)
    write_atomic(folder / ROOT_FILE, root_bytes, mode=0o600)
    record = {"name": name, "url": url.rstrip("/"), "added": now.replace(microsecond=0).isoformat()}
    write_atomic(folder / FEED_FILE, json.dumps(record, indent=2) + "\n", mode=0o600)
    return root_fingerprint(root)


def list_feeds(config_dir: Path) -> list[Feed]:
    folder = _feeds_dir(config_dir)
    if not folder.is_dir():
        return []
    feeds = []
    for entry in sorted(folder.iterdir()):
        try:
            record = json.loads(read_limited(entry / FEED_FILE, 64 * 1024))
            feeds.append(Feed(str(record["name"]), str(record["url"]), str(record["added"])))
        except (OSError, ReadRefused, ValueError, KeyError, TypeError):
            continue  # not a feed folder ketacli wrote
    return feeds


def find_feed(config_dir: Path, name: str | None) -> Feed:
    feeds = list_feeds(config_dir)
    if name is None:
        if len(feeds) == 1:
            return feeds[0]
        if not feeds:
            raise FeedError("no feed is trusted; add one with `ketacli feed add NAME URL --root root.json`")
        raise FeedError(f"several feeds are trusted ({', '.join(f.name for f in feeds)}): name the one to use")
    for feed in feeds:
        if feed.name == name:
            return feed
    raise FeedError(f"no feed named {name!r}; `ketacli feed list` shows the trusted ones")


def remove_feed(config_dir: Path, data_dir: Path, name: str) -> bool:
    """Forget a feed and its downloaded metadata; if its catalogue is active, the built-in one is used again.
    Returns whether its catalogue was active."""
    import shutil

    feed = find_feed(config_dir, name)
    shutil.rmtree(_feeds_dir(config_dir) / feed.name)
    shutil.rmtree(data_dir / "feeds" / feed.name, ignore_errors=True)
    active = read_active(data_dir)
    if active is not None and active.feed == feed.name:
        from .active import clear_active

        clear_active(data_dir)
        active.catalogue.unlink(missing_ok=True)
        return True
    return False


def _updater(config_dir: Path, data_dir: Path, feed: Feed, timeout: int) -> Updater:
    metadata_dir = data_dir / "feeds" / feed.name / "metadata"
    targets_dir = data_dir / "feeds" / feed.name / "targets"
    _private_mkdir(metadata_dir)
    _private_mkdir(targets_dir)
    # The root trusted when the feed was added, until TUF has stored a newer one it verified itself.
    bootstrap = None if (metadata_dir / "root.json").is_file() else (_feeds_dir(config_dir) / feed.name / ROOT_FILE)
    return Updater(
        metadata_dir=str(metadata_dir),
        metadata_base_url=f"{feed.url}/metadata/",
        target_dir=str(targets_dir),
        target_base_url=f"{feed.url}/targets/",
        fetcher=Urllib3Fetcher(socket_timeout=timeout),
        config=UpdaterConfig(max_root_rotations=32),
        bootstrap=None if bootstrap is None else bootstrap.read_bytes(),
    )


def _refused(feed: Feed, exc: Exception) -> FeedError:
    """One line saying what was refused and that nothing changed."""
    what = {
        tuf_errors.LengthOrHashMismatchError: "the catalogue does not match its signed length and hashes",
        tuf_errors.BadVersionNumberError: "a rollback to an older version",
        tuf_errors.ExpiredMetadataError: "the feed's signed metadata has expired (a frozen or stale feed)",
        tuf_errors.UnsignedMetadataError: "metadata not signed by the trusted keys",
    }
    for kind, words in what.items():
        if isinstance(exc, kind):
            return FeedError(f"feed {feed.name}: refused {words}; {UNCHANGED}")
    if isinstance(exc, tuf_errors.SlowRetrievalError) and not _refused_connection(exc):
        return FeedError(f"feed {feed.name}: timed out: {feed.url} stopped answering; {UNCHANGED}")
    if isinstance(exc, tuf_errors.DownloadHTTPError):
        return FeedError(f"feed {feed.name}: the server answered HTTP {exc.status_code}; {UNCHANGED}")
    if isinstance(exc, tuf_errors.DownloadError):
        return FeedError(f"feed {feed.name}: offline: cannot reach {feed.url}; {UNCHANGED}")
    return FeedError(f"feed {feed.name}: refused: {exc}; {UNCHANGED}")


def _refused_connection(exc: BaseException) -> bool:
    """urllib3 files a refused connection under its connect time-outs (NewConnectionError subclasses
    ConnectTimeoutError): look at the cause to tell "offline" from "stopped answering"."""
    cause: Any = exc.__cause__
    reason = getattr(cause, "reason", cause)
    return type(reason).__name__ in ("NewConnectionError", "NameResolutionError")


def fetch(
    config_dir: Path, data_dir: Path, feed: Feed, *, max_bytes: int, timeout: int, download: bool = True
) -> Fetched:
    """Refresh the feed's metadata and (with `download`) fetch and verify its catalogue. With
    `download=False` only the metadata is checked, and the result carries no data (`update --check`)."""
    try:
        updater = _updater(config_dir, data_dir, feed, timeout)
        updater.refresh()
        info = updater.get_targetinfo(TARGET_NAME)
    except (tuf_errors.RepositoryError, tuf_errors.DownloadError) as exc:
        raise _refused(feed, exc) from None
    except OSError as exc:
        raise FeedError(f"feed {feed.name}: {exc.strerror or exc}; {UNCHANGED}") from None
    if info is None:
        raise FeedError(f"feed {feed.name}: publishes no catalogue yet; {UNCHANGED}")
    if info.length > max_bytes:
        raise FeedError(
            f"feed {feed.name}: refused a catalogue of {info.length:,} bytes, over the {max_bytes:,}-byte "
            f"limit (KETACLI_MAX_CATALOG_BYTES); {UNCHANGED}"
        )
    version, expires = _trusted(data_dir, feed)
    signed = str(info.custom.get("signed", "unknown")) if isinstance(info.custom, dict) else "unknown"
    sha256 = info.hashes.get("sha256", "")  # the signed hash, which TUF checks the download against
    if not download:
        return Fetched(feed, version, signed, expires, sha256, b"", None)
    try:
        path = updater.find_cached_target(info) or updater.download_target(info)
    except (tuf_errors.RepositoryError, tuf_errors.DownloadError) as exc:
        raise _refused(feed, exc) from None
    return Fetched(feed, version, signed, expires, sha256, Path(path).read_bytes(), Path(path))


def _trusted(data_dir: Path, feed: Feed) -> tuple[int, str]:
    """The targets version TUF just verified, and the earliest expiry among the metadata vouching for it."""
    folder = data_dir / "feeds" / feed.name / "metadata"
    roles = {role: Metadata.from_file(str(folder / f"{role}.json")) for role in ("root", "timestamp", "snapshot")}
    targets = Metadata.from_file(str(folder / "targets.json"))
    expiries = [md.signed.expires for md in [*roles.values(), targets]]
    return targets.signed.version, min(expiries).isoformat()


def install(data_dir: Path, fetched: Fetched, now: dt.datetime) -> ActiveFeed:
    """Make a verified, validated catalogue the active one: write the file, then switch the state file."""
    from .fileio import write_atomic

    folder = active_dir(data_dir)
    _private_mkdir(folder)
    catalogue = folder / f"catalogue.{fetched.sha256[:16]}.toml"
    write_atomic(catalogue, fetched.data, mode=0o600)
    state = ActiveFeed(
        feed=fetched.feed.name,
        catalogue=catalogue,
        version=fetched.version,
        signed=fetched.signed,
        expires=fetched.expires,
        verified=now.replace(microsecond=0).isoformat(),
        sha256=fetched.sha256,
    )
    write_active(data_dir, state)
    for old in folder.glob("catalogue.*.toml"):  # earlier versions no state file names any more
        if old != catalogue:
            old.unlink(missing_ok=True)
    return state


def record_check(data_dir: Path, fetched: Fetched, now: dt.datetime) -> None:
    """A successful check of the same version renews how long the active catalogue is vouched for."""
    active = read_active(data_dir)
    if active is not None and active.feed == fetched.feed.name and active.sha256 == fetched.sha256:
        write_active(
            data_dir,
            active._replace(expires=fetched.expires, verified=now.replace(microsecond=0).isoformat()),
        )


def lock(data_dir: Path) -> Any:
    """An exclusive lock for the whole update: a second `update` waits for the first to finish."""
    import fcntl

    _private_mkdir(data_dir)
    handle = open(data_dir / "update.lock", "a+b")  # noqa: SIM115 - held until the caller closes it
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    return handle
