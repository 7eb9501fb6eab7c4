"""The human wording of coded values, in one place: tables, `show`, `refunds` and the report all use these."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ketacli.fields import ChargeJson, Row
    from ketacli.refunds import ByPayment, Outcome, Settlement, Stage

# Whether a provider serves the state asked about (criteria.availability); None: no state was asked.
AVAILABILITY = {"served": "yes", "not_served": "no", "unknown": "unconfirmed", None: "—"}
DOSE_LEVEL = {"standard": "standard", "very_low": "very low"}
# The price basis when a carrier was asked about: short in terminal tables, spelled out in the report.
INSURANCE = {"accepted": "insured", "not_accepted": "self-pay", None: "—"}
INSURANCE_IN_FULL = {"accepted": "insured (in network)", "not_accepted": "self-pay (out of network)", None: "self-pay"}


def availability_words(value: str | None) -> str:
    return AVAILABILITY[value]


# What a person loses if a clinician finds them ineligible (refunds.if_found_ineligible's answers).
IF_INELIGIBLE = {
    "nothing_paid": "nothing paid yet (free evaluation)",
    "full": "full refund",
    "unknown": "unknown",
}


def address_words(url: str) -> str:
    """A source's address, or plainly that none was recorded ("unaddressed"), never a bare "unknown"."""
    return url if url.startswith(("https://", "http://")) else "address not recorded"


def if_ineligible_words(value: str) -> str:
    """An answer code in words; the catalogue's own wording (provider-level statements) as it is."""
    return IF_INELIGIBLE.get(value, value)


def _money(dollars: float | int) -> str:
    from . import usd

    return usd(dollars)


def _result(case: Settlement) -> str:
    if case["you_owe"]:
        return f"you still owe {_money(case['you_owe'])}"
    return f"you get back {_money(case['you_get_back'])}"


def settlement_words(by: ByPayment) -> str:
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


def charge_words(stage: Stage, outcome: Outcome) -> str:
    """What a refund policy charges in total at one stage, for one of its outcomes."""
    if stage["outcome"] == "full_refund":
        return "full refund: you are charged nothing"
    charged = outcome["charged"]
    if stage["outcome"] == "no_refund" or charged is None:  # the policy keeps what was paid
        return "no refund"
    condition = f" ({outcome['condition']})" if outcome["condition"] else ""
    return f"you are charged {_money(charged)} in total{condition}"


def shipment_loss_words(charges: list[ChargeJson] | None) -> str:
    """What stopping after the first medicine shipment costs: '$627', '$450 or $615 (…)', or 'unknown'."""
    if charges is None:
        return "unknown"
    amounts = sorted({c["amount"] for c in charges})
    if len(amounts) == 1:
        return _money(amounts[0])
    return " or ".join(_money(a) for a in amounts) + ", by what you have completed"


def at_risk_words(row: Row) -> str:
    """A row's money at risk, for its own first plan: if found ineligible, and if you stop after the first
    medicine shipment."""
    stop = shipment_loss_words(row["lose_if_stopped_after_first_shipment"])
    return f"found ineligible: {if_ineligible_words(row['refund_if_ineligible'])}; stop after 1st shipment: {stop}"


def ahead_words(before: float | None, most: float | None) -> str:
    """Money paid ahead of the service, in words: what is due before the first session, and the most paid at
    one time for sessions not yet delivered; what the sources do not say, said so."""
    from . import usd

    first = (
        f"{usd(before)} before the first session"
        if before is not None
        else "what is due before the first session is not stated"
    )
    later = (f"at most {usd(most)} at a time for sessions not yet delivered" if most is not None
             else "how much is paid ahead of sessions later is not stated")  # fmt: skip
    return f"{first}; {later}"


def monthly_words(row: Row) -> str:
    """What a row asks in a month, said as it fits: financing (subject to approval) where only financing fits,
    the least a month where every item states one, each item's whole price where some state none."""
    from . import usd

    records = row["note_records"]
    financed = next((r for r in records if r["kind"] == "financing_fits"), None)
    if financed is not None:
        return f"from {usd(financed['amount'])} a month through financing (subject to approval)"
    monthly = row.get("lowest_monthly_payment")
    if monthly is not None:
        return f"{usd(monthly)} a month at the least"
    return (
        "each item's whole price within the month"
        if any(r["kind"] == "no_monthly_stated" for r in records)
        else "not stated"
    )
