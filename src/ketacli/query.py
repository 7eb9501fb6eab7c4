"""Pure queries over a validated catalogue: find providers, resolve the carrier, and rank evaluations.

Inputs are the validated catalogue document (plain dicts) and a `Criteria`; each provider is evaluated once
(`evaluation.py`), ranked on the evaluation's typed attributes, and shown as the command's rows
(`fields.py`), plus exclusions with plain-word reasons. No I/O, no environment, no printing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, Protocol, TypeVar

from .carriers import compact, matching_carriers, suggest_carrier
from .criteria import DELIVERY_KINDS, Criteria, InsuranceAsk, SortKey, availability
from .errors import CarrierProblem, NeedsCarrier, NeedsState, UsageError
from .fields import Command, Row, row
from .rules import rules_by_id

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping, Sequence

    from typing_extensions import TypeIs

    from .catalogue import LoadedCatalogue
    from .document import Entry, ProviderDoc, RankedProviderDoc, RuleDoc
    from .evaluation import Evaluation


_DELIVERY_ALIASES = {
    "tablets": "tablet",
    "oral": "tablet",
    "sublingual": "tablet",
    "rdt": "tablet",
    "pill": "tablet",
    "troches": "troche",
    "lozenge": "troche",
    "lozenges": "troche",
    "injections": "injection",
    "subq": "injection",
    "subcutaneous": "injection",
    "shot": "injection",
    "im": "injection",
    "infusions": "infusion",
    "iv": "infusion",
    "intravenous": "infusion",
}


def resolve_delivery(text: str) -> str:
    key = re.sub(r"[^a-z]", "", text.lower())
    kind = key if key in DELIVERY_KINDS else _DELIVERY_ALIASES.get(key)
    if kind is None:
        raise UsageError(f"unknown delivery kind {text!r}; choose one of: {', '.join(DELIVERY_KINDS)}")
    return kind


def is_provider(entry: Entry) -> TypeIs[ProviderDoc]:
    """A provider, not an alternative: only providers have plans."""
    return "plans" in entry


def find_entry(catalogue: LoadedCatalogue, name: str) -> Entry:
    """A provider or an alternative by id or name, in any case and spacing ('better u', 'Better-U', 'betteru')."""
    key = compact(name)
    for provider in catalogue.providers + catalogue.alternatives:
        if key in (compact(provider["id"]), compact(provider["name"])):
            return provider
    valid = ", ".join(p["id"] for p in catalogue.providers + catalogue.alternatives)
    raise UsageError(f"no provider named {name!r}; valid ids: {valid}")


def find_provider(catalogue: LoadedCatalogue, name: str, *, why: str = "it has no plans") -> ProviderDoc:
    """A provider (not an alternative) by id or name, forgivingly; an alternative is a usage error saying why."""
    entry = find_entry(catalogue, name)
    for provider in catalogue.providers:
        if provider is entry:
            return provider
    raise UsageError(f"{entry['name']} is an alternative: {why}")


def find_plan(provider: ProviderDoc, name: str) -> str:
    """A plan or subscription id by id or name, forgivingly ('extended', 'Extended Program', '6', 'six sessions')."""
    key = compact(name)
    entries = provider["plans"] + provider["subscriptions"]
    for entry in entries:
        doses = entry.get("doses", entry.get("doses_per_period"))
        if key in {compact(entry["id"]), compact(entry["name"]), str(doses)}:
            return entry["id"]
    valid = ", ".join(e["id"] for e in entries)
    raise UsageError(f"{provider['name']} has no plan {name!r}; its plans: {valid}")


P_co = TypeVar("P_co", bound="RankedProviderDoc", covariant=True)
T = TypeVar("T")
P = TypeVar("P", bound="RankedProviderDoc")  # the provider type a ranking carries (as `evaluation.P`)


class Rankable(Protocol[P_co]):
    """What a ranking reads: a whole catalogue (`LoadedCatalogue`) or its query document (`LoadedQuery`)."""

    @property
    def providers(self) -> Sequence[P_co]: ...

    @property
    def rules(self) -> Sequence[RuleDoc]: ...


def all_carriers(catalogue: Rankable[RankedProviderDoc]) -> list[str]:
    return listed_carriers(carrier_listings(catalogue))


def carrier_listings(catalogue: Rankable[RankedProviderDoc]) -> list[Mapping[str, list[str]]]:
    """Each provider's carriers by state: all that resolving a carrier reads."""
    return [p["insurance"]["carriers_by_state"] for p in catalogue.providers]


