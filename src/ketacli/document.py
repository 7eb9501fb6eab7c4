"""The static shape of a validated catalogue document: `Catalogue.model_dump(mode="json")`, as TypedDicts.

Everything downstream of validation (query, pricing, refunds, report, places, diff, freshness, renderers)
reads this plain JSON-ready data, often straight from the cache without importing pydantic. These types
cost nothing at run time (a TypedDict is a dict) and let the type checker catch a misspelt key. They
mirror models.py field for field; every key is present (absent optional values are None), and money is
a JSON number of dollars. tests/test_document.py checks that the two agree. A ranking reads the query
document (`QueryDoc`): the same, but each provider is only its `RankedProviderDoc` part.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from .vocabulary import DoseLevel, RuleEffect, RuleEvent, RuleReach, RuleStatus, RuleTopic, StateRequirement

Dollars = int | float  # money in the document: whole dollars as int, cents as float (money.cents_to_json)


class SourceDoc(TypedDict):
    id: str
    title: str
    url: str
    publisher: str | None
    date: str  # ISO date or "undated"
    note: str | None


class NoteDoc(TypedDict):
    text: str
    source: str


class InstallmentsDoc(TypedDict):
    count: int
    amount: Dollars
    period: str
    first_due: Literal["checkout", "unknown"]
    pace: Literal["sessions", "calendar", "unknown"]
    sessions_each: int | None
    source: str | None


class PlanFinancingDoc(TypedDict):
    monthly_from: Dollars
    approval: str
    note: str | None


class PlanIncludesDoc(TypedDict):
    clinician_consults: int | None
    psychotherapy_sessions: int | None
    coaching_sessions: int | None
    unlimited_messaging: bool | None
    starter_kit: bool
    other: list[str]


class PlanDoc(TypedDict):
    id: str
    name: str
    doses: int
    price: Dollars
    per_dose_stated: Dollars | None
    installments: InstallmentsDoc | None
    insured_price: Dollars | None
    insured_installments: InstallmentsDoc | None
    returning_price: Dollars | Literal["not_offered", "unknown"]
    returning_per_dose_stated: Dollars | None
    includes: PlanIncludesDoc
    financing: PlanFinancingDoc | None
    intended_for: str | None


class SubscriptionDoc(TypedDict):
    id: str
    name: str
    doses_per_period: int
    period: str
    price: Dollars
    per_dose_stated: Dollars | None
    commitment: str
    includes: PlanIncludesDoc


class ContinuationDoc(TypedDict):
    price_per_session: Dollars
    requires: str
    note: str | None


class InsuranceDoc(TypedDict):
    accepted: bool
    carriers_by_state: dict[str, list[str]]
    superbill: bool | Literal["unknown"]
    reimbursement: str | None
    hsa_fsa: str
    hsa_fsa_elsewhere: NoteDoc | None
    notes: list[str]


class FinancingDoc(TypedDict):
    available: bool
    monthly_from: Dollars | None
    approval_note: str | None
    checkout_installments: list[str]
    notes: list[str]


class ConsultationDoc(TypedDict):
    cost: str
    note: str | None


class FirstEvaluationDoc(TypedDict):
    free: bool | Literal["unknown"]
    pay_before: bool | Literal["unknown"]
    refunded_if_ineligible: bool | Literal["unknown"]
    source: str
    note: str | None


class ClinicDoc(TypedDict):
    state: str
    locations: int | str
    offers: list[str]
    ketamine_sessions: bool
    delivery: list[str]
    note: str | None


class ClinicForms(TypedDict):
    """What the filters read of an office (`ClinicDoc`)."""

    state: str
    ketamine_sessions: bool
    delivery: list[str]


class AvailabilityDoc(TypedDict):
    states_known: list[str]
    states_reported: int
    list_complete: bool
    note: str | None
    in_clinic: list[ClinicDoc]


class CareDoc(TypedDict):
    prescriber: str
    prescriber_source: str | None
    clinician_follow_up: str
    follow_up_source: str | None
    id_verification: str
    sitter_required: bool | Literal["unknown"]
    integration: str
    integration_note: str | None
    monitoring: list[str]
    minimum_age: int | Literal["unknown"]
    minimum_age_source: str | None


class StarterKitDoc(TypedDict):
    included: bool
    contents: list[str]


class StageChargeDoc(TypedDict):
    amount: Dollars
    condition: str | None


class RefundStageDoc(TypedDict):
    when: list[str]
    outcome: Literal["full_refund", "charged", "no_refund"]
    charged: list[StageChargeDoc]


class RefundPolicyDoc(TypedDict):
    id: str
    title: str
    status: Literal["current", "historical"]
    plans: list[str]
    payment: Literal["self_pay", "insured", "any"]
    clients: Literal["new", "returning", "any"]
    complete: bool
    stops_after: str | None
    stages: list[RefundStageDoc]
    source: str
    note: str | None


class IneligibleRefundDoc(TypedDict):
    value: str
    source: str | None
    note: str | None


class ReimbursementDoc(TypedDict):
    plans: list[str]
    up_to: Dollars | None
    wording: str
    breakdown: list[str]
    source: str


class AddOnDoc(TypedDict):
    name: str
    price: Dollars | Literal["unknown"]
    note: str | None
    source: str


class WebsiteDoc(TypedDict):
    url: str
    source: str


class ExtraCostDoc(TypedDict):
    what: str
    amount_up_to: Dollars | None
    each: str
    applies_to: Literal["everyone", "self_pay", "insured"]
    at_risk: bool
    note: str | None
    source: str


class RuleStepDoc(TypedDict):
    on: str  # ISO date
    precision: Literal["day", "month"]
    event: RuleEvent
    source: str
    note: str | None


class RuleDoc(TypedDict):
    id: str
    title: str
    authority: str
    topic: RuleTopic
    governs: str
    citation: str | None
    effective: str | None  # ISO date
    ends: str | None  # ISO date
    status: RuleStatus
    checked: str  # ISO date
    applies_in: list[str]  # "US", or state codes
    routes: list[str]  # forms of ketamine it reaches; empty: every form
    reaches: RuleReach
    effect: RuleEffect
    history: list[RuleStepDoc]
    requires: list[StateRequirement]
    in_short: str | None
    after_end: NoteDoc | None
    meaning: str
    conflicts: list[str]
    sources: list[SourceDoc]


class EntryDates(TypedDict):
    """What the lines about the data's age and its rules read of an entry. Every entry document has these keys."""

    id: str
    name: str
    as_of: str
    depends_on_rules: list[str]


