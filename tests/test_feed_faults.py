"""The feed client under faults (issue #26, parts 3 and 4): one deadline, the real reason for each refusal,
the update lock, names and URLs, and local state. A small misbehaving server on 127.0.0.1 for each fault."""

from __future__ import annotations

import fcntl
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CATALOGUE
from feedkit import body, endless, redirect_to, serve, trickle, trust

UNCHANGED = "the active catalogue is unchanged"


pytestmark = pytest.mark.usefixtures("feed_environment")


@pytest.fixture
def repo(published_repo: Path) -> Path:
    return published_repo


def _add(cli, repo: Path, url: str) -> None:
    added = cli("feed", "add", "main", url, *trust(repo / "public" / "metadata" / "1.root.json"))
    assert added.code == 0, added.stderr


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETACLI_")}
    env.update(KETACLI_CONFIG_DIR=str(tmp_path / "config"), KETACLI_DATA_DIR=str(tmp_path / "data"),
               KETACLI_CACHE_DIR=str(tmp_path / "cache"), **extra)  # fmt: skip
    return env


def _ketacli(tmp_path: Path, *args: str, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "ketacli", *args], env=_env(tmp_path, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


# ------------------------------------------------------------------------------------------- the server


def test_a_trickling_server_is_refused_within_the_deadline(repo, cli, tmp_path):
    """One byte every half second never trips a per-read timeout; the whole update has one deadline."""
    with serve(repo / "public", {"timestamp.json": trickle}) as url:
        _add(cli, repo, url)
        started = time.monotonic()
        run = _ketacli(tmp_path, "update", KETACLI_FEED_TIMEOUT="2")
        _, stderr = run.communicate(timeout=60)
        took = time.monotonic() - started
    assert run.returncode == 1 and took < 10, (took, stderr)
    assert "timed out: the update took more than 2 s in all (KETACLI_FEED_TIMEOUT)" in stderr
    assert stderr.count("\n") == 1 and UNCHANGED in stderr


@pytest.mark.parametrize(
    ("path", "misbehave", "words"),
    [
        ("timestamp.json", endless, "refused metadata over its size limit"),
        (".catalogue.toml", body(CATALOGUE.read_bytes() + b"# and more\n" * 100),
         "the server sent more than its signed length"),
        ("timestamp.json", redirect_to("/metadata/timestamp.json"), "redirected more than 5 times"),
        ("timestamp.json", body(b'{"signed": {"_type": "timestamp", "version": 1e999}, "signatures": []}'),
         "refused metadata that is not valid TUF metadata"),
        ("timestamp.json", body(b"[1, 2"), "refused metadata that is not valid TUF metadata"),
    ],
    ids=["endless-metadata", "longer-target", "redirect-loop", "non-finite-version", "torn-json"],
)  # fmt: skip
def test_each_fault_says_its_real_reason(repo, cli, tmp_path, path, misbehave, words):
    with serve(repo / "public", {path: misbehave}) as url:
        _add(cli, repo, url)
        result = cli("update", env={"KETACLI_FEED_TIMEOUT": "20"})
    assert result.code == 1 and words in result.stderr, result.stderr
    assert "offline" not in result.stderr and "refused: ;" not in result.stderr and UNCHANGED in result.stderr
    assert cli("catalog", "status", "--json").json()["source"] == "built-in"


def test_a_redirect_to_another_host_is_reported(repo, cli, tmp_path):
    with serve(repo / "public") as url:
        moved = url.replace("127.0.0.1", "localhost") + "/metadata/timestamp.json"
        with serve(repo / "public", {"timestamp.json": redirect_to(moved)}) as front:
            _add(cli, repo, front)
            result = cli("update")
    assert result.code == 0, result.stderr
    assert "the server redirected to another host, localhost" in result.stderr


# ------------------------------------------------------------------------------------------- the lock


def _hold_lock(tmp_path: Path) -> int:
    (tmp_path / "data").mkdir(exist_ok=True)
    fd = os.open(tmp_path / "data" / "update.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def test_a_second_update_says_it_is_waiting(repo, cli, tmp_path):
    with serve(repo / "public") as url:
        _add(cli, repo, url)
        fd = _hold_lock(tmp_path)
        run = _ketacli(tmp_path, "update")
        time.sleep(1.5)
        assert run.poll() is None  # waiting, not failing
        os.close(fd)
        _, stderr = run.communicate(timeout=60)
    assert run.returncode == 0 and "waiting for another `ketacli update` to finish" in stderr


def test_remove_waits_for_an_update(repo, cli, tmp_path):
    with serve(repo / "public") as url:
        _add(cli, repo, url)
        assert cli("update").code == 0
        fd = _hold_lock(tmp_path)
        run = _ketacli(tmp_path, "feed", "remove", "main")
        time.sleep(1.0)
        assert run.poll() is None
        os.close(fd)
        assert run.wait(timeout=60) == 0
    assert cli("catalog", "status", "--json").json()["source"] == "built-in"


# ------------------------------------------------------------------------------------------- names and state


def test_a_name_inside_feed_json_is_never_a_path(repo, cli, tmp_path):
    victim = tmp_path / "victimdir"
    victim.mkdir()
    _add(cli, repo, "http://127.0.0.1:1")
    record = tmp_path / "config" / "feeds" / "main" / "feed.json"
    record.write_text(json.dumps({**json.loads(record.read_text()), "name": "../../victimdir"}))
    assert [feed["name"] for feed in cli("feed", "list", "--json").json()] == ["main"]
    assert cli("feed", "remove", "main").code == 0
    assert victim.is_dir() and not (tmp_path / "config" / "feeds" / "main").exists()


def test_plain_http_is_warned_about_once(repo, cli):
    result = cli("feed", "add", "main", "http://127.0.0.1:1/", *trust(repo / "public/metadata/1.root.json"))
    assert result.code == 0 and result.stderr.count("plain http://") == 1
    assert cli("feed", "list", "--json").json()[0]["url"] == "http://127.0.0.1:1"


def test_local_state_is_never_written_through_a_link_and_leftovers_are_swept(repo, cli, tmp_path):
    with serve(repo / "public") as url:
        _add(cli, repo, url)
        assert cli("update").code == 0
        active, metadata = tmp_path / "data" / "active", tmp_path / "data" / "feeds" / "main" / "metadata"
        outside = tmp_path / "outside.json"
        outside.write_text("mine\n")
        (active / "state.json").unlink()
        (active / "state.json").symlink_to(outside)
        leftovers = [metadata / "tmpab12cd34", active / ".catalogue.0123.toml.x1y2.tmp", active / "catalogue.dead.toml"]
        for leftover in leftovers:
            leftover.write_text("half")
        result = cli("update")
    assert result.code == 0, result.stderr
    assert outside.read_text() == "mine\n" and not (active / "state.json").is_symlink()
    assert not any(leftover.exists() for leftover in leftovers)
    assert cli("catalog", "status", "--json").json()["source"] == "feed"


def test_a_damaged_state_file_is_said_and_update_repairs_it(repo, cli, tmp_path):
    with serve(repo / "public") as url:
        _add(cli, repo, url)
        assert cli("update").code == 0
        state = tmp_path / "data" / "active" / "state.json"
        state.write_text("{torn")
        used = cli("compare", "--json", env={"KETACLI_TODAY": ""})  # the built-in catalogue: the real date
        assert used.code == 0 and used.stderr.count(f"warning: {state}: damaged") == 1
        assert "using the built-in catalogue" in used.stderr
        assert cli("update").code == 0
    assert cli("catalog", "status", "--json").json()["source"] == "feed"


def test_a_data_folder_that_cannot_exist_is_one_line_naming_it(repo, cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with serve(repo / "public") as url:
        _add(cli, repo, url)
        result = cli("update", env={"KETACLI_DATA_DIR": str(blocker / "data")})
    assert result.code == 1 and result.stderr.count("\n") == 1
    assert f"{blocker / 'data'}: cannot write there" in result.stderr and "internal error" not in result.stderr


def test_a_folder_the_user_made_is_not_chmodded(repo, cli, tmp_path):
    (tmp_path / "data").mkdir(mode=0o755)
    os.chmod(tmp_path / "data", 0o755)
    with serve(repo / "public") as url:
        _add(cli, repo, url)
        assert cli("update").code == 0
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "data" / "active").stat().st_mode) == 0o700  # made by ketacli: private


def test_a_signed_date_with_control_characters_is_unknown():
    from ketacli.feed.client import _signed

    assert _signed({"signed": "2026-01-01T00:00:00+00:00"}) == "2026-01-01T00:00:00+00:00"
    assert _signed({"signed": "2026-01-01\n\x1b[31mpay here"}) == "unknown"
    assert _signed("not a table") == "unknown"


# ------------------------------------------------------------------------------------------- what the user sees


def test_update_under_an_override_installs_and_says_the_override_hides_it(repo, cli, tmp_path):
    with serve(repo / "public") as url:
        _add(cli, repo, url)
        result = cli("update", env={"KETACLI_CATALOG": str(CATALOGUE)})
        assert result.code == 0 and f"KETACLI_CATALOG is set, so commands use {CATALOGUE}" in result.stderr
        again = cli("update", env={"KETACLI_CATALOG": str(CATALOGUE)})
    assert "already active" in again.stderr  # installed once, not on every run
    assert cli("catalog", "status", "--json").json()["source"] == "feed"


def test_update_check_renews_still_vouched_for(repo, cli, tmp_path):
    with serve(repo / "public") as url:
        _add(cli, repo, url)
        assert cli("update").code == 0
        state = tmp_path / "data" / "active" / "state.json"
        state.write_text(json.dumps({**json.loads(state.read_text()), "expires": "2026-01-01T00:00:00+00:00"}))
        assert cli("catalog", "status", "--json").json()["vouched_for"] is False
        assert cli("update", "--check").code == 0
    assert cli("catalog", "status", "--json").json()["vouched_for"] is True


def test_feed_list_does_not_load_tuf(tmp_path):
    code = (
        "import sys; from ketacli.cli import run; run(['feed', 'list', '--json']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tuf', 'securesystemslib', 'cryptography', 'urllib3')))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=_env(tmp_path), capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "[]"


def _publish(cli, repo: Path, tmp_path: Path, mutate, name: str) -> None:
    from conftest import catalogue_document, write_catalogue

    document = catalogue_document()
    mutate(document)
    assert cli("feed", "publish", str(repo), str(write_catalogue(tmp_path / name, document))).code == 0


def _provider(document: dict, provider_id: str) -> dict:
    return next(p for p in document["providers"] if p["id"] == provider_id)


def test_what_changed_speaks_the_users_language(repo, cli, tmp_path):
    """Before: 'insurance for your carrier: accepted → not_accepted'; now the tables' words."""

    def drop_aetna_in_arizona(document: dict) -> None:
        carriers = _provider(document, "innerwell")["insurance"]["carriers_by_state"]
        carriers["AZ"] = [c for c in carriers["AZ"] if c != "Aetna"]

    with serve(repo / "public") as url:
        _add(cli, repo, url)
        assert cli("update").code == 0
        assert cli("profile", "set", "--state", "AZ", "--insurance", "Aetna").code == 0
        _publish(cli, repo, tmp_path, drop_aetna_in_arizona, "v3.toml")
        result = cli("update")
    assert result.code == 0, result.stderr
    said = [line for line in result.stdout.splitlines() if line.startswith("- Innerwell: insurance")]
    assert said == ["- Innerwell: insurance for your carrier: insured → self-pay"]
    assert "not_accepted" not in result.stdout and "None" not in result.stdout


def test_what_changed_reads_the_whole_profile(repo, cli, tmp_path):
    """Before, the budget (and returning, pay in full, monthly budget, dose level) was ignored."""

    def better_u_at(price: int):
        def mutate(document: dict) -> None:
            plan = _provider(document, "better-u")["plans"][0]
            plan["price"] = price
            plan.pop("per_dose_stated", None)

        return mutate

    with serve(repo / "public") as url:
        _add(cli, repo, url)
        assert cli("update").code == 0
        assert cli("profile", "set", "--state", "TX", "--doses", "5", "--budget", "520").code == 0
        _publish(cli, repo, tmp_path, better_u_at(550), "v3.toml")
        result = cli("update", "--json")
        assert result.code == 0, result.stderr
        changes = {(c["id"], c["field"]) for c in result.json()["changes_for_you"]}
        assert ("better-u", "left_out") in changes  # $550 is over the $520 budget
        _publish(cli, repo, tmp_path, better_u_at(510), "v4.toml")
        assert cli("update").code == 0
    history = cli("changes", "--json").json()
    assert [(item["feed"], item["version"]) for item in history] == [("main", 4), ("main", 3), ("main", 2)]
    assert history[0]["previous"].startswith("catalogue.") and history[-1]["previous"] == "built-in"
    assert any(words.startswith("Better U: now matches your profile") for words in history[0]["changes_for_you"])
    text = cli("changes").stdout
    assert "feed main, version 4" in text.splitlines()[0] and "  - Better U: now matches your profile" in text
    diff = cli("catalog", "diff", "--previous", "--json").json()
    assert [(d["id"], d["path"], d["old"], d["new"]) for d in diff] == [
        ("better-u", "plans[introduction].price", 550, 510)
    ]


def test_changes_and_diff_previous_before_any_update(cli):
    assert cli("changes").code == 0 and "no update has installed" in cli("changes").stderr
    assert cli("changes", "--json").json() == []
    result = cli("catalog", "diff", "--previous")
    assert result.code == 1 and "no update has installed a catalogue yet; nothing to compare" in result.stderr
    both = cli("catalog", "diff", "--previous", "a.toml")
    assert both.code == 2 and "give no files with it" in both.stderr
    assert cli("catalog", "diff", "only-one.toml").code == 2


def test_a_full_disk_during_install_names_the_folder_and_changes_nothing(repo, cli, tmp_path, monkeypatch):
    import errno

    import ketacli.feed.client as client

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    with serve(repo / "public") as url:
        _add(cli, repo, url)
        monkeypatch.setattr(client, "write_atomic", full)
        result = cli("update")
    assert result.code == 1 and result.stderr.count("\n") == 1
    assert f"{tmp_path / 'data' / 'active'}: cannot write there (No space left on device)" in result.stderr
    assert UNCHANGED in result.stderr and "cannot write output" not in result.stderr
    assert cli("catalog", "status", "--json").json()["source"] == "built-in"


@pytest.mark.parametrize("value", ["0", "-1", "soon", "1.5"])
def test_a_bad_feed_timeout_says_what_it_must_be(cli, value):
    result = cli("update", env={"KETACLI_FEED_TIMEOUT": value})
    assert result.code == 2 and result.stderr.count("\n") == 1
    assert (
        "KETACLI_FEED_TIMEOUT must be a whole number of seconds from 1 to 86400 (the most a whole update may take)"
        in result.stderr
    )


def test_a_changed_active_catalogue_is_not_vouched_for_and_update_repairs_it(repo, cli, tmp_path):
    """Before: `update` said "already active; nothing changed" and `catalog status` "vouched for: yes"."""
    with serve(repo / "public") as url:
        _add(cli, repo, url)
        assert cli("update").code == 0
        (active,) = (tmp_path / "data" / "active").glob("catalogue.*.toml")
        active.write_bytes(active.read_bytes().replace(b"price = 500", b"price = 5"))
        status = cli("catalog", "status", "--json").json()
        assert status["vouched_for"] is False
        assert "the file was changed after it was verified" in cli("catalog", "status").stdout
        repaired = cli("update")
        assert repaired.code == 0 and "installed version 2" in repaired.stderr
    assert cli("catalog", "status", "--json").json()["vouched_for"] is True


def test_a_state_file_replaced_by_a_folder_is_healed(repo, cli, tmp_path):
    with serve(repo / "public") as url:
        _add(cli, repo, url)
        assert cli("update").code == 0
        state = tmp_path / "data" / "active" / "state.json"
        state.unlink()
        state.mkdir()
        result = cli("update")  # before: internal error
    assert result.code == 0, result.stderr
    assert state.is_file() and cli("catalog", "status", "--json").json()["source"] == "feed"


def test_an_active_folder_others_can_write_to_is_refused_not_claimed_installed(repo, cli, tmp_path):
    """Before: `update` said "installed" while every run ignored the folder and used the built-in catalogue."""
    active = tmp_path / "data" / "active"
    active.mkdir(parents=True)
    active.chmod(0o777)
    with serve(repo / "public") as url:
        _add(cli, repo, url)
        result = cli("update")
    assert result.code == 1 and f"{active}: belongs to another user or others can write to it" in result.stderr
    assert "installed version" not in result.stderr and UNCHANGED in result.stderr


@pytest.mark.parametrize("args", [["update", "--check"], ["update"], ["feed", "remove", "nope"]])
def test_with_no_feed_nothing_heavy_is_loaded(tmp_path, args):
    """Issue #32: `update --check` with no feed loaded tuf, urllib3 and cryptography before saying so."""
    code = (
        f"import sys; from ketacli.cli import run; run({args!r}); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'tuf', 'securesystemslib', 'cryptography', 'urllib3'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=_env(tmp_path), capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "[]"
