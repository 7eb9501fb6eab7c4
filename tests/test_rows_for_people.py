"""Answers a person can act on: the state everywhere, like with like, narrow screens, insurance as people mean it."""

from __future__ import annotations

import csv
import io
import re

import pytest

from ketacli.states import STATE_CODES

CARRIERS = [None, "aetna", "bcbs", "uhc", "cigna", "zelis", "humana", "Regence BlueShield"]


# ------------------------------------------------------------------------------------------- cost honours --state


def test_cost_leaves_out_a_provider_that_does_not_serve_the_state(cli):
    result = cli("cost", "-n", "8", "-s", "WY", "--json", "--explain")
    rows = [r for r in result.json() if not r.get("excluded")]
    assert [(r["id"], r["availability"], r["total"]) for r in rows] == [
        ("better-u", "unknown", 737),
        ("mindbloom", "unknown", 2148),
        ("joyous", "unknown", 129),
    ]
    assert result.json()[3] == {
        "id": "innerwell",
        "name": "Innerwell",
        "excluded": True,
        "reasons": ["not available in WY"],
    }
    table = cli("cost", "-n", "8", "-s", "WY")
    assert "ketacli: 1 provider left out by the filters (--explain says why)" in table.stderr
    assert "Innerwell" not in table.stdout and table.stdout.count("unconfirmed") == 3


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "json"])
def test_unknown_availability_is_marked_in_every_format(cli, fmt):
    out = cli("cost", "-n", "8", "-s", "WY", "--format", fmt).stdout
    if fmt == "json":
        assert {r["availability"] for r in __import__("json").loads(out)} == {"unknown"}
    elif fmt == "csv":
        assert {r["availability"] for r in csv.DictReader(io.StringIO(out))} == {"unknown"}
    else:
        assert out.count("unconfirmed") == 3


def test_cost_confirmed_only(cli):
    rows = cli("cost", "-n", "8", "-s", "ID", "--confirmed-only", "--json").json()
    assert [(r["id"], r["total"]) for r in rows] == [("innerwell", 1098)]


AGREED_KEYS = ("id", "availability", "insurance", "insured_price", "total", "doses", "purchase", "dose_level")


def test_cost_and_compare_agree_everywhere():
    """Every state and carrier on the pure API (both commands are `query.rank`; no process boundary is
    tested here, so none is paid for 400 times)."""
    from conftest import CATALOGUE
    from ketacli.catalogue import load_query
    from ketacli.criteria import Criteria
    from ketacli.query import compare, cost

    catalogue = load_query(CATALOGUE)
    for state in sorted(STATE_CODES):
        for carrier in CARRIERS:
            criteria = Criteria(state=state, doses=12, insurance=carrier)
            costed, compared = cost(catalogue, criteria), compare(catalogue, criteria)
            assert [tuple(r[k] for k in AGREED_KEYS) for r in costed.rows] == [
                tuple(r[k] for k in AGREED_KEYS) for r in compared.rows
            ], (state, carrier)


@pytest.mark.parametrize("carrier", CARRIERS)
def test_cost_and_compare_agree_on_the_command_line(cli, carrier):
    args = ["--state", "TX", "--doses", "12", "--json"] + (["--insurance", carrier] if carrier else [])
    costed, compared = cli("cost", *args), cli("compare", *args)
    assert costed.code == compared.code == 0, (costed.stderr, compared.stderr)
    assert [tuple(r[k] for k in AGREED_KEYS) for r in costed.json()] == [
        tuple(r[k] for k in AGREED_KEYS) for r in compared.json()
    ]


# ------------------------------------------------------------------------------------------- one row contract


def readme_contract_section() -> str:
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "scripting.md").read_text(encoding="utf-8")
    return page.split("## The row contract", 1)[1].split("\n## ", 1)[0]


def readme_contract() -> tuple[list[str], list[str]]:
    section = readme_contract_section()
    shared = section.split("Both commands:", 1)[1].split("`compare` adds:", 1)[0]
    extra = section.split("`compare` adds:", 1)[1].strip().split("\n\n", 1)[0]
    return re.findall(r"^\| `(\w+)`", shared, re.M), re.findall(r"^\| `(\w+)`", extra, re.M)


def test_readme_gives_each_key_the_registrys_type():
    from ketacli.fields import FIELDS

    documented = dict(re.findall(r"^\| `(\w+)` \| ([^|]+?) \|", readme_contract_section(), re.M))
    assert documented == {f.key: f.type.words for f in FIELDS}


