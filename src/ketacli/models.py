"""The catalogue schema: pydantic v2 models, defined once.

Imported only when a catalogue has to be validated (first run, a changed file, `catalog validate`,
`catalog schema`); the hot path reads the cached, already-validated document instead (see catalogue.py).

Conventions:
- Unknown is a value ("unknown"), never a default that code fills in silently.
- An optional field that is absent means "the sources list none" (no continuation price, no insured
  price), not "unknown".
- Money is a Decimal of at most two places, never negative; in JSON it is a number of US dollars.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_serializer,
    model_validator,
)

from .money import cents_to_json, per_dose_cents, to_cents
from .states import STATE_CODES
from .textsafe import CONTROL_CHARS
from .vocabulary import (
    MAX_DOSES,
    NATIONWIDE,
    DoseLevel,
    RuleEffect,
    RuleEvent,
    RuleReach,
    RuleStatus,
    RuleTopic,
    StateRequirement,
)

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _no_control_chars(value: str) -> str:
    found = CONTROL_CHARS.search(value)
    if found:
        raise ValueError(
            f"contains control character U+{ord(found.group()):04X} at position {found.start()}; "
            "remove it (terminal escape sequences are not allowed in catalogue text)"
        )
    return value


def _one_line(value: str) -> str:
    if "\n" in value or "\t" in value:
        raise ValueError("must be a single line (no newline or tab)")
    return value


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError("must be a lowercase slug like 'better-u' (a-z, 0-9, single hyphens)")
    return value


def _state_code(value: str) -> str:
    if value not in STATE_CODES:
        raise ValueError(f"{value!r} is not a US state code (50 states + DC, upper case, e.g. 'TX')")
    return value


# Bounds that real data never reaches: they keep every command's work and output small (see pricing.py).
MAX_MONEY = Decimal(1_000_000)


def _parse_money(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError("must be a number of US dollars, e.g. 1098 or 137.25")
    try:
        amount = Decimal(str(value).strip().lstrip("$").replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount of money") from None
    if not amount.is_finite():
        raise ValueError("must be a finite amount")
    if amount < 0:
        raise ValueError("must not be negative")
    if amount > MAX_MONEY:  # checked before quantize(), which fails on numbers this large
        raise ValueError(f"must be at most ${MAX_MONEY:,} (got {value!r})")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("must have at most two decimal places (whole cents)")
    return amount


MAX_LINE = 1_000  # characters: a title, a name, one sentence
MAX_TEXT = 10_000  # characters: a paragraph of notes; a 60 MB `title` is refused, not parsed into every view


def _not_future(value: dt.date) -> dt.date:
    """A date the data was seen or checked on cannot be after today (the machine's clock: a fixed
    KETACLI_TODAY plays no part, so it is never blamed)."""
    today = dt.date.today()
    if value > today:
        raise ValueError(f"{value} is after today ({today}): a date data was checked on cannot be in the future")
    return value


Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_no_control_chars)]
Line = Annotated[
    str, Field(min_length=1, max_length=MAX_LINE), AfterValidator(_no_control_chars), AfterValidator(_one_line)
]
PastDate = Annotated[dt.date, AfterValidator(_not_future)]


def _place(value: str) -> str:
    return value if value == NATIONWIDE else _state_code(value)


Place = Annotated[str, AfterValidator(_place)]  # "US" (every state) or a state code
Slug = Annotated[str, Field(max_length=64), AfterValidator(_slug)]
StateCode = Annotated[str, AfterValidator(_state_code)]
Money = Annotated[
    Decimal,
    BeforeValidator(_parse_money),
    PlainSerializer(lambda d: cents_to_json(to_cents(d)), when_used="json"),
]
Doses = Annotated[int, Field(gt=0, le=MAX_DOSES, strict=True)]
Count = Annotated[int, Field(ge=0, strict=True)]
SourceDate = PastDate | Literal["undated"]

Delivery = Literal[
    "oral_rapid_dissolve_tablet",
    "troche",
    "sublingual_tablet",
    "subcutaneous_injection",
    "injection",
    "infusion",
    "nasal_spray",
]


class Strict(BaseModel):
    # Mutable defaults are default_factory, never `= []`: pydantic deep-copies a literal default for every
    # instance, which was half the validation time of a 10,000-provider catalogue.
    model_config = ConfigDict(extra="forbid", frozen=True)


def _address(value: str) -> str:
    """A source's address: an http(s) URL, or "unaddressed" where none was recorded. Never `javascript:`,
    `data:` or another scheme, which a report's link would run or open."""
    if value != "unaddressed" and not value.lower().startswith(("https://", "http://")):
        raise ValueError(f'must be an http(s) address or "unaddressed" (got {value[:40]!r})')
    if any(char.isspace() or char in '<>"' for char in value):
        raise ValueError("an address has no spaces, quotes or angle brackets")
    return value


