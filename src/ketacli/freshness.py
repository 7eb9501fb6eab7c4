"""How old the data is. Pure: today's date comes from the caller (the CLI reads the clock)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .document import Entry, RuleDoc


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


def stale_warning(entries: Sequence[Entry], today: dt.date, max_age: int, rules: Sequence[RuleDoc] = ()) -> str | None:
    """One line saying what is old and why it matters, most time-sensitive first: the rules these entries depend
    on, then their prices and plans, then their undated pages; None when nothing is older than max_age.
    Worded for a person (no flag names): the report's banner uses the same words."""
    by_date: dict[str, list[Age]] = {}
    for age in ages(entries, today, max_age):
        if age.stale:
            by_date.setdefault(age.as_of, []).append(age)
    needed = {rule_id for entry in entries for rule_id in entry["depends_on_rules"]}
    checked = sorted({r["checked"] for r in rules if r["id"] in needed})
    old_rules = [d for d in checked if max_age > 0 and (today - dt.date.fromisoformat(d)).days > max_age]
    if not by_date and not old_rules:
        return None
    parts = []
    if old_rules:
        days = (today - dt.date.fromisoformat(old_rules[0])).days
        parts.append(
            f"the prescribing rules were last checked on {old_rules[0]} ({days} days ago): one may have ended, "
            "been extended or been replaced since"
        )
    for as_of, group in sorted(by_date.items()):
        parts.append(
            f"prices and plans for {_names(group)} are from {as_of} ({group[0].days} days old) and may have changed"
        )
    stale_ids = {age.id for group in by_date.values() for age in group}
    undated = sum(1 for e in entries if e["id"] in stale_ids for s in e["sources"] if s["date"] == "undated")
    if undated:
        parts.append(f"{undated} of their source pages are undated, so how old those facts are is unknown")
    return f"warning: {'; '.join(parts)}. Check with the provider before you buy"


def _names(group: list[Age], most: int = 5) -> str:
    """Up to `most` names, then a count: a warning stays one readable line for any catalogue size."""
    names = ", ".join(age.name for age in group[:most])
    return names + (f" and {len(group) - most:,} more" if len(group) > most else "")
