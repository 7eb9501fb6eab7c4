"""What a person asks (`Criteria`), the carrier they named (`InsuranceAsk`), and where a provider serves.

Small and dependency-free, so the query, the evaluation and the renderers can all share these types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, NamedTuple

from .vocabulary import DoseLevel

if TYPE_CHECKING:
    from collections.abc import Collection

    from .document import RankedProviderDoc

Availability = Literal["served", "not_served", "unknown"]
SortKey = Literal["total", "per-dose", "states", "name"]

DELIVERY_KINDS: dict[str, tuple[str, ...]] = {
    "tablet": ("oral_rapid_dissolve_tablet", "sublingual_tablet"),
    "troche": ("troche",),
    "injection": ("subcutaneous_injection", "injection"),
    "infusion": ("infusion",),
}


class Criteria(NamedTuple):
    """What the user asked for. Money in cents; state already resolved to a code."""

    state: str | None = None
    doses: int | None = None
    returning: bool = False
    pay_in_full: bool = False
    insurance: str | None = None
    budget: int | None = None
    monthly_budget: int | None = None
    max_upfront: int | None = None  # the most paid before the first session
    hsa_fsa: bool = False
    financing: bool = False
    free_consult: bool = False
    no_sitter: bool = False
    id_verified: bool = False
    clinician_led: bool = False
    delivery: str | None = None
    in_clinic: bool = False
    dose_level: DoseLevel | None = None
    confirmed_only: bool = False
    in_network_only: bool = False
    sort: SortKey = "total"
    reverse: bool = False
    limit: int | None = None


class InsuranceAsk(NamedTuple):
    """The carrier a person named, resolved once for every provider."""

    query: str  # as typed
    carrier: str | None  # the listed carrier it names in the state; None when no provider lists it there
    shown: str  # the name to show: the listed carrier's name where the query names exactly one, else the query


def availability(provider: RankedProviderDoc, state: str) -> Availability:
    info = provider["availability"]
    return served_in(info["states_known"], info["list_complete"], state)


def served_in(states_known: Collection[str], list_complete: bool, state: str) -> Availability:
    """Three-valued: only a complete list can say 'not served'."""
    if state in states_known:
        return "served"
    return "not_served" if list_complete else "unknown"


def insurance_status(provider: RankedProviderDoc, state: str, ask: InsuranceAsk) -> bool:
    """Whether this provider takes the asked carrier in the state."""
    insurance = provider["insurance"]
    return bool(insurance["accepted"] and ask.carrier in insurance["carriers_by_state"].get(state, []))
