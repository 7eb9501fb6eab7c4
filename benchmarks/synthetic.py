"""Synthetic catalogues of N providers, modelled on the real four, for the scale benchmarks."""

from __future__ import annotations

import copy
import random
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from ketacli.states import STATE_CODES

ROOT = Path(__file__).resolve().parents[1]
_LEAN_DROP = ("pros", "cons", "support", "add_ons", "inconsistencies", "notes")


def synthetic_document(count: int, seed: int = 7) -> dict[str, Any]:
    """The shipped catalogue with `count` providers: clones of the real ones, prices and states varied."""
    rng = random.Random(seed)
    base = tomllib.loads((ROOT / "providers.toml").read_text(encoding="utf-8"))
    templates = base["providers"]
    providers = []
    for index in range(count):
        clone = copy.deepcopy(templates[index % len(templates)])
        for key in _LEAN_DROP:
            clone.pop(key, None)
        clone["id"] = f"provider-{index}"
        clone["name"] = f"Provider {index}"
        clone["summary"] = "Synthetic provider for benchmarks."
        clone["sources"] = clone["sources"][:1]
        _drop_long_text(clone)
        factor = rng.uniform(0.8, 1.2)
        for plan in clone.get("plans", []):
            plan["price"] = round(plan["price"] * factor)
            for key in ("per_dose_stated", "installments", "insured_installments", "returning_per_dose_stated"):
                plan.pop(key, None)
            if isinstance(plan["returning_price"], int):
                plan["returning_price"] = round(plan["returning_price"] * factor)
        for sub in clone.get("subscriptions", []):
            sub["price"] = round(sub["price"] * factor)
            sub.pop("per_dose_stated", None)
        states = sorted(rng.sample(sorted(STATE_CODES), rng.randint(5, 40)))
        availability = clone["availability"]
        availability["states_known"] = states
        availability["states_reported"] = len(states) if availability["list_complete"] else len(states) + 3
        insurance = clone["insurance"]
        if insurance.get("carriers_by_state"):
            insurance["carriers_by_state"] = {s: ["Aetna", "Zelis"] for s in states[:5]}
        for clinic in availability.get("in_clinic", []):
            clinic["state"] = states[0]
        providers.append(clone)
    base["providers"] = providers
    return base


def _drop_long_text(provider: dict[str, Any]) -> None:
    """Keep every field pricing and filtering read; drop optional prose, as a large directory would."""
    for section, keys in {
        "availability": ("note",),
        "insurance": ("reimbursement", "notes"),
        "financing": ("notes", "approval_note"),
        "consultation": ("note",),
        "care": ("integration_note", "monitoring"),
        "continuation": ("note",),
    }.items():
        for key in keys:
            provider.get(section, {}).pop(key, None)
    for plan in provider.get("plans", []):
        plan.pop("intended_for", None)
        plan.get("financing", {}).pop("note", None)
    for clinic in provider["availability"].get("in_clinic", []):
        clinic.pop("note", None)


def write_synthetic(path: Path, count: int) -> Path:
    path.write_text(tomli_w.dumps(synthetic_document(count)), encoding="utf-8")
    return path
