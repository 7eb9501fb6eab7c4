"""Rich tables for people. Every cell is a `Text`, so catalogue strings are never parsed as markup."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from . import Column

_BORDER_PER_COLUMN = 3  # one border and two padding characters per column
_BORDER_END = 1


def column_widths(rows: list[dict[str, Any]], columns: list[Column], width: int) -> dict[str, int]:
    """Choose the columns shown and the width of each, so the table fits `width`.

    Wrapping between words is fine; breaking a word ("$1,0/29") is not, so a column never gets less
    than its longest word. The least important columns are dropped until the floors fit (priority-0
    columns, the provider name and the total, never are); spare room goes to the columns that wrap.
    """
    texts = {c.key: [c.header, *(c.cell(row) for row in rows)] for c in columns}
    floor = {
        key: max(len(word) for text in values for word in text.split() or [""]) or 1 for key, values in texts.items()
    }
    natural = {key: max(max(len(text) for text in values), floor[key]) for key, values in texts.items()}
    # A column that says nothing in any row ("—" everywhere, e.g. Insurance without --insurance) goes first.
    shown = [c for c in columns if c.priority == 0 or any(text != "—" for text in texts[c.key][1:])]

    def room() -> int:
        return width - _BORDER_PER_COLUMN * len(shown) - _BORDER_END

    while sum(floor[c.key] for c in shown) > room():
        droppable = [c for c in shown if c.priority > 0]
        if not droppable:
            break
        shown.remove(max(droppable, key=lambda c: (c.priority, shown.index(c))))
    widths = {c.key: floor[c.key] for c in shown}
    spare = room() - sum(widths.values())
    wants = {key: natural[key] - widths[key] for key in widths if natural[key] > widths[key]}
    while spare > 0 and wants:  # one character at a time to the column that still wraps the most
        key = max(wants, key=lambda k: wants[k])
        widths[key] += 1
        spare -= 1
        wants[key] -= 1
        if not wants[key]:
            del wants[key]
    return widths


def build_table(rows: list[dict[str, Any]], columns: list[Column], console: Console) -> Table:
    widths = column_widths(rows, columns, console.width)
    shown = [c for c in columns if c.key in widths]
    table = Table(header_style="bold", expand=False)
    for column in shown:
        table.add_column(Text(column.header), justify=column.justify, overflow="fold", width=widths[column.key])
    for row in rows:
        table.add_row(*(Text(column.cell(row)) for column in shown))
    return table