class Source(Strict):
    id: Slug
    title: Line
    url: Annotated[Line, AfterValidator(_address)]
    publisher: Line | None = None
    date: SourceDate = Field(description="Publication or update date, or 'undated'.")
    note: Text | None = None


class Note(Strict):
    """A fact from a source other than the provider's primary one, naming that source."""

    text: Text
    source: Slug = Field(description="The id of one of this entry's sources.")


class Installments(Strict):
    count: Doses
    amount: Money
    period: Literal["month"] = "month"
    first_due: Literal["checkout", "unknown"] = Field(
        "unknown", description="When the first installment is taken: at checkout (before the evaluation), or unknown."
    )
    pace: Literal["sessions", "calendar", "unknown"] = Field(
        "unknown",
        description="What each payment keeps pace with: its next sessions ('sessions', with sessions_each), the "
        "calendar whatever the treatment's pace ('calendar'), or unknown. Decides how much is paid ahead.",
    )
    sessions_each: Doses | None = Field(None, description="The sessions each payment pays for (pace 'sessions').")
    source: Slug | None = Field(None, description="The source of first_due and pace, where not the guide's table.")

    @model_validator(mode="after")
    def _pace_complete(self) -> Installments:
        if (self.pace == "sessions") != (self.sessions_each is not None):
            raise ValueError("sessions_each is given exactly when pace is 'sessions'")
        return self


class PlanFinancing(Strict):
    monthly_from: Money
    approval: Literal["guaranteed", "subject_to_approval", "unknown"]
    note: Text | None = None


class PlanIncludes(Strict):
    clinician_consults: Count | None = None
    psychotherapy_sessions: Count | None = None
    coaching_sessions: Count | None = None
    unlimited_messaging: bool | None = None
    starter_kit: bool
    other: list[Line] = Field(default_factory=list)


class Plan(Strict):
    id: Slug
    name: Line
    doses: Doses
    price: Money = Field(description="New-client self-pay list price.")
    per_dose_stated: Money | None = Field(None, description="Per-dose price as the source states it.")
    installments: Installments | None = None
    insured_price: Money | None = None
    insured_installments: Installments | None = None
    returning_price: Money | Literal["not_offered", "unknown"] = Field(
        description="Returning-client price, 'not_offered', or 'unknown' (then the list price applies)."
    )
    returning_per_dose_stated: Money | None = None
    includes: PlanIncludes
    financing: PlanFinancing | None = None
    intended_for: Text | None = None

    @field_serializer("returning_price", when_used="json")
    def _returning_price_json(self, value: Decimal | str) -> float | int | str:
        return cents_to_json(to_cents(value)) if isinstance(value, Decimal) else value

    @model_validator(mode="after")
    def _figures_agree(self) -> Plan:
        _check_installments(self.installments, self.price, "installments", "price")
        if self.insured_installments is not None and self.insured_price is None:
            raise ValueError("insured_installments given without insured_price")
        _check_installments(self.insured_installments, self.insured_price, "insured_installments", "insured_price")
        _check_per_dose(self.per_dose_stated, self.price, self.doses, "per_dose_stated")
        if isinstance(self.returning_price, Decimal):
            _check_per_dose(
                self.returning_per_dose_stated, self.returning_price, self.doses, "returning_per_dose_stated"
            )
        elif self.returning_per_dose_stated is not None:
            raise ValueError("returning_per_dose_stated given without a returning_price amount")
        return self


class Subscription(Strict):
    id: Slug
    name: Line
    doses_per_period: Doses
    period: Literal["month"]
    price: Money
    per_dose_stated: Money | None = None
    commitment: Line
    includes: PlanIncludes

    @model_validator(mode="after")
    def _figures_agree(self) -> Subscription:
        _check_per_dose(self.per_dose_stated, self.price, self.doses_per_period, "per_dose_stated")
        return self


