"""The money limits a question sets on a purchase, searched over every purchase (issue #40): a monthly budget
(every item payable within a month: its whole price, a subscription's period, an installment, or a financing
minimum a source states) and a limit on what is due before the first session (the first item's upfront,
where a source says when it is taken). The cheapest purchase that fits every limit asked is found by one
search: the options that cannot fit are left out of the option set before `pricing.cheapest` runs. A
returning client buys no first option, so for them the limit on what is due first is judged on the purchase
found. Pure and exact (cents); "not stated" never fits a limit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from .ahead import upfront_of
from .money import format_usd, to_cents
from .pricing import OptionSet

if TYPE_CHECKING:
    from .document import RankedProviderDoc
    from .pricing import Option, Purchase


class Limits(NamedTuple):
    """The limits asked, in cents; None: not asked."""

    monthly: int | None
    upfront: int | None

    def asked(self) -> bool:
        return self.monthly is not None or self.upfront is not None


def option_monthly(provider: RankedProviderDoc, option: Option) -> int | None:
    """The smallest monthly amount a source states for one option: a subscription's price, its installment
    (at the option's price basis), or a financing minimum, only for the plans whose source names it: a plan's
    own, else the provider's, which covers packages only, and only when no package states its own. None:
    not stated."""
    amounts = [a for a in (stated_monthly(option), financing_monthly(provider, option)) if a is not None]
    return min(amounts) if amounts else None


def stated_monthly(option: Option) -> int | None:
    """The monthly amount the option itself states: a subscription's price, or its installment."""
    if option.kind == "subscription":
        return option.price
    return option.installments[1] if option.installments else None


def financing_monthly(provider: RankedProviderDoc, option: Option) -> int | None:
    """The financing minimum a month a source states for this plan (subject to approval); None: none stated.
    A subscription or a session is not financed."""
    if option.kind != "plan":
        return None
    plans = provider["plans"]
    plan = next((p for p in plans if p["id"] == option.key), None)
    financing_from = provider["financing"]["monthly_from"]
    if plan is not None and plan["financing"]:
        return to_cents(plan["financing"]["monthly_from"])
    if financing_from is not None and not any(p["financing"] for p in plans):
        return to_cents(financing_from)
    return None


def fits_month(provider: RankedProviderDoc, option: Option, budget: int) -> bool:
    """Paid within one month's budget: the whole price, or a stated monthly amount."""
    monthly = option_monthly(provider, option)
    return option.price <= budget or (monthly is not None and monthly <= budget)


def fits_upfront(provider: RankedProviderDoc, option: Option, limit: int) -> bool:
    """Bought first, what it asks before the first session is stated and within the limit."""
    upfront = upfront_of(provider, option)
    return upfront is not None and upfront <= limit


def within(provider: RankedProviderDoc, options: OptionSet, limits: Limits) -> OptionSet:
    """The options a purchase within `limits` may use: every item fits the month, and the first one bought
    fits the limit on what is due first."""
    first, later = options.first, options.later
    if limits.monthly is not None:
        budget = limits.monthly
        first = tuple(o for o in first if fits_month(provider, o, budget))
        later = tuple(o for o in later if fits_month(provider, o, budget))
    if limits.upfront is not None:
        cap = limits.upfront
        first = tuple(o for o in first if fits_upfront(provider, o, cap))
    return OptionSet(first, later)


def purchase_monthly_payment(provider: RankedProviderDoc, purchase: Purchase) -> int | None:
    """The least a person must be able to pay in a month for this purchase: every item's smallest stated
    monthly amount, the largest of them (each is paid in its turn). None when any item states none."""
    amounts = [option_monthly(provider, item.option) for item in purchase.items]
    return None if any(a is None for a in amounts) else max(a for a in amounts if a is not None)


def over_monthly_reason(provider: RankedProviderDoc, options: OptionSet, budget: int, goal: str, *,
                        returning: bool) -> str:  # fmt: skip
    """Why no purchase fits the monthly budget: the option that costs least in a month, and what it costs
    (its whole price where no monthly amount is stated: "not stated" is not "none")."""
    candidates = options.later if returning else options.first
    least = min(candidates, key=lambda o: (_month_cost(provider, o), o.price))
    monthly = option_monthly(provider, least)
    cost = (f"{format_usd(monthly)} a month" if monthly is not None
            else f"{format_usd(least.price)}, with no monthly payment stated in the sources")  # fmt: skip
    return f"no way to {goal} within {format_usd(budget)} a month: the least, {least.description}, costs {cost}"


def _month_cost(provider: RankedProviderDoc, option: Option) -> int:
    monthly = option_monthly(provider, option)
    return option.price if monthly is None else min(monthly, option.price)


def over_upfront_reason(provider: RankedProviderDoc, first_options: tuple[Option, ...], limit: int) -> str:
    """Why no first purchase fits the limit on what is due first: the least any asks, or that the sources do
    not say."""
    stated = [(upfront, o) for o in first_options if (upfront := upfront_of(provider, o)) is not None]
    if not stated:
        return "the sources do not say what is due before the first session"
    upfront, least = min(stated, key=lambda pair: (pair[0], pair[1].price))
    unstated = len(first_options) - len(stated)
    also = f"; for {unstated} other option{'s' if unstated != 1 else ''} the sources do not say" if unstated else ""
    return (f"asks at least {format_usd(upfront)} before the first session ({least.description}), over the "
            f"{format_usd(limit)} limit{also}")  # fmt: skip


def upfront_reason(upfront: int | None, limit: int) -> str | None:
    """A returning client's purchase, judged as found: what it asks first, against the limit."""
    if upfront is None:
        return "the sources do not say what is due before the first session"
    if upfront > limit:
        return f"asks {format_usd(upfront)} before the first session, over the {format_usd(limit)} limit"
    return None