def listed_carriers(listings: Sequence[Mapping[str, list[str]]], state: str | None = None) -> list[str]:
    """The carriers the providers list, anywhere or in one state."""
    if state is not None:
        return sorted({c for listing in listings for c in listing.get(state, [])})
    return sorted({c for listing in listings for carriers in listing.values() for c in carriers})


def check_carrier(catalogue: Rankable[RankedProviderDoc], query: str) -> list[str]:
    """Listed carriers a query names; a near miss of a listed carrier is a usage error ('did you mean')."""
    return _check_listed(listed_carriers(carrier_listings(catalogue)), query)


def _check_listed(known: list[str], query: str) -> list[str]:
    matched = matching_carriers(query, known)
    if not matched:
        near = suggest_carrier(query, known)
        if near:
            raise CarrierProblem(f"no listed carrier is called {query!r}; did you mean {' or '.join(near)}?")
    return matched


def resolve_insurance(
    listings: Sequence[Mapping[str, list[str]]], query: str | None, state: str | None
) -> tuple[InsuranceAsk | None, list[str]]:
    """The carrier `query` names in `state`, and notices for people (stderr); `listings`: each provider's
    carriers by state (`carrier_listings`).

    A carrier nobody lists (Humana, Kaiser, ...) is valid: every provider is out of network. A query that
    names several carriers listed in the state is a usage error; so is a typo of a listed carrier.
    """
    if query is None:
        return None, []
    if state is None:
        raise NeedsState
    anywhere = _check_listed(listed_carriers(listings), query)
    here = matching_carriers(query, listed_carriers(listings, state))
    if len(here) > 1:
        raise CarrierProblem(f"{query!r} matches several carriers in {state}: {'; '.join(here)}; give the full name")
    if here:
        return InsuranceAsk(query, here[0], here[0]), []
    where = f"no provider in the catalogue lists {query!r} in {state}"
    if anywhere:
        where += f" (listed elsewhere: {'; '.join(anywhere)})"
    shown = anywhere[0] if len(anywhere) == 1 else query
    return InsuranceAsk(query, None, shown), [f"{where}: every provider is priced at self-pay"]


class Excluded(NamedTuple, Generic[P]):
    provider: P
    reasons: list[str]


class Confirmed(NamedTuple):
    """How many at-home providers the sources confirm serve the state asked about: in all (`in_state`), and
    how many of those the question's other filters kept (`kept`, before --limit). "None kept" is not "none
    confirmed": the words for people say which."""

    in_state: int
    kept: int


class Result(NamedTuple, Generic[P]):
    """A ranking: the evaluations that passed, in rank order, and their rows (the command's output fields)."""

    rows: list[Row]
    excluded: list[Excluded[P]]
    notices: list[str]  # for people (stderr): e.g. that no provider lists the carrier asked about
    insurance: InsuranceAsk | None = None  # the carrier asked about, as resolved
    # With a state: how many providers the sources confirm serve it, and how many of those passed. Below two
    # kept, the alternatives (Spravato, infusion clinics) are worth showing beside the ranking.
    confirmed: Confirmed | None = None
    evaluations: list[Evaluation[P]] = []


# Dose levels rank as separate groups, standard first: a very-low daily dose is a different treatment, and
# its price per dose is not comparable with a standard session's.
DOSE_GROUPS: dict[str, str] = {
    "standard": "Standard-dose programs",
    "very_low": "Very-low-dose (psycholytic) programs: a different treatment",
}
_GROUP_ORDER = {level: index for index, level in enumerate(DOSE_GROUPS)}