class Continuation(Strict):
    price_per_session: Money
    requires: Line = Field(description="Who may buy continuation sessions.")
    note: Text | None = None


class Insurance(Strict):
    accepted: bool
    carriers_by_state: dict[StateCode, list[Line]] = Field(default_factory=dict)
    superbill: bool | Literal["unknown"]
    reimbursement: Text | None = None
    hsa_fsa: Literal["yes", "may_be_possible", "no", "unknown"]
    hsa_fsa_elsewhere: Note | None = Field(
        default=None, description="What another source says about HSA/FSA where it disagrees with `hsa_fsa`."
    )
    notes: list[Text] = Field(default_factory=list)

    @model_validator(mode="after")
    def _carriers_only_if_accepted(self) -> Insurance:
        if self.carriers_by_state and not self.accepted:
            raise ValueError("carriers_by_state is given but accepted is false")
        return self


class Financing(Strict):
    available: bool
    monthly_from: Money | None = None
    approval_note: Text | None = None
    checkout_installments: list[Line] = Field(default_factory=list, description="Pay-later services at checkout.")
    notes: list[Text] = Field(default_factory=list)


class Consultation(Strict):
    cost: Literal["free", "first_installment_refundable", "paid", "unknown"]
    note: Text | None = None


class FirstEvaluation(Strict):
    """The first evaluation (whether you are eligible), as the sources state it: is it free, and must a new
    client pay before it? Where the sources disagree, say "unknown" and explain in `note`."""

    free: bool | Literal["unknown"]
    pay_before: bool | Literal["unknown"] = Field(description="Must a new client pay before the first evaluation?")
    refunded_if_ineligible: bool | Literal["unknown"] = Field(
        "unknown", description="Is what a new client paid before it refunded if found ineligible (any plan)?"
    )
    source: Slug
    note: Text | None = None


class ClinicOption(Strict):
    state: StateCode
    locations: Count | Literal["unknown"]
    offers: list[Line]
    ketamine_sessions: bool
    delivery: list[Delivery] = Field(default_factory=list)
    note: Text | None = None


class Availability(Strict):
    states_known: list[StateCode]
    states_reported: Doses = Field(description="The count of states the source reports.")
    list_complete: bool = Field(description="True only when states_known is the provider's full list.")
    note: Text | None = None
    in_clinic: list[ClinicOption] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Availability:
        if len(set(self.states_known)) != len(self.states_known):
            raise ValueError("states_known lists a state twice")
        if self.list_complete and len(self.states_known) != self.states_reported:
            raise ValueError(
                f"list_complete is true but states_known has {len(self.states_known)} states "
                f"and states_reported is {self.states_reported}"
            )
        return self


class CareModel(Strict):
    prescriber: Line = Field("unknown", description="Who prescribes, as the source words it, or 'unknown'.")
    prescriber_source: Slug | None = None
    clinician_follow_up: Line = Field("unknown", description="Clinician follow-up cadence, or 'unknown'.")
    follow_up_source: Slug | None = None
    id_verification: Literal["required", "may_ask", "not_required", "unknown"]
    sitter_required: bool | Literal["unknown"]
    integration: Literal["psychiatric_clinician", "coach", "none", "unknown"]
    integration_note: Text | None = None
    monitoring: list[Line] = Field(default_factory=list)
    minimum_age: Annotated[int, Field(ge=0, le=120)] | Literal["unknown"] = Field(
        "unknown", description="The youngest client served, where a source states it."
    )
    minimum_age_source: Slug | None = None


class StarterKit(Strict):
    included: bool
    contents: list[Line] = Field(default_factory=list)


class StageCharge(Strict):
    """An amount charged in total at a refund stage; `condition` says when, where the source gives a choice."""

    amount: Money
    condition: Line | None = None


class RefundStage(Strict):
    """What has happened by then (any of `when`), and what you are charged in total at that point."""

    when: list[Line] = Field(min_length=1)
    outcome: Literal["full_refund", "charged", "no_refund"]
    charged: list[StageCharge] = Field(default_factory=list, description="One amount, or a choice with conditions.")

    @model_validator(mode="after")
    def _charged_iff_charged(self) -> RefundStage:
        if (self.outcome == "charged") != bool(self.charged):
            raise ValueError("charged amounts are given exactly when outcome is 'charged'")
        return self


