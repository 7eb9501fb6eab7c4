"""`ketacli cost`: the JSON contract, the table, and every bad input."""

from __future__ import annotations

import csv
import io

import pytest


def test_cost_json_contract(cli):
    result = cli("cost", "--doses", "12", "--json")
    assert result.code == 0
    rows = result.json()
    assert [r["id"] for r in rows] == ["better-u", "innerwell", "mindbloom", "joyous"]
    assert [r["rank"] for r in rows] == [1, 2, 3, 4]
    better_u = rows[0]
    assert better_u == {
        "rank": 1,
        "id": "better-u",
        "name": "Better U",
        "availability": None,
        "doses_requested": 12,
        "doses": 12,
        "surplus": 0,
        "total": 1029,
        "per_dose": 85.75,
        "purchase": "9-session Transformation + 3 continuation sessions",
        "items": [
            {
                "option": "transformation",
                "description": "9-session Transformation",
                "kind": "plan",
                "price_basis": "list",
                "count": 1,
                "doses": 9,
                "unit_price": 792,
                "subtotal": 792,
                "installments": None,
            },
            {
                "option": "continuation",
                "description": "continuation session",
                "kind": "continuation",
                "price_basis": "continuation",
                "count": 3,
                "doses": 3,
                "unit_price": 79,
                "subtotal": 237,
                "installments": None,
            },
        ],
        "insurance": None,
        "insured_price": False,
        "returning_price": False,
        "dose_level": "standard",
        "refund_if_ineligible": "unknown",  # a free evaluation says nothing of what is paid before it (#40)
        "lose_if_ineligible": None,
        "lose_if_stopped_after_first_shipment": None,
        "reimbursement_up_to": None,
        "net_best_case": None,
        "prescribing_rule_until": "2026-12-31",
        "rules_touching": [],
        # The 9-session plan has no payment schedule: paid when bought, before its sessions.
        "paid_before_first_session": 792,
        "most_paid_ahead": 792,
        "due_after_rule_end": 0,
        "notes": [
            "3 continuation sessions at $79 each: you apply for them (the guide: "
            '"you can apply for treatment continuation"); for returning clients or after a completed package'
        ],
        "note_records": [
            {
                "kind": "continuation",
                "sessions": 3,
                "price": 79,
                "text": "3 continuation sessions at $79 each: you apply for them (the guide: "
                '"you can apply for treatment continuation"); for returning clients or after a completed package',
            }
        ],
        "as_of": "2025-06-13",
    }
    joyous = rows[3]
    assert joyous["dose_level"] == "very_low"
    assert joyous["notes"][0].startswith("very-low dose")
    assert (joyous["total"], joyous["doses"], joyous["surplus"], joyous["per_dose"]) == (129, 30, 18, 4.3)
    assert result.stderr == "ketacli: prices as of 2025-06-13; check the provider for today's prices\n"


def test_returning_mindbloom_twelve_is_two_sixes(cli):
    rows = cli("cost", "-n", "12", "--returning", "--json").json()
    mindbloom = next(r for r in rows if r["id"] == "mindbloom")
    assert (mindbloom["total"], mindbloom["purchase"]) == (1908, "2 × 6-session treatment (returning price)")
    assert mindbloom["returning_price"] is True


def test_insured_innerwell_in_texas(cli):
    rows = cli("cost", "-n", "8", "--state", "TX", "--insurance", "bcbs", "--json").json()
    innerwell = next(r for r in rows if r["id"] == "innerwell")
    assert (innerwell["total"], innerwell["insured_price"], innerwell["insurance"]) == (650, True, "accepted")
    assert innerwell["items"][0]["installments"] == {"count": 2, "amount": 325, "period": "month"}
    assert "insured price with Blue Cross Blue Shield of Texas in TX" in innerwell["notes"]
    # Other providers accept no insurance: kept, at self-pay prices, and marked.
    better_u = next(r for r in rows if r["id"] == "better-u")
    assert (better_u["insurance"], better_u["insured_price"], better_u["total"]) == ("not_accepted", False, 737)


def test_insurance_not_accepted_in_that_state_keeps_list_price(cli):
    rows = cli("cost", "-n", "8", "--state", "GA", "--insurance", "aetna", "--json").json()
    assert next(r for r in rows if r["id"] == "innerwell")["total"] == 1098


