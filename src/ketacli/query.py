"""Pure queries over a validated catalogue: find, filter, price and rank providers.

Inputs are the validated catalogue document (plain dicts) and a `Criteria`; outputs are JSON-ready row
dicts plus exclusions with plain-word reasons. No I/O, no environment, no printing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from .carriers import compact, matching_carriers, suggest_carrier
from .errors import UsageError
from .money import cents_to_json, format_usd, per_dose_cents, to_cents
from .pricing import LineItem, Purchase, cheapest, purchase_options
from .refunds import (
    Charge,
    IneligibleAnswer,
    if_found_ineligible,
    lost_after_first_shipment,
    lost_if_ineligible,
    reimbursement_up_to,
)
from .rules import prescribing_rule, rules_by_id, runs_past

if TYPE_CHECKING:
    import datetime as dt

    from typing_extensions import TypeIs

    from .catalogue import LoadedCatalogue
    from .document import Entry, ProviderDoc, RuleDoc


Availability = Literal["served", "not_served", "unknown"]
SortKey = Literal["total", "per-dose", "states", "name"]

DELIVERY_KINDS: dict[str, tuple[str, ...]] = {
    "tablet": ("oral_rapid_dissolve_tablet", "sublingual_tablet"),
    "troche": ("troche",),
    "injection": ("subcutaneous_injection", "injection"),
    "infusion": ("infusion",),
}
_DELIVERY_ALIASES = {
    "tablets": "tablet",
    "oral": "tablet",
    "sublingual": "tablet",
    "rdt": "tablet",
    "pill": "tablet",
    "troches": "troche",
    "lozenge": "troche",
    "lozenges": "troche",
    "injections": "injection",
    "subq": "injection",
    "subcutaneous": "injection",
    "shot": "injection",
    "im": "injection",
    "infusions": "infusion",
    "iv": "infusion",
    "intravenous": "infusion",
}
VERY_LOW_NOTE = "very-low dose (psycholytic): not the same treatment as a standard dose"


def resolve_delivery(text: str) -> str:
    key = re.sub(r"[^a-z]", "", text.lower())
    kind = key if key in DELIVERY_KINDS else _DELIVERY_ALIASES.get(key)
    if kind is None:
        raise UsageError(f"unknown delivery kind {text!r}; choose one of: {', '.join(DELIVERY_KINDS)}")
    return kind


def is_provider(entry: Entry) -> TypeIs[ProviderDoc]:
    """A provider, not an alternative: only providers have plans."""
    return "plans" in entry


def find_entry(catalogue: LoadedCatalogue, name: str) -> Entry:
    """A provider or an alternative by id or name, in any case and spacing ('better u', 'Better-U', 'betteru')."""
    key = compact(name)
    for provider in catalogue.providers + catalogue.alternatives:
        if key in (compact(provider["id"]), compact(provider["name"])):
            return provider
    valid = ", ".join(p["id"] for p in catalogue.providers + catalogue.alternatives)
    raise UsageError(f"no provider named {name!r}; valid ids: {valid}")


def find_provider(catalogue: LoadedCatalogue, name: str, *, why: str = "it has no plans") -> ProviderDoc:
    """A provider (not an alternative) by id or name, forgivingly; an alternative is a usage error saying why."""
    entry = find_entry(catalogue, name)
    for provider in catalogue.providers:
        if provider is entry:
            return provider
    raise UsageError(f"{entry['name']} is an alternative: {why}")


def find_plan(provider: ProviderDoc, name: str) -> str:
    """A plan or subscription id by id or name, forgivingly ('extended', 'Extended Program', '6', 'six sessions')."""
    key = compact(name)
    entries = provider["plans"] + provider["subscriptions"]
    for entry in entries:
        doses = entry.get("doses", entry.get("doses_per_period"))
        if key in {compact(entry["id"]), compact(entry["name"]), str(doses)}:
            return entry["id"]
    valid = ", ".join(e["id"] for e in entries)
    raise UsageError(f"{provider['name']} has no plan {name!r}; its plans: {valid}")


def availability(provider: ProviderDoc, state: str) -> Availability:
    """Three-valued: only a complete list can say 'not served'."""
    info = provider["availability"]
    if state in info["states_known"]:
        return "served"
    return "not_served" if info["list_complete"] else "unknown"


def all_carriers(catalogue: LoadedCatalogue) -> list[str]:
    names = {c for p in catalogue.providers for cs in p["insurance"]["carriers_by_state"].values() for c in cs}
    return sorted(names)


def carriers_in_state(catalogue: LoadedCatalogue, state: str) -> list[str]:
    names = {c for p in catalogue.providers for c in p["insurance"]["carriers_by_state"].get(state, [])}
    return sorted(names)


class InsuranceAsk(NamedTuple):
    """The carrier a person named, resolved once for every provider."""

    query: str  # as typed
    carrier: str | None  # the listed carrier it names in the state; None when no provider lists it there
    shown: str  # the name to show: the listed carrier's name where the query names exactly one, else the query


def check_carrier(catalogue: LoadedCatalogue, query: str) -> list[str]:
    """Listed carriers a query names; a near miss of a listed carrier is a usage error ('did you mean')."""
    known = all_carriers(catalogue)
    matched = matching_carriers(query, known)
    if not matched:
        near = suggest_carrier(query, known)
        if near:
            raise UsageError(f"no listed carrier is called {query!r}; did you mean {' or '.join(near)}?")
    return matched


def resolve_insurance(
    catalogue: LoadedCatalogue, query: str | None, state: str | None
) -> tuple[InsuranceAsk | None, list[str]]:
    """The carrier `query` names in `state`, and notices for people (stderr).

    A carrier nobody lists (Humana, Kaiser, ...) is valid: every provider is out of network. A query that
    names several carriers listed in the state is a usage error; so is a typo of a listed carrier.
    """
    if query is None:
        return None, []
    if state is None:
        raise UsageError("--insurance needs --state: accepted carriers differ from state to state")
    anywhere = check_carrier(catalogue, query)
    here = matching_carriers(query, carriers_in_state(catalogue, state))
    if len(here) > 1:
        raise UsageError(f"{query!r} matches several carriers in {state}: {'; '.join(here)}; give the full name")
    if here:
        return InsuranceAsk(query, here[0], here[0]), []
    where = f"no provider in the catalogue lists {query!r} in {state}"
    if anywhere:
        where += f" (listed elsewhere: {'; '.join(anywhere)})"
    shown = anywhere[0] if len(anywhere) == 1 else query
    return InsuranceAsk(query, None, shown), [f"{where}: every provider is priced at self-pay"]


def insurance_status(provider: ProviderDoc, state: str, ask: InsuranceAsk) -> bool:
    """Whether this provider takes the asked carrier in the state."""
    insurance = provider["insurance"]
    return bool(insurance["accepted"] and ask.carrier in insurance["carriers_by_state"].get(state, []))


class Criteria(NamedTuple):
    """What the user asked for. Money in cents; state already resolved to a code."""

    state: str | None = None
    doses: int | None = None
    returning: bool = False
    pay_in_full: bool = False
    insurance: str | None = None
    budget: int | None = None
    monthly_budget: int | None = None
    hsa_fsa: bool = False
    financing: bool = False
    free_consult: bool = False
    no_sitter: bool = False
    id_verified: bool = False
    clinician_led: bool = False
    delivery: str | None = None
    in_clinic: bool = False
    dose_level: Literal["standard", "very_low"] | None = None
    confirmed_only: bool = False
    in_network_only: bool = False
    sort: SortKey = "total"
    reverse: bool = False
    limit: int | None = None


class Excluded(NamedTuple):
    provider: ProviderDoc
    reasons: list[str]


class Result(NamedTuple):
    rows: list[dict[str, Any]]
    excluded: list[Excluded]
    notices: list[str]  # for people (stderr): e.g. that no provider lists the carrier asked about
    insurance: InsuranceAsk | None = None  # the carrier asked about, as resolved
    # With a state: how many rows (before --limit) the sources confirm serve it. Below two, the alternatives
    # (Spravato, infusion clinics) are worth showing beside the ranking.
    confirmed: int | None = None


# Dose levels rank as separate groups, standard first: a very-low daily dose is a different treatment, and
# its price per dose is not comparable with a standard session's.
DOSE_GROUPS: dict[str, str] = {
    "standard": "Standard-dose programs",
    "very_low": "Very-low-dose (psycholytic) programs: a different treatment",
}
_GROUP_ORDER = {level: index for index, level in enumerate(DOSE_GROUPS)}

# The row contract shared by `cost` and `compare` (README, "The row contract"); a test checks both.
ROW_FIELDS = [
    "rank", "id", "name", "availability", "doses_requested", "doses", "surplus", "total", "per_dose",
    "purchase", "items", "insurance", "insured_price", "returning_price", "dose_level", "refund_if_ineligible",
    "lose_if_ineligible", "lose_if_stopped_after_first_shipment", "reimbursement_up_to", "net_best_case", "prescribing_rule_until", "notes", "as_of",
]  # fmt: skip
COST_FIELDS = ROW_FIELDS
COMPARE_FIELDS = ROW_FIELDS + [
    "states_served", "states_list_complete", "per_dose_range", "accepted_carriers", "hsa_fsa", "financing",
    "lowest_monthly_payment", "consultation", "sitter_required", "id_verification", "integration", "delivery",
    "in_clinic",
]  # fmt: skip


def purchase_notes(
    provider: ProviderDoc, purchase: Purchase, criteria: Criteria, ask: InsuranceAsk | None
) -> list[str]:
    notes = []
    if provider["dose_level"] == "very_low":
        notes.append(VERY_LOW_NOTE)
    if "insured" in purchase.bases and ask is not None:
        notes.append(f"insured price with {ask.carrier} in {criteria.state}")
    elif ask is not None:
        notes.append(f"self-pay: does not take {ask.shown} in {criteria.state}; {insurance_alternatives(provider)}")
    saving = provider["pay_in_full_saving"]
    if "pay_in_full" in purchase.bases and saving is not None:
        notes.append(f"pay-in-full saving of {format_usd(to_cents(saving))} per plan applied")
    elif criteria.pay_in_full and "insured" in purchase.bases and saving is not None:
        notes.append(
            f"pay-in-full saving of {format_usd(to_cents(saving))} not applied to the insured price: the guide "
            "does not limit it to self-pay, so whether it applies is not known (ketacli's inference)"
        )
    repeats = {item.option.basis for item in purchase.items if item.option.returning_price_unknown}
    if repeats:
        basis = (
            "the insured price" if "insured" in repeats
            else "the pay-in-full price" if "pay_in_full" in repeats
            else "the list price"
        )  # fmt: skip
        notes.append(f"no returning-client price listed: repeat plans priced at {basis}")
    sessions = sum(item.quantity for item in purchase.items if item.option.kind == "continuation")
    continuation = provider["continuation"]
    if sessions and continuation is not None:
        price = format_usd(to_cents(continuation["price_per_session"]))
        notes.append(
            f"{sessions} continuation session{'s' if sessions != 1 else ''} at {price} each: {continuation['requires']}"
        )
    if purchase.surplus:
        notes.append(f"{purchase.surplus} more doses than asked for")
    return notes


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


def cost(catalogue: LoadedCatalogue, criteria: Criteria, today: dt.date | None = None) -> Result:
    """The cheapest way to at least `criteria.doses` doses at each provider: `compare`'s path, cost's fields."""
    assert criteria.doses is not None
    result = compare(catalogue, criteria, today)
    rows = [{key: row[key] for key in COST_FIELDS} for row in result.rows]  # ranked already: no sort keys needed
    return result._replace(rows=rows)


def _unpriceable_reason(criteria: Criteria) -> str:
    if criteria.returning:
        return "no purchase option is offered to returning clients"
    return f"no combination of its options gives {criteria.doses} doses"


def _dose_level_words(provider: ProviderDoc) -> str:
    return "very-low (psycholytic)" if provider["dose_level"] == "very_low" else "standard"


def strip_private(row: dict[str, Any]) -> dict[str, Any]:
    """Drop the underscore keys used only for sorting."""
    return {k: v for k, v in row.items() if not k.startswith("_")}


# --------------------------------------------------------------------------------------------------- compare


def compare(catalogue: LoadedCatalogue, criteria: Criteria, today: dt.date | None = None) -> Result:
    """Filter, price and rank providers; every provider a filter removes is returned with its reasons.

    The one path for `compare` and `cost`: availability in the state, the insurance carrier, the price
    basis and the dose-level groups are decided here and nowhere else. With `today`, a purchase whose
    payments run past the end of the prescribing rule it depends on says so in its notes.
    """
    rules = rules_by_id(catalogue.data.get("rules", []))
    if criteria.in_network_only and criteria.insurance is None:
        raise UsageError("--in-network-only needs --insurance (and --state): in whose network?")
    ask, notices = resolve_insurance(catalogue, criteria.insurance, criteria.state)
    rows: list[dict[str, Any]] = []
    excluded: list[Excluded] = []
    for provider in catalogue.providers:
        row, reasons = _evaluate(provider, criteria, ask)
        rule = prescribing_rule(provider, rules)
        row["prescribing_rule_until"] = rule["ends"] if rule else None
        if rule is not None and today is not None and row["_purchase"] is not None:
            row["notes"].extend(rule_notes(row["_purchase"], rule, today))
        if reasons:
            excluded.append(Excluded(provider, reasons))
        else:
            rows.append(row)
    rows.sort(key=_sort_key(criteria.sort), reverse=criteria.reverse)
    rows.sort(key=lambda r: _GROUP_ORDER[r["dose_level"]])  # stable: each group keeps the order chosen above
    confirmed = sum(row["availability"] == "served" for row in rows) if criteria.state else None
    if criteria.limit is not None:
        rows = rows[: criteria.limit]
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return Result(rows, excluded, notices, ask, confirmed)


def needs_alternatives(result: Result) -> bool:
    """Fewer than two at-home providers confirmed in the state asked about: show the alternatives too."""
    return result.confirmed is not None and result.confirmed < 2


def _sort_key(sort: SortKey) -> Callable[[dict[str, Any]], Any]:
    missing = 10**15
    if sort == "per-dose":
        return lambda r: (r["_per_dose_rank"] if r["_per_dose_rank"] is not None else missing, r["name"].lower())
    if sort == "states":
        return lambda r: (-r["states_served"], r["name"].lower())
    if sort == "name":
        return lambda r: r["name"].lower()
    return lambda r: (
        r["_total"] if r["_total"] is not None else missing,
        r["_per_dose"] if r["_per_dose"] is not None else missing,
        r["name"].lower(),
    )


def _evaluate(provider: ProviderDoc, criteria: Criteria, ask: InsuranceAsk | None) -> tuple[dict[str, Any], list[str]]:
    reasons: list[str] = []
    state = criteria.state
    served = availability(provider, state) if state else None
    if served == "not_served":
        reasons.append(f"not available in {state}")
    elif served == "unknown" and criteria.confirmed_only:
        reasons.append(f"availability in {state} is unconfirmed")

    insured = bool(ask and state and insurance_status(provider, state, ask))
    if ask is not None and not insured and criteria.in_network_only:
        reasons.append(f"does not take {ask.shown} in {state}: {insurance_alternatives(provider)}")

    if criteria.dose_level and provider["dose_level"] != criteria.dose_level:
        reasons.append(f"dose level is {_dose_level_words(provider)}")
    reasons.extend(_policy_reasons(provider, criteria))

    options = purchase_options(
        provider, returning=criteria.returning, insured=insured, pay_in_full=criteria.pay_in_full
    )
    purchase: Purchase | None = None
    if criteria.doses is not None:
        purchase = cheapest(options, criteria.doses, returning=criteria.returning)
        if purchase is None:
            reasons.append(_unpriceable_reason(criteria))
    else:
        first = min(options.first, key=lambda o: (o.price, -o.doses), default=None)
        if first is not None:
            purchase = Purchase(first.doses, (LineItem(first, 1),))
        else:
            reasons.append("no purchase option is offered to returning clients")

    if purchase is not None and criteria.budget is not None and purchase.total > criteria.budget:
        what = f"cheapest {criteria.doses} doses cost" if criteria.doses else "cheapest plan costs"
        reasons.append(f"{what} {format_usd(purchase.total)}, over the {format_usd(criteria.budget)} budget")
    # Judged on the purchase the row shows, not on another plan that happens to have a smaller installment.
    monthly = purchase_monthly_payment(provider, purchase) if purchase else None
    if criteria.monthly_budget is not None and purchase is not None:
        if monthly is None:
            reasons.append(f"no monthly payment option for {purchase.describe()}")
        elif monthly > criteria.monthly_budget:
            reasons.append(
                f"{purchase.describe()} costs {format_usd(monthly)} a month at the least, over the "
                f"{format_usd(criteria.monthly_budget)} monthly budget"
            )

    prices = [per_dose_cents(o.price, o.doses) for o in options.first]
    notes = purchase_notes(provider, purchase, criteria, ask) if purchase else []
    money_back = reimbursement_up_to(provider, purchase) if purchase else None
    if purchase and money_back is not None:
        notes.append(
            f"up to {format_usd(money_back)} back from an out-of-network insurance claim, depending on your plan "
            f"(not a promise): {format_usd(max(purchase.total - money_back, 0))}–{format_usd(purchase.total)} net"
        )
    ineligible = ineligible_for(provider, purchase, criteria.returning)
    if served == "unknown":
        notes.insert(0, f"availability in {state} unconfirmed: check with the provider")
    row = {
        "rank": None,
        "id": provider["id"],
        "name": provider["name"],
        "availability": served,
        "doses_requested": criteria.doses,
        "doses": purchase.doses_covered if purchase else None,
        "surplus": purchase.surplus if purchase and criteria.doses is not None else None,
        "total": cents_to_json(purchase.total) if purchase else None,
        "per_dose": cents_to_json(purchase.per_dose) if purchase else None,
        "purchase": purchase.describe() if purchase else None,
        "items": purchase_items(purchase) if purchase else [],
        "insurance": None if ask is None else "accepted" if insured else "not_accepted",
        "insured_price": bool(purchase and "insured" in purchase.bases),
        "returning_price": bool(purchase and "returning" in purchase.bases),
        "dose_level": provider["dose_level"],
        "refund_if_ineligible": ineligible,
        "lose_if_ineligible": None if lost_if_ineligible(ineligible) is None else cents_to_json(0),
        "lose_if_stopped_after_first_shipment": _charges_json(
            first_shipment_loss(provider, purchase, criteria.returning)
        ),
        "reimbursement_up_to": cents_to_json(money_back) if money_back is not None else None,
        "net_best_case": cents_to_json(max(purchase.total - money_back, 0))
        if purchase and money_back is not None
        else None,
        "prescribing_rule_until": None,  # set by compare(), which holds the catalogue's rules
        "notes": notes,
        "as_of": provider["as_of"],
        "states_served": provider["availability"]["states_reported"],
        "states_list_complete": provider["availability"]["list_complete"],
        "per_dose_range": [cents_to_json(min(prices)), cents_to_json(max(prices))] if prices else None,
        "accepted_carriers": None if ask is None else [ask.carrier] if insured else [],
        "hsa_fsa": provider["insurance"]["hsa_fsa"],
        "financing": provider["financing"]["available"],
        "lowest_monthly_payment": cents_to_json(monthly) if monthly is not None else None,
        "consultation": provider["consultation"]["cost"],
        "sitter_required": provider["care"]["sitter_required"],
        "id_verification": provider["care"]["id_verification"],
        "integration": provider["care"]["integration"],
        "delivery": provider["delivery"],
        "in_clinic": [c["state"] for c in provider["availability"]["in_clinic"] if c["ketamine_sessions"]],
        "_purchase": purchase,
        "_total": purchase.total if purchase else None,
        "_per_dose": purchase.per_dose if purchase else None,
        # With --doses, rank by the per-dose price of that basket; without, by the provider's best per dose.
        "_per_dose_rank": (purchase.per_dose if criteria.doses else min(prices, default=None)) if purchase else None,
    }
    return row, reasons


def _first_plan(purchase: Purchase) -> tuple[str, str]:
    """The first plan bought and how it is paid for: the purchase a refund policy covers first."""
    first = purchase.items[0].option
    return first.key, "insured" if first.basis == "insured" else "self_pay"


def first_shipment_loss(provider: ProviderDoc, purchase: Purchase | None, returning: bool) -> list[Charge] | None:
    """What stopping after the first medicine shipment costs for this row's first plan; None: unknown."""
    if purchase is None:
        return None
    plan_id, payment = _first_plan(purchase)
    return lost_after_first_shipment(provider, plan_id, payment, returning=returning)


