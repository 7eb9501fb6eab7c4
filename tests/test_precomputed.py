"""Precomputed answers (#32): the default question answered from each provider's stored row says, byte for byte,
what `query.compare` says, on random questions and random catalogues; and through the cache, once a day."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CATALOGUE
from ketacli.answers import (
    ANSWERED_BY_PRECOMPUTING,
    Buying,
    answer,
    answerable,
    precompute,
    read_answers,
    row_json,
    row_of,
)
from ketacli.catalogue import LoadedQuery, load_catalogue, query_document
from ketacli.criteria import Criteria
from ketacli.errors import KetaError
from ketacli.query import compare, cost
from ketacli.render.jsonfmt import to_json
from questions import STATES, questions

BASE = query_document(load_catalogue(CATALOGUE).data)
FORMS = ["oral_rapid_dissolve_tablet", "sublingual_tablet", "troche", "subcutaneous_injection", "injection"]
# Text a stored row must carry through its separators untouched: tabs, newlines, U+001F, line separators
# that str.splitlines would cut at, quotes, backslashes, bidi controls and wide characters.
AWKWARD = st.text(st.sampled_from(list('ab \t\n\x1f\x85\u2028"\\\u202e日é')), min_size=1, max_size=8)
CARRIERS = ["Aetna", "Cigna/Evernorth Behavioral Health", "Cigna Healthcare", "Zelis", "UnitedHealthcare/Optum"]


default_questions = questions(*ANSWERED_BY_PRECOMPUTING["compare"])


@st.composite
def catalogues(draw: st.DrawFn) -> dict[str, Any]:
    """The fixture's query document with its providers shuffled, repeated and changed in everything a question's
    state and flags read, and a restricting rule of random place and routes."""
    document = copy.deepcopy(BASE)
    originals = document["providers"]
    chosen = draw(st.lists(st.sampled_from(originals), min_size=0, max_size=6))
    providers = []
    for index, original in enumerate(chosen):
        p = copy.deepcopy(original)
        p["id"] = f"{p['id']}-{index}"
        p["name"] = draw(st.sampled_from([p["name"], "Same Name"])) + draw(AWKWARD)
        p["dose_level"] = draw(st.sampled_from(["standard", "very_low"]))
        p["delivery"] = draw(st.lists(st.sampled_from(FORMS), min_size=1, max_size=3, unique=True))
        availability = p["availability"]
        availability["states_known"] = draw(st.lists(st.sampled_from(STATES), unique=True))
        availability["states_reported"] = draw(st.integers(0, 50))
        availability["list_complete"] = draw(st.booleans())
        availability["in_clinic"] = [
            {"state": state, "locations": 1, "offers": ["In-person ketamine sessions"], "note": None,
             "ketamine_sessions": draw(st.booleans()),
             "delivery": draw(st.lists(st.sampled_from([*FORMS, "infusion"]), max_size=2, unique=True))}
            for state in draw(st.lists(st.sampled_from(STATES), max_size=3, unique=True))
        ]  # fmt: skip
        insurance = p["insurance"]
        insurance["hsa_fsa"] = draw(st.sampled_from(["yes", "no", "may_be_possible", "unknown"]))
        insurance["hsa_fsa_elsewhere"] = draw(st.sampled_from([None, {"text": "elsewhere", "source": "x"}]))
        insurance["accepted"] = draw(st.booleans())
        insurance["superbill"] = draw(st.sampled_from([True, False, None]))
        insurance["carriers_by_state"] = draw(
            st.dictionaries(st.sampled_from(STATES), st.lists(st.sampled_from(CARRIERS), unique=True), max_size=4)
        )
        p["financing"]["available"] = draw(st.booleans())
        p["consultation"]["cost"] = draw(st.sampled_from(["free", "paid", "unknown"]))
        care = p["care"]
        care["sitter_required"] = draw(st.sampled_from([True, False, "unknown"]))
        care["id_verification"] = draw(st.sampled_from(["required", "may_ask", "unknown"]))
        care["integration"] = draw(st.sampled_from(["psychiatric_clinician", "coach", "none", "unknown"]))
        providers.append(p)
    document["providers"] = providers
    document["undated_sources"] = {p["id"]: draw(st.integers(0, 3)) for p in providers}
    rule = copy.deepcopy(next(r for r in document["rules"] if r["effect"] == "restricts"))
    rule["id"] = "drawn-rule"
    rule["applies_in"] = draw(st.sampled_from([["US"], ["TX"], ["CA", "NY"], []]))
    rule["routes"] = draw(st.lists(st.sampled_from(FORMS), max_size=2, unique=True))
    document["rules"] = [*document["rules"], rule]
    return document


days = st.dates(dt.date(2025, 7, 1), dt.date(2027, 12, 31))


def both_paths(
    document: dict[str, Any], asked: Criteria, today: dt.date, command: str = "compare"
) -> tuple[object, object]:
    """What `compare` (or `cost`) says and what the precomputed answer says: the JSON text, who was left out and
    why, how many are confirmed, the notices for people and the carrier resolved; or the same usage error."""
    rank = compare if command == "compare" else cost
    try:
        ranked = rank(LoadedQuery("drawn", document), asked, today)  # type: ignore[arg-type]
    except KetaError as error:
        made = precompute(document, today, Buying.asked(asked, command))  # type: ignore[arg-type]
        with pytest.raises(type(error)) as raised:
            answer(read_answers(made), asked, today)
        assert str(raised.value) == str(error)
        return (), ()
    slow = (
        to_json(ranked.rows, pretty=False).encode(),  # what compare --json writes to a pipe
        [(e.provider["id"], e.reasons) for e in ranked.excluded],
        ranked.confirmed,
        ranked.notices,
        ranked.insurance,
    )
    made = precompute(document, today, Buying.asked(asked, command))  # type: ignore[arg-type]
    answered = answer(read_answers(made, carriers=asked.insurance is not None), asked, today)
    fast = (
        b"[" + b", ".join(row_json(row) for row in answered.rows) + b"]\n",  # as cli.output.emit_json_list
        [(e.provider["id"], e.reasons) for e in answered.excluded],
        answered.confirmed,
        answered.notices,
        answered.insurance,
    )
    assert [row_of(row) for row in answered.rows] == ranked.rows  # the views that parse rows see the same
    return slow, fast


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(catalogues(), default_questions, days)
def test_a_precomputed_answer_says_byte_for_byte_what_compare_says(document, asked, today):
    assert answerable(asked)
    slow, fast = both_paths(document, asked, today)
    assert fast == slow


cost_questions = questions(*ANSWERED_BY_PRECOMPUTING["cost"], doses=st.integers(1, 40))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(catalogues(), cost_questions, days)
def test_cost_from_its_precomputed_answers_says_byte_for_byte_what_cost_says(document, asked, today):
    assert answerable(asked, "cost")
    slow, fast = both_paths(document, asked, today, "cost")
    assert fast == slow


@settings(max_examples=60, deadline=None)
@given(default_questions, days)
def test_on_the_fixture_catalogue_too(asked, today):
    slow, fast = both_paths(BASE, asked, today)  # type: ignore[arg-type]
    assert fast == slow


def test_only_a_question_about_a_monthly_budget_is_not_answerable():
    """A monthly budget changes which purchase is priced; every other part of a question is held."""
    for asked in (Criteria(monthly_budget=20_000), Criteria(doses=12, returning=True, monthly_budget=1)):
        assert not answerable(asked), asked
        assert not answerable(asked._replace(doses=12), "cost"), asked
    assert answerable(Criteria(state="TX", hsa_fsa=True, sort="name", reverse=True, limit=2))
    assert answerable(Criteria(state="NY", delivery="injection", in_clinic=True))
    assert answerable(Criteria(state="TX", doses=12, insurance="aetna", budget=100_000, max_upfront=50_000))
    assert answerable(Criteria(state="TX", doses=12, returning=True, pay_in_full=True, insurance="aetna"), "cost")
    assert not answerable(Criteria(), "cost")  # cost always asks for some doses


@given(st.sampled_from(["compare", "cost"]), st.one_of(st.none(), st.integers(1, 1000)), st.booleans(), st.booleans())
def test_each_set_of_answers_has_its_own_entry_named_for_it(command, doses, returning, pay_in_full):
    from ketacli.cli.precomputed import buying_of, part_name

    buying = Buying(command, doses, returning, pay_in_full)
    assert buying_of(part_name(buying)) == buying
    assert part_name(Buying()) == "answers"  # the entry earlier versions wrote for compare's common question


@pytest.mark.parametrize("delivery", ["injection", "tablet", None])
def test_a_rule_reaching_the_form_asked_about_opens_the_row_on_both_paths(delivery):
    """The Texas proposal reaches Mindbloom's injections: asked about injections, its note opens the row; asked about
    tablets or no form, it closes it (evaluation.place_touch_notes)."""
    today = dt.date(2026, 12, 3)
    asked = Criteria(state="TX", delivery=delivery)
    slow, fast = both_paths(BASE, asked, today)  # type: ignore[arg-type]
    assert fast == slow
    answered = answer(read_answers(precompute(BASE, today), carriers=False), asked, today)  # type: ignore[arg-type]
    mindbloom = next(row_of(r) for r in answered.rows if r.answer.dates["id"] == "mindbloom")
    kinds = [n["kind"] for n in mindbloom["note_records"]]
    assert "rule_touches" in kinds
    assert (kinds.index("rule_touches") == 0) == (delivery == "injection")


def test_texas_injections_are_marked_from_the_stored_row():
    """The one state-dependent note of the shipped data: the Texas proposal reaches Mindbloom's injections."""
    answered = answer(read_answers(precompute(BASE, dt.date(2026, 12, 3))), Criteria(state="TX"), dt.date(2026, 12, 3))  # type: ignore[arg-type]
    mindbloom = next(row_of(r) for r in answered.rows if r.answer.dates["id"] == "mindbloom")
    assert [t["id"] for t in mindbloom["rules_touching"]] == ["texas-pkt-proposal"]
    assert mindbloom["note_records"][-1]["kind"] == "rule_touches"  # after the figures and the fees on top


