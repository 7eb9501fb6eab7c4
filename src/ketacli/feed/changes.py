"""After an update: what changed that matters to the saved profile, and how many other changes there are.

Pure: two loaded catalogues and a profile in, plain data out. "Matters" means what the person would decide
on: the price of what they would buy, availability in their state, insurance for their carrier, the
refund answer for that purchase, and the rules providers depend on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ketacli.criteria import Criteria
from ketacli.diff import diff_catalogues
from ketacli.money import format_usd, to_cents
from ketacli.query import compare

if TYPE_CHECKING:
    from ketacli.catalogue import LoadedCatalogue

# Row fields compared per provider, with how to say a change in words.
_WATCHED = {
    "total": "price of what you would buy",
    "purchase": "what you would buy",
    "availability": "availability in your state",
    "insurance": "insurance for your carrier",
    "refund_if_ineligible": "refund if found ineligible",
    "lose_if_stopped_after_first_shipment": "money lost if you stop after the first shipment",
    "prescribing_rule_until": "end of the telemedicine rule it depends on",
}


def _criteria(profile: dict[str, Any]) -> Criteria:
    return Criteria(state=profile.get("state"), doses=profile.get("doses"), insurance=profile.get("insurance"))


def _rows(catalogue: LoadedCatalogue, criteria: Criteria) -> dict[str, dict[str, Any]]:
    try:
        result = compare(catalogue, criteria)
    except Exception:  # noqa: BLE001 - e.g. a carrier the new catalogue no longer lists: nothing to compare
        return {}
    rows = {row["id"]: row for row in result.rows}
    for excluded in result.excluded:
        rows[excluded.provider["id"]] = {"id": excluded.provider["id"], "name": excluded.provider["name"],
                                         "left_out": "; ".join(excluded.reasons)}  # fmt: skip
    return rows


def _words(field: str, value: Any) -> str:
    if value is None:
        return "unknown"
    if field == "total":
        return format_usd(to_cents(value))
    return str(value)


def changes_for_profile(
    old: LoadedCatalogue, new: LoadedCatalogue, profile: dict[str, Any]
) -> tuple[list[dict[str, Any]], int]:
    """The changes to the profile's own answers (one per provider and field), and the count of all others."""
    criteria = _criteria(profile)
    before, after = _rows(old, criteria), _rows(new, criteria)
    mine: list[dict[str, Any]] = []
    for provider_id in sorted(set(before) | set(after)):
        was, now = before.get(provider_id), after.get(provider_id)
        name = (now or was or {}).get("name", provider_id)
        if was is None or now is None:
            what = "added to the catalogue" if was is None else "removed from the catalogue"
            mine.append({"id": provider_id, "field": "provider", "old": None, "new": None, "what": f"{name}: {what}"})
            continue
        if ("left_out" in was) != ("left_out" in now):
            what = f"now left out: {now['left_out']}" if "left_out" in now else "now matches your profile"
            mine.append({"id": provider_id, "field": "left_out", "old": was.get("left_out"),
                         "new": now.get("left_out"), "what": f"{name}: {what}"})  # fmt: skip
            continue
        for field, words in _WATCHED.items():
            if field in was and was[field] != now.get(field):
                mine.append({
                    "id": provider_id, "field": field, "old": was[field], "new": now.get(field),
                    "what": f"{name}: {words}: {_words(field, was[field])} → {_words(field, now.get(field))}",
                })  # fmt: skip
    total = len(diff_catalogues(old.data, new.data))
    return mine, max(total - len(mine), 0)
