"""The text of `ketacli refunds` and of the refund part of `show`. Pure: the refunds document in, lines out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ketacli.refunds import payment_words
from ketacli.render.words import address_words, ahead_words, charge_words, if_ineligible_words, settlement_words

from . import usd

if TYPE_CHECKING:
    from ketacli.refunds import Ladder, PaidAheadDoc, ProviderRefunds, SourceRef


def _source_line(source: SourceRef | None) -> str:
    if source is None:
        return "Source: none recorded"
    return f"Source: {source['title']} — {address_words(source['url'])} ({source['date']})"


def join_conditions(when: list[str]) -> str:
    """'You cancel ...; or your clinician determines ...': any of these, as one sentence."""
    return "; or ".join([when[0], *(w[:1].lower() + w[1:] for w in when[1:])])


def ladder_lines(ladder: Ladder, *, priced: bool = True) -> list[str]:
    """Each stage: what has happened, then what you are charged and get back; where a partial ladder stops."""
    lines = []
    for number, stage in enumerate(ladder["stages"], start=1):
        lines.append(f"{number}. {join_conditions(stage['when'])}")
        for outcome in stage["outcomes"]:
            lines.append(f"   → {charge_words(stage, outcome)}")
            if priced:  # each way of paying: what you have paid by then, and what you get back or still owe
                lines += [f"       {settlement_words(by)}" for by in outcome["by_payment"]]
    if not ladder["complete"]:
        lines.append(f"The source stops here, after {ladder['stops_after']}: later stages are unknown.")
    if ladder["note"]:
        lines.append(ladder["note"])
    lines.append(_source_line(ladder["source"]))
    return lines


def paid_ahead_line(ahead: PaidAheadDoc) -> str:
    """'Paid ahead of the service: $418 before the first session; at most $418 at a time ...'."""
    how = "by its installments" if ahead["by_installments"] else "paid when bought"
    return f"Paid ahead of the service ({how}): {ahead_words(ahead['before_first_session'], ahead['most_ahead'])}"


def refund_sections(document: ProviderRefunds) -> list[tuple[str, list[str]]]:
    """One provider's refunds as (title, lines) sections: if ineligible, each plan, then history."""
    ineligible = document["refund_if_ineligible"]
    answers = {plan["if_found_ineligible"] for plan in document["plans"]}
    value = (
        if_ineligible_words(answers.pop()) if len(answers) == 1 else "it depends on the plan and how you pay (below)"
    )
    head = [f"If a clinician finds you ineligible at the first evaluation: {value}"]
    if ineligible["note"]:
        head.append(ineligible["note"])
    if ineligible["source"]:
        head.append(_source_line(ineligible["source"]))
    sections = [(f"{document['name']}: refunds", head)]
    for plan in document["plans"]:
        title = f"{plan['name']}, {payment_words(plan['payment'])} ({usd(plan['price'])})"
        found_ineligible = f"If found ineligible: {if_ineligible_words(plan['if_found_ineligible'])}"
        ahead = paid_ahead_line(plan["paid_ahead"])
        if plan["ladder"] is None:
            sections.append(
                (title, [found_ineligible, ahead, "Stopping later: unknown: no refund policy for this plan was found"])
            )
        else:
            ladder = plan["ladder"]
            named = (
                []
                if ladder["title"] == f"{plan['name']}, {payment_words(plan['payment'])}"
                else [f"{ladder['title']}:"]
            )
            sections.append((title, [found_ineligible, ahead, *named, *ladder_lines(ladder)]))
    for ladder in document["history"]:
        sections.append((f"History, not current policy: {ladder['title']}", ladder_lines(ladder, priced=False)))
    return sections
