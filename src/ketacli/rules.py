"""Dated rules on a given day: whether each is in force, ending soon or past its end. Pure: the caller gives
today's date (the CLI reads the clock or KETACLI_TODAY).

A rule's end date is what its sources say. After that date the catalogue cannot know whether the rule was
extended, so ketacli says exactly that: it never calls a provider unavailable and never invents an extension.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal, NamedTuple

if TYPE_CHECKING:
    from .document import Dated, RuleDoc
    from .vocabulary import RuleTopic

# The rules about the drug itself (its schedule, compounding): shown with the safety information.
DRUG_RULE_TOPICS: frozenset[RuleTopic] = frozenset({"controlled_substance_schedule", "compounded_drugs"})


def drug_rules(rules: Iterable[RuleDoc]) -> list[RuleDoc]:
    return [rule for rule in rules if rule["topic"] in DRUG_RULE_TOPICS]


# A rule that ends within this many days is said out loud wherever a provider that depends on it is shown.
WARN_WITHIN_DAYS = 90

State = Literal["in_force", "ending_soon", "past_end", "ended", "proposed", "not_yet_in_force"]


class RuleToday(NamedTuple):
    """A rule's standing on one day."""

    rule: RuleDoc
    state: State
    days_left: int | None  # days until its end date (negative after it), where it has one

    @property
    def ends(self) -> str | None:
        return self.rule["ends"]


def standing(rule: RuleDoc, today: dt.date) -> RuleToday:
    """`ended` is the catalogue's own word (its sources say it ended), on and after its end date: before it,
    the rule was in force as any other (the status is as of `checked`, not of every day). `past_end` is a rule
    the sources last saw in force whose end date has gone by since: whether it was extended is unknown."""
    ends = dt.date.fromisoformat(rule["ends"]) if rule["ends"] else None
    days_left = (ends - today).days if ends else None
    if rule["status"] == "proposed":
        return RuleToday(rule, "proposed", days_left)
    effective = dt.date.fromisoformat(rule["effective"]) if rule["effective"] else None
    if rule["status"] == "ended" and (days_left is None or days_left < 0 or effective is None or today < effective):
        return RuleToday(rule, "ended", days_left)
    if effective is not None and today < effective:
        return RuleToday(rule, "not_yet_in_force", days_left)
    if days_left is not None and days_left < 0:
        return RuleToday(rule, "past_end", days_left)
    if days_left is not None and days_left <= WARN_WITHIN_DAYS:
        return RuleToday(rule, "ending_soon", days_left)
    return RuleToday(rule, "in_force", days_left)


def rules_by_id(rules: Iterable[RuleDoc]) -> dict[str, RuleDoc]:
    return {rule["id"]: rule for rule in rules}


def prescribing_rule(entry: Dated, rules: dict[str, RuleDoc]) -> RuleDoc | None:
    """The telemedicine prescribing rule an entry depends on (the one with the latest end, if several)."""
    found = [
        rules[i] for i in entry["depends_on_rules"] if i in rules and rules[i]["topic"] == "telemedicine_prescribing"
    ]
    found.sort(key=lambda rule: rule["ends"] or "9999-12-31")
    return found[-1] if found else None


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


def status_words(today_: RuleToday) -> str:
    """The standing of a rule in a few words, for tables and `show`."""
    rule, days = today_.rule, today_.days_left
    if today_.state == "proposed":
        return "proposed, not final"
    if today_.state == "ended":
        return f"ended {rule['ends']}"
    if today_.state == "not_yet_in_force":
        return f"takes effect {rule['effective']}"
    if today_.state == "past_end":
        return f"set to end {rule['ends']}; unknown since (checked {rule['checked']})"
    if today_.state == "ending_soon" and days is not None:
        return (
            f"in force; ends {rule['ends']} ({_days(days)} left)" if days else f"in force; ends today ({rule['ends']})"
        )
    return f"in force through {rule['ends']}" if rule["ends"] else "in force"


def rule_warnings(entries: Sequence[Dated], rules: Sequence[RuleDoc], today: dt.date) -> list[str]:
    """One line per rule that a shown entry depends on and that ends within WARN_WITHIN_DAYS or has passed its
    end date; nothing otherwise. Worded for a person; the CLI prefixes 'warning: '."""
    by_id = rules_by_id(rules)
    needed: dict[str, list[str]] = {}
    for entry in entries:
        for rule_id in entry["depends_on_rules"]:
            if rule_id in by_id:
                needed.setdefault(rule_id, []).append(entry["name"])
    lines = []
    for rule_id, names in needed.items():
        now = standing(by_id[rule_id], today)
        if now.state in ("ending_soon", "past_end"):
            lines.append(_warning(now, names))
    return lines


def _warning(now: RuleToday, names: list[str]) -> str:
    rule = now.rule
    who = _names(names)
    verb = "depends" if len(names) == 1 else "depend"
    if now.state == "past_end":
        return (
            f"{rule['title']}, which {who} {verb} on, was set to "
            f"end on {rule['ends']}; this catalogue (rules checked {rule['checked']}) does not know whether it was "
            "extended: check with the provider whether you can start or continue at-home treatment"
        )
    days = now.days_left or 0
    when = "today" if days == 0 else f"in {_days(days)}"
    return (
        f"{rule['title']}, which {who} {verb} on, ends on "
        f"{rule['ends']}, {when}: starting at-home treatment after that date may need an in-person visit first "
        "unless the rule is extended; check with the provider"
    )


def _names(names: list[str], most: int = 4) -> str:
    if len(names) > most:
        return f"{', '.join(names[:most])} and {len(names) - most:,} more"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def runs_past(start: dt.date, months: int, ends: dt.date) -> dt.date | None:
    """The date of the last monthly payment (or period) of a purchase that starts on `start` and lasts `months`,
    when it falls after `ends`; else None."""
    if months < 1:
        return None
    month_index = start.month - 1 + months - 1
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, _month_length(year, month))
    last = dt.date(year, month, day)
    return last if last > ends else None


def _month_length(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day
