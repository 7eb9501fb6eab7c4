"""The answer to the question asked, as a typed value (issue #41): the option that fits, with the figure the
question constrained (a monthly amount and whether it is financing; what is due before the first session and
what is lost if found ineligible; the insured price and the carrier; the total for N doses), what the filters
removed that the sources confirm in the state and why, the law of the state, and where the rule at-home
ketamine depends on stands on the day. `compare`, `cost` and the report all say it, from this one value
(render/decision_words.py words it). Pure: a ranking, its question, the rules and a day in.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from .criteria import availability
from .rules import LIVE, prescribing_rule, standing, state_rules

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .criteria import Criteria
    from .document import RuleDoc
    from .fields import Row
    from .query import Confirmed, Result

Asked = Literal["monthly", "upfront", "insured", "doses", "start"]


class Removed(NamedTuple):
    """A provider the sources confirm in the state that the question's filters left out, and why."""

    name: str
    reasons: tuple[str, ...]


class RuleEnd(NamedTuple):
    """The telemedicine rule the answer's option depends on: its end date, whether that date has passed on the
    day asked about, and what of the first purchase falls due after it (dollars; None: not known)."""

    ends: str
    passed: bool
    due_after: float | int | None


class Decision(NamedTuple):
    asked: Asked
    limit: int | None  # cents: the monthly budget or the limit before the first session asked
    state: str | None
    carrier: str | None  # the carrier asked about, as resolved
    best: Row | None  # the first option of the standard-dose ranking the sources confirm in the state
    unconfirmed_cheaper: Row | None  # ranked above it, but not confirmed in the state
    other_treatment: Row | None  # the first very-low-dose option, when it is all there is: a different treatment
    confirmed: Confirmed | None
    removed: tuple[Removed, ...]
    state_law: tuple[str, ...]  # the state's own rules, in their words for a person
    rule_end: RuleEnd | None


def asked_of(criteria: Criteria) -> Asked:
    """The figure the question constrained first."""
    if criteria.monthly_budget is not None:
        return "monthly"
    if criteria.max_upfront is not None:
        return "upfront"
    if criteria.insurance is not None:
        return "insured"
    return "doses" if criteria.doses is not None else "start"


def decide(result: Result[Any], criteria: Criteria, rules: Sequence[RuleDoc], today: dt.date) -> Decision:
    rows = result.rows
    state = criteria.state
    standard = [r for r in rows if r["dose_level"] == "standard"]
    confirmed = [r for r in standard if criteria.state is None or r["availability"] == "served"]
    if criteria.insurance is not None:  # a question about a carrier: an insured option first, where there is one
        confirmed.sort(key=lambda r: not r["insured_price"])  # stable: the ranking's order within each
    best = confirmed[0] if confirmed else None
    above = standard[: standard.index(best)] if best is not None else standard
    unconfirmed = [r for r in above if state is not None and r["availability"] != "served"]
    removed = tuple(
        Removed(e.provider["name"], tuple(e.reasons))
        for e in result.excluded
        if state is not None and availability(e.provider, state) == "served"
    )
    return Decision(
        asked=asked_of(criteria),
        limit=criteria.monthly_budget if criteria.monthly_budget is not None else criteria.max_upfront,
        state=state,
        carrier=result.insurance.shown if result.insurance else None,
        best=best,
        unconfirmed_cheaper=unconfirmed[0] if unconfirmed else None,
        other_treatment=next((r for r in rows if r["dose_level"] != "standard"), None) if not standard else None,
        confirmed=result.confirmed,
        removed=removed,
        state_law=tuple(str(rule["in_short"]) for rule in state_rules(rules, state, today)),
        rule_end=_rule_end(best, result, rules, today),
    )


def _rule_end(best: Row | None, result: Result[Any], rules: Sequence[RuleDoc],
              today: dt.date) -> RuleEnd | None:  # fmt: skip
    if best is None or best["prescribing_rule_until"] is None:
        return None
    provider = next((e.provider for e in result.evaluations if e.provider["id"] == best["id"]), None)
    rule = prescribing_rule(provider, {r["id"]: r for r in rules}, today) if provider is not None else None
    if rule is None or rule["ends"] is None or standing(rule, today).state not in LIVE:
        return None
    return RuleEnd(rule["ends"], today.isoformat() > rule["ends"], best["due_after_rule_end"])
