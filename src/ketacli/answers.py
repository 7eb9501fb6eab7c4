"""Precomputed answers: each provider's answer to a command's questions, worked out once per catalogue and day.

Most runs ask a question whose money depends only on the doses, the way of buying (a returning client, paying
in full) and whether the provider is paid at its insured price (which the carrier and the state decide).
Everything else a question asks (a state, a carrier, a budget, a limit on what is paid ahead, the yes/no
flags, a form of ketamine, an office, an order, a limit) changes only a row's availability, its insurance
keys, the notes a question adds, the rules that reach its forms in the state, and whether a filter leaves it
out (`answerable`: all but a monthly budget, which changes which purchase is priced).

So `precompute`, for one command, dose count and way of buying (`Buying`), evaluates every provider once per
way of paying (self-pay; insured, where it takes insurance anywhere) with no state, carrier or flags
(`evaluate` still decides everything), and keeps each row as JSON text cut at the keys a question changes,
beside what each flag would say of it (`filters.provider_reasons`, one flag at a time: each is judged alone),
where it is served, its forms and offices, which carriers it takes where, and the figures the money filters
read. `answer` then resolves the carrier, picks each provider's way of paying, filters (filters.py, as
`evaluate` does), sorts (`query.in_rank_order`) and fills in those keys (with `evaluate`'s own note
functions); a row's text is printed as it is, never parsed. A warm run never imports the pricing engine, the
refunds or `evaluate`. tests/test_precomputed.py holds both paths byte-identical on random questions and
catalogues.

The text (cli/precomputed.py caches it) is a line of context; a line of every provider's `Precomputed` fields
as one JSON list (one parse, not one per provider); a line of what a question about a carrier reads (each
provider's `InsuranceFacts` and its insured answer's figures, parsed only for such a question); then one line
per provider's self-pay row, then one per insured row (cut out only for a question about a carrier). A row is
its pieces, escaped as `to_json` escapes, separated by U+001F. JSON text never holds a raw newline or U+001F
(json.dumps escapes every control character), so those separators cannot occur inside a piece.
Pure: no I/O.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from .criteria import Criteria, InsuranceAsk, served_in, takes_carrier
from .errors import NeedsCarrier
from .fields import COMPARE_FIELDS, COST_FIELDS, note_records, note_texts, row, touches_json
from .filters import (
    availability_reasons,
    budget_reasons,
    form_notes,
    hsa_fsa_note,
    insurance_alternatives,
    insurance_note,
    insurance_reasons,
    place_reasons,
    provider_reasons,
    question_notes,
    touch_notes,
    upfront_reasons,
)
from .notes import Note, NoteValue
from .query import Confirmed, Excluded, RankFacts, in_rank_order, rank_facts, resolve_insurance
from .rules import rules_by_id, rules_touching
from .textsafe import json_safe

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterator

    from .criteria import Availability
    from .document import AlternativeDoc, ClinicForms, EntryDates, QueryDoc, RuleDoc
    from .fields import Command, Row
    from .rules import RuleTouch
    from .vocabulary import DoseLevel

# The parts of a question a precomputed answer holds, per command (each command's options). The doses and the way
# of buying (a returning client, paying in full) choose the set of answers (`Buying`); the rest is worked out at
# run time.
ANSWERED_BY_PRECOMPUTING: dict[Command, frozenset[str]] = {
    "compare": frozenset({"state", "doses", "returning", "pay_in_full", "insurance", "in_network_only", "budget",
                          "max_upfront", "hsa_fsa", "financing", "free_consult", "no_sitter", "id_verified",
                          "clinician_led", "delivery", "in_clinic", "dose_level", "confirmed_only", "sort", "reverse",
                          "limit"}),
    "cost": frozenset({"state", "doses", "returning", "pay_in_full", "insurance", "in_network_only", "dose_level",
                       "confirmed_only", "limit"}),
}  # fmt: skip
_CRITERIA_DEFAULTS: dict[str, Any] = Criteria._field_defaults

# The row keys a question changes; the keys between them are kept as text (`_LAYOUTS`).
_CHANGING = ("rank", "availability", "insurance", "accepted_carriers", "rules_touching", "notes", "note_records")
_PIECE = b"\x1f"


def answerable(criteria: Criteria, command: Command = "compare") -> bool:
    """Whether a precomputed answer holds: no monthly budget asked about (it changes which purchase is priced),
    and `cost` asks for some doses."""
    if command == "cost" and criteria.doses is None:
        return False
    return all(
        getattr(criteria, name) == default
        for name, default in _CRITERIA_DEFAULTS.items()
        if name not in ANSWERED_BY_PRECOMPUTING[command]
    )


def _layout(keys: list[str]) -> list[str | tuple[str, ...]]:
    """A command's row keys in order: each changing key alone, the runs of fixed keys between them as tuples
    (an empty run between two changing keys too, so the pieces line up)."""
    layout: list[str | tuple[str, ...]] = []
    run: list[str] = []
    for key in keys:
        if key in _CHANGING:
            layout.append(tuple(run))
            layout.append(key)
            run = []
        else:
            run.append(key)
    layout.append(tuple(run))
    return layout


_LAYOUTS: dict[Command, list[str | tuple[str, ...]]] = {
    "compare": _layout(COMPARE_FIELDS),
    "cost": _layout(COST_FIELDS),
}


# One encoder for every value: json.dumps with any option builds a new one per call (tens of thousands here).
_dumps = json.JSONEncoder(ensure_ascii=False).encode  # as render.jsonfmt.to_json writes JSON for a pipe


def _safe_dumps(value: Any) -> str:
    """As `to_json` writes a value: its escaping is character by character, so pieces escaped apart join into
    the text escaped whole."""
    return json_safe(_dumps(value))


# The yes/no flags, in the order `filters.provider_reasons` gives their reasons, each asked alone.
FLAGS: dict[str, Criteria] = {
    "hsa_fsa": Criteria(hsa_fsa=True),
    "financing": Criteria(financing=True),
    "free_consult": Criteria(free_consult=True),
    "no_sitter": Criteria(no_sitter=True),
    "id_verified": Criteria(id_verified=True),
    "clinician_led": Criteria(clinician_led=True),
}


class Paying(NamedTuple):
    """A provider's answer for one way of paying (self-pay, or at its insured prices): how it sorts, what the
    money filters read, and its row's text (parsed only to be laid out)."""

    order: RankFacts
    reasons: list[str]  # what leaves it out whatever is asked (no purchase offered)
    upfront: int | None  # cents due before the first session; None: not stated, or nothing priced
    insured_price: bool  # its purchase is at the insured price: the insurance note says so
    # The row's fixed runs, then its notes' texts and records, each cut where the insurance note goes, as UTF-8
    # JSON, joined by _PIECE.
    pieces: bytes