def cost(catalogue: Rankable[P], criteria: Criteria, today: dt.date | None = None) -> Result[P]:
    """The cheapest way to at least `criteria.doses` doses at each provider: `compare`'s path, cost's fields."""
    assert criteria.doses is not None
    return rank(catalogue, criteria, today, command="cost")


def compare(catalogue: Rankable[P], criteria: Criteria, today: dt.date | None = None) -> Result[P]:
    """Filter, price and rank providers; every provider a filter removes is returned with its reasons."""
    return rank(catalogue, criteria, today, command="compare")


def rank(catalogue: Rankable[P], criteria: Criteria, today: dt.date | None, *, command: Command) -> Result[P]:
    """The one path for `compare` and `cost`: availability in the state, the insurance carrier, the price
    basis and the dose-level groups are decided in `evaluate` and nowhere else. With `today`, a purchase
    whose payments run past the end of the prescribing rule it depends on says so in its notes."""
    from .evaluation import evaluate  # the pricing engine and refunds: `--help` and completion never load them

    if criteria.in_network_only and criteria.insurance is None:
        raise NeedsCarrier
    rules = rules_by_id(catalogue.rules)
    ask, notices = resolve_insurance(carrier_listings(catalogue), criteria.insurance, criteria.state)
    passed: list[Evaluation[P]] = []
    excluded: list[Excluded[P]] = []
    for provider in catalogue.providers:
        evaluation = evaluate(provider, criteria, ask, rules, today)
        if evaluation.reasons:
            excluded.append(Excluded(provider, list(evaluation.reasons)))
        else:
            passed.append(evaluation)
    in_rank_order(passed, rank_facts, criteria)
    confirmed = None
    if criteria.state:
        in_state = sum(availability(p, criteria.state) == "served" for p in catalogue.providers)
        confirmed = Confirmed(in_state, sum(e.availability == "served" for e in passed))
    if criteria.limit:  # 0: all
        passed = passed[: criteria.limit]
    ranked = [e._replace(rank=position) for position, e in enumerate(passed, start=1)]
    return Result([row(e, command) for e in ranked], excluded, notices, ask, confirmed, ranked)


def needs_alternatives(confirmed: Confirmed | None) -> bool:
    """Fewer than two at-home providers confirmed in the state asked about, or fewer than two of them kept by
    the filters: show the alternatives too (the heading says which)."""
    return confirmed is not None and confirmed.kept < 2


class RankFacts(NamedTuple):
    """What every ranking order reads of an evaluated provider."""

    total: int | None  # cents; None: no purchase could be priced
    per_dose: int | None
    per_dose_rank: int | None  # Evaluation.per_dose_rank
    name: str
    states_reported: int
    dose_level: str


def rank_facts(e: Evaluation[Any]) -> RankFacts:
    purchase = e.purchase
    return RankFacts(
        purchase.total if purchase else None,
        purchase.per_dose if purchase else None,
        e.per_dose_rank,
        e.provider["name"],
        e.provider["availability"]["states_reported"],
        e.provider["dose_level"],
    )


def in_rank_order(items: list[T], facts: Callable[[T], RankFacts], criteria: Criteria) -> None:
    """Sort in place by the order asked for, then into the dose-level groups (standard first): the one ranking
    of `rank`."""
    order = _sort_key(criteria.sort)
    keyed = [(facts(item), item) for item in items]  # each item's facts worked out once
    keyed.sort(key=lambda pair: order(pair[0]), reverse=criteria.reverse)
    keyed.sort(key=lambda pair: _GROUP_ORDER[pair[0].dose_level])  # stable: keeps the order chosen above
    items[:] = [item for _, item in keyed]


def _sort_key(sort: SortKey) -> Callable[[RankFacts], Any]:
    missing = 10**15

    def name(f: RankFacts) -> str:
        return f.name.lower()

    if sort == "per-dose":
        return lambda f: (f.per_dose_rank if f.per_dose_rank is not None else missing, name(f))
    if sort == "states":
        return lambda f: (-f.states_reported, name(f))
    if sort == "name":
        return name
    return lambda f: (
        f.total if f.total is not None else missing,
        f.per_dose if f.per_dose is not None else missing,
        name(f),
    )
