"""Rich tables for people. Every cell is a `Text`, so catalogue strings are never parsed as markup."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from . import Column


def build_table(rows: list[dict[str, Any]], columns: list[Column], console: Console, title: str | None = None) -> Table:
    """A table that fits the console: drop the least important columns until its minimum width fits."""
    shown = list(columns)
    while True:
        table = _table(rows, shown, title)
        width = Measurement.get(console, console.options, table).minimum
        droppable = [c for c in shown if c.priority > 0]
        if width <= console.width or not droppable:
            return table
        shown.remove(max(droppable, key=lambda c: (c.priority, shown.index(c))))


def _table(rows: list[dict[str, Any]], columns: list[Column], title: str | None) -> Table:
    table = Table(title=Text(title) if title else None, header_style="bold", expand=False)
    for column in columns:
        table.add_column(Text(column.header), justify=column.justify, overflow="fold", min_width=column.min_width)
    for row in rows:
        table.add_row(*(Text(column.cell(row)) for column in columns))
    return table
