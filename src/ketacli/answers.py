"""Precomputed answers: each provider's answer to the default question, worked out once per catalogue and day.

Most runs ask the default question: `compare`, perhaps with a state, an order, a limit and yes/no flags, or
`cost` for some doses, perhaps in a state (`answerable`; one set of answers per command and dose count). Its money does not depend on the state or the flags: only the availability, the notes that
open a row, the rules that reach its forms in the state, and whether a filter leaves it out do. So `precompute`
evaluates every provider once, with no state and no flags (`evaluate` still decides everything), and keeps
each row as JSON text cut at the keys a question changes, beside what each flag would say of it (worked out
by `filters.provider_reasons`, one flag at a time: each is judged alone) and where it is served. `answer`
then only filters by the state and the flags (filters.py, as `evaluate` does), sorts (with
`query.in_rank_order`) and fills in those keys (with `evaluate`'s own note functions); a row's text is printed
as it is, never parsed. A warm run never imports the pricing engine, the refunds or `evaluate`.
tests/test_precomputed.py holds both paths byte-identical on random questions and catalogues.

The text (cli/precomputed.py caches it) is a line of context, a line of every provider's `Precomputed` fields
as one JSON list (one parse, not one per provider), then one line per provider: its row's pieces, escaped as
`to_json` escapes, separated by U+001F. JSON text never holds a raw newline or U+001F (json.dumps escapes
every control character), so those separators cannot occur inside a piece.
Pure: no I/O.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from .criteria import Criteria, served_in
from .fields import COMPARE_FIELDS, COST_FIELDS, note_records, note_texts, row, touches_json
from .filters import availability_reasons, hsa_fsa_note, provider_reasons, question_notes
from .notes import Note, NoteValue, touch_note
from .query import Confirmed, Excluded, RankFacts, in_rank_order, rank_facts
from .rules import rules_by_id, rules_touching
from .textsafe import json_safe

if TYPE_CHECKING:
    import datetime as dt

    from .criteria import Availability
    from .document import AlternativeDoc, EntryDates, QueryDoc, RuleDoc
    from .fields import Command, Row
    from .rules import RuleTouch
    from .vocabulary import DoseLevel

# The question's own parts a precomputed answer works out at run time, per command: `compare`'s state, order,
# limit and yes/no flags; `cost`'s state and limit, for the doses its answers were worked out for.
ANSWERED_BY_PRECOMPUTING: dict[Command, frozenset[str]] = {
    "compare": frozenset({"state", "hsa_fsa", "financing", "free_consult", "no_sitter", "id_verified",
                          "clinician_led", "dose_level", "confirmed_only", "sort", "reverse", "limit"}),
    "cost": frozenset({"state", "doses", "dose_level", "confirmed_only", "limit"}),
}  # fmt: skip
_CRITERIA_DEFAULTS: dict[str, Any] = Criteria._field_defaults

# The row keys a question changes; the keys between them are kept as text (`_LAYOUTS`).
_CHANGING = ("rank", "availability", "rules_touching", "notes", "note_records")
_PIECE = b"\x1f"


def answerable(criteria: Criteria, command: Command = "compare") -> bool:
    """Whether a precomputed answer holds: no money, insurance, delivery or office asked about (and for `compare`
    no doses; `cost` always asks some, and its answers are worked out per dose count)."""
    if (criteria.doses is None) != (command == "compare"):
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


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)  # as render.jsonfmt.to_json writes JSON for a pipe


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


class Precomputed(NamedTuple):
    """One provider's answer to the default question: what the lines about dates read, where it is served,
    what each filter would say, how it sorts, and its row's text (parsed only to be laid out)."""

    dates: EntryDates
    states_known: list[str]
    list_complete: bool
    delivery: list[str]  # its at-home forms, which a state's rule may reach
    order: RankFacts
    other_level: list[str]  # the reason a question about the other dose level leaves it out
    flagged: list[list[str]]  # per FLAGS, the reason that flag leaves it out (none: kept)
    hsa_fsa_note: list[dict[str, NoteValue]]  # with --hsa-fsa: the note that the sources disagree, if they do
    reasons: list[str]  # what leaves it out whatever is asked (no purchase offered)
    pieces: bytes  # the row's fixed runs, then its notes' texts and records, as UTF-8 JSON, joined by _PIECE


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

    @property
    def providers(self) -> list[EntryDates]:
        return [a.dates for a in self.answers]