# ------------------------------------------------------------------------------------------- through the cache


def answers_entries(tmp_path) -> list:
    return sorted((tmp_path / "cache").glob("catalogue-*.answers.json"))


def test_the_days_first_run_writes_the_answers_and_later_runs_read_them(cli, tmp_path):
    first = cli("compare", "--state", "TX", "--json", env={"KETACLI_TODAY": "2026-12-03"})
    [entry] = answers_entries(tmp_path)
    written = entry.stat().st_mtime_ns
    again = cli("compare", "--state", "TX", "--json", env={"KETACLI_TODAY": "2026-12-03"})
    assert again.stdout == first.stdout and again.stderr == first.stderr
    assert entry.stat().st_mtime_ns == written  # read, not written again
    # A monthly budget is ranked from the query document: another path, the same providers.
    slow = cli("compare", "--state", "TX", "--json", "--monthly-budget", "100000", env={"KETACLI_TODAY": "2026-12-03"})
    assert [r["id"] for r in slow.json()] == [r["id"] for r in first.json()]


def test_without_a_cache_a_question_is_ranked_not_precomputed_and_answered_alike(cli, tmp_path, monkeypatch):
    """Answers worked out for one run and thrown away cost more than ranking the one question."""
    import ketacli.answers

    asked = ("compare", "--state", "TX", "--doses", "12", "--insurance", "aetna", "--json")
    cached = cli(*asked, env={"KETACLI_TODAY": "2026-12-03"})
    assert [e.name.split(".")[1] for e in (tmp_path / "cache").glob("*.answers*")] == ["answers-compare-12"]

    def not_here(*args, **kwargs):
        raise AssertionError("answers worked out without a cache")

    monkeypatch.setattr(ketacli.answers, "precompute", not_here)
    uncached = cli(*asked, env={"KETACLI_TODAY": "2026-12-03", "KETACLI_NO_CACHE": "1"})
    assert uncached.code == 0 and uncached.stdout == cached.stdout and uncached.stderr == cached.stderr


