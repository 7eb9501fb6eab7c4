"""Markdown output: a pipe table whose cells are escaped so catalogue text cannot break the table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import Column, sections


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(
    rows: list[dict[str, Any]],
    columns: list[Column],
    *,
    title: str | None = None,
    section_of: Callable[[dict[str, Any]], str] | None = None,
) -> str:
    """A pipe table per section, under the title and each section's heading (as bold lines)."""
    columns = [c for c in columns if any(c.cell(row) != "—" for row in rows)]  # an empty column says nothing
    parts = [f"**{_escape(title)}**\n"] if title else []
    for heading, group in sections(rows, section_of):
        if heading:
            parts.append(f"**{_escape(heading)}**\n")
        parts.append(_table(group, columns))
    return "\n".join(parts)


def _table(rows: list[dict[str, Any]], columns: list[Column]) -> str:
    lines = [
        "| " + " | ".join(_escape(c.header) for c in columns) + " |",
        "|" + "|".join("---:" if c.justify == "right" else "---" for c in columns) + "|",
    ]
    lines += ["| " + " | ".join(_escape(c.cell(row)) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"