def _charges_json(charges: list[Charge] | None) -> list[dict[str, Any]] | None:
    if charges is None:
        return None
    return [{"amount": cents_to_json(c.amount), "condition": c.condition} for c in charges]


def ineligible_for(provider: ProviderDoc, purchase: Purchase | None, returning: bool) -> IneligibleAnswer:
    """The "if found ineligible" answer for this row's own first purchase and way of paying."""
    if purchase is None:
        return "unknown"
    plan_id, payment = _first_plan(purchase)
    return if_found_ineligible(provider, plan_id, payment, returning=returning)


def payment_months(purchase: Purchase) -> int:
    """How many months of payments a purchase runs over when paid by its installments and subscriptions."""
    months = 0
    for item in purchase.items:
        if item.option.kind == "subscription":
            months += item.quantity
        elif item.option.installments:
            months += item.option.installments[0] * item.quantity
    return months


def rule_notes(purchase: Purchase, rule: RuleDoc, today: dt.date) -> list[str]:
    """A note when the purchase's monthly payments (or subscription) run past the rule's end date."""
    import datetime as dt

    if not rule["ends"]:
        return []
    ends = dt.date.fromisoformat(rule["ends"])
    if today > ends:
        return [f"the telemedicine prescribing rule it depends on was set to end {rule['ends']}: unknown since"]
    months = payment_months(purchase)
    last = runs_past(today, months, ends)
    if last is None:
        return []
    what = "a monthly subscription" if any(i.option.kind == "subscription" for i in purchase.items) else "installments"
    return [
        f"paid by {what} from today, the last of {months} monthly payments falls in {last.isoformat()[:7]}, after "
        f"{rule['ends']}, when the telemedicine prescribing rule it depends on is set to end"
    ]