def test_another_day_works_the_answers_out_again(cli, tmp_path):
    """The rules' standing is by date: the day after a rule's end, its notes and warnings change."""
    before = cli("compare", "--json", env={"KETACLI_TODAY": "2026-12-30"})
    after = cli("compare", "--json", env={"KETACLI_TODAY": "2027-01-02"})
    [entry] = answers_entries(tmp_path)
    assert json.loads(entry.read_bytes().partition(b"\n")[0])["today"] == "2027-01-02"
    assert before.json() != after.json()
    assert "was set to end" in after.stderr and "was set to end" not in before.stderr


def test_an_answers_entry_edited_on_disk_is_ignored(cli, tmp_path):
    first = cli("compare", "--state", "NY", "--json")
    [entry] = answers_entries(tmp_path)
    entry.write_bytes(entry.read_bytes().replace(b'"Better U"', b'"Worse U!"'))
    again = cli("compare", "--state", "NY", "--json")
    assert again.code == 0 and again.stdout == first.stdout


def test_the_answers_of_a_table_and_of_csv_are_the_rows_of_compare(cli):
    as_json = cli("compare", "--state", "TX", "--json").json()
    as_csv = cli("compare", "--state", "TX", "--format", "csv").stdout.splitlines()
    assert len(as_csv) == len(as_json) + 1 and as_csv[1].startswith("1,better-u,Better U,served")
    chosen = cli("compare", "--state", "TX", "--json", "--fields", "id,availability").json()
    assert chosen == [{"id": r["id"], "availability": r["availability"]} for r in as_json]


