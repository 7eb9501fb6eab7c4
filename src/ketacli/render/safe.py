"""Defence in depth for rich output: no control character from data reaches the terminal.

Catalogue text is validated, cached documents are checksummed, and cells are `Text` (never markup); this
wrapper is the last guard, for whatever path a string took. Rich emits its own colour codes from styles
when it writes, so the text of the segments it renders is data only, and can be filtered safely.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions
from rich.segment import Segment

from ketacli.textsafe import CONTROL_CHARS

REPLACEMENT = "\ufffd"  # one column wide, like the character it replaces, so tables stay aligned


class Sanitized:
    def __init__(self, renderable: Any) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterable[Segment]:
        for segment in console.render(self.renderable, options):
            if segment.control or not CONTROL_CHARS.search(segment.text):
                yield segment
            else:
                yield Segment(CONTROL_CHARS.sub(REPLACEMENT, segment.text), segment.style)
