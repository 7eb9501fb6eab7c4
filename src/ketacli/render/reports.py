"""The columns of each tabular report, and the text of `show`. Pure: data in, strings out."""

from __future__ import annotations

from typing import Any

from ketacli.money import format_usd, to_cents
from ketacli.query import DOSE_GROUPS, Criteria
from ketacli.states import STATE_NAMES

from . import Column, label, plain


def usd(value: Any) -> str:
    return "—" if value is None else format_usd(to_cents(value))


def usd_cents(value: Any) -> str:
    """Per-dose prices always show cents, so a column of them lines up."""
    return "—" if value is None else format_usd(to_cents(value), always_cents=True)


def _price_range(provider: dict[str, Any]) -> str:
    totals = [to_cents(p["price"]) for p in provider["plans"]] + [
        to_cents(s["price"]) for s in provider["subscriptions"]
    ]
    low, high = min(totals), max(totals)
    suffix = "/month" if not provider["plans"] else ""
    return format_usd(low) + suffix if low == high else f"{format_usd(low)}–{format_usd(high)}"


def provider_rows(providers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": p["id"],
            "name": p["name"],
            "best_for": p["best_for"],
            "states_served": p["availability"]["states_reported"],
            "states_list_complete": p["availability"]["list_complete"],
            "price_range": _price_range(p),
            "dose_level": p["dose_level"],
            "as_of": p["as_of"],
        }
        for p in providers
    ]


PROVIDER_COLUMNS = [
    Column("id", "ID", lambda r: r["id"]),
    Column("name", "Provider", lambda r: r["name"]),
    Column("best_for", "Best for", lambda r: "; ".join(r["best_for"]), priority=2),
    Column("states_served", "States", lambda r: f"{r['states_served']}", justify="right", priority=1),
    Column("price_range", "Price", lambda r: r["price_range"]),
    Column("dose_level", "Dose level", lambda r: label(r["dose_level"]), priority=1),
]


def _markers(row: dict[str, Any]) -> str:
    marks = []
    if row["returning_price"]:
        marks.append("returning price")
    if any(item["kind"] == "continuation" for item in row["items"]):
        marks.append("continuation applied for")
    if row["surplus"]:
        marks.append(f"{row['surplus']} extra doses")
    return ", ".join(marks) or "—"


_AVAILABILITY = {"served": "yes", "not_served": "no", "unknown": "unconfirmed", None: "—"}
_DOSE_LEVEL = {"standard": "standard", "very_low": "very low"}


def _availability(row: dict[str, Any]) -> str:
    return _AVAILABILITY[row["availability"]]


def money_back(row: dict[str, Any]) -> str:
    """'up to $650 back; $604–$1,254 net' where a source gives the figure for this purchase."""
    if row["reimbursement_up_to"] is None:
        return "—"
    return f"up to {usd(row['reimbursement_up_to'])} back; {usd(row['net_best_case'])}–{usd(row['total'])} net"


_INELIGIBLE = {"full": "full refund", "unknown": "unknown"}


def if_ineligible(row: dict[str, Any]) -> str:
    value = row["refund_if_ineligible"]
    return _INELIGIBLE.get(value, value)


# Priority 0: never dropped on a narrow terminal (what qualifies a figure); higher numbers are dropped first.
COST_COLUMNS = [
    Column("rank", "#", lambda r: str(r["rank"]), justify="right"),
    Column("name", "Provider", lambda r: r["name"]),
    Column("availability", "In state", _availability),
    Column("insurance", "Insurance", lambda r: _INSURANCE[r["insurance"]]),
    Column("purchase", "What to buy", lambda r: r["purchase"], priority=2),
    Column("doses", "Doses", lambda r: str(r["doses"]), justify="right"),
    Column("total", "Total", lambda r: usd(r["total"]), justify="right"),
    Column("per_dose", "Per dose", lambda r: usd_cents(r["per_dose"]), justify="right", priority=1),
    Column("dose_level", "Dose level", lambda r: _DOSE_LEVEL[r["dose_level"]]),
    Column("reimbursement_up_to", "Insurance claim", money_back, priority=4),
    Column("refund_if_ineligible", "If found ineligible", if_ineligible, priority=5),
    Column("markers", "Notes", _markers, priority=3),
]

