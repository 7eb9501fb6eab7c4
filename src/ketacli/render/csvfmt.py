"""CSV output: one row per record, raw values (numbers stay numbers), lists joined with '; '."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(_csv_value(v.get("description", v) if isinstance(v, dict) else v) for v in value)
    if isinstance(value, dict) and "amount" in value:  # a charge: its amount and the condition it applies under
        return (
            f"{_csv_value(value['amount'])} ({value['condition']})"
            if value.get("condition")
            else _csv_value(value["amount"])
        )
    if isinstance(value, dict):
        return "; ".join(f"{k}={_csv_value(v)}" for k, v in value.items())
    return str(value)


def to_csv(rows: Sequence[Mapping[str, Any]], fields: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([_csv_value(row.get(field)) for field in fields])
    return buffer.getvalue()
