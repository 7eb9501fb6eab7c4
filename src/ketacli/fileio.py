"""Atomic file writes: a failed or interrupted write never leaves a half-written file behind."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path


def write_atomic(path: Path, content: str | bytes, *, mode: int | None = None) -> None:
    """Write to a temporary file in the same directory, fsync it, then rename it over `path`.

    A symlink is written through (its target is replaced, the link stays). An existing file keeps its
    permissions; a new one gets `mode`, or the usual 0666 less the umask (mkstemp alone would give 0600).
    """
    import tempfile  # only writes need it (it imports shutil and random): not on every catalogue read

    data = content.encode("utf-8") if isinstance(content, str) else content
    path = Path(os.path.realpath(path))
    try:
        keep = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        keep = mode if mode is not None else 0o666 & ~_umask()
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


class ReadRefused(ValueError):
    """A file ketacli will not read: not a regular file, or over the size limit."""


def read_limited(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most max_bytes, read without ever blocking or reading more.

    Opened non-blocking, so a FIFO cannot hang the run; checked with fstat on the open descriptor, so
    what is read is what was checked (a symlink to /dev/zero is refused, never read). OSError propagates.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ReadRefused("not a regular file")
        if info.st_size > max_bytes:
            raise ReadRefused(f"file is {info.st_size:,} bytes, over the {max_bytes:,}-byte limit")
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:  # the file grew while it was read
            raise ReadRefused(f"file is over the {max_bytes:,}-byte limit")
        return b"".join(chunks)
    finally:
        os.close(fd)


def decode_text(raw: bytes) -> str:
    """UTF-8 text; a leading byte-order mark (as Windows editors save it) is dropped. UnicodeDecodeError propagates."""
    return raw.decode("utf-8-sig")


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock (a `.lock` file beside `path`) around a read-modify-write of `path`, so that
    concurrent writers take turns instead of losing each other's updates. A no-op where flock is missing."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
