"""JSON output: valid even when empty, a trailing newline, never any ANSI or markup."""

from __future__ import annotations

import json
from typing import Any

from ketacli.textsafe import json_safe


def to_json(data: Any, *, pretty: bool = True, ascii_only: bool = False) -> str:
    """Indented for people; compact for pipes, where json's C encoder is several times faster.

    Never a raw control character, whatever the data: json.dumps escapes C0; DEL, C1 and bidi overrides are
    escaped here. `ascii_only` escapes all non-ASCII (for a stream that cannot encode it).
    """
    text = json.dumps(data, indent=2 if pretty else None, ensure_ascii=ascii_only)
    return (text if ascii_only else json_safe(text)) + "\n"