def _policy_reasons(provider: ProviderDoc, criteria: Criteria) -> list[str]:
    reasons = []
    insurance, care = provider["insurance"], provider["care"]
    if criteria.hsa_fsa and insurance["hsa_fsa"] != "yes":
        reasons.append(
            {"may_be_possible": 'HSA/FSA payment only "may be possible"', "no": "no HSA/FSA"}.get(
                insurance["hsa_fsa"], "HSA/FSA acceptance unknown"
            )
        )
    if criteria.financing and not provider["financing"]["available"]:
        reasons.append("no financing")
    if criteria.free_consult and provider["consultation"]["cost"] != "free":
        reasons.append(f"consultation is not free ({provider['consultation']['cost'].replace('_', ' ')})")
    if criteria.no_sitter and care["sitter_required"] is not False:
        reasons.append("a sitter is required" if care["sitter_required"] is True else "sitter requirement unknown")
    if criteria.id_verified and care["id_verification"] != "required":
        reasons.append(f"ID verification is {care['id_verification'].replace('_', ' ')}, not required")
    if criteria.clinician_led and care["integration"] != "psychiatric_clinician":
        reasons.append(f"integration is led by {_integration_words(care['integration'])}, not a licensed clinician")
    if criteria.delivery and not _offers_delivery(provider, criteria.delivery, criteria.state):
        where = f" in {criteria.state}" if criteria.state else ""
        reasons.append(f"no {criteria.delivery} delivery{where}")
    if criteria.in_clinic:
        reason = _in_clinic_reason(provider, criteria.state)
        if reason:
            reasons.append(reason)
    return reasons


