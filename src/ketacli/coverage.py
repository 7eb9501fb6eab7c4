"""Pure queries about places and coverage: who serves a state, the state matrix, insurance by state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .carriers import matching_carriers
from .criteria import availability
from .filters import insurance_alternatives
from .states import STATE_NAMES

if TYPE_CHECKING:
    import datetime as dt

    from .document import ProviderDoc, RuleDoc


def provider_summary(provider: ProviderDoc) -> dict[str, Any]:
    info = provider["availability"]
    return {
        "id": provider["id"],
        "name": provider["name"],
        "states_reported": info["states_reported"],
        "states_known": len(info["states_known"]),
        "list_complete": info["list_complete"],
    }


def state_matrix(providers: list[ProviderDoc]) -> list[dict[str, Any]]:
    """Every state (50 + DC) with each provider's three-valued availability and the counts."""
    rows = []
    for code, name in sorted(STATE_NAMES.items(), key=lambda item: item[1]):
        marks = {p["id"]: availability(p, code) for p in providers}
        rows.append(
            {
                "state": code,
                "name": name,
                "providers": marks,
                "served": sum(v == "served" for v in marks.values()),
                "not_served": sum(v == "not_served" for v in marks.values()),
                "unknown": sum(v == "unknown" for v in marks.values()),
            }
        )
    return rows


def state_detail(providers: list[ProviderDoc], code: str, rules: list[RuleDoc], today: dt.date) -> dict[str, Any]:
    """Who serves one state, who does not, who is unknown, in-person options and accepted carriers there, and the
    state's own rules on prescribing by telemedicine (none recorded is not "none": not every state is surveyed)."""
    from .rules import state_rules

    groups: dict[str, list[str]] = {"served": [], "not_served": [], "unknown": []}
    for provider in providers:
        groups[availability(provider, code)].append(provider["id"])
    in_clinic = [
        {
            "provider": p["id"],
            "offers": clinic["offers"],
            "ketamine_sessions": clinic["ketamine_sessions"],
            "note": clinic.get("note"),
        }
        for p in providers
        for clinic in p["availability"]["in_clinic"]
        if clinic["state"] == code
    ]
    carriers = {
        p["id"]: p["insurance"]["carriers_by_state"][code]
        for p in providers
        if code in p["insurance"]["carriers_by_state"]
    }
    law = [{"rule": r["id"], "in_short": r["in_short"], "requires": r["requires"], "citation": r["citation"]}
           for r in state_rules(rules, code, today)]  # fmt: skip
    return {"state": code, "name": STATE_NAMES[code], **groups, "in_clinic": in_clinic, "insurance": carriers,
            "state_law": law}  # fmt: skip


def insurance_rows(providers: list[ProviderDoc], state: str | None, carrier: str | None) -> list[dict[str, Any]]:
    """Which providers accept insurance, where and from whom; for the rest, what one can do instead."""
    rows = []
    for provider in providers:
        insurance = provider["insurance"]
        by_state = insurance["carriers_by_state"]
        if state is not None:
            by_state = {state: by_state[state]} if state in by_state else {}
        if carrier is not None:
            by_state = {s: matched for s, cs in by_state.items() if (matched := matching_carriers(carrier, cs))}
        served = availability(provider, state) if state is not None else None
        if served == "not_served":  # compare's rule: a provider that does not serve the state is left out
            continue
        rows.append(
            {
                "id": provider["id"],
                "name": provider["name"],
                "availability": served,
                "accepts_insurance": insurance["accepted"],
                "carriers_by_state": by_state,
                "hsa_fsa": insurance["hsa_fsa"],
                "superbill": insurance["superbill"],
                "reimbursement": insurance.get("reimbursement"),
                "instead": insurance_alternatives(insurance),
                "notes": insurance["notes"],
            }
        )
    return rows