def precompute(document: QueryDoc, today: dt.date, command: Command = "compare", doses: int | None = None) -> bytes:
    """The answers text for a catalogue's query document on `today` (the rules' standing changes by date), for
    `command` (and `cost`'s dose count)."""
    from .document import DATE_KEYS  # its TypedDicts cost 6 ms to build: only the day's first run needs it
    from .evaluation import evaluate  # with the pricing engine and refunds: a warm run needs none of them

    rules = rules_by_id(document["rules"])
    context = {
        "command": command,
        "doses": doses,
        "today": today.isoformat(),
        "rules": document["rules"],
        "alternatives": document["alternatives"],
        "undated_sources": document["undated_sources"],
    }
    heads, rows = [], []
    plain = Criteria(doses=doses)
    layout = _LAYOUTS[command]
    for provider in document["providers"]:
        evaluation = evaluate(provider, plain, None, rules, today)
        fields: dict[str, Any] = dict(row(evaluation, command))
        # The stateless row's rule notes are the nationwide ones; a question's state decides its own.
        notes = [n for n in evaluation.notes if n.kind != "rule_touches"]
        runs = [_safe_dumps({key: fields[key] for key in part})[1:-1] for part in layout if isinstance(part, tuple)]
        pieces = [*runs, _safe_dumps(note_texts(notes)), _safe_dumps(note_records(notes))]
        rows.append(_PIECE.join(piece.encode() for piece in pieces))
        other_level: DoseLevel = "very_low" if provider["dose_level"] == "standard" else "standard"
        heads.append([
            {key: value for key, value in provider.items() if key in DATE_KEYS},
            provider["availability"]["states_known"],
            provider["availability"]["list_complete"],
            provider["delivery"],
            list(rank_facts(evaluation)),
            provider_reasons(provider, Criteria(dose_level=other_level)),
            [provider_reasons(provider, alone) for alone in FLAGS.values()],
            note_records(hsa_fsa_note(provider)),
            list(evaluation.reasons),
        ])  # fmt: skip
    return b"\n".join([_dumps(context).encode(), _dumps(heads).encode(), *rows]) + b"\n"


def read_answers(data: bytes) -> Answers:
    """The answers `precompute` wrote (checked by the cache before it is read here). Bytes, not text: a row is
    written as it was stored, never decoded (UTF-8 has no 0x0A or 0x1F byte inside a character)."""
    context, heads, *rows = data.split(b"\n")[:-1]
    known = json.loads(context)
    answers = [
        Precomputed(dates, states, complete, delivery, RankFacts(*order), other_level, flagged, hsa_note, reasons, row)
        for (dates, states, complete, delivery, order, other_level, flagged, hsa_note, reasons), row in zip(
            json.loads(heads), rows, strict=True
        )
    ]
    return Answers(known["command"], known["doses"], known["today"], known["rules"], known["alternatives"],
                   known["undated_sources"], answers)  # fmt: skip


class AnsweredRow(NamedTuple):
    """A precomputed answer, shown for one question: its place, and what the question's state adds."""

    answer: Precomputed
    command: Command
    rank: int
    state: str | None
    availability: Availability | None
    touches: tuple[RuleTouch, ...]
    opening: tuple[Note, ...]  # filters.question_notes: unconfirmed availability, an HSA/FSA disagreement


class Answered(NamedTuple):
    rows: list[AnsweredRow]
    excluded: list[Excluded[EntryDates]]
    confirmed: Confirmed | None