class InsuranceFacts(NamedTuple):
    """What a question about a carrier reads of a provider (parsed only for such a question)."""

    takes_insurance: bool
    carriers_by_state: dict[str, list[str]]
    alternatives: str  # filters.insurance_alternatives: what to do where it does not take the carrier


class Precomputed(NamedTuple):
    """One provider's answer to a command's question: what the lines about dates read, where it is served, what
    each filter would say, and its answer for each way of paying (self-pay, then insured where it takes
    insurance anywhere); with a carrier asked about, which carriers it takes where."""

    dates: EntryDates
    states_known: list[str]
    list_complete: bool
    delivery: list[str]  # its at-home forms, which a state's rule may reach
    clinics: list[ClinicForms]  # its offices, for a question about a form or an office
    other_level: list[str]  # the reason a question about the other dose level leaves it out
    flagged: list[list[str]]  # per FLAGS, the reason that flag leaves it out (none: kept)
    hsa_fsa_note: list[dict[str, NoteValue]]  # with --hsa-fsa: the note that the sources disagree, if they do
    paying: list[Paying]  # self-pay; then, when read for a carrier and it takes insurance, insured
    insurance: InsuranceFacts | None  # None: read for a question about no carrier

    @property
    def dose_level(self) -> str:
        return self.paying[0].order.dose_level


class Answers(NamedTuple):
    """Every provider's precomputed answer to one command's question, with what the lines about dates and rules
    read."""

    command: Command
    doses: int | None
    today: str
    rules: list[RuleDoc]
    alternatives: list[AlternativeDoc]
    undated_sources: dict[str, int]
    answers: list[Precomputed]
    carriers: bool  # read for a question about a carrier: each answer has its insurance facts and insured rows

    @property
    def providers(self) -> list[EntryDates]:
        return [a.dates for a in self.answers]


class Buying(NamedTuple):
    """What chooses a set of precomputed answers: the command, the doses (None: `compare`'s cheapest way to
    start) and the way of buying."""

    command: Command = "compare"
    doses: int | None = None
    returning: bool = False
    pay_in_full: bool = False

    @classmethod
    def asked(cls, criteria: Criteria, command: Command) -> Buying:
        return cls(command, criteria.doses, criteria.returning, criteria.pay_in_full)


