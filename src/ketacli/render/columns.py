"""The columns of each tabular view (`providers`, `compare`, `cost`, the report's ranking), their titles and the
words of the question asked. Pure: data in, strings out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ketacli.criteria import Criteria
from ketacli.money import format_usd, to_cents
from ketacli.query import DOSE_GROUPS
from ketacli.render.words import DOSE_LEVEL, INSURANCE, at_risk_words, availability_words
from ketacli.states import STATE_NAMES

from . import Column, label, plain, usd, usd_cents

if TYPE_CHECKING:
    from collections.abc import Callable

    from ketacli.criteria import Criteria
    from ketacli.document import ProviderDoc
    from ketacli.fields import Row, View


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


PROVIDER_COLUMNS: list[Column[dict[str, Any]]] = [
    Column("id", "ID", lambda r: r["id"]),
    Column("name", "Provider", lambda r: r["name"]),
    Column("best_for", "Best for", lambda r: "; ".join(r["best_for"]), priority=2),
    Column("states_served", "States", lambda r: f"{r['states_served']}", justify="right", priority=1),
    Column("price_range", "Price", lambda r: r["price_range"]),
    Column("dose_level", "Dose level", lambda r: label(r["dose_level"]), priority=1),
]


def _markers(row: Row) -> str:
    """The Notes column: each note that qualifies the row's figures, in a few words (from the notes' kinds and
    values, never their English)."""
    records = row["note_records"]
    kinds = {record["kind"]: record for record in records}
    marks = [str(record["text"]) for record in records if record["kind"] == "state_law"]  # the law where you live
    marks += [
        f"{record['forms_words']}: {record['authority']} rule {record['status_words_short']}"
        for record in map(_touch_words, records)
        if record is not None
    ]
    for record in records:
        if record["kind"] == "financing_fits":
            marks.append(f"fits the month only by financing the {record['what']} (from {usd(record['amount'])} a "
                         "month, subject to approval)")  # fmt: skip
    if "monthly" in kinds:
        marks.append(f"{usd(kinds['monthly']['amount'])} a month at the least")
    if "no_monthly_stated" in kinds:
        marks.append(str(kinds["no_monthly_stated"]["text"]))
    if row["returning_price"]:
        marks.append("returning price")
    if "no_returning_price" in kinds:
        basis = kinds["no_returning_price"]["basis"]
        marks.append(f"no returning price listed: {_BASIS_WORDS[basis]} used")
    if "pay_in_full_not_applied" in kinds:
        marks.append("pay-in-full saving not applied (insured)")
    if any(item["kind"] == "continuation" for item in row["items"]):
        marks.append("apply for continuation")  # the sessions priced are granted on application
    if row["surplus"]:
        marks.append(f"{row['surplus']} extra doses")
    if "payments_past_rule_end" in kinds:
        rule = kinds["payments_past_rule_end"]
        marks.append(
            f"payments run past {rule['ends']}, when the {rule['authority']} telemedicine rule is set to end unless extended"
        )
    elif "rule_past_end" in kinds:
        rule = kinds["rule_past_end"]
        marks.append(f"{rule['authority']} telemedicine rule was set to end {rule['ends']}: unknown since")
    for record in records:  # what is paid on top of the figures (a copay, a fee), said where the figures are
        if record["kind"] == "extra_costs":
            limit = (
                f" up to {usd(record['amount_up_to'])}" if record["amount_up_to"] is not None else ", amount not stated"
            )
            marks.append(f"on top: {record['what']}{limit}")
    return ", ".join(marks) or "—"


_BASIS_WORDS = {"list": "the list price", "insured": "the insured price", "pay_in_full": "the pay-in-full price"}
_SHORT_STATUS = {
    "proposed": "proposed",
    "in_force": "in force",
    "ending_soon": "in force",
    "past_end": "past its end date",
    "not_yet_in_force": "not yet in force",
}


def _touch_words(record: dict[str, Any]) -> dict[str, Any] | None:
    if record["kind"] != "rule_touches":
        return None
    forms = ", ".join(label(form) for form in record["forms"])
    return {**record, "forms_words": forms, "status_words_short": _SHORT_STATUS.get(record["status"], "")}


def paid_ahead_words(row: Row) -> str:
    """'$792 due at the start'; '$366 due at the start, up to $1,098 ahead of sessions' where more is paid ahead
    later; what the sources do not say, said so."""
    if row["total"] is None:
        return "—"
    first, most = row["paid_before_first_session"], row["most_paid_ahead"]
    start = f"{usd(first)} due at the start" if first is not None else "due at the start: not stated"
    if most == first:
        return start
    return f"{start}, up to {usd(most)} ahead of sessions" if most is not None else f"{start}; later: not stated"


def _availability(row: Row) -> str:
    return availability_words(row["availability"])


def money_back(row: Row) -> str:
    """'up to $650 back; $604–$1,254 net' where a source gives the figure for this purchase."""
    if row["reimbursement_up_to"] is None:
        return "—"
    return f"up to {usd(row['reimbursement_up_to'])} back; {usd(row['net_best_case'])}–{usd(row['total'])} net"


# The words of each column a ranking shows, by field key (fields.py declares the columns themselves).
CELLS: dict[str, Callable[[Row], str]] = {
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
    "paid_before_first_session": paid_ahead_words,
    "reimbursement_up_to": money_back,
    "notes": _markers,
    "hsa_fsa": lambda r: label(r["hsa_fsa"]),
    "financing": lambda r: plain(r["financing"]),
    "sitter_required": lambda r: label(r["sitter_required"]),
    "id_verification": lambda r: label(r["id_verification"]),
    "integration": lambda r: label(r["integration"]),
    "delivery": lambda r: ", ".join(label(d) for d in r["delivery"]),
}


# The column each filter asks about: kept whatever the width, since it holds the figure or fact the question
# constrained (a monthly budget's figure is in Notes, which a narrow table lists under itself).
ASKED_COLUMNS = {
    "max_upfront": "paid_before_first_session",
    "insurance": "insurance",
    "hsa_fsa": "hsa_fsa",
    "financing": "financing",
    "no_sitter": "sitter_required",
    "id_verified": "id_verification",
    "clinician_led": "integration",
    "delivery": "delivery",
}


def ranking_columns(view: View, criteria: Criteria | None = None) -> list[Column[Row]]:
    """A ranking's columns, from the one list of fields: header, narrow-terminal priority and order there; a
    column the question's filters ask about is essential (priority 0). (Imported here, not at the top:
    `providers` and `show` use this module without ranking anything.)"""
    from ketacli.fields import columns

    asked = {key for name, key in ASKED_COLUMNS.items() if criteria is not None and getattr(criteria, name)}
    return [
        Column(
            key, shown.header, CELLS[key], 0 if key in asked else shown.priority, shown.justify, footnote=shown.footnote
        )  # fmt: skip
        for key, shown in columns(view)
    ]


def schedule_text(rows: list[Row]) -> str:
    """`cost --schedule`: each item's monthly payments, or its price where no schedule is listed."""
    lines = []
    for row in rows:
        for item in row["items"]:
            plan = item["installments"]
            count = item["count"]
            what = item["description"] if count == 1 else f"{count} × {item['description']}"
            if plan:
                each = " each" if count > 1 else ""
                lines.append(f"{row['name']}, {what}: {plan['count']} monthly payments of {usd(plan['amount'])}{each}")
            else:
                price = (
                    usd(item["subtotal"])
                    if count == 1
                    else f"{usd(item['unit_price'])} each, {usd(item['subtotal'])} in all"
                )
                lines.append(f"{row['name']}, {what}: {price} (no installment schedule listed)")
    return "\nPayment schedules:\n" + "".join(f"  {line}\n" for line in lines)


