"""The answer to the question asked (decision.Decision) in a person's words: one sentence that answers it, then
a sentence each for what was left out, the state's law and the rule's end date, each true on the day asked
about. The same words end `compare` and `cost` for people and head the report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ketacli.states import STATE_NAMES

from . import usd, usd_cents
from .words import if_ineligible_words, monthly_words

if TYPE_CHECKING:
    from ketacli.decision import Decision
    from ketacli.fields import Row


def decision_lines(decision: Decision) -> list[str]:
    place = STATE_NAMES.get(decision.state or "", "")
    lines: list[str] = []
    best = decision.best
    if best is not None:
        lines.append(_answer(decision, best, place))
        other = decision.unconfirmed_cheaper
        if other is not None:
            lines.append(f"{other['name']} ({usd(other['total'])}) ranks above it but is not confirmed in {place}: "
                         "check with it first.")  # fmt: skip
    elif decision.unconfirmed_cheaper is not None:
        other = decision.unconfirmed_cheaper
        # The same sentence, with the figure the question asked about, and that it is not confirmed there.
        lines.append(f"No option here is confirmed in {place}. {_answer(decision, other, place)} It may serve "
                     f"{place}: check with {other['name']} first.")  # fmt: skip
    elif decision.other_treatment is not None:
        other = decision.other_treatment
        lines.append(f"Only a very-low-dose (psycholytic) program fits, a different treatment: {other['name']}, "
                     f"{usd(other['total'])}.")  # fmt: skip
    else:
        lines.append("No provider fits this question" + (f" in {place}" if place else "") + ".")
    for removed in decision.removed:
        lines.append(f"Left out although confirmed in {place}: {removed.name} ({'; '.join(removed.reasons)}).")
    if decision.confirmed is not None and decision.confirmed.in_state == 0:
        lines.append(f"No at-home provider is confirmed in {place}: `ketacli alternatives` gives Spravato and "
                     "in-person clinics.")  # fmt: skip
    lines.extend(f"{law}, whatever the DEA allows: ask the provider how it meets it." for law in decision.state_law)
    end = decision.rule_end
    if end is not None and best is not None:
        if end.passed:
            lines.append(f"At-home ketamine depended on a DEA telemedicine rule that was set to end on {end.ends}; "
                         "what holds since is unknown: call the provider before paying.")  # fmt: skip
        else:
            due = f" {usd(end.due_after)} of this purchase falls due after it, and" if end.due_after else ""
            lines.append(f"It depends on a DEA telemedicine rule set to end on {end.ends} unless extended:{due} "
                         "starting or continuing after that date may need an in-person visit.")  # fmt: skip
    return lines


def _answer(decision: Decision, best: Row, place: str) -> str:
    """The one sentence that answers the question asked, with the figure it constrained first."""
    where = f" in {place}" if place else ""
    what = f"{best['name']}'s {best['purchase']}"
    total, per_dose = usd(best["total"]), usd_cents(best["per_dose"])
    asked = decision.asked
    if asked == "monthly":
        return f"Within {_cents(decision.limit)} a month{where}: {what}, {monthly_words(best)}, {total} in all."
    if asked == "upfront":
        ineligible = if_ineligible_words(best["refund_if_ineligible"])
        return (f"At most {_cents(decision.limit)} before the first session{where}: {what}, {usd(best['paid_before_first_session'])} "
                f"due before it ({total} in all); if found ineligible: {ineligible}.")  # fmt: skip
    if asked == "insured":
        paid = "insured" if best["insured_price"] else f"self-pay ({decision.carrier} is not taken there)"
        return f"With {decision.carrier}{where}: {what}, {paid}, {total} ({per_dose} a dose)."
    if asked == "doses":
        return f"Cheapest way to {best['doses_requested']} doses{where}: {what}, {total} in all ({per_dose} a dose)."
    return f"Cheapest way to start{where}: {what}, {total} ({per_dose} a dose)."


def _cents(amount: int | None) -> str:
    from ketacli.money import format_usd

    return "—" if amount is None else format_usd(amount)