def test_readme_documents_the_real_row_keys(cli):
    shared, compare_extra = readme_contract()
    cost_row = cli("cost", "-n", "12", "--json").json()[0]
    compare_row = cli("compare", "-n", "12", "--json").json()[0]
    assert list(cost_row) == shared
    assert list(compare_row) == shared + compare_extra
    from ketacli.fields import COMPARE_FIELDS, COST_FIELDS

    assert (COST_FIELDS, COMPARE_FIELDS) == (shared, shared + compare_extra)


def test_same_fact_same_key(cli):
    cost_row = cli("cost", "-n", "8", "-s", "TX", "-i", "aetna", "--json").json()[0]
    compare_row = cli("compare", "-n", "8", "-s", "TX", "-i", "aetna", "--json").json()[0]
    assert cost_row == {key: compare_row[key] for key in cost_row}


# ------------------------------------------------------------------------------------------- like with like


@pytest.mark.parametrize(
    "args",
    [["cost"], *(["compare", "--sort", sort] for sort in ("total", "per-dose", "states", "name"))],
)  # cost has one order (total); compare's every --sort keeps the groups apart
def test_very_low_dose_ranks_as_its_own_group(cli, args):
    rows = cli(*args, "-n", "6", "--json").json()
    assert [r["dose_level"] for r in rows] == ["standard"] * 3 + ["very_low"]
    assert [r["rank"] for r in rows] == [1, 2, 3, 4]


def test_table_labels_the_very_low_group_and_says_what_it_ranks_by(cli):
    out = cli("compare", "--state", "TX", "--doses", "12", env={"COLUMNS": "120"}).stdout.splitlines()
    assert out[0] == "Cheapest way to 12 doses: Texas"
    assert out[1] == "Standard-dose programs"
    heading = out.index("Very-low-dose (psycholytic) programs: a different treatment")
    assert any("Joyous" in line for line in out[heading:]) and not any("Joyous" in line for line in out[:heading])
    assert cli("compare", env={"COLUMNS": "120"}).stdout.startswith("Cheapest way to start\n")


# ------------------------------------------------------------------------------------------- narrow terminals

ESSENTIAL_HEADERS = ("Provider", "In", "state", "Doses", "Total", "Dose", "level")  # headers may wrap


@pytest.mark.parametrize("width", [60, 80, 120])
def test_essential_columns_are_never_dropped(cli, width):
    out = cli("compare", "--state", "TX", env={"COLUMNS": str(width)}).stdout
    assert max(len(line) for line in out.splitlines()) <= width
    for header in ESSENTIAL_HEADERS:
        assert header in out, (width, header)
    assert "very low" in out and "$129" in out  # Joyous's figure never stands without its dose level
    assert out.count("│ yes ") >= 4  # each provider's availability in TX


def test_hidden_columns_are_named_in_one_footer(cli):
    out = cli("compare", "--state", "TX", env={"COLUMNS": "60"}).stdout
    footer = out.split("Hidden to fit 60 columns: ", 1)[1].replace("\n", " ")
    assert footer.startswith(
        "What to buy, Per dose, Money at risk, Paid ahead, Insurance claim, HSA/FSA, Financing, Sitter, ID check, "
        "Integration, Delivery, Notes."
    )
    assert "--format markdown, --json, or a wider terminal." in footer
    wide = cli("compare", "--state", "TX", env={"COLUMNS": "240"}).stdout
    assert "Hidden" not in wide


def test_what_hidden_columns_say_is_listed_under_the_table(cli):
    """At 80 columns "Innerwell 24 doses" for 12 asked was unexplained: its surplus lives in a hidden column."""
    out = cli("compare", "--state", "TX", "--doses", "12", env={"COLUMNS": "80"}).stdout
    assert "Hidden to fit 80 columns" in out
    under = " ".join(out.split("└")[-1].split())
    assert "2 Innerwell: Money at risk: found ineligible: full refund; stop after 1st shipment: $450 or $615" in under
    assert "Notes: 12 extra doses" in under
    assert "1 Better U: Money at risk:" in under and "Notes: apply for continuation" in under


def test_below_the_essentials_width_rows_stack(cli):
    out = cli("compare", "--state", "TX", env={"COLUMNS": "40"}).stdout
    assert "┃" not in out and max(len(line) for line in out.splitlines()) <= 40
    blocks = out.split("\n\n")
    better_u = next(block for block in blocks if block.startswith("1. Better U"))
    assert "   In state: yes" in better_u and "   Total: $500" in better_u and "   Dose level: standard" in better_u
    joyous = next(block for block in blocks if block.startswith("4. Joyous"))
    assert "   Dose level: very low" in joyous
    assert "Very-low-dose (psycholytic) programs: a\ndifferent treatment" in out


