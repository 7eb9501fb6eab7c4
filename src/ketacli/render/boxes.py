"""Tables for people, drawn as text: the characters rich draws for a table (its default heavy-head box,
headers at the bottom of their cells, rows at the top, words wrapped to the column and folded only where a
word is wider than it), without importing rich (about 40 ms of start-up, most of a table's cost over the
JSON answer). In colour, titles and headers are bold and the footer italic, as rich styled them; every
catalogue string is escaped (`textsafe.printable`) before a style is added. tests/test_boxes.py holds the
characters to rich's own.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from ketacli.textsafe import printable, styled

from . import Column, R
from .table_layout import table_view


def cell_width(text: str) -> int:
    """The columns a string takes on a terminal: wide East Asian characters take two, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text
    )


def wrap(text: str, width: int) -> list[str]:
    """Words to lines of at most `width` columns, a word wider than that folded across lines."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            while cell_width(word) > width:  # fold: as much of the word as fits, on a line of its own
                if line:
                    lines.append(line)
                    line = ""
                cut = _fitting(word, width)
                lines.append(word[:cut])
                word = word[cut:]
            if not line:
                line = word
            elif cell_width(line) + 1 + cell_width(word) <= width:
                line = f"{line} {word}"
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def _fitting(word: str, width: int) -> int:
    taken = 0
    for index, char in enumerate(word):
        taken += cell_width(char)
        if taken > width:
            return max(index, 1)
    return len(word)


def _pad(text: str, width: int, justify: str) -> str:
    space = " " * max(width - cell_width(text), 0)
    return space + text if justify == "right" else text + space


def _row_lines(cells: list[list[str]], columns: list[Column[Any]], widths: list[int], left: str, bar: str,
               right: str, *, bottom: bool, style: str | None = None) -> list[str]:  # fmt: skip
    height = max(len(lines) for lines in cells)
    padded = [([""] * (height - len(lines)) + lines) if bottom else (lines + [""] * (height - len(lines)))
              for lines in cells]  # fmt: skip

    def cell(text: str, width: int, column: Column[Any]) -> str:
        shown = f" {_pad(text, width, column.justify)} "
        return styled(shown, style) if style else shown

    return [
        left + bar.join(cell(lines[i], w, c) for lines, w, c in zip(padded, widths, columns, strict=True)) + right
        for i in range(height)
    ]


# rich's heavy-head box, and the ASCII box it substitutes on a stream that cannot encode it: corners, edges and
# joints of the top, the header, the rule under it, the rows and the bottom.
_HEAVY_HEAD = {"top": "┏━┳┓", "head": "┃┃┃", "rule": "┡━╇┩", "row": "│││", "bottom": "└─┴┘"}
_ASCII = {"top": "+--+", "head": "|||", "rule": "|-+|", "row": "|||", "bottom": "+--+"}


def draw_table(
    rows: list[Any],
    columns: list[Column[Any]],
    widths_by_key: dict[str, int],
    *,
    ascii_only: bool = False,
    color: bool = False,
) -> str:
    """One section's table, box-drawn (nothing at all without a column, as rich draws it); in colour, the
    headers bold."""
    if not columns:
        return ""
    box = _ASCII if ascii_only else _HEAVY_HEAD
    widths = [widths_by_key[c.key] for c in columns]

    def edge(kind: str) -> str:
        left, line, joint, right = tuple(box[kind])
        return left + joint.join(line * (w + 2) for w in widths) + right

    lines = [edge("top")]
    headers = [wrap(printable(c.header), w) for c, w in zip(columns, widths, strict=True)]
    head_left, head_bar, head_right = tuple(box["head"])
    lines += _row_lines(headers, columns, widths, head_left, head_bar, head_right, bottom=True,
                        style="bold" if color else None)  # fmt: skip
    lines.append(edge("rule"))
    row_left, row_bar, row_right = tuple(box["row"])
    for row in rows:
        cells = [wrap(printable(c.cell(row)), w) for c, w in zip(columns, widths, strict=True)]
        lines += _row_lines(cells, columns, widths, row_left, row_bar, row_right, bottom=False)
    lines.append(edge("bottom"))
    return "\n".join(lines)


def render_table_text(
    rows: list[R],
    columns: list[Column[R]],
    width: int,
    *,
    title: str | None = None,
    section_of: Callable[[R], str] | None = None,
    ascii_only: bool = False,
    color: bool = False,
) -> str:
    """The table view as text, ending with a newline (ASCII boxes for a stream without Unicode); in colour,
    with its styles (`textsafe.styled`: write it with `output.emit_styled`)."""
    view = table_view(rows, columns, width, title=title, section_of=section_of)
    parts = []
    for part in view.parts:
        if part.rows is not None:
            parts.append(draw_table(part.rows, view.columns, view.widths, ascii_only=ascii_only, color=color))
        else:
            text = printable(part.text or "")
            parts.append(styled(text, part.style) if color and part.style != "plain" else text)
    return "\n".join(parts) + "\n"
