"""The decision report's content: the same ranking as `compare`, and what a person needs around it.

Pure: the catalogue, the criteria and today's date in; one JSON-ready document out. The HTML and Markdown
renderers (render/report_*.py) only lay it out, so both formats say exactly the same thing.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TypedDict

from .criteria import Criteria, availability
from .decision import Decision, decide
from .freshness import stale_warning, undated_sources
from .pricing import Purchase, cheapest, purchase_options
from .query import DOSE_GROUPS, Confirmed, Result, compare, needs_alternatives
from .refunds import current_ladder, provider_refunds
from .rules import depended_rules, rule_warnings, rules_by_id, standing, status_words
from .states import STATE_NAMES
from .vocabulary import MAX_DOSES

if TYPE_CHECKING:
    from .catalogue import LoadedCatalogue
    from .document import (
        AlternativeDoc,
        CareDoc,
        ClosureDoc,
        InsuranceDoc,
        ProviderDoc,
        ReimbursementDoc,
        SafetyDoc,
        SourceDoc,
        WebsiteDoc,
    )
    from .evaluation import Evaluation
    from .fields import ChargeJson, Row
    from .refunds import ProviderRefunds
    from .vocabulary import DoseLevel


class CurveLine(TypedDict):
    id: str
    slot: int  # the provider's place in the catalogue: its colour and dash, whatever its rank
    name: str
    dose_level: DoseLevel
    totals: list[int | None]  # cents for at least N doses, N = 1..limit; None: cannot be bought


class Curve(TypedDict):
    asked: int | None
    limit: int
    lines: list[CurveLine]
    ranked: int


class AlternativesSection(TypedDict):
    state: str
    confirmed: Confirmed
    entries: list[AlternativeDoc]


class Group(TypedDict):
    title: str
    dose_level: str
    rows: list[Row]


class Excluded(TypedDict):
    id: str
    name: str
    reasons: list[str]


class CalendarEntry(TypedDict):
    """When one item of a purchase is paid: its first payment and the monthly ones after it (cents)."""

    item: str
    kind: str  # plan, subscription, continuation
    count: int
    first: int
    first_when: str  # "checkout" (before the evaluation), "purchase" (when bought), "unknown"
    monthly: int | None  # each later month; None: nothing more after the first payment
    months: int  # how many later monthly payments


class ReportProvider(TypedDict):
    id: str
    name: str
    as_of: str
    availability: str | None
    refunds: ProviderRefunds
    reimbursement: list[ReimbursementDoc]
    plan_names: dict[str, str]
    insurance: InsuranceDoc
    care: CareDoc
    sources: list[SourceDoc]
    inconsistencies: list[str]
    questions: list[str]
    if_ineligible: str  # for the purchase the ranking shows
    stop_after_first_shipment: list[ChargeJson] | None
    paid_before_first_session: int | float | None
    most_paid_ahead: int | float | None
    due_after_rule_end: int | float | None
    rule_until: str | None
    calendar: list[CalendarEntry]  # for the first CALENDAR_PROVIDERS ranked; [] after them
    website: WebsiteDoc | None


class Nearer(TypedDict):
    """A question next to the one asked that has answers: the one filter dropped, and what it then ranks."""

    field: str  # a Criteria field
    kept: int
    names: list[str]  # the first few it ranks


class ReportDocument(TypedDict):
    """Everything the report shows; the HTML and Markdown templates read these keys."""

    made: str
    criteria: dict[str, Any]
    answer: Decision  # the answer to the question asked (decision.py), said first
    carrier: str | None
    data_as_of: list[str]
    rule_warnings: list[dict[str, str]]  # heading, text
    rules: list[dict[str, Any]]  # each rule's document with its `status_words` on the day
    stale_warning: str | None
    alternatives: AlternativesSection | None
    notices: list[str]
    nearest: list[Nearer]  # when nothing matched: the questions one filter away that have answers
    groups: list[Group]
    rows: list[Row]
    excluded: list[Excluded]
    curve: Curve
    providers: list[ReportProvider]
    closures: list[ClosureDoc]
    safety: SafetyDoc
    crisis_source: SourceDoc | None
    all_providers: list[ProviderDoc]
    disclaimer: str


CURVE_DOSES_WITHOUT_N = 36


def curve_limit(criteria: Criteria) -> int:
    """The curve runs from 1 dose to twice the asked count (36 without --doses), never past what the pricing
    engine prices (MAX_DOSES), so every --doses that `compare` accepts works in `report`."""
    return min(2 * criteria.doses, MAX_DOSES) if criteria.doses else CURVE_DOSES_WITHOUT_N


# A chart stays readable with a handful of lines (the chart has eight colours and dash patterns), and a
# table of N × providers stays a table: the curve shows the first providers in the ranking.
CURVE_PROVIDERS = 8


def cost_curve(
    criteria: Criteria, evaluations: list[Evaluation[ProviderDoc]], slots: dict[str, int] | None = None
) -> list[CurveLine]:
    """Total cost of at least N doses for N = 1..limit, per ranked provider, from the pricing engine itself,
    priced exactly as the ranking priced it (returning, insured, pay in full). None where N cannot be bought."""
    limit = curve_limit(criteria)
    lines: list[CurveLine] = []
    for evaluation in evaluations:
        provider = evaluation.provider
        options = purchase_options(
            provider,
            returning=criteria.returning,
            insured=evaluation.insurance == "accepted",
            pay_in_full=criteria.pay_in_full,
        )
        totals: list[int | None] = []
        for n in range(1, limit + 1):
            purchase = cheapest(options, n, returning=criteria.returning)
            totals.append(None if purchase is None else purchase.total)
        line: CurveLine = {
            "id": provider["id"], "slot": (slots or {}).get(provider["id"], len(lines)), "name": provider["name"],
            "dose_level": provider["dose_level"], "totals": totals,
        }  # fmt: skip
        lines.append(line)
    return lines


# "What is due when" for the first few options of the ranking: the ones a person is choosing between.
CALENDAR_PROVIDERS = 3


def payment_calendar(provider: ProviderDoc, purchase: Purchase | None) -> list[CalendarEntry]:
    """Each item of a purchase, in the order it is bought, with its payments as its schedule states them."""
    from .ahead import schedule_of

    entries: list[CalendarEntry] = []
    for item in purchase.items if purchase else ():
        option = item.option
        entry: CalendarEntry = {
            "item": option.description, "kind": option.kind, "count": item.quantity, "first": option.price,
            "first_when": "purchase", "monthly": None, "months": 0,
        }  # fmt: skip
        if option.installments is not None:
            count, amount = option.installments
            schedule = schedule_of(provider, option)
            first_due = schedule["first_due"] if schedule else "unknown"
            entry["first"], entry["first_when"] = amount, first_due
            entry["monthly"], entry["months"] = amount, count - 1
        elif option.kind == "subscription":
            entry["monthly"], entry["months"] = option.price, item.quantity - 1
        entries.append(entry)
    return entries


def _hsa_fsa_question(provider: ProviderDoc) -> list[str]:
    name, insurance = provider["name"], provider["insurance"]
    hsa, elsewhere = insurance["hsa_fsa"], insurance["hsa_fsa_elsewhere"]
    if elsewhere is not None:
        return [f"Will your HSA or FSA administrator accept {name}? The sources disagree: {elsewhere['text']}"]
    if hsa in ("may_be_possible", "unknown"):
        return [f"Can you pay {name} from an HSA or FSA? The sources say: {hsa.replace('_', ' ')}."]
    return []


def _reimbursement_question(provider: ProviderDoc, row: Row) -> str:
    """Out-of-network money back: what the sources say for this purchase or for others, never a bare "no
    figure is known" beside the provider's own figures."""
    name = provider["name"]
    ask = f"How much would your plan reimburse out of network for {row['purchase']} at {name}?"
    ranges = provider["reimbursement_ranges"]
    if not ranges:
        return f"{ask} No figure is known."
    bought = {item["option"] for item in row["items"]}
    covering = [f for f in ranges if bought & set(f["plans"])]
    plans = {p["id"]: p["name"] for p in provider["plans"]}
    said = [f"for the {' and '.join(plans.get(p, p) for p in f['plans'])}: {f['wording']}" for f in covering or ranges]
    whose = "its sources say" if covering else "its own figures are for other purchases"
    return f"{ask} {name}: {whose} ({'; '.join(said)}). Ask your plan for this purchase."


