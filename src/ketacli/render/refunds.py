"""The text of `ketacli refunds` and of the refund part of `show`. Pure: the refunds document in, lines out."""

from __future__ import annotations

from typing import Any

from ketacli.refunds import payment_words

from . import usd


def _source_line(source: dict[str, Any] | None) -> str:
    if source is None:
        return "Source: none recorded"
    return f"Source: {source['title']} — {source['url']} ({source['date']})"


def _outcome_words(stage: dict[str, Any], priced: bool) -> list[str]:
    lines = []
    for outcome in stage["outcomes"]:
        if stage["outcome"] == "full_refund":
            text = "full refund" + (f": you get back {usd(outcome['you_get_back'])}" if priced else "")
        elif stage["outcome"] == "no_refund":
            text = "no refund" + (f": you are charged {usd(outcome['charged'])}" if priced else "")
        else:
            text = f"you are charged {usd(outcome['charged'])} in total"
            if outcome["condition"]:
                text += f" ({outcome['condition']})"
            if priced:
                text += f"; you get back {usd(outcome['you_get_back'])}"
        lines.append(text)
    return lines


def join_conditions(when: list[str]) -> str:
    """'You cancel ...; or your clinician determines ...': any of these, as one sentence."""
    return "; or ".join([when[0], *(w[:1].lower() + w[1:] for w in when[1:])])


def ladder_lines(ladder: dict[str, Any], *, priced: bool = True) -> list[str]:
    """Each stage: what has happened, then what you are charged and get back; where a partial ladder stops."""
    lines = []
    for number, stage in enumerate(ladder["stages"], start=1):
        lines.append(f"{number}. {join_conditions(stage['when'])}")
        lines += [f"   → {text}" for text in _outcome_words(stage, priced)]
    if not ladder["complete"]:
        lines.append(f"The source stops here, after {ladder['stops_after']}: later stages are unknown.")
    if ladder.get("note"):
        lines.append(ladder["note"])
    lines.append(_source_line(ladder["source"]))
    return lines


def refund_sections(document: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """One provider's refunds as (title, lines) sections: if ineligible, each plan, then history."""
    ineligible = document["refund_if_ineligible"]
    value = {"full": "full refund", "unknown": "unknown"}.get(ineligible["value"], ineligible["value"])
    head = [f"If a clinician finds you ineligible at the first evaluation: {value}"]
    if ineligible.get("note"):
        head.append(ineligible["note"])
    if ineligible.get("source"):
        head.append(_source_line(ineligible["source"]))
    sections = [(f"{document['name']}: refunds", head)]
    for plan in document["plans"]:
        title = f"{plan['name']}, {payment_words(plan['payment'])} ({usd(plan['price'])})"
        if plan["ladder"] is None:
            sections.append((title, ["unknown: no refund policy for this plan was found in the sources"]))
        else:
            ladder = plan["ladder"]
            named = (
                []
                if ladder["title"] == f"{plan['name']}, {payment_words(plan['payment'])}"
                else [f"{ladder['title']}:"]
            )
            sections.append((title, [*named, *ladder_lines(ladder)]))
    for ladder in document["history"]:
        sections.append((f"History, not current policy: {ladder['title']}", ladder_lines(ladder, priced=False)))
    return sections
