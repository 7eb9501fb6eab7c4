"""What a question's filters say of one provider: the reasons its state, carrier, dose level, policies, forms,
offices and money (from its priced figures) leave it out, and the notes a question adds to a row (unconfirmed
availability, an HSA/FSA disagreement, insured or self-pay), for `evaluation.judge`. A new yes/no filter is
one criterion (`criteria.py`), one reason here, and its words. Pure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from .criteria import DELIVERY_KINDS, Availability, Criteria, InsuranceAsk
from .money import format_usd
from .notes import Note, note, touch_note

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .document import ClinicForms, InsuranceDoc, RankedProviderDoc
    from .rules import RuleTouch


def availability_reasons(served: Availability | None, criteria: Criteria) -> list[str]:
    if served == "not_served":
        return [f"not available in {criteria.state}"]
    if served == "unknown" and criteria.confirmed_only:
        return [f"availability in {criteria.state} is unconfirmed"]
    return []


def insurance_reasons(criteria: Criteria, ask: InsuranceAsk | None, insured: bool, alternatives: str) -> list[str]:
    """--in-network-only: a provider that does not take the carrier in the state is left out. `alternatives`:
    the provider's `insurance_alternatives`."""
    if ask is not None and not insured and criteria.in_network_only:
        return [f"does not take {ask.shown} in {criteria.state}: {alternatives}"]
    return []


def insurance_note(criteria: Criteria, ask: InsuranceAsk, insured_price: bool, alternatives: str) -> Note:
    """With a carrier asked about, the note that says how a priced row is paid for: at the insured price, or
    self-pay (and what to do instead)."""
    if insured_price:
        return note("insured_price", f"insured price with {ask.carrier} in {criteria.state}", carrier=ask.carrier)
    return note(
        "self_pay", f"self-pay: does not take {ask.shown} in {criteria.state}; {alternatives}", carrier=ask.shown
    )


def insurance_alternatives(insurance: InsuranceDoc) -> str:
    """What someone can do when a provider does not take their insurance, in a few words."""
    parts = []
    disputed = insurance["hsa_fsa_elsewhere"] is not None
    parts.append(
        f"HSA/FSA: {hsa_fsa_disagreement(insurance['hsa_fsa'])}" if disputed else hsa_fsa_words(insurance["hsa_fsa"])
    )
    if insurance["superbill"] is True:
        parts.append("superbill for reimbursement")
    elif insurance.get("reimbursement"):
        parts.append("may be reimbursed")
    return ", ".join(parts)


def budget_reasons(criteria: Criteria, total: int | None) -> list[str]:
    """--budget, judged on the total of the purchase the row shows (None: none could be priced)."""
    if total is None or criteria.budget is None or total <= criteria.budget:
        return []
    what = f"cheapest {criteria.doses} doses cost" if criteria.doses else "cheapest plan costs"
    return [f"{what} {format_usd(total)}, over the {format_usd(criteria.budget)} budget"]


def provider_reasons(provider: RankedProviderDoc, criteria: Criteria) -> list[str]:
    """What leaves a provider out whatever its prices: its dose level, its policies, its forms and offices."""
    return [
        *_dose_level_reasons(provider, criteria),
        *_policy_reasons(provider, criteria),
        *place_reasons(provider["delivery"], provider["availability"]["in_clinic"], criteria),
    ]


def place_reasons(delivery: list[str], clinics: Sequence[ClinicForms], criteria: Criteria) -> list[str]:
    """What leaves a provider out for the form of ketamine asked about (at home, or at an office in the state)
    and for an office asked about: from its at-home forms and its offices."""
    reasons = []
    if criteria.delivery and delivery_answer(delivery, clinics, criteria.delivery, criteria.state) == "no":
        where = f" in {criteria.state}" if criteria.state else ""
        reasons.append(f"no {criteria.delivery} delivery{where}")
    if criteria.in_clinic:
        reason = _in_clinic_reason(clinics, criteria.state)
        if reason:
            reasons.append(reason)
    return reasons


def form_notes(delivery: list[str], clinics: Sequence[ClinicForms], criteria: Criteria) -> list[Note]:
    """With --delivery, the note that an office gives ketamine sessions in a form the sources do not state."""
    if criteria.delivery and delivery_answer(delivery, clinics, criteria.delivery, criteria.state) == "not_stated":
        where = f"the {criteria.state} office" if criteria.state else "its office"
        return [
            note(
                "delivery_unconfirmed",
                f"{criteria.delivery} unconfirmed: the sources do not say what form {where} uses",
                delivery=criteria.delivery,
            )
        ]
    return []


