"""Dated rules: the DEA telemedicine rule and the others, said at the right time and never more than known."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import catalogue_document, provider, write_catalogue
from ketacli.rules import runs_past, standing

RULE_ID = "dea-telemedicine-2026"
ELSEWHERE = (
    "; Spravato (esketamine nasal spray) and In-person ketamine infusion clinics do not depend on it (how to find "
    "them: ketacli alternatives)"
)
SOON = (
    "ketacli: warning: DEA/HHS telemedicine flexibilities, fourth temporary extension, which Innerwell, Better U, "
    "Mindbloom and Joyous depend on, is set to end on 2026-12-31, in 30 days, unless extended: starting at-home "
    "treatment after that date may need an in-person visit first, and a program that runs past it may need one to "
    "continue; check with the provider" + ELSEWHERE
)
PAST = (
    "ketacli: warning: DEA/HHS telemedicine flexibilities, fourth temporary extension, which Innerwell, Better U, "
    "Mindbloom and Joyous depend on, was set to end on 2026-12-31; unknown since: this catalogue (rules checked "
    "2026-11-29) does not know whether it was extended, so check with the provider whether you can start or "
    "continue at-home treatment" + ELSEWHERE
)


def rule_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "telemedicine flexibilities" in line]


@pytest.mark.parametrize("command", [["compare", "--state", "TX"], ["cost", "--doses", "12"], ["providers"]])
@pytest.mark.parametrize(("today", "expected"), [("2026-06-01", []), ("2026-12-01", [SOON]), ("2027-01-15", [PAST])])
def test_the_rule_is_said_at_the_right_time(cli, command, today, expected):
    result = cli(*command, "--json", env={"KETACLI_TODAY": today})
    assert result.code == 0
    assert rule_lines(result.stderr) == expected
    result.json()  # stdout stays data


def test_the_last_day_and_the_day_after(cli):
    last = cli("compare", "--json", env={"KETACLI_TODAY": "2026-12-31"}).stderr
    assert "is set to end on 2026-12-31, today, unless extended:" in last
    after = cli("compare", "--json", env={"KETACLI_TODAY": "2027-01-01"}).stderr
    assert "was set to end on 2026-12-31" in after and "unavailable" not in after


def test_90_days_is_the_window():
    rule = {
        "status": "in_force",
        "effective": "2026-01-01",
        "ends": "2026-12-31",
        "checked": "2026-11-29",
        "history": [],
    }
    assert standing(rule, dt.date(2026, 10, 2)).state == "ending_soon"  # 90 days left
    assert standing(rule, dt.date(2026, 10, 1)).state == "in_force"  # 91 days left
    assert standing(rule, dt.date(2027, 1, 1)).state == "past_end"
    assert standing({**rule, "status": "proposed", "ends": None}, dt.date(2027, 1, 1)).state == "proposed"


def test_rows_carry_the_rule_date_and_warn_about_payments_past_it(cli):
    rows = cli("cost", "--doses", "18", "--json", env={"KETACLI_TODAY": "2026-11-29"}).json()
    by_id = {row["id"]: row for row in rows}
    assert {row["prescribing_rule_until"] for row in rows} == {"2026-12-31"}
    mindbloom = [n for n in by_id["mindbloom"]["notes"] if "prescribing rule" in n]
    assert mindbloom == [
        "paid by installments from today, the last of 9 monthly payments falls in 2027-07, after 2026-12-31 ($2,226 "
        "of the first purchase), when the DEA/HHS telemedicine prescribing rule it depends on is set to end unless "
        "extended"
    ]
    early = cli("cost", "--doses", "18", "--json").json()  # 2025-07-01: nine months end in 2026-03
    assert not any("prescribing rule" in note for row in early for note in row["notes"])


def test_runs_past_counts_calendar_months():
    assert runs_past(dt.date(2026, 11, 29), 2, dt.date(2026, 12, 31)) is None  # Nov, Dec
    assert runs_past(dt.date(2026, 11, 29), 3, dt.date(2026, 12, 31)) == dt.date(2027, 1, 29)
    assert runs_past(dt.date(2027, 1, 31), 2, dt.date(2026, 12, 31)) == dt.date(2027, 2, 28)
    assert runs_past(dt.date(2026, 11, 29), 0, dt.date(2026, 12, 31)) is None


def test_rules_command(cli):
    rows = cli("rules", "--json", env={"KETACLI_TODAY": "2026-11-29"}).json()
    by_id = {row["id"]: row for row in rows}
    current = by_id[RULE_ID]
    assert (current["status_today"], current["days_remaining"], current["ends"]) == ("ending_soon", 32, "2026-12-31")
    assert current["citation"] == "90 FR 61301 (FR Doc 2025-24123)"
    assert by_id["dea-special-registration-proposal"]["status_today"] == "proposed"
    assert by_id["dea-telemedicine-2025"]["status_today"] == "ended"
    assert by_id["ketamine-schedule-iii"]["effective"] == "1999-08-12"
    assert len(by_id["medicare-telehealth-2027"]["conflicts"]) == 2
    assert all(rule["sources"] for rule in rows)
    text = cli("rules", env={"KETACLI_TODAY": "2026-11-29"}).stdout
    assert "DEA/HHS: in force; set to end 2026-12-31 unless extended (32 days left)" in text
    assert "proposed, not final" in text and "Facts checked on 2026-11-29" in text
    later = cli("rules", env={"KETACLI_TODAY": "2027-01-15"}).stdout
    assert "set to end 2026-12-31; unknown since (checked 2026-11-29)" in later


def test_show_and_safety_give_schedule_iii_and_the_fda_warning(cli):
    show = cli("show", "mindbloom", env={"KETACLI_TODAY": "2026-11-29"}).stdout
    assert "Rules it depends on, as of today" in show
    assert "Ketamine is a Schedule III controlled substance (DEA): in force" in show
    assert "FDA warning on compounded ketamine for psychiatric disorders (FDA)" in show
    safety = cli("safety", env={"KETACLI_TODAY": "2026-11-29"}).stdout
    assert "Schedule III" in safety and "2023-10-10" in safety
    document = cli("safety", "--json").json()
    assert [rule["id"] for rule in document["rules"]] == ["ketamine-schedule-iii", "fda-compounded-ketamine-2023"]


def test_report_banner_and_rules_section(cli):
    text = cli("report", "--state", "TX", "--format", "markdown", env={"KETACLI_TODAY": "2026-12-01"}).stdout
    assert "> **A rule these providers depend on is running out.** DEA/HHS telemedicine flexibilities" in text
    assert "## Rules with dates" in text
    quiet = cli("report", "--state", "TX", "--format", "markdown", env={"KETACLI_TODAY": "2026-06-01"}).stdout
    assert "running out" not in quiet and "## Rules with dates" in quiet


def _broken(tmp_path, change) -> str:
    document = catalogue_document()
    change(document)
    return str(write_catalogue(tmp_path / "rules.toml", document))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["rules"][4].update(sources=[]), "rules[4].sources: List should have at least 1 item"),
        (
            lambda d: d["rules"][4].update(effective=dt.date(2027, 1, 1)),
            "ends 2026-12-31 is before effective 2027-01-01",
        ),
        (
            lambda d: provider(d, "joyous").update(depends_on_rules=["dea-telemedicine-2099"]),
            "providers[3].depends_on_rules[0]: names rule 'dea-telemedicine-2099'",
        ),
        (lambda d: d["rules"][4].update(ends="soon"), "rules[4].ends: Input should be a valid date"),
    ],
    ids=["no-source", "end-before-start", "unknown-rule", "not-a-date"],
)
def test_bad_rules_are_refused_everywhere(cli, tmp_path, change, message):
    path = _broken(tmp_path, change)
    validate = cli("catalog", "validate", path)
    assert validate.code == 1 and message in validate.stderr
    compare = cli("--catalog", path, "compare")
    assert compare.code == 1 and message in compare.stderr and compare.stdout == ""


def test_diff_reports_rule_changes(cli, tmp_path):
    document = catalogue_document()
    old = write_catalogue(tmp_path / "old.toml", document)
    document["rules"][4]["ends"] = dt.date(2027, 12, 31)
    new = write_catalogue(tmp_path / "new.toml", document)
    changes = cli("catalog", "diff", str(old), str(new), "--json").json()
    assert changes == [{"id": RULE_ID, "kind": "rule", "path": "ends", "old": "2026-12-31", "new": "2027-12-31"}]


def test_schema_includes_rules(cli):
    schema = cli("catalog", "schema").json()
    assert "rules" in schema["properties"] and "Rule" in schema["$defs"]


def test_tables_mark_purchases_the_rule_may_not_outlast(cli):
    soon = cli("cost", "--doses", "18", "--state", "TX", "--format", "markdown", env={"KETACLI_TODAY": "2026-11-29"})
    mindbloom = next(line for line in soon.stdout.splitlines() if "| Mindbloom |" in line)
    assert "payments run past 2026-12-31, when the DEA/HHS telemedicine rule is set to end unless extended" in mindbloom
    later = cli("cost", "--doses", "18", "--state", "TX", "--format", "markdown", env={"KETACLI_TODAY": "2027-02-01"})
    assert "DEA/HHS telemedicine rule was set to end 2026-12-31: unknown since" in later.stdout
    assert "telemedicine rule is set to end" not in later.stdout


def test_a_rule_recorded_as_ended_was_in_force_before_its_end_date(cli):
    """Issue #28: the status "ended" is as of the date the facts were checked; on 2025-12-15 the third DEA
    extension was in force, 16 days from its end (before 0.6: "ended")."""
    before = cli("rules", "--json", env={"KETACLI_TODAY": "2025-12-15"}).json()
    third = next(rule for rule in before if rule["id"] == "dea-telemedicine-2025")
    assert (third["status_today"], third["days_remaining"]) == ("ending_soon", 16)
    after = cli("rules", "--json", env={"KETACLI_TODAY": "2026-01-05"}).json()
    assert next(rule for rule in after if rule["id"] == "dea-telemedicine-2025")["status_today"] == "ended"


def test_after_the_end_date_the_rules_heading_says_was_set_to_end(cli):
    """Before: "After 2026-12-31, when the DEA/HHS telemedicine rule is set to end", on a day after it (#42)."""
    later = cli("rules", env={"KETACLI_TODAY": "2027-03-01"}).stdout
    assert "After 2026-12-31, when the DEA/HHS telemedicine rule was set to end" in later
    before = cli("rules", env={"KETACLI_TODAY": "2026-12-08"}).stdout
    assert "After 2026-12-31, when the DEA/HHS telemedicine rule is set to end" in before
