"""The enumerated facts, each spelled once: the models, the typed document, the core, the flags and the
profile all read them from here. Imports nothing but `typing`, so every command may load it at start-up."""

from __future__ import annotations

from typing import Literal

# The most doses a person may ask about, and the most one plan may hold.
MAX_DOSES = 1000

DoseLevel = Literal["standard", "very_low"]  # as the catalogue spells it
DoseLevelFlag = Literal["standard", "very-low"]  # as a person types it (--dose-level, the profile)
DOSE_LEVEL_OF_FLAG: dict[DoseLevelFlag, DoseLevel] = {"standard": "standard", "very-low": "very_low"}

RuleTopic = Literal[
    "controlled_substance_schedule", "telemedicine_prescribing", "medicare_telehealth", "compounded_drugs"
]
RuleStatus = Literal["in_force", "proposed", "ended"]