def _integration_words(integration: str) -> str:
    return {"psychiatric_clinician": "a psychiatric clinician", "coach": "a coach", "none": "nobody"}.get(
        integration, "unknown"
    )


def _offers_delivery(provider: ProviderDoc, kind: str, state: str | None) -> bool:
    methods = set(provider["delivery"])
    for clinic in provider["availability"]["in_clinic"]:
        if state is None or clinic["state"] == state:
            methods.update(clinic["delivery"])
    return bool(methods & set(DELIVERY_KINDS[kind]))


def _in_clinic_reason(provider: ProviderDoc, state: str | None) -> str | None:
    clinics = [c for c in provider["availability"]["in_clinic"] if state is None or c["state"] == state]
    where = f" in {state}" if state else ""
    if not clinics:
        return f"no in-person option{where}"
    if not any(c["ketamine_sessions"] for c in clinics):
        return f"in-person option{where} offers no ketamine sessions"
    return None


def purchase_monthly_payment(provider: ProviderDoc, purchase: Purchase) -> int | None:
    """The smallest monthly amount for the first thing this purchase buys: its installment (at the price basis
    the row uses), the plan's financing minimum, the provider's financing minimum, or a subscription's price."""
    first = purchase.items[0].option
    if first.kind == "subscription":
        return first.price
    amounts = []
    if first.installments:
        amounts.append(first.installments[1])
    plan = next((p for p in provider["plans"] if p["id"] == first.key), None)
    if plan is not None and plan["financing"]:
        amounts.append(to_cents(plan["financing"]["monthly_from"]))
    financing_from = provider["financing"]["monthly_from"]
    if financing_from is not None:
        amounts.append(to_cents(financing_from))
    return min(amounts) if amounts else None


def insurance_alternatives(provider: ProviderDoc) -> str:
    """What someone can do when a provider does not take their insurance, in a few words."""
    insurance = provider["insurance"]
    parts = []
    hsa = {"yes": "HSA/FSA accepted", "may_be_possible": "HSA/FSA may be possible", "no": "no HSA/FSA"}.get(
        insurance["hsa_fsa"], "HSA/FSA unknown"
    )
    parts.append(hsa)
    if insurance["superbill"] is True:
        parts.append("superbill for reimbursement")
    elif insurance.get("reimbursement"):
        parts.append("may be reimbursed")
    return ", ".join(parts)
