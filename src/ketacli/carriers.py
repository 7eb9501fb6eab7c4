"""Forgiving insurance-carrier matching: any case, part of a name, or a common short form."""

from __future__ import annotations

import re

# Short forms people type, mapped to text found in the catalogue's carrier names (normalised).
ALIASES: dict[str, tuple[str, ...]] = {
    "bcbs": ("bluecrossblueshield",),
    "bluecross": ("bluecross",),
    "uhc": ("unitedhealthcare",),
    "united": ("unitedhealthcare",),
    "unitedhealth": ("unitedhealthcare",),
    "optum": ("optum",),
    "anthem": ("anthem",),
    "beacon": ("beaconhealthoptions",),
    "triwest": ("triwest",),
    "regence": ("regence",),
}


def normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def carrier_matches(query: str, carrier: str) -> bool:
    """True when `query` names `carrier`: a short form, or a part of its name (min. 2 letters)."""
    key = normalise(query)
    if len(key) < 2:
        return False
    needles = ALIASES.get(key, (key,))
    target = normalise(carrier)
    return any(needle in target for needle in needles)


def matching_carriers(query: str, carriers: list[str]) -> list[str]:
    return [carrier for carrier in carriers if carrier_matches(query, carrier)]