def questions(provider: ProviderDoc, row: Row, criteria: Criteria) -> list[str]:
    """Questions to ask before you buy, from what the catalogue does not know about this choice."""
    name = provider["name"]
    asked: list[str] = []
    if criteria.state and row["availability"] == "unknown":
        asked.append(
            f"Does {name} serve {STATE_NAMES[criteria.state]}? The sources give a count "
            f"({provider['availability']['states_reported']} states) but not the list."
        )
    payment = "insured" if row["insured_price"] else "self_pay"
    for item in row["items"]:
        if item["kind"] != "plan":
            continue
        plan = next(p for p in provider["plans"] if p["id"] == item["option"])
        ladder = current_ladder(provider, plan["id"], payment)
        words = "with insurance" if payment == "insured" else "self-pay"
        if ladder is None:
            asked.append(f"What is {name}'s refund policy for the {plan['name']} ({words})? None was found.")
        elif not ladder["complete"]:
            asked.append(
                f"What does {name} charge if you cancel later in the {plan['name']} than the stages its page "
                "lists? The stored source stops part-way."
            )
        if item["count"] > 1 and plan["returning_price"] == "unknown":
            asked.append(f"What does a repeat {plan['name']} cost a returning client at {name}? No price is listed.")
    if any(item["kind"] == "continuation" for item in row["items"]):
        asked.append(f"Will {name} approve continuation sessions for you? You apply for them.")
    asked += _hsa_fsa_question(provider)
    if row["insurance"] == "not_accepted" or (row["insurance"] is None and provider["insurance"]["superbill"] is True):
        if row["reimbursement_up_to"] is None:
            asked.append(_reimbursement_question(provider, row))
    care = provider["care"]
    if "not stated" in care["prescriber"] or care["prescriber"] == "unknown":
        asked.append(f"Who would prescribe at {name}: a physician (MD/DO), a nurse practitioner or a PA?")
    if care["clinician_follow_up"] == "unknown":
        asked.append(f"How often would you see a clinician at {name}?")
    if care["sitter_required"] is True:
        asked.append(f"{name} requires a sitter for every session: do you have a trusted adult who can be there?")
    return asked


