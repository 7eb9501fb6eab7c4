"""Tables for people in colour, drawn by rich. Every cell is a `Text`, so catalogue strings are never parsed
as markup. The layout (`layout.py`) is shared with the plain drawing (`boxes.py`), which a run without colour
uses instead, so it never imports rich; a test holds the two to the same characters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from . import Column, R
from .layout import table_view


def build_table(rows: list[Any], columns: list[Column[Any]], widths: dict[str, int]) -> Table:
    table = Table(header_style="bold", expand=False)
    for column in columns:
        table.add_column(Text(column.header), justify=column.justify, overflow="fold", width=widths[column.key])
    for row in rows:
        table.add_row(*(Text(column.cell(row)) for column in columns))
    return table


def render_table(
    rows: list[R],
    columns: list[Column[R]],
    width: int,
    *,
    title: str | None = None,
    section_of: Callable[[R], str] | None = None,
) -> RenderableType:
    """The table view as rich renderables: bold titles, an italic footer, the tables' headers in bold."""
    view = table_view(rows, columns, width, title=title, section_of=section_of)
    parts: list[RenderableType] = []
    for part in view.parts:
        if part.rows is not None:
            parts.append(build_table(part.rows, view.columns, view.widths))
        else:
            parts.append(Text(part.text or "", style="" if part.style == "plain" else part.style))
    return Group(*parts)
