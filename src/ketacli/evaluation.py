"""One provider judged against one question: a typed `Evaluation` (its availability, insurance match,
purchase, monthly figure, money back and money at risk, notes, and the reasons a filter leaves it out).

Pure: a provider, the `Criteria`, the resolved carrier, the rules and today in; an `Evaluation` out, in two
steps: `price` works out what the question's way of buying (`Buying`) costs at the provider, which no state,
carrier or filter changes, and `judge` holds that against the rest of the question. Each concern has its own
function; `evaluate` only puts them together. Output rows are made from evaluations by
`fields.py`, the one list of output fields.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar

from .ahead import PaidAhead, paid_ahead
from .criteria import Availability, Criteria, InsuranceAsk, availability, insurance_status
from .filters import (
    availability_reasons,
    budget_reasons,
    form_notes,
    hsa_fsa_note,
    insurance_alternatives,
    insurance_note,
    insurance_reasons,
    provider_reasons,
    question_notes,
    touch_notes,
)
from .limits import (
    Limits,
    over_monthly_reason,
    over_upfront_reason,
    purchase_monthly_payment,
    upfront_reason,
    within,
)
from .money import cents_to_json, format_usd, per_dose_cents, to_cents
from .notes import Note, extra_cost_notes, monthly_notes, note, rule_notes
from .pricing import LineItem, OptionSet, Purchase, cheapest, purchase_options
from .refunds import (
    Charge,
    IneligibleAnswer,
    if_found_ineligible,
    lost_after_first_shipment,
    reimbursement_up_to,
)
from .rules import RuleTouch, prescribing_rule, rules_touching

if TYPE_CHECKING:
    from .document import RankedProviderDoc, RuleDoc

# The provider type an evaluation carries: the query document's (`compare`, `cost`) or the whole one (`report`).
P = TypeVar("P", bound="RankedProviderDoc")

VERY_LOW_NOTE = "very-low dose (psycholytic): not the same treatment as a standard dose"


class Evaluation(NamedTuple, Generic[P]):
    """A provider, evaluated for one question. Money in cents; `reasons` empty when it passes every filter.
    (A NamedTuple rather than a frozen dataclass: as typed and as immutable, without importing dataclasses
    on every run.)"""

    provider: P
    criteria: Criteria
    availability: Availability | None  # None: no state asked
    insurance: str | None  # "accepted" / "not_accepted"; None: no carrier asked
    ask: InsuranceAsk | None
    purchase: Purchase | None
    option_prices: tuple[int, ...]  # per-dose cents of every first purchase option (the price range)
    monthly: int | None
    money_back: int | None
    refund_if_ineligible: IneligibleAnswer
    first_shipment_loss: tuple[Charge, ...] | None
    prescribing_rule_until: str | None
    rules_touching: tuple[RuleTouch, ...]  # restricting rules that reach its forms in the state asked about
    paid_ahead: PaidAhead | None  # None where no purchase could be priced
    notes: tuple[Note, ...]
    reasons: tuple[str, ...]
    rank: int | None = None  # set when ranked

    @property
    def per_dose_rank(self) -> int | None:
        """With --doses, the per-dose price of that basket; without, the provider's best per dose."""
        if self.purchase is None:
            return None
        return self.purchase.per_dose if self.criteria.doses else min(self.option_prices, default=None)


class Buying(NamedTuple):
    """All of a question that a provider's price depends on: the dose count (None: the cheapest way to start),
    the way of buying, whether it is paid at its insured price, and a monthly budget (which chooses among the
    purchases), and a limit on what is due before the first session (which does too). The state, the carrier's
    name, a total budget and every other filter only judge the purchase."""

    doses: int | None
    returning: bool
    pay_in_full: bool
    insured: bool
    limits: Limits

    @classmethod
    def asked(cls, criteria: Criteria, *, insured: bool) -> Buying:
        limits = Limits(criteria.monthly_budget, criteria.max_upfront)
        return cls(criteria.doses, criteria.returning, criteria.pay_in_full, insured, limits)


