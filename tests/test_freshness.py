"""Data freshness with a fixed clock: warnings on stderr, `catalog stale`."""

from __future__ import annotations

import datetime as dt

from ketacli.freshness import ages, stale_warning, undated_sources

ENTRY = {"id": "innerwell", "name": "Innerwell", "as_of": "2025-06-13", "depends_on_rules": [], "sources": []}


def entry(name: str, as_of: str, undated: int = 0) -> dict:
    sources = [{"date": "undated"}] * undated
    return {"id": name.lower(), "name": name, "as_of": as_of, "depends_on_rules": [], "sources": sources}


def test_ages_pure():
    (age,) = ages([ENTRY], dt.date(2026, 11, 27), 365)
    assert (age.days, age.stale) == (532, True)
    assert ages([ENTRY], dt.date(2026, 6, 13), 365)[0].stale is False  # exactly 365 days is not older
    assert ages([ENTRY], dt.date(2026, 6, 14), 365)[0].stale is True
    assert ages([ENTRY], dt.date(2030, 1, 1), 0)[0].stale is False  # 0 silences


def test_warning_names_providers_and_dates():
    other = entry("X", "2026-01-01", undated=2)
    assert stale_warning([ENTRY, other], dt.date(2026, 11, 27), 300, [], undated_sources([ENTRY, other])) == (
        "warning: prices and plans for Innerwell are from 2025-06-13 (532 days old) and may have changed; "
        "prices and plans for X are from 2026-01-01 (330 days old) and may have changed; "
        "2 of their source pages are undated, so how old those facts are is unknown. "
        "Check with the provider before you buy"
    )


def test_old_rules_come_first():
    rule = {"id": "r", "checked": "2025-01-01"}
    dependent = {**entry("X", "2026-01-01"), "depends_on_rules": ["r"]}
    warning = stale_warning([dependent], dt.date(2026, 11, 27), 300, [rule], {})
    assert warning.startswith(
        "warning: the prescribing rules were last checked on 2025-01-01 (695 days ago): one may have ended, "
        "been extended or been replaced since; prices and plans for X"
    )
    assert "--max-age" not in warning


def test_compare_warns_when_old(cli):
    """Counted from the sources when the catalogue is validated, and from the query document's counts when
    it comes from the cache (a ranking never loads the sources themselves)."""
    for run in ("validated", "cached"):
        result = cli("compare", "--state", "TX", "--json", env={"KETACLI_TODAY": "2026-11-27"})
        assert result.code == 0
        assert result.stderr.splitlines()[-1] == (
            "ketacli: warning: prices and plans for Innerwell, Better U, Mindbloom, Joyous are from 2025-06-13 "
            "(532 days old) and may have changed; 27 of their source pages are undated, so how old those facts "
            "are is unknown. Check with the provider before you buy"
        ), run


def test_max_age_zero_silences_and_custom_age(cli):
    quiet = cli("cost", "--json", "--max-age", "0", env={"KETACLI_TODAY": "2026-11-27"})
    assert "prices and plans" not in quiet.stderr  # --max-age 0 silences the age, not a rule running out
    assert "prices as of 2025-06-13" in quiet.stderr
    fresh = cli("cost", "--json", "--max-age", "30", env={"KETACLI_TODAY": "2025-07-01"})
    assert "warning" not in fresh.stderr
    old = cli("cost", "--json", "--max-age", "10", env={"KETACLI_TODAY": "2025-07-01"})
    assert "are from 2025-06-13 (18 days old) and may have changed" in old.stderr


def test_show_warns(cli):
    result = cli("show", "joyous", "--json", env={"KETACLI_TODAY": "2027-01-01"})
    assert "warning: prices and plans for Joyous are from 2025-06-13 (567 days old)" in result.stderr


def test_catalog_stale(cli):
    rows = cli("catalog", "stale", "--json", env={"KETACLI_TODAY": "2026-11-27"}).json()
    assert [row["kind"] for row in rows[:6]] == ["provider"] * 4 + ["alternative"] * 2
    assert {row["kind"] for row in rows[6:]} == {"rule"}
    assert rows[0] == {
        "id": "innerwell", "name": "Innerwell", "as_of": "2025-06-13", "days": 532, "stale": True,
        "kind": "provider", "newest_source": "2026-05-05", "undated_sources": 6,
    }  # fmt: skip
    fresh = cli("catalog", "stale", "--json", "--max-age", "600", env={"KETACLI_TODAY": "2026-11-27"}).json()
    assert not any(row["stale"] for row in fresh)
    table = cli("catalog", "stale", env={"KETACLI_TODAY": "2026-11-27"})
    assert table.code == 0 and "│ spravato " in table.stdout and "stale" in table.stdout


def test_bad_clock_override(cli):
    result = cli("compare", env={"KETACLI_TODAY": "yesterday"})
    assert result.code == 2 and "KETACLI_TODAY must be a date" in result.stderr


def test_warning_stays_short_for_many_providers():
    many = [entry(f"P{i}", "2025-06-13") for i in range(1200)]
    warning = stale_warning(many, dt.date(2026, 11, 27), 365, [], {})
    assert warning.startswith("warning: prices and plans for P0, P1, P2, P3, P4 and 1,195 more are from 2025-06-13")