COMMON = Buying()  # `compare` with no doses: the most common question


def precompute(document: QueryDoc, today: dt.date, buying: Buying = COMMON) -> bytes:
    """The answers text for a catalogue's query document on `today` (the rules' standing changes by date), for
    one command, dose count and way of buying."""
    from .document import DATE_KEYS  # its TypedDicts cost 6 ms to build: only the day's first run needs it
    from .evaluation import evaluate  # with the pricing engine and refunds: a warm run needs none of them

    rules = rules_by_id(document["rules"])
    command = buying.command
    context = {
        "command": command,
        "doses": buying.doses,
        "today": today.isoformat(),
        "rules": document["rules"],
        "alternatives": document["alternatives"],
        "undated_sources": document["undated_sources"],
    }
    heads: list[list[Any]] = []
    carriers: list[list[Any]] = []
    rows: list[bytes] = []
    insured_rows: list[bytes] = []
    plain = Criteria(doses=buying.doses, returning=buying.returning, pay_in_full=buying.pay_in_full)
    for provider in document["providers"]:
        insurance = provider["insurance"]
        takes_insurance = insurance["accepted"] and any(insurance["carriers_by_state"].values())
        paying = []
        for insured in (False, True) if takes_insurance else (False,):
            evaluation = evaluate(provider, plain, None, rules, today, insured=insured)
            upfront = evaluation.paid_ahead.before_first_session if evaluation.paid_ahead else None
            fields = dict(row(evaluation, command))
            paying.append([list(rank_facts(evaluation)), list(evaluation.reasons), upfront, fields["insured_price"]])
            (insured_rows if insured else rows).append(_row_pieces(fields, evaluation.notes, command))
        other_level: DoseLevel = "very_low" if provider["dose_level"] == "standard" else "standard"
        heads.append([
            {key: value for key, value in provider.items() if key in DATE_KEYS},
            provider["availability"]["states_known"],
            provider["availability"]["list_complete"],
            provider["delivery"],
            [{"state": c["state"], "ketamine_sessions": c["ketamine_sessions"], "delivery": c["delivery"]}
             for c in provider["availability"]["in_clinic"]],
            provider_reasons(provider, Criteria(dose_level=other_level)),
            [provider_reasons(provider, alone) for alone in FLAGS.values()],
            note_records(hsa_fsa_note(provider)),
            paying[0],
        ])  # fmt: skip
        carriers.append([
            insurance["accepted"], insurance["carriers_by_state"], insurance_alternatives(insurance), paying[1:]
        ])  # fmt: skip
    # A question about no carrier reads neither the carriers' line nor the insured rows (they come last).
    lines = [_dumps(context).encode(), _dumps(heads).encode(), _dumps(carriers).encode(), *rows, *insured_rows]
    return b"\n".join(lines) + b"\n"


def _row_pieces(fields: dict[str, Any], notes: tuple[Note, ...], command: Command) -> bytes:
    """A stateless row as stored: its fixed runs, then its notes cut where a carrier's note goes (after the
    dose-level note, as `evaluation.purchase_notes` places it), without the rules' notes (a question's state
    decides those)."""
    kept = [n for n in notes if n.kind != "rule_touches"]
    cut = 1 if kept and kept[0].kind == "very_low_dose" else 0
    head, tail = kept[:cut], kept[cut:]
    runs = [_dumps({key: fields[key] for key in part})[1:-1] for part in _LAYOUTS[command] if isinstance(part, tuple)]
    said = [_dumps(note_texts(head)), _dumps(note_texts(tail)), _dumps(note_records(head)), _dumps(note_records(tail))]
    # Escaped once, joined by newlines: JSON text holds no raw newline, and `json_safe` leaves newlines alone.
    return json_safe("\n".join([*runs, *said])).replace("\n", _PIECE.decode()).encode()


def read_answers(data: bytes, *, carriers: bool = True) -> Answers:
    """The answers `precompute` wrote (checked by the cache before it is read here). Bytes, not text: a row is
    written as it was stored, never decoded (UTF-8 has no 0x0A or 0x1F byte inside a character). Without
    `carriers` (a question about no carrier), the carriers' facts and the insured rows are not even cut out."""
    lines = _lines(data)
    known, heads = json.loads(next(lines)), json.loads(next(lines))
    carriers_line = next(lines)
    insurance = json.loads(carriers_line) if carriers else None
    answers = [
        Precomputed(dates, states, complete, delivery, clinics, other_level, flagged, hsa_note,
                    [_paying(paying, next(lines))], None)
        for dates, states, complete, delivery, clinics, other_level, flagged, hsa_note, paying in heads
    ]  # fmt: skip
    if insurance is not None:
        for index, (read, (takes, by_state, alternatives, insured)) in enumerate(zip(answers, insurance, strict=True)):
            read.paying.extend(_paying(paying, next(lines)) for paying in insured)  # in the order they were written
            answers[index] = read._replace(insurance=InsuranceFacts(takes, by_state, alternatives))
        if next(lines, None) is not None:
            raise ValueError("more rows than answers")
    return Answers(known["command"], known["doses"], known["today"], known["rules"], known["alternatives"],
                   known["undated_sources"], answers, carriers)  # fmt: skip


