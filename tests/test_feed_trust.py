"""The trust anchor: a fingerprint computed from the key, roots whose key ids lie refused, and the pinned
root as the anchor of every update (issue #26, part 1). Each attack against a real server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest

from conftest import CATALOGUE
from feedkit import new_feed, serve, trust

UNCHANGED = "the active catalogue is unchanged"


pytestmark = pytest.mark.usefixtures("feed_environment")


@pytest.fixture
def published(cli, tmp_path):
    """A published feed, and the root fingerprint `feed init` printed for it."""
    repo = tmp_path / "pub"
    init = cli("feed", "init", str(repo))
    assert init.code == 0, init.stderr
    assert cli("feed", "publish", str(repo), str(CATALOGUE)).code == 0
    return repo, init.stdout.split(": ", 1)[1].strip()


def _spki_sha256(pem: Path) -> str:
    """What `openssl pkey -in KEY -pubout -outform DER | sha256sum` prints."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_private_key

    key = load_pem_private_key(pem.read_bytes(), password=None)
    return hashlib.sha256(key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).hexdigest()


def test_the_fingerprint_is_the_sha256_of_the_public_key(cli, published, tmp_path):
    repo, printed = published
    assert printed == _spki_sha256(tmp_path / "pub-keys" / "root" / "root.pem")
    root = repo / "public" / "metadata" / "1.root.json"
    declared = json.loads(root.read_text())["signed"]["roles"]["root"]["keyids"][0]
    assert printed != declared  # not the key id the file declares
    added = cli("feed", "add", "main", "http://127.0.0.1:1", *trust(root))
    assert added.code == 0 and added.stdout == f"1 key can sign the root:\nroot key fingerprint: {printed}\n"


def _co_signed_root(genuine: Path, tmp_path: Path) -> Path:
    """Issue #39's forgery: the publisher's real root key listed first, the attacker's own second, threshold 1,
    signed by the attacker alone. Every key id is honest, and python-tuf verifies it as self-signed."""
    from securesystemslib.signer import CryptoSigner
    from tuf.api.metadata import Metadata

    root = Metadata.from_file(str(genuine))
    attacker = CryptoSigner.generate_ed25519()
    root.signed.add_key(attacker.public_key, "root")
    root.signed.roles["root"].threshold = 1
    root.signatures.clear()
    root.sign(attacker)
    forged = tmp_path / "co-signed-root.json"
    forged.write_bytes(root.to_bytes())
    root.verify_delegate("root", root)  # the attack is real
    return forged


def test_a_co_signed_forged_root_is_refused_with_the_publishers_fingerprint(cli, published, tmp_path):
    """Before: `feed add` printed 'root key fingerprint: <publisher's>, <attacker's>' and trusted it; a person
    comparing the first with the publisher's was fooled, and `update` installed the attacker's catalogue."""
    repo, printed = published
    forged = _co_signed_root(repo / "public" / "metadata" / "1.root.json", tmp_path)
    result = cli("feed", "add", "main", "http://127.0.0.1:1", "--root", str(forged), "--fingerprint", printed)
    assert result.code == 1 and result.stdout == "" and result.stderr.count("\n") == 1
    assert "refused: it can be signed by 1 key(s) you did not confirm" in result.stderr
    assert "any 1 of these 2 keys can sign the root" in result.stderr
    assert cli("feed", "list", "--json").json() == []
    # Confirming both keys, as its own root, is trusting the attacker knowingly: it then lists both, one a line.
    both = trust(forged)
    added = cli("feed", "add", "main", "http://127.0.0.1:1", *both)
    assert added.code == 0, added.stderr
    assert added.stdout.splitlines() == ["any 1 of these 2 keys can sign the root:",
                                         f"root key fingerprint: {printed}", f"root key fingerprint: {both[-1]}"]  # fmt: skip


def test_without_fingerprints_feed_add_is_a_usage_error_that_writes_nothing(cli, published, tmp_path):
    repo, _ = published
    result = cli("feed", "add", "main", "http://127.0.0.1:1", "--root", str(repo / "public/metadata/1.root.json"))
    assert result.code == 2 and result.stderr.count("\n") == 1
    assert "1 key can sign the root: give --fingerprint once for each" in result.stderr
    assert not (tmp_path / "config" / "feeds").exists()


