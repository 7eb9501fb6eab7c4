"""What the environment and the global options choose: the catalogue in use (and its cache), the profile.

Reads environment variables and files; never writes to a stream except through cli_output.
"""

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from .catalogue import DEFAULT_MAX_BYTES, load_catalogue
from .cli_clock import today
from .cli_output import note
from .errors import ProfileError, UsageError
from .fileio import ReadRefused, read_limited

if TYPE_CHECKING:
    from .catalogue import LoadedCatalogue


class Settings:
    """What the global options chose for this run."""

    catalog: Path | None = None
    debug: bool = False


_settings = Settings()


def load() -> "LoadedCatalogue":
    """The catalogue chosen by --catalog / KETACLI_CATALOG, or the built-in one, through the cache."""

    loaded = load_catalogue(_settings.catalog, cache_dir=_cache_dir(), max_bytes=_max_bytes(DEFAULT_MAX_BYTES))
    _check_fixed_date(loaded)
    return loaded


def _check_fixed_date(loaded: "LoadedCatalogue") -> None:
    """KETACLI_TODAY before the data's own date would make every age negative: refuse it before any output."""
    if not os.environ.get("KETACLI_TODAY"):
        return
    fixed = today().isoformat()
    newest = max((entry["as_of"] for entry in loaded.providers + loaded.alternatives), default=fixed)
    if fixed < newest:
        raise UsageError(f"KETACLI_TODAY={fixed} is before the data's as_of date {newest}; use a later date")


def _cache_dir() -> Path | None:
    if os.environ.get("KETACLI_NO_CACHE"):
        return None
    if os.environ.get("KETACLI_CACHE_DIR"):
        return Path(os.environ["KETACLI_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ketacli"


def _max_bytes(default: int) -> int:
    value = os.environ.get("KETACLI_MAX_CATALOG_BYTES", "")
    if not value:
        return default
    if not value.isdigit():
        raise UsageError(f"KETACLI_MAX_CATALOG_BYTES must be a whole number of bytes, not {value!r}")
    return int(value)


def config_dir() -> Path:
    if os.environ.get("KETACLI_CONFIG_DIR"):
        return Path(os.environ["KETACLI_CONFIG_DIR"])
    return Path(typer.get_app_dir("ketacli"))


def profile_path() -> Path:
    from .profile import PROFILE_FILE

    return config_dir() / PROFILE_FILE


def read_profile() -> dict[str, Any]:
    """The saved profile, or {} when there is none; a broken one is an error naming file and key."""
    from .profile import MAX_PROFILE_BYTES, parse_profile

    path = profile_path()
    try:
        raw = read_limited(path, MAX_PROFILE_BYTES)
    except FileNotFoundError:
        return {}
    except ReadRefused as exc:
        raise ProfileError(f"{path}: {exc}; fix the file or run `ketacli profile clear`") from None
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read profile: {exc.strerror or exc}") from None

    return parse_profile(raw, str(path))


def with_profile(flags: dict[str, Any], use_profile: bool) -> dict[str, Any]:
    """Fill the flags the user left unset (None) from the saved profile; an explicit flag always wins."""
    if not use_profile:
        return flags
    applied = {}
    for key, value in read_profile().items():
        if key in flags and flags[key] is None:
            flags[key] = applied[key] = value
    if applied:
        shown = ", ".join(f"{key}={value}" for key, value in applied.items())
        note(f"using profile values {shown} (--no-profile ignores them)")
    return flags
