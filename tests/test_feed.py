"""The signed feed, end to end: a feed published by `ketacli feed`, served by a real HTTP server on
127.0.0.1, and updated from by `ketacli update` (python-tuf's client). Every refusal leaves the active
catalogue as it was."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import CATALOGUE, SHIPPED, catalogue_document, provider, write_catalogue
from feedkit import publisher, serve, trust

UNCHANGED = "the active catalogue is unchanged"


pytestmark = pytest.mark.usefixtures("feed_environment")


@pytest.fixture
def feed(tmp_path: Path, cli) -> Iterator[dict[str, object]]:
    """A published feed (the shipped catalogue as version 2), served over HTTP, trusted as `main`."""
    repo = tmp_path / "pub"
    assert cli("feed", "init", str(repo)).code == 0
    assert cli("feed", "publish", str(repo), str(CATALOGUE)).code == 0
    with serve(repo / "public") as url:
        added = cli("feed", "add", "main", url, *trust(repo / "public" / "metadata" / "1.root.json"))
        assert added.code == 0, added.stderr
        yield {"repo": repo, "url": url, "public": repo / "public"}


def _state(tmp_path: Path) -> dict[str, object]:
    return json.loads((tmp_path / "data" / "active" / "state.json").read_text())


def _publish(cli, repo: Path, tmp_path: Path, mutate) -> None:
    document = catalogue_document()
    mutate(document)
    path = write_catalogue(tmp_path / "next.toml", document)
    result = cli("feed", "publish", str(repo), str(path))
    assert result.code == 0, result.stderr


def _better_u_at(price: int):
    def mutate(document: dict) -> None:
        plan = provider(document, "better-u")["plans"][0]
        plan["price"] = price
        plan.pop("per_dose_stated", None)

    return mutate


# ------------------------------------------------------------------------------------------- publishing


def test_init_writes_private_keys_and_prints_the_fingerprint(cli, tmp_path):
    result = cli("feed", "init", str(tmp_path / "pub"))
    assert result.code == 0
    assert result.stdout.startswith("root key fingerprint: ") and len(result.stdout.split(": ")[1].strip()) == 64
    assert "keep it offline" in result.stderr
    keys = tmp_path / "pub-keys"  # beside the feed folder, never under it: serving pub/ exposes no key
    assert {oct(p.stat().st_mode & 0o777) for p in (keys, keys / "root", keys / "online")} == {"0o700"}
    assert [p.name for p in (keys / "root").iterdir()] == ["root.pem"]
    assert sorted(p.name for p in (keys / "online").iterdir()) == ["snapshot.pem", "targets.pem", "timestamp.pem"]
    assert {oct(p.stat().st_mode & 0o777) for p in keys.rglob("*.pem")} == {"0o600"}
    assert not any((tmp_path / "pub").rglob("*.pem"))  # nothing under the feed folder is a key
    again = cli("feed", "init", str(tmp_path / "pub"))
    assert again.code == 1 and "already holds a feed" in again.stderr


def test_init_refuses_a_folder_inside_a_checkout(cli, tmp_path):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    result = cli("feed", "init", str(tmp_path / "repo" / "feed"))
    assert result.code == 2 and "inside the git checkout" in result.stderr
    assert not (tmp_path / "repo" / "feed").exists()


def test_publish_validates_first_and_writes_nothing_when_invalid(cli, tmp_path):
    repo = tmp_path / "pub"
    cli("feed", "init", str(repo))
    before = (repo / "public" / "metadata" / "timestamp.json").read_bytes()
    document = catalogue_document()
    provider(document, "mindbloom")["plans"][0]["price"] = -5
    bad = write_catalogue(tmp_path / "bad.toml", document)
    result = cli("feed", "publish", str(repo), str(bad))
    assert result.code == 1
    assert "providers[2].plans[0].price" in result.stderr and "invalid (1 problem)" in result.stderr
    assert (repo / "public" / "metadata" / "timestamp.json").read_bytes() == before
    assert not any((repo / "public" / "targets").iterdir())


# ------------------------------------------------------------------------------------------- updating


def test_update_installs_the_verified_catalogue_and_status_says_so(cli, feed, tmp_path):
    check = cli("update", "--check", "--json")
    assert check.code == 0 and check.json() == {"feed": "main", "available": 2, "installed": None, "newer": True}
    assert cli("catalog", "status", "--json").json()["source"] == "built-in"  # --check installs nothing

    result = cli("update")
    assert result.code == 0, result.stderr
    assert "installed version 2 from feed main" in result.stderr
    status = cli("catalog", "status", "--json").json()
    assert (status["source"], status["feed"]["feed"], status["feed"]["version"]) == ("feed", "main", 2)
    assert status["vouched_for"] is True and status["builtin_path"].endswith("providers.toml")
    shipped = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))
    newest = max(str(entry["as_of"]) for entry in shipped["providers"] + shipped["alternatives"])
    assert status["builtin_as_of"] == newest  # the built-in catalogue's own date
    assert oct((tmp_path / "data" / "active").stat().st_mode & 0o777) == "0o700"

    again = cli("update")
    assert again.code == 0 and "version 2 is already active; nothing changed" in again.stderr


def test_precedence_catalog_flag_then_env_then_feed_then_builtin(cli, feed, tmp_path, monkeypatch):
    monkeypatch.delenv("KETACLI_TODAY")  # the built-in catalogue is used here: its dates are today's, not pinned
    _publish(cli, feed["repo"], tmp_path, _better_u_at(550))
    assert cli("update").code == 0
    assert cli("compare", "--json").json()[0]["total"] == 550  # the feed's catalogue
    own = write_catalogue(tmp_path / "own.toml", catalogue_document())
    assert cli("--catalog", str(own), "compare", "--json").json()[0]["total"] == 500
    env = cli("compare", "--json", env={"KETACLI_CATALOG": str(own)})
    assert env.json()[0]["total"] == 500
    status = cli("catalog", "status", env={"KETACLI_CATALOG": str(own)}).stdout
    assert f"in use: {own} (from KETACLI_CATALOG)" in status
    builtin = cli("catalog", "status", "--json").json()["builtin_path"]
    assert Path(builtin) == SHIPPED
    shipped = cli("--catalog", str(SHIPPED), "compare", "--json").json()  # always reachable
    assert cli("--catalog", builtin, "compare", "--json").json() == shipped
    assert cli("feed", "remove", "main").code == 0
    assert cli("compare", "--json").json() == shipped  # the built-in one again


def test_what_changed_for_you_follows_the_profile(cli, feed, tmp_path):
    assert cli("update").code == 0  # version 2, the frozen catalogue: what follows compares it with version 3
    assert cli("profile", "set", "--state", "TX", "--doses", "5").code == 0
    _publish(cli, feed["repo"], tmp_path, _better_u_at(550))
    result = cli("update", "--json")
    assert result.code == 0, result.stderr
    changes = result.json()
    assert changes["installed"] is True and changes["version"] == 3
    assert {(c["id"], c["field"], c["old"], c["new"]) for c in changes["changes_for_you"]} == {
        ("better-u", "total", 500, 550),
    }
    assert changes["other_changes"] == 1  # the per-dose figure dropped with the new price
    text = cli("update")  # already active
    assert "already active" in text.stderr


def test_what_changed_for_you_in_words(cli, feed, tmp_path):
    assert cli("update").code == 0
    cli("profile", "set", "--state", "TX", "--doses", "5")
    _publish(cli, feed["repo"], tmp_path, _better_u_at(550))
    result = cli("update")
    assert result.stdout == "What changed for you:\n- Better U: price of what you would buy: $500 → $550\n"


# ------------------------------------------------------------------------------------------- refusals


def _installed_then(cli, feed, tmp_path, spoil) -> tuple[str, dict[str, object]]:
    """Install version 2, spoil the served feed, try again: the refusal's stderr and the state after."""
    assert cli("update").code == 0
    before = _state(tmp_path)
    spoil()
    result = cli("update")
    assert result.code == 1, result.stdout
    assert result.stderr.count("\n") == 1 and UNCHANGED in result.stderr
    assert _state(tmp_path) == before
    assert cli("compare", "--json").code == 0
    return result.stderr, before