class RefundPolicy(Strict):
    """A refund/cancellation ladder as a source states it, stage by stage, in order."""

    id: Slug
    title: Line
    status: Literal["current", "historical"] = Field(description="Historical ladders are shown, never applied.")
    plans: list[Slug] = Field(default_factory=list, description="Plan ids it applies to (current ladders).")
    payment: Literal["self_pay", "insured", "any"]
    clients: Literal["new", "returning", "any"] = Field("new", description="Whose purchases it covers.")
    complete: bool = Field(description="False when the source stops before the last stage.")
    stops_after: Text | None = Field(None, description="The source's last words before it stops.")
    stages: list[RefundStage] = Field(min_length=1)
    source: Slug
    note: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> RefundPolicy:
        if self.complete == (self.stops_after is not None):
            raise ValueError("stops_after is given exactly when the ladder is not complete")
        if self.status == "historical" and self.plans:
            raise ValueError("a historical ladder applies to no current plan (leave plans empty)")
        if self.status == "current" and not self.plans:
            raise ValueError("a current ladder names the plans it applies to")
        previous: tuple[Decimal, Decimal] | None = None
        for index, stage in enumerate(self.stages):
            span = _charge_span(stage)
            if span is not None and previous is not None and (span[0] < previous[0] or span[1] < previous[1]):
                raise ValueError(f"stages[{index}] charges less than the stage before it; charges never go down")
            previous = span or previous
        return self


def _charge_span(stage: RefundStage) -> tuple[Decimal, Decimal] | None:
    """The lowest and highest total charged at a stage (None for 'no refund': the whole price, whatever it is)."""
    if stage.outcome == "full_refund":
        return (Decimal(0), Decimal(0))
    if stage.outcome == "no_refund":
        return None
    amounts = [charge.amount for charge in stage.charged]
    return (min(amounts), max(amounts))


class IneligibleRefund(Strict):
    """What you get back if a clinician finds you ineligible at the first evaluation."""

    value: Literal["full", "unknown"] | Line = Field(description="'full', 'unknown', or the source's own words.")
    source: Slug | None = None
    note: Text | None = None


class Reimbursement(Strict):
    """The most an out-of-network claim may return for some plans, as a source states it: never derived."""

    plans: list[Slug] = Field(min_length=1)
    up_to: Money | None = Field(None, description="The source's figure; absent when it gives none.")
    wording: Line = Field(description="What the source says, in its words.")
    breakdown: list[Line] = Field(default_factory=list)
    source: Slug


class AddOn(Strict):
    name: Line
    price: Money | Literal["unknown"]
    note: Text | None = None
    source: Slug


class Website(Strict):
    """Where to reach a provider: its own site, as a source names it."""

    url: Annotated[Line, AfterValidator(_address)]
    source: Slug


class ExtraCost(Strict):
    """Money a source says can fall due outside a plan's price: a fee, a copay, a cost a person may bear."""

    what: Line
    amount_up_to: Money | None = Field(None, description="The most it costs each time, where stated; None: not stated.")
    each: Line = Field(description="When it falls due, e.g. 'each cancellation within 24 hours'.")
    applies_to: Literal["everyone", "self_pay", "insured"] = "everyone"
    at_risk: bool = Field(False, description="A charge for something not delivered (money at risk), not a service.")
    note: Text | None = None
    source: Slug


class RuleStep(Strict):
    """One dated step of a rule's history: proposed, a vote planned, published, delayed, in force, ended..."""

    on: dt.date
    precision: Literal["day", "month"] = Field("day", description="'month': the source gives only the month.")
    event: RuleEvent
    source: Slug = Field(description="The id of one of the rule's sources.")
    note: Text | None = None