# ------------------------------------------------------------------------------------------- insurance


@pytest.mark.parametrize("query", ["he", "al", "health plan", "of"])
def test_never_a_substring(cli, query):
    result = cli("compare", "--state", "TX", "--insurance", query, "--json")
    if result.code == 0:
        assert {r["insurance"] for r in result.json()} == {"not_accepted"}
    else:
        assert result.code == 2 and "matches several carriers" in result.stderr


def test_several_matches_is_a_usage_error_listing_them(cli):
    result = cli("compare", "--state", "CA", "--insurance", "blue")
    assert result.code == 2
    assert result.stderr == (
        "ketacli: error: 'blue' matches several carriers in CA: Anthem Blue Cross of California; "
        "Blue Shield of California; give the full name\n"
    )


@pytest.mark.parametrize(
    ("query", "state", "carrier"),
    [
        ("Blue Cross", "TX", "Blue Cross Blue Shield of Texas"),
        ("united healthcare", "NY", "UnitedHealthcare/Optum"),
        ("evry health", "TX", "Evry Health"),
        ("anthem", "CA", "Anthem Blue Cross of California"),
        ("CIGNA EVERNORTH", "MI", "Cigna/Evernorth Behavioral Health"),
    ],
)
def test_names_aliases_and_whole_words(cli, query, state, carrier):
    rows = cli("compare", "--state", state, "--insurance", query, "--in-network-only", "--json").json()
    assert [(r["id"], r["accepted_carriers"]) for r in rows] == [("innerwell", [carrier])]


@pytest.mark.parametrize("carrier", ["Humana", "Oscar", "Kaiser Permanente"])
def test_a_carrier_nobody_lists_prices_everyone_at_self_pay(cli, carrier):
    result = cli("compare", "--state", "TX", "--insurance", carrier, "--json")
    assert result.code == 0
    rows = result.json()
    assert [(r["id"], r["insurance"], r["total"]) for r in rows] == [
        ("better-u", "not_accepted", 500),
        ("innerwell", "not_accepted", 1098),
        ("mindbloom", "not_accepted", 1254),
        ("joyous", "not_accepted", 129),
    ]
    assert rows[1]["notes"] == [
        f"self-pay: does not take {carrier} in TX; HSA/FSA accepted, superbill for reimbursement"
    ]
    assert f"ketacli: no provider in the catalogue lists {carrier!r} in TX: every provider is priced at self-pay" in (
        result.stderr
    )


def test_a_typo_of_a_listed_carrier_suggests_it(cli):
    result = cli("cost", "--state", "TX", "--insurance", "aetan")
    assert (result.code, result.stderr) == (
        2,
        "ketacli: error: no listed carrier is called 'aetan'; did you mean Aetna?\n",
    )


def test_a_profile_holding_any_carrier_never_breaks_compare_or_cost(cli):
    for carrier in ("Humana", "he", "Zelis"):
        assert cli("profile", "set", "--state", "TX", "--insurance", carrier).code == 0
        for command in ("compare", "cost"):
            result = cli(command, "--json")
            assert result.code == 0, (carrier, command, result.stderr)
            assert len(result.json()) == 4


def test_insured_repeats_say_they_were_priced_at_the_insured_price(cli):
    row = cli("cost", "-n", "16", "-s", "TX", "-i", "aetna", "--json").json()[0]
    assert (row["id"], row["total"], row["purchase"]) == ("innerwell", 1300, "2 × 8-session Foundation Program")
    assert "no returning-client price listed: repeat plans priced at the insured price" in row["notes"]


def test_a_table_says_what_the_notes_say_about_its_figures(cli):
    """A repeat priced at another price for want of a returning price, and a pay-in-full saving left off an
    insured price, qualify the total: the table's Notes say so, not only the JSON's notes."""
    repeat = cli("cost", "-n", "16", "-s", "TX", "-i", "aetna", "--format", "markdown").stdout
    assert "| no returning price listed: the insured price used, " in repeat
    returning = cli("cost", "-n", "12", "-s", "TX", "--returning", "--format", "markdown").stdout
    innerwell = next(line for line in returning.splitlines() if "| Innerwell |" in line)
    assert "no returning price listed: the list price used" in innerwell
    insured = cli("cost", "-n", "8", "-s", "TX", "-i", "aetna", "--pay-in-full", "--format", "markdown").stdout
    innerwell = next(line for line in insured.splitlines() if "| Innerwell |" in line)
    assert "| pay-in-full saving not applied (insured), " in innerwell
    # An insured price comes with a copay on top: the row says so, not only the JSON (#40).
    assert innerwell.endswith("on top: an office copay (or the deductible left on your plan), amount not stated |")