def touch_notes(touching: Sequence[RuleTouch], criteria: Criteria, name: str) -> tuple[list[Note], list[Note]]:
    """The notes of the rules that reach a row's forms: the state's own law and those reaching the very form asked
    about (--delivery) open the row, the others close it."""
    asked = set(DELIVERY_KINDS[criteria.delivery]) if criteria.delivery else set()

    first: list[Note] = []
    last: list[Note] = []
    for touch in touching:
        opens = bool(touch.now.rule["requires"]) or bool(asked & set(touch.forms))
        (first if opens else last).append(touch_note(touch, criteria.state, name))
    return first, last


def _dose_level_reasons(provider: RankedProviderDoc, criteria: Criteria) -> list[str]:
    if criteria.dose_level and provider["dose_level"] != criteria.dose_level:
        return [f"dose level is {_dose_level_words(provider)}"]
    return []


def question_notes(criteria: Criteria, served: Availability | None, disputed: list[Note]) -> list[Note]:
    """The notes a row opens with that its state and the yes/no flags decide, not its prices. `disputed`: the
    provider's `hsa_fsa_note`, said only when HSA/FSA was asked about."""
    notes = [availability_note(criteria.state)] if served == "unknown" else []
    return (notes + disputed) if criteria.hsa_fsa else notes


def availability_note(state: str | None) -> Note:
    return note(
        "availability_unconfirmed", f"availability in {state} unconfirmed: check with the provider", state=state
    )


def hsa_fsa_note(provider: RankedProviderDoc) -> list[Note]:
    """With --hsa-fsa, where the sources disagree whether HSA/FSA money pays (a reason not to leave it out)."""
    if provider["insurance"]["hsa_fsa"] == "yes" or provider["insurance"]["hsa_fsa_elsewhere"] is None:
        return []
    words = hsa_fsa_disagreement(provider["insurance"]["hsa_fsa"])
    return [note("hsa_fsa_disputed", f"HSA/FSA: {words}: check with your plan")]


def _dose_level_words(provider: RankedProviderDoc) -> str:
    return "very-low (psycholytic)" if provider["dose_level"] == "very_low" else "standard"


def _policy_reasons(provider: RankedProviderDoc, criteria: Criteria) -> list[str]:
    reasons = []
    insurance, care = provider["insurance"], provider["care"]
    if criteria.hsa_fsa and insurance["hsa_fsa"] != "yes" and insurance["hsa_fsa_elsewhere"] is None:
        reasons.append(hsa_fsa_words(insurance["hsa_fsa"]))  # a disagreement between sources is kept, and said
    if criteria.financing and not provider["financing"]["available"]:
        reasons.append("no financing")
    if criteria.free_consult and provider["consultation"]["cost"] != "free":
        reasons.append(f"consultation is not free ({provider['consultation']['cost'].replace('_', ' ')})")
    if criteria.no_sitter and care["sitter_required"] is not False:
        reasons.append("a sitter is required" if care["sitter_required"] is True else "sitter requirement unknown")
    if criteria.id_verified and care["id_verification"] != "required":
        reasons.append(f"ID verification is {care['id_verification'].replace('_', ' ')}, not required")
    if criteria.clinician_led and care["integration"] != "psychiatric_clinician":
        reasons.append(f"integration is led by {_integration_words(care['integration'])}, not a licensed clinician")
    return reasons


def _integration_words(integration: str) -> str:
    return {"psychiatric_clinician": "a psychiatric clinician", "coach": "a coach", "none": "nobody"}.get(
        integration, "unknown"
    )


def delivery_answer(
    delivery: list[str], clinics: Sequence[ClinicForms], kind: str, state: str | None
) -> Literal["yes", "no", "not_stated"]:
    """Whether the provider offers this form of ketamine, at home (`delivery`) or at an office in the state:
    "not_stated" where an office gives ketamine sessions but the sources do not say in what form."""
    wanted = set(DELIVERY_KINDS[kind])
    here = [c for c in clinics if state is None or c["state"] == state]
    if wanted & set(delivery) or any(wanted & set(c["delivery"]) for c in here):
        return "yes"
    if any(c["ketamine_sessions"] and not c["delivery"] for c in here):
        return "not_stated"
    return "no"


def _in_clinic_reason(all_clinics: Sequence[ClinicForms], state: str | None) -> str | None:
    clinics = [c for c in all_clinics if state is None or c["state"] == state]
    where = f" in {state}" if state else ""
    if not clinics:
        return f"no in-person option{where}"
    if not any(c["ketamine_sessions"] for c in clinics):
        return f"in-person option{where} offers no ketamine sessions"
    return None


def hsa_fsa_words(value: str) -> str:
    """Whether HSA/FSA money pays for it, in the few words a reason or a note uses."""
    return {
        "yes": "HSA/FSA accepted",
        "may_be_possible": 'HSA/FSA payment only "may be possible"',
        "no": "no HSA/FSA",
    }.get(value, "HSA/FSA acceptance unknown")


def hsa_fsa_disagreement(value: str) -> str:
    return f"the sources disagree ({hsa_fsa_words(value)}; another source says otherwise)"