def _paying(facts: list[Any], pieces: bytes) -> Paying:
    """A way of paying as `precompute` keeps it: [order, reasons, upfront, insured_price], and its row."""
    order, reasons, upfront, insured_price = facts
    return Paying(RankFacts(*order), reasons, upfront, insured_price, pieces)


def _lines(data: bytes) -> Iterator[bytes]:
    """The lines one by one, each cut out only when asked for (not `split`: the rows not needed stay uncopied)."""
    start, end = 0, data.find(b"\n")
    while end != -1:
        yield data[start:end]
        start, end = end + 1, data.find(b"\n", end + 1)


class AnsweredRow(NamedTuple):
    """A precomputed answer, shown for one question: its place, its way of paying, and what the question's state
    and carrier add."""

    answer: Precomputed
    paying: Paying
    command: Command
    rank: int
    availability: Availability | None
    touches: tuple[RuleTouch, ...]
    # The notes a question adds before the stored ones: the rules' that reach the form asked about, then
    # filters.question_notes and filters.form_notes; and after them, the other rules'.
    opening: tuple[Note, ...]
    closing: tuple[Note, ...]
    ask: InsuranceAsk | None
    insured: bool
    paid_by: tuple[Note, ...]  # with a carrier asked about: filters.insurance_note (for a priced row)


class Answered(NamedTuple):
    rows: list[AnsweredRow]
    excluded: list[Excluded[EntryDates]]
    confirmed: Confirmed | None
    notices: list[str]  # as query.Result's
    insurance: InsuranceAsk | None


def _left_out_by(precomputed: Precomputed, criteria: Criteria) -> list[str]:
    """`filters.provider_reasons` for this question, from each flag's own reason (each flag is judged alone)."""
    reasons = []
    if criteria.dose_level is not None and criteria.dose_level != precomputed.dose_level:
        reasons.extend(precomputed.other_level)
    for flag, flag_reasons in zip(FLAGS, precomputed.flagged, strict=True):
        if getattr(criteria, flag):
            reasons.extend(flag_reasons)
    return reasons


def answer(answers: Answers, criteria: Criteria, today: dt.date) -> Answered:
    """`query.compare` (or `query.cost`) for an `answerable` question, from the precomputed answers of `today`,
    with the same reasons, in the same order, as `evaluate` gives them."""
    if criteria.in_network_only and criteria.insurance is None:
        raise NeedsCarrier
    if criteria.insurance is not None and not answers.carriers:
        raise ValueError("a question about a carrier needs the answers read with their carriers")
    state = criteria.state
    listings = [a.insurance.carriers_by_state for a in answers.answers if a.insurance is not None]
    ask, notices = resolve_insurance(listings, criteria.insurance, state)
    passed: list[tuple[Precomputed, Paying, Availability | None, bool]] = []
    excluded: list[Excluded[EntryDates]] = []
    for precomputed in answers.answers:
        served = served_in(precomputed.states_known, precomputed.list_complete, state) if state else None
        insured = _insured(precomputed, state, ask)
        paying = precomputed.paying[insured]  # an insured answer is kept wherever the provider takes insurance
        total = paying.order.total
        reasons = [
            *availability_reasons(served, criteria),
            *insurance_reasons(criteria, ask, insured, _alternatives(precomputed)),
            *_left_out_by(precomputed, criteria),
            *place_reasons(precomputed.delivery, precomputed.clinics, criteria),
            *paying.reasons,
            *budget_reasons(criteria, total),
            *upfront_reasons(criteria, total is not None, paying.upfront),
        ]
        if reasons:
            excluded.append(Excluded(precomputed.dates, reasons))
        else:
            passed.append((precomputed, paying, served, insured))
    in_rank_order(passed, lambda item: item[1].order, criteria)
    confirmed = None
    if state:
        in_state = sum(state in a.states_known for a in answers.answers)
        confirmed = Confirmed(in_state, sum(served == "served" for _, _, served, _ in passed))
    if criteria.limit:  # 0: all
        passed = passed[: criteria.limit]
    touching: dict[tuple[str, ...], tuple[RuleTouch, ...]] = {}  # by forms: most providers share a few

    def touches(forms: list[str]) -> tuple[RuleTouch, ...]:
        key = tuple(forms)
        if key not in touching:
            touching[key] = tuple(rules_touching(forms, state, answers.rules, today))
        return touching[key]

    def paid_by(precomputed: Precomputed, paying: Paying) -> tuple[Note, ...]:
        if ask is None or paying.order.total is None:  # `evaluate` notes it for a priced row only
            return ()
        return (insurance_note(criteria, ask, paying.insured_price, _alternatives(precomputed)),)

    def answered(position: int, precomputed: Precomputed, paying: Paying, served: Availability | None,
                 insured: bool) -> AnsweredRow:  # fmt: skip
        touched = touches(precomputed.delivery)
        first, last = touch_notes(touched, criteria)  # as evaluation.place_touch_notes places them
        disputed = [Note.from_record(r) for r in precomputed.hsa_fsa_note]
        opening = [*first, *question_notes(criteria, served, disputed),
                   *form_notes(precomputed.delivery, precomputed.clinics, criteria)]  # fmt: skip
        return AnsweredRow(precomputed, paying, answers.command, position, served, touched, tuple(opening),
                           tuple(last), ask, insured, paid_by(precomputed, paying))  # fmt: skip

    rows = [answered(position, *item) for position, item in enumerate(passed, start=1)]
    return Answered(rows, excluded, confirmed, notices, ask)


