"""The one list of output fields: each row key, how it is read from an `Evaluation`, and which commands carry
it. JSON and CSV rows, `--fields` and the README's row contract all come from `FIELDS` (a test checks the
README against it); tables choose their columns from these keys (render/reports.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, NamedTuple

from .evaluation import Evaluation
from .money import cents_to_json
from .pricing import Purchase
from .refunds import Charge, lost_if_ineligible

Command = Literal["cost", "compare"]
BOTH: frozenset[Command] = frozenset({"cost", "compare"})
COMPARE: frozenset[Command] = frozenset({"compare"})


class OutputField(NamedTuple):
    key: str
    read: Callable[[Evaluation[Any]], Any]  # the JSON value (dollars as numbers, None for unknown)
    commands: frozenset[Command] = BOTH


def _money(cents: int | None) -> int | float | None:
    return None if cents is None else cents_to_json(cents)


def _bought(read: Callable[[Purchase], Any]) -> Callable[[Evaluation[Any]], Any]:
    """A field of the purchase, or None where no purchase could be priced."""
    return lambda e: None if e.purchase is None else read(e.purchase)


def _net(e: Evaluation[Any]) -> int | float | None:
    if e.purchase is None or e.money_back is None:
        return None
    return cents_to_json(max(e.purchase.total - e.money_back, 0))


def _price_range(e: Evaluation[Any]) -> list[int | float] | None:
    prices = e.option_prices
    return [cents_to_json(min(prices)), cents_to_json(max(prices))] if prices else None


FIELDS: list[OutputField] = [
    OutputField("rank", lambda e: e.rank),
    OutputField("id", lambda e: e.provider["id"]),
    OutputField("name", lambda e: e.provider["name"]),
    OutputField("availability", lambda e: e.availability),
    OutputField("doses_requested", lambda e: e.criteria.doses),
    OutputField("doses", _bought(lambda p: p.doses_covered)),
    OutputField("surplus", lambda e: e.purchase.surplus if e.purchase and e.criteria.doses is not None else None),
    OutputField("total", _bought(lambda p: cents_to_json(p.total))),
    OutputField("per_dose", _bought(lambda p: cents_to_json(p.per_dose))),
    OutputField("purchase", _bought(lambda p: p.describe())),
    OutputField("items", lambda e: purchase_items(e.purchase) if e.purchase else []),
    OutputField("insurance", lambda e: e.insurance),
    OutputField("insured_price", lambda e: bool(e.purchase and "insured" in e.purchase.bases)),
    OutputField("returning_price", lambda e: bool(e.purchase and "returning" in e.purchase.bases)),
    OutputField("dose_level", lambda e: e.provider["dose_level"]),
    OutputField("refund_if_ineligible", lambda e: e.refund_if_ineligible),
    OutputField("lose_if_ineligible", lambda e: _money(lost_if_ineligible(e.refund_if_ineligible))),
    OutputField("lose_if_stopped_after_first_shipment", lambda e: _charges_json(e.first_shipment_loss)),
    OutputField("reimbursement_up_to", lambda e: _money(e.money_back)),
    OutputField("net_best_case", _net),
    OutputField("prescribing_rule_until", lambda e: e.prescribing_rule_until),
    OutputField("notes", lambda e: list(e.notes)),
    OutputField("as_of", lambda e: e.provider["as_of"]),
    OutputField("states_served", lambda e: e.provider["availability"]["states_reported"], COMPARE),
    OutputField("states_list_complete", lambda e: e.provider["availability"]["list_complete"], COMPARE),
    OutputField("per_dose_range", _price_range, COMPARE),
    OutputField(
        "accepted_carriers",
        lambda e: None if e.ask is None else [e.ask.carrier] if e.insurance == "accepted" else [],
        COMPARE,
    ),
    OutputField("hsa_fsa", lambda e: e.provider["insurance"]["hsa_fsa"], COMPARE),
    OutputField("financing", lambda e: e.provider["financing"]["available"], COMPARE),
    OutputField("lowest_monthly_payment", lambda e: _money(e.monthly), COMPARE),
    OutputField("consultation", lambda e: e.provider["consultation"]["cost"], COMPARE),
    OutputField("sitter_required", lambda e: e.provider["care"]["sitter_required"], COMPARE),
    OutputField("id_verification", lambda e: e.provider["care"]["id_verification"], COMPARE),
    OutputField("integration", lambda e: e.provider["care"]["integration"], COMPARE),
    OutputField("delivery", lambda e: e.provider["delivery"], COMPARE),
    OutputField(
        "in_clinic",
        lambda e: [c["state"] for c in e.provider["availability"]["in_clinic"] if c["ketamine_sessions"]],
        COMPARE,
    ),
]

COST_FIELDS = [f.key for f in FIELDS if "cost" in f.commands]
COMPARE_FIELDS = [f.key for f in FIELDS if "compare" in f.commands]
ROW_FIELDS = COST_FIELDS  # the row contract shared by `cost` and `compare` (README, "The row contract")


def row(evaluation: Evaluation[Any], command: Command) -> dict[str, Any]:
    """The JSON-ready row a command shows for one evaluation, in the registry's order."""
    return {f.key: f.read(evaluation) for f in FIELDS if command in f.commands}


def purchase_items(purchase: Purchase) -> list[dict[str, Any]]:
    return [
        {
            "option": item.option.key,
            "description": item.option.description,
            "kind": item.option.kind,
            "price_basis": item.option.basis,
            "count": item.quantity,
            "doses": item.doses,
            "unit_price": cents_to_json(item.option.price),
            "subtotal": cents_to_json(item.subtotal),
            "installments": _installments_json(item.option.installments),
        }
        for item in purchase.items
    ]


def _installments_json(schedule: tuple[int, int] | None) -> dict[str, Any] | None:
    return {"count": schedule[0], "amount": cents_to_json(schedule[1]), "period": "month"} if schedule else None


def _charges_json(charges: tuple[Charge, ...] | None) -> list[dict[str, Any]] | None:
    if charges is None:
        return None
    return [{"amount": cents_to_json(c.amount), "condition": c.condition} for c in charges]