COMPARE_COLUMNS = [
    Column("rank", "#", lambda r: str(r["rank"]), justify="right"),
    Column("name", "Provider", lambda r: r["name"]),
    Column("availability", "In state", _availability),
    Column("purchase", "Cheapest way", lambda r: plain(r["purchase"]), priority=3),
    Column("doses", "Doses", lambda r: plain(r["doses"]), justify="right"),
    Column("total", "Total", lambda r: usd(r["total"]), justify="right"),
    Column("per_dose", "Per dose", lambda r: usd_cents(r["per_dose"]), justify="right", priority=2),
    # Essential when a carrier was asked about (insured or self-pay qualifies the total); empty, so dropped, otherwise.
    Column("insurance", "Insurance", lambda r: _INSURANCE[r["insurance"]]),
    Column("reimbursement_up_to", "Insurance claim", money_back, priority=4),
    Column("refund_if_ineligible", "If found ineligible", if_ineligible, priority=5),
    Column("hsa_fsa", "HSA/FSA", lambda r: label(r["hsa_fsa"]), priority=6),
    Column("financing", "Financing", lambda r: plain(r["financing"]), priority=8),
    Column("sitter_required", "Sitter", lambda r: label(r["sitter_required"]), priority=7),
    Column("id_verification", "ID check", lambda r: label(r["id_verification"]), priority=9),
    Column("integration", "Integration", lambda r: label(r["integration"]), priority=5),
    Column("delivery", "Delivery", lambda r: ", ".join(label(d) for d in r["delivery"]), priority=10),
    Column("dose_level", "Dose level", lambda r: _DOSE_LEVEL[r["dose_level"]]),
]
_INSURANCE = {"accepted": "insured", "not_accepted": "self-pay", None: "—"}


def dose_group(row: dict[str, Any]) -> str:
    """The section a ranked row belongs to (standard-dose first, then very-low-dose)."""
    return DOSE_GROUPS[row["dose_level"]]


def ranking_title(criteria: Criteria, carrier: str | None = None) -> str:
    """What the ranking answers, in words: 'Cheapest way to 12 doses: Texas, Aetna'."""
    if criteria.sort == "name":
        what = "By name"
    elif criteria.sort == "states":
        what = "By number of states served"
    elif criteria.sort == "per-dose":
        what = f"Lowest price per dose for {criteria.doses} doses" if criteria.doses else "Lowest price per dose"
    else:
        what = f"Cheapest way to {criteria.doses} doses" if criteria.doses else "Cheapest way to start"
    if criteria.reverse:
        what += " (reversed)"
    asked = question_words(criteria, with_doses=False, carrier=carrier)
    return f"{what}: {asked}" if asked else what


def question_words(criteria: Criteria, *, with_doses: bool = True, carrier: str | None = None) -> str:
    """The question asked, in words: 'Texas, 12 doses, up to $1,500, Aetna'."""
    parts = []
    if criteria.state:
        parts.append(STATE_NAMES[criteria.state])
    if with_doses and criteria.doses:
        parts.append(f"{criteria.doses} doses")
    if criteria.budget is not None:
        parts.append(f"up to {format_usd(criteria.budget)}")
    if criteria.monthly_budget is not None:
        parts.append(f"up to {format_usd(criteria.monthly_budget)} a month")
    if criteria.insurance:
        parts.append((carrier or criteria.insurance) + (" (in network only)" if criteria.in_network_only else ""))
    if criteria.returning:
        parts.append("returning client")
    if criteria.pay_in_full:
        parts.append("paying in full")
    if criteria.dose_level:
        parts.append(f"{_DOSE_LEVEL[criteria.dose_level]} dose only")
    if criteria.confirmed_only:
        parts.append("confirmed availability only")
    return ", ".join(parts)


