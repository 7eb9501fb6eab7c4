"""Exact money: integer cents inside, dollars outside.

Catalogue prices arrive as validated numbers with at most two decimals; all arithmetic is done on
integer cents so no float rounding can creep in.
"""

from __future__ import annotations

from decimal import Decimal


def to_cents(amount: int | float | str | Decimal) -> int:
    """Dollars (as validated in the catalogue) to integer cents, exactly."""
    if type(amount) is int:  # most prices: whole dollars, no Decimal needed (a ranking converts ~40,000)
        return amount * 100
    value = Decimal(str(amount)) * 100
    if value != value.to_integral_value():
        raise ValueError(f"{amount!r} has more than two decimal places")
    return int(value)


def cents_to_json(cents: int) -> int | float:
    """A JSON number in dollars: an int when whole, else the float whose repr is the exact amount."""
    if cents % 100 == 0:
        return cents // 100
    return float(Decimal(cents) / 100)


def format_usd(cents: int, *, always_cents: bool = False) -> str:
    """'$1,098' or '$137.25' (cents shown only when not whole, unless always_cents)."""
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(cents), 100)
    if rest or always_cents:
        return f"{sign}${dollars:,}.{rest:02d}"
    return f"{sign}${dollars:,}"


def per_dose_cents(total_cents: int, doses: int) -> int:
    """Total ÷ doses rounded half-up to the cent (display and per-dose checks only)."""
    return (total_cents * 2 + doses) // (doses * 2)