class Rule(Strict):
    """A dated rule (a regulation, a law, a bill, an agency's decision) that decides whether or how ketamine can
    be prescribed, given or paid for; its status is as of `checked`, and ketacli works out its status on any day.
    Where it applies (`applies_in`), which forms of ketamine it reaches (`routes`) and whom (`reaches`) decide
    which rows it touches, from the providers' own data."""

    id: Slug
    title: Line
    authority: Line = Field(description="Who made it: 'DEA/HHS', 'CMS', 'Congress', 'FDA', a state board.")
    topic: RuleTopic
    governs: Line = Field(description="What it governs, in a few plain words.")
    citation: Line | None = Field(None, description="Federal Register, state register or bill citation.")
    effective: dt.date | None = Field(None, description="The date it takes effect (None for a proposal).")
    ends: dt.date | None = Field(None, description="The date it ends, where one is set.")
    status: RuleStatus = Field(description="As of `checked`: in force, proposed (not final), ended or withdrawn.")
    checked: PastDate = Field(description="When these facts were last checked against the sources.")
    applies_in: list[Place] = Field(
        default_factory=lambda: [NATIONWIDE], min_length=1, description="'US', or the states it applies in."
    )
    routes: list[Delivery] = Field(
        default_factory=list, description="The forms of ketamine it reaches; empty: every form."
    )
    reaches: RuleReach = Field("everyone", description="Whom it reaches: everyone, or one programme or drug class.")
    effect: RuleEffect = Field("informs", description="Whether it enables, restricts or only informs at-home care.")
    history: list[RuleStep] = Field(default_factory=list, description="Its dated steps, oldest first.")
    requires: list[StateRequirement] = Field(
        default_factory=list,
        description="A state's telemedicine prescribing rule: what it requires, whatever the DEA allows.",
    )
    in_short: Line | None = Field(
        None,
        description="A state's rule, in the words a person acts on: 'Georgia generally requires one in-person examination ...'.",
    )
    after_end: Note | None = Field(None, description="What the sources say follows its end date, or that none found.")
    meaning: Text = Field(description="What it means for a person, in one or two plain sentences.")
    conflicts: list[Text] = Field(default_factory=list, description="Where sources disagree, each kept as said.")
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _dates_agree(self) -> Rule:
        if self.effective is not None and self.ends is not None and self.ends < self.effective:
            raise ValueError(f"ends {self.ends} is before effective {self.effective}")
        if self.status == "ended" and self.ends is None:
            raise ValueError("an ended rule gives the date it ended (ends)")
        if self.status == "ended" and self.ends is not None and self.ends >= self.checked:
            raise ValueError(f"status is 'ended' but ends {self.ends} is not before checked {self.checked}")
        if (self.topic == "state_telemedicine_prescribing") != bool(self.requires and self.in_short):
            raise ValueError(
                "a state telemedicine prescribing rule gives what it requires and in_short; no other rule does"
            )
        if self.topic == "state_telemedicine_prescribing" and NATIONWIDE in self.applies_in:
            raise ValueError("a state telemedicine prescribing rule applies in its states, not 'US'")
        if NATIONWIDE in self.applies_in and len(self.applies_in) > 1:
            raise ValueError(f"applies_in is either {NATIONWIDE!r} alone or a list of states")
        if [step.on for step in self.history] != sorted(step.on for step in self.history):
            raise ValueError("history steps must be in date order, oldest first")
        _unique([s.id for s in self.sources], "source id")
        _unique(self.applies_in, "place")
        _check_note_sources([*self.history, *([self.after_end] if self.after_end else [])], self.sources)
        return self


