"""The columns of each tabular report, and the text of `show`. Pure: data in, strings out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ketacli.criteria import Criteria
from ketacli.evaluation import NO_RETURNING_PRICE, SAVING_NOT_APPLIED
from ketacli.money import format_usd, to_cents
from ketacli.query import DOSE_GROUPS, is_provider
from ketacli.render.words import DOSE_LEVEL, INSURANCE, address_words, at_risk_words, availability_words
from ketacli.states import STATE_NAMES

from . import Column, label, plain, usd, usd_cents

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Sequence

    from ketacli.document import AlternativeDoc, Entry, InstallmentsDoc, PlanIncludesDoc, ProviderDoc, RuleDoc
    from ketacli.fields import View


def _price_range(provider: ProviderDoc) -> str:
    totals = [to_cents(p["price"]) for p in provider["plans"]] + [
        to_cents(s["price"]) for s in provider["subscriptions"]
    ]
    low, high = min(totals), max(totals)
    suffix = "/month" if not provider["plans"] else ""
    return format_usd(low) + suffix if low == high else f"{format_usd(low)}–{format_usd(high)}"


def provider_rows(providers: list[ProviderDoc]) -> list[dict[str, Any]]:
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
    """The Notes column: each note that qualifies the row's figures, in a few words."""
    marks = []
    if row["returning_price"]:
        marks.append("returning price")
    for note in row["notes"]:
        if note.startswith(NO_RETURNING_PRICE):  # "...: repeat plans priced at the list price"
            marks.append(f"no returning price listed: {note.rpartition(' priced at ')[2]} used")
    if any(SAVING_NOT_APPLIED in note for note in row["notes"]):
        marks.append("pay-in-full saving not applied (insured)")
    if any(item["kind"] == "continuation" for item in row["items"]):
        marks.append("continuation applied for")
    if row["surplus"]:
        marks.append(f"{row['surplus']} extra doses")
    rule_notes = [note for note in row["notes"] if "telemedicine prescribing rule" in note]  # evaluation.rule_notes
    if any(note.startswith("paid by") for note in rule_notes):
        marks.append(f"payments run past {row['prescribing_rule_until']}, when the DEA telemedicine rule ends")
    elif rule_notes:
        marks.append(f"DEA telemedicine rule was set to end {row['prescribing_rule_until']}: unknown since")
    return ", ".join(marks) or "—"


def _availability(row: dict[str, Any]) -> str:
    return availability_words(row["availability"])


def money_back(row: dict[str, Any]) -> str:
    """'up to $650 back; $604–$1,254 net' where a source gives the figure for this purchase."""
    if row["reimbursement_up_to"] is None:
        return "—"
    return f"up to {usd(row['reimbursement_up_to'])} back; {usd(row['net_best_case'])}–{usd(row['total'])} net"


# The words of each column a ranking shows, by field key (fields.py declares the columns themselves).
CELLS: dict[str, Callable[[dict[str, Any]], str]] = {
    "rank": lambda r: str(r["rank"]),
    "name": lambda r: r["name"],
    "availability": _availability,
    "doses": lambda r: plain(r["doses"]),
    "total": lambda r: usd(r["total"]),
    "per_dose": lambda r: usd_cents(r["per_dose"]),
    "purchase": lambda r: plain(r["purchase"]),
    "insurance": lambda r: INSURANCE[r["insurance"]],
    "dose_level": lambda r: DOSE_LEVEL[r["dose_level"]],
    "refund_if_ineligible": at_risk_words,
    "reimbursement_up_to": money_back,
    "notes": _markers,
    "hsa_fsa": lambda r: label(r["hsa_fsa"]),
    "financing": lambda r: plain(r["financing"]),
    "sitter_required": lambda r: label(r["sitter_required"]),
    "id_verification": lambda r: label(r["id_verification"]),
    "integration": lambda r: label(r["integration"]),
    "delivery": lambda r: ", ".join(label(d) for d in r["delivery"]),
}


def ranking_columns(view: View) -> list[Column]:
    """A ranking's columns, from the one list of fields: header, narrow-terminal priority and order there.
    (Imported here, not at the top: `providers` and `show` use this module without ranking anything.)"""
    from ketacli.fields import columns

    return [
        Column(key, shown.header, CELLS[key], shown.priority, shown.justify, footnote=shown.footnote)
        for key, shown in columns(view)
    ]


