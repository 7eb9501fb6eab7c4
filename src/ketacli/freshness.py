"""How old the data is. Pure: today's date comes from the caller (the CLI reads the clock)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .document import Entry


DEFAULT_MAX_AGE_DAYS = 365


class Age(NamedTuple):
    id: str
    name: str
    as_of: str
    days: int
    stale: bool


def ages(entries: Sequence[Entry], today: dt.date, max_age: int) -> list[Age]:
    """Each entry's age in days on `today`; stale when older than max_age (max_age 0: never stale)."""
    result = []
    for entry in entries:
        days = (today - dt.date.fromisoformat(entry["as_of"])).days
        result.append(Age(entry["id"], entry["name"], entry["as_of"], days, max_age > 0 and days > max_age))
    return result


def stale_warning(entries: Sequence[Entry], today: dt.date, max_age: int) -> str | None:
    """One line naming the entries older than max_age, or None."""
    by_date: dict[str, list[Age]] = {}
    for age in ages(entries, today, max_age):
        if age.stale:
            by_date.setdefault(age.as_of, []).append(age)
    if not by_date:
        return None
    parts = [f"{_names(group)} from {as_of} ({group[0].days} days old)" for as_of, group in sorted(by_date.items())]
    return f"warning: data for {'; '.join(parts)}, over --max-age {max_age}: prices and policies may have changed"


def _names(group: list[Age], most: int = 5) -> str:
    """Up to `most` names, then a count: a warning stays one readable line for any catalogue size."""
    names = ", ".join(age.name for age in group[:most])
    return names + (f" and {len(group) - most:,} more" if len(group) > most else "")
