"""JSON output: valid even when empty, a trailing newline, never any ANSI or markup."""

from __future__ import annotations

import json
from typing import Any


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
