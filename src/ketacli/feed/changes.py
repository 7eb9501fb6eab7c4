"""After an update: what changed that matters to the saved profile, and how many other changes there are.

Pure: two loaded catalogues and the profile's question in, typed changes out (`render/changes.py` words
them). "Matters" means what the person would decide on: the price of what they would buy, availability in
their state, insurance for their carrier, the refund answers for that purchase, and the rules providers
depend on, all for the question the whole saved profile asks (state, carrier, doses, budgets, returning,
pay in full, dose level).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from ketacli.diff import diff_catalogues
from ketacli.errors import KetaError
from ketacli.query import compare

if TYPE_CHECKING:
    from ketacli.catalogue import LoadedCatalogue
    from ketacli.criteria import Criteria

# The row fields compared per provider, in the order they are said.
WATCHED = (
    "total",
    "purchase",
    "availability",
    "insurance",
    "refund_if_ineligible",
    "lose_if_stopped_after_first_shipment",
    "prescribing_rule_until",
)
ChangeKind = Literal["provider", "left_out", "total", "purchase", "availability", "insurance",
                     "refund_if_ineligible", "lose_if_stopped_after_first_shipment", "prescribing_rule_until"]  # fmt: skip


class Change(NamedTuple):
    """One provider's answer to the profile's question, before and after. `old`/`new` are the row's JSON
    values (None where absent); for "provider", whether it is in the catalogue; for "left_out", the reasons."""

    id: str
    name: str
    field: ChangeKind
    old: Any
    new: Any


def _rows(catalogue: LoadedCatalogue, criteria: Criteria) -> dict[str, dict[str, Any]]:
    """Each provider's answer to the profile's question: its row, or why the filters left it out."""
    try:
        result = compare(catalogue, criteria)
    except KetaError:  # e.g. a carrier the new catalogue no longer lists: nothing to compare
        return {}
    rows: dict[str, dict[str, Any]] = {row["id"]: dict(row) for row in result.rows}
    for excluded in result.excluded:
        rows[excluded.provider["id"]] = {"id": excluded.provider["id"], "name": excluded.provider["name"],
                                         "left_out": "; ".join(excluded.reasons)}  # fmt: skip
    return rows


def changes_for_profile(old: LoadedCatalogue, new: LoadedCatalogue, criteria: Criteria) -> tuple[list[Change], int]:
    """The changes to the profile's own answers (one per provider and field), and the count of all others."""
    before, after = _rows(old, criteria), _rows(new, criteria)
    mine: list[Change] = []
    for provider_id in sorted(set(before) | set(after)):
        was, now = before.get(provider_id), after.get(provider_id)
        name = str((now or was or {}).get("name", provider_id))
        if was is None or now is None:
            mine.append(Change(provider_id, name, "provider", was is not None, now is not None))
        elif ("left_out" in was) != ("left_out" in now):
            mine.append(Change(provider_id, name, "left_out", was.get("left_out"), now.get("left_out")))
        else:
            mine += [Change(provider_id, name, field, was[field], now.get(field))  # type: ignore[arg-type]
                     for field in WATCHED if field in was and was[field] != now.get(field)]  # fmt: skip
    total = len(diff_catalogues(old.data, new.data))
    return mine, max(total - len(mine), 0)
