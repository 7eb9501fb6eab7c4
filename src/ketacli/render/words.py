"""The human wording of coded values, in one place: tables, `show`, `refunds` and the report all use these."""

from __future__ import annotations

from typing import Any

# What a person loses if a clinician finds them ineligible (refunds.if_found_ineligible's answers).
IF_INELIGIBLE = {
    "nothing_paid": "nothing paid yet (free evaluation)",
    "full": "full refund",
    "unknown": "unknown",
}


def if_ineligible_words(value: str) -> str:
    """An answer code in words; the catalogue's own wording (provider-level statements) as it is."""
    return IF_INELIGIBLE.get(value, value)


def _money(dollars: float | int) -> str:
    from . import usd

    return usd(dollars)


def _result(case: dict[str, Any]) -> str:
    if case["you_owe"]:
        return f"you still owe {_money(case['you_owe'])}"
    return f"you get back {_money(case['you_get_back'])}"


def settlement_words(by: dict[str, Any]) -> str:
    """One way of paying at one refund stage: what you have paid by then and what you get back or still owe,
    only as far as the payment schedule says; otherwise the rule in words."""
    if by["rule"]:
        return f"{by['words']}: {by['rule']}"
    parts = []
    for case in by["cases"]:
        if by["paid_by_then"] is not None:
            parts.append(f"you have paid {_money(case['paid'])}, {_result(case)}")
        else:
            count = case["installments_paid"]
            plural = "s" if count != 1 else ""
            parts.append(f"after {count} installment{plural} ({_money(case['paid'])} paid), {_result(case)}")
    return f"{by['words']}: {'; '.join(parts)}"


def charge_words(stage: dict[str, Any], outcome: dict[str, Any]) -> str:
    """What a refund policy charges in total at one stage, for one of its outcomes."""
    if stage["outcome"] == "full_refund":
        return "full refund: you are charged nothing"
    if stage["outcome"] == "no_refund":
        return "no refund"
    condition = f" ({outcome['condition']})" if outcome["condition"] else ""
    return f"you are charged {_money(outcome['charged'])} in total{condition}"
