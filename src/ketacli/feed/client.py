"""Updating from a signed feed with python-tuf's client (`tuf.ngclient.Updater`), and installing the result.

TUF checks who signed each file, that no version goes backwards, that nothing has expired, that a new root
is signed by the old one, and the catalogue's length and hashes. Around it, ketacli keeps the trust anchor
honest: every update starts from the root pinned by `feed add` (never from the cached copy), refuses a root
whose key ids are not the hashes of their keys, and holds the whole update to one deadline. The catalogue
is then validated as any file is, and only then made active. Every refusal is a `FeedError` that leaves
the active catalogue untouched. Imported only by `feed add` and `update`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urljoin, urlsplit

from tuf.api import exceptions as tuf_errors
from tuf.api.metadata import Metadata, Root
from tuf.api.serialization import DeserializationError
from tuf.ngclient import Updater, UpdaterConfig, Urllib3Fetcher

from ketacli.errors import FeedError
from ketacli.fileio import exclusive_lock, write_atomic

from .active import ActiveFeed, DamagedState, active_dir, clear_active, private, read_active, write_active
from .keys import RootKeys, check_confirmed, check_key_ids
from .registry import Feed, feeds_dir, pinned_root, private_mkdir, save_feed
from .repo import TARGET_NAME

UNCHANGED = "the active catalogue is unchanged"
_TUF_TEMP = re.compile(r"^tmp[a-z0-9_]{6,12}$")  # python-tuf's NamedTemporaryFile names


class Fetched(NamedTuple):
    """A verified catalogue, not yet installed."""

    feed: Feed
    version: int
    signed: str
    expires: str
    sha256: str
    data: bytes
    path: Path | None  # the verified download in the feed's target folder (None without download)
    redirected_to: frozenset[str]  # other hosts the server sent us to
    rotated: RootKeys | None = None  # who can sign the root, when this update followed a change of them


# ------------------------------------------------------------------------------------------- trust


def check_root(root_bytes: bytes, where: str, now: dt.datetime) -> Metadata[Root]:
    """A root fit to pin: TUF root metadata, signed by its own root keys, each key named by its own hash,
    not expired."""
    try:
        root: Metadata[Root] = Metadata.from_bytes(root_bytes)
        if root.signed.type != "root":
            raise ValueError("not root metadata")
        root.verify_delegate("root", root)  # self-signed by its own root keys
    except Exception as exc:
        raise FeedError(f"{where}: not a valid, self-signed TUF root ({exc or type(exc).__name__})") from None
    check_key_ids(root.signed, where)
    if root.signed.is_expired(now):
        raise FeedError(
            f"{where}: this root expired on {root.signed.expires.date()}; ask the publisher for a current one"
        )
    return root


def root_keys(root_bytes: bytes, where: str, now: dt.datetime) -> RootKeys:
    """Who can sign a root fit to pin (`check_root`): what the person adding the feed must confirm."""
    return RootKeys.of(check_root(root_bytes, where, now).signed)


def add_feed(config_dir: Path, name: str, url: str, root_bytes: bytes, where: str, now: dt.datetime,
             confirmed: list[str]) -> RootKeys:  # fmt: skip
    """Trust a feed: its address and root, pinned privately, only when the root's signing keys are exactly the
    fingerprints the person `confirmed` (from the publisher, out of band). Returns who can sign the root."""
    keys = root_keys(root_bytes, where, now)
    check_confirmed(keys, confirmed, where)
    save_feed(config_dir, name, url, root_bytes, now.replace(microsecond=0).isoformat())
    return keys


def remove_feed(config_dir: Path, data_dir: Path, feed: Feed) -> bool:
    """Forget a feed and its downloaded metadata; if its catalogue is active, the built-in one is used again.
    Takes the update lock, so it never races an update. Returns whether its catalogue was active."""
    with update_lock(data_dir):
        # The folder's own name, checked by find_feed: never a name or path read from inside a file.
        shutil.rmtree(feeds_dir(config_dir) / feed.name)
        shutil.rmtree(data_dir / "feeds" / feed.name, ignore_errors=True)
        try:
            active = read_active(data_dir)
        except DamagedState:
            return False
        if active is not None and active.feed == feed.name:
            clear_active(data_dir)
            active.catalogue.unlink(missing_ok=True)
            return True
        return False


@contextlib.contextmanager
def update_lock(data_dir: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """One update (or remove) at a time; `on_wait` is told when another holds the lock."""
    _writable(data_dir, private_mkdir, data_dir)
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(exclusive_lock(data_dir / "update.lock", on_wait))
        except OSError as exc:
            raise FeedError(f"{data_dir / 'update.lock'}: cannot lock ({exc.strerror or exc}); {UNCHANGED}") from None
        yield


# ------------------------------------------------------------------------------------------- fetching


class _OutOfTime(BaseException):
    """The update's deadline passed (a BaseException, so no library's `except Exception` swallows it)."""


@contextlib.contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    """Interrupt whatever is under way after `seconds` (a trickling server never ends a read by itself)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(_signum: int, _frame: Any) -> None:
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _Fetcher(Urllib3Fetcher):
    """python-tuf's fetcher, following redirects itself: a loop is named as such, and a move to another
    host is recorded for the user (TUF guards what is fetched, not where from)."""

    MAX_REDIRECTS = 5

    def __init__(self, socket_timeout: int) -> None:
        super().__init__(socket_timeout=socket_timeout, app_user_agent="ketacli")
        self.other_hosts: set[str] = set()

    def _fetch(self, url: str) -> Iterator[bytes]:
        import urllib3

        origin = urlsplit(url).hostname
        for _ in range(self.MAX_REDIRECTS + 1):
            try:
                response = self._proxy_env.request(  # the parent's proxy-aware pool (python-tuf's own)
                    "GET", url, preload_content=False, redirect=False, timeout=urllib3.Timeout(self.socket_timeout)
                )
            except urllib3.exceptions.MaxRetryError as exc:
                if isinstance(exc.reason, urllib3.exceptions.TimeoutError):
                    raise tuf_errors.SlowRetrievalError from exc
                raise
            location = response.headers.get("Location")
            if response.status in (301, 302, 303, 307, 308) and location:
                response.drain_conn()
                response.release_conn()
                url = urljoin(url, location)
                if urlsplit(url).scheme not in ("http", "https"):
                    raise tuf_errors.DownloadError(f"redirected to a non-web address {url!r}")
                if urlsplit(url).hostname != origin:
                    self.other_hosts.add(str(urlsplit(url).hostname))
                continue
            if response.status >= 400:
                response.close()
                raise tuf_errors.DownloadHTTPError(f"HTTP error {response.status}", response.status)
            return self._chunks(response)
        raise _TooManyRedirects(f"more than {self.MAX_REDIRECTS} redirects")


