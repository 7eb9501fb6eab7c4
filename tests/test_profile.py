"""The saved profile: round trip, precedence, --no-profile, broken files, atomic writes."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def profile_file(tmp_path):
    return tmp_path / "config" / "profile.toml"


def test_round_trip(cli, profile_file):
    assert cli("profile", "show", "--json").json() == {}
    result = cli("profile", "set", "--state", "texas", "--insurance", "aetna", "--doses", "12", "--budget", "1500",
                 "--returning", "--dose-level", "standard")  # fmt: skip
    assert result.code == 0 and result.stderr == f"ketacli: saved {profile_file}\n"
    assert profile_file.read_text() == (
        "# ketacli profile: defaults for `compare` and `cost` (an explicit flag always wins).\n"
        'state = "TX"\ninsurance = "aetna"\ndoses = 12\nbudget = 1500\nreturning = true\ndose_level = "standard"\n'
    )
    assert cli("profile", "show", "--json").json() == {
        "state": "TX", "insurance": "aetna", "doses": 12, "budget": 1500, "returning": True, "dose_level": "standard"
    }  # fmt: skip
    cli("profile", "set", "--doses", "8", "--new-client")  # updates keep the other values
    assert cli("profile", "show", "--json").json()["doses"] == 8
    assert cli("profile", "show", "--json").json()["returning"] is False
    assert cli("profile", "show", "--json").json()["state"] == "TX"
    assert cli("profile", "clear").code == 0
    assert not profile_file.exists()
    assert cli("profile", "show", "--json").json() == {}


def test_compare_uses_the_profile(cli):
    cli("profile", "set", "--state", "TX", "--insurance", "aetna", "--doses", "12")
    result = cli("compare", "--json")
    rows = result.json()
    assert [(r["id"], r["total"], r["insurance"]) for r in rows] == [
        ("better-u", 1029, "not_accepted"),
        ("innerwell", 1300, "accepted"),  # 2 × the insured $650 Foundation Program
        ("mindbloom", 2148, "not_accepted"),
        ("joyous", 129, "not_accepted"),
    ]
    assert (
        "ketacli: using profile values state=TX, insurance=aetna, doses=12 (--no-profile ignores them)" in result.stderr
    )


def test_explicit_flag_wins(cli):
    cli("profile", "set", "--state", "TX", "--doses", "12", "--returning")
    rows = cli("compare", "--doses", "6", "--new-client", "--json").json()
    assert {r["id"]: r["doses"] for r in rows}["mindbloom"] == 6
    assert {r["id"]: r["total"] for r in rows}["mindbloom"] == 1254  # new-client price, not the returning $954
    result = cli("cost", "--state", "AL", "--json")
    assert "using profile values doses=12, returning=True" in result.stderr
    assert {r["id"]: r["total"] for r in result.json()}["mindbloom"] == 1908


def test_no_profile(cli):
    cli("profile", "set", "--state", "AL")
    result = cli("compare", "--no-profile", "--json")
    assert len(result.json()) == 4
    assert "profile" not in result.stderr


def test_cost_defaults_to_twelve_without_profile(cli):
    assert cli("cost", "--json").json()[0]["doses_requested"] == 12


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('doses = "x"\n', "doses: must be a whole number from 1 to 1000"),
        ('state = "Atlantis"\n', "state: must be a US state code or name"),
        ("budget = -3\n", "budget: must be a finite, non-negative number of US dollars"),
        ('colour = "blue"\n', "unknown key 'colour'; valid keys: state, insurance, doses"),
        ('insurance = "aetna"\n', "insurance: needs a state too"),
        ("doses = \n", "invalid TOML"),
    ],
)
def test_broken_profile_is_a_clear_error_and_never_overwritten(cli, profile_file, text, message):
    profile_file.parent.mkdir(parents=True)
    profile_file.write_text(text)
    result = cli("compare", "--json")
    assert result.code == 1 and result.stdout == ""
    assert result.stderr.startswith(f"ketacli: error: {profile_file}: ")
    assert message in result.stderr
    assert cli("profile", "set", "--doses", "3").code == 1
    assert profile_file.read_text() == text
    assert cli("compare", "--no-profile", "--json").code == 0


def test_profile_set_needs_a_value(cli):
    result = cli("profile", "set")
    assert result.code == 2 and "give at least one value" in result.stderr


def test_profile_set_bad_values(cli):
    assert "unknown state 'Atlantis'" in cli("profile", "set", "--state", "Atlantis").stderr
    assert "doses: must be a whole number" in cli("profile", "set", "--doses", "0").stderr
    assert "insurance: needs a state too" in cli("profile", "set", "--insurance", "aetna").stderr


def test_profile_write_is_atomic(cli, profile_file, monkeypatch):
    cli("profile", "set", "--state", "TX")
    before = profile_file.read_text()
    import ketacli.fileio as fileio

    def fail_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, "replace", fail_replace)
    result = cli("profile", "set", "--doses", "9")
    assert result.code == 1
    assert result.stderr == f"ketacli: error: {profile_file}: cannot write profile: No space left on device\n"
    assert profile_file.read_text() == before
    # No temporary file is left behind (the lock file beside the profile is expected).
    assert sorted(p.name for p in profile_file.parent.iterdir()) == ["profile.toml", "profile.toml.lock"]


def test_bad_flag_value_is_a_usage_error_not_a_broken_file(cli, profile_file):
    result = cli("profile", "set", "--budget", "-5")
    assert result.code == 2
    assert result.stderr == "ketacli: error: --budget: must be a finite, non-negative number of US dollars\n"
    assert not profile_file.exists()


@pytest.mark.parametrize("where", ["folder", "file"])
def test_a_profile_others_can_write_is_ignored_with_a_warning(cli, tmp_path, where):
    assert cli("profile", "set", "--state", "TX").code == 0
    path = tmp_path / "config" / "profile.toml"
    target = path.parent if where == "folder" else path
    os.chmod(target, os.stat(target).st_mode | 0o022)
    result = cli("compare", "--json")
    assert result.code == 0
    assert f"other users can write to {'its folder' if where == 'folder' else 'the file'}" in result.stderr
    assert result.stderr.count("ignoring the profile") == 1
    assert {row["availability"] for row in result.json()} == {None}  # no state applied


def test_a_profile_owned_by_another_user_is_ignored(cli, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("changing a file's owner needs root")
    assert cli("profile", "set", "--state", "TX").code == 0
    path = tmp_path / "config" / "profile.toml"
    os.chown(path, 12345, 12345)
    result = cli("compare", "--json")
    assert "the file belongs to another user" in result.stderr
