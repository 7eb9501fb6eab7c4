"""states, map, insurance, alternatives, safety: exact matrices from the guide's facts, JSON parsed back."""

from __future__ import annotations

import pytest

from ketacli.render.usmap import COLUMNS, ROWS, TILES
from ketacli.states import STATE_CODES


def test_states_texas_all_four(cli):
    detail = cli("states", "TX", "--json").json()
    assert detail["served"] == ["innerwell", "better-u", "mindbloom", "joyous"]
    assert detail["not_served"] == [] and detail["unknown"] == []
    assert "Zelis" in detail["insurance"]["innerwell"]


@pytest.mark.parametrize("state", ["ID", "idaho", "Idaho"])
def test_states_idaho(cli, state):
    detail = cli("states", state, "--json").json()
    assert (detail["served"], detail["not_served"], detail["unknown"]) == (
        ["innerwell"],
        [],
        ["better-u", "mindbloom", "joyous"],
    )
    assert detail["insurance"] == {}


def test_states_alabama(cli):
    detail = cli("states", "AL", "--json").json()
    assert (detail["served"], detail["not_served"], detail["unknown"]) == (
        [],
        ["innerwell"],
        ["better-u", "mindbloom", "joyous"],
    )


def test_states_new_york_in_person(cli):
    detail = cli("states", "new york", "--json").json()
    assert [(c["provider"], c["ketamine_sessions"]) for c in detail["in_clinic"]] == [
        ("innerwell", True),
        ("better-u", True),
    ]
    text = cli("states", "CA").stdout
    assert "In person: Innerwell: In-person consultations, Follow-up visits (no ketamine sessions)" in text


def test_states_text(cli):
    assert cli("states", "AL").stdout == (
        "Alabama (AL)\n"
        "  Served: —\n"
        "  Not served: Innerwell\n"
        "  Unknown (check with the provider): Better U, Mindbloom, Joyous\n"
        "  State law on prescribing by telemedicine: none recorded in the catalogue (not every state has been "
        "surveyed: ask the provider)\n"
    )


def test_a_state_with_its_own_telemedicine_law_says_it_where_the_person_decides(cli):
    """Georgia, New Hampshire and Connecticut add their own conditions to prescribing controlled substances by
    telemedicine (#42): every answer for such a state says what it requires and what to ask, never a 'no'."""
    detail = cli("states", "GA", "--json").json()
    assert [law["rule"] for law in detail["state_law"]] == ["georgia-telemedicine-prescribing"]
    assert detail["state_law"][0]["requires"] == ["in_person_exam_before_first_prescription", "in_person_exam_yearly"]
    ranked = cli("compare", "--state", "GA", "--json")
    innerwell = next(r for r in ranked.json() if r["id"] == "innerwell")
    assert innerwell["availability"] == "served"  # the sources list Georgia: a state rule never makes it a "no"
    law = next(r for r in innerwell["note_records"] if r["kind"] == "state_law")
    assert law["text"] == (
        "Georgia generally requires one in-person examination before the first prescription of a controlled "
        "substance, and diligent efforts at one every year: ask Innerwell where"
    )
    assert innerwell["notes"][0] == law["text"]  # first in the row
    assert "georgia-telemedicine-prescribing" in [t["id"] for t in innerwell["rules_touching"]]
    assert "Georgia generally requires one in-person examination" in ranked.stderr
    ct = next(r for r in cli("compare", "--state", "CT", "--json").json() if r["id"] == "innerwell")
    assert ct["notes"][0].endswith("substance use disorder: ask Innerwell whether your treatment qualifies")
    markdown = cli("compare", "--state", "NH", "--format", "markdown").stdout
    innerwell_line = next(line for line in markdown.splitlines() if "| Innerwell |" in line)
    assert "| New Hampshire requires an in-person examination at least once a year" in innerwell_line
    # After the federal rule's end date, the state's own rule still stands: never "unknown since".
    later = cli("compare", "--state", "GA", "--json", env={"KETACLI_TODAY": "2027-03-01"}).json()
    assert any(r["kind"] == "state_law" and r["status"] == "in_force" for r in later[0]["note_records"])