class RankedProviderDoc(EntryDates):
    """The part of a provider that a ranking reads (`compare`, `cost`): prices, availability, insurance,
    care, refund ladders. The cache keeps it apart from the prose (`ProviderDoc`'s other keys), so a
    ranking never loads summaries, pros, cons, notes and sources (catalogue.py, `load_query`)."""

    dose_level: DoseLevel
    delivery: list[str]
    plans: list[PlanDoc]
    subscriptions: list[SubscriptionDoc]
    continuation: ContinuationDoc | None
    pay_in_full_saving: Dollars | None
    insurance: InsuranceDoc
    financing: FinancingDoc
    consultation: ConsultationDoc
    evaluation: FirstEvaluationDoc | None
    availability: AvailabilityDoc
    care: CareDoc
    refunds: list[RefundPolicyDoc]
    reimbursement_ranges: list[ReimbursementDoc]
    extra_costs: list[ExtraCostDoc]


class ProviderDoc(RankedProviderDoc):
    """A whole provider: what a ranking reads, and the prose that `show`, `refunds` and `report` add."""

    summary: str
    best_for: list[str]
    category_wins: list[str]
    starter_kit: StarterKitDoc
    add_ons: list[str]
    add_on_prices: list[AddOnDoc]
    refund_if_ineligible: IneligibleRefundDoc
    support: list[str]
    pros: list[str]
    cons: list[str]
    inconsistencies: list[str]
    notes: list[NoteDoc]
    exclusions: list[NoteDoc]
    website: WebsiteDoc | None
    sources: list[SourceDoc]


RANKED_KEYS = RankedProviderDoc.__required_keys__  # what the query document keeps of each provider


class AlternativeDoc(TypedDict):
    id: str
    name: str
    kind: str
    as_of: str
    summary: str
    delivery: list[str]
    setting: str
    fda_approved: bool | str
    insurance: str
    cost: list[NoteDoc]
    suits: list[str]
    drawbacks: list[str]
    notes: list[NoteDoc]
    how_to_find: NoteDoc | None
    depends_on_rules: list[str]
    sources: list[SourceDoc]


class SafetyDoc(TypedDict):
    disclaimer: str
    suitable_for: list[str]
    look_elsewhere: list[str]
    contraindications: list[str]
    side_effects_short_term: list[str]
    side_effects_long_term: list[str]
    exclusion_criteria: list[str]
    dependence: str
    fda_status: str | None
    how_taken: list[str]
    sitter: str | None
    identity_and_age: str | None
    crisis_line: str | None
    crisis_line_source: str | None
    source: str


class ClosureDoc(TypedDict):
    name: str
    on: str  # ISO date
    precision: Literal["day", "month"]
    what: str
    source: SourceDoc


class _CatalogueParts(TypedDict):
    schema_version: int
    title: str
    disclaimer: str
    sources: list[SourceDoc]
    safety: SafetyDoc
    alternatives: list[AlternativeDoc]
    rules: list[RuleDoc]
    closures: list[ClosureDoc]


class CatalogueDoc(_CatalogueParts):
    providers: list[ProviderDoc]


class QueryDoc(_CatalogueParts):
    """The query document: the whole catalogue without each provider's prose (what `compare` and `cost` load)."""

    providers: list[RankedProviderDoc]
    undated_sources: dict[str, int]  # provider id → how many of its sources are undated (the staleness warning)


Entry = ProviderDoc | AlternativeDoc  # what `show` takes
Dated = EntryDates | AlternativeDoc  # what the freshness and rule checks take: dates, names, rules