@pytest.mark.parametrize(
    ("given", "code", "says"),
    [(["0" * 64], 1, "you did not confirm"), (["abc"], 2, "is not a key fingerprint")],
    ids=["another-key", "not-a-fingerprint"],
)
def test_a_wrong_fingerprint_is_refused(cli, published, tmp_path, given, code, says):
    repo, printed = published
    args = [a for fp in given for a in ("--fingerprint", fp)]
    result = cli(
        "feed", "add", "main", "http://127.0.0.1:1", "--root", str(repo / "public/metadata/1.root.json"), *args
    )
    assert result.code == code and says in result.stderr
    assert cli("feed", "list", "--json").json() == []


def test_a_fingerprint_is_read_as_people_paste_it(cli, published):
    repo, printed = published
    pasted = ":".join(printed[i : i + 2] for i in range(0, 64, 2)).upper()  # colons, capitals
    root = str(repo / "public/metadata/1.root.json")
    assert cli("feed", "add", "main", "http://127.0.0.1:1", "--root", root, "--fingerprint", pasted).code == 0
    assert cli("feed", "remove", "main").code == 0
    assert cli("feed", "add", "main", "http://127.0.0.1:1", "--root", root, "--fingerprint", f"{printed}  -").code == 0


def _forged_root(genuine: Path, tmp_path: Path) -> Path:
    """A root signed by an attacker's key that declares the publisher's root key id: python-tuf verifies it
    as self-signed, since it looks keys up by the id the file declares."""
    from securesystemslib.signer import CryptoSigner, SSlibKey
    from tuf.api.metadata import Metadata

    root = Metadata.from_file(str(genuine))
    publisher_keyid = root.signed.roles["root"].keyids[0]
    attacker = CryptoSigner.generate_ed25519()
    lying = SSlibKey(publisher_keyid, attacker.public_key.keytype, attacker.public_key.scheme,
                     dict(attacker.public_key.keyval))  # fmt: skip
    root.signed.keys[publisher_keyid] = lying
    root.signatures.clear()
    signer = CryptoSigner(attacker._private_key, lying)
    root.sign(signer)
    forged = tmp_path / "forged-root.json"
    forged.write_bytes(root.to_bytes())
    root.verify_delegate("root", root)  # python-tuf itself accepts it: the attack is real
    return forged


def test_a_root_declaring_the_publishers_key_id_for_another_key_is_refused(cli, published, tmp_path):
    repo, _ = published
    forged = _forged_root(repo / "public" / "metadata" / "1.root.json", tmp_path)
    result = cli("feed", "add", "main", "http://127.0.0.1:1", "--root", str(forged))
    assert result.code == 1 and result.stderr.count("\n") == 1
    assert "refused: it names a key by the id" in result.stderr
    assert cli("feed", "list", "--json").json() == []


def test_a_pinned_root_swapped_for_a_forged_one_is_refused_on_update(cli, published, tmp_path):
    repo, _ = published
    with serve(repo / "public") as url:
        root = repo / "public" / "metadata" / "1.root.json"
        assert cli("feed", "add", "main", url, *trust(root)).code == 0
        pinned = tmp_path / "config" / "feeds" / "main" / "root.json"
        pinned.write_bytes(_forged_root(root, tmp_path).read_bytes())
        result = cli("update")
    assert result.code == 1 and f"{pinned}: the feed's pinned root has changed" in result.stderr
    assert cli("catalog", "status", "--json").json()["source"] == "built-in"


def test_a_rotated_root_with_a_lying_key_id_is_refused_on_update(cli, published, tmp_path):
    """Even a root signed by the genuine root key must name every key by its own id."""
    from securesystemslib.signer import CryptoSigner, SSlibKey
    from tuf.api.metadata import Metadata

    from ketacli.feed.keys import load_signer, no_passphrase

    repo, _ = published
    metadata = repo / "public" / "metadata"
    with serve(repo / "public") as url:
        assert cli("feed", "add", "main", url, *trust(metadata / "1.root.json")).code == 0
        assert cli("update").code == 0
        root = Metadata.from_file(str(metadata / "1.root.json"))
        stranger = CryptoSigner.generate_ed25519().public_key
        root.signed.keys["ab" * 32] = SSlibKey("ab" * 32, stranger.keytype, stranger.scheme, dict(stranger.keyval))
        root.signed.roles["targets"].keyids.append("ab" * 32)
        root.signed.version = 2
        root.signatures.clear()
        root.sign(load_signer(tmp_path / "pub-keys" / "root" / "root.pem", "root", no_passphrase, hint=""))
        (metadata / "2.root.json").write_bytes(root.to_bytes())
        result = cli("update")
    assert result.code == 1 and "root version 2: refused: it names a key by the id abababab" in result.stderr


