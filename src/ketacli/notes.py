"""A row's notes as records: a kind, its values and its English sentence. The core words each note once (its
`text`, which JSON's `notes` and the report carry); a renderer that says it differently (a table's Notes
marker) reads the kind and the values, never the English.

Here too, the notes that need only the money, the rules and the purchase (the monthly figure, a rule that
reaches the row, payments past a rule's end, fees on top); evaluation.py adds those that judge the provider.
Pure: imported by the evaluation on every ranking.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal, NamedTuple, cast

from .limits import financing_monthly, option_monthly, stated_monthly
from .money import cents_to_json, format_usd, to_cents
from .rules import RuleTouch, runs_past, status_words

if TYPE_CHECKING:
    from .document import RankedProviderDoc, RuleDoc
    from .pricing import Purchase

NoteKind = Literal[
    "rule_touches",  # a restricting rule (a state's proposal...) reaches some of the provider's forms here
    "state_law",  # the state's own rule on prescribing by telemedicine; values: rule, state, requires, status
    "availability_unconfirmed",
    "hsa_fsa_disputed",
    "delivery_unconfirmed",
    "monthly",  # with --monthly-budget: the least a month; values: amount (dollars)
    "no_monthly_stated",  # with --monthly-budget: items with no monthly amount, whose whole price fits
    "financing_fits",  # with --monthly-budget: an item fits only through financing; values: what, amount
    "very_low_dose",
    "insured_price",
    "self_pay",
    "pay_in_full_applied",
    "pay_in_full_not_applied",
    "no_returning_price",  # values: basis ("list", "insured", "pay_in_full")
    "continuation",
    "surplus",
    "reimbursement",
    "payments_past_rule_end",  # values: rule, ends, last_payment (YYYY-MM)
    "rule_past_end",  # values: rule, ends
    "extra_costs",  # costs a source names outside the plan's price (a late-cancellation fee, a monitor)
]

NoteValue = str | int | float | bool | list[str] | None


class Note(NamedTuple):
    kind: NoteKind
    text: str
    values: tuple[tuple[str, NoteValue], ...] = ()

    def record(self) -> dict[str, NoteValue]:
        """The JSON record: its kind, its values, and its sentence."""
        return {"kind": self.kind, **dict(self.values), "text": self.text}

    @classmethod
    def from_record(cls, record: dict[str, NoteValue]) -> Note:
        """The note a `record()` was made from."""
        values = tuple((key, value) for key, value in record.items() if key not in ("kind", "text"))
        return cls(cast("NoteKind", record["kind"]), str(record["text"]), values)


def note(kind: NoteKind, text: str, **values: NoteValue) -> Note:
    return Note(kind, text, tuple(values.items()))


def monthly_notes(provider: RankedProviderDoc, purchase: Purchase, budget: int, monthly: int | None) -> list[Note]:
    """With --monthly-budget, how the purchase fits the month: an item that fits only through financing says
    so, with its figure and "subject to approval"; then the least a month, or which items state no monthly
    amount (their whole price fits)."""
    notes = []
    for item in purchase.items:
        option = item.option
        stated = stated_monthly(option)
        financed = financing_monthly(provider, option)
        if option.price > budget and (stated is None or stated > budget) and financed is not None:
            notes.append(note("financing_fits", f"fits {format_usd(budget)} a month only through financing, subject "
                              f"to approval: the {option.description} from {format_usd(financed)} a month",
                              what=option.description, amount=cents_to_json(financed)))  # fmt: skip
    if monthly is not None:
        return [*notes, note("monthly", f"{format_usd(monthly)} a month at the least", amount=cents_to_json(monthly))]
    unstated = [item for item in purchase.items if option_monthly(provider, item.option) is None]
    named = " and ".join(_counted(item.quantity, item.option.description) for item in unstated)
    whole = (
        "its whole price fits" if len(unstated) == 1 and unstated[0].quantity == 1 else "each one's whole price fits"
    )
    return [*notes, note("no_monthly_stated", f"no monthly payment stated for {named}: {whole} the month")]


def _counted(quantity: int, description: str) -> str:
    if quantity == 1:
        return f"the {description}"
    return f"the {quantity} {description}s" if description.endswith("session") else f"{quantity} × {description}"


_FORM_WORDS = {
    "oral_rapid_dissolve_tablet": "rapid-dissolve tablets",
    "troche": "troches",
    "sublingual_tablet": "sublingual tablets",
    "subcutaneous_injection": "subcutaneous injections",
    "injection": "injections",
    "infusion": "infusions",
    "nasal_spray": "nasal spray",
}


def _forms(forms: tuple[str, ...]) -> str:
    words = [_FORM_WORDS.get(form, form.replace("_", " ")) for form in forms]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def touch_note(touch: RuleTouch, state: str | None, provider_name: str) -> Note:
    """The note that a rule reaches some of the row's forms, e.g. 'its subcutaneous injections at home in TX:
    Texas Medical Board proposed rules ...: would ban home use of injected (parenteral) ketamine ...
    (proposed 2026-01-02; ...); its sublingual tablets are not reached'."""
    rule = touch.now.rule
    if rule["requires"] and rule["in_short"]:
        return state_law_note(touch, state, provider_name)
    where = f" in {state}" if state else ""
    spared = f"; its {_forms(touch.spared)} are not reached" if touch.spared else ""
    governs = rule["governs"][0].lower() + rule["governs"][1:]
    text = f"its {_forms(touch.forms)} at home{where}: {rule['title']}: {governs} ({status_words(touch.now)}){spared}"
    return note(
        "rule_touches",
        text,
        rule=rule["id"],
        authority=rule["authority"],
        status=touch.now.state,
        status_words=status_words(touch.now),
        forms=list(touch.forms),
        spared=list(touch.spared),
    )