def test_insured_or_self_pay_is_never_hidden(cli):
    for width in ("60", "80"):
        out = cli("cost", "-n", "8", "-s", "TX", "-i", "aetna", env={"COLUMNS": width}).stdout
        assert "insured" in out and "self-pay" in out, width


# ------------------------------------------------------------------------------------------- the question in words

FILTER_VALUES = {
    "state": "TX", "doses": 12, "budget": 150000, "monthly_budget": 40000, "max_upfront": 50000, "insurance": "Aetna",
    "in_network_only": True, "returning": True, "pay_in_full": True, "hsa_fsa": True, "financing": True,
    "free_consult": True, "no_sitter": True, "id_verified": True, "clinician_led": True, "delivery": "tablet",
    "in_clinic": True, "dose_level": "standard", "confirmed_only": True,
}  # fmt: skip


def test_every_filter_is_said_in_words():
    from ketacli.criteria import Criteria
    from ketacli.render.columns import _FILTER_WORDS, ORDERING_FIELDS, question_words, ranking_title

    assert set(Criteria._fields) == set(_FILTER_WORDS) | set(ORDERING_FIELDS)
    assert set(FILTER_VALUES) == set(_FILTER_WORDS)
    plain = question_words(Criteria())
    for field, value in FILTER_VALUES.items():
        asked = Criteria(**{field: value})
        words = question_words(asked)
        assert words and words != plain, field
        assert words in ranking_title(asked) or field == "doses", field


def test_financing_is_in_the_title_the_markdown_and_the_report(cli):
    # Before: `compare --state TX --financing` was titled "Texas" although the filter left out three providers.
    table = cli("compare", "--state", "TX", "--financing").stdout
    assert table.splitlines()[0] == "Cheapest way to start: Texas, with financing"
    markdown = cli("compare", "--state", "TX", "--financing", "--format", "markdown").stdout
    assert "Texas, with financing" in markdown
    report = cli("report", "--state", "TX", "--financing", "--format", "markdown").stdout
    assert "**You asked:** Texas, with financing\n" in report


# ------------------------------------------------------------------------------------------- alternatives


def test_no_confirmed_provider_shows_the_alternatives_as_their_own_group(cli):
    """`compare --state WY --confirmed-only` used to say only "no providers matched"."""
    result = cli("compare", "--state", "WY", "--confirmed-only", env={"COLUMNS": "100"})
    assert result.code == 0
    out = result.stdout
    assert out.startswith("Alternatives to at-home treatment (no at-home provider is confirmed in Wyoming)\n")
    assert "\nSpravato (esketamine nasal spray)\n" in out and "\nIn-person ketamine infusion clinics\n" in out
    assert "IV infusions cost about $400-$700 per session (an estimate). [source: Ketamine therapy cost]" in out
    assert "  How to find it: not stated in the sources\n" in out  # infusion clinics: no source says


def test_alternatives_stay_out_of_the_json_rows(cli):
    result = cli("compare", "--state", "WY", "--confirmed-only", "--json")
    assert result.json() == []
    assert "`ketacli alternatives --json` gives Spravato" in result.stderr
    rows = cli("compare", "--state", "WY", "--json").json()
    assert {row["id"] for row in rows} == {"better-u", "mindbloom", "joyous"}  # providers only


def test_two_confirmed_providers_need_no_alternatives(cli):
    out = cli("compare", "--state", "TX").stdout
    assert "Alternatives to at-home treatment" not in out
    one = cli("compare", "--state", "TX", "--no-sitter").stdout  # Joyous only, of the four confirmed in Texas
    assert (
        "Alternatives to at-home treatment (4 at-home providers are confirmed in Texas; your filters kept 1 of them)"
        in one
    )