def schedule_text(rows: list[dict[str, Any]]) -> str:
    """`cost --schedule`: each item's monthly payments, or its price where no schedule is listed."""
    lines = []
    for row in rows:
        for item in row["items"]:
            plan = item["installments"]
            repeat = f" (×{item['count']})" if item["count"] > 1 else ""
            if plan:
                lines.append(
                    f"{row['name']}, {item['description']}: {plan['count']} monthly payments of {usd(plan['amount'])}{repeat}"
                )
            else:
                lines.append(
                    f"{row['name']}, {item['description']}: {usd(item['subtotal'])} (no installment schedule listed)"
                )
    return "\nPayment schedules:\n" + "".join(f"  {line}\n" for line in lines)


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
    if criteria.limit is not None:
        what += f", top {criteria.limit}"
    asked = question_words(criteria, with_doses=False, carrier=carrier)
    return f"{what}: {asked}" if asked else what


# Every filter in `Criteria`, in words: the titles, the Markdown and the report all say the whole question.
# The ordering fields (sort, reverse, limit) are said by ranking_title. tests/test_answers.py checks that each
# Criteria field is in one of the two.
_FILTER_WORDS: dict[str, Callable[[Criteria, str | None], str | None]] = {
    "state": lambda c, _: STATE_NAMES[c.state] if c.state else None,
    "doses": lambda c, _: f"{c.doses} doses" if c.doses else None,
    "budget": lambda c, _: f"up to {format_usd(c.budget)}" if c.budget is not None else None,
    "monthly_budget": lambda c, _: (
        f"up to {format_usd(c.monthly_budget)} a month" if c.monthly_budget is not None else None
    ),
    "insurance": lambda c, carrier: (carrier or c.insurance) if c.insurance else None,
    "in_network_only": lambda c, _: "in network only" if c.in_network_only else None,
    "returning": lambda c, _: "returning client" if c.returning else None,
    "pay_in_full": lambda c, _: "paying in full" if c.pay_in_full else None,
    "hsa_fsa": lambda c, _: "HSA/FSA accepted" if c.hsa_fsa else None,
    "financing": lambda c, _: "with financing" if c.financing else None,
    "free_consult": lambda c, _: "free consultation" if c.free_consult else None,
    "no_sitter": lambda c, _: "no sitter required" if c.no_sitter else None,
    "id_verified": lambda c, _: "ID verified" if c.id_verified else None,
    "clinician_led": lambda c, _: "clinician-led integration" if c.clinician_led else None,
    "delivery": lambda c, _: f"{c.delivery} delivery" if c.delivery else None,
    "in_clinic": lambda c, _: "in-person sessions" if c.in_clinic else None,
    "dose_level": lambda c, _: f"{DOSE_LEVEL[c.dose_level]} dose only" if c.dose_level else None,
    "confirmed_only": lambda c, _: "confirmed availability only" if c.confirmed_only else None,
}
ORDERING_FIELDS = ("sort", "reverse", "limit")


def question_words(criteria: Criteria, *, with_doses: bool = True, carrier: str | None = None) -> str:
    """The question asked, in words: 'Texas, 12 doses, up to $1,500, Aetna, with financing'."""
    parts = []
    for field, words in _FILTER_WORDS.items():
        if field == "doses" and not with_doses:
            continue
        said = words(criteria, carrier)
        if said:
            parts.append(said)
    return ", ".join(parts)


def show_lines(
    entry: Entry, crisis_line: str | None = None, rules: Sequence[RuleDoc] = (), today: dt.date | None = None
) -> list[tuple[str, list[str]]]:
    """Everything the catalogue knows about one provider or alternative, as (section, lines) for the text view.
    With `today`, the rules it depends on (and the FDA's warning on compounded ketamine) with their standing."""
    rule_section = ("Rules it depends on, as of today", _rule_lines(entry, rules, today))
    if not is_provider(entry):  # an alternative (Spravato, infusion clinics)
        return [*_alternative_lines(entry), *([rule_section] if rule_section[1] else [])]
    from ketacli.refunds import provider_refunds

    from .refunds import refund_sections

    sections = [
        (entry["name"], _overview_lines(entry)),
        ("Plans and prices", _plan_lines(entry)),
        ("Paying", _paying_lines(entry)),
        ("Availability", _availability_lines(entry)),
        ("Safety and care", _care_lines(entry)),
        rule_section,
        *refund_sections(provider_refunds(entry)),
        ("Money back from insurance (depends on your plan; not a promise)", _reimbursement_lines(entry)),
        ("Pros", entry["pros"]),
        ("Cons", entry["cons"]),
        ("Inconsistencies in the sources", entry["inconsistencies"]),
        *_notes_and_sources(entry),
        ("If you are in crisis", [crisis_line] if crisis_line else []),
    ]
    return [(title, lines) for title, lines in sections if lines]