def test_an_answers_entry_of_the_wrong_structure_with_a_valid_checksum_heals_itself(cli, tmp_path):
    """Checksum right, structure wrong (by hand, or another version): rebuilt once, never an internal error."""
    import zlib

    first = cli("compare", "--state", "TX", "--json")
    [entry] = answers_entries(tmp_path)
    header, _, body = entry.read_bytes().partition(b"\n")
    lines = body.split(b"\n")
    lines[1] = b"[[1, 2, 3]]"  # every provider's fields, cut short
    body = b"\n".join(lines)
    fields = json.loads(header)
    fields["checksum"] = f"{len(body):x}-{zlib.crc32(body):08x}-{zlib.adler32(body):08x}"
    entry.write_bytes(json.dumps(fields).encode() + b"\n" + body)
    healed = cli("compare", "--state", "TX", "--json")
    assert healed.code == 0 and healed.stdout == first.stdout
    assert healed.stderr.count("the cached catalogue was unusable; rebuilt it") == 1
    again = cli("compare", "--state", "TX", "--json")
    assert again.code == 0 and "unusable" not in again.stderr


def test_answers_for_many_dose_counts_stay_bounded_and_keep_the_documents(cli, tmp_path):
    """A script asking `cost` for dose after dose makes an answers entry for each: only the newest are kept, and
    never at the cost of the validated documents they are worked out from."""
    for doses in range(1, 21):
        assert cli("cost", "--doses", str(doses), "--json").code == 0
    cache = tmp_path / "cache"
    assert len(list(cache.glob("catalogue-*.answers-cost-*.json"))) == 16
    assert len(list(cache.glob("catalogue-*.query.json"))) == 1
    assert (cache / next(cache.glob("catalogue-*.answers-cost-20.json")).name).is_file()