def _alternatives(
    catalogue: LoadedCatalogue, criteria: Criteria, result: Result[ProviderDoc]
) -> AlternativesSection | None:
    """Spravato and infusion clinics, when fewer than two at-home providers are confirmed in the state."""
    if not (needs_alternatives(result.confirmed) and criteria.state and result.confirmed is not None):
        return None
    if not catalogue.alternatives:
        return None
    return {"state": criteria.state, "confirmed": result.confirmed, "entries": catalogue.alternatives}


# The question's filters a person could drop, with what they fall back to (Criteria's defaults); dropping the
# carrier drops "in network only" with it.
_DROPPABLE = tuple(name for name in Criteria._fields if name not in ("doses", "sort", "reverse", "limit"))


def _nearest(catalogue: LoadedCatalogue, criteria: Criteria, today: dt.date) -> list[Nearer]:
    """When no provider matched: each filter that, dropped alone, lets some provider through."""
    from .errors import KetaError

    defaults = Criteria()
    found: list[Nearer] = []
    for name in _DROPPABLE:
        if getattr(criteria, name) == getattr(defaults, name) or name == "in_network_only" and criteria.insurance:
            continue
        relaxed = criteria._replace(**{name: getattr(defaults, name)})
        if name in ("insurance", "state"):
            relaxed = relaxed._replace(in_network_only=False, insurance=None)
        try:
            rows = compare(catalogue, relaxed, today).rows
        except KetaError:  # e.g. a carrier without its state
            continue
        if rows:
            found.append({"field": name, "kept": len(rows), "names": [row["name"] for row in rows[:3]]})
    return found


