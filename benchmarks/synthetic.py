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


def synthetic_document(count: int, seed: int = 7, *, serving: str | None = None) -> dict[str, Any]:
    """The shipped catalogue with `count` providers: clones of the real ones with all their prose (summaries,
    pros and cons, notes, sources, refund ladders), prices and states varied. Only the figures that must
    agree with a varied price (stated per-dose prices, installment schedules) are dropped. `serving`: a state
    every provider lists (the worst case for a question about it: nobody is left out)."""
    rng = random.Random(seed)
    base = tomllib.loads((ROOT / "providers.toml").read_text(encoding="utf-8"))
    templates = base["providers"]
    providers = []
    for index in range(count):
        clone = copy.deepcopy(templates[index % len(templates)])
        clone["id"] = f"{clone['id']}-{index}"
        clone["name"] = f"{clone['name']} {index}"
        factor = rng.uniform(1.0, 1.3)  # never below the real price: refund charges stay within it
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
        if serving is not None and serving not in states:
            states = sorted([*states[1:], serving])
        availability = clone["availability"]
        availability["states_known"] = states
        availability["states_reported"] = len(states) if availability["list_complete"] else len(states) + 3
        insurance = clone["insurance"]
        if insurance.get("carriers_by_state"):
            carriers = list(insurance["carriers_by_state"].values())
            insurance["carriers_by_state"] = {s: carriers[i % len(carriers)] for i, s in enumerate(states)}
        for clinic in availability.get("in_clinic", []):
            clinic["state"] = states[0]
        providers.append(clone)
    base["providers"] = providers
    return base


def write_synthetic(path: Path, count: int, *, serving: str | None = None) -> Path:
    path.write_text(tomli_w.dumps(synthetic_document(count, serving=serving)), encoding="utf-8")
    return path