def _rule_lines(entry: Entry, rules: Sequence[RuleDoc], today: dt.date | None) -> list[str]:
    from .rules import dependent_rule_lines, rule_lines

    if today is None:
        return []
    lines = dependent_rule_lines(entry["depends_on_rules"], rules, today)
    if is_provider(entry):  # at-home ketamine: the FDA's warning on compounded ketamine taken at home
        lines += [line for rule in rules if rule["topic"] == "compounded_drugs" for line in rule_lines(rule, today)]
    return lines


def _overview_lines(provider: ProviderDoc) -> list[str]:
    wins = provider["category_wins"]
    return [
        provider["summary"],
        f"Best for: {'; '.join(provider['best_for'])}",
        *([f"Category winner in the guide: {', '.join(wins)}"] if wins else []),
        f"Dose level: {label(provider['dose_level'])}; delivery: {', '.join(label(d) for d in provider['delivery'])}",
        f"Data as of {provider['as_of']}",
    ]


def _payments(schedule: InstallmentsDoc | None) -> str:
    return f" ({schedule['count']} monthly payments of {usd(schedule['amount'])})" if schedule else ""


def _plan_lines(provider: ProviderDoc) -> list[str]:
    lines = []
    for plan in provider["plans"]:
        line = f"{plan['name']}: {plan['doses']} doses, {usd(plan['price'])}{_payments(plan['installments'])}"
        if plan["insured_price"] is not None:
            line += f"; with insurance {usd(plan['insured_price'])}{_payments(plan['insured_installments'])}"
        returning = plan["returning_price"]
        returning_words = {"not_offered": "not offered", "unknown": "price unknown"}
        line += "; returning clients: " + (returning_words[returning] if isinstance(returning, str) else usd(returning))
        lines.append(line)
        financing = plan["financing"]
        if financing:
            lines.append(f"  financing: from {usd(financing['monthly_from'])}/month, {label(financing['approval'])}")
        lines.append(f"  includes: {_includes(plan['includes'])}")
    for sub in provider["subscriptions"]:
        lines.append(
            f"{sub['name']}: {sub['doses_per_period']} doses per {sub['period']}, {usd(sub['price'])} ({sub['commitment']})"
        )
    continuation = provider["continuation"]
    if continuation:
        lines.append(f"Continuation: {usd(continuation['price_per_session'])} per session ({continuation['requires']})")
    if provider["pay_in_full_saving"] is not None:
        lines.append(f"Paying in full saves {usd(provider['pay_in_full_saving'])}")
    return lines


def _paying_lines(provider: ProviderDoc) -> list[str]:
    insurance = provider["insurance"]
    lines = [
        f"Insurance accepted: {plain(insurance['accepted'])}; HSA/FSA: {label(insurance['hsa_fsa'])}; "
        f"superbill: {label(insurance['superbill'])}"
    ]
    elsewhere = insurance["hsa_fsa_elsewhere"]
    if elsewhere:
        titles = {s["id"]: s["title"] for s in provider["sources"]}
        lines.append(f"HSA/FSA, sources disagree: {elsewhere['text']} [source: {titles[elsewhere['source']]}]")
    if insurance["reimbursement"]:
        lines.append(insurance["reimbursement"])
    lines += [f"{state}: {', '.join(carriers)}" for state, carriers in insurance["carriers_by_state"].items()]
    lines += insurance["notes"]
    financing = provider["financing"]
    monthly = financing["monthly_from"]
    lines.append(f"Financing: {plain(financing['available'])}" + (f", from {usd(monthly)}/month" if monthly else ""))
    if financing["approval_note"]:
        lines.append(financing["approval_note"])
    if financing["checkout_installments"]:
        lines.append(f"Pay later at checkout: {', '.join(financing['checkout_installments'])}")
    lines += financing["notes"]
    consultation = provider["consultation"]
    note = consultation["note"]
    lines.append(f"Consultation: {label(consultation['cost'])}" + (f" — {note}" if note else ""))
    return lines


