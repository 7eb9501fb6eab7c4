"""A row's notes as records: a kind, its values and its English sentence. The core words each note once (its
`text`, which JSON's `notes` and the report carry); a renderer that says it differently (a table's Notes
marker) reads the kind and the values, never the English.

Pure and small: imported by the evaluation on every ranking.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

NoteKind = Literal[
    "rule_touches",  # a restricting rule (a state's proposal...) reaches some of the provider's forms here
    "availability_unconfirmed",
    "hsa_fsa_disputed",
    "delivery_unconfirmed",
    "monthly",  # with --monthly-budget: the least a month; values: amount (dollars)
    "no_monthly_stated",
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

    def value(self, key: str) -> NoteValue:
        return dict(self.values).get(key)

    def record(self) -> dict[str, NoteValue]:
        """The JSON record: its kind, its values, and its sentence."""
        return {"kind": self.kind, **dict(self.values), "text": self.text}


def note(kind: NoteKind, text: str, **values: NoteValue) -> Note:
    return Note(kind, text, tuple(values.items()))
