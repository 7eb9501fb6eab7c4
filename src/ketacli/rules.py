"""Dated rules on a given day: whether each is in force, ending soon or past its end. Pure: the caller gives
today's date (the CLI reads the clock or KETACLI_TODAY).

A rule's end date is what its sources say. After that date the catalogue cannot know whether the rule was
extended, so ketacli says exactly that: it never calls a provider unavailable and never invents an extension.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal, NamedTuple

from .vocabulary import NATIONWIDE

if TYPE_CHECKING:
    from .document import Dated, RuleDoc, RuleStepDoc
    from .vocabulary import RuleTopic

# The rules about the drug itself (its schedule, compounding): shown with the safety information.
DRUG_RULE_TOPICS: frozenset[RuleTopic] = frozenset({"controlled_substance_schedule", "compounded_drugs"})


def drug_rules(rules: Iterable[RuleDoc]) -> list[RuleDoc]:
    return [rule for rule in rules if rule["topic"] in DRUG_RULE_TOPICS]


# A rule that ends within this many days is said out loud wherever a provider that depends on it is shown.
WARN_WITHIN_DAYS = 90

State = Literal[
    "in_force", "ending_soon", "past_end", "ended", "withdrawn", "proposed", "not_yet_in_force", "not_yet_proposed"
]
# The standings in which a rule still matters to someone starting now (an ended or withdrawn rule does not, nor a
# proposal the day asked about comes before).
LIVE: frozenset[State] = frozenset({"in_force", "ending_soon", "past_end", "proposed", "not_yet_in_force"})


class RuleToday(NamedTuple):
    """A rule's standing on one day."""

    rule: RuleDoc
    state: State
    days_left: int | None  # days until its end date (negative after it), where it has one
    today: dt.date

    @property
    def ends(self) -> str | None:
        return self.rule["ends"]


def standing(rule: RuleDoc, today: dt.date) -> RuleToday:
    """`ended` is the catalogue's own word (its sources say it ended), on and after its end date: before it,
    the rule was in force as any other (the status is as of `checked`, not of every day). `past_end` is a rule
    the sources last saw in force whose end date has gone by since: whether it was extended is unknown."""
    ends = dt.date.fromisoformat(rule["ends"]) if rule["ends"] else None
    days_left = (ends - today).days if ends else None
    if rule["history"] and today < dt.date.fromisoformat(rule["history"][0]["on"]):
        return RuleToday(rule, "not_yet_proposed", days_left, today)
    if rule["status"] == "withdrawn":
        return RuleToday(rule, "withdrawn", days_left, today)
    if rule["status"] == "proposed":
        return RuleToday(rule, "proposed", days_left, today)
    effective = dt.date.fromisoformat(rule["effective"]) if rule["effective"] else None
    if rule["status"] == "ended" and (days_left is None or days_left < 0 or effective is None or today < effective):
        return RuleToday(rule, "ended", days_left, today)
    if effective is not None and today < effective:
        return RuleToday(rule, "not_yet_in_force", days_left, today)
    if days_left is not None and days_left < 0:
        return RuleToday(rule, "past_end", days_left, today)
    if days_left is not None and days_left <= WARN_WITHIN_DAYS:
        return RuleToday(rule, "ending_soon", days_left, today)
    return RuleToday(rule, "in_force", days_left, today)


_STEP_WORDS = {
    "introduced": "introduced",
    "proposed": "proposed",
    "vote_planned": "a vote planned for",
    "published": "published",
    "approved": "approved",
    "delayed": "delayed to",
    "in_force": "in force from",
    "ended": "ended",
    "withdrawn": "withdrawn",
}


def _when(step: RuleStepDoc) -> str:
    on = dt.date.fromisoformat(step["on"])
    return on.strftime("%B %Y") if step["precision"] == "month" else step["on"]


def _step_words(step: RuleStepDoc) -> str:
    return _STEP_WORDS[step["event"]]


def _step_over(step: RuleStepDoc, today: dt.date) -> bool:
    """Whether a step's date has gone by (a month-precise step: once its month is over)."""
    on = dt.date.fromisoformat(step["on"])
    if step["precision"] == "month":
        on = dt.date(on.year, on.month, _month_length(on.year, on.month))
    return on < today


def _proposal_words(rule: RuleDoc, today: dt.date) -> str:
    """A proposal's steps up to `today`, and "outcome unknown" once its last sourced step has gone by: a vote
    planned for June that no source reports on is not "proposed" forever, nor adopted."""
    said = []
    for step in rule["history"]:
        if step["event"] == "vote_planned":
            tense = "was" if _step_over(step, today) else "is"
            said.append(f"a vote {tense} planned for {_when(step)}")
        elif dt.date.fromisoformat(step["on"]) <= today:
            said.append(f"{_step_words(step)} {_when(step)}")
    last = rule["history"][-1]
    if _step_over(last, today) and last["event"] == "vote_planned":
        said.append(f"outcome unknown as of {rule['checked']}")
    else:
        said.append(f"not final as of {rule['checked']}")
    return "; ".join(said)


