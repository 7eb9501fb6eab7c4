"""The tables of `catalog stale` and `catalog diff`. Pure."""

from __future__ import annotations

from typing import Any

from . import Column, plain


def _diff_value(change: dict[str, Any], side: str) -> str:
    value = change[side]
    if change["kind"] in ("state", "carrier"):  # sets: what was removed, what was added
        sign = "−" if side == "old" else "+"
        return " ".join(f"{sign}{v}" for v in value) or "—"
    return plain(value)


STALE_COLUMNS: list[Column[dict[str, Any]]] = [
    Column("id", "ID", lambda r: r["id"]),
    Column("name", "Name", lambda r: r["name"]),
    Column("kind", "Kind", lambda r: r["kind"], priority=2),
    Column("as_of", "As of", lambda r: r["as_of"]),
    Column("days", "Age (days)", lambda r: str(r["days"]), justify="right"),
    Column("stale", "Stale", lambda r: "stale" if r["stale"] else "ok"),
    Column("newest_source", "Newest dated source", lambda r: r["newest_source"] or "none dated", priority=1),
    Column("undated_sources", "Undated sources", lambda r: str(r["undated_sources"]), justify="right", priority=1),
]

DIFF_COLUMNS: list[Column[dict[str, Any]]] = [
    Column("id", "Entry", lambda c: c["id"]),
    Column("kind", "Change", lambda c: c["kind"]),
    Column("path", "Field", lambda c: c["path"] or "—"),
    Column("old", "Old", lambda c: _diff_value(c, "old")),
    Column("new", "New", lambda c: _diff_value(c, "new")),
]
