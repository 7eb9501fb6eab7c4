"""The text of `ketacli rules` and the rules part of `show` and `safety`. Pure: rules and a day in, lines out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ketacli.render.words import address_words
from ketacli.rules import next_path, standing, status_words

if TYPE_CHECKING:
    from ketacli.document import Dated, RuleDoc, SourceDoc


def source_line(source: SourceDoc) -> str:
    publisher = f"{source['publisher']}, " if source["publisher"] else ""
    note = f" ({source['note']})" if source["note"] else ""
    return f"Source: {publisher}{source['title']} — {address_words(source['url'])} ({source['date']}){note}"


def rule_lines(rule: RuleDoc, today: dt.date, *, sources: bool = True) -> list[str]:
    """One rule: what it is, its standing today, what it means, its conflicts and sources."""
    lines = [
        f"{rule['title']} ({rule['authority']}): {status_words(standing(rule, today))}",
        f"  {rule['meaning']}",
    ]
    if rule["citation"]:
        lines.append(f"  Citation: {rule['citation']}")
    lines.extend(f"  Sources disagree: {conflict}" for conflict in rule["conflicts"])
    lines.append(f"  Facts checked on {rule['checked']}")
    if sources:
        lines.extend(f"  {source_line(source)}" for source in rule["sources"])
    return lines


def rules_sections(
    rules: Sequence[RuleDoc], today: dt.date, alternatives: Sequence[Dated] = ()
) -> list[tuple[str, list[str]]]:
    """`ketacli rules`: what follows the end of the rule at-home ketamine depends on, then one section per rule,
    as of `today`."""
    sections = [
        (rule["title"], [f"{rule['authority']}: {status_words(standing(rule, today))}", *rule_lines(rule, today)[1:]])
        for rule in rules
    ]
    after = after_end_section(rules, today, alternatives)
    return [after, *sections] if after else sections


def after_end_section(
    rules: Sequence[RuleDoc], today: dt.date, alternatives: Sequence[Dated] = ()
) -> tuple[str, list[str]] | None:
    """'After 2026-12-31: is there another path?', answered from the rules' own data and sources."""
    found = next_path(rules, today)
    if found is None:
        return None
    rule = found.rule
    assert rule["after_end"] is not None  # next_path picks only a rule that says what follows it
    sources = {source["id"]: source for source in rule["sources"]}
    if found.paths:
        answer = "Rules that would carry on: " + "; ".join(f"{r['title']} ({r['authority']})" for r in found.paths)
    else:
        answer = f"Another path to at-home ketamine by telemedicine after {rule['ends']}: none found in the sources."
    lines = [
        answer,
        f"  {rule['after_end']['text']}",
        f"  {source_line(sources[rule['after_end']['source']])}",
        *(f"  Not a path: {other['title']}: {why}." for other, why in found.not_paths),
    ]
    independent = [a["name"] for a in alternatives if rule["id"] not in a["depends_on_rules"]]
    if independent:
        lines.append(f"  Not depending on it: {', '.join(independent)} (how to find them: ketacli alternatives).")
    tense = "was set to end" if today.isoformat() > (rule["ends"] or "") else "is set to end"
    return (f"After {rule['ends']}, when the {rule['authority']} telemedicine rule {tense}", lines)


def rule_json(rule: RuleDoc, today: dt.date) -> dict[str, Any]:
    """A rule with its standing on `today` (`status_today`, `days_remaining`) added for scripts."""
    now = standing(rule, today)
    return {**rule, "status_today": now.state, "days_remaining": now.days_left, "as_of_date": today.isoformat()}


def dependent_rule_lines(ids: Sequence[str], rules: Sequence[RuleDoc], today: dt.date) -> list[str]:
    """The rules an entry names, for `show` (unknown ids cannot occur: validation refuses them)."""
    by_id = {rule["id"]: rule for rule in rules}
    lines: list[str] = []
    for rule_id in ids:
        if rule_id in by_id:
            lines.extend(rule_lines(by_id[rule_id], today))
    return lines