def test_pay_in_full(cli):
    rows = cli("cost", "-n", "8", "--pay-in-full", "--json").json()
    innerwell = next(r for r in rows if r["id"] == "innerwell")
    assert innerwell["total"] == 998
    assert innerwell["items"][0]["price_basis"] == "pay_in_full"


def test_dose_level_standard_leaves_out_joyous(cli):
    result = cli("cost", "--dose-level", "standard", "--json", "--show-excluded")
    rows = result.json()
    assert [r["id"] for r in rows[:3]] == ["better-u", "innerwell", "mindbloom"]
    assert rows[3] == {
        "id": "joyous",
        "name": "Joyous",
        "excluded": True,
        "reasons": ["dose level is very-low (psycholytic)"],
    }


def test_excluded_on_stderr_for_tables(cli):
    result = cli("cost", "--dose-level", "standard")
    assert result.code == 0
    assert "ketacli: 1 provider left out by the filters (--explain says why)" in result.stderr
    explained = cli("cost", "--dose-level", "standard", "--explain")
    assert "ketacli: left out Joyous: dose level is very-low (psycholytic)" in explained.stderr
    assert "Joyous" not in explained.stdout


def test_cost_table_exact(cli):
    result = cli("cost", "-n", "12", env={"COLUMNS": "80"})
    assert result.stdout == (
        "Cheapest way to 12 doses\n"
        "Standard-dose programs\n"
        "┏━━━┳━━━━━━━━━━━┳━━━━━━━┳━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━┓\n"
        "┃ # ┃ Provider  ┃ Doses ┃  Total ┃ Dose level ┃ What to buy         ┃ Per dose ┃\n"
        "┡━━━╇━━━━━━━━━━━╇━━━━━━━╇━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━┩\n"
        "│ 1 │ Better U  │    12 │ $1,029 │ standard   │ 9-session           │   $85.75 │\n"
        "│   │           │       │        │            │ Transformation + 3  │          │\n"
        "│   │           │       │        │            │ continuation        │          │\n"
        "│   │           │       │        │            │ sessions            │          │\n"
        "│ 2 │ Innerwell │    24 │ $2,100 │ standard   │ 24-session Extended │   $87.50 │\n"
        "│   │           │       │        │            │ Program             │          │\n"
        "│ 3 │ Mindbloom │    12 │ $2,148 │ standard   │ 12-session          │  $179.00 │\n"
        "│   │           │       │        │            │ treatment           │          │\n"
        "└───┴───────────┴───────┴────────┴────────────┴─────────────────────┴──────────┘\n"
        "Very-low-dose (psycholytic) programs: a different treatment\n"
        "┏━━━┳━━━━━━━━━━━┳━━━━━━━┳━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━┓\n"
        "┃ # ┃ Provider  ┃ Doses ┃  Total ┃ Dose level ┃ What to buy         ┃ Per dose ┃\n"
        "┡━━━╇━━━━━━━━━━━╇━━━━━━━╇━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━┩\n"
        "│ 4 │ Joyous    │    30 │   $129 │ very low   │ Monthly plan (30    │    $4.30 │\n"
        "│   │           │       │        │            │ daily troches)      │          │\n"
        "└───┴───────────┴───────┴────────┴────────────┴─────────────────────┴──────────┘\n"
        "1 Better U: Money at risk: found ineligible: unknown; stop after 1st shipment:\n"
        "    unknown; Notes: apply for continuation\n"
        "2 Innerwell: Money at risk: found ineligible: full refund; stop after 1st\n"
        "    shipment: $450 or $615, by what you have completed; Notes: 12 extra doses\n"
        "3 Mindbloom: Money at risk: found ineligible: full refund; stop after 1st\n"
        "    shipment: unknown; Notes: on top: a late-cancellation fee up to $150, on\n"
        "    top: a hired Peer Treatment Monitor, if no one you know can be on site,\n"
        "    amount not stated\n"
        "4 Joyous: Money at risk: found ineligible: unknown; stop after 1st shipment:\n"
        "    unknown; Notes: 18 extra doses\n"
        "Hidden to fit 80 columns: Money at risk, Paid ahead, Notes. See every column\n"
        "with --format markdown, --json, or a wider terminal.\n"
        "\n"
        "Cheapest way to 12 doses: Better U's 9-session Transformation + 3 continuation\n"
        "  sessions, $1,029 in all ($85.75 a dose).\n"
        "It depends on a DEA telemedicine rule set to end on 2026-12-31 unless extended:\n"
        "  starting or continuing after that date may need an in-person visit.\n"
    )


