"""The one place the SHIPPED catalogue (providers.toml) is checked against the figures the guide states.

Every other test runs on the frozen copy in tests/fixtures. A catalogue update edits providers.toml and,
where a figure the guide states has changed (a new guide, a new source), this table: nothing else.
Each row: where in the catalogue, the expected value, and the guide's own words (seed line numbers from
../shared/seeds/000_92b39a2417c92875.txt, Innerbody "Best Ketamine Therapy", updated 2025-06-13).
"""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from conftest import SHIPPED

_SHIPPED = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))


def _provider(provider_id: str) -> dict[str, Any]:
    return next(p for p in _SHIPPED["providers"] if p["id"] == provider_id)


def _plan(provider_id: str, plan_id: str) -> dict[str, Any]:
    provider = _provider(provider_id)
    return next(p for p in provider.get("plans", []) + provider.get("subscriptions", []) if p["id"] == plan_id)


GUIDE_FIGURES = [
    # (provider, plan or None, key, expected, the guide's words)
    ("innerwell", "foundation", "price", 1098, "382: Cost (self-pay) $1,098 (three monthly payments of $366)"),
    ("innerwell", "foundation", "installments", {"count": 3, "amount": 366}, "382: three monthly payments of $366"),
    ("innerwell", "foundation", "insured_price", 650, "383: Cost (with insurance) $650 (two monthly payments of $325)"),
    ("innerwell", "foundation", "insured_installments", {"count": 2, "amount": 325}, "383: two monthly payments of $325"),
    ("innerwell", "extended", "price", 2100, "382: $2,100 (four monthly payments of $525)"),
    ("innerwell", "extended", "installments", {"count": 4, "amount": 525}, "382: four monthly payments of $525"),
    ("innerwell", "extended", "insured_price", 1398, "383: $1,398 (three monthly payments of $466)"),
    ("innerwell", "extended", "insured_installments", {"count": 3, "amount": 466}, "383: three monthly payments of $466"),
    ("innerwell", None, "pay_in_full_saving", 100, "372: You can save $100 on your Innerwell plan by paying the entire cost up front"),
    ("better-u", "introduction", "price", 500, "128: $500 (5-dose)"),
    ("better-u", "transformation", "price", 792, "128: $792 (9-dose)"),
    ("mindbloom", "six-sessions", "price", 1254, "510: 6-session treatment $1,254 ($209 per session)"),
    ("mindbloom", "six-sessions", "returning_price", 954, "510: $954 ($159 per session)"),
    ("mindbloom", "twelve-sessions", "price", 2148, "511: 12-session treatment $2,148 ($179 per session)"),
    ("mindbloom", "twelve-sessions", "returning_price", "not_offered", "511: N/A"),
    ("mindbloom", "eighteen-sessions", "price", 2862, "512: 18-session treatment $2,862 ($159 per session)"),
    ("mindbloom", "eighteen-sessions", "returning_price", 2322, "512: $2,322 ($129 per session)"),
    ("mindbloom", "six-sessions", "installments", {"count": 3, "amount": 418, "first_due": "checkout"}, "518: $418 per month for three months"),
    ("mindbloom", "eighteen-sessions", "installments", {"count": 9, "amount": 318, "first_due": "checkout"}, "520: $318 per month for nine months"),
    ("joyous", "monthly", "price", 129, "563: $129 per month (30 daily troches; $4.30 each)"),
    ("joyous", "monthly", "doses_per_period", 30, "563: 30 daily troches"),
]  # fmt: skip

STATE_COUNTS = [
    ("innerwell", 25, True, "the 23 states of its insurance list plus ID and MT (data notes)"),
    ("better-u", 31, False, "425: Currently available in 31 states"),
    ("mindbloom", 35, False, "guide: 35 states"),
    ("joyous", 30, False, "guide summary: 30 states (its comparison table says 28)"),
]


@pytest.mark.parametrize(("provider_id", "plan_id", "key", "expected", "guide"), GUIDE_FIGURES)
def test_the_shipped_catalogue_holds_the_guides_figure(provider_id, plan_id, key, expected, guide):
    entry = _plan(provider_id, plan_id) if plan_id else _provider(provider_id)
    found = entry[key]
    if isinstance(expected, dict):  # the guide's figures; other sources add facts (when due, the pace)
        found = {name: found[name] for name in expected}
    assert found == expected, guide