def test_a_target_that_does_not_match_its_hashes_is_refused(cli, feed, tmp_path):
    def spoil() -> None:
        _publish(cli, feed["repo"], tmp_path, _better_u_at(550))
        for target in (feed["public"] / "targets").iterdir():
            target.write_bytes(target.read_bytes().replace(b"550", b"499"))

    stderr, _ = _installed_then(cli, feed, tmp_path, spoil)
    assert "does not match its signed length and hashes" in stderr


def test_metadata_signed_by_the_wrong_key_is_refused(cli, feed, tmp_path):
    from securesystemslib.signer import CryptoSigner
    from tuf.api.metadata import Metadata

    def spoil() -> None:
        path = feed["public"] / "metadata" / "timestamp.json"
        timestamp = Metadata.from_file(str(path))
        timestamp.signed.version += 1
        timestamp.signatures.clear()
        timestamp.sign(CryptoSigner.generate_ed25519())
        path.write_bytes(timestamp.to_bytes())

    stderr, _ = _installed_then(cli, feed, tmp_path, spoil)
    assert "not signed by the trusted keys" in stderr


def test_a_rollback_is_refused(cli, feed, tmp_path):
    old = (feed["public"] / "metadata" / "timestamp.json").read_bytes()
    _publish(cli, feed["repo"], tmp_path, _better_u_at(550))
    assert cli("update").code == 0  # version 3 trusted now
    before = _state(tmp_path)
    (feed["public"] / "metadata" / "timestamp.json").write_bytes(old)  # the server goes back to version 2
    result = cli("update")
    assert result.code == 1 and "a rollback to an older version" in result.stderr and UNCHANGED in result.stderr
    assert _state(tmp_path) == before and cli("compare", "--json").json()[0]["total"] == 550