def _insured(precomputed: Precomputed, state: str | None, ask: InsuranceAsk | None) -> bool:
    """`evaluate`'s way of paying: insured where the provider takes the carrier asked about in the state."""
    facts = precomputed.insurance
    return bool(ask and state and facts and takes_carrier(facts.takes_insurance, facts.carriers_by_state, state, ask))


def _alternatives(precomputed: Precomputed) -> str:
    return precomputed.insurance.alternatives if precomputed.insurance is not None else ""


_KEYS = {key: (_dumps(key) + ": ").encode() for key in _CHANGING}
_AVAILABILITY = {None: b"null", "served": b'"served"', "unknown": b'"unknown"', "not_served": b'"not_served"'}


def row_json(answered: AnsweredRow) -> bytes:
    """The row as compact UTF-8 JSON, exactly as `render.jsonfmt.to_json` writes `query.compare`'s for a pipe
    (control characters escaped: the stored pieces were escaped when written, the rest is escaped here).
    The notes are the opening ones, the stored dose-level one, the carrier's, the other stored ones, then the
    closing ones, joined as JSON lists, never parsed."""
    *runs, head_texts, tail_texts, head_records, tail_records = answered.paying.pieces.split(_PIECE)
    opening, paid_by, after = list(answered.opening), list(answered.paid_by), list(answered.closing)
    ask = answered.ask
    changing = {
        "rank": str(answered.rank).encode(),
        "availability": _AVAILABILITY[answered.availability],
        "insurance": b"null" if ask is None else b'"accepted"' if answered.insured else b'"not_accepted"',
        "accepted_carriers": b"null"
        if ask is None
        else _safe_dumps([ask.carrier] if answered.insured else []).encode(),
        "rules_touching": _safe_dumps(touches_json(answered.touches)).encode() if answered.touches else b"[]",
        "notes": _joined(note_texts(opening), head_texts, note_texts(paid_by), tail_texts, note_texts(after)),
        "note_records": _joined(
            note_records(opening), head_records, note_records(paid_by), tail_records, note_records(after)
        ),
    }
    parts = []
    pieces = iter(runs)
    for part in _LAYOUTS[answered.command]:
        if isinstance(part, str):
            parts.append(_KEYS[part] + changing[part])
        else:
            run = next(pieces)
            if run:
                parts.append(run)
    return b"{" + b", ".join(parts) + b"}"


def _joined(*lists: bytes | list[Any]) -> bytes:
    """JSON lists as one: each a value, or the text of one stored (bytes)."""
    inner = []
    for part in lists:
        if not part or part == b"[]":
            continue
        text = part if isinstance(part, bytes) else _safe_dumps(part).encode()
        inner.append(text[1:-1])
    return b"[" + b", ".join(inner) + b"]"


def row_of(answered: AnsweredRow) -> Row:
    """The row as data, for the views that lay it out (tables, CSV, Markdown, chosen fields)."""
    return cast("Row", json.loads(row_json(answered)))
