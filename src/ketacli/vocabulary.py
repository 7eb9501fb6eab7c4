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
    "controlled_substance_schedule",
    "telemedicine_prescribing",
    "medicare_telehealth",
    "compounded_drugs",
    "state_ketamine_practice",
    "state_telemedicine_prescribing",  # a state's own conditions on prescribing controlled drugs by telemedicine
    "drug_approval",
    "drug_safety_programme",
]
RuleStatus = Literal["in_force", "proposed", "ended", "withdrawn"]
# What a state's own telemedicine prescribing rule requires, whatever the DEA allows.
StateRequirement = Literal["in_person_exam_before_first_prescription", "in_person_exam_yearly", "purpose_limit"]
# What a rule does to at-home ketamine where it applies: makes it possible (the DEA flexibilities), limits it
# (a state's ban on a route), or only informs. Only a rule that restricts marks the rows it touches.
RuleEffect = Literal["enables", "restricts", "informs"]
# Whom a rule reaches: everyone who prescribes or takes ketamine, or only a programme or a class of drugs (then
# it is not a path to at-home ketamine for depression, whatever it permits).
RuleReach = Literal[
    "everyone",
    "medicare",
    "va_patients",
    "opioid_use_disorder_drugs",
    "substance_use_disorder_drugs",
    "spravato",
    "fda_approved_uses",
]
# The dated steps of a rule's history, as its sources give them.
RuleEvent = Literal[
    "introduced", "proposed", "vote_planned", "published", "approved", "delayed", "in_force", "ended", "withdrawn"
]
NATIONWIDE = "US"  # a rule's place when it applies in every state