def test_a_rollback_after_a_lost_metadata_cache_is_refused(cli, feed, tmp_path):
    """Before: with `feeds/NAME/metadata` deleted, TUF starts again from the pinned root and accepted a replayed
    older, unexpired version, installed over the newer one that state.json recorded (#39)."""
    assert cli("update").code == 0  # version 2
    replay = tmp_path / "replay"
    shutil.copytree(feed["public"], replay)  # what an attacker keeps to serve later
    _publish(cli, feed["repo"], tmp_path, _better_u_at(550))
    assert cli("update").code == 0  # version 3
    before = _state(tmp_path)
    shutil.rmtree(tmp_path / "data" / "feeds" / "main" / "metadata")
    shutil.rmtree(feed["public"])
    shutil.copytree(replay, feed["public"])  # the server replays version 2, still unexpired
    result = cli("update")
    assert result.code == 1 and result.stderr.count("\n") == 1, result.stderr
    assert "refused a rollback to version 2: version 3 is installed" in result.stderr and UNCHANGED in result.stderr
    assert _state(tmp_path) == before and cli("compare", "--json").json()[0]["total"] == 550


def test_a_frozen_feed_is_refused_and_then_every_command_says_so(cli, feed, tmp_path):
    from ketacli.feed.repo import refresh

    def spoil() -> None:  # re-signed, but dated so that it expired yesterday: a feed frozen in time
        refresh(publisher(feed["repo"], dt.datetime.now(dt.UTC) - dt.timedelta(days=8)))

    stderr, before = _installed_then(cli, feed, tmp_path, spoil)
    assert "expired (a frozen or stale feed)" in stderr
    state_path = tmp_path / "data" / "active" / "state.json"  # as if the last good check were long ago
    state_path.write_text(json.dumps({**before, "expires": "2026-01-01T00:00:00+00:00"}))
    result = cli("compare", "--state", "TX")
    assert result.code == 0
    warning = "the catalogue from feed main is no longer vouched for: its signed metadata expired on 2026-01-01"
    assert result.stderr.count(warning) == 1
    assert cli("catalog", "status", "--json").json()["vouched_for"] is False


