"""The pricing engine: the cheapest way to get at least N doses at one provider. Pure and exact.

A provider offers purchase options: plans (fixed doses for a price), subscription periods, and
continuation sessions (one dose each, only after a completed plan). A new client's first purchase is a
plan or a subscription period at its new-client price; later purchases may use returning-client prices,
continuation sessions, or a plan again at its list price. A returning client buys from the later options
from the start.

Money is integer cents. The search is exact without enumerating combinations: let b be the later option
with the lowest price per dose, ties going to the one with the most doses. In a cheapest basket, any d_b
other items contain a subset whose doses sum to a multiple of d_b (pigeonhole on prefix sums), which b's
can replace at no extra cost, no extra surplus and no more items (no more items because, on a tie in
price per dose, b has at least as many doses as any item it replaces). So some best basket has fewer
than d_b non-b items, whose exact dose sum before the last item is below the need. A table of the
cheapest exact-dose baskets of the other options, below both the need and (d_b - 1) × their largest
dose, then either topped up with b's or finished by one other option that crosses the need, finds it:
the work is bounded by the doses asked for, never by a plan's size. Ties break on fewer surplus doses,
then fewer items.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal, NamedTuple

from .money import per_dose_cents, to_cents
from .vocabulary import MAX_DOSES

if TYPE_CHECKING:
    from .document import InstallmentsDoc, PlanDoc, RankedProviderDoc


# Value types are NamedTuples rather than dataclasses: they are built on every run, and a dataclass
# costs about ten times as much to define (start-up time, see benchmarks/).
PriceBasis = Literal["list", "insured", "returning", "pay_in_full", "continuation"]
OptionKind = Literal["plan", "subscription", "continuation"]


class Option(NamedTuple):
    """One thing a client can buy, at the price that applies to them."""

    key: str
    name: str
    kind: OptionKind
    doses: int
    price: int
    basis: PriceBasis
    installments: tuple[int, int] | None = None  # (count, amount in cents) when paid over time
    returning_price_unknown: bool = False

    @property
    def description(self) -> str:
        if self.kind == "continuation":
            return "continuation session"
        if re.search(rf"(?<!\d){self.doses}(?!\d)", self.name):  # the name states the count ("6-session ...")
            return self.name
        return (
            f"{self.name} ({self.doses} doses)" if self.kind == "subscription" else f"{self.doses}-session {self.name}"
        )


class LineItem(NamedTuple):
    option: Option
    quantity: int  # how many of the option (JSON: "count")

    @property
    def doses(self) -> int:
        return self.option.doses * self.quantity

    @property
    def subtotal(self) -> int:
        return self.option.price * self.quantity


class Purchase(NamedTuple):
    """The cheapest basket for a requested dose count (made by `Purchase.of`, which sums it once: a ranking
    reads its total and doses many times per row)."""

    doses_requested: int
    items: tuple[LineItem, ...]
    total: int  # cents
    doses_covered: int

    @classmethod
    def of(cls, doses_requested: int, items: tuple[LineItem, ...]) -> Purchase:
        return cls(doses_requested, items, sum(i.subtotal for i in items), sum(i.doses for i in items))

    @property
    def surplus(self) -> int:
        return self.doses_covered - self.doses_requested

    @property
    def unit_count(self) -> int:
        return sum(item.quantity for item in self.items)

    @property
    def per_dose(self) -> int:
        return per_dose_cents(self.total, self.doses_covered)

    @property
    def bases(self) -> set[str]:
        return {item.option.basis for item in self.items}

    def describe(self) -> str:
        parts = []
        for item in self.items:
            if item.option.kind == "continuation":  # "3 continuation sessions", not "3 × continuation session"
                parts.append(f"{item.quantity} continuation session{'s' if item.quantity != 1 else ''}")
                continue
            prefix = f"{item.quantity} × " if item.quantity > 1 else ""
            suffix = " (returning price)" if item.option.basis == "returning" else ""
            parts.append(f"{prefix}{item.option.description}{suffix}")
        return " + ".join(parts)


class OptionSet(NamedTuple):
    first: tuple[Option, ...]  # what a new client may buy first
    later: tuple[Option, ...]  # what may follow (and what a returning client buys)


def purchase_options(
    provider: RankedProviderDoc, *, returning: bool = False, insured: bool = False, pay_in_full: bool = False
) -> OptionSet:
    """The options and prices that apply to one client at one provider (a validated provider dict)."""
    stated_saving = provider["pay_in_full_saving"]
    saving = to_cents(stated_saving) if pay_in_full and stated_saving else 0
    first: list[Option] = []
    later: list[Option] = []
    for plan in provider["plans"]:
        candidates = _plan_prices(plan, insured=insured, saving=saving)
        first.append(min(candidates, key=lambda o: o.price))
        returning_price = plan["returning_price"]
        if returning_price == "not_offered":
            continue
        if returning_price == "unknown":
            later.append(min(candidates, key=lambda o: o.price)._replace(returning_price_unknown=True))
        else:
            candidates.append(
                Option(plan["id"], plan["name"], "plan", plan["doses"], to_cents(returning_price), "returning")
            )
            later.append(min(candidates, key=lambda o: o.price))
    for sub in provider["subscriptions"]:
        option = Option(sub["id"], sub["name"], "subscription", sub["doses_per_period"], to_cents(sub["price"]), "list")
        first.append(option)
        later.append(option)
    continuation = provider["continuation"]
    if continuation:
        later.append(
            Option(
                "continuation",
                "continuation session",
                "continuation",
                1,
                to_cents(continuation["price_per_session"]),
                "continuation",
            )
        )
    return OptionSet(tuple(later if returning else first), tuple(later))


def _plan_prices(plan: PlanDoc, *, insured: bool, saving: int) -> list[Option]:
    def option(price: int, basis: PriceBasis, schedule: InstallmentsDoc | None = None) -> Option:
        return Option(plan["id"], plan["name"], "plan", plan["doses"], price, basis, _schedule(schedule))

    price = to_cents(plan["price"])
    if saving:
        prices = [option(max(price - saving, 0), "pay_in_full")]
    else:
        prices = [option(price, "list", plan["installments"])]
    insured_price = plan["insured_price"]
    if insured and insured_price is not None:
        prices.append(option(to_cents(insured_price), "insured", plan["insured_installments"]))
    return prices


def _schedule(installments: InstallmentsDoc | None) -> tuple[int, int] | None:
    return (installments["count"], to_cents(installments["amount"])) if installments else None


class Basket(NamedTuple):
    """A candidate purchase while searching: its cost, doses over the need, item count and (option, count) pairs."""

    cost: int
    surplus: int
    units: int
    items: tuple[tuple[Option, int], ...]

    def rank(self) -> tuple[int, int, int]:
        """Cheaper first; then fewer surplus doses; then fewer items."""
        return (self.cost, self.surplus, self.units)


def cheapest(options: OptionSet, doses: int, *, returning: bool = False) -> Purchase | None:
    """The cheapest basket with at least `doses` doses, or None when no basket can be bought."""
    if not 1 <= doses <= MAX_DOSES:
        raise ValueError(f"doses must be between 1 and {MAX_DOSES}")
    if not options.later and (returning or not options.first):
        return None
    table = _TopUpTable(options.later, doses) if options.later else None
    if returning:
        assert table is not None
        found = table.best(doses)
        return Purchase.of(doses, _merge(found.items)) if found else None
    best: Basket | None = None
    for first in options.first:
        needed = doses - first.doses
        rest = Basket(0, -needed, 0, ()) if needed <= 0 else table.best(needed) if table else None
        if rest is None:
            continue
        candidate = Basket(first.price + rest.cost, rest.surplus, 1 + rest.units, ((first, 1), *rest.items))
        if best is None or candidate.rank() < best.rank():
            best = candidate
    return Purchase.of(doses, _merge(best.items)) if best else None


class _TopUpTable:
    """Cheapest baskets of later options covering at least m doses, for any m up to max_needed.

    b, the top-up, is the option with the lowest price per dose; the others fill an exact-dose table
    below the need (sums of fewer than d_b items, by the docstring's argument, so at most (d_b - 1) × their
    largest dose). The table never holds a sum at or above the need, so its size is bounded by the doses
    asked for (at most MAX_DOSES), never by how many doses one plan holds.
    """

    def __init__(self, options: tuple[Option, ...], max_needed: int) -> None:
        # Ties on price per dose go to the option with the most doses: the "no more items" step of the
        # argument in the module docstring relies on it.
        from fractions import Fraction  # exact price per dose; only rankings that ask for doses need it

        self.top_up = min(options, key=lambda o: (Fraction(o.price, o.doses), -o.doses))
        self.others = [o for o in options if o is not self.top_up]
        largest = max((o.doses for o in self.others), default=0)
        limit = min((self.top_up.doses - 1) * largest, max_needed - 1)
        # cost[e], units[e]: the cheapest exact-e-dose basket of the other options; last[e] rebuilds it.
        self.cost: list[int | None] = [0] + [None] * limit
        self.units = [0] * (limit + 1)
        self.last: list[Option | None] = [None] * (limit + 1)
        for e in range(1, limit + 1):
            for option in self.others:
                prev = e - option.doses
                previous_cost = self.cost[prev] if prev >= 0 else None
                if previous_cost is None:
                    continue
                cost, units = previous_cost + option.price, self.units[prev] + 1
                current = self.cost[e]
                if current is None or (cost, units) < (current, self.units[e]):
                    self.cost[e], self.units[e], self.last[e] = cost, units, option

    def best(self, needed: int) -> Basket | None:
        """The cheapest basket covering `needed` doses: an exact table sum e < needed, then either enough
        top-ups or one more other option that crosses the need."""
        b = self.top_up
        best: tuple[tuple[int, int, int], int, Option | None, int] | None = None  # rank, e, crossing option, k
        for e, cost in enumerate(self.cost):
            if cost is None or e >= needed:
                continue
            k = -(-(needed - e) // b.doses)  # ceiling division: the fewest top-ups covering what is left
            candidates: list[tuple[tuple[int, int, int], Option | None, int]] = [
                ((cost + k * b.price, e + k * b.doses - needed, self.units[e] + k), None, k)
            ]
            candidates += [
                ((cost + o.price, e + o.doses - needed, self.units[e] + 1), o, 0)
                for o in self.others
                if e + o.doses >= needed
            ]
            for rank, crossing, count in candidates:
                if best is None or rank < best[0]:
                    best = (rank, e, crossing, count)
        if best is None:
            return None
        (total, surplus, units), e, crossing, k = best
        counts: dict[Option, int] = {}
        while e:
            option = self.last[e]
            assert option is not None
            counts[option] = counts.get(option, 0) + 1
            e -= option.doses
        if crossing is not None:
            counts[crossing] = counts.get(crossing, 0) + 1
        if k:
            counts[b] = counts.get(b, 0) + k
        return Basket(total, surplus, units, tuple(counts.items()))


def _merge(items: tuple[tuple[Option, int], ...]) -> tuple[LineItem, ...]:
    """Group (option, count) pairs bought at the same price into line items, in the order first bought."""
    groups: dict[tuple[str, str, int, str, int], list[tuple[Option, int]]] = {}
    for option, count in items:
        groups.setdefault((option.key, option.kind, option.doses, option.basis, option.price), []).append(
            (option, count)
        )
    # Keep the flag that a repeat was priced at list price for want of a known returning price.
    return tuple(
        LineItem(next((o for o, _ in same if o.returning_price_unknown), same[0][0]), sum(c for _, c in same))
        for same in groups.values()
    )
