"""Publishing a signed catalogue feed: a static TUF repository that any web server can serve.

Built on python-tuf's metadata API and Ed25519 keys, as python-tuf's `examples/manual_repo`; nothing here
checks signatures, versions or expiry for a client (`client.py` leaves that to `tuf.ngclient`). Where
things live: `paths.py`. Every command holds the publisher lock, so a scheduled `refresh` and a `publish`
take turns instead of losing one another's versions.

Files are written in the order a client reads backwards (target, targets, snapshot, root, timestamp last),
so until the final rename a client still sees the previous version whole.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from securesystemslib.signer import CryptoSigner, Signer
from tuf.api.metadata import Metadata, MetaFile, Root, Snapshot, TargetFile, Targets, Timestamp
from tuf.api.serialization.json import JSONSerializer

from ketacli.errors import FeedError
from ketacli.fileio import exclusive_lock, write_atomic

from .keys import (
    KeyKind,
    Passphrase,
    check_private,
    fingerprint,
    load_signer,
    new_key,
    role_fingerprints,
    signer_of,
    sweep_key_temps,
    sync_folder,
    write_key,
)
from .paths import ONLINE_ROLES, ROLES, Layout, settings_text

ROOT_WARNING_DAYS = 60  # `refresh` and `status` warn this long before the root expires
TARGET_NAME = "catalogue.toml"  # the one target a feed carries
_SERIALIZER = JSONSerializer(compact=False)
_VERSIONED_ROOT = re.compile(r"^([1-9][0-9]{0,9})\.root\.json$")


@dataclass(frozen=True)
class Publisher:
    """One publisher command's context: where the feed is, how to unlock its keys, the time, the periods."""

    layout: Layout
    now: dt.datetime
    passphrase: Passphrase
    expiry_days: Mapping[str, int]

    def expires(self, role: str) -> dt.datetime:
        return (self.now + dt.timedelta(days=self.expiry_days[role])).replace(microsecond=0)

    def renew_margin(self, role: str) -> dt.timedelta:
        """Re-sign a role when less than this is left: a third of its period (at least a day); the root,
        which needs the offline key, from ROOT_WARNING_DAYS before."""
        if role == "root":
            return dt.timedelta(days=ROOT_WARNING_DAYS)
        return dt.timedelta(days=max(1, self.expiry_days[role] // 3))


def _kind(role: str) -> KeyKind:
    return "root" if role == "root" else "online"


# ------------------------------------------------------------------------------------------- metadata files


def _write(layout: Layout, name: str, metadata: Metadata[Any]) -> None:
    write_atomic(layout.metadata / name, metadata.to_bytes(_SERIALIZER))


def _read(layout: Layout, name: str) -> Metadata[Any]:
    path = layout.metadata / name
    try:
        return Metadata.from_file(str(path))
    except FileNotFoundError:
        raise FeedError(f"{path}: no such file; is {layout.repo} a feed made by `ketacli feed init`?") from None
    except Exception as exc:
        raise FeedError(f"{path}: not readable TUF metadata ({exc}); restore it from a backup") from None


def latest_root(layout: Layout) -> Metadata[Root]:
    """The newest root published (the highest N.root.json), which is what clients walk to."""
    try:
        versions = [int(m.group(1)) for p in layout.metadata.iterdir() if (m := _VERSIONED_ROOT.match(p.name))]
    except FileNotFoundError:
        raise FeedError(f"{layout.metadata}: no such folder; is {layout.repo} a feed made by `feed init`?") from None
    if not versions:
        raise FeedError(f"{layout.metadata}: no N.root.json; is {layout.repo} a feed made by `ketacli feed init`?")
    return _read(layout, f"{max(versions)}.root.json")


def _current(layout: Layout) -> tuple[Metadata[Timestamp], Metadata[Snapshot], Metadata[Targets]]:
    timestamp: Metadata[Timestamp] = _read(layout, "timestamp.json")
    snapshot: Metadata[Snapshot] = _read(layout, f"{timestamp.signed.snapshot_meta.version}.snapshot.json")
    targets: Metadata[Targets] = _read(layout, f"{snapshot.signed.meta['targets.json'].version}.targets.json")
    return timestamp, snapshot, targets


def _bump_and_sign(metadata: Metadata[Any], signers: list[Signer], expires: dt.datetime) -> None:
    """The next version of a role's metadata, valid until `expires`, signed afresh."""
    metadata.signed.version += 1
    metadata.signed.expires = expires
    metadata.signatures.clear()
    for signer in signers:
        metadata.sign(signer, append=True)


def _publish_root(layout: Layout, root: Metadata[Root]) -> None:
    _write(layout, f"{root.signed.version}.root.json", root)
    _write(layout, "root.json", root)


# ------------------------------------------------------------------------------------------- keys


def _signer(pub: Publisher, role: str, root: Root) -> Signer:
    """The key on disk for `role`, checked against the keys the feed's root trusts for it."""
    where = "pass --root-keys with the folder that holds it" if role == "root" else "restore it from your backup"
    signer = load_signer(pub.layout.key_path(role), _kind(role), pub.passphrase, hint=where)
    if signer.public_key.keyid not in root.roles[role].keyids:
        trusted = ", ".join(role_fingerprints(root, role))
        raise FeedError(
            f"{pub.layout.key_path(role)}: not the {role} key this feed's root trusts (it trusts {trusted}; this "
            f"key is {fingerprint(signer.public_key)}); restore the right key (docs/feed-runbook.md)"
        )
    return signer


@contextmanager
def _turn(layout: Layout, *, rotating: str | None = None) -> Iterator[None]:
    """The publisher lock; and no command but the same rotation runs while a rotation is unfinished."""
    with exclusive_lock(layout.lock_file):
        journal = read_journal(layout)
        if journal is not None and journal.get("role") != rotating:
            role = journal.get("role", "?")
            raise FeedError(
                f"{layout.journal}: a rotation of the {role} key was interrupted; finish it first with "
                f"`ketacli feed rotate-key {role} {layout.repo}`"
            )
        yield


def read_journal(layout: Layout) -> dict[str, Any] | None:
    try:
        journal = json.loads(layout.journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise FeedError(f"{layout.journal}: unreadable ({exc}); see docs/feed-runbook.md") from None
    return journal if isinstance(journal, dict) else {}


# ------------------------------------------------------------------------------------------- commands


def init_repository(pub: Publisher, passphrases: Mapping[KeyKind, bytes | None]) -> str:
    """A new feed: a key per role (root apart from the online keys) and version 1 of every role's metadata
    (no catalogue yet). Returns the root key's fingerprint."""
    layout = pub.layout
    if layout.public.exists():
        raise FeedError(f"{layout.repo}: already holds a feed (public/); choose an empty folder")
    held = [layout.key_path(role) for role in ROLES if layout.key_path(role).exists()]
    if held:
        raise FeedError(f"{held[0]}: a key is already there; choose another --keys folder")
    for folder in (layout.keys, layout.keys / "online", layout.root_keys):
        if folder.exists():
            check_private(folder)
        else:
            folder.mkdir(parents=True, mode=0o700)
            os.chmod(folder, 0o700)  # whatever the umask: only folders made here
    layout.metadata.mkdir(parents=True)
    layout.targets.mkdir()
    write_atomic(layout.repo / "publisher.json", settings_text(layout))

    private = {role: new_key() for role in ROLES}
    for role, key in private.items():
        write_key(layout.key_path(role), key, passphrases.get(_kind(role)))
    signers = {role: signer_of(key) for role, key in private.items()}
    root = Metadata(Root(expires=pub.expires("root"), consistent_snapshot=True))
    for role, signer in signers.items():
        root.signed.add_key(signer.public_key, role)
    root.sign(signers["root"])
    targets = Metadata(Targets(expires=pub.expires("targets")))
    targets.sign(signers["targets"])
    snapshot = Metadata(Snapshot(expires=pub.expires("snapshot")))
    snapshot.sign(signers["snapshot"])
    timestamp = Metadata(Timestamp(expires=pub.expires("timestamp")))
    timestamp.sign(signers["timestamp"])
    _publish_root(layout, root)
    _write(layout, "1.targets.json", targets)
    _write(layout, "1.snapshot.json", snapshot)
    _write(layout, "timestamp.json", timestamp)
    return ", ".join(role_fingerprints(root.signed, "root"))


def publish(pub: Publisher, catalogue: bytes) -> int:
    """Sign `catalogue` (already validated) as the feed's next version; returns the new targets version."""
    with _turn(pub.layout):
        root = latest_root(pub.layout).signed
        signers = {role: _signer(pub, role, root) for role in ONLINE_ROLES}
        timestamp, snapshot, targets = _current(pub.layout)
        target = TargetFile.from_data(TARGET_NAME, catalogue, ["sha256"])
        target.unrecognized_fields["custom"] = {"signed": pub.now.replace(microsecond=0).isoformat()}
        write_atomic(pub.layout.targets / f"{target.hashes['sha256']}.{TARGET_NAME}", catalogue)
        targets.signed.targets = {TARGET_NAME: target}
        _resign_chain(pub, signers, timestamp, snapshot, targets, renew={"targets", "snapshot", "timestamp"})
        return targets.signed.version


@dataclass(frozen=True)
class Refreshed:
    renewed: list[tuple[str, int, dt.datetime]]  # role, new version, new expiry
    root_expires: dt.datetime
    root_warning: str | None  # the root expires soon and could not be renewed here: why, and what to do


def refresh(pub: Publisher) -> Refreshed:
    """Renew whatever is about to expire with the keys at hand: the timestamp always; the snapshot and the
    targets within their margin; the root within ROOT_WARNING_DAYS when its key is reachable (else a
    warning). A scheduled job runs this daily."""
    with _turn(pub.layout):
        root_md = latest_root(pub.layout)
        root = root_md.signed
        timestamp, snapshot, targets = _current(pub.layout)
        due = {role for role, md in (("targets", targets), ("snapshot", snapshot)) if _due(pub, role, md)}
        if "targets" in due:
            due.add("snapshot")  # a new targets version must be named by a new snapshot
        due.add("timestamp")
        signers = {role: _signer(pub, role, root) for role in due}
        _resign_chain(pub, signers, timestamp, snapshot, targets, renew=due)
        versions: dict[str, Metadata[Any]] = {"targets": targets, "snapshot": snapshot, "timestamp": timestamp}
        renewed = [(role, versions[role].signed.version, versions[role].signed.expires) for role in ONLINE_ROLES
                   if role in due]  # fmt: skip
        warning = None
        if _due(pub, "root", root_md):
            try:
                _renew_root(pub, root_md)
                renewed.append(("root", root.version, root.expires))
            except FeedError as exc:
                warning = f"the root expires on {root.expires.date()} and was not renewed: {exc}"
        return Refreshed(renewed, root.expires, warning)


def _due(pub: Publisher, role: str, metadata: Metadata[Any]) -> bool:
    expires: dt.datetime = metadata.signed.expires
    return bool(expires - pub.now <= pub.renew_margin(role))


def _renew_root(pub: Publisher, root: Metadata[Root]) -> None:
    signer = _signer(pub, "root", root.signed)
    _bump_and_sign(root, [signer], pub.expires("root"))
    _publish_root(pub.layout, root)


def _resign_chain(
    pub: Publisher,
    signers: Mapping[str, Signer],
    timestamp: Metadata[Timestamp],
    snapshot: Metadata[Snapshot],
    targets: Metadata[Targets],
    *,
    renew: set[str],
    before_timestamp: Callable[[], None] | None = None,
) -> None:
    """Re-sign the roles in `renew` as new versions, each naming the next; the timestamp written last (after
    `before_timestamp`, which publishes a new root where a rotation needs one)."""
    if "targets" in renew:
        _bump_and_sign(targets, [signers["targets"]], pub.expires("targets"))
        _write(pub.layout, f"{targets.signed.version}.targets.json", targets)
        snapshot.signed.meta["targets.json"] = MetaFile(version=targets.signed.version)
    if "snapshot" in renew:
        _bump_and_sign(snapshot, [signers["snapshot"]], pub.expires("snapshot"))
        _write(pub.layout, f"{snapshot.signed.version}.snapshot.json", snapshot)
    if before_timestamp is not None:
        before_timestamp()
    timestamp.signed.snapshot_meta = MetaFile(version=snapshot.signed.version)
    _bump_and_sign(timestamp, [signers["timestamp"]], pub.expires("timestamp"))
    _write(pub.layout, "timestamp.json", timestamp)


# ------------------------------------------------------------------------------------------- rotation


def rotate_key(pub: Publisher, role: str) -> str:
    """Replace `role`'s key; returns the new key's fingerprint. Crash-safe: the new key is saved and synced
    (with a journal naming it) before anything is published, then the new root (signed by the root key, and
    for a root rotation by the new key too), then the role's metadata signed by the new key, and only then
    the key files are swapped. A rerun after a crash at any point finishes the same rotation."""
    layout = pub.layout
    with _turn(layout, rotating=role):
        root_md = latest_root(layout)
        new = _pending_signer(pub, role, root_md.signed)
        # A rerun after the new root went out finds it already trusting the new key: no second root.
        published = root_md.signed.roles[role].keyids == [new.public_key.keyid]
        old_root = None if published else _signer(pub, "root", root_md.signed)

        def publish_root() -> None:
            if old_root is None:
                return
            for keyid in list(root_md.signed.roles[role].keyids):
                root_md.signed.revoke_key(keyid, role)
            root_md.signed.add_key(new.public_key, role)
            # A new root is signed by the previous root's keys; a new root key signs too, so clients accept it.
            _bump_and_sign(root_md, [old_root, new] if role == "root" else [old_root], pub.expires("root"))
            _publish_root(layout, root_md)

        if role == "root":
            publish_root()
        else:
            renew = {"targets": {"targets", "snapshot", "timestamp"}, "snapshot": {"snapshot", "timestamp"}}
            due = renew.get(role, {"timestamp"})
            signers = {r: new if r == role else _signer(pub, r, root_md.signed) for r in due}
            timestamp, snapshot, targets = _current(layout)
            _resign_chain(pub, signers, timestamp, snapshot, targets, renew=due, before_timestamp=publish_root)
        _swap_keys(layout, role, root_md.signed.version)
        return fingerprint(new.public_key)


def _pending_signer(pub: Publisher, role: str, root: Root) -> CryptoSigner:
    """The rotation's new key: the one saved by an interrupted run, or a new one. The journal is written
    (and synced) first, so from the first step every other publisher command waits for this rotation."""
    layout = pub.layout
    if read_journal(layout) is None:
        journal = {"role": role, "from_root_version": root.version, "started": pub.now.isoformat()}
        write_atomic(layout.journal, json.dumps(journal, indent=2) + "\n")
        sync_folder(layout.repo)
    pending = layout.pending_key_path(role)
    sweep_key_temps(pending.parent)
    if pending.exists() and pending.stat().st_size == 0:
        # An empty key file, torn by a kill before 0.10 wrote keys whole: no key could have been published from
        # it, so the rotation starts its new key afresh instead of jamming on "not a PEM private key".
        pending.unlink()
    if pending.exists():
        return load_signer(pending, _kind(role), pub.passphrase, hint="")
    current = layout.key_path(role)
    if role == "root" and not current.exists():  # only a root key can name its successor
        raise FeedError(f"{current}: no such key; pass --root-keys with the folder that holds it")
    # The new key is protected as the old one was; a lost online key is replaced as if it had been.
    encrypted = current.exists() and b"ENCRYPTED" in current.read_bytes()[:64]
    secret = pub.passphrase(_kind(role), pending) if encrypted or not current.exists() else None
    if encrypted and secret is None:
        raise FeedError(f"{current}: the key is encrypted; the new key needs the passphrase too")
    key = new_key()
    write_key(pending, key, secret)
    return signer_of(key)


def _swap_keys(layout: Layout, role: str, root_version: int) -> None:
    """Retire the old key file and put the new one in its place; idempotent on a rerun."""
    current, pending = layout.key_path(role), layout.pending_key_path(role)
    if pending.exists():
        if current.exists():
            os.replace(current, layout.retired_key_path(role, root_version))
        os.replace(pending, current)
        sync_folder(current.parent)
    layout.journal.unlink(missing_ok=True)
    sync_folder(layout.repo)


# ------------------------------------------------------------------------------------------- status


@dataclass(frozen=True)
class RoleStatus:
    role: str
    version: int
    expires: dt.datetime
    days_left: int
    fingerprints: list[str]
    key_file: Path
    key_present: bool


def status(layout: Layout, now: dt.datetime) -> tuple[list[RoleStatus], list[str]]:
    """Each role's version, expiry and key fingerprints, and what to run next."""
    root = latest_root(layout)
    timestamp, snapshot, targets = _current(layout)
    rows = []
    for role, md in (("root", root), ("targets", targets), ("snapshot", snapshot), ("timestamp", timestamp)):
        expires: dt.datetime = md.signed.expires
        rows.append(RoleStatus(role, md.signed.version, expires, (expires - now).days,
                               role_fingerprints(root.signed, role), layout.key_path(role),
                               layout.key_path(role).exists()))  # fmt: skip
    return rows, _next_steps(layout, rows, now)


def _next_steps(layout: Layout, rows: list[RoleStatus], now: dt.datetime) -> list[str]:
    steps = []
    journal = read_journal(layout)
    if journal is not None:
        steps.append(
            f"finish the interrupted key rotation: ketacli feed rotate-key {journal.get('role')} {layout.repo}"
        )
    expired = [row.role for row in rows if row.expires <= now]
    if expired:
        steps.append(f"expired: {', '.join(expired)}; clients refuse the feed until you run: "
                     f"ketacli feed refresh {layout.repo}")  # fmt: skip
    root = rows[0]
    if root.days_left < ROOT_WARNING_DAYS:
        steps.append(f"the root expires on {root.expires.date()}: with the root key at hand, run "
                     f"ketacli feed refresh {layout.repo} --root-keys FOLDER")  # fmt: skip
    if not any(row.role == "timestamp" and row.days_left >= 1 for row in rows) and not expired:
        steps.append(f"the timestamp expires within a day: ketacli feed refresh {layout.repo}")
    if not steps:
        steps.append(f"nothing due; keep `ketacli feed refresh {layout.repo}` running daily")
    return steps
