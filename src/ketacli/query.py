"""Pure queries over a validated catalogue: find, filter, price and rank providers.

Inputs are the validated catalogue document (plain dicts) and a `Criteria`; outputs are JSON-ready row
dicts plus exclusions with plain-word reasons. No I/O, no environment, no printing.
"""

from __future__ import annotations

import re
from typing import Any, Literal, NamedTuple

from .carriers import matching_carriers
from .errors import UsageError
from .money import cents_to_json, format_usd, per_dose_cents, to_cents
from .pricing import Purchase, cheapest, purchase_options

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


def find_provider(catalogue: Any, name: str) -> dict[str, Any]:
    """A provider by id or name, in any case and spacing ('better u', 'Better-U', 'betteru')."""
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    for provider in catalogue.providers + catalogue.alternatives:
        if key in (re.sub(r"[^a-z0-9]", "", provider["id"]), re.sub(r"[^a-z0-9]", "", provider["name"].lower())):
            return provider
    valid = ", ".join(p["id"] for p in catalogue.providers + catalogue.alternatives)
    raise UsageError(f"no provider named {name!r}; valid ids: {valid}")


def availability(provider: dict[str, Any], state: str) -> Availability:
    """Three-valued: only a complete list can say 'not served'."""
    info = provider["availability"]
    if state in info["states_known"]:
        return "served"
    return "not_served" if info["list_complete"] else "unknown"


def all_carriers(catalogue: Any) -> list[str]:
    names = {c for p in catalogue.providers for cs in p["insurance"]["carriers_by_state"].values() for c in cs}
    return sorted(names)


def check_insurance(catalogue: Any, criteria: Criteria) -> None:
    """--insurance needs a state, and must name a carrier found somewhere in the catalogue."""
    if criteria.insurance is None:
        return
    if criteria.state is None:
        raise UsageError("--insurance needs --state: accepted carriers differ from state to state")
    check_carrier(catalogue, criteria.insurance)


def check_carrier(catalogue: Any, query: str) -> None:
    """A carrier query must match something somewhere; otherwise list the known carriers."""
    if not matching_carriers(query, all_carriers(catalogue)):
        raise UsageError(
            f"no insurance carrier matches {query!r}; known carriers: {'; '.join(all_carriers(catalogue))}"
        )


def accepted_carriers(provider: dict[str, Any], state: str, query: str) -> list[str]:
    insurance = provider["insurance"]
    if not insurance["accepted"]:
        return []
    return matching_carriers(query, insurance["carriers_by_state"].get(state, []))


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
    sort: SortKey = "total"
    reverse: bool = False
    limit: int | None = None


class Excluded(NamedTuple):
    provider: dict[str, Any]
    reasons: list[str]


class Result(NamedTuple):
    rows: list[dict[str, Any]]
    excluded: list[Excluded]


def price_provider(provider: dict[str, Any], criteria: Criteria, doses: int, insured: bool) -> Purchase | None:
    options = purchase_options(
        provider, returning=criteria.returning, insured=insured, pay_in_full=criteria.pay_in_full
    )
    return cheapest(options, doses, returning=criteria.returning)


def purchase_notes(provider: dict[str, Any], purchase: Purchase, criteria: Criteria, carriers: list[str]) -> list[str]:
    notes = []
    if provider["dose_level"] == "very_low":
        notes.append(VERY_LOW_NOTE)
    if "insured" in purchase.bases:
        notes.append(f"insured price with {', '.join(carriers)} in {criteria.state}")
    if "pay_in_full" in purchase.bases:
        notes.append(f"pay-in-full saving of {format_usd(to_cents(provider['pay_in_full_saving']))} per plan applied")
    if any(item.option.returning_price_unknown for item in purchase.items):
        notes.append("no returning-client price listed: repeat plans priced at the list price")
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
            "count": item.count,
            "doses": item.doses,
            "unit_price": cents_to_json(item.option.price),
            "subtotal": cents_to_json(item.subtotal),
            "installments": _installments_json(item.option.installments),
        }
        for item in purchase.items
    ]


def _installments_json(schedule: tuple[int, int] | None) -> dict[str, Any] | None:
    return {"count": schedule[0], "amount": cents_to_json(schedule[1]), "period": "month"} if schedule else None