def state_law_note(touch: RuleTouch, state: str | None, provider_name: str) -> Note:
    """A state's own rule on prescribing by telemedicine, in words a person can act on: what it requires and
    what to ask the provider ('Georgia generally requires ...: ask Innerwell where'), never a 'no' the sources
    do not give."""
    rule = touch.now.rule
    exams = {"in_person_exam_before_first_prescription", "in_person_exam_yearly"} & set(rule["requires"])
    ask = f"ask {provider_name} where" if exams else f"ask {provider_name} whether your treatment qualifies"
    standing = "" if touch.now.state == "in_force" else f" ({status_words(touch.now)})"
    return note(
        "state_law",
        f"{rule['in_short']}{standing}: {ask}",
        rule=rule["id"],
        state=state,
        requires=list(rule["requires"]),
        status=touch.now.state,
    )


def extra_cost_notes(provider: RankedProviderDoc, purchase: Purchase) -> list[Note]:
    """Fees and costs outside the price that apply to this way of paying."""
    paying = "insured" if "insured" in purchase.bases else "self_pay"
    notes = []
    for cost in provider["extra_costs"]:
        if cost["applies_to"] not in ("everyone", paying):
            continue
        amount = cost["amount_up_to"]
        how_much = f"up to {format_usd(to_cents(amount))}" if amount is not None else "amount not stated"
        notes.append(
            note(
                "extra_costs",
                f"on top of the price: {cost['what']}, {how_much}, {cost['each']}",
                what=cost["what"],
                amount_up_to=amount,
                each=cost["each"],
                at_risk=cost["at_risk"],
            )
        )
    return notes


def payment_months(purchase: Purchase) -> int:
    """How many months of payments a purchase runs over when paid by its installments and subscriptions."""
    months = 0
    for item in purchase.items:
        if item.option.kind == "subscription":
            months += item.quantity
        elif item.option.installments:
            months += item.option.installments[0] * item.quantity
    return months


def rule_notes(purchase: Purchase, rule: RuleDoc, today: dt.date, due_after: int | None = None) -> list[Note]:
    """A note when the purchase's monthly payments (or subscription) run past the rule's end date."""
    if not rule["ends"]:
        return []
    ends = dt.date.fromisoformat(rule["ends"])
    if today > ends:
        return [
            note(
                "rule_past_end",
                f"the {rule['authority']} telemedicine prescribing rule it depends on was set to end {rule['ends']}: "
                "unknown since",
                rule=rule["id"],
                authority=rule["authority"],
                ends=rule["ends"],
            )
        ]
    months = payment_months(purchase)
    last = runs_past(today, months, ends)
    if last is None:
        return []
    what = "a monthly subscription" if any(i.option.kind == "subscription" for i in purchase.items) else "installments"
    amount = f" ({format_usd(due_after)} of the first purchase)" if due_after else ""
    return [
        note(
            "payments_past_rule_end",
            f"paid by {what} from today, the last of {months} monthly payments falls in {last.isoformat()[:7]}, after "
            f"{rule['ends']}{amount}, when the {rule['authority']} telemedicine prescribing rule it depends on is set to end "
            "unless extended",
            rule=rule["id"],
            authority=rule["authority"],
            ends=rule["ends"],
            last_payment=last.isoformat()[:7],
        )
    ]
