"""A feed one person can run for years (issue #26, part 2): keys by role outside the served folder,
passphrases, renewal before expiry, status, crash-safe rotation of every role, and a publisher lock."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CATALOGUE, catalogue_document, provider, write_catalogue
from feedkit import new_feed, publisher, serve, trust

NOW = dt.datetime.now(dt.UTC)


pytestmark = pytest.mark.usefixtures("feed_environment")


def _metadata(repo: Path, name: str) -> dict:
    return json.loads((repo / "public" / "metadata" / name).read_text())["signed"]


def _chain(repo: Path) -> tuple[dict, dict, dict]:
    """timestamp → the snapshot it names → the targets that names: what a client would read."""
    timestamp = _metadata(repo, "timestamp.json")
    snapshot = _metadata(repo, f"{timestamp['meta']['snapshot.json']['version']}.snapshot.json")
    targets = _metadata(repo, f"{snapshot['meta']['targets.json']['version']}.targets.json")
    return timestamp, snapshot, targets


def _expires(signed: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(signed["expires"].replace("Z", "+00:00"))


# ------------------------------------------------------------------------------------------- refresh


def test_refresh_renews_the_snapshot_before_it_expires(cli, tmp_path):
    """Today a publisher who runs `refresh` daily, as the README says, freezes every user after 30 days."""
    repo = tmp_path / "pub"
    new_feed(repo, NOW - dt.timedelta(days=25))  # the snapshot (30 days) has 5 left; the targets 65
    result = cli("feed", "refresh", str(repo))
    assert result.code == 0, result.stderr
    assert [line.split(" version")[0] for line in result.stdout.splitlines()] == ["snapshot", "timestamp"]
    timestamp, snapshot, targets = _chain(repo)
    assert _expires(snapshot) > NOW + dt.timedelta(days=29) and snapshot["version"] == 2
    assert targets["version"] == 1 and _expires(timestamp) > NOW + dt.timedelta(days=6)


def test_refresh_renews_targets_and_names_them_in_a_new_snapshot(cli, tmp_path):
    repo = tmp_path / "pub"
    new_feed(repo, NOW - dt.timedelta(days=70))  # targets: 20 days left, under a third of 90
    assert cli("feed", "refresh", str(repo)).code == 0
    _, snapshot, targets = _chain(repo)
    assert targets["version"] == 2 and snapshot["meta"]["targets.json"]["version"] == 2
    assert _expires(targets) > NOW + dt.timedelta(days=89)


def test_a_fresh_feed_refreshes_only_the_timestamp(cli, tmp_path):
    repo = tmp_path / "pub"
    assert cli("feed", "init", str(repo)).code == 0
    result = cli("feed", "refresh", str(repo))
    assert result.code == 0 and [line.split(" version")[0] for line in result.stdout.splitlines()] == ["timestamp"]


def test_refresh_warns_with_the_date_when_the_root_expires_soon_and_its_key_is_offline(cli, tmp_path):
    repo = tmp_path / "pub"
    new_feed(repo, NOW - dt.timedelta(days=320))  # the root has 45 days left
    offline = tmp_path / "usb"
    (tmp_path / "pub-keys" / "root").rename(offline)
    result = cli("feed", "refresh", str(repo))
    expires = (NOW - dt.timedelta(days=320) + dt.timedelta(days=365)).date()
    assert result.code == 0 and f"warning: the root expires on {expires} and was not renewed" in result.stderr
    assert "--root-keys" in result.stderr
    renewed = cli("feed", "refresh", str(repo), "--root-keys", str(offline))
    assert renewed.code == 0 and "root version 2" in renewed.stdout and "warning" not in renewed.stderr
    assert _expires(_metadata(repo, "root.json")) > NOW + dt.timedelta(days=364)


# ------------------------------------------------------------------------------------------- keys


def test_keys_never_live_under_the_served_folder(cli, tmp_path):
    result = cli("feed", "init", str(tmp_path / "pub"), "--keys", str(tmp_path / "pub" / "k"))
    assert result.code == 1 and "keys must never live under the feed folder" in result.stderr
    legacy = tmp_path / "old"
    (legacy / "keys").mkdir(parents=True)
    (legacy / "public" / "metadata").mkdir(parents=True)
    moved = cli("feed", "refresh", str(legacy))
    assert moved.code == 1 and "could be served; move them: mkdir -p" in moved.stderr


def test_keys_kept_elsewhere_are_found_again(cli, tmp_path):
    repo, keys = tmp_path / "pub", tmp_path / "vault" / "feed-keys"
    assert cli("feed", "init", str(repo), "--keys", str(keys)).code == 0
    assert (keys / "online" / "targets.pem").is_file() and (keys / "root" / "root.pem").is_file()
    assert cli("feed", "publish", str(repo), str(CATALOGUE)).code == 0  # found through publisher.json


def test_a_key_readable_by_others_is_refused_with_the_fix(cli, tmp_path):
    repo = tmp_path / "pub"
    cli("feed", "init", str(repo))
    key = tmp_path / "pub-keys" / "online" / "targets.pem"
    key.chmod(0o644)
    result = cli("feed", "publish", str(repo), str(CATALOGUE))
    assert result.code == 1 and f"run `chmod 600 {key}`" in result.stderr


def test_passphrase_protected_keys(cli, tmp_path):
    repo = tmp_path / "pub"
    secrets = {"KETACLI_FEED_ROOT_PASSPHRASE": "root secret", "KETACLI_FEED_ONLINE_PASSPHRASE": "online secret"}
    made = cli("feed", "init", str(repo), "--encrypt-root", "--encrypt-online", env=secrets)
    assert made.code == 0, made.stderr
    for pem in (tmp_path / "pub-keys").rglob("*.pem"):
        assert b"ENCRYPTED PRIVATE KEY" in pem.read_bytes()
    locked = cli("feed", "publish", str(repo), str(CATALOGUE))  # no terminal, no variable
    assert locked.code == 1 and "is encrypted; set KETACLI_FEED_ONLINE_PASSPHRASE" in locked.stderr
    wrong = cli("feed", "publish", str(repo), str(CATALOGUE), env={"KETACLI_FEED_ONLINE_PASSPHRASE": "nope"})
    assert wrong.code == 1 and "wrong passphrase" in wrong.stderr
    assert cli("feed", "publish", str(repo), str(CATALOGUE), env=secrets).code == 0
    rotated = cli("feed", "rotate-key", "targets", str(repo), env=secrets)
    assert rotated.code == 0, rotated.stderr
    assert b"ENCRYPTED" in (tmp_path / "pub-keys" / "online" / "targets.pem").read_bytes()
    no_secret = cli("feed", "init", str(tmp_path / "other"), "--encrypt-root")
    assert no_secret.code == 2 and "set KETACLI_FEED_ROOT_PASSPHRASE" in no_secret.stderr


# ------------------------------------------------------------------------------------------- status


def test_status_shows_each_role_and_what_to_do(cli, tmp_path):
    repo = tmp_path / "pub"
    new_feed(repo, NOW - dt.timedelta(days=8))  # the timestamp expired a day ago
    data = cli("feed", "status", str(repo), "--json").json()
    assert [(r["role"], r["version"]) for r in data["roles"]] == [("root", 1), ("targets", 1), ("snapshot", 1),
                                                                     ("timestamp", 1)]  # fmt: skip
    assert [r["days_left"] for r in data["roles"]][1:] == [81, 21, -2]
    assert all(len(fp) == 64 for r in data["roles"] for fp in r["fingerprints"])
    assert data["next"] == [f"expired: timestamp; clients refuse the feed until you run: ketacli feed refresh {repo}"]
    text = cli("feed", "status", str(repo)).stdout
    expired = (NOW - dt.timedelta(days=8) + dt.timedelta(days=7)).date()
    assert f"timestamp: version 1, expires {expired} (expired 2 days ago)" in text.splitlines()
    assert "next: expired: timestamp" in text
    cli("feed", "refresh", str(repo))
    assert cli("feed", "status", str(repo), "--json").json()["next"][0].startswith("nothing due")


# ------------------------------------------------------------------------------------------- rotation


@pytest.mark.parametrize("role", ["targets", "snapshot", "timestamp", "root"])
def test_every_role_can_rotate_and_clients_follow(cli, tmp_path, role, published_repo):
    repo = published_repo
    with serve(repo / "public") as url:
        assert cli("feed", "add", "main", url, *trust(repo / "public/metadata/1.root.json")).code == 0
        assert cli("update").code == 0
        old_key = (tmp_path / "pub-keys" / ("root" if role == "root" else "online") / f"{role}.pem").read_bytes()
        rotated = cli("feed", "rotate-key", role, str(repo))
        assert rotated.code == 0, rotated.stderr
        assert rotated.stdout.startswith(f"new {role} key fingerprint: ")
        status = cli("feed", "status", str(repo), "--json").json()
        assert next(r for r in status["roles"] if r["role"] == role)["fingerprints"] == [
            rotated.stdout.split(": ")[1].strip()
        ]
        document = catalogue_document()
        provider(document, "better-u")["plans"][0]["price"] = 550
        provider(document, "better-u")["plans"][0].pop("per_dose_stated", None)
        assert cli("feed", "publish", str(repo), str(write_catalogue(tmp_path / "n.toml", document))).code == 0
        result = cli("update")
        assert result.code == 0, result.stderr
        # Who can sign the root is said once, when it changes (#39), and only then.
        changed = "the publisher changed the root keys (root version "
        if role == "root":
            assert changed in result.stderr
            assert f"  root key fingerprint: {rotated.stdout.split(': ')[1].strip()}\n" in result.stderr
        else:
            assert changed not in result.stderr
        assert changed not in cli("update").stderr
    assert cli("compare", "--json").json()[0]["total"] == 550
    retired = list((tmp_path / "pub-keys").rglob(f"{role}.retired-at-root-*.pem"))
    assert len(retired) == 1 and retired[0].read_bytes() == old_key


class Crash(BaseException):
    pass


# Each step is one file written or renamed: the journal, each metadata file (and its rename), the key swap.
CRASH_POINTS = [("root", n) for n in range(1, 8)] + [("targets", n) for n in range(1, 14)]


@pytest.mark.parametrize(("role", "crash_at"), CRASH_POINTS)
def test_a_rotation_interrupted_anywhere_is_finished_by_a_rerun(
    cli, tmp_path, monkeypatch, role, crash_at, published_repo
):
    """Crash at the n-th file written or renamed; a rerun completes, and a client follows. Today a crash after
    publishing left a root whose key was never saved, and the rerun exited 0 and broke every client."""
    import ketacli.feed.repo as repo_module

    repo = published_repo
    with serve(repo / "public") as url:
        assert cli("feed", "add", "main", url, *trust(repo / "public/metadata/1.root.json")).code == 0
        assert cli("update").code == 0
        steps = {"n": 0}

        def counting(real):
            def step(*args, **kwargs):
                steps["n"] += 1
                if steps["n"] == crash_at:
                    raise Crash
                return real(*args, **kwargs)

            return step

        with monkeypatch.context() as patch:
            patch.setattr(repo_module, "_write", counting(repo_module._write))
            patch.setattr(repo_module.os, "replace", counting(os.replace))
            with pytest.raises(Crash):
                repo_module.rotate_key(publisher(repo), role)
        if (repo / "rotation.json").exists():  # begun: nothing else runs until it is finished
            publish_meanwhile = cli("feed", "publish", str(repo), str(CATALOGUE))
            assert publish_meanwhile.code == 1 and f"feed rotate-key {role}" in publish_meanwhile.stderr
            other = cli("feed", "rotate-key", "snapshot", str(repo))
            assert other.code == 1 and "was interrupted" in other.stderr
        else:  # the crash came before the rotation was recorded: nothing had begun
            assert crash_at == 1 and not list((tmp_path / "pub-keys").rglob("*.next.pem"))
        rerun = cli("feed", "rotate-key", role, str(repo))
        assert rerun.code == 0, rerun.stderr
        assert not (repo / "rotation.json").exists()
        assert cli("feed", "publish", str(repo), str(CATALOGUE)).code == 0  # the keys on disk are the trusted ones
        assert cli("update").code == 0
    status = cli("feed", "status", str(repo), "--json").json()
    assert status["next"][0].startswith("nothing due") and all(r["key_present"] for r in status["roles"])


# ------------------------------------------------------------------------------------------- the lock


def test_refresh_overlapping_publish_never_loses_the_publish(tmp_path):
    """Without a lock, a refresh that read the old timestamp wrote it back over the publish's."""
    env = {**os.environ, "KETACLI_CONFIG_DIR": str(tmp_path / "c"), "KETACLI_DATA_DIR": str(tmp_path / "d")}
    env.pop("KETACLI_CATALOG", None)
    repo = tmp_path / "pub"
    run = [sys.executable, "-m", "ketacli", "feed"]
    subprocess.run([*run, "init", str(repo)], env=env, check=True, capture_output=True)
    for price in (510, 520, 530):
        document = catalogue_document()
        provider(document, "better-u")["plans"][0]["price"] = price
        provider(document, "better-u")["plans"][0].pop("per_dose_stated", None)
        path = write_catalogue(tmp_path / f"{price}.toml", document)
        jobs = [subprocess.Popen([*run, "refresh", str(repo)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                for _ in range(3)]  # fmt: skip
        published = subprocess.run([*run, "publish", str(repo), str(path)], env=env, capture_output=True, text=True)
        assert published.returncode == 0, published.stderr
        assert all(job.wait(timeout=60) == 0 for job in jobs)
        targets = _chain(repo)[2]
        assert targets["targets"]["catalogue.toml"]["length"] == path.stat().st_size


@pytest.mark.parametrize("where", ["fsync", "link", "full-disk", "empty-file-from-0.9"])
def test_a_rotation_killed_while_writing_its_new_key_never_jams(cli, tmp_path, monkeypatch, where, published_repo):
    """Before: killed after ROLE.next.pem was created but before it was written (or on a full key folder, said
    as "cannot write output"), it left an empty key file; every rerun failed "not a PEM private key" and
    `feed status` sent the publisher to the command that failed (#39)."""
    import errno

    import ketacli.feed.keys as keys_module
    import ketacli.feed.repo as repo_module

    repo = published_repo
    pending = next((tmp_path / "pub-keys").rglob("targets.pem")).with_name("targets.next.pem")
    if where == "empty-file-from-0.9":
        journal = {"role": "targets", "from_root_version": 1, "started": "2026-12-01T00:00:00+00:00"}
        (repo / "rotation.json").write_text(__import__("json").dumps(journal))
        pending.write_bytes(b"")
    else:

        def fail(*args, **kwargs):
            if where == "full-disk":
                raise OSError(errno.ENOSPC, "No space left on device")
            raise Crash

        with monkeypatch.context() as patch:
            patch.setattr(keys_module.os, "fsync" if where == "fsync" else "link", fail)
            if where == "full-disk":
                result = cli("feed", "rotate-key", "targets", str(repo))
                assert result.code == 1 and "cannot write the new key (No space left on device)" in result.stderr
                assert "cannot write output" not in result.stderr
            else:
                with pytest.raises(Crash):
                    repo_module.rotate_key(publisher(repo), "targets")
        assert not pending.exists()  # never a part of a key
        assert not list(pending.parent.glob(".*.tmp"))
    rerun = cli("feed", "rotate-key", "targets", str(repo))
    assert rerun.code == 0, rerun.stderr
    assert cli("feed", "publish", str(repo), str(CATALOGUE)).code == 0
    assert cli("feed", "status", str(repo), "--json").json()["next"][0].startswith("nothing due")
