"""How old the data is. Pure: today's date comes from the caller (the CLI reads the clock)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .document import Dated, Entry, RuleDoc


DEFAULT_MAX_AGE_DAYS = 365


class Age(NamedTuple):
    id: str
    name: str
    as_of: str
    days: int
    stale: bool


def ages(entries: Sequence[Dated], today: dt.date, max_age: int) -> list[Age]:
    """Each entry's age in days on `today`; stale when older than max_age (max_age 0: never stale)."""
    result = []
    for entry in entries:
        days = (today - dt.date.fromisoformat(entry["as_of"])).days
        result.append(Age(entry["id"], entry["name"], entry["as_of"], days, max_age > 0 and days > max_age))
    return result


def dated_facts(
    entries: Sequence[Entry], rules: Sequence[RuleDoc], today: dt.date, max_age: int
) -> list[dict[str, object]]:
    """`catalog stale`: each entry's prices date (`as_of`) beside its newest dated source and how many of its
    sources are undated, then each rule by the date it was checked. Mixed dates stay mixed: a 2026 source does
    not make 2025 prices new."""
    rows: list[dict[str, object]] = []
    for entry, age in zip(entries, ages(entries, today, max_age), strict=True):
        dated = [s["date"] for s in entry["sources"] if s["date"] != "undated"]
        rows.append({
            **age._asdict(),
            "kind": "provider" if "plans" in entry else "alternative",
            "newest_source": max(dated, default=None),
            "undated_sources": len(entry["sources"]) - len(dated),
        })  # fmt: skip
    for rule in rules:
        dated = [s["date"] for s in rule["sources"] if s["date"] != "undated"]
        days = (today - dt.date.fromisoformat(rule["checked"])).days
        rows.append({
            "id": rule["id"], "name": rule["title"], "as_of": rule["checked"], "days": days,
            "stale": max_age > 0 and days > max_age, "kind": "rule", "newest_source": max(dated, default=None),
            "undated_sources": len(rule["sources"]) - len(dated),
        })  # fmt: skip
    return rows


def undated_sources(entries: Sequence[Entry]) -> dict[str, int]:
    """How many of each entry's source pages are undated (a ranking's query document carries these counts
    instead of the sources themselves)."""
    return {e["id"]: sum(1 for s in e["sources"] if s["date"] == "undated") for e in entries}


def stale_warning(
    entries: Sequence[Dated],
    today: dt.date,
    max_age: int,
    rules: Sequence[RuleDoc],
    undated: Mapping[str, int],
) -> str | None:
    """One line saying what is old and why it matters, most time-sensitive first: the rules these entries depend
    on, then their prices and plans, then their undated pages; None when nothing is older than max_age.
    Worded for a person (no flag names): the report's banner uses the same words. `undated`: each entry's
    count of undated sources (`undated_sources`)."""
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
    undated_pages = sum(undated.get(entry_id, 0) for entry_id in stale_ids)
    if undated_pages:
        parts.append(f"{undated_pages} of their source pages are undated, so how old those facts are is unknown")
    return f"warning: {'; '.join(parts)}. Check with the provider before you buy"


def _names(group: list[Age], most: int = 5) -> str:
    """Up to `most` names, then a count: a warning stays one readable line for any catalogue size."""
    names = ", ".join(age.name for age in group[:most])
    return names + (f" and {len(group) - most:,} more" if len(group) > most else "")