def dose_group(row: Row) -> str:
    """The section a ranked row belongs to (standard-dose first, then very-low-dose)."""
    return DOSE_GROUPS[row["dose_level"]]


def ranking_title(criteria: Criteria, carrier: str | None = None) -> str:
    """What the ranking answers, in words: 'Cheapest way to 12 doses: Texas, Aetna'."""
    if criteria.sort == "name":
        what = "By name"
    elif criteria.sort == "states":
        what = "By number of states served"
    elif criteria.sort == "per-dose":
        what = f"Lowest price per dose for {criteria.doses:,} doses" if criteria.doses else "Lowest price per dose"
    else:
        what = f"Cheapest way to {criteria.doses:,} doses" if criteria.doses else "Cheapest way to start"
    if criteria.reverse:
        what += " (reversed)"
    if criteria.limit:
        what += f", top {criteria.limit}"
    asked = question_words(criteria, with_doses=False, carrier=carrier)
    return f"{what}: {asked}" if asked else what


# Every filter in `Criteria`, in words: the titles, the Markdown and the report all say the whole question.
# The ordering fields (sort, reverse, limit) are said by ranking_title. tests/test_rows_for_people.py checks that each
# Criteria field is in one of the two.
_FILTER_WORDS: dict[str, Callable[[Criteria, str | None], str | None]] = {
    "state": lambda c, _: STATE_NAMES[c.state] if c.state else None,
    "doses": lambda c, _: f"{c.doses:,} doses" if c.doses else None,
    "budget": lambda c, _: f"up to {format_usd(c.budget)}" if c.budget is not None else None,
    "monthly_budget": lambda c, _: (
        f"up to {format_usd(c.monthly_budget)} a month" if c.monthly_budget is not None else None
    ),
    "max_upfront": lambda c, _: (
        f"at most {format_usd(c.max_upfront)} before the first session" if c.max_upfront is not None else None
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


def filter_words(field: str, criteria: Criteria, carrier: str | None = None) -> str | None:
    """One filter of the question in words ('in-person sessions'), or None where it is not set."""
    return _FILTER_WORDS[field](criteria, carrier)


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