def show_lines(provider: dict[str, Any], crisis_line: str | None = None) -> list[tuple[str, list[str]]]:
    """Everything the catalogue knows about one provider, as (section, lines) for the text view."""
    sections: list[tuple[str, list[str]]] = []
    if "plans" not in provider:  # an alternative (Spravato, infusion clinics)
        return _alternative_lines(provider)
    sections.append(
        (
            provider["name"],
            [
                provider["summary"],
                f"Best for: {'; '.join(provider['best_for'])}",
                *(
                    [f"Category winner in the guide: {', '.join(provider['category_wins'])}"]
                    if provider["category_wins"]
                    else []
                ),
                f"Dose level: {label(provider['dose_level'])}; delivery: {', '.join(label(d) for d in provider['delivery'])}",
                f"Data as of {provider['as_of']}",
            ],
        )
    )
    plan_lines = []
    for plan in provider["plans"]:
        line = f"{plan['name']}: {plan['doses']} doses, {usd(plan['price'])}"
        if plan.get("installments"):
            line += f" ({plan['installments']['count']} monthly payments of {usd(plan['installments']['amount'])})"
        if plan.get("insured_price") is not None:
            line += f"; with insurance {usd(plan['insured_price'])}"
            if plan.get("insured_installments"):
                i = plan["insured_installments"]
                line += f" ({i['count']} monthly payments of {usd(i['amount'])})"
        returning = plan["returning_price"]
        line += "; returning clients: " + (
            "not offered"
            if returning == "not_offered"
            else "price unknown"
            if returning == "unknown"
            else usd(returning)
        )
        plan_lines.append(line)
        if plan.get("financing"):
            plan_lines.append(
                f"  financing: from {usd(plan['financing']['monthly_from'])}/month, {label(plan['financing']['approval'])}"
            )
        included = _includes(plan["includes"])
        if included:
            plan_lines.append(f"  includes: {included}")
    for sub in provider["subscriptions"]:
        plan_lines.append(
            f"{sub['name']}: {sub['doses_per_period']} doses per {sub['period']}, {usd(sub['price'])} ({sub['commitment']})"
        )
    if provider.get("continuation"):
        c = provider["continuation"]
        plan_lines.append(f"Continuation: {usd(c['price_per_session'])} per session ({c['requires']})")
    if provider.get("pay_in_full_saving") is not None:
        plan_lines.append(f"Paying in full saves {usd(provider['pay_in_full_saving'])}")
    sections.append(("Plans and prices", plan_lines))

    ins = provider["insurance"]
    ins_lines = [
        f"Insurance accepted: {plain(ins['accepted'])}; HSA/FSA: {label(ins['hsa_fsa'])}; superbill: {label(ins['superbill'])}"
    ]
    if ins.get("reimbursement"):
        ins_lines.append(ins["reimbursement"])
    for state, carriers in ins["carriers_by_state"].items():
        ins_lines.append(f"{state}: {', '.join(carriers)}")
    ins_lines += ins["notes"]
    fin = provider["financing"]
    ins_lines.append(
        f"Financing: {plain(fin['available'])}"
        + (f", from {usd(fin['monthly_from'])}/month" if fin.get("monthly_from") is not None else "")
    )
    if fin.get("approval_note"):
        ins_lines.append(fin["approval_note"])
    if fin["checkout_installments"]:
        ins_lines.append(f"Pay later at checkout: {', '.join(fin['checkout_installments'])}")
    ins_lines += fin["notes"]
    consult = provider["consultation"]
    ins_lines.append(
        f"Consultation: {label(consult['cost'])}" + (f" — {consult['note']}" if consult.get("note") else "")
    )
    sections.append(("Paying", ins_lines))

    av = provider["availability"]
    av_lines = [
        f"Reported: {av['states_reported']} states; known: {', '.join(av['states_known']) or '—'} "
        f"({'complete list' if av['list_complete'] else 'incomplete list: other states unknown'})"
    ]
    if av.get("note"):
        av_lines.append(av["note"])
    for clinic in av["in_clinic"]:
        av_lines.append(
            f"In clinic, {clinic['state']}: {', '.join(clinic['offers'])}"
            + (f" ({clinic['note']})" if clinic.get("note") else "")
        )
    sections.append(("Availability", av_lines))

    care = provider["care"]
    care_lines = [
        f"Prescriber: {care['prescriber']}",
        f"Clinician follow-up: {care['clinician_follow_up']}",
        f"ID verification: {label(care['id_verification'])}; sitter required: {label(care['sitter_required'])}; "
        f"integration: {label(care['integration'])}",
    ]
    if care.get("integration_note"):
        care_lines.append(care["integration_note"])
    care_lines += [f"Monitoring: {m}" for m in care["monitoring"]]
    kit = provider["starter_kit"]
    care_lines.append("Starter kit: " + (", ".join(kit["contents"]) if kit["included"] else "none"))
    if provider["add_ons"]:
        care_lines.append(f"Add-ons: {', '.join(provider['add_ons'])}")
    titles = {s["id"]: s["title"] for s in provider["sources"]}
    for add_on in provider["add_on_prices"]:
        price = add_on["price"] if add_on["price"] == "unknown" else usd(add_on["price"])
        note = f" ({add_on['note']})" if add_on.get("note") else ""
        care_lines.append(f"Add-on: {add_on['name']}: {price}{note} [source: {titles[add_on['source']]}]")
    care_lines += [f"Support: {s}" for s in provider["support"]]
    sections.append(("Safety and care", care_lines))
    from ketacli.refunds import provider_refunds

    from .refunds import refund_sections

    sections += refund_sections(provider_refunds(provider))
    sections.append(("Money back from insurance (depends on your plan; not a promise)", _reimbursement_lines(provider)))
    sections.append(("Pros", provider["pros"]))
    sections.append(("Cons", provider["cons"]))
    if provider["inconsistencies"]:
        sections.append(("Inconsistencies in the sources", provider["inconsistencies"]))
    sections += _notes_and_sources(provider)
    if crisis_line:
        sections.append(("If you are in crisis", [crisis_line]))
    return [(title, lines) for title, lines in sections if lines]


