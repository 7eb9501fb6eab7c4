"""Money paid ahead of the service: for one purchase and its way of paying, what is due before the first
session, the most paid at any time for sessions not yet delivered, and what falls due after a rule's end date
for someone who starts today. This is what a provider's closure, a rule's end or a refusal puts at risk.

Pure and exact (cents). From the catalogue's payment facts only: an installment plan's first payment counts
where a source says when it is taken; how far payments run ahead of sessions counts where a source gives the
pace (Innerwell's insured plans for non-covered services: billed monthly whatever the treatment's
pace). A price with no payment schedule is paid when bought. Anything else is None: unknown, never a guess.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NamedTuple

from .money import to_cents
from .rules import months_after

if TYPE_CHECKING:
    from .document import InstallmentsDoc, RankedProviderDoc
    from .pricing import LineItem, Option, Purchase


class PaidAhead(NamedTuple):
    """Cents; None where the sources do not say."""

    before_first_session: int | None
    most_ahead: int | None  # the most paid at one time for sessions not yet delivered
    due_after_rule_end: int | None  # of the first purchase, for someone starting today; None: no end date or unknown


def schedule_of(provider: RankedProviderDoc, option: Option) -> InstallmentsDoc | None:
    """The installment facts behind an option's payment schedule (first payment, pace), where it has one."""
    if option.kind != "plan" or option.installments is None:
        return None
    plan = next((p for p in provider["plans"] if p["id"] == option.key), None)
    if plan is None:
        return None
    return plan["insured_installments"] if option.basis == "insured" else plan["installments"]


def ahead_of(price: int, schedule: InstallmentsDoc | None) -> tuple[int | None, int | None]:
    """For one thing bought at `price` (cents) and paid by `schedule` (None: paid when bought): what is due before
    its first session, and the most paid at one time for its sessions not yet delivered."""
    if schedule is None:
        return price, price  # paid when bought, and sessions follow the purchase (a subscription: one period)
    amount = to_cents(schedule["amount"])
    before = amount if schedule["first_due"] == "checkout" else None
    if schedule["pace"] == "sessions":
        return before, amount  # each payment pays for its next sessions
    if schedule["pace"] == "calendar":
        return before, price  # billed on the calendar: every payment may come before its sessions
    return before, None


def upfront_of(provider: RankedProviderDoc, option: Option) -> int | None:
    """What `option`, bought first, asks before the first session; None: the sources do not say."""
    return _ahead(provider, option)[0]


def _ahead(provider: RankedProviderDoc, option: Option) -> tuple[int | None, int | None]:
    if option.installments is None:
        return ahead_of(option.price, None)
    schedule = schedule_of(provider, option)
    return (None, None) if schedule is None else ahead_of(option.price, schedule)


def paid_ahead(
    provider: RankedProviderDoc, purchase: Purchase, today: dt.date | None, rule_ends: dt.date | None
) -> PaidAhead:
    """What a purchase asks ahead of its sessions. Items are bought in turn, so the most ahead is the largest
    one item asks; only the first purchase is placed in time (when later ones are bought is not known). Without
    `today` or a rule's end date, nothing is said of what falls due after it."""
    first = purchase.items[0]
    aheads = [_ahead(provider, item.option)[1] for item in purchase.items]
    most = None if any(a is None for a in aheads) else max(a for a in aheads if a is not None)
    return PaidAhead(
        before_first_session=_ahead(provider, first.option)[0],
        most_ahead=most,
        due_after_rule_end=None if rule_ends is None or today is None else _due_after(first, today, rule_ends),
    )


def _due_after(item: LineItem, today: dt.date, ends: dt.date) -> int:
    """The first purchase's payments that fall after `ends`, paid monthly from today (a subscription: one period
    a month, for every period bought; installments: one a month; no schedule: all today). A plan bought twice
    counts once: the second is another purchase, made when the first is used up."""
    option = item.option
    if option.kind == "subscription":
        return months_after(today, item.quantity, ends) * option.price
    if option.installments is None:
        return option.price if today > ends else 0
    count, amount = option.installments
    return months_after(today, count, ends) * amount
