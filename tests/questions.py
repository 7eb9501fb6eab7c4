"""Random questions (`Criteria`) for the property tests: one strategy per part of a question, shared by every
test that draws them, so a new flag is drawn everywhere once it is added here."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from ketacli.criteria import Criteria

STATES = ["TX", "CA", "NY", "WY", "ID", "MT", "FL"]

PARTS: dict[str, st.SearchStrategy[Any]] = {
    "state": st.sampled_from([None, *STATES]),
    "doses": st.one_of(st.none(), st.integers(1, 60)),
    "returning": st.booleans(),
    "pay_in_full": st.booleans(),
    "insurance": st.sampled_from([None, "aetna", "cigna", "humana"]),
    "budget": st.one_of(st.none(), st.integers(0, 400_000)),
    "monthly_budget": st.one_of(st.none(), st.integers(0, 60_000)),
    "max_upfront": st.one_of(st.none(), st.integers(0, 200_000)),
    "hsa_fsa": st.booleans(),
    "financing": st.booleans(),
    "free_consult": st.booleans(),
    "no_sitter": st.booleans(),
    "id_verified": st.booleans(),
    "clinician_led": st.booleans(),
    "delivery": st.sampled_from([None, "tablet", "troche", "injection", "infusion"]),
    "in_clinic": st.booleans(),
    "dose_level": st.sampled_from([None, "standard", "very_low"]),
    "confirmed_only": st.booleans(),
    "in_network_only": st.booleans(),
    "sort": st.sampled_from(["total", "per-dose", "states", "name"]),
    "reverse": st.booleans(),
    "limit": st.one_of(st.none(), st.integers(0, 6)),
}


def _question(**asked: Any) -> Criteria:
    return Criteria(**asked)  # the parts not drawn stay at their defaults (st.builds would draw them too)


def questions(*names: str, **overrides: st.SearchStrategy[Any]) -> st.SearchStrategy[Criteria]:
    """Questions drawing only the named parts (every part when none is named), with `overrides` for some."""
    drawn = {name: PARTS[name] for name in names or PARTS}
    return st.builds(_question, **{**drawn, **overrides})