def _availability_lines(provider: ProviderDoc) -> list[str]:
    availability = provider["availability"]
    listed = ", ".join(availability["states_known"]) or "—"
    complete = "complete list" if availability["list_complete"] else "incomplete list: other states unknown"
    lines = [f"Reported: {availability['states_reported']} states; known: {listed} ({complete})"]
    if availability["note"]:
        lines.append(availability["note"])
    for clinic in availability["in_clinic"]:
        note = f" ({clinic['note']})" if clinic["note"] else ""
        lines.append(f"In clinic, {clinic['state']}: {', '.join(clinic['offers'])}{note}")
    return lines


def _care_lines(provider: ProviderDoc) -> list[str]:
    care = provider["care"]
    lines = [
        f"Prescriber: {care['prescriber']}",
        f"Clinician follow-up: {care['clinician_follow_up']}",
        f"ID verification: {label(care['id_verification'])}; sitter required: {label(care['sitter_required'])}; "
        f"integration: {label(care['integration'])}",
    ]
    if care["integration_note"]:
        lines.append(care["integration_note"])
    lines.append(_minimum_age_line(provider))
    lines += [f"Monitoring: {m}" for m in care["monitoring"]]
    kit = provider["starter_kit"]
    lines.append("Starter kit: " + (", ".join(kit["contents"]) if kit["included"] else "none"))
    if provider["add_ons"]:
        lines.append(f"Add-ons: {', '.join(provider['add_ons'])}")
    titles = {s["id"]: s["title"] for s in provider["sources"]}
    for add_on in provider["add_on_prices"]:
        price = add_on["price"] if add_on["price"] == "unknown" else usd(add_on["price"])
        note = f" ({add_on['note']})" if add_on["note"] else ""
        lines.append(f"Add-on: {add_on['name']}: {price}{note} [source: {titles[add_on['source']]}]")
    lines += [f"Support: {s}" for s in provider["support"]]
    return lines


def _minimum_age_line(provider: ProviderDoc) -> str:
    """Adults only: what the provider's own source says about age, or that no source states it."""
    care = provider["care"]
    if care["minimum_age"] == "unknown":
        return "Minimum age: not stated in the sources (platforms should check that you are an adult)"
    titles = {s["id"]: s["title"] for s in provider["sources"]}
    source = care["minimum_age_source"]
    cited = f" [source: {titles[source]}]" if source in titles else ""
    return f"Minimum age: {care['minimum_age']}; does not serve clients younger than that{cited}"


def _reimbursement_lines(provider: ProviderDoc) -> list[str]:
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
        if insurance["reimbursement"]:
            lines.append(insurance["reimbursement"])
    return lines


def _includes(includes: PlanIncludesDoc) -> str:
    parts = []
    for count, words in (
        (includes["clinician_consults"], "clinician consult"),
        (includes["psychotherapy_sessions"], "psychotherapy session"),
        (includes["coaching_sessions"], "coaching session"),
    ):
        if count is not None:
            parts.append(f"{count} {words}{'' if count == 1 else 's'}")
    if includes["unlimited_messaging"]:
        parts.append("unlimited messaging")
    parts.append("starter kit" if includes["starter_kit"] else "no starter kit")
    return ", ".join(parts + includes["other"])


def _notes_and_sources(entry: Entry) -> list[tuple[str, list[str]]]:
    titles = {s["id"]: s["title"] for s in entry["sources"]}
    notes = [f"{n['text']} [source: {titles[n['source']]}]" for n in entry["notes"]]
    sources = [
        f"{s['title']}{', ' + s['publisher'] if s['publisher'] else ''} — {address_words(s['url'])} ({s['date']})"
        for s in entry["sources"]
    ]
    return [("Notes", notes), ("Sources", sources)]


def _alternative_lines(alt: AlternativeDoc) -> list[tuple[str, list[str]]]:
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