def _left_out_by(precomputed: Precomputed, criteria: Criteria) -> list[str]:
    """`filters.provider_reasons` for this question, from each flag's own reason (each flag is judged alone)."""
    reasons = []
    if criteria.dose_level is not None and criteria.dose_level != precomputed.order.dose_level:
        reasons.extend(precomputed.other_level)
    for flag, flag_reasons in zip(FLAGS, precomputed.flagged, strict=True):
        if getattr(criteria, flag):
            reasons.extend(flag_reasons)
    return reasons


def answer(answers: Answers, criteria: Criteria, today: dt.date) -> Answered:
    """`query.compare` (or `query.cost`) for an `answerable` question, from the precomputed answers of `today`."""
    state = criteria.state
    passed: list[tuple[Precomputed, Availability | None]] = []
    excluded: list[Excluded[EntryDates]] = []
    for precomputed in answers.answers:
        served = served_in(precomputed.states_known, precomputed.list_complete, state) if state else None
        reasons = [*availability_reasons(served, criteria), *_left_out_by(precomputed, criteria), *precomputed.reasons]
        if reasons:
            excluded.append(Excluded(precomputed.dates, reasons))
        else:
            passed.append((precomputed, served))
    in_rank_order(passed, lambda item: item[0].order, criteria)
    confirmed = None
    if state:
        in_state = sum(state in a.states_known for a in answers.answers)
        confirmed = Confirmed(in_state, sum(served == "served" for _, served in passed))
    if criteria.limit:  # 0: all
        passed = passed[: criteria.limit]
    touching: dict[tuple[str, ...], tuple[RuleTouch, ...]] = {}  # by forms: most providers share a few

    def touches(forms: list[str]) -> tuple[RuleTouch, ...]:
        key = tuple(forms)
        if key not in touching:
            touching[key] = tuple(rules_touching(forms, state, answers.rules, today))
        return touching[key]

    rows = [
        AnsweredRow(
            precomputed,
            answers.command,
            position,
            state,
            served,
            touches(precomputed.delivery),
            tuple(question_notes(criteria, served, [Note.from_record(r) for r in precomputed.hsa_fsa_note])),
        )
        for position, (precomputed, served) in enumerate(passed, start=1)
    ]
    return Answered(rows, excluded, confirmed)


_KEYS = {key: (_dumps(key) + ": ").encode() for key in _CHANGING}
_AVAILABILITY = {None: b"null", "served": b'"served"', "unknown": b'"unknown"', "not_served": b'"not_served"'}


def row_json(answered: AnsweredRow) -> bytes:
    """The row as compact UTF-8 JSON, exactly as `render.jsonfmt.to_json` writes `query.compare`'s for a pipe
    (control characters escaped: the stored pieces were escaped when written, the rest is escaped here).
    An answerable question asks no delivery, so `evaluation.place_touch_notes` puts every rule's note last:
    the notes are the opening ones, the stored ones, then the rules', joined as JSON lists, never parsed."""
    *runs, texts, records = answered.answer.pieces.split(_PIECE)
    touches = b"[]"
    if answered.opening or answered.touches:
        before, after = list(answered.opening), [touch_note(t, answered.state) for t in answered.touches]
        texts = _joined(note_texts(before), texts, note_texts(after))
        records = _joined(note_records(before), records, note_records(after))
        if answered.touches:
            touches = _safe_dumps(touches_json(answered.touches)).encode()
    changing = {
        "rank": str(answered.rank).encode(),
        "availability": _AVAILABILITY[answered.availability],
        "rules_touching": touches,
        "notes": texts,
        "note_records": records,
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


def _joined(before: list[Any], stored: bytes, after: list[Any]) -> bytes:
    """Three JSON lists as one: `before` and `after` as values, `stored` as its text."""
    inner = [_safe_dumps(before)[1:-1].encode(), stored[1:-1], _safe_dumps(after)[1:-1].encode()]
    return b"[" + b", ".join(part for part in inner if part) + b"]"


def row_of(answered: AnsweredRow) -> Row:
    """The row as data, for the views that lay it out (tables, CSV, Markdown, chosen fields)."""
    return cast("Row", json.loads(row_json(answered)))