def test_better_u_continuation_sessions_cost_79():
    assert _provider("better-u")["continuation"]["price_per_session"] == 79  # 466: "reduced price of $79"


@pytest.mark.parametrize(("provider_id", "reported", "complete", "guide"), STATE_COUNTS)
def test_the_shipped_state_counts(provider_id, reported, complete, guide):
    availability = _provider(provider_id)["availability"]
    assert (availability["states_reported"], availability["list_complete"]) == (reported, complete), guide
    if complete:
        assert len(availability["states_known"]) == reported


def test_the_frozen_fixture_is_still_a_valid_catalogue(cli):
    """The fixture must stay loadable by today's code, or every exact-figure test tests nothing real."""
    result = cli("catalog", "validate")
    assert result.code == 0 and "fixtures/catalogue.toml: valid (4 providers, 2 alternatives)" in result.stdout


# The test modules that may read the shipped catalogue, and why none of them states one of its figures.
READS_THE_SHIPPED_CATALOGUE = {
    "test_guide_figures.py": "this table: the one place a shipped figure is stated",
    "test_feed.py": "the built-in catalogue is always reachable; compared with itself, never with a figure",
    "test_document.py": "the shipped document has exactly the typed keys; no value is read",
    "test_packaging.py": "the wheel carries the file byte for byte",
}


def test_only_the_figure_table_reads_the_shipped_catalogue():
    """So that a catalogue update (by hand or by a feed) fails this table and nothing else: every other test
    reads the frozen copy in tests/fixtures/. Measured on 0.6.0: Mindbloom's 6-session $1,254 -> $1,290 (with
    its per-dose and installment figures) and one as_of moved past the pinned date fail the two figures
    here and no other test."""
    import re
    from pathlib import Path

    shipped = re.compile(r'SHIPPED|load_catalogue\(\)|load_catalogue\(None|load_query\(\)|builtin_catalogue_path|'
                         r'(ROOT|parents\[1\]) / "providers\.toml"')  # fmt: skip
    readers = {path.name for path in Path(__file__).parent.glob("test_*.py") if shipped.search(path.read_text())}
    assert readers == set(READS_THE_SHIPPED_CATALOGUE)


def test_the_bills_after_2026_are_not_paths_and_say_why():
    """#42 §4: the TALK SAFE Act would reach only FDA-approved uses (a reading), the TREATS Act's two versions
    only drugs for substance use disorder: neither is a path to at-home ketamine after 2026-12-31."""
    import datetime as dt

    from ketacli.catalogue import load_catalogue
    from ketacli.rules import next_path

    rules = load_catalogue(SHIPPED).rules
    found = next_path(rules, dt.date(2026, 12, 8))
    assert found is not None and found.paths == []
    why = {rule["id"]: reason for rule, reason in found.not_paths}
    assert why["talk-safe-act"].startswith("reaches only drugs for uses the FDA approved (a reading of the bill")
    assert why["treats-act"] == "reaches only drugs approved for substance use disorder"
    treats = next(r for r in rules if r["id"] == "treats-act")
    assert [step["note"] for step in treats["history"]] == [
        "The House version, H.R. 1627.",
        "The Senate version, S. 3048.",
    ]


def test_a_rules_status_on_a_past_day_is_worked_out_from_what_had_happened_by_then(cli):
    """#42 §2: on 2025-12-15 the fourth extension (published 2025-12-31) was not yet known; the third, in force
    then, ended in 16 days, and said so. Before: no warning, and rows named the fourth's 2026-12-31."""
    env = {"KETACLI_CATALOG": str(SHIPPED), "KETACLI_TODAY": "2025-12-15"}
    ranked = cli("compare", "--state", "TX", "--json", env=env)
    assert {r["prescribing_rule_until"] for r in ranked.json()} == {"2025-12-31"}
    assert (
        "third temporary extension, which Innerwell, Better U, Mindbloom and Joyous depend on, is set to end on "
        "2025-12-31, in 16 days" in ranked.stderr
    )
    early = cli("rules", env={**env, "KETACLI_TODAY": "2025-06-13"}).stdout
    assert "DEA/HHS: not yet on this date (published 2025-12-31)" in early
    assert "After 2026-12-31" not in early  # the end known then was 2025-12-31, and nothing said what follows it
    today = cli("compare", "--state", "TX", "--json", env={**env, "KETACLI_TODAY": "2026-12-08"}).json()
    assert {r["prescribing_rule_until"] for r in today} == {"2026-12-31"}
