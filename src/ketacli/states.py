"""US state codes and names (50 states + DC), and forgiving lookup.

Standard library only: the CLI imports this at start-up for option parsing.
"""

from __future__ import annotations

import difflib

STATE_NAMES: dict[str, str] = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "DC": "District of Columbia",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
}
STATE_CODES: frozenset[str] = frozenset(STATE_NAMES)

_BY_NAME = {name.lower(): code for code, name in STATE_NAMES.items()}
_ALIASES = {"washington dc": "DC", "washington d.c.": "DC", "d.c.": "DC", "dist of columbia": "DC"}


def _normalise(text: str) -> str:
    return " ".join(text.replace("-", " ").replace("_", " ").split()).lower()


def resolve_state(text: str) -> str | None:
    """Return the two-letter code for a code or full name in any case, or None."""
    key = _normalise(text)
    if key.upper() in STATE_CODES:
        return key.upper()
    return _BY_NAME.get(key) or _ALIASES.get(key)


def suggest_states(text: str, limit: int = 3) -> list[str]:
    """The nearest valid states to a mistyped one, as 'TX (Texas)' strings."""
    key = _normalise(text)
    candidates = list(_BY_NAME) + [code.lower() for code in STATE_CODES]
    matches = difflib.get_close_matches(key, candidates, n=limit, cutoff=0.5)
    codes: list[str] = []
    for match in matches:
        code = match.upper() if match.upper() in STATE_CODES else _BY_NAME[match]
        if code not in codes:
            codes.append(code)
    return [f"{code} ({STATE_NAMES[code]})" for code in codes]
