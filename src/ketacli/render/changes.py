"""A change an update made to the profile's answers, in the words the tables use (never a coded value)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import usd
from .words import AVAILABILITY, INSURANCE, if_ineligible_words, shipment_loss_words

if TYPE_CHECKING:
    from ketacli.feed.changes import Change

_FIELD_WORDS = {
    "total": "price of what you would buy",
    "purchase": "what you would buy",
    "availability": "available in your state",
    "insurance": "insurance for your carrier",
    "refund_if_ineligible": "if found ineligible",
    "lose_if_stopped_after_first_shipment": "money lost if you stop after the first shipment",
    "prescribing_rule_until": "the telemedicine rule it depends on is set to end",
}


def value_words(field: str, value: Any) -> str:
    if field == "total":
        return "unknown" if value is None else usd(value)
    if field == "availability":
        return AVAILABILITY.get(value, str(value))
    if field == "insurance":
        return "not asked" if value is None else INSURANCE.get(value, str(value))
    if field == "refund_if_ineligible":
        return "unknown" if value is None else if_ineligible_words(value)
    if field == "lose_if_stopped_after_first_shipment":
        return shipment_loss_words(value)
    if field == "prescribing_rule_until":
        return "no date" if value is None else str(value)
    return "unknown" if value is None else str(value)


def change_words(change: Change) -> str:
    """'Better U: price of what you would buy: $500 → $550'."""
    if change.field == "provider":
        return f"{change.name}: {'added to' if change.new else 'removed from'} the catalogue"
    if change.field == "left_out":
        return (
            f"{change.name}: now left out: {change.new}" if change.new else f"{change.name}: now matches your profile"
        )
    old, new = value_words(change.field, change.old), value_words(change.field, change.new)
    return f"{change.name}: {_FIELD_WORDS[change.field]}: {old} → {new}"


def change_json(change: Change) -> dict[str, Any]:
    """The JSON of one change: {"id", "field", "old", "new", "what"} (docs/scripting.md's contract: a provider added
    or removed has null old and new)."""
    old, new = (None, None) if change.field == "provider" else (change.old, change.new)
    return {"id": change.id, "field": change.field, "old": old, "new": new, "what": change_words(change)}
