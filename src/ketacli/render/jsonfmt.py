"""JSON output: valid even when empty, a trailing newline, never any ANSI or markup."""

from __future__ import annotations

import json
from typing import Any


def to_json(data: Any, *, pretty: bool = True) -> str:
    """Indented for people; compact for pipes, where json's C encoder is several times faster."""
    if pretty:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return json.dumps(data, ensure_ascii=False) + "\n"