class Priced(NamedTuple):
    """A provider's cheapest purchase for one `Buying`, and the money facts that follow from it: data, the same
    for every question that buys the same way. Money in cents."""

    buying: Buying
    purchase: Purchase | None
    unpriced: tuple[str, ...]  # why no purchase could be priced at all
    over_limits: tuple[str, ...]  # why no purchase fits the money limits asked (then `purchase` is the cheapest)
    option_prices: tuple[int, ...]  # per-dose cents of every first purchase option (the price range)
    monthly: int | None
    money_back: int | None
    paid_ahead: PaidAhead | None  # None where no purchase could be priced
    refund_if_ineligible: IneligibleAnswer
    first_shipment_loss: tuple[Charge, ...] | None
    rule: RuleDoc | None  # the prescribing rule the provider depends on


def price(provider: RankedProviderDoc, buying: Buying, rules: dict[str, RuleDoc], today: dt.date | None) -> Priced:
    """What buying `buying` at `provider` costs, pays back and puts at risk; `today` dates the money due after
    the end of the prescribing rule it depends on."""
    options = purchase_options(
        provider, returning=buying.returning, insured=buying.insured, pay_in_full=buying.pay_in_full
    )
    purchase, unpriced = _purchase(options, buying)
    over_limits: list[str] = []
    if purchase is not None and buying.limits.asked():
        purchase, over_limits = _within_limits(provider, options, buying, purchase)
    rule = prescribing_rule(provider, rules, today)
    ahead = None
    if purchase is not None:
        ends = dt.date.fromisoformat(rule["ends"]) if rule and rule["ends"] and today else None
        ahead = paid_ahead(provider, purchase, today, ends)
    limit = buying.limits.upfront
    if buying.returning and limit is not None and ahead is not None and not over_limits:
        # A returning client buys no first option: what is due first is the purchase's own first item.
        reason = upfront_reason(ahead.before_first_session, limit)
        over_limits = [reason] if reason else []
    loss = first_shipment_loss(provider, purchase, buying.returning)
    return Priced(
        buying=buying,
        purchase=purchase,
        unpriced=tuple(unpriced),
        over_limits=tuple(over_limits),
        option_prices=tuple(per_dose_cents(o.price, o.doses) for o in options.first),
        monthly=purchase_monthly_payment(provider, purchase) if purchase else None,
        money_back=reimbursement_up_to(provider, purchase) if purchase else None,
        paid_ahead=ahead,
        refund_if_ineligible=ineligible_for(provider, purchase, buying.returning),
        first_shipment_loss=None if loss is None else tuple(loss),
        rule=rule,
    )


def evaluate(
    provider: P,
    criteria: Criteria,
    ask: InsuranceAsk | None,
    rules: dict[str, RuleDoc],
    today: dt.date | None = None,
) -> Evaluation[P]:
    """Every fact the rankings, rows and reasons need about one provider, worked out once: priced the way the
    question buys (insured where the carrier asked about is accepted in the state asked about), then judged."""
    insured = bool(ask and criteria.state and insurance_status(provider, criteria.state, ask))
    return judge(provider, price(provider, Buying.asked(criteria, insured=insured), rules, today), criteria, ask,
                 rules, today)  # fmt: skip