def test_schedule(cli):
    result = cli("cost", "-n", "8", "--schedule", env={"COLUMNS": "120"})
    assert "Payment schedules:" in result.stdout
    assert "  Innerwell, 8-session Foundation Program: 3 monthly payments of $366\n" in result.stdout
    assert "  Mindbloom, 12-session treatment: 6 monthly payments of $358\n" in result.stdout


def test_cost_csv_and_markdown(cli):
    rows = list(csv.DictReader(io.StringIO(cli("cost", "-n", "12", "--format", "csv").stdout)))
    assert [(r["rank"], r["name"], r["total"], r["per_dose"], r["dose_level"]) for r in rows] == [
        ("1", "Better U", "1029", "85.75", "standard"),
        ("2", "Innerwell", "2100", "87.5", "standard"),
        ("3", "Mindbloom", "2148", "179", "standard"),
        ("4", "Joyous", "129", "4.3", "very_low"),
    ]
    assert rows[0]["purchase"] == "9-session Transformation + 3 continuation sessions"
    markdown = cli("cost", "-n", "12", "--format", "markdown").stdout.splitlines()
    assert markdown[0] == "**Cheapest way to 12 doses**"
    assert markdown[4] == (
        "| # | Provider | Doses | Total | Dose level | What to buy | Per dose | Money at risk | Paid ahead | Notes |"
    )
    assert markdown[6] == (
        "| 1 | Better U | 12 | $1,029 | standard | 9-session Transformation + 3 continuation sessions | $85.75 "
        "| found ineligible: unknown; stop after 1st shipment: unknown "
        "| $792 due at the start | apply for continuation |"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--doses", "0"], "--doses must be between 1 and 1000 (got 0)"),
        (["--doses", "-1"], "--doses must be between 1 and 1000 (got -1)"),
        (["--doses", "100000"], "--doses must be between 1 and 1000 (got 100000)"),
        (["--doses", "abc"], "Invalid value for '--doses' / '-n': 'abc' is not a valid int."),
        (["--insurance", "aetna"], "--insurance needs --state"),
        (["--state", "TX", "--insurance", "aetan"], "no listed carrier is called 'aetan'; did you mean Aetna?"),
        (["--state", "TX", "--insurance", "health"], "'health' matches several carriers in TX: Cigna/Evernorth"),
        (["--state", "Texass"], "unknown state 'Texass'; did you mean TX (Texas)"),
        (["--format", "yaml"], "Invalid value for '--format' / '-f'"),
    ],
)
def test_bad_input(cli, args, message):
    result = cli("cost", *args)
    assert result.code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("ketacli: error: ")
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_thousand_doses(cli):
    rows = cli("cost", "-n", "1000", "--json").json()
    better_u = next(r for r in rows if r["id"] == "better-u")
    # 9-session $792 + 991 × $79 = $79,081.
    assert (better_u["total"], better_u["doses"]) == (79081, 1000)


def test_json_is_compact_when_piped_and_indented_for_people(cli):
    from ketacli.render.jsonfmt import to_json

    piped = cli("cost", "--json").stdout
    assert piped.count("\n") == 1 and piped.endswith("]\n")
    data = [{"id": "a", "total": 1.5}]
    assert to_json(data) == '[\n  {\n    "id": "a",\n    "total": 1.5\n  }\n]\n'
    assert to_json(data, pretty=False) == '[{"id": "a", "total": 1.5}]\n'


def test_a_schedule_says_each_and_in_all_for_what_is_bought_several_times(cli):
    """Before: 'Better U, continuation session: $237' for three sessions (#40)."""
    text = cli("cost", "-n", "12", "--schedule", env={"COLUMNS": "200"}).stdout
    assert "  Better U, 3 × continuation session: $79 each, $237 in all (no installment schedule listed)\n" in text