def build_report(catalogue: LoadedCatalogue, criteria: Criteria, *, today: dt.date, max_age: int) -> ReportDocument:
    """Everything the report shows, from one `compare` run with the person's criteria."""
    result = compare(catalogue, criteria, today)
    rows = result.rows
    shown = [evaluation.provider for evaluation in result.evaluations]  # no look-up by id: linear
    ask = result.insurance
    by_id = rules_by_id(catalogue.rules)
    needed = {rule_id for provider in shown for rule_id in depended_rules(provider, by_id, today)}
    return {
        "made": today.isoformat(),
        "criteria": criteria._asdict(),
        "answer": decide(result, criteria, catalogue.rules, today),
        "carrier": ask.shown if ask else None,
        "data_as_of": sorted({p["as_of"] for p in shown}),
        "rule_warnings": [w._asdict() for w in rule_warnings(shown, catalogue.rules, today, catalogue.alternatives)],
        "rules": [
            {**rule, "status_words": status_words(standing(rule, today))}
            for rule in catalogue.rules
            if rule["id"] in needed or rule["topic"] == "compounded_drugs"
        ],
        "stale_warning": stale_warning(shown, today, max_age, catalogue.rules, undated_sources(shown)),
        "alternatives": _alternatives(catalogue, criteria, result),
        "notices": result.notices,
        "nearest": [] if rows else _nearest(catalogue, criteria, today),
        "groups": [
            {"title": DOSE_GROUPS[level], "dose_level": level, "rows": [r for r in rows if r["dose_level"] == level]}
            for level in DOSE_GROUPS
            if any(r["dose_level"] == level for r in rows)
        ],
        "rows": rows,
        "excluded": [
            {"id": e.provider["id"], "name": e.provider["name"], "reasons": e.reasons} for e in result.excluded
        ],
        "curve": {
            "asked": criteria.doses,
            "limit": curve_limit(criteria),
            "lines": cost_curve(
                criteria,
                result.evaluations[:CURVE_PROVIDERS],
                {p["id"]: slot for slot, p in enumerate(catalogue.providers)},
            ),
            "ranked": len(result.evaluations),
        },
        "providers": [
            {
                "id": p["id"],
                "name": p["name"],
                "as_of": p["as_of"],
                "availability": availability(p, criteria.state) if criteria.state else None,
                "refunds": provider_refunds(p),
                "reimbursement": p["reimbursement_ranges"],
                "plan_names": {plan["id"]: plan["name"] for plan in p["plans"]},
                "insurance": p["insurance"],
                "care": p["care"],
                "sources": p["sources"],
                "inconsistencies": p["inconsistencies"],
                "questions": questions(p, row, criteria),
                "if_ineligible": row["refund_if_ineligible"],  # for the purchase the ranking shows
                "stop_after_first_shipment": row["lose_if_stopped_after_first_shipment"],
                "paid_before_first_session": row["paid_before_first_session"],
                "most_paid_ahead": row["most_paid_ahead"],
                "due_after_rule_end": row["due_after_rule_end"],
                "rule_until": row["prescribing_rule_until"],
                "calendar": payment_calendar(p, evaluation.purchase) if rank < CALENDAR_PROVIDERS else [],
                "website": p["website"],
            }
            for rank, (p, row, evaluation) in enumerate(zip(shown, rows, result.evaluations, strict=True))
        ],
        "closures": catalogue.data["closures"],
        "safety": catalogue.data["safety"],
        "crisis_source": next(
            (s for s in catalogue.data["sources"] if s["id"] == catalogue.data["safety"]["crisis_line_source"]), None
        ),
        "all_providers": catalogue.providers,
        "disclaimer": catalogue.data["disclaimer"],
    }
