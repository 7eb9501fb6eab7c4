"""The one definition of text that must never reach a terminal, and the escaping that keeps it out.

C0 and C1 control characters (tab and newline allowed), DEL, and bidirectional overrides that can make a
terminal show text in another order than it is stored ("Trojan Source"). Standard library only.
"""

from __future__ import annotations

import re

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Control characters shown as escapes ('\\x1b') instead of being sent to the terminal."""
    return CONTROL_CHARS.sub(lambda m: repr(m.group())[1:-1], text)


# The only escape sequences ketacli itself writes: Select Graphic Rendition for the styles of text for people.
STYLES = {"bold": "\x1b[1m", "italic": "\x1b[3m"}
_RESET = "\x1b[0m"
# One of ketacli's own style sequences (group 1, kept), else a control character (escaped).
_OWN_STYLE_OR_CONTROL = re.compile(r"(\x1b\[[013]m)|" + CONTROL_CHARS.pattern)


def styled(text: str, style: str) -> str:
    """`text` (already `printable`) in a style of STYLES; line by line, so each line stands alone."""
    return "\n".join(f"{STYLES[style]}{line}{_RESET}" if line else line for line in text.split("\n"))


def printable_but_styles(text: str) -> str:
    """`printable`, except for the style sequences `styled` adds (catalogue text was escaped before them)."""
    return _OWN_STYLE_OR_CONTROL.sub(lambda m: m.group() if m.group(1) else repr(m.group())[1:-1], text)


def json_safe(text: str) -> str:
    """JSON text with the control characters json.dumps leaves raw (DEL, C1, bidi) escaped as \\uXXXX."""
    return CONTROL_CHARS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


QUOTED_MAX = 80  # characters of a quoted value an error line repeats
_LONG_QUOTED = re.compile(rf"'([^'\n]{{{QUOTED_MAX + 1},}})'")


def bounded_quotes(message: str) -> str:
    """An error line that quotes a value ('...') repeats at most QUOTED_MAX characters of it, and says how long
    it was: a 200,000-character --state is not worth 200 KB of stderr."""
    return _LONG_QUOTED.sub(lambda m: f"'{m.group(1)[:QUOTED_MAX]}…' ({len(m.group(1)):,} characters)", message)