class RuleTouch(NamedTuple):
    """A restricting rule that reaches some of a provider's forms of at-home ketamine in the state asked about."""

    now: RuleToday
    forms: tuple[str, ...]  # the provider's at-home forms it reaches
    spared: tuple[str, ...]  # its other forms, which the rule leaves alone


def rule_reaches(rule: RuleDoc, delivery: Sequence[str], state: str | None) -> tuple[str, ...]:
    """The forms in `delivery` a rule restricts in `state`, from the rule's own data: where it applies, which
    routes and whom it reaches. Empty for a rule that only enables or informs, or reaches one programme."""
    if rule["effect"] != "restricts" or rule["reaches"] != "everyone":
        return ()
    if NATIONWIDE not in rule["applies_in"] and state not in rule["applies_in"]:
        return ()
    return tuple(form for form in delivery if not rule["routes"] or form in rule["routes"])


def rules_touching(
    delivery: Sequence[str], state: str | None, rules: Iterable[RuleDoc], today: dt.date
) -> list[RuleTouch]:
    """The live restricting rules that reach a provider's at-home forms in `state`, on `today`."""
    touches = []
    for rule in rules:
        forms = rule_reaches(rule, delivery, state)  # cheap, and empty for almost every rule and row
        if not forms:
            continue
        now = standing(rule, today)
        if now.state in LIVE:
            touches.append(RuleTouch(now, forms, tuple(f for f in delivery if f not in forms)))
    return touches


_REACH_WORDS = {
    "everyone": "everyone",
    "medicare": "people on Medicare",
    "va_patients": "VA patients already seen in person by a VA practitioner",
    "opioid_use_disorder_drugs": "drugs approved for opioid use disorder",
    "substance_use_disorder_drugs": "drugs approved for substance use disorder",
    "spravato": "Spravato",
    "fda_approved_uses": "drugs for uses the FDA approved (a reading of the bill: off-label compounded ketamine "
    "would seem to be left out)",
}


class NextPath(NamedTuple):
    """What the sources say follows the end of the telemedicine rule at-home ketamine depends on."""

    rule: RuleDoc  # the enabling rule that ends
    paths: list[RuleDoc]  # rules that would let at-home ketamine go on after it ends (none found: empty)
    not_paths: list[tuple[RuleDoc, str]]  # other telemedicine rules, each with why it is not a path


def next_path(rules: Sequence[RuleDoc], today: dt.date) -> NextPath | None:
    """After the end date of the rule that enables at-home prescribing (the one that says what follows it), which
    rule would carry on, from the rules' own data: one that enables, reaches everyone and runs past that date.
    None when no such rule has a sourced statement of what follows."""
    ending = [r for r in rules if r["after_end"] and r["ends"] and standing(r, today).state in LIVE]
    if not ending:
        return None
    rule = max(ending, key=lambda r: r["ends"] or "")
    ends = rule["ends"] or ""
    paths, not_paths = [], []
    for other in rules:
        if other is rule or other["topic"] != rule["topic"] or standing(other, today).state not in LIVE:
            continue
        if other["effect"] == "enables" and other["reaches"] == "everyone" and other["status"] != "proposed":
            if other["ends"] is None or other["ends"] > ends:
                paths.append(other)
            continue
        if other["reaches"] != "everyone":
            not_paths.append((other, f"reaches only {_REACH_WORDS[other['reaches']]}"))
        elif other["status"] == "proposed":
            not_paths.append((other, "still a proposal, not final"))
    return NextPath(rule, paths, not_paths)


def state_rules(rules: Iterable[RuleDoc], state: str | None, today: dt.date) -> list[RuleDoc]:
    """The state's own live rules on prescribing by telemedicine (they stand whatever happens federally)."""
    if state is None:
        return []
    return [rule for rule in rules if rule["requires"] and state in rule["applies_in"]
            and standing(rule, today).state in LIVE]  # fmt: skip


def depended_rules(entry: Dated, rules: dict[str, RuleDoc], today: dt.date) -> list[str]:
    """The ids of the rules an entry depends on, as they stood on `today`: of its telemedicine prescribing rules,
    only the one it depended on then (an extension that replaced another is not yet there before it was
    published; the one it replaced is history after)."""
    current = prescribing_rule(entry, rules, today)
    return [
        i for i in entry["depends_on_rules"]
        if i in rules and (rules[i]["topic"] != "telemedicine_prescribing" or rules[i] is current)
    ]  # fmt: skip


def rules_by_id(rules: Iterable[RuleDoc]) -> dict[str, RuleDoc]:
    return {rule["id"]: rule for rule in rules}


