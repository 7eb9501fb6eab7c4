"""The catalogue a verified feed installed: where it lives and what is known about it. No TUF here.

Every command reads `active/state.json` (a few hundred bytes) to learn whether a feed catalogue is active;
only `update` writes it. The state file is the single switch: it names the catalogue file it vouches for,
and is replaced atomically after that file is complete, so a killed update leaves the previous pair.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any, NamedTuple

from ketacli.fileio import ReadRefused, not_ours_alone, read_limited

STATE_FILE = "state.json"
_MAX_STATE_BYTES = 64 * 1024


class ActiveFeed(NamedTuple):
    """A feed catalogue installed by `ketacli update`, as recorded when it was verified."""

    feed: str
    catalogue: Path
    version: int  # the signed targets version it came from
    signed: str  # when the publisher signed that version (ISO date-time, from the signed target entry)
    expires: str  # ISO date-time: the earliest expiry of the metadata that vouched for it
    verified: str  # ISO date-time of the last successful update or check
    sha256: str

    def expired(self, now: dt.datetime) -> bool:
        return dt.datetime.fromisoformat(self.expires) <= now

    def intact(self) -> bool:
        """Whether the installed file still has the bytes that were verified (its signed SHA-256)."""
        import hashlib

        digest = hashlib.sha256()
        try:
            with self.catalogue.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
        except OSError:
            return False
        return digest.hexdigest() == self.sha256

    def to_json(self) -> dict[str, Any]:
        return {**self._asdict(), "catalogue": str(self.catalogue)}


def active_dir(data_dir: Path) -> Path:
    return data_dir / "active"


class DamagedState(Exception):
    """`state.json` exists but cannot be read or trusted: said to the user, never silently ignored."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"{path}: {why}")
        self.path = path


def read_active(data_dir: Path) -> ActiveFeed | None:
    """The installed feed catalogue, or None when none is installed. A state file that exists but cannot be
    used raises DamagedState: the caller says so and uses the built-in catalogue until `update` repairs it."""
    path = active_dir(data_dir) / STATE_FILE
    try:
        os.stat(path, follow_symlinks=False)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise DamagedState(path, f"cannot be read ({exc.strerror or exc})") from None
    if not private(active_dir(data_dir)):
        raise DamagedState(active_dir(data_dir), "belongs to another user or others can write to it")
    try:
        raw = json.loads(read_limited(path, _MAX_STATE_BYTES, follow_symlinks=False))
        state = ActiveFeed(
            feed=str(raw["feed"]),
            catalogue=active_dir(data_dir) / Path(str(raw["catalogue"])).name,  # only ever a file beside it
            version=int(raw["version"]),
            signed=str(raw["signed"]),
            expires=str(raw["expires"]),
            verified=str(raw["verified"]),
            sha256=str(raw["sha256"]),
        )
        dt.datetime.fromisoformat(state.expires)
    except (OSError, ReadRefused, ValueError, KeyError, TypeError) as exc:
        raise DamagedState(path, f"damaged ({getattr(exc, 'strerror', None) or exc})") from None
    if not state.catalogue.is_file():
        raise DamagedState(state.catalogue, "the active catalogue it names is missing")
    return state


def private(folder: Path) -> bool:
    """Ours and writable by us alone, as the cache must be: otherwise another user could swap the catalogue."""
    try:
        return not_ours_alone(os.stat(folder)) is None
    except OSError:
        return False


def write_active(data_dir: Path, state: ActiveFeed) -> None:
    from ketacli.fileio import write_atomic

    body = {**state.to_json(), "catalogue": state.catalogue.name}
    write_atomic(active_dir(data_dir) / STATE_FILE, json.dumps(body, indent=2) + "\n", mode=0o600,
                 follow_symlinks=False)  # fmt: skip


def clear_active(data_dir: Path) -> None:
    (active_dir(data_dir) / STATE_FILE).unlink(missing_ok=True)


# ------------------------------------------------------------------------------------------- history

HISTORY_FILE = "history.json"
MAX_HISTORY = 500  # installs kept; a weekly update for ten years fits


class Installed(NamedTuple):
    """One install by `ketacli update`, as `ketacli changes` shows it (offline)."""

    installed: str  # ISO date-time
    feed: str
    version: int
    signed: str
    previous: str  # the catalogue in use before: "built-in", or a file kept beside the active one
    changes_for_you: list[str]  # in words, for the profile of that day
    other_changes: int


def read_history(data_dir: Path) -> list[Installed]:
    """Every install recorded, oldest first; none yet is []. A damaged file is DamagedState."""
    path = data_dir / HISTORY_FILE
    try:
        raw = json.loads(read_limited(path, 16 * 1024 * 1024, follow_symlinks=False))
        return [Installed(str(e["installed"]), str(e["feed"]), int(e["version"]), str(e["signed"]), str(e["previous"]),
                          [str(w) for w in e["changes_for_you"]], int(e["other_changes"])) for e in raw]  # fmt: skip
    except (FileNotFoundError, NotADirectoryError):
        return []
    except (OSError, ReadRefused, ValueError, KeyError, TypeError) as exc:
        raise DamagedState(path, f"damaged ({getattr(exc, 'strerror', None) or exc})") from None


def record_install(data_dir: Path, entry: Installed) -> None:
    from ketacli.fileio import write_atomic

    try:
        history = read_history(data_dir)
    except DamagedState:
        history = []  # replaced by a good one: the install itself is what matters
    body = [item._asdict() for item in [*history, entry][-MAX_HISTORY:]]
    write_atomic(data_dir / HISTORY_FILE, json.dumps(body, indent=1) + "\n", mode=0o600, follow_symlinks=False)


def previous_catalogue(data_dir: Path) -> Path | None:
    """The catalogue in use before the last install: a kept file, or None for the built-in one. Raises
    LookupError when no install is recorded, FileNotFoundError when that file is no longer kept."""
    history = read_history(data_dir)
    if not history:
        raise LookupError("no update has installed a catalogue yet")
    previous = history[-1].previous
    if previous == "built-in":
        return None
    path = active_dir(data_dir) / Path(previous).name
    if not path.is_file():
        raise FileNotFoundError(path)
    return path
