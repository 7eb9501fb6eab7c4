"""The query document (#17 §7): a ranking on it says exactly what a ranking on the whole document says."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings

from conftest import CATALOGUE
from ketacli.catalogue import LoadedCatalogue, LoadedQuery, load_catalogue, query_document
from ketacli.criteria import Criteria
from ketacli.document import RANKED_KEYS
from ketacli.errors import KetaError
from ketacli.fields import FIELDS
from ketacli.query import compare, cost
from questions import questions

WHOLE = load_catalogue(CATALOGUE)
QUERY = LoadedQuery(WHOLE.path, query_document(WHOLE.data))
TODAY = dt.date(2025, 7, 1)

criteria = questions()


def answers(catalogue: LoadedCatalogue | LoadedQuery, asked: Criteria) -> tuple[object, ...]:
    """Everything a ranking says: rows, who was left out and why, notices, how many are confirmed; or the
    error it raises (a carrier without a state, in-network-only without a carrier)."""
    try:
        results = [compare(catalogue, asked, TODAY)]
        if asked.doses is not None:
            results.append(cost(catalogue, asked, TODAY))
    except KetaError as exc:
        return (type(exc).__name__, str(exc))
    return tuple((r.rows, [(e.provider["id"], e.reasons) for e in r.excluded], r.notices, r.confirmed) for r in results)


@settings(max_examples=150, deadline=None)
@given(criteria)
def test_a_ranking_on_the_query_document_says_what_the_whole_document_says(asked):
    assert answers(QUERY, asked) == answers(WHOLE, asked)


@settings(max_examples=150, deadline=None)
@given(criteria)
def test_every_value_in_a_row_has_its_fields_declared_type(asked):
    """The registry's types are the README's; here they are held to what the rows really carry."""
    declared = {f.key: f.type for f in FIELDS}
    try:
        results = [compare(QUERY, asked, TODAY), *([cost(QUERY, asked, TODAY)] if asked.doses else [])]
    except KetaError:
        return
    for result in results:
        for row in result.rows:
            wrong = {key: value for key, value in row.items() if not declared[key].holds(value)}
            assert wrong == {}, (row["id"], wrong)


def test_the_query_document_keeps_what_ranking_reads_and_drops_the_prose():
    [provider] = [p for p in QUERY.providers if p["id"] == "innerwell"]
    assert set(provider) == set(RANKED_KEYS)
    assert {"sources", "pros", "cons", "summary", "notes"}.isdisjoint(provider)
    whole = next(p for p in WHOLE.providers if p["id"] == "innerwell")
    assert list(provider) == [key for key in whole if key in RANKED_KEYS]  # the whole document's key order
    assert QUERY.undated_sources["innerwell"] == sum(1 for s in whole["sources"] if s["date"] == "undated")