class Provider(Strict):
    id: Slug
    name: Line
    as_of: PastDate
    summary: Text
    best_for: list[Line]
    category_wins: list[Line] = Field(
        default_factory=list, description="Criteria the guide named this provider winner of."
    )
    dose_level: DoseLevel
    delivery: list[Delivery] = Field(min_length=1, description="How ketamine is taken at home.")
    plans: list[Plan] = Field(default_factory=list)
    subscriptions: list[Subscription] = Field(default_factory=list)
    continuation: Continuation | None = None
    pay_in_full_saving: Money | None = Field(None, description="Saved on a self-pay plan paid up front.")
    insurance: Insurance
    financing: Financing
    consultation: Consultation
    evaluation: FirstEvaluation | None = Field(None, description="The first evaluation; absent when no source says.")
    availability: Availability
    care: CareModel
    starter_kit: StarterKit
    add_ons: list[Line] = Field(default_factory=list)
    add_on_prices: list[AddOn] = Field(default_factory=list)
    extra_costs: list[ExtraCost] = Field(
        default_factory=list, description="Fees and costs outside the plans' prices (late cancellation, copays)."
    )
    refund_if_ineligible: IneligibleRefund = Field(default_factory=lambda: IneligibleRefund(value="unknown"))
    refunds: list[RefundPolicy] = Field(default_factory=list, description="Refund ladders, current and historical.")
    reimbursement_ranges: list[Reimbursement] = Field(default_factory=list)
    support: list[Line] = Field(default_factory=list, description="App, community and messaging support.")
    pros: list[Text] = Field(default_factory=list)
    cons: list[Text] = Field(default_factory=list)
    inconsistencies: list[Text] = Field(default_factory=list, description="Where the sources contradict each other.")
    notes: list[Note] = Field(default_factory=list)
    exclusions: list[Note] = Field(
        default_factory=list, description="Who the provider itself says it will not treat, each with its source."
    )
    website: Website | None = Field(None, description="The provider's own site; absent where no source names it.")
    depends_on_rules: list[Slug] = Field(default_factory=list, description="Ids of the rules its service needs.")
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> Provider:
        if not self.plans and not self.subscriptions:
            raise ValueError("a provider needs at least one plan or subscription")
        _unique([p.id for p in self.plans] + [s.id for s in self.subscriptions], "plan/subscription id")
        _unique([s.id for s in self.sources], "source id")
        _check_note_sources([*self.notes, *self.exclusions], self.sources)
        _check_refunds(self)
        if self.availability.list_complete:
            known = set(self.availability.states_known)
            stray = sorted(set(self.insurance.carriers_by_state) - known)
            if stray:
                raise ValueError(f"insurance.carriers_by_state names states not served: {', '.join(stray)}")
        return self


class Alternative(Strict):
    id: Slug
    name: Line
    kind: Literal["nasal_spray", "infusion_clinic"]
    as_of: PastDate
    summary: Text
    delivery: list[Delivery]
    setting: Line
    fda_approved: bool | Literal["unknown", "varies"]
    insurance: Text
    cost: list[Note] = Field(default_factory=list, description="Cost facts, each with its source.")
    suits: list[Text] = Field(default_factory=list)
    drawbacks: list[Text] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    how_to_find: Note | None = Field(
        default=None, description="How to find it, as a source says; absent where no source says (unknown)."
    )
    depends_on_rules: list[Slug] = Field(default_factory=list, description="Ids of the rules its service needs.")
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> Alternative:
        _unique([s.id for s in self.sources], "source id")
        found = [self.how_to_find] if self.how_to_find else []
        _check_note_sources([*self.cost, *self.notes, *found], self.sources)
        return self


class SafetyInformation(Strict):
    disclaimer: Line
    suitable_for: list[Line]
    look_elsewhere: list[Line]
    contraindications: list[Line]
    side_effects_short_term: list[Line]
    side_effects_long_term: list[Line]
    exclusion_criteria: list[Text]
    dependence: Text
    fda_status: Text | None = None
    how_taken: list[Text] = Field(default_factory=list)
    sitter: Text | None = None
    identity_and_age: Text | None = Field(default=None, description="What platforms must check: identity, adulthood.")
    crisis_line: Line | None = None
    crisis_line_source: Slug | None = Field(
        default=None, description="The top-level source of the crisis line (the guide does not give it)."
    )
    source: Slug


class Closure(Strict):
    """A provider that stopped, and what became of its clients' prepaid money: the sourced context for "money
    paid ahead of the service"."""

    name: Line
    on: dt.date
    precision: Literal["day", "month"] = "day"
    what: Text = Field(description="What happened, and what the source says (or does not say) about prepaid money.")
    source: Source


class Catalogue(Strict):
    schema_version: Literal[1]
    title: Line
    disclaimer: Line
    sources: list[Source] = Field(min_length=1, description="Sources cited by the catalogue as a whole.")
    safety: SafetyInformation
    providers: list[Provider]
    alternatives: list[Alternative] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list, description="Dated rules the providers depend on.")
    closures: list[Closure] = Field(default_factory=list, description="Providers that stopped, with their sources.")

    @model_validator(mode="after")
    def _unique_ids(self) -> Catalogue:
        _unique([p.id for p in self.providers] + [a.id for a in self.alternatives], "provider/alternative id")
        _unique([s.id for s in self.sources], "source id")
        _unique([r.id for r in self.rules], "rule id")
        _check_rule_references(self)
        known = {s.id for s in self.sources}
        if self.safety.source not in known:
            raise ValueError(f"safety.source {self.safety.source!r} is not one of the catalogue's sources")
        if self.safety.crisis_line_source is not None and self.safety.crisis_line_source not in known:
            raise ValueError(
                f"safety.crisis_line_source {self.safety.crisis_line_source!r} is not one of the catalogue's sources"
            )
        return self