class _TooManyRedirects(tuf_errors.DownloadError):
    pass


def fetch(data_dir: Path, feed: Feed, *, max_bytes: int, timeout: int, download: bool) -> Fetched:
    """Refresh the feed's metadata from its pinned root and (with `download`) fetch and verify its catalogue,
    all within `timeout` seconds. Without `download` only the metadata is checked (`update --check`)."""
    bootstrap = pinned_root(feed)
    check_root(bootstrap, str(feed.folder / "root.json"), dt.datetime.min.replace(tzinfo=dt.UTC))
    folder = data_dir / "feeds" / feed.name
    metadata_dir, targets_dir = folder / "metadata", folder / "targets"
    for place in (folder, metadata_dir, targets_dir):
        _writable(place, private_mkdir, place)
    _sweep(metadata_dir, targets_dir)
    signers_before = _root_signers(metadata_dir / "root.json", bootstrap)
    fetcher = _Fetcher(socket_timeout=timeout)
    phase = "metadata"
    try:
        with _deadline(timeout):
            updater = Updater(
                metadata_dir=str(metadata_dir),
                metadata_base_url=f"{feed.url}/metadata/",
                target_dir=str(targets_dir),
                target_base_url=f"{feed.url}/targets/",
                fetcher=fetcher,
                config=UpdaterConfig(max_root_rotations=32),
                bootstrap=bootstrap,  # the pinned root, every run: the cached chain is re-verified from it
            )
            updater.refresh()
            trusted = _trusted(metadata_dir, feed)
            info = updater.get_targetinfo(TARGET_NAME)
            if info is None:
                raise FeedError(f"feed {feed.name}: publishes no catalogue yet; {UNCHANGED}")
            if info.length > max_bytes:
                raise FeedError(
                    f"feed {feed.name}: refused a catalogue of {info.length:,} bytes, over the {max_bytes:,}-byte "
                    f"limit (KETACLI_MAX_CATALOG_BYTES); {UNCHANGED}"
                )
            data, path = b"", None
            if download:
                phase = "catalogue"
                path = targets_dir / f"{info.hashes['sha256']}.{TARGET_NAME}"
                _unlink_if_not_regular(path)  # never written through a link someone left there
                path = Path(updater.find_cached_target(info, str(path)) or updater.download_target(info, str(path)))
                data = path.read_bytes()
    except _OutOfTime:
        raise FeedError(
            f"feed {feed.name}: timed out: the update took more than {timeout} s in all (KETACLI_FEED_TIMEOUT); {UNCHANGED}"
        ) from None
    except (tuf_errors.RepositoryError, tuf_errors.DownloadError) as exc:
        raise _refused(feed, exc, phase) from None
    except OSError as exc:
        raise FeedError(f"{getattr(exc, 'filename', None) or folder}: {exc.strerror or exc}; {UNCHANGED}") from None
    version, expires, keys = trusted
    return Fetched(feed, version, _signed(info.custom), expires, info.hashes.get("sha256", ""), data, path,
                   frozenset(fetcher.other_hosts), keys if keys.signers() != signers_before else None)  # fmt: skip