def test_a_root_rotation_needs_the_old_roots_signature(cli, feed, tmp_path):
    from securesystemslib.signer import CryptoSigner
    from tuf.api.metadata import Metadata

    assert cli("update").code == 0
    rotated = cli("feed", "rotate-key", "root", str(feed["repo"]))  # signed by the old key and the new one
    assert rotated.code == 0 and rotated.stdout.startswith("new root key fingerprint: ")
    _publish(cli, feed["repo"], tmp_path, _better_u_at(550))
    assert cli("update").code == 0 and _state(tmp_path)["version"] == 3

    def spoil() -> None:  # version 3 of root, signed only by a key nobody trusts
        path = feed["public"] / "metadata" / "root.json"
        root = Metadata.from_file(str(path))
        stranger = CryptoSigner.generate_ed25519()
        for keyid in list(root.signed.roles["root"].keyids):
            root.signed.revoke_key(keyid, "root")
        root.signed.add_key(stranger.public_key, "root")
        root.signed.version += 1
        root.signatures.clear()
        root.sign(stranger)
        (feed["public"] / "metadata" / f"{root.signed.version}.root.json").write_bytes(root.to_bytes())

    spoil()
    result = cli("update")
    assert result.code == 1 and "not signed by the trusted keys" in result.stderr and UNCHANGED in result.stderr


def test_a_catalogue_over_the_size_limit_is_refused(cli, feed, tmp_path):
    result = cli("update", env={"KETACLI_MAX_CATALOG_BYTES": "1000"})
    assert result.code == 1
    assert "over the 1,000-byte limit" in result.stderr and UNCHANGED in result.stderr
    assert cli("catalog", "status", "--json").json()["source"] == "built-in"


def test_a_signed_but_invalid_catalogue_is_refused(cli, feed, tmp_path):
    from ketacli.feed.repo import publish

    publish(publisher(feed["repo"]), b"schema_version = 1\n")  # bypassing `feed publish`
    result = cli("update")
    assert result.code == 1 and "refused a signed but invalid catalogue" in result.stderr
    assert cli("catalog", "status", "--json").json()["source"] == "built-in"


def test_a_server_that_is_down_is_offline(cli, tmp_path):
    repo = tmp_path / "pub"
    cli("feed", "init", str(repo))
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cli("feed", "add", "down", f"http://127.0.0.1:{port}", *trust(repo / "public/metadata/1.root.json"))
    result = cli("update", env={"KETACLI_FEED_TIMEOUT": "2"})
    assert result.code == 1 and "feed down: offline: cannot reach" in result.stderr and UNCHANGED in result.stderr


def test_a_server_that_hangs_times_out(cli, tmp_path):
    repo = tmp_path / "pub"
    cli("feed", "init", str(repo))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)  # accepts connections, never answers
    port = listener.getsockname()[1]
    try:
        cli("feed", "add", "hang", f"http://127.0.0.1:{port}", *trust(repo / "public/metadata/1.root.json"))
        started = time.monotonic()
        result = cli("update", env={"KETACLI_FEED_TIMEOUT": "1"})
        assert time.monotonic() - started < 30
    finally:
        listener.close()
    assert result.code == 1 and "feed hang: timed out:" in result.stderr and UNCHANGED in result.stderr


# ------------------------------------------------------------------------------------------- trust


