"""Markdown output: a pipe table whose cells are escaped so catalogue text cannot break the table."""

from __future__ import annotations

from collections.abc import Callable

from . import Column, R, sections

# Catalogue text may come from a user's own file: escape what Markdown would read as a table cell break,
# emphasis, code or a link, and the angle brackets of raw HTML, so it is shown literally. (One translate
# pass: a report of many providers escapes hundreds of thousands of strings.)
_ESCAPES = str.maketrans({**{char: "\\" + char for char in "\\|*_`[]"}, "<": "&lt;", ">": "&gt;"})


def escape_text(text: str) -> str:
    return " ".join(text.translate(_ESCAPES).splitlines())


def to_markdown(
    rows: list[R],
    columns: list[Column[R]],
    *,
    title: str | None = None,
    section_of: Callable[[R], str] | None = None,
) -> str:
    """A pipe table per section, under the title and each section's heading (as bold lines)."""
    columns = [c for c in columns if any(c.cell(row) != "—" for row in rows)]  # an empty column says nothing
    parts = [f"**{escape_text(title)}**\n"] if title else []
    for heading, group in sections(rows, section_of):
        if heading:
            parts.append(f"**{escape_text(heading)}**\n")
        parts.append(_table(group, columns))
    return "\n".join(parts)


def _table(rows: list[R], columns: list[Column[R]]) -> str:
    lines = [
        "| " + " | ".join(escape_text(c.header) for c in columns) + " |",
        "|" + "|".join("---:" if c.justify == "right" else "---" for c in columns) + "|",
    ]
    lines += ["| " + " | ".join(escape_text(c.cell(row)) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"
