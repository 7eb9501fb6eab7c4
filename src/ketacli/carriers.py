"""Insurance-carrier names as people type them: a full name, a known short form, or whole words of a name.

Never a substring: "he" must not find "Evry Health". Pure and standard-library only.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

# Short forms people type, mapped to the compacted words they stand for in the catalogue's carrier names.
ALIASES: dict[str, str] = {
    "bcbs": "bluecrossblueshield",
    "uhc": "unitedhealthcare",
    "united": "unitedhealthcare",
    "unitedhealth": "unitedhealthcare",
    "unitedhealthcareoptum": "unitedhealthcare",
    "beaconhealth": "beaconhealthoptions",
}
# Words that name no carrier on their own ("of" is a whole word of "Blue Cross Blue Shield of Texas").
_STOP_WORDS = frozenset({"of", "the", "and", "formerly", "inc", "co"})
_TYPO_CUTOFF = 0.75  # "aetan" → Aetna (0.8), "humana" → nothing (best 0.55)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def compact(text: str) -> str:
    return "".join(_words(text))


def _runs(name: str) -> set[str]:
    """Every run of consecutive words of a name, compacted: 'Blue Cross Blue Shield' → 'bluecross', ..."""
    words = _words(name)
    return {"".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)}


def names_carrier(query: str, carrier: str) -> bool:
    """True when `query` is the carrier's name, a known short form of it, or whole consecutive words of it."""
    key = compact(query)
    if not key or key in _STOP_WORDS:
        return False
    return ALIASES.get(key, key) in _runs(carrier)


def matching_carriers(query: str, carriers: Iterable[str]) -> list[str]:
    """The carriers `query` names; an exact full name wins over carriers that only share words with it."""
    named = [carrier for carrier in carriers if names_carrier(query, carrier)]
    exact = [carrier for carrier in named if compact(carrier) == compact(query)]
    return exact or named


def suggest_carrier(query: str, carriers: Iterable[str]) -> list[str]:
    """Listed carriers `query` may mean, nearest first: within a typo of a name, a word or a run of its words
    ('aetan' → Aetna, 'blue cros' → Blue Cross Blue Shield), or named whole among other words ('Aetna CVS
    Health' → Aetna; 'cigna health' → Cigna/Evernorth Behavioral Health). Suggested, never assumed: extra words may name another product of the carrier."""
    carriers = list(carriers)
    asked = set(_words(query)) - _STOP_WORDS
    # A whole name among extra words ('Aetna CVS Health'), or whole words of a name out of order ('cigna health').
    within = [
        c for c in carriers if asked and (words := set(_words(c)) - _STOP_WORDS) and (words <= asked or asked <= words)
    ]
    by_key: dict[str, set[str]] = {}
    for carrier in carriers:
        for word in [
            compact(carrier),
            *_words(carrier),
            *(run for run in _runs(carrier) if run not in _words(carrier)),
        ]:
            if len(word) >= 4 and word not in _STOP_WORDS:
                by_key.setdefault(word, set()).add(carrier)
    for alias, target in ALIASES.items():
        for carrier in carriers:
            if target in _runs(carrier):
                by_key.setdefault(alias, set()).add(carrier)
    found: list[str] = sorted(within, key=lambda c: -len(compact(c)))  # the longest name first
    for key in difflib.get_close_matches(compact(query), list(by_key), n=3, cutoff=_TYPO_CUTOFF):
        found += sorted(c for c in by_key[key] if c not in found)
    return found