def _root_signers(cached: Path, pinned: bytes) -> tuple[int, tuple[str, ...]]:
    """Who could sign the root this client trusted before the refresh: its cached copy's, else the pinned one's."""
    try:
        root = Metadata[Root].from_bytes(cached.read_bytes())
    except (OSError, DeserializationError):
        root = Metadata[Root].from_bytes(pinned)  # checked by check_root
    return RootKeys.of(root.signed).signers()


def _signed(custom: Any) -> str:
    """When the publisher signed the catalogue: an ISO date-time from the signed target entry, or "unknown"
    (never arbitrary text, which would reach the terminal)."""
    value = custom.get("signed") if isinstance(custom, dict) else None
    try:
        return dt.datetime.fromisoformat(value).isoformat() if isinstance(value, str) else "unknown"
    except ValueError:
        return "unknown"


def _trusted(metadata_dir: Path, feed: Feed) -> tuple[int, str, RootKeys]:
    """After a refresh: the root TUF now trusts must name its keys honestly; then the targets version, the
    earliest expiry among the metadata vouching for it, and who can sign the root now."""
    root: Metadata[Root] = Metadata.from_file(str(metadata_dir / "root.json"))
    check_key_ids(root.signed, f"feed {feed.name}: root version {root.signed.version}")
    others = [Metadata.from_file(str(metadata_dir / f"{role}.json")) for role in ("timestamp", "snapshot", "targets")]
    expiries = [md.signed.expires for md in [root, *others]]
    return others[-1].signed.version, min(expiries).isoformat(), RootKeys.of(root.signed)


def _refused(feed: Feed, exc: Exception, phase: str) -> FeedError:
    """One line saying what was refused, in words, and that nothing changed."""
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    what: str
    if isinstance(exc, tuf_errors.DownloadLengthMismatchError):
        what = ("refused the catalogue: the server sent more than its signed length" if phase == "catalogue"
                else "refused metadata over its size limit (an endless or oversized file)")  # fmt: skip
    elif isinstance(exc, tuf_errors.LengthOrHashMismatchError):
        what = "refused the catalogue: it does not match its signed length and hashes"
    elif isinstance(exc, tuf_errors.BadVersionNumberError):
        what = "refused a rollback to an older version"
    elif isinstance(exc, tuf_errors.ExpiredMetadataError):
        what = "refused: the feed's signed metadata has expired (a frozen or stale feed)"
    elif isinstance(exc, tuf_errors.UnsignedMetadataError):
        what = "refused metadata not signed by the trusted keys"
    elif isinstance(exc, DeserializationError):
        what = f"refused metadata that is not valid TUF metadata ({_plain(exc)})"
    elif isinstance(exc, _TooManyRedirects) or "redirect" in str(cause).lower():
        what = f"refused: the server redirected more than {_Fetcher.MAX_REDIRECTS} times (a redirect loop?)"
    elif isinstance(exc, tuf_errors.SlowRetrievalError) and not _refused_connection(exc):
        what = f"timed out: {feed.url} stopped answering"
    elif isinstance(exc, tuf_errors.DownloadHTTPError):
        what = f"the server answered HTTP {exc.status_code}"
    elif isinstance(exc, tuf_errors.DownloadError):
        what = f"offline: cannot reach {feed.url}"
    else:
        what = f"refused: {_plain(exc)}"
    return FeedError(f"feed {feed.name}: {what}; {UNCHANGED}")