@pytest.mark.parametrize(
    ("args", "heading"),
    [  # before 0.6: "no at-home provider is confirmed in New York", "only one ... confirmed in Texas"
        (["--state", "new york", "--doses", "12", "--budget", "1500"],
         "1 at-home provider is confirmed in New York; your filters left it out"),
        (["--state", "TX", "--budget", "200"], "4 at-home providers are confirmed in Texas; your filters kept 1 of them"),
        (["--state", "TX", "--budget", "50"], "4 at-home providers are confirmed in Texas; your filters kept none of them"),
        (["--state", "ID"], "only one at-home provider is confirmed in Idaho"),
        (["--state", "WY"], "no at-home provider is confirmed in Wyoming"),
    ],
)  # fmt: skip
def test_filtered_is_not_unconfirmed(cli, args, heading):
    table = cli("compare", *args).stdout
    assert f"Alternatives to at-home treatment ({heading})" in table
    assert f"({heading})" in cli("report", *args, "--format", "markdown").stdout
    pointer = cli("compare", *args, "--json").stderr
    assert f"{heading}: `ketacli alternatives --json` gives" in pointer


def test_the_report_adds_the_alternatives_group(cli):
    wyoming = cli("report", "--state", "WY", "--format", "markdown").stdout
    assert "## Alternatives to at-home treatment (no at-home provider is confirmed in Wyoming)" in wyoming
    assert "### In-person ketamine infusion clinics" in wyoming
    texas = cli("report", "--state", "TX", "--format", "markdown").stdout
    assert "Alternatives to at-home treatment" not in texas


def test_every_column_is_declared_once_in_the_field_registry():
    """Tables, Markdown and the report's ranking are views of the one list of output fields: each column is a
    field its view's rows carry, in one column order, with the header and priority declared there, and each
    has words (and nothing else has)."""
    from ketacli.fields import COLUMN_ORDER, COMPARE_FIELDS, COST_FIELDS, FIELDS, columns
    from ketacli.render.columns import CELLS, ranking_columns

    displayed = [f.key for f in FIELDS if f.display]
    assert sorted(CELLS) == sorted(displayed) == sorted(COLUMN_ORDER)
    for view, carried in (("cost", COST_FIELDS), ("compare", COMPARE_FIELDS), ("report", COMPARE_FIELDS)):
        keys = [key for key, _ in columns(view)]
        assert set(keys) <= set(carried), view
        assert keys == [key for key in COLUMN_ORDER if key in keys], view
        headers = [shown.header for _, shown in columns(view)]
        assert len(set(headers)) == len(headers), view
    table = {c.key: c for c in ranking_columns("compare")}
    assert (table["purchase"].header, table["purchase"].priority, table["purchase"].footnote) == (
        "What to buy",
        2,
        True,
    )
    assert [k for k, c in table.items() if c.priority == 0] == [
        "rank", "name", "doses", "total", "dose_level", "availability", "insurance",
    ]  # fmt: skip
    assert "delivery" in table and "delivery" in dict(columns("report"))  # the report shows what `compare` shows


def test_the_typed_row_has_the_registrys_keys():
    """`fields.Row` (what every view reads, checked by mypy) and FIELDS (what the rows carry) are one list:
    a key only `compare` carries is NotRequired, every other key Required."""
    import typing

    from ketacli.fields import FIELDS, Row

    hints = typing.get_type_hints(Row, include_extras=True)
    assert list(hints) == [f.key for f in FIELDS]
    not_required = {key for key, hint in hints.items() if typing.get_origin(hint) is typing.NotRequired}
    assert not_required == {f.key for f in FIELDS if f.commands == frozenset({"compare"})}


def test_the_row_contract_names_every_note_kind():
    """docs/scripting.md lists the kinds a `note_records` entry may have: exactly notes.NoteKind."""
    import re
    import typing
    from pathlib import Path

    from ketacli.notes import NoteKind

    page = (Path(__file__).resolve().parents[1] / "docs" / "scripting.md").read_text(encoding="utf-8")
    line = next(line for line in page.splitlines() if line.startswith("| `note_records` |"))
    listed = re.findall(r"`([a-z_]+)`", line.split("is one of", 1)[1].split(";", 1)[0])
    assert sorted(listed) == sorted(typing.get_args(NoteKind))


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("Aetna CVS Health", "Aetna"), ("blue cros", "Blue Cross Blue Shield of Texas"),
     ("cigna health", "Cigna/Evernorth Behavioral Health")],
)  # fmt: skip
def test_extra_words_and_near_misses_of_a_carrier_are_suggested_not_priced_at_self_pay(cli, typed, suggested):
    """Before: exit 0, every provider priced self-pay (Innerwell $1,098 instead of $650), as if the carrier were
    unknown (#40). Now a usage error naming the carrier meant, as 'aetan' always was."""
    result = cli("compare", "--state", "TX", "--insurance", typed, "--json")
    assert result.code == 2 and result.stdout == ""
    assert "did you mean" in result.stderr and suggested in result.stderr.split("did you mean", 1)[1]
