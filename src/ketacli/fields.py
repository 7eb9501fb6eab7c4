"""The one list of output fields: each row key, its JSON type, how it is read from an `Evaluation`, which
commands carry it, and, for a field shown as a column, its header, which views show it and how essential
it is on a narrow terminal. JSON and CSV rows, `--fields`, the row contract in docs/scripting.md (a test checks it),
the table and Markdown columns of `cost` and `compare` and the report's ranking table all come from
`FIELDS` (columns in `COLUMN_ORDER`); render/columns.py gives each column's cell its words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, NotRequired, TypedDict, cast

from .money import cents_to_json
from .rules import status_words

if TYPE_CHECKING:
    from .evaluation import Evaluation
    from .notes import Note
    from .pricing import Purchase
    from .refunds import Charge
    from .rules import RuleTouch

Dollars = int | float  # whole dollars as int, cents as float (money.cents_to_json)


class ItemJson(TypedDict):
    option: str
    description: str
    kind: str
    price_basis: str
    count: int
    doses: int
    unit_price: Dollars
    subtotal: Dollars
    installments: dict[str, Any] | None  # count, amount, period


class ChargeJson(TypedDict):
    amount: Dollars
    condition: str | None


class TouchJson(TypedDict):
    id: str
    authority: str
    status: str
    status_words: str
    forms: list[str]
    spared: list[str]


class Row(TypedDict):
    """One ranked provider as every view reads it: JSON and CSV as they are, tables and the report through
    render/columns.py. The keys are FIELDS' keys (tests/test_rows_for_people.py holds them equal, with their JSON
    types); `compare` carries the NotRequired ones, `cost` does not."""

    rank: int | None
    id: str
    name: str
    availability: str | None
    doses_requested: int | None
    doses: int | None
    surplus: int | None
    total: Dollars | None
    per_dose: Dollars | None
    purchase: str | None
    items: list[ItemJson]
    insurance: str | None
    insured_price: bool
    returning_price: bool
    dose_level: str
    refund_if_ineligible: str
    lose_if_ineligible: Dollars | None
    lose_if_stopped_after_first_shipment: list[ChargeJson] | None
    reimbursement_up_to: Dollars | None
    net_best_case: Dollars | None
    prescribing_rule_until: str | None
    rules_touching: list[TouchJson]
    paid_before_first_session: Dollars | None
    most_paid_ahead: Dollars | None
    due_after_rule_end: Dollars | None
    notes: list[str]
    note_records: list[dict[str, Any]]  # notes.Note.record(): kind, its values, text
    as_of: str
    states_served: NotRequired[int]
    states_list_complete: NotRequired[bool]
    per_dose_range: NotRequired[list[Dollars] | None]
    accepted_carriers: NotRequired[list[str] | None]
    hsa_fsa: NotRequired[str]
    financing: NotRequired[bool]
    lowest_monthly_payment: NotRequired[Dollars | None]
    consultation: NotRequired[str]
    sitter_required: NotRequired[bool | str]
    id_verification: NotRequired[str]
    integration: NotRequired[str]
    delivery: NotRequired[list[str]]
    in_clinic: NotRequired[list[str]]


Command = Literal["cost", "compare"]
BOTH: frozenset[Command] = frozenset({"cost", "compare"})
COMPARE: frozenset[Command] = frozenset({"compare"})

View = Literal["cost", "compare", "report"]  # where a field can be a column: two tables, and the report's
EVERY_VIEW: frozenset[View] = frozenset({"cost", "compare", "report"})
TABLES: frozenset[View] = frozenset({"cost", "compare"})


class Display(NamedTuple):
    """How a field is shown as a column. Priority 0 is essential: never hidden on a narrow terminal (it
    qualifies a figure); higher numbers are hidden first. A `footnote` column, when hidden, is listed under
    the table row by row, so what it says is never lost."""

    header: str
    priority: int = 0
    views: frozenset[View] = EVERY_VIEW
    justify: Literal["left", "right"] = "left"
    footnote: bool = False


class JsonType(NamedTuple):
    """A field's JSON type: in the row contract's words (docs/scripting.md), and the Python types its values may have."""

    words: str
    types: tuple[type, ...]

    def holds(self, value: object) -> bool:
        return type(value) in self.types  # exact: a bool is not an integer here

    def or_null(self) -> JsonType:
        return JsonType(f"{self.words} or null", (*self.types, type(None)))


INTEGER = JsonType("integer", (int,))
NUMBER = JsonType("number", (int, float))  # dollars: whole dollars as integers, cents as decimals
STRING = JsonType("string", (str,))
BOOLEAN = JsonType("boolean", (bool,))
LIST = JsonType("list", (list,))
BOOLEAN_OR_UNKNOWN = JsonType('boolean or "unknown"', (bool, str))


class OutputField(NamedTuple):
    key: str
    type: JsonType
    read: Callable[[Evaluation[Any]], Any]  # the JSON value (dollars as numbers, None for unknown)
    commands: frozenset[Command] = BOTH
    display: Display | None = None  # None: in JSON and CSV only


def _lost_if_ineligible(answer: Any) -> int | None:
    from .refunds import lost_if_ineligible  # loaded with the evaluation that made the row; not by a warm answer

    return lost_if_ineligible(answer)


def _money(cents: int | None) -> int | float | None:
    return None if cents is None else cents_to_json(cents)


def _bought(read: Callable[[Purchase], Any]) -> Callable[[Evaluation[Any]], Any]:
    """A field of the purchase, or None where no purchase could be priced."""
    return lambda e: None if e.purchase is None else read(e.purchase)


def _net(e: Evaluation[Any]) -> int | float | None:
    if e.purchase is None or e.money_back is None:
        return None
    return cents_to_json(max(e.purchase.total - e.money_back, 0))


def _price_range(e: Evaluation[Any]) -> list[int | float] | None:
    prices = e.option_prices
    return [cents_to_json(min(prices)), cents_to_json(max(prices))] if prices else None


FIELDS: list[OutputField] = [
    OutputField("rank", INTEGER, lambda e: e.rank, display=Display("#", justify="right")),
    OutputField("id", STRING, lambda e: e.provider["id"]),
    OutputField("name", STRING, lambda e: e.provider["name"], display=Display("Provider")),
    OutputField("availability", STRING.or_null(), lambda e: e.availability, display=Display("In state")),
    OutputField("doses_requested", INTEGER.or_null(), lambda e: e.criteria.doses),
    OutputField("doses", INTEGER, _bought(lambda p: p.doses_covered), display=Display("Doses", justify="right")),
    OutputField(
        "surplus",
        INTEGER.or_null(),
        lambda e: e.purchase.surplus if e.purchase and e.criteria.doses is not None else None,
    ),
    OutputField("total", NUMBER, _bought(lambda p: cents_to_json(p.total)), display=Display("Total", justify="right")),
    OutputField(
        "per_dose",
        NUMBER,
        _bought(lambda p: cents_to_json(p.per_dose)),
        display=Display("Per dose", 1, justify="right"),
    ),
    OutputField("purchase", STRING, _bought(lambda p: p.describe()), display=Display("What to buy", 2, footnote=True)),
    OutputField("items", LIST, lambda e: purchase_items(e.purchase) if e.purchase else []),
    # Essential: insured or self-pay qualifies the total. Empty (so not shown) when no carrier was asked about.
    OutputField("insurance", STRING.or_null(), lambda e: e.insurance, display=Display("Insurance")),
    OutputField("insured_price", BOOLEAN, lambda e: bool(e.purchase and "insured" in e.purchase.bases)),
    OutputField("returning_price", BOOLEAN, lambda e: bool(e.purchase and "returning" in e.purchase.bases)),
    OutputField("dose_level", STRING, lambda e: e.provider["dose_level"], display=Display("Dose level")),
    # One column says all three money-at-risk fields: what an ineligible person and an early stop lose.
    OutputField(
        "refund_if_ineligible",
        STRING,
        lambda e: e.refund_if_ineligible,
        display=Display("Money at risk", 5, footnote=True),
    ),
    OutputField("lose_if_ineligible", NUMBER.or_null(), lambda e: _money(_lost_if_ineligible(e.refund_if_ineligible))),
    OutputField("lose_if_stopped_after_first_shipment", LIST.or_null(), lambda e: _charges_json(e.first_shipment_loss)),
    OutputField(
        "reimbursement_up_to",
        NUMBER.or_null(),
        lambda e: _money(e.money_back),
        display=Display("Insurance claim", 3, TABLES),
    ),
    OutputField("net_best_case", NUMBER.or_null(), _net),
    OutputField("prescribing_rule_until", STRING.or_null(), lambda e: e.prescribing_rule_until),
    OutputField("rules_touching", LIST, lambda e: touches_json(e.rules_touching)),
    # Money paid ahead of the service (ahead.py): one column says the first two.
    OutputField(
        "paid_before_first_session",
        NUMBER.or_null(),
        lambda e: _money(e.paid_ahead.before_first_session if e.paid_ahead else None),
        display=Display("Paid ahead", 6),
    ),
    OutputField(
        "most_paid_ahead", NUMBER.or_null(), lambda e: _money(e.paid_ahead.most_ahead if e.paid_ahead else None)
    ),
    OutputField(
        "due_after_rule_end",
        NUMBER.or_null(),
        lambda e: _money(e.paid_ahead.due_after_rule_end if e.paid_ahead else None),
    ),
    # The table's Notes are the markers (returning price, extra doses, ...); the report lists the notes in full.
    OutputField("notes", LIST, lambda e: note_texts(e.notes), display=Display("Notes", 4, TABLES, footnote=True)),
    OutputField("note_records", LIST, lambda e: note_records(e.notes)),
    OutputField("as_of", STRING, lambda e: e.provider["as_of"]),
    OutputField("states_served", INTEGER, lambda e: e.provider["availability"]["states_reported"], COMPARE),
    OutputField("states_list_complete", BOOLEAN, lambda e: e.provider["availability"]["list_complete"], COMPARE),
    OutputField("per_dose_range", LIST.or_null(), _price_range, COMPARE),
    OutputField(
        "accepted_carriers",
        LIST.or_null(),
        lambda e: None if e.ask is None else [e.ask.carrier] if e.insurance == "accepted" else [],
        COMPARE,
    ),
    OutputField("hsa_fsa", STRING, lambda e: e.provider["insurance"]["hsa_fsa"], COMPARE, Display("HSA/FSA", 6)),
    OutputField("financing", BOOLEAN, lambda e: e.provider["financing"]["available"], COMPARE, Display("Financing", 8)),
    OutputField("lowest_monthly_payment", NUMBER.or_null(), lambda e: _money(e.monthly), COMPARE),
    OutputField("consultation", STRING, lambda e: e.provider["consultation"]["cost"], COMPARE),
    OutputField(
        "sitter_required",
        BOOLEAN_OR_UNKNOWN,
        lambda e: e.provider["care"]["sitter_required"],
        COMPARE,
        Display("Sitter", 7),
    ),
    OutputField(
        "id_verification", STRING, lambda e: e.provider["care"]["id_verification"], COMPARE, Display("ID check", 9)
    ),
    OutputField("integration", STRING, lambda e: e.provider["care"]["integration"], COMPARE, Display("Integration", 5)),
    OutputField("delivery", LIST, lambda e: e.provider["delivery"], COMPARE, Display("Delivery", 10)),
    OutputField(
        "in_clinic",
        LIST,
        lambda e: [c["state"] for c in e.provider["availability"]["in_clinic"] if c["ketamine_sessions"]],
        COMPARE,
    ),
]

_CARRIED: dict[Command, list[OutputField]] = {c: [f for f in FIELDS if c in f.commands] for c in ("cost", "compare")}
COST_FIELDS = [f.key for f in _CARRIED["cost"]]
COMPARE_FIELDS = [f.key for f in _CARRIED["compare"]]


# The order of the columns in every view. Not the JSON order (scripts read CSV columns by position): the
# figures a person compares first (on a phone, the report's table shows these before it scrolls sideways).
COLUMN_ORDER = (
    "rank", "name", "doses", "total", "dose_level", "availability", "purchase", "per_dose", "refund_if_ineligible",
    "paid_before_first_session", "insurance", "reimbursement_up_to", "hsa_fsa", "financing", "sitter_required", "id_verification",
    "integration", "delivery", "notes",
)  # fmt: skip


def columns(view: View) -> list[tuple[str, Display]]:
    """The columns a view shows, as (field key, column), in COLUMN_ORDER. The report shows every field
    `compare` carries that has a column for it (its rows are `compare`'s)."""
    carried: Command = "cost" if view == "cost" else "compare"
    shown = {f.key: f.display for f in FIELDS if f.display and view in f.display.views and carried in f.commands}
    return [(key, shown[key]) for key in COLUMN_ORDER if key in shown]


def row(evaluation: Evaluation[Any], command: Command) -> Row:
    """The JSON-ready row a command shows for one evaluation, in the registry's order. (Built from the registry,
    so typed by one cast; tests/test_rows_for_people.py holds `Row` and FIELDS to the same keys.)"""
    return cast("Row", {f.key: f.read(evaluation) for f in _CARRIED[command]})


def purchase_items(purchase: Purchase) -> list[ItemJson]:
    return [
        {
            "option": item.option.key,
            "description": item.option.description,
            "kind": item.option.kind,
            "price_basis": item.option.basis,
            "count": item.quantity,
            "doses": item.doses,
            "unit_price": cents_to_json(item.option.price),
            "subtotal": cents_to_json(item.subtotal),
            "installments": _installments_json(item.option.installments),
        }
        for item in purchase.items
    ]


def _installments_json(schedule: tuple[int, int] | None) -> dict[str, Any] | None:
    return {"count": schedule[0], "amount": cents_to_json(schedule[1]), "period": "month"} if schedule else None


def touches_json(touches: Iterable[RuleTouch]) -> list[TouchJson]:
    """The `rules_touching` field."""
    return [_touch_json(t) for t in touches]


def note_texts(notes: Iterable[Note]) -> list[str]:
    return [n.text for n in notes]


def note_records(notes: Iterable[Note]) -> list[dict[str, Any]]:
    return [n.record() for n in notes]


def _touch_json(touch: RuleTouch) -> TouchJson:
    rule = touch.now.rule
    return {
        "id": rule["id"],
        "authority": rule["authority"],
        "status": touch.now.state,
        "status_words": status_words(touch.now),
        "forms": list(touch.forms),
        "spared": list(touch.spared),
    }


def _charges_json(charges: tuple[Charge, ...] | None) -> list[ChargeJson] | None:
    if charges is None:
        return None
    return [{"amount": cents_to_json(c.amount), "condition": c.condition} for c in charges]
