"""The saved profile: defaults for `compare` and `cost` (state, carrier, doses, budget, ...), as TOML.

Pure: reading and checking a profile's text, and rendering one. The CLI finds the file and writes it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .errors import ProfileError, too_many_digits
from .states import resolve_state

PROFILE_FILE = "profile.toml"


def _state(value: Any) -> str:
    code = resolve_state(value) if isinstance(value, str) else None
    if code is None:
        raise ValueError("must be a US state code or name, like 'TX'")
    return code


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or not value.isprintable():
        raise ValueError("must be a non-empty line of text")
    return value


def _doses(value: Any) -> int:
    from .vocabulary import MAX_DOSES

    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DOSES:
        raise ValueError(f"must be a whole number from 1 to {MAX_DOSES}")
    return value


def _dollars(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError("must be a finite, non-negative number of US dollars")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _dose_level(value: Any) -> str:
    from typing import get_args

    from .vocabulary import DoseLevelFlag

    if value not in get_args(DoseLevelFlag):
        raise ValueError("must be " + " or ".join(repr(choice) for choice in get_args(DoseLevelFlag)))
    return str(value)


# The profile's keys, in the order they are shown, with the check each value must pass.
PROFILE_KEYS: dict[str, Callable[[Any], Any]] = {
    "state": _state,
    "insurance": _text,
    "doses": _doses,
    "budget": _dollars,
    "monthly_budget": _dollars,
    "returning": _flag,
    "pay_in_full": _flag,
    "dose_level": _dose_level,
}


def check_value(key: str, value: Any) -> Any:
    """One profile value, checked and normalised; ValueError says what is wrong with it."""
    return PROFILE_KEYS[key](value)


def missing_state(profile: dict[str, Any]) -> bool:
    """A carrier without a state cannot be used: accepted carriers differ from state to state."""
    return "insurance" in profile and "state" not in profile


def check_profile(data: dict[str, Any], path: str) -> dict[str, Any]:
    """Validate a profile file's values; a bad one is an error naming the file and the key."""
    checked = {}
    for key, value in data.items():
        if key not in PROFILE_KEYS:
            raise ProfileError(f"{path}: unknown key {key!r}; valid keys: {', '.join(PROFILE_KEYS)}")
        try:
            checked[key] = check_value(key, value)
        except ValueError as exc:
            raise ProfileError(f"{path}: {key}: {exc} (fix the file or run `ketacli profile clear`)") from None
    if missing_state(checked):
        raise ProfileError(f"{path}: insurance: needs a state too (accepted carriers differ from state to state)")
    return checked


MAX_PROFILE_BYTES = 64 * 1024  # a profile is a few lines; anything larger is not one


def parse_profile(raw: bytes, path: str) -> dict[str, Any]:
    import tomllib

    from .fileio import decode_text

    fix = "fix the file or run `ketacli profile clear`"
    try:
        data = tomllib.loads(decode_text(raw))
    except UnicodeDecodeError:
        raise ProfileError(f"{path}: not UTF-8 text; {fix}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: invalid TOML: {exc}; {fix}") from None
    except RecursionError:
        raise ProfileError(f"{path}: invalid TOML: nested too deeply; {fix}") from None
    except ValueError as exc:
        raise ProfileError(f"{path}: {too_many_digits(exc) or exc}; {fix}") from None
    return check_profile(data, path)


def render_profile(profile: dict[str, Any]) -> str:
    import tomli_w

    ordered = {key: profile[key] for key in PROFILE_KEYS if key in profile}
    return "# ketacli profile: defaults for `compare` and `cost` (an explicit flag always wins).\n" + tomli_w.dumps(
        ordered
    )
