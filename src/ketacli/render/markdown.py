"""Markdown output: a pipe table whose cells are escaped so catalogue text cannot break the table."""

from __future__ import annotations

from typing import Any

from . import Column


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(rows: list[dict[str, Any]], columns: list[Column]) -> str:
    lines = [
        "| " + " | ".join(_escape(c.header) for c in columns) + " |",
        "|" + "|".join("---:" if c.justify == "right" else "---" for c in columns) + "|",
    ]
    lines += ["| " + " | ".join(_escape(c.cell(row)) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"
