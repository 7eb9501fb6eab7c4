"""The alternatives group shown beside a ranking when fewer than two at-home providers are confirmed in a
state: Spravato and in-person infusion clinics, each with its sourced costs and how to find it."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from ketacli.states import STATE_NAMES

if TYPE_CHECKING:
    from ketacli.document import AlternativeDoc, SourceDoc
    from ketacli.query import Confirmed

NOT_STATED = "not stated in the sources"


def confirmed_words(state: str, confirmed: Confirmed) -> str:
    """How many at-home providers are confirmed in the state, and how many the filters kept: never "none
    confirmed" for providers that are confirmed but were left out by a budget or another filter."""
    place = STATE_NAMES.get(state, state)
    total, kept = confirmed.in_state, confirmed.kept
    if total == 0:
        return f"no at-home provider is confirmed in {place}"
    if kept == total:
        return f"only one at-home provider is confirmed in {place}"
    if total == 1:
        return f"1 at-home provider is confirmed in {place}; your filters left it out"
    return f"{total} at-home providers are confirmed in {place}; your filters kept {kept or 'none'} of them"


def alternatives_heading(state: str, confirmed: Confirmed) -> str:
    return f"Alternatives to at-home treatment ({confirmed_words(state, confirmed)})"


def alternative_fact_records(alternative: AlternativeDoc) -> list[tuple[str, SourceDoc | None]]:
    """An alternative in a few facts, each with the source it comes from (None: the entry's own summary):
    setting, insurance, each cost, and how to find it."""
    sources = {s["id"]: s for s in alternative["sources"]}
    found = alternative["how_to_find"]
    return [
        (f"Setting: {alternative['setting']}", None),
        (f"Insurance: {alternative['insurance']}", None),
        *((f"Cost: {c['text']}", sources[c["source"]]) for c in alternative["cost"]),
        (f"How to find it: {found['text']}", sources[found["source"]])
        if found
        else (f"How to find it: {NOT_STATED}", None),
    ]


def alternative_facts(alternative: AlternativeDoc) -> list[str]:
    """The facts as lines for a terminal: each sourced one ends with its source's title."""
    return [
        f"{text} [source: {source['title']}]" if source else text
        for text, source in alternative_fact_records(alternative)
    ]


def alternatives_text(alternatives: list[AlternativeDoc], state: str, confirmed: Confirmed, width: int) -> str:
    """The labelled group as plain text, wrapped to `width` (catalogue text stays literal: no markup)."""
    width = max(width, 20)
    parts = [textwrap.fill(alternatives_heading(state, confirmed), width)]
    for alternative in alternatives:
        parts.append(textwrap.fill(alternative["name"], width))
        for line in alternative_facts(alternative):
            parts.append(
                textwrap.fill(line, width, initial_indent="  ", subsequent_indent="    ", break_on_hyphens=False)
            )
    parts.append(textwrap.fill("Every detail: ketacli alternatives (--json for scripts).", width))
    return "\n".join(parts) + "\n"


def alternatives_markdown(alternatives: list[AlternativeDoc], state: str, confirmed: Confirmed) -> str:
    from ketacli.render.markdown import escape_text

    parts = [f"**{escape_text(alternatives_heading(state, confirmed))}**\n"]
    for alternative in alternatives:
        parts.append(f"- **{escape_text(alternative['name'])}**")
        parts += [f"  - {escape_text(line)}" for line in alternative_facts(alternative)]
    return "\n".join(parts) + "\n"