def _unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"duplicate {what} {item!r}; ids must be unique")
        seen.add(item)


def _check_rule_references(catalogue: Catalogue) -> None:
    known = {rule.id for rule in catalogue.rules}
    named = [("providers", i, e.depends_on_rules) for i, e in enumerate(catalogue.providers)]
    named += [("alternatives", i, e.depends_on_rules) for i, e in enumerate(catalogue.alternatives)]
    for kind, index, rule_ids in named:
        for position, rule_id in enumerate(rule_ids):
            if rule_id not in known:
                raise ValueError(
                    f"{kind}[{index}].depends_on_rules[{position}]: names rule {rule_id!r}, which is not in "
                    f"rules ({', '.join(sorted(known)) or 'none'})"
                )


def _check_note_sources(notes: Sequence[Note | RuleStep], sources: list[Source]) -> None:
    known = {s.id for s in sources}
    for note in notes:
        if note.source not in known:
            raise ValueError(f"note cites source {note.source!r}, which is not in sources ({', '.join(sorted(known))})")


def _check_refunds(provider: Provider) -> None:
    """Ladders, reimbursement figures and add-ons cite the provider's sources and its real plans; no
    charge is above the price of a plan it applies to."""
    known_sources = {s.id for s in provider.sources}
    plans = {p.id: p for p in provider.plans}
    cited = [r.source for r in provider.refunds] + [r.source for r in provider.reimbursement_ranges]
    cited += [a.source for a in provider.add_on_prices]
    cited += [c.source for c in provider.extra_costs]
    cited += [provider.website.source] if provider.website else []
    cited += [i.source for p in provider.plans for i in (p.installments, p.insured_installments) if i and i.source]
    cited += [provider.evaluation.source] if provider.evaluation else []
    cited += [s for s in (provider.refund_if_ineligible.source, provider.care.prescriber_source,
                          provider.care.follow_up_source, provider.care.minimum_age_source,
                          provider.insurance.hsa_fsa_elsewhere.source if provider.insurance.hsa_fsa_elsewhere else None)
              if s is not None]  # fmt: skip
    for source in cited:
        if source not in known_sources:
            raise ValueError(f"cites source {source!r}, which is not in sources ({', '.join(sorted(known_sources))})")
    _unique([r.id for r in provider.refunds], "refund ladder id")
    for ladder in provider.refunds:
        for plan_id in ladder.plans:
            if plan_id not in plans:
                raise ValueError(f"refund ladder {ladder.id!r} names plan {plan_id!r}, which this provider lacks")
            plan = plans[plan_id]
            price = plan.insured_price if ladder.payment == "insured" else plan.price
            for stage in ladder.stages:
                for charge in stage.charged:
                    if price is not None and charge.amount > price:
                        raise ValueError(
                            f"refund ladder {ladder.id!r} charges ${charge.amount}, above the ${price} "
                            f"price of plan {plan_id!r}"
                        )
    for figure in provider.reimbursement_ranges:
        for plan_id in figure.plans:
            if plan_id not in plans:
                raise ValueError(f"reimbursement figure names plan {plan_id!r}, which this provider lacks")


def _check_installments(plan: Installments | None, total: Decimal | None, name: str, total_name: str) -> None:
    if plan is None or total is None:
        return
    if plan.count * plan.amount != total:
        raise ValueError(
            f"{name}: {plan.count} × ${plan.amount} = ${plan.count * plan.amount}, but {total_name} is ${total}"
        )


def _check_per_dose(stated: Decimal | None, total: Decimal, doses: int, name: str) -> None:
    if stated is None:
        return
    expected = per_dose_cents(to_cents(total), doses)
    if to_cents(stated) != expected:
        raise ValueError(f"{name} is ${stated}, but ${total} ÷ {doses} doses = ${Decimal(expected) / 100:.2f}")