def prescribing_rule(entry: Dated, rules: dict[str, RuleDoc], today: dt.date | None = None) -> RuleDoc | None:
    """The telemedicine prescribing rule an entry depends on (the one with the latest end, if several), of those
    that had been published by `today`: asked about a past day, the answer is what had happened by then."""
    found = [
        rules[i] for i in entry["depends_on_rules"]
        if i in rules and rules[i]["topic"] == "telemedicine_prescribing"
        and (today is None or standing(rules[i], today).state != "not_yet_proposed")
    ]  # fmt: skip
    found.sort(key=lambda rule: rule["ends"] or "9999-12-31")
    return found[-1] if found else None


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


def status_words(today_: RuleToday) -> str:
    """The standing of a rule in a few words, for tables and `show`."""
    rule, days = today_.rule, today_.days_left
    if today_.state == "not_yet_proposed":
        first = rule["history"][0]
        return f"not yet on this date ({_step_words(first)} {_when(first)})"
    if today_.state == "withdrawn":
        return "withdrawn"
    if today_.state == "proposed":
        return _proposal_words(rule, today_.today) if rule["history"] else "proposed, not final"
    if today_.state == "ended":
        return f"ended {rule['ends']}"
    if today_.state == "not_yet_in_force":
        return f"takes effect {rule['effective']}"
    if today_.state == "past_end":
        return f"set to end {rule['ends']}; unknown since (checked {rule['checked']})"
    if today_.state == "ending_soon" and days is not None:
        left = f"{_days(days)} left" if days else "today"
        return f"in force; set to end {rule['ends']} unless extended ({left})"
    if rule["ends"]:
        return f"in force through {rule['ends']}"
    return f"in force since {rule['effective']}" if rule["effective"] else "in force"


class RuleWarning(NamedTuple):
    """A rule the shown entries depend on that is running out, or has passed its end date: a heading for the
    report's banner and the sentence that says it (the CLI prefixes 'warning: ')."""

    heading: str
    text: str


def rule_warnings(
    entries: Sequence[Dated], rules: Sequence[RuleDoc], today: dt.date, alternatives: Sequence[Dated] = ()
) -> list[RuleWarning]:
    """One warning per rule that a shown entry depends on and that ends within WARN_WITHIN_DAYS or has passed its
    end date; nothing otherwise. `alternatives` are named where they do not depend on the rule."""
    by_id = rules_by_id(rules)
    needed: dict[str, list[str]] = {}
    for entry in entries:
        for rule_id in depended_rules(entry, by_id, today):
            needed.setdefault(rule_id, []).append(entry["name"])
    warnings = []
    for rule_id, names in needed.items():
        now = standing(by_id[rule_id], today)
        if now.state in ("ending_soon", "past_end"):
            independent = [a["name"] for a in alternatives if rule_id not in a["depends_on_rules"]]
            warnings.append(_warning(now, names, independent))
    return warnings


def _warning(now: RuleToday, names: list[str], independent: list[str]) -> RuleWarning:
    rule = now.rule
    who = _names(names)
    verb = "depends" if len(names) == 1 else "depend"
    elsewhere = (
        f"; {_names(independent)} {'does' if len(independent) == 1 else 'do'} not depend on it (how to find "
        "them: ketacli alternatives)"
        if independent
        else ""
    )
    if now.state == "past_end":
        return RuleWarning(
            "A rule these providers depend on has passed its end date.",
            f"{rule['title']}, which {who} {verb} on, was set to end on {rule['ends']}; unknown since: this "
            f"catalogue (rules checked {rule['checked']}) does not know whether it was extended, so check with the "
            f"provider whether you can start or continue at-home treatment{elsewhere}",
        )
    days = now.days_left or 0
    when = "today" if days == 0 else f"in {_days(days)}"
    return RuleWarning(
        "A rule these providers depend on is running out.",
        f"{rule['title']}, which {who} {verb} on, is set to end on {rule['ends']}, {when}, unless extended: "
        f"starting at-home treatment after that date may need an in-person visit first, and a program that runs past "
        f"it may need one to continue; check with the provider{elsewhere}",
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
    last = _months_later(start, months - 1)
    return last if last > ends else None


def months_after(start: dt.date, months: int, ends: dt.date) -> int:
    """How many of `months` monthly payments, the first on `start`, fall after `ends`."""
    last_by_end = (ends.year - start.year) * 12 + ends.month - start.month  # the last payment on or before `ends`
    if last_by_end >= 0 and _months_later(start, last_by_end) > ends:
        last_by_end -= 1
    return months - min(max(last_by_end + 1, 0), months)


def _months_later(start: dt.date, k: int) -> dt.date:
    month_index = start.month - 1 + k
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(start.day, _month_length(year, month)))


def _month_length(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day