def _reimbursement_lines(provider: dict[str, Any]) -> list[str]:
    names = {p["id"]: p["name"] for p in provider["plans"]}
    titles = {s["id"]: s["title"] for s in provider["sources"]}
    lines = []
    for figure in provider["reimbursement_ranges"]:
        plans = " and ".join(names[p] for p in figure["plans"])
        amount = f"up to {usd(figure['up_to'])}" if figure.get("up_to") is not None else "no figure given"
        lines.append(f"{plans}: {amount}: {figure['wording']} [source: {titles[figure['source']]}]")
        lines += [f"  {part}" for part in figure["breakdown"]]
    if not lines:
        insurance = provider["insurance"]
        superbill = {True: "superbill available", False: "no superbill", "unknown": "superbill unknown"}
        lines.append(f"amount unknown; {superbill[insurance['superbill']]}")
        if insurance.get("reimbursement"):
            lines.append(insurance["reimbursement"])
    return lines


def _includes(includes: dict[str, Any]) -> str:
    parts = []
    for key, words in (
        ("clinician_consults", "clinician consult"),
        ("psychotherapy_sessions", "psychotherapy session"),
        ("coaching_sessions", "coaching session"),
    ):
        if includes.get(key) is not None:
            parts.append(f"{includes[key]} {words}{'' if includes[key] == 1 else 's'}")
    if includes.get("unlimited_messaging"):
        parts.append("unlimited messaging")
    parts.append("starter kit" if includes["starter_kit"] else "no starter kit")
    return ", ".join(parts + includes["other"])


def _notes_and_sources(entry: dict[str, Any]) -> list[tuple[str, list[str]]]:
    titles = {s["id"]: s["title"] for s in entry["sources"]}
    notes = [f"{n['text']} [source: {titles[n['source']]}]" for n in entry["notes"]]
    sources = [
        f"{s['title']}{', ' + s['publisher'] if s.get('publisher') else ''} — {s['url']} ({s['date']})"
        for s in entry["sources"]
    ]
    return [("Notes", notes), ("Sources", sources)]


def _alternative_lines(alt: dict[str, Any]) -> list[tuple[str, list[str]]]:
    titles = {s["id"]: s["title"] for s in alt["sources"]}
    sections = [
        (
            alt["name"],
            [
                alt["summary"],
                f"Setting: {alt['setting']}",
                f"FDA approved: {label(alt['fda_approved'])}",
                f"Insurance: {alt['insurance']}",
                f"Data as of {alt['as_of']}",
            ],
        ),
        ("Cost", [f"{c['text']} [source: {titles[c['source']]}]" for c in alt["cost"]]),
        ("Who it suits", alt["suits"]),
        ("Drawbacks", alt["drawbacks"]),
        *_notes_and_sources(alt),
    ]
    return [(title, lines) for title, lines in sections if lines]
