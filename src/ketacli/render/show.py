"""The text of `ketacli show`: everything the catalogue knows about one provider or alternative, in sections.
Pure: data in, strings out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ketacli.query import is_provider
from ketacli.render.words import address_words

from . import label, plain, usd

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from ketacli.document import (
        AlternativeDoc,
        Entry,
        InstallmentsDoc,
        NoteDoc,
        PlanIncludesDoc,
        ProviderDoc,
        RuleDoc,
    )


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
        ("Whom it says it will not treat", _cited(entry, entry["exclusions"])),
        *_notes_and_sources(entry),
        ("If you are in crisis", [crisis_line] if crisis_line else []),
    ]
    return [(title, lines) for title, lines in sections if lines]


def _rule_lines(entry: Entry, rules: Sequence[RuleDoc], today: dt.date | None) -> list[str]:
    from ketacli.rules import depended_rules, rules_by_id

    from .rules import dependent_rule_lines, rule_lines

    if today is None:
        return []
    lines = dependent_rule_lines(depended_rules(entry, rules_by_id(rules), today), rules, today)
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


def _cited(entry: Entry, notes: list[NoteDoc]) -> list[str]:
    titles = {s["id"]: s["title"] for s in entry["sources"]}
    return [f"{n['text']} [source: {titles[n['source']]}]" for n in notes]


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
