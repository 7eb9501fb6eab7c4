"""Publishing a signed catalogue feed: a static TUF repository that any web server can serve.

Built on python-tuf's metadata API (`tuf.api.metadata`) and securesystemslib's Ed25519 signers, as in
python-tuf's own `examples/manual_repo/basic_repo.py`; nothing here checks signatures, versions or expiry
by hand (the client side, `feed_client.py`, leaves that to `tuf.ngclient`). Imported only by `feed`
commands: TUF and cryptography stay off every other command's start-up path.

Layout of DIR: `keys/` (one Ed25519 key per role, PEM, 0600, folder 0700, never served) and `public/`, the
tree to serve: `public/metadata/` (`N.root.json`, `root.json`, `N.targets.json`, `N.snapshot.json`,
`timestamp.json`: consistent snapshots, so a server never serves a half-published version) and
`public/targets/` (`<sha256>.catalogue.toml`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import (
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

from .errors import FeedError
from .fileio import write_atomic

ROLES = ("root", "targets", "snapshot", "timestamp")
DEFAULT_EXPIRY_DAYS: Mapping[str, int] = {"timestamp": 7, "snapshot": 30, "targets": 90, "root": 365}
TARGET_NAME = "catalogue.toml"  # the one target a feed carries
_SERIALIZER = JSONSerializer(compact=False)


def _expiry(now: dt.datetime, days: int) -> dt.datetime:
    return (now + dt.timedelta(days=days)).replace(microsecond=0)


def _key_path(repo: Path, role: str) -> Path:
    return repo / "keys" / f"{role}.pem"


def _write_private(path: Path, data: bytes) -> None:
    """A new key file, readable by its owner only; never overwrites an existing key."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _signer(repo: Path, role: str) -> CryptoSigner:
    path = _key_path(repo, role)
    try:
        private = load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise FeedError(f"{path}: no such key; is {repo} a feed made by `ketacli feed init`?") from None
    except ValueError:
        raise FeedError(f"{path}: not a PEM private key") from None
    return CryptoSigner(private)


def public_dir(repo: Path) -> Path:
    """The folder to serve: metadata and targets, never the keys."""
    return repo / "public"


def _write(repo: Path, name: str, metadata: Metadata[Any]) -> None:
    write_atomic(public_dir(repo) / "metadata" / name, metadata.to_bytes(_SERIALIZER))


def _read(repo: Path, name: str) -> Metadata[Any]:
    path = public_dir(repo) / "metadata" / name
    try:
        return Metadata.from_file(str(path))
    except FileNotFoundError:
        raise FeedError(f"{path}: no such file; is {repo} a feed made by `ketacli feed init`?") from None


def root_fingerprint(root: Metadata[Root]) -> str:
    """The root role's key ids: what a user compares, out of band, before trusting a feed."""
    return ", ".join(root.signed.roles["root"].keyids)


def init_repository(repo: Path, now: dt.datetime, expiry_days: Mapping[str, int] = DEFAULT_EXPIRY_DAYS) -> str:
    """A new feed in `repo`: a key per role and version 1 of every role's metadata (no catalogue yet).
    Returns the root key's fingerprint."""
    if public_dir(repo).exists() or (repo / "keys").exists():
        raise FeedError(f"{repo}: already holds a feed (public/ or keys/); choose an empty folder")
    repo.mkdir(parents=True, exist_ok=True)
    (repo / "keys").mkdir(mode=0o700)
    os.chmod(repo / "keys", 0o700)  # whatever the umask
    (public_dir(repo) / "metadata").mkdir(parents=True)
    (public_dir(repo) / "targets").mkdir()
    signers = {role: CryptoSigner.generate_ed25519() for role in ROLES}
    for role, signer in signers.items():
        _write_private(_key_path(repo, role), signer.private_bytes)

    root = Metadata(Root(expires=_expiry(now, expiry_days["root"]), consistent_snapshot=True))
    for role, signer in signers.items():
        root.signed.add_key(signer.public_key, role)
    root.sign(signers["root"])
    targets = Metadata(Targets(expires=_expiry(now, expiry_days["targets"])))
    targets.sign(signers["targets"])
    snapshot = Metadata(Snapshot(expires=_expiry(now, expiry_days["snapshot"])))
    snapshot.sign(signers["snapshot"])
    timestamp = Metadata(Timestamp(expires=_expiry(now, expiry_days["timestamp"])))
    timestamp.sign(signers["timestamp"])
    _write(repo, "1.root.json", root)
    _write(repo, "root.json", root)
    _write(repo, "1.targets.json", targets)
    _write(repo, "1.snapshot.json", snapshot)
    _write(repo, "timestamp.json", timestamp)
    return root_fingerprint(root)


