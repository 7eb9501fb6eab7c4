"""Money at risk and money back: refund ladders per plan, and reimbursement figures. Pure, exact, unguessed.

A ladder applies to a plan only where the catalogue says so (its `plans` and `payment`); anything else is
"unknown", never filled in from another plan's or an older ladder's figures.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal, NamedTuple, TypedDict

from .ahead import ahead_of
from .money import cents_to_json, format_usd, to_cents
from .pricing import Purchase

if TYPE_CHECKING:
    from .document import (
        Dollars,
        InstallmentsDoc,
        PlanDoc,
        ProviderDoc,
        RankedProviderDoc,
        RefundPolicyDoc,
        SubscriptionDoc,
    )


_PAYMENTS = {"self_pay": "self-pay", "insured": "with insurance", "any": "any payment"}
# A stage at (or before) the first evaluation: the only point at which a schedule says exactly what was paid.
_INELIGIBILITY = re.compile(r"not eligible|ineligib|not a good (candidate|fit)", re.IGNORECASE)
# The stage a person reaches when they stop once the first medicine has shipped ("after your first medicine
# shipment", "after your initial prescription and Bloombox have shipped").
_AFTER_FIRST_SHIPMENT = re.compile(r"after (your )?(first|initial) (medicine shipment|prescription .*shipped)", re.I)
_BEFORE_EVALUATION = re.compile(r"before (your |the )?(initial |first )?(clinician )?(consult|evaluation)", re.I)


IneligibleAnswer = Literal["nothing_paid", "full", "unknown"]


# The refunds document (`ketacli refunds --json`, and the report's refunds section): typed to the renderer.
class SourceRef(TypedDict):
    title: str
    url: str
    date: str


class Settlement(TypedDict):
    installments_paid: int | None  # None: paid in full
    paid: Dollars
    you_get_back: Dollars
    you_owe: Dollars


class ByPayment(TypedDict):
    way: str  # "pay_in_full", "installments", "price"
    words: str
    paid_by_then: Dollars | None
    cases: list[Settlement]
    rule: str | None  # the rule in words, where no figure can be exact


class Outcome(TypedDict):
    charged: Dollars | None  # None: no refund
    condition: str | None
    by_payment: list[ByPayment]


class Stage(TypedDict):
    when: list[str]
    outcome: str
    outcomes: list[Outcome]


class Ladder(TypedDict):
    id: str
    title: str
    status: str
    payment: str
    clients: str
    complete: bool
    stops_after: str | None
    stages: list[Stage]
    note: str | None
    source: SourceRef | None


class PaidAheadDoc(TypedDict):
    before_first_session: Dollars | None
    most_ahead: Dollars | None
    by_installments: bool


class PlanRefunds(TypedDict):
    plan: str
    name: str
    payment: str
    price: Dollars
    ways_of_paying: list[str]
    ladder: Ladder | None
    if_found_ineligible: IneligibleAnswer
    paid_ahead: PaidAheadDoc


class IneligibleSummary(TypedDict):
    value: str
    stated: str
    note: str | None
    source: SourceRef | None


class ProviderRefunds(TypedDict):
    id: str
    name: str
    refund_if_ineligible: IneligibleSummary
    plans: list[PlanRefunds]
    history: list[Ladder]


def _source(entry: ProviderDoc, source_id: str | None) -> SourceRef | None:
    found = next((s for s in entry["sources"] if s["id"] == source_id), None)
    return None if found is None else {"title": found["title"], "url": found["url"], "date": found["date"]}


class WayOfPaying(NamedTuple):
    """One way to pay for a plan, as the sources state it."""

    kind: Literal["pay_in_full", "installments", "price"]
    total: int  # cents
    installment_count: int = 1
    amount: int = 0  # cents per installment
    first_at_checkout: bool = False  # the first installment (or the whole price paid in full) is taken at checkout

    def words(self) -> str:
        if self.kind == "pay_in_full":
            return f"paid in full up front ({format_usd(self.total)})"
        if self.kind == "installments":
            first = ", the first at checkout, before the evaluation" if self.first_at_checkout else ""
            return f"in {self.installment_count} monthly installments of {format_usd(self.amount)}{first}"
        return f"the price ({format_usd(self.total)}), paid when the source does not say"


def ways_of_paying(provider: RankedProviderDoc, plan: PlanDoc, payment: str) -> list[WayOfPaying]:
    """Pay in full (where a source gives the up-front price) and installments (where it gives them)."""
    insured = payment == "insured"
    price = plan["insured_price"] if insured else plan["price"]
    schedule = plan["insured_installments"] if insured else plan["installments"]
    if price is None:
        return []
    ways = []
    saving = provider["pay_in_full_saving"]
    if saving is not None and not insured:  # the guide's "$100 off up front"; applied to self-pay (an inference)
        ways.append(WayOfPaying("pay_in_full", to_cents(price) - to_cents(saving), first_at_checkout=True))
    if schedule is not None:
        amount = to_cents(schedule["amount"])
        first = schedule["first_due"] == "checkout"
        ways.append(WayOfPaying("installments", to_cents(price), schedule["count"], amount, first))
    return ways or [WayOfPaying("price", to_cents(price))]


def _settle(paid: int, charged: int, installments_paid: int | None) -> Settlement:
    difference = paid - charged
    return {
        "installments_paid": installments_paid,
        "paid": cents_to_json(paid),
        "you_get_back": cents_to_json(max(difference, 0)),
        "you_owe": cents_to_json(max(-difference, 0)),
    }


def _by_payment(way: WayOfPaying, charged: int | None, at_evaluation: bool) -> ByPayment:
    """What someone who pays this way has paid by a stage, and the difference from what the policy charges.

    Exact where the schedule says what has been paid by then (paid in full up front; the first installment at
    checkout, at the evaluation); otherwise one line per number of installments paid, or the rule in words."""
    result: ByPayment = {"way": way.kind, "words": way.words(), "paid_by_then": None, "cases": [], "rule": None}
    if charged is None:  # "no refund": the policy keeps whatever has been paid
        result["rule"] = "no refund: you get back nothing of what you have paid"
        return result
    if way.kind == "pay_in_full":
        result["paid_by_then"] = cents_to_json(way.total)
        result["cases"] = [_settle(way.total, charged, None)]
    elif way.kind == "installments" and way.first_at_checkout and at_evaluation:
        result["paid_by_then"] = cents_to_json(way.amount)
        result["cases"] = [_settle(way.amount, charged, 1)]
    elif way.kind == "installments" and way.first_at_checkout:
        result["cases"] = [_settle(k * way.amount, charged, k) for k in range(1, way.installment_count + 1)]
    elif charged == 0:
        result["rule"] = "you get back whatever you have paid"
    else:
        amount = format_usd(charged)
        result["rule"] = (
            f"you get back what you have paid minus {amount}; if you have paid less than {amount}, you owe the "
            "difference (when each payment falls against this stage is not stated)"
        )
    return result


def _ladder(provider: ProviderDoc, ladder: RefundPolicyDoc, ways: list[WayOfPaying]) -> Ladder:
    """A ladder with, at each stage, what you are charged and, for each way of paying, what you have paid by
    then and get back or owe (never a figure that assumes the whole price was paid)."""

    def outcome(charged: int | None, condition: str | None, at_evaluation: bool) -> Outcome:
        return {
            "charged": None if charged is None else cents_to_json(charged),
            "condition": condition,
            "by_payment": [_by_payment(way, charged, at_evaluation) for way in ways],
        }

    stages: list[Stage] = []
    for stage in ladder["stages"]:
        # Every way into this stage is at or before the evaluation: only then does a schedule that takes the first
        # installment at checkout say exactly what has been paid.
        at_evaluation = all(_INELIGIBILITY.search(when) or _BEFORE_EVALUATION.search(when) for when in stage["when"])
        if stage["outcome"] == "full_refund":
            outcomes = [outcome(0, None, at_evaluation)]
        elif stage["outcome"] == "no_refund":
            outcomes = [outcome(None, None, at_evaluation)]
        else:
            outcomes = [outcome(to_cents(c["amount"]), c.get("condition"), at_evaluation) for c in stage["charged"]]
        stages.append({"when": stage["when"], "outcome": stage["outcome"], "outcomes": outcomes})
    return {
        "id": ladder["id"],
        "title": ladder["title"],
        "status": ladder["status"],
        "payment": ladder["payment"],
        "clients": ladder["clients"],
        "complete": ladder["complete"],
        "stops_after": ladder.get("stops_after"),
        "stages": stages,
        "note": ladder.get("note"),
        "source": _source(provider, ladder["source"]),
    }


def current_ladder(
    provider: RankedProviderDoc, plan_id: str, payment: str, *, returning: bool = False
) -> RefundPolicyDoc | None:
    """The current ladder that covers this plan, way of paying and client (new or returning), or None."""
    clients = "returning" if returning else "new"
    for ladder in provider["refunds"]:
        if (
            ladder["status"] == "current"
            and plan_id in ladder["plans"]
            and ladder["payment"] in (payment, "any")
            and ladder["clients"] in (clients, "any")
        ):
            return ladder
    return None


def if_found_ineligible(
    provider: RankedProviderDoc, plan_id: str | None, payment: str, *, returning: bool = False
) -> IneligibleAnswer:
    """What a person loses if a clinician finds them ineligible, for this purchase and way of paying only.

    Nothing paid before a free evaluation: "nothing_paid". Paid, and the policy that covers this plan, payment
    and client refunds it in full on ineligibility (or a source says so for every new-client plan): "full".
    Anything else, including a policy for another plan or way of paying: "unknown".
    """
    evaluation = provider["evaluation"]
    if not returning and evaluation is not None and evaluation["pay_before"] is False:
        return "nothing_paid"
    ladder = current_ladder(provider, plan_id, payment, returning=returning) if plan_id else None
    if ladder is not None:
        for stage in ladder["stages"]:
            if any(_INELIGIBILITY.search(when) for when in stage["when"]):
                return "full" if stage["outcome"] == "full_refund" else "unknown"
    if not returning and evaluation is not None and evaluation["refunded_if_ineligible"] is True:
        return "full"
    return "unknown"


class Charge(NamedTuple):
    """What a policy keeps in total at one stage, under one condition (cents)."""

    amount: int
    condition: str | None


def lost_if_ineligible(answer: IneligibleAnswer) -> int | None:
    """Cents lost when a clinician finds you ineligible: nothing, where nothing was paid or all is refunded."""
    return 0 if answer in ("nothing_paid", "full") else None


def lost_after_first_shipment(
    provider: RankedProviderDoc, plan_id: str | None, payment: str, *, returning: bool = False
) -> list[Charge] | None:
    """What the policy covering this plan, payment and client keeps if you stop after the first medicine
    shipment: one charge per condition the policy states, capped at the plan's price. None: unknown (no
    covering policy, or it stops before that stage)."""
    ladder = current_ladder(provider, plan_id, payment, returning=returning) if plan_id else None
    if ladder is None:
        return None
    plan = next((p for p in provider["plans"] if p["id"] == plan_id), None)
    price = None if plan is None else plan["insured_price"] if payment == "insured" else plan["price"]
    cap = to_cents(price) if price is not None else None
    for stage in ladder["stages"]:
        if not any(_AFTER_FIRST_SHIPMENT.search(when) for when in stage["when"]):
            continue
        if stage["outcome"] == "full_refund":
            return [Charge(0, None)]
        if stage["outcome"] == "no_refund":
            return None if cap is None else [Charge(cap, "no refund: the price of the plan")]
        return [
            Charge(to_cents(c["amount"]) if cap is None else min(to_cents(c["amount"]), cap), c.get("condition"))
            for c in stage["charged"]
        ]
    return None


def provider_refunds(provider: ProviderDoc, plan: str | None = None) -> ProviderRefunds:
    """Every plan × payment type with its ladder or null (unknown); older ladders as history."""
    rows: list[PlanRefunds] = []
    for entry in provider["plans"]:
        payments: list[tuple[str, Dollars, InstallmentsDoc | None]] = [
            ("self_pay", entry["price"], entry["installments"])
        ]
        insured_price = entry["insured_price"]
        if insured_price is not None:
            payments.append(("insured", insured_price, entry["insured_installments"]))
        for payment, price, schedule in payments:
            ladder = current_ladder(provider, entry["id"], payment)
            ways = ways_of_paying(provider, entry, payment)
            rows.append(_plan_row(provider, entry, payment, to_cents(price), schedule, ladder, ways))
    for sub in provider["subscriptions"]:
        rows.append(_plan_row(provider, sub, "self_pay", to_cents(sub["price"]), None, None, []))
    if plan is not None:
        rows = [row for row in rows if row["plan"] == plan]
    ineligible = provider["refund_if_ineligible"]
    # The provider-level answer summarises its plans' answers, and never says more than they do: one plan
    # refunded in full and three unknown is "depends_on_plan", not "full". The catalogue's own provider-wide
    # statement is kept beside it as `stated`.
    answers: set[str] = {row["if_found_ineligible"] for row in rows}
    summary = answers.pop() if len(answers) == 1 else "depends_on_plan" if answers else ineligible["value"]
    return {
        "id": provider["id"],
        "name": provider["name"],
        "refund_if_ineligible": {
            "value": summary,
            "stated": ineligible["value"],
            "note": ineligible.get("note"),
            "source": _source(provider, ineligible.get("source")),
        },
        "plans": rows,
        # Older policies belong to the provider-wide view; with one plan asked for, they are only noise.
        "history": [
            _ladder(provider, ladder, [])
            for ladder in provider["refunds"]
            if ladder["status"] == "historical" and plan is None
        ],
    }


def _plan_row(
    provider: ProviderDoc,
    entry: PlanDoc | SubscriptionDoc,
    payment: str,
    cents: int,
    schedule: InstallmentsDoc | None,
    ladder: RefundPolicyDoc | None,
    ways: list[WayOfPaying],
) -> PlanRefunds:
    before, most = ahead_of(cents, schedule)
    return {
        "plan": entry["id"],
        "name": entry["name"],
        "payment": payment,
        "price": cents_to_json(cents),
        "ways_of_paying": [way.words() for way in ways],
        "ladder": None if ladder is None else _ladder(provider, ladder, ways),
        "if_found_ineligible": if_found_ineligible(provider, entry["id"], payment),
        "paid_ahead": {
            "before_first_session": None if before is None else cents_to_json(before),
            "most_ahead": None if most is None else cents_to_json(most),
            "by_installments": schedule is not None,
        },
    }


def payment_words(payment: str) -> str:
    return _PAYMENTS[payment]


def reimbursement_up_to(provider: RankedProviderDoc, purchase: Purchase) -> int | None:
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