def test_add_list_remove(cli, feed, tmp_path):
    listed = cli("feed", "list", "--json").json()
    assert [(f["name"], f["url"], f["active"]) for f in listed] == [("main", feed["url"], False)]
    assert oct((tmp_path / "config" / "feeds" / "main").stat().st_mode & 0o777) == "0o700"
    assert oct((tmp_path / "config" / "feeds" / "main" / "root.json").stat().st_mode & 0o777) == "0o600"
    cli("update")
    assert cli("feed", "list").stdout == f"main  {feed['url']}  (active)\n"
    duplicate = cli("feed", "add", "main", feed["url"], *trust(feed["public"] / "metadata/1.root.json"))
    assert duplicate.code == 1 and "already trusted" in duplicate.stderr
    removed = cli("feed", "remove", "main")
    assert removed.code == 0 and "the built-in catalogue is active again" in removed.stderr
    assert cli("feed", "list", "--json").json() == []


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [  # what the user typed wrong is 2; a file, folder or server problem is 1 (the README's table)
        (["feed", "add", "Bad Name", "http://127.0.0.1:1", "--root", "x"], 2, "use 1-40 lowercase letters"),
        (["feed", "add", "ok\n", "http://127.0.0.1:1", "--root", "x"], 2, "use 1-40 lowercase letters"),
        (["feed", "add", "ok", "ftp://example", "--root", "ROOT"], 2, "use an http:// or https:// address"),
        (["feed", "add", "ok", "http://", "--root", "ROOT"], 2, "names no host"),
        (["feed", "add", "ok", "http://host:99999/", "--root", "ROOT"], 2, "port must be a number"),
        (["feed", "add", "ok", "https://me:pw@host/", "--root", "ROOT"], 2, "without credentials"),
        (["feed", "add", "ok", "http://127.0.0.1:1", "--root", "NOT_ROOT"], 1, "not a valid, self-signed TUF root"),
        (["feed", "add", "ok", "http://127.0.0.1:1", "--root", "MISSING"], 1, "cannot read"),
        (["update", "nosuch"], 2, "no feed named 'nosuch'"),
        (["update", "../x"], 2, "use 1-40 lowercase letters"),
        (["feed", "remove", "../x"], 2, "use 1-40 lowercase letters"),
        (["update"], 1, "no feed is trusted"),
        (["feed", "rotate-key", "admin", "PUB"], 2, "use one of root, targets"),
    ],
)
def test_bad_trust_input_is_one_line(cli, tmp_path, args, code, message):
    repo = tmp_path / "pub"
    cli("feed", "init", str(repo))
    (tmp_path / "not-root.json").write_text("{}")
    args = [
        {"ROOT": str(repo / "public/metadata/1.root.json"), "x": str(repo / "public/metadata/1.root.json"),
         "NOT_ROOT": str(tmp_path / "not-root.json"), "MISSING": str(tmp_path / "nope.json"),
         "PUB": str(repo)}.get(a, a)
        for a in args
    ]  # fmt: skip
    result = cli(*args)
    assert (result.code, result.stderr.count("\n")) == (code, 1), result.stderr
    assert message in result.stderr
    assert "me:pw" not in result.stderr  # a password is never echoed


# ------------------------------------------------------------------------------------------- processes


def _ketacli(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "KETACLI_DATA_DIR": str(tmp_path / "data"), "KETACLI_CONFIG_DIR": str(tmp_path / "config"),
           "KETACLI_CACHE_DIR": str(tmp_path / "cache")}  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "ketacli", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_two_updates_at_once_one_installs(cli, feed, tmp_path):
    runs = [_ketacli(tmp_path, "update", "--json") for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    installed = [json.loads(out)["installed"] for out, _ in outputs]
    assert sorted(installed) == [False, True]
    assert cli("compare", "--json").code == 0


def test_kill_during_update_leaves_a_working_catalogue(cli, feed, tmp_path):
    assert cli("update").code == 0
    _publish(cli, feed["repo"], tmp_path, _better_u_at(550))
    for delay in (0.05, 0.2, 0.4, 0.8):
        run = _ketacli(tmp_path, "update")
        time.sleep(delay)
        run.kill()
        run.wait()
        totals = cli("compare", "--json")
        assert totals.code == 0 and totals.json()[0]["total"] in (500, 550)
        assert _state(tmp_path)["version"] in (2, 3)
        shutil.rmtree(tmp_path / "data" / "feeds" / "main" / "targets", ignore_errors=True)


def test_other_commands_never_load_tuf_or_cryptography(tmp_path):
    code = (
        "import sys; from ketacli.cli import run; run(['compare', '--json']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tuf', 'securesystemslib', 'cryptography')))"
    )
    env = {**os.environ, "KETACLI_DATA_DIR": str(tmp_path / "data"), "KETACLI_CACHE_DIR": str(tmp_path / "c")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "[]"


def test_a_damaged_feed_record_is_said_as_one_naming_it(cli, feed, tmp_path):
    """Before: `feed list` said "no feed is trusted" (exit 0) and `feed remove` "no feed named" (exit 2) (#39)."""
    record = tmp_path / "config" / "feeds" / "main" / "feed.json"
    record.write_text("{not json")
    for args in (["feed", "list"], ["feed", "remove", "main"], ["update"]):
        result = cli(*args)
        assert result.code == 1 and result.stderr.count("\n") == 1, (args, result.stderr)
        assert f"{record}: damaged" in result.stderr
