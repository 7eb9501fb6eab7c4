"""How a table for people is laid out, whoever draws it (rich with colour, `boxes.py` without): which columns
fit and how wide, the sections, what hidden columns say under the table, and stacked blocks when even the
essentials do not fit. No rich here: a plain table never imports it.

A narrow terminal never hides what qualifies a figure: essential columns (priority 0) are never dropped;
when others are, a footer names them; when even the essentials do not fit, rows become stacked blocks.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

from . import Column, R, sections

_BORDER_PER_COLUMN = 3  # one border and two padding characters per column
_BORDER_END = 1
EMPTY = "—"


class Layout(NamedTuple):
    widths: dict[str, int] | None  # column key → width; None: too narrow for a table, stack the rows
    hidden: list[Column[Any]]  # columns with something to say that were dropped to fit


def plan_layout(rows: list[R], columns: list[Column[R]], width: int) -> Layout:
    """Choose the columns shown and the width of each, so the table fits `width`.

    Wrapping between words is fine; breaking a word ("$1,0/29") is not, so a column never gets less
    than its longest word. A column empty in every row goes first (it says nothing); then the least
    important until the floors fit. If the essential columns alone do not fit, the answer is "stack".
    """
    texts = {c.key: [c.header, *(c.cell(row) for row in rows)] for c in columns}
    floor = {
        key: max(len(word) for text in values for word in text.split() or [""]) or 1 for key, values in texts.items()
    }
    natural = {key: max(max(len(text) for text in values), floor[key]) for key, values in texts.items()}
    shown = [c for c in columns if any(text != EMPTY for text in texts[c.key][1:])]
    hidden: list[Column[R]] = []

    def room() -> int:
        return width - _BORDER_PER_COLUMN * len(shown) - _BORDER_END

    while sum(floor[c.key] for c in shown) > room():
        droppable = [c for c in shown if c.priority > 0]
        if not droppable:
            return Layout(None, [])
        dropped = max(droppable, key=lambda c: (c.priority, shown.index(c)))
        shown.remove(dropped)
        hidden.append(dropped)

    # Water-filling: every column gets min(natural, max(floor, cap)) for the largest cap that fits, so short
    # cells stay on one line and the long ones share what is left evenly.
    def widths_at(cap: int) -> dict[str, int]:
        return {c.key: min(natural[c.key], max(floor[c.key], cap)) for c in shown}

    low, high = 0, max((natural[c.key] for c in shown), default=0)
    while low < high:
        cap = (low + high + 1) // 2
        if sum(widths_at(cap).values()) <= room():
            low = cap
        else:
            high = cap - 1
    widths = widths_at(low)
    spare = room() - sum(widths.values())
    for key in widths:  # the remainder, a character each, to the columns still short of their natural width
        if spare and widths[key] < natural[key]:
            widths[key] += 1
            spare -= 1
    return Layout(widths, [c for c in columns if c in hidden])


def hidden_cells(rows: list[R], columns: list[Column[R]], width: int) -> str:
    """What hidden columns say that qualifies a row ('2 Innerwell: Notes: 12 extra doses'), under the table,
    so a narrow terminal never leaves a figure unexplained."""
    lines = []
    for row in rows:
        said = [f"{c.header}: {c.cell(row)}" for c in columns if c.cell(row) != EMPTY]
        if said:
            who = f"{row['rank']} {row['name']}" if "rank" in row else row.get("name", "")
            lines.append(textwrap.fill(f"{who}: {'; '.join(said)}", width, subsequent_indent="    "))
    return "\n".join(lines)


def stacked(
    rows: list[R],
    columns: list[Column[R]],
    width: int,
    *,
    section_of: Callable[[R], str] | None = None,
) -> str:
    """One block per row: its first two columns as a heading ('1. Better U'), then `key: value` lines."""
    width = max(width, 20)
    head, rest = columns[:2], [c for c in columns[2:] if any(c.cell(row) != EMPTY for row in rows)]
    blocks: list[str] = []
    for heading, group in sections(rows, section_of):
        if heading:
            blocks.append(textwrap.fill(heading, width))
        for row in group:
            joiner = ". " if head[0].key == "rank" else " · "
            lines = [textwrap.fill(joiner.join(c.cell(row) for c in head), width, subsequent_indent="   ")]
            for column in rest:
                lines.append(
                    textwrap.fill(
                        f"{column.header}: {column.cell(row)}",
                        width,
                        initial_indent="   ",
                        subsequent_indent="     ",
                        break_long_words=False,
                        break_on_hyphens=False,
                    )
                )
            blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


Style = Literal["plain", "bold", "italic"]


class TablePart(NamedTuple):
    """One piece of a table view, in order: a line of text (with its style), or one section's table."""

    text: str | None
    style: Style = "plain"
    rows: list[Any] | None = None  # a section's rows, drawn with `shown` at `widths`


class TableView(NamedTuple):
    parts: list[TablePart]
    columns: list[Column[Any]]  # the columns shown, in order
    widths: dict[str, int]


def table_view(
    rows: list[R],
    columns: list[Column[R]],
    width: int,
    *,
    title: str | None = None,
    section_of: Callable[[R], str] | None = None,
) -> TableView:
    """The rows as one table per section (same column widths throughout), or stacked blocks when narrow."""
    layout = plan_layout(rows, columns, width)
    parts: list[TablePart] = []
    if title:
        parts.append(TablePart(textwrap.fill(title, width), "bold"))
    if layout.widths is None:
        parts.append(TablePart(stacked(rows, columns, width, section_of=section_of).rstrip("\n")))
        return TableView(parts, [], {})
    for heading, group in sections(rows, section_of):
        if heading:
            parts.append(TablePart(textwrap.fill(heading, width), "bold"))
        parts.append(TablePart(None, rows=group))
    footnotes = hidden_cells(rows, [c for c in layout.hidden if c.footnote], width)
    if footnotes:
        parts.append(TablePart(footnotes))
    if layout.hidden:
        names = ", ".join(c.header for c in layout.hidden)
        footer = (
            f"Hidden to fit {width} columns: {names}. "
            "See every column with --format markdown, --json, or a wider terminal."
        )
        parts.append(TablePart(textwrap.fill(footer, width), "italic"))
    return TableView(parts, [c for c in columns if c.key in layout.widths], layout.widths)
