"""The catalogue a verified feed installed: where it lives and what is known about it. No TUF here.

Every command reads `active/state.json` (a few hundred bytes) to learn whether a feed catalogue is active;
only `update` writes it. The state file is the single switch: it names the catalogue file it vouches for,
and is replaced atomically after that file is complete, so a killed update leaves the previous pair.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, NamedTuple

from .fileio import ReadRefused, not_ours_alone, read_limited

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

    def to_json(self) -> dict[str, Any]:
        return {**self._asdict(), "catalogue": str(self.catalogue)}


def active_dir(data_dir: Path) -> Path:
    return data_dir / "active"


def read_active(data_dir: Path) -> ActiveFeed | None:
    """The installed feed catalogue, or None (none installed, or a state file that cannot be trusted, in
    which case the built-in catalogue is used, as if no feed had been installed)."""
    path = active_dir(data_dir) / STATE_FILE
    if not _private(active_dir(data_dir)):
        return None
    try:
        raw = json.loads(read_limited(path, _MAX_STATE_BYTES))
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
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, ReadRefused, ValueError, KeyError, TypeError):
        return None
    return state if state.catalogue.is_file() else None


def _private(folder: Path) -> bool:
    """Ours and writable by us alone, as the cache must be: otherwise another user could swap the catalogue."""
    import os

    try:
        return not_ours_alone(os.stat(folder)) is None
    except OSError:
        return False


def write_active(data_dir: Path, state: ActiveFeed) -> None:
    from .fileio import write_atomic

    body = {**state.to_json(), "catalogue": state.catalogue.name}
    write_atomic(active_dir(data_dir) / STATE_FILE, json.dumps(body, indent=2) + "\n", mode=0o600)


def clear_active(data_dir: Path) -> None:
    (active_dir(data_dir) / STATE_FILE).unlink(missing_ok=True)