def test_state_matrix(cli):
    data = cli("states", "--json").json()
    assert [(p["id"], p["states_reported"], p["list_complete"]) for p in data["providers"]] == [
        ("innerwell", 25, True),
        ("better-u", 31, False),
        ("mindbloom", 35, False),
        ("joyous", 30, False),
    ]
    states = {row["state"]: row for row in data["states"]}
    assert len(states) == 51
    assert states["TX"]["providers"] == dict.fromkeys(["innerwell", "better-u", "mindbloom", "joyous"], "served")
    assert states["AL"]["providers"]["innerwell"] == "not_served"
    assert (states["ID"]["served"], states["ID"]["unknown"]) == (1, 3)
    assert sum(row["providers"]["innerwell"] == "served" for row in data["states"]) == 25


def test_state_matrix_table(cli):
    out = cli("states", env={"COLUMNS": "160"}).stdout
    texas = next(line for line in out.splitlines() if "│ TX" in line)
    assert texas.count("✓") == 4
    assert "✗ not served" in out and "? unknown" in out


def test_unknown_state_argument(cli):
    result = cli("states", "Tejas")
    assert result.code == 2 and result.stderr.startswith("ketacli: error: unknown state 'Tejas'")


def test_tile_layout():
    assert set(TILES) == STATE_CODES and len(TILES) == 51
    assert len(set(TILES.values())) == 51
    assert all(0 <= r < ROWS and 0 <= c < COLUMNS for r, c in TILES.values())
    # Placement: west coast on the left, Maine top right, Texas and Florida at the bottom.
    assert TILES["WA"][1] == TILES["OR"][1] == TILES["CA"][1] == 0
    assert TILES["ME"] == (0, 10)
    assert TILES["TX"][0] == TILES["FL"][0] == ROWS - 1
    assert TILES["NY"][1] > TILES["OH"][1] > TILES["IL"][1]


def test_map_json(cli):
    tiles = {t["state"]: t for t in cli("map", "--json").json()}
    assert len(tiles) == 51
    assert (tiles["TX"]["row"], tiles["TX"]["column"], tiles["TX"]["served"]) == (7, 3, 4)
    assert (tiles["ID"]["served"], tiles["ID"]["unknown"]) == (1, 3)
    one = {t["state"]: t["availability"] for t in cli("map", "--provider", "innerwell", "--json").json()}
    assert (one["TX"], one["AL"]) == ("served", "not_served")


def map_cells(text: str) -> dict[str, str]:
    """Read the map back: each tile's code line and the label under it."""
    lines = text.splitlines()
    cells = {}
    for top, bottom in zip(lines[0:16:2], lines[1:16:2], strict=True):
        for column in range(COLUMNS):
            code = top[column * 7 : column * 7 + 6].strip()
            if code:
                cells[code] = bottom[column * 7 : column * 7 + 6].strip()
    return cells


def test_map_without_colour_carries_the_meaning(cli):
    result = cli("map", env={"NO_COLOR": "1"})
    assert "\x1b" not in result.stdout
    cells = map_cells(result.stdout)
    assert len(cells) == 51
    assert (cells["TX"], cells["ID"], cells["AL"], cells["CA"]) == ("4", "1+3?", "0+3?", "4")
    assert "'+N?' = N more whose availability is unknown" in result.stdout


def test_map_one_provider_symbols(cli):
    cells = map_cells(cli("map", "-p", "Innerwell").stdout)
    assert (cells["TX"], cells["AL"], cells["MT"]) == ("✓", "✗", "✓")
    cells = map_cells(cli("map", "-p", "joyous").stdout)
    assert (cells["TX"], cells["AL"]) == ("✓", "?")