def judge(
    provider: P,
    priced: Priced,
    criteria: Criteria,
    ask: InsuranceAsk | None,
    rules: dict[str, RuleDoc],
    today: dt.date | None = None,
) -> Evaluation[P]:
    """`priced` against the rest of the question: the state, the carrier, the filters (its reasons) and the
    notes a row carries."""
    served = availability(provider, criteria.state) if criteria.state else None
    purchase, ahead = priced.purchase, priced.paid_ahead
    insured = priced.buying.insured
    touching = rules_touching(provider["delivery"], criteria.state, rules.values(), today) if today else []
    alternatives = insurance_alternatives(provider["insurance"]) if ask is not None else ""  # for reasons and notes
    reasons = [
        *availability_reasons(served, criteria),
        *insurance_reasons(criteria, ask, insured, alternatives),
        *provider_reasons(provider, criteria),
        *priced.unpriced,
        *budget_reasons(criteria, purchase.total if purchase else None),
        *priced.over_limits,
    ]
    notes = _notes(provider, criteria, ask, alternatives, served, purchase, priced.money_back)
    if criteria.monthly_budget is not None and purchase is not None and not priced.over_limits:
        # The figure the question was about, said first in the row (its total is for the whole purchase).
        notes[:0] = monthly_notes(provider, purchase, criteria.monthly_budget, priced.monthly)
    rule = priced.rule
    if rule is not None and today is not None and purchase is not None:
        notes.extend(rule_notes(purchase, rule, today, ahead.due_after_rule_end if ahead else None))
    if purchase is not None:
        notes.extend(extra_cost_notes(provider, purchase))
    place_touch_notes(notes, touching, criteria, provider["name"])
    return Evaluation(
        provider=provider,
        criteria=criteria,
        availability=served,
        insurance=None if ask is None else "accepted" if insured else "not_accepted",
        ask=ask,
        purchase=purchase,
        option_prices=priced.option_prices,
        monthly=priced.monthly,
        money_back=priced.money_back,
        refund_if_ineligible=priced.refund_if_ineligible,
        first_shipment_loss=priced.first_shipment_loss,
        prescribing_rule_until=rule["ends"] if rule else None,
        rules_touching=tuple(touching),
        paid_ahead=ahead,
        notes=tuple(notes),
        reasons=tuple(reasons),
    )


def _within_limits(
    provider: RankedProviderDoc, options: OptionSet, buying: Buying, cheapest_of_all: Purchase
) -> tuple[Purchase, list[str]]:
    """The cheapest purchase that fits every money limit asked, found by one search over every purchase; else
    the cheapest of all, with the reasons: each limit that no purchase fits alone, or that none fits them all."""
    limits = buying.limits
    found, _ = _purchase(within(provider, options, limits), buying)
    if found is not None:
        return found, []
    goal = f"{buying.doses} doses" if buying.doses else "a first purchase"
    reasons = []
    if (
        limits.monthly is not None
        and _purchase(within(provider, options, limits._replace(upfront=None)), buying)[0] is None
    ):
        reasons.append(over_monthly_reason(provider, options, limits.monthly, goal, returning=buying.returning))
    if (
        limits.upfront is not None
        and _purchase(within(provider, options, limits._replace(monthly=None)), buying)[0] is None
    ):
        reasons.append(over_upfront_reason(provider, options.first, limits.upfront))
    if not reasons:
        assert limits.monthly is not None and limits.upfront is not None
        reasons.append(f"no way to {goal} fits both {format_usd(limits.monthly)} a month and at most "
                       f"{format_usd(limits.upfront)} before the first session")  # fmt: skip
    return cheapest_of_all, reasons


def place_touch_notes(notes: list[Note], touching: list[RuleTouch], criteria: Criteria, name: str) -> None:
    """The state's own law and a rule that reaches the very form asked about (--delivery) come first; others last."""
    first, last = touch_notes(touching, criteria, name)
    notes.extend(last)
    notes[:0] = first


def _purchase(options: OptionSet, buying: Buying) -> tuple[Purchase | None, list[str]]:
    """The cheapest way to `buying.doses` (or, without doses, the cheapest way to start), or why none."""
    if buying.doses is not None:
        purchase = cheapest(options, buying.doses, returning=buying.returning)
        return purchase, [] if purchase is not None else [_unpriceable_reason(buying)]
    first = min(options.first, key=lambda o: (o.price, -o.doses), default=None)
    if first is None:
        return None, ["no purchase option is offered to returning clients"]
    return Purchase.of(first.doses, (LineItem(first, 1),)), []


