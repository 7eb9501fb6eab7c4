"""Renderers: turn query results into text. One module per output format, one registry of formats.

Renderers return strings or rich renderables; they never write to a stream (the CLI does that).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, Literal, NamedTuple, TypeVar

# A row of a tabular view: a ranking's typed `fields.Row`, or the plain dicts of `providers` and `states`.
R = TypeVar("R", bound=Mapping[str, Any])


class Column(NamedTuple, Generic[R]):
    """One column of a tabular report.

    `cell` gives the human text for table and Markdown output; CSV and JSON use the row's raw value
    under `key`. Priority 0 columns are never dropped to fit a narrow terminal; higher numbers go first.
    """

    key: str
    header: str
    cell: Callable[[R], str]
    priority: int = 0
    justify: Literal["left", "right"] = "left"
    min_width: int | None = None
    footnote: bool = False  # when hidden to fit, its cells are listed under the table, row by row


def plain(value: Any) -> str:
    """A raw value as short human text (None → '—', lists joined, booleans as yes/no)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(plain(v) for v in value) if value else "—"
    return str(value)


def label(value: Any) -> str:
    """An enum value from the catalogue as words: 'may_be_possible' → 'may be possible'."""
    return plain(value).replace("_", " ")


def sections(rows: list[R], section_of: Callable[[R], str] | None) -> list[tuple[str | None, list[R]]]:
    """Consecutive rows of the same section, with the section's title (None when there is only one kind)."""
    if section_of is None:
        return [(None, rows)]
    groups: list[tuple[str | None, list[R]]] = []
    for row in rows:
        title = section_of(row)
        if groups and groups[-1][0] == title:
            groups[-1][1].append(row)
        else:
            groups.append((title, [row]))
    return groups


def usd(value: Any) -> str:
    from ketacli.money import format_usd, to_cents  # not at import: `rules` and `show` text need no money

    return "—" if value is None else format_usd(to_cents(value))


def usd_cents(value: Any) -> str:
    """Per-dose prices always show cents, so a column of them lines up."""
    from ketacli.money import format_usd, to_cents

    return "—" if value is None else format_usd(to_cents(value), always_cents=True)