def test_map_with_colour_same_text(cli):
    plain = cli("map", env={"NO_COLOR": "1"}).stdout
    coloured = cli("map", env={"NO_COLOR": "", "FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in coloured
    import re

    # The same tiles and words; only the sentence that explains the colours is left out where none are shown.
    without_colours = re.sub(r" Colours: .*", "", re.sub(r"\x1b\[[0-9;]*m", "", coloured), flags=re.S)
    assert without_colours.rstrip() == plain.rstrip()


def test_map_rejects_alternatives(cli):
    result = cli("map", "--provider", "spravato")
    assert result.code == 2 and "alternative" in result.stderr


def test_insurance_by_state(cli):
    rows = {r["id"]: r for r in cli("insurance", "--state", "WA", "--json").json()}
    assert rows["innerwell"]["carriers_by_state"] == {
        "WA": ["Aetna", "Cigna/Evernorth Behavioral Health", "Regence BlueShield", "UnitedHealthcare/Optum"]
    }
    assert rows["better-u"]["accepts_insurance"] is False
    assert rows["better-u"]["instead"] == "HSA/FSA accepted, may be reimbursed"
    assert rows["mindbloom"]["instead"] == (
        'HSA/FSA: the sources disagree (HSA/FSA payment only "may be possible"; another source says otherwise), '
        "superbill for reimbursement"
    )


@pytest.mark.parametrize(
    ("alias", "states"),
    [
        ("uhc", ["CA", "NY", "TX", "WA"]),
        ("optum", ["CA", "NY", "TX", "WA"]),
        ("bcbs", ["IL", "TX"]),
        (
            "evernorth",
            [
                "AZ",
                "CA",
                "CO",
                "CT",
                "FL",
                "IL",
                "IA",
                "MA",
                "MI",
                "NH",
                "NJ",
                "NY",
                "OH",
                "OR",
                "PA",
                "TN",
                "TX",
                "VA",
                "WA",
            ],
        ),
    ],
)
def test_insurance_by_carrier_alias(cli, alias, states):
    rows = {r["id"]: r for r in cli("insurance", "--carrier", alias, "--json").json()}
    assert list(rows["innerwell"]["carriers_by_state"]) == states


def test_insurance_state_and_carrier(cli):
    rows = {r["id"]: r for r in cli("insurance", "-s", "ID", "-c", "aetna", "--json").json()}
    assert rows["innerwell"]["carriers_by_state"] == {}
    text = cli("insurance", "-s", "ID", "-c", "aetna").stdout
    assert "Innerwell: no accepted insurance here; instead: HSA/FSA accepted, superbill for reimbursement" in text


def test_insurance_carrier_nobody_lists(cli):
    result = cli("insurance", "--carrier", "humana")
    assert result.code == 0
    assert result.stderr == "ketacli: no provider in the catalogue lists 'humana'\n"
    assert "Innerwell: no accepted insurance here; instead: HSA/FSA accepted, superbill" in result.stdout


def test_insurance_carrier_typo_suggests(cli):
    result = cli("insurance", "--carrier", "cigan")
    assert result.code == 2
    assert result.stderr == (
        "ketacli: error: no listed carrier is called 'cigan'; did you mean Cigna/Evernorth Behavioral Health?\n"
    )


def test_alternatives(cli):
    data = {a["id"]: a for a in cli("alternatives", "--json").json()}
    assert set(data) == {"spravato", "infusion-clinics"}
    assert data["spravato"]["kind"] == "nasal_spray"
    assert (
        "$10 per treatment for SPRAVATO medication costs, with a $7,150 maximum" in data["spravato"]["cost"][0]["text"]
    )
    assert "not for Medicare, Medicaid or TRICARE" in data["spravato"]["cost"][0]["text"]
    text = cli("alternatives").stdout
    assert "at least two hours of monitoring" in text and "$495-$800 per session" in text


def test_safety(cli):
    data = cli("safety", "--json").json()
    assert "Those who are pregnant or breastfeeding (ketamine could harm your baby)" in data["look_elsewhere"]
    assert "Slowed breathing (that, in severe cases, can lead to death)" in data["side_effects_short_term"]
    text = cli("safety").stdout
    assert text.startswith("Informational, not medical advice: talk to a clinician")


def test_completion_of_states_providers_and_carriers():
    from ketacli.cli.options import complete_carrier, complete_provider, complete_state

    assert complete_state("N") == ["NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND"]
    assert complete_state("n") == ["ne", "nv", "nh", "nj", "nm", "ny", "nc", "nd"]  # in the case typed
    assert complete_provider("b") == ["better-u"]
    assert complete_carrier("Cig") == ["Cigna/Evernorth Behavioral Health"]
    assert complete_carrier("cig") == ["cigna/evernorth behavioral health"]


def test_insurance_with_a_state_uses_compares_availability(cli):
    # Before: `insurance --state WY` described Innerwell's self-pay options; Innerwell does not serve Wyoming.
    result = cli("insurance", "--state", "WY", "--json")
    rows = result.json()
    assert [(r["id"], r["availability"]) for r in rows] == [
        ("better-u", "unknown"), ("mindbloom", "unknown"), ("joyous", "unknown"),
    ]  # fmt: skip
    assert "left out Innerwell: not available in WY" in result.stderr
    text = cli("insurance", "--state", "WY").stdout
    assert "Innerwell" not in text and "Better U: availability in this state unconfirmed" in text
    texas = {r["id"]: r["availability"] for r in cli("insurance", "--state", "TX", "--json").json()}
    assert texas["innerwell"] == "served"


@pytest.mark.parametrize("width", [40, 60])
def test_a_narrow_map_is_a_list_that_fits_and_says_so(cli, width):
    out = cli("map", env={"COLUMNS": str(width)}).stdout
    assert out.startswith("(The map needs 77 columns; one state per")
    assert max(len(line.rstrip()) for line in out.splitlines()) <= width
    cells = " ".join(out.split("\n(")[0].splitlines()[1:]).split()
    assert {"TX", "WY", "DC", "CA"} <= set(cells) and "4" in cells  # CA: all four confirmed
    wide = cli("map", env={"COLUMNS": "80"}).stdout
    assert "The map needs" not in wide and "  WA     ID     MT" in wide


def test_map_colours_match_the_legend_and_survive_eight_colours():
    from ketacli.render.usmap import legend, tile_style

    def style(served: int, unknown: int) -> str:
        return tile_style({"served": served, "unknown": unknown}, None)

    styles = [style(0, 0), style(0, 3), style(1, 3), style(2, 0), style(4, 0)]
    assert len(set(styles)) == 5  # five states, five looks
    basic = {"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"}
    assert all(set(s.replace(" on ", " ").split()) <= basic for s in styles)
    words = legend(None)
    for colour, expected in zip(["red", "yellow", "cyan", "blue", "green"], styles, strict=True):
        assert expected.endswith(f"on {colour}") and f"{colour} = " in words


def test_insurance_follows_the_terminal_width(cli):
    narrow = cli("insurance", "--state", "TX", env={"COLUMNS": "40"}).stdout
    assert max(len(line) for line in narrow.splitlines()) <= 40
    assert "  TX: Aetna, Blue Cross Blue Shield of\n" in narrow  # continuation lines hang under their line
    piped = cli("insurance", "--state", "TX", env={"COLUMNS": ""}).stdout
    assert "  TX: Aetna, Blue Cross Blue Shield of Texas, Cigna/Evernorth" in piped  # never cut when piped


def test_the_map_legend_describes_colours_only_where_they_are_shown(cli):
    plain = cli("map").stdout  # NO_COLOR=1 (the tests' environment)
    assert "'+N?' = N more whose availability is unknown" in plain and "Colours" not in plain
    coloured = cli("map", env={"NO_COLOR": "", "FORCE_COLOR": "1"}).stdout
    assert "Colours: red = none confirmed" in coloured


@pytest.mark.parametrize("args", [["states", "NY"], ["cost", "--doses", "12", "--state", "TX", "--schedule"]])
def test_plain_lists_wrap_at_40_columns(cli, args):
    lines = cli(*args, env={"COLUMNS": "40"}).stdout.splitlines()
    assert lines and max(len(line) for line in lines) <= 40, [line for line in lines if len(line) > 40]


def test_safety_bullets_each_rule_once(cli):
    text = cli("safety").stdout
    assert "  - Ketamine is a Schedule III controlled substance (DEA): in force since 1999-08-12\n" in text
    assert "\n    Citation: 64 FR 37673 (FR Doc 99-17803)\n" in text  # a detail of that rule, not a bullet of its own
    assert "  -   " not in text