def cost(catalogue: Any, criteria: Criteria) -> Result:
    """The cheapest way to at least `criteria.doses` doses at each provider, ranked by total."""
    assert criteria.doses is not None
    check_insurance(catalogue, criteria)
    rows, excluded = [], []
    for provider in catalogue.providers:
        if criteria.dose_level and provider["dose_level"] != criteria.dose_level:
            excluded.append(Excluded(provider, [f"dose level is {_dose_level_words(provider)}"]))
            continue
        carriers = accepted_carriers(provider, criteria.state, criteria.insurance) if criteria.insurance else []
        purchase = price_provider(provider, criteria, criteria.doses, insured=bool(carriers))
        if purchase is None:
            excluded.append(Excluded(provider, [_unpriceable_reason(criteria)]))
            continue
        rows.append(_cost_row(provider, purchase, criteria, carriers))
    rows.sort(key=lambda r: (r["_total"], r["_per_dose"], r["name"].lower()))
    return Result(_ranked(rows), excluded)


def _cost_row(provider: dict[str, Any], purchase: Purchase, criteria: Criteria, carriers: list[str]) -> dict[str, Any]:
    return {
        "rank": None,
        "id": provider["id"],
        "name": provider["name"],
        "doses_requested": purchase.doses_requested,
        "doses_covered": purchase.doses_covered,
        "surplus": purchase.surplus,
        "total": cents_to_json(purchase.total),
        "per_dose": cents_to_json(purchase.per_dose),
        "purchase": purchase.describe(),
        "items": purchase_items(purchase),
        "insured": "insured" in purchase.bases,
        "returning_price": "returning" in purchase.bases,
        "dose_level": provider["dose_level"],
        "as_of": provider["as_of"],
        "notes": purchase_notes(provider, purchase, criteria, carriers),
        "_total": purchase.total,
        "_per_dose": purchase.per_dose,
    }


def _unpriceable_reason(criteria: Criteria) -> str:
    if criteria.returning:
        return "no purchase option is offered to returning clients"
    return f"no combination of its options gives {criteria.doses} doses"


def _dose_level_words(provider: dict[str, Any]) -> str:
    return "very-low (psycholytic)" if provider["dose_level"] == "very_low" else "standard"


def _ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def strip_private(row: dict[str, Any]) -> dict[str, Any]:
    """Drop the underscore keys used only for sorting."""
    return {k: v for k, v in row.items() if not k.startswith("_")}


# --------------------------------------------------------------------------------------------------- compare


def compare(catalogue: Any, criteria: Criteria) -> Result:
    """Filter, price and rank providers; every provider a filter removes is returned with its reasons."""
    check_insurance(catalogue, criteria)
    rows: list[dict[str, Any]] = []
    excluded: list[Excluded] = []
    for provider in catalogue.providers:
        row, reasons = _compare_row(provider, criteria)
        if reasons:
            excluded.append(Excluded(provider, reasons))
        else:
            rows.append(row)
    rows.sort(key=_sort_key(criteria.sort), reverse=criteria.reverse)
    if criteria.limit is not None:
        rows = rows[: criteria.limit]
    return Result(_ranked(rows), excluded)


def _sort_key(sort: SortKey):  # noqa: ANN202 - a key function
    missing = 10**15
    if sort == "per-dose":
        return lambda r: (r["_per_dose_rank"] if r["_per_dose_rank"] is not None else missing, r["name"].lower())
    if sort == "states":
        return lambda r: (-r["states_served"], r["name"].lower())
    if sort == "name":
        return lambda r: r["name"].lower()
    return lambda r: (r["_total"] if r["_total"] is not None else missing, r["name"].lower())