@pytest.mark.parametrize("damage", ["missing", "changed"])
def test_the_pinned_root_is_the_anchor_missing_or_changed_is_an_error(cli, published, tmp_path, damage):
    repo, _ = published
    with serve(repo / "public") as url:
        assert cli("feed", "add", "main", url, *trust(repo / "public/metadata/1.root.json")).code == 0
        assert cli("update").code == 0  # python-tuf now holds a cached root in the data folder
        pinned = tmp_path / "config" / "feeds" / "main" / "root.json"
        if damage == "missing":
            pinned.unlink()
        else:
            pinned.write_bytes(pinned.read_bytes().replace(b'"version": 1', b'"version": 1 '))
        result = cli("update")
    words = {"missing": "the feed's pinned root is missing", "changed": "the feed's pinned root has changed"}
    assert result.code == 1 and f"{pinned}: {words[damage]}" in result.stderr
    assert "feed remove main" in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("victim", ["root_history/1.root.json", "root.json", "timestamp.json", "snapshot.json"])
def test_a_damaged_metadata_cache_is_rebuilt_from_the_pinned_root_in_the_same_run(cli, published, tmp_path, victim):
    repo, _ = published
    with serve(repo / "public") as url:
        assert cli("feed", "add", "main", url, *trust(repo / "public/metadata/1.root.json")).code == 0
        assert cli("update").code == 0
        cached = tmp_path / "data" / "feeds" / "main" / "metadata" / victim
        cached.unlink()
        cached.write_bytes(b"{not json")
        result = cli("update")
    assert result.code == 0, result.stderr
    assert "already active" in result.stderr


def test_a_root_that_has_expired_is_refused_at_add_with_its_date(cli, tmp_path):
    new_feed(tmp_path / "old", dt.datetime(2024, 1, 1, tzinfo=dt.UTC), root=30)
    result = cli("feed", "add", "old", "http://127.0.0.1:1", *trust(tmp_path / "old/public/metadata/1.root.json"))
    assert result.code == 1 and "this root expired on 2024-01-31" in result.stderr


def test_update_follows_root_rotations_from_the_pinned_root_every_run(cli, published, tmp_path):
    repo, _ = published
    with serve(repo / "public") as url:
        assert cli("feed", "add", "main", url, *trust(repo / "public/metadata/1.root.json")).code == 0
        assert cli("update").code == 0
        for _ in range(2):
            assert cli("feed", "rotate-key", "root", str(repo)).code == 0
        shutil.rmtree(tmp_path / "data" / "feeds" / "main" / "metadata")  # the whole cache gone
        assert cli("update").code == 0
        assert cli("update", "--check", "--json").json()["newer"] is False


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("typed", "code"), [("own", 0), ("first", 1), ("none", 2)])
def test_at_a_terminal_the_person_types_every_root_key(published, tmp_path, typed, code):
    """At a prompt nothing is shown to copy from: the person types what the publisher published."""
    from ketacli.cli import Environment, run

    repo, printed = published
    forged = _co_signed_root(repo / "public" / "metadata" / "1.root.json", tmp_path)
    own = [a for a in trust(forged) if len(a) == 64]
    lines = {"own": own, "first": [printed], "none": []}[typed]
    environ = {k: str(tmp_path / k.removeprefix("KETACLI_").removesuffix("_DIR").lower())
               for k in ("KETACLI_CONFIG_DIR", "KETACLI_DATA_DIR", "KETACLI_CACHE_DIR")}  # fmt: skip
    env = Environment(environ=environ, stdout=io.StringIO(), stderr=io.StringIO(),
                      stdin=_Terminal("".join(f"{fp}\n" for fp in lines) + "\n"))  # fmt: skip
    assert run(["feed", "add", "main", "http://127.0.0.1:1", "--root", str(forged)], env=env) == code
    assert env.stderr is not None and env.stdout is not None
    asked = env.stderr.getvalue()
    assert "this root has 2 root keys (any 1 of these 2 keys can sign the root)" in asked
    assert printed not in asked.split("refused")[0]  # nothing to copy from before the person types
    if code == 0:
        assert env.stdout.getvalue().count("root key fingerprint: ") == 2