def _notes(
    provider: RankedProviderDoc,
    criteria: Criteria,
    ask: InsuranceAsk | None,
    alternatives: str,
    served: Availability | None,
    purchase: Purchase | None,
    money_back: int | None,
) -> list[Note]:
    notes = purchase_notes(provider, purchase, criteria, ask, alternatives) if purchase else []
    if purchase and money_back is not None:
        low, high = max(purchase.total - money_back, 0), purchase.total
        notes.append(
            note(
                "reimbursement",
                f"up to {format_usd(money_back)} back from an out-of-network insurance claim, depending on your plan "
                f"(not a promise): {format_usd(low)}–{format_usd(high)} net",
                up_to=cents_to_json(money_back),
                net_low=cents_to_json(low),
                net_high=cents_to_json(high),
            )
        )
    clinics = provider["availability"]["in_clinic"]
    notes[:0] = [
        *question_notes(criteria, served, hsa_fsa_note(provider)),
        *form_notes(provider["delivery"], clinics, criteria),
    ]
    return notes


def purchase_notes(
    provider: RankedProviderDoc, purchase: Purchase, criteria: Criteria, ask: InsuranceAsk | None, alternatives: str
) -> list[Note]:
    """The notes the purchase itself calls for; `alternatives`: the provider's `filters.insurance_alternatives`
    (with a carrier asked about)."""
    notes = []
    if provider["dose_level"] == "very_low":
        notes.append(note("very_low_dose", VERY_LOW_NOTE))
    if ask is not None:
        notes.append(insurance_note(criteria, ask, "insured" in purchase.bases, alternatives))
    saving = provider["pay_in_full_saving"]
    if "pay_in_full" in purchase.bases and saving is not None:
        amount = to_cents(saving)
        notes.append(
            note(
                "pay_in_full_applied",
                f"pay-in-full saving of {format_usd(amount)} per plan applied",
                amount=cents_to_json(amount),
            )
        )
    elif criteria.pay_in_full and "insured" in purchase.bases and saving is not None:
        amount = to_cents(saving)
        notes.append(
            note(
                "pay_in_full_not_applied",
                f"pay-in-full saving of {format_usd(amount)} not applied to the insured price: the guide does "
                "not limit it to self-pay, so whether it applies is not known (ketacli's inference)",
                amount=cents_to_json(amount),
            )
        )
    repeats = {item.option.basis for item in purchase.items if item.option.returning_price_unknown}
    if repeats:
        basis = "insured" if "insured" in repeats else "pay_in_full" if "pay_in_full" in repeats else "list"
        words = {"insured": "the insured price", "pay_in_full": "the pay-in-full price", "list": "the list price"}
        notes.append(
            note(
                "no_returning_price",
                f"no returning-client price listed: repeat plans priced at {words[basis]}",
                basis=basis,
            )
        )
    sessions = sum(item.quantity for item in purchase.items if item.option.kind == "continuation")
    continuation = provider["continuation"]
    if sessions and continuation is not None:
        price = to_cents(continuation["price_per_session"])
        notes.append(
            note(
                "continuation",
                f"{sessions} continuation session{'s' if sessions != 1 else ''} at {format_usd(price)} each: "
                f"{continuation['requires']}",
                sessions=sessions,
                price=cents_to_json(price),
            )
        )
    if purchase.surplus:
        notes.append(note("surplus", f"{purchase.surplus} more doses than asked for", doses=purchase.surplus))
    return notes


def _unpriceable_reason(buying: Buying) -> str:
    if buying.returning:
        return "no purchase option is offered to returning clients"
    return f"no combination of its options gives {buying.doses} doses"


def _first_plan(purchase: Purchase) -> tuple[str, str]:
    """The first plan bought and how it is paid for: the purchase a refund policy covers first."""
    first = purchase.items[0].option
    return first.key, "insured" if first.basis == "insured" else "self_pay"


def first_shipment_loss(provider: RankedProviderDoc, purchase: Purchase | None, returning: bool) -> list[Charge] | None:
    """What stopping after the first medicine shipment costs for this row's first plan; None: unknown."""
    if purchase is None:
        return None
    plan_id, payment = _first_plan(purchase)
    return lost_after_first_shipment(provider, plan_id, payment, returning=returning)


def ineligible_for(provider: RankedProviderDoc, purchase: Purchase | None, returning: bool) -> IneligibleAnswer:
    """The "if found ineligible" answer for this row's own first purchase and way of paying."""
    if purchase is None:
        return "unknown"
    plan_id, payment = _first_plan(purchase)
    return if_found_ineligible(provider, plan_id, payment, returning=returning)
