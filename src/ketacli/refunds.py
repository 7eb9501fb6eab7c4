"""Money at risk and money back: refund ladders per plan, and reimbursement figures. Pure, exact, unguessed.

A ladder applies to a plan only where the catalogue says so (its `plans` and `payment`); anything else is
"unknown", never filled in from another plan's or an older ladder's figures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .money import cents_to_json, to_cents
from .pricing import Purchase

if TYPE_CHECKING:
    from .document import Dollars, PlanDoc, ProviderDoc, RefundPolicyDoc, SubscriptionDoc


_PAYMENTS = {"self_pay": "self-pay", "insured": "with insurance", "any": "any payment"}


def _source(entry: ProviderDoc, source_id: str | None) -> dict[str, Any] | None:
    found = next((s for s in entry["sources"] if s["id"] == source_id), None)
    return None if found is None else {"title": found["title"], "url": found["url"], "date": found["date"]}


def _ladder(provider: ProviderDoc, ladder: RefundPolicyDoc, price_cents: int | None) -> dict[str, Any]:
    """A ladder with, at each stage, what you are charged and what you get back (when the price is known)."""

    def outcome(charged: int | None, condition: str | None) -> dict[str, Any]:
        back = None if charged is None or price_cents is None else price_cents - charged
        return {
            "charged": None if charged is None else cents_to_json(charged),
            "you_get_back": None if back is None else cents_to_json(back),
            "condition": condition,
        }

    stages = []
    for stage in ladder["stages"]:
        if stage["outcome"] == "full_refund":
            outcomes = [outcome(0, None)]
        elif stage["outcome"] == "no_refund":
            outcomes = [outcome(price_cents, None)]
        else:
            outcomes = [outcome(to_cents(c["amount"]), c.get("condition")) for c in stage["charged"]]
        stages.append({"when": stage["when"], "outcome": stage["outcome"], "outcomes": outcomes})
    return {
        "id": ladder["id"],
        "title": ladder["title"],
        "status": ladder["status"],
        "payment": ladder["payment"],
        "complete": ladder["complete"],
        "stops_after": ladder.get("stops_after"),
        "stages": stages,
        "note": ladder.get("note"),
        "source": _source(provider, ladder["source"]),
    }


def current_ladder(provider: ProviderDoc, plan_id: str, payment: str) -> RefundPolicyDoc | None:
    for ladder in provider["refunds"]:
        if ladder["status"] == "current" and plan_id in ladder["plans"] and ladder["payment"] in (payment, "any"):
            return ladder
    return None


def provider_refunds(provider: ProviderDoc, plan: str | None = None) -> dict[str, Any]:
    """Every plan × payment type with its ladder or null (unknown); older ladders as history."""
    rows = []
    for entry in provider["plans"]:
        payments: list[tuple[str, Dollars]] = [("self_pay", entry["price"])]
        insured_price = entry["insured_price"]
        if insured_price is not None:
            payments.append(("insured", insured_price))
        for payment, price in payments:
            ladder = current_ladder(provider, entry["id"], payment)
            cents = to_cents(price)
            rows.append(_plan_row(provider, entry, payment, cents, ladder))
    for sub in provider["subscriptions"]:
        rows.append(_plan_row(provider, sub, "self_pay", to_cents(sub["price"]), None))
    if plan is not None:
        rows = [row for row in rows if row["plan"] == plan]
    ineligible = provider["refund_if_ineligible"]
    return {
        "id": provider["id"],
        "name": provider["name"],
        "refund_if_ineligible": {
            "value": ineligible["value"],
            "note": ineligible.get("note"),
            "source": _source(provider, ineligible.get("source")),
        },
        "plans": rows,
        # Older policies belong to the provider-wide view; with one plan asked for, they are only noise.
        "history": [
            _ladder(provider, ladder, None)
            for ladder in provider["refunds"]
            if ladder["status"] == "historical" and plan is None
        ],
    }


def _plan_row(
    provider: ProviderDoc, entry: PlanDoc | SubscriptionDoc, payment: str, cents: int, ladder: RefundPolicyDoc | None
) -> dict[str, Any]:
    return {
        "plan": entry["id"],
        "name": entry["name"],
        "payment": payment,
        "price": cents_to_json(cents),
        "ladder": None if ladder is None else _ladder(provider, ladder, cents),
    }


def payment_words(payment: str) -> str:
    return _PAYMENTS[payment]


def reimbursement_up_to(provider: ProviderDoc, purchase: Purchase) -> int | None:
    """The most an out-of-network claim may return for this purchase, in cents, where a source states it.

    Only for a single new-client plan whose figure the source gives: the figure is never scaled, summed or
    carried over to another plan (the source says "more" for 12 or 18 sessions, and nothing per repeat).
    """
    if len(purchase.items) != 1 or purchase.items[0].quantity != 1:
        return None
    option = purchase.items[0].option
    if option.kind != "plan" or option.basis not in ("list", "pay_in_full"):
        return None
    for figure in provider["reimbursement_ranges"]:
        up_to = figure["up_to"]
        if option.key in figure["plans"] and up_to is not None:
            return to_cents(up_to)
    return None