def _current(repo: Path) -> tuple[Metadata[Timestamp], Metadata[Snapshot], Metadata[Targets]]:
    timestamp: Metadata[Timestamp] = _read(repo, "timestamp.json")
    snapshot: Metadata[Snapshot] = _read(repo, f"{timestamp.signed.snapshot_meta.version}.snapshot.json")
    targets: Metadata[Targets] = _read(repo, f"{snapshot.signed.meta['targets.json'].version}.targets.json")
    return timestamp, snapshot, targets


def publish(
    repo: Path, catalogue: bytes, now: dt.datetime, expiry_days: Mapping[str, int] = DEFAULT_EXPIRY_DAYS
) -> int:
    """Sign `catalogue` (already validated) as the feed's next version; returns the new targets version.

    Written in the order a client reads backwards: the target file, then targets, snapshot, and last the
    timestamp, so until that final rename a client still sees the previous version whole."""
    timestamp, snapshot, targets = _current(repo)
    target = TargetFile.from_data(TARGET_NAME, catalogue, ["sha256"])
    target.unrecognized_fields["custom"] = {"signed": now.replace(microsecond=0).isoformat()}  # signed with it
    write_atomic(public_dir(repo) / "targets" / f"{target.hashes['sha256']}.{TARGET_NAME}", catalogue)

    targets.signed.targets = {TARGET_NAME: target}
    targets.signed.version += 1
    targets.signed.expires = _expiry(now, expiry_days["targets"])
    targets.signatures.clear()
    targets.sign(_signer(repo, "targets"))
    _write(repo, f"{targets.signed.version}.targets.json", targets)

    snapshot.signed.meta["targets.json"] = MetaFile(version=targets.signed.version)
    snapshot.signed.version += 1
    snapshot.signed.expires = _expiry(now, expiry_days["snapshot"])
    snapshot.signatures.clear()
    snapshot.sign(_signer(repo, "snapshot"))
    _write(repo, f"{snapshot.signed.version}.snapshot.json", snapshot)

    _resign_timestamp(repo, timestamp, now, expiry_days, snapshot_version=snapshot.signed.version)
    return targets.signed.version


def refresh_timestamp(repo: Path, now: dt.datetime, expiry_days: Mapping[str, int] = DEFAULT_EXPIRY_DAYS) -> int:
    """Re-sign the timestamp only (a scheduled job keeps the feed fresh); returns its new version."""
    timestamp: Metadata[Timestamp] = _read(repo, "timestamp.json")
    return _resign_timestamp(repo, timestamp, now, expiry_days, snapshot_version=timestamp.signed.snapshot_meta.version)


def _resign_timestamp(
    repo: Path,
    timestamp: Metadata[Timestamp],
    now: dt.datetime,
    expiry_days: Mapping[str, int],
    *,
    snapshot_version: int,
) -> int:
    timestamp.signed.snapshot_meta = MetaFile(version=snapshot_version)
    timestamp.signed.version += 1
    timestamp.signed.expires = _expiry(now, expiry_days["timestamp"])
    timestamp.signatures.clear()
    timestamp.sign(_signer(repo, "timestamp"))
    _write(repo, "timestamp.json", timestamp)
    return timestamp.signed.version


def rotate_root(repo: Path, now: dt.datetime, expiry_days: Mapping[str, int] = DEFAULT_EXPIRY_DAYS) -> str:
    """Replace the root key: the next root version names a new key and is signed by the old key and the new
    one, as TUF requires for clients to accept it. Returns the new root fingerprint."""
    root: Metadata[Root] = _read(repo, "root.json")
    old = _signer(repo, "root")
    new = CryptoSigner.generate_ed25519()
    for keyid in list(root.signed.roles["root"].keyids):
        root.signed.revoke_key(keyid, "root")
    root.signed.add_key(new.public_key, "root")
    root.signed.version += 1
    root.signed.expires = _expiry(now, expiry_days["root"])
    root.signatures.clear()
    root.sign(old, append=True)
    root.sign(new, append=True)
    _write(repo, f"{root.signed.version}.root.json", root)
    _write(repo, "root.json", root)
    retired = _key_path(repo, "root").with_name(f"root.{root.signed.version - 1}.pem.retired")
    os.replace(_key_path(repo, "root"), retired)
    _write_private(_key_path(repo, "root"), new.private_bytes)
    return root_fingerprint(root)