def _plain(exc: BaseException) -> str:
    """An exception's own words, or its cause's, or its kind: never an empty "refused: ;"."""
    for candidate in (exc, exc.__cause__, exc.__context__):
        if candidate is not None and str(candidate).strip():
            return str(candidate).strip()
    return type(exc).__name__


def _refused_connection(exc: BaseException) -> bool:
    """urllib3 files a refused connection under its connect time-outs (NewConnectionError subclasses
    ConnectTimeoutError): look at the cause to tell "offline" from "stopped answering"."""
    cause: Any = exc.__cause__
    reason = getattr(cause, "reason", cause)
    return type(reason).__name__ in ("NewConnectionError", "NameResolutionError")


# ------------------------------------------------------------------------------------------- local state


def _writable(place: Path, make: Any, *args: Any) -> None:
    """Run `make(*args)`; a folder that cannot be made or used is one line naming it."""
    try:
        make(*args)
        if not os.access(place, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied")
    except OSError as exc:
        raise FeedError(f"{place}: cannot write there ({exc.strerror or exc}); {UNCHANGED}") from None


def _sweep(*folders: Path) -> None:
    """What a killed update left: python-tuf's temporary files. Run under the update lock, so no live
    update owns them."""
    for folder in folders:
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                if _TUF_TEMP.match(entry.name) and entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)


def _unlink_if_not_regular(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        if not path.is_file() or path.is_symlink():
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()


def install(data_dir: Path, fetched: Fetched, now: dt.datetime, keep: Path | None) -> ActiveFeed:
    """Make a verified, validated catalogue the active one: write the file, then switch the state file. The
    catalogue that was active (`keep`) stays beside it, for `catalog diff --previous`; older ones go."""
    folder = active_dir(data_dir)
    _writable(folder, private_mkdir, folder)
    if not private(folder):  # every run would ignore what is installed there: say so, install nothing
        raise FeedError(f"{folder}: belongs to another user or others can write to it, so no run would use a "
                        f"catalogue installed there; remove it (or `chmod 700` it, if it is yours); {UNCHANGED}")  # fmt: skip
    state_file = folder / "state.json"
    if state_file.is_dir() and not state_file.is_symlink():  # a folder where the switch belongs: heal it
        shutil.rmtree(state_file, ignore_errors=True)
    catalogue = folder / f"catalogue.{fetched.sha256[:16]}.toml"
    state = ActiveFeed(
        feed=fetched.feed.name,
        catalogue=catalogue,
        version=fetched.version,
        signed=fetched.signed,
        expires=fetched.expires,
        verified=now.replace(microsecond=0).isoformat(),
        sha256=fetched.sha256,
    )
    try:
        write_atomic(catalogue, fetched.data, mode=0o600, follow_symlinks=False)
        write_active(data_dir, state)
    except OSError as exc:
        raise FeedError(f"{folder}: cannot write there ({exc.strerror or exc}); {UNCHANGED}") from None
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):  # earlier versions, and what a killed install left
            superseded = entry.name.startswith("catalogue.") and entry.name not in (catalogue.name, keep and keep.name)
            if (superseded or entry.name.endswith(".tmp")) and entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
    return state


def record_check(data_dir: Path, fetched: Fetched, now: dt.datetime) -> bool:
    """A successful check of the version in use renews how long it is vouched for. Returns whether it did."""
    try:
        active = read_active(data_dir)
    except DamagedState:
        return False
    if active is None or active.feed != fetched.feed.name or active.sha256 != fetched.sha256:
        return False
    try:
        write_active(
            data_dir, active._replace(expires=fetched.expires, verified=now.replace(microsecond=0).isoformat())
        )
    except OSError as exc:
        raise FeedError(f"{active_dir(data_dir)}: cannot write there ({exc.strerror or exc})") from None
    return True