def _compare_row(provider: dict[str, Any], criteria: Criteria) -> tuple[dict[str, Any], list[str]]:
    reasons: list[str] = []
    state = criteria.state
    served = availability(provider, state) if state else None
    if served == "not_served":
        reasons.append(f"not available in {state}")
    elif served == "unknown" and criteria.confirmed_only:
        reasons.append(f"availability in {state} is unconfirmed")

    carriers: list[str] = []
    insurance_status = None
    if criteria.insurance and state:
        carriers = accepted_carriers(provider, state, criteria.insurance)
        insurance_status = "accepted" if carriers else "not_accepted"
        if not carriers:
            reasons.append(f"does not accept {criteria.insurance} in {state}: {insurance_alternatives(provider)}")

    if criteria.dose_level and provider["dose_level"] != criteria.dose_level:
        reasons.append(f"dose level is {_dose_level_words(provider)}")
    reasons.extend(_policy_reasons(provider, criteria))

    options = purchase_options(
        provider, returning=criteria.returning, insured=bool(carriers), pay_in_full=criteria.pay_in_full
    )
    purchase: Purchase | None = None
    if criteria.doses is not None:
        purchase = cheapest(options, criteria.doses, returning=criteria.returning)
        if purchase is None:
            reasons.append(_unpriceable_reason(criteria))
    else:
        first = min(options.first, key=lambda o: (o.price, -o.doses), default=None)
        if first is not None:
            purchase = Purchase(first.doses, (_single(first),))
        else:
            reasons.append("no purchase option is offered to returning clients")

    if purchase is not None and criteria.budget is not None and purchase.total > criteria.budget:
        what = f"cheapest {criteria.doses} doses cost" if criteria.doses else "cheapest plan costs"
        reasons.append(f"{what} {format_usd(purchase.total)}, over the {format_usd(criteria.budget)} budget")
    monthly = lowest_monthly_payment(provider, insured=bool(carriers))
    if criteria.monthly_budget is not None:
        if monthly is None:
            reasons.append("no monthly payment option (installments, financing or subscription)")
        elif monthly > criteria.monthly_budget:
            reasons.append(
                f"lowest monthly payment is {format_usd(monthly)}, over the {format_usd(criteria.monthly_budget)} monthly budget"
            )

    prices = [per_dose_cents(o.price, o.doses) for o in options.first]
    row = {
        "rank": None,
        "id": provider["id"],
        "name": provider["name"],
        "availability": served,
        "states_served": provider["availability"]["states_reported"],
        "states_list_complete": provider["availability"]["list_complete"],
        "total": cents_to_json(purchase.total) if purchase else None,
        "doses": purchase.doses_covered if purchase else None,
        "per_dose": cents_to_json(purchase.per_dose) if purchase else None,
        "per_dose_range": [cents_to_json(min(prices)), cents_to_json(max(prices))] if prices else None,
        "purchase": purchase.describe() if purchase else None,
        "items": purchase_items(purchase) if purchase else [],
        "insurance": insurance_status,
        "insured_price": bool(purchase and "insured" in purchase.bases),
        "accepted_carriers": carriers if criteria.insurance else None,
        "hsa_fsa": provider["insurance"]["hsa_fsa"],
        "financing": provider["financing"]["available"],
        "lowest_monthly_payment": cents_to_json(monthly) if monthly is not None else None,
        "consultation": provider["consultation"]["cost"],
        "sitter_required": provider["care"]["sitter_required"],
        "id_verification": provider["care"]["id_verification"],
        "integration": provider["care"]["integration"],
        "delivery": provider["delivery"],
        "in_clinic": [c["state"] for c in provider["availability"]["in_clinic"] if c["ketamine_sessions"]],
        "dose_level": provider["dose_level"],
        "notes": purchase_notes(provider, purchase, criteria, carriers) if purchase else [],
        "as_of": provider["as_of"],
        "_total": purchase.total if purchase else None,
        "_per_dose": purchase.per_dose if purchase else None,
        # With --doses, rank by the per-dose price of that basket; without, by the provider's best per dose.
        "_per_dose_rank": (purchase.per_dose if criteria.doses else min(prices, default=None)) if purchase else None,
    }
    if served == "unknown":
        row["notes"].insert(0, f"availability in {state} unconfirmed: check with the provider")
    return row, reasons


def _single(option: Any) -> Any:
    from .pricing import LineItem

    return LineItem(option, 1)


def _policy_reasons(provider: dict[str, Any], criteria: Criteria) -> list[str]:
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


def _offers_delivery(provider: dict[str, Any], kind: str, state: str | None) -> bool:
    methods = set(provider["delivery"])
    for clinic in provider["availability"]["in_clinic"]:
        if state is None or clinic["state"] == state:
            methods.update(clinic["delivery"])
    return bool(methods & set(DELIVERY_KINDS[kind]))


def _in_clinic_reason(provider: dict[str, Any], state: str | None) -> str | None:
    clinics = [c for c in provider["availability"]["in_clinic"] if state is None or c["state"] == state]
    where = f" in {state}" if state else ""
    if not clinics:
        return f"no in-person option{where}"
    if not any(c["ketamine_sessions"] for c in clinics):
        return f"in-person option{where} offers no ketamine sessions"
    return None


def lowest_monthly_payment(provider: dict[str, Any], *, insured: bool) -> int | None:
    """The smallest amount one can pay per month: an installment, a financing minimum, a subscription."""
    amounts = []
    for plan in provider["plans"]:
        schedule = (
            plan.get("insured_installments") if insured and plan.get("insured_price") else plan.get("installments")
        )
        if schedule:
            amounts.append(to_cents(schedule["amount"]))
        if plan.get("financing"):
            amounts.append(to_cents(plan["financing"]["monthly_from"]))
    if provider["financing"].get("monthly_from") is not None:
        amounts.append(to_cents(provider["financing"]["monthly_from"]))
    amounts.extend(to_cents(s["price"]) for s in provider["subscriptions"] if s["period"] == "month")
    return min(amounts) if amounts else None


def insurance_alternatives(provider: dict[str, Any]) -> str:
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
