"""File writes that never destroy: a regular file is replaced atomically (never half-written); anything
else that exists (a device, a FIFO, a socket) is written in place, never renamed over."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

STALE_TEMP_SECONDS = 3600  # a temporary file this old was left by a killed run


FIFO_WAIT_SECONDS = 10  # how long a FIFO with no reader is waited for before the write is given up


def write_output_file(path: Path, content: str | bytes, *, on_fifo_wait: Callable[[], None] | None = None) -> None:
    """Write `content` to `path` as a person means it: a regular file (or a symlink to one, or nothing yet)
    is replaced atomically, keeping its mode; a device, FIFO or socket is opened and written in place (as
    `cat > /dev/null` would), so /dev/null keeps working, /dev/full fails with ENOSPC and a FIFO's reader gets
    the content. A directory is IsADirectoryError. OSError propagates."""
    import errno

    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "Is a directory")
    if info is None or stat.S_ISREG(info.st_mode):
        write_atomic(path, data)
        return
    if stat.S_ISFIFO(info.st_mode):
        fd = _open_fifo(path, on_fifo_wait)
    else:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_BINARY", 0))  # no O_CREAT, no O_TRUNC: it exists
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _open_fifo(path: Path, on_wait: Callable[[], None] | None) -> int:
    """A FIFO opened for writing once a reader has it open, waiting at most FIFO_WAIT_SECONDS (a plain open
    would block forever with no reader); then written in blocking mode, as any pipe."""
    import errno
    import fcntl
    import time

    deadline = time.monotonic() + FIFO_WAIT_SECONDS
    told = False
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                raise
            if time.monotonic() >= deadline:
                raise OSError(errno.ENXIO, f"no program read the FIFO within {FIFO_WAIT_SECONDS} s") from None
            if not told and on_wait is not None:
                on_wait()
                told = True
            time.sleep(0.05)
            continue
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        return fd


def sweep_stale_temps(folder: Path, prefix: str, now: float | None = None) -> None:
    """Remove temporary files (`{prefix}*.tmp`) that a killed run left, once older than an hour."""
    import time

    limit = (time.time() if now is None else now) - STALE_TEMP_SECONDS
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(prefix) and entry.name.endswith(".tmp"):
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < limit:
                    os.unlink(entry.path)


def write_atomic(path: Path, content: str | bytes, *, mode: int | None = None, follow_symlinks: bool = True) -> None:
    """Write to a temporary file in the same directory, fsync it, then rename it over `path`.

    A symlink is written through (its target is replaced, the link stays), unless `follow_symlinks` is
    False: then the link itself is replaced by the new file and its target is never touched. With `mode`
    (private files: the cache, the profile, feed state), the file always gets it, whatever was there
    before; without, an existing file keeps its permissions and a new one gets the usual 0666 less the
    umask (the temporary file alone would be 0600).
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    if follow_symlinks and os.path.islink(path):
        path = Path(os.path.realpath(path))  # write the link's target; the link stays
    # Otherwise the path stays as given: made absolute, a relative path from a deep current folder could pass
    # PATH_MAX although the kernel resolves it fine.
    prefix = _temp_prefix(path)
    sweep_stale_temps(path.parent, prefix)
    keep = mode if mode is not None else _existing_mode(path, follow_symlinks)
    fd, temp_name = _new_temp(path.parent, prefix)
    try:
        os.chmod(temp_name, keep)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _new_temp(folder: Path, prefix: str) -> tuple[int, str]:
    """A new private file `{prefix}XXXXXXXX.tmp` in `folder`, its path kept as given (tempfile.mkstemp makes it
    absolute, which calls getcwd and fails in a folder deeper than PATH_MAX)."""
    import secrets

    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        name = os.path.join(folder, f"{prefix}{secrets.token_hex(4)}.tmp")
        try:
            return os.open(name, flags, 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(f"{folder}: no free temporary name")


def _temp_prefix(path: Path) -> str:
    """`.NAME.` for the temporary file beside `path`, NAME cut short so that the whole temporary name (the
    prefix, `_new_temp`'s 8 random characters and `.tmp`) fits the folder's NAME_MAX, as a legal
    255-character file name would not otherwise."""
    try:
        name_max = os.pathconf(path.parent, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        name_max = 255
    return f".{path.name[: max(name_max - 14, 1)]}."


def _existing_mode(path: Path, follow_symlinks: bool) -> int:
    """The permissions of the file being replaced, or 0666 less the umask for a new file (or a link that
    is itself replaced)."""
    try:
        info = os.stat(path, follow_symlinks=follow_symlinks)
    except FileNotFoundError:
        return 0o666 & ~_umask()
    return 0o666 & ~_umask() if stat.S_ISLNK(info.st_mode) else stat.S_IMODE(info.st_mode)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def not_ours_alone(info: os.stat_result) -> Literal["another_owner", "others_can_write"] | None:
    """Why a file or folder with this `stat` could hold what another user wrote, or None when it is ours
    and only we can write to it: the test the cache, the profile and the active feed catalogue all pass."""
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        return "another_owner"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "others_can_write"
    return None


class ReadRefused(ValueError):
    """A file ketacli will not read: not a regular file, or over the size limit."""


def read_limited(path: Path, max_bytes: int, *, follow_symlinks: bool = True) -> bytes:
    """The bytes of a regular file of at most max_bytes, read without ever blocking or reading more.

    Opened non-blocking, so a FIFO cannot hang the run; checked with fstat on the open descriptor, so
    what is read is what was checked (a symlink to /dev/zero is refused, never read). OSError propagates.
    Read in one piece where the file does not grow, so a large file is never held twice.
    """
    return b"".join(iter_limited(path, max_bytes, follow_symlinks=follow_symlinks, chunk_size=None))


def iter_limited(
    path: Path, max_bytes: int, *, follow_symlinks: bool = True, chunk_size: int | None = 1 << 20
) -> Iterator[bytes]:
    """`read_limited` a chunk at a time, for a reader that need never hold the whole file (the catalogue's
    checksum); the same checks, made before the first chunk is yielded. `chunk_size` None: the file's size."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)  # a link is ELOOP, never its target
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ReadRefused("not a regular file")
        if info.st_size > max_bytes:
            raise ReadRefused(f"file is {info.st_size:,} bytes, over the {max_bytes:,}-byte limit")
        # One read for a regular file that does not grow; at least 64 KiB at a time for one that reports
        # size 0 (/proc files), so a limit is never reached a byte at a time.
        size, step = 0, chunk_size or max(info.st_size + 1, 1 << 16)
        while size <= max_bytes:
            chunk = os.read(fd, min(step, max_bytes + 1 - size))
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:  # the file grew while it was read
                raise ReadRefused(f"file is over the {max_bytes:,}-byte limit")
            yield chunk
    finally:
        os.close(fd)


def decode_text(raw: bytes) -> str:
    """UTF-8 text; a leading byte-order mark (as Windows editors save it) is dropped. UnicodeDecodeError propagates."""
    return raw.decode("utf-8-sig")


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock (a `.lock` file beside `path`) around a read-modify-write of `path`, so that
    concurrent writers take turns instead of losing each other's updates."""
    with exclusive_lock(path.with_name(path.name + ".lock")):
        yield


@contextlib.contextmanager
def exclusive_lock(lock_file: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold an exclusive flock on `lock_file` (created, never followed through a link). When another
    process holds it, `on_wait` is called once (to say so) before waiting. A no-op where flock is missing."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
