"""`catalog diff`: every kind of change between two small catalogues, exact output."""

from __future__ import annotations

from conftest import catalogue_document, provider, write_catalogue


def edited_pair(tmp_path):
    old = catalogue_document()
    new = catalogue_document()
    # price: Better U's Introduction plan
    provider(new, "better-u")["plans"][0]["price"] = 550
    provider(new, "better-u")["plans"][0]["per_dose_stated"] = 110
    # plan: a new Joyous subscription, and Mindbloom's 12-session plan removed
    provider(new, "joyous")["subscriptions"].append(
        {"id": "quarterly", "name": "Quarterly plan", "doses_per_period": 90, "period": "month", "price": 349,
         "commitment": "3 months", "includes": {"starter_kit": False}}
    )  # fmt: skip
    provider(new, "mindbloom")["plans"].pop(1)
    provider(new, "mindbloom")["reimbursement_ranges"][1]["plans"] = ["eighteen-sessions"]  # no dangling plan id
    # state: Better U adds Oregon
    provider(new, "better-u")["availability"]["states_known"].append("OR")
    # carrier: Innerwell drops Zelis in Georgia, adds Aetna
    provider(new, "innerwell")["insurance"]["carriers_by_state"]["GA"] = ["Aetna"]
    # policy: Joyous now requires a sitter
    provider(new, "joyous")["care"]["sitter_required"] = True
    # provider removed and added
    new["alternatives"] = [a for a in new["alternatives"] if a["id"] != "infusion-clinics"]
    added = dict(provider(old, "joyous"), id="calm-co", name="Calm Co")
    new["providers"].append(added)
    return write_catalogue(tmp_path / "old.toml", old), write_catalogue(tmp_path / "new.toml", new)


def test_diff_json_every_kind(cli, tmp_path):
    old, new = edited_pair(tmp_path)
    result = cli("catalog", "diff", str(old), str(new), "--json")
    assert result.code == 0, result.stderr
    assert result.json() == [
        {"id": "infusion-clinics", "kind": "removed", "path": "", "old": "In-person ketamine infusion clinics", "new": None},
        {"id": "calm-co", "kind": "added", "path": "", "old": None, "new": "Calm Co"},
        {"id": "better-u", "kind": "state", "path": "availability.states_known", "old": [], "new": ["OR"]},
        {"id": "better-u", "kind": "price", "path": "plans[introduction].per_dose_stated", "old": 100, "new": 110},
        {"id": "better-u", "kind": "price", "path": "plans[introduction].price", "old": 500, "new": 550},
        {"id": "innerwell", "kind": "carrier", "path": "insurance.carriers_by_state.GA", "old": ["Zelis"], "new": ["Aetna"]},
        {"id": "joyous", "kind": "policy", "path": "care.sitter_required", "old": False, "new": True},
        {"id": "joyous", "kind": "plan", "path": "subscriptions[quarterly]", "old": None, "new": "Quarterly plan"},
        {"id": "mindbloom", "kind": "plan", "path": "plans[twelve-sessions]", "old": "12-session treatment", "new": None},
        {"id": "mindbloom", "kind": "policy", "path": "reimbursement_ranges[1].plans",
         "old": ["twelve-sessions", "eighteen-sessions"], "new": ["eighteen-sessions"]},
    ]  # fmt: skip


def test_diff_table(cli, tmp_path):
    old, new = edited_pair(tmp_path)
    result = cli("catalog", "diff", str(old), str(new), env={"COLUMNS": "160"})
    lines = result.stdout.splitlines()
    assert lines[1].split("┃")[1:6] == [" Entry            ", " Change  ", " Field                               ",
                                        " Old                                 ", " New               "]  # fmt: skip
    body = "\n".join(lines)
    assert "│ innerwell        │ carrier │ insurance.carriers_by_state.GA      │ −Zelis" in body
    assert "│ +Aetna" in body
    assert "│ better-u         │ price   │ plans[introduction].price           │ 500" in body
    assert result.stderr == "ketacli: 10 changes\n"


def test_diff_identical(cli, tmp_path):
    path = write_catalogue(tmp_path / "same.toml", catalogue_document())
    result = cli("catalog", "diff", str(path), str(path))
    assert (result.code, result.stdout, result.stderr) == (0, "", "ketacli: no differences\n")
    assert cli("catalog", "diff", str(path), str(path), "--json").stdout == "[]\n"


def test_diff_invalid_file(cli, tmp_path):
    good = write_catalogue(tmp_path / "good.toml", catalogue_document())
    bad = tmp_path / "bad.toml"
    bad.write_text("schema_version = 1\n")
    result = cli("catalog", "diff", str(good), str(bad))
    assert result.code == 1 and "bad.toml" in result.stderr
