"""Keys: a fingerprint computed from the key itself, key ids checked against their keys, and key files.

python-tuf looks keys up by the key id a root *declares*; it does not check that the id is the hash of the
key. So a root signed by an attacker's key that declares the publisher's key id verifies as "self-signed"
and would show the publisher's id. Two defences live here: `fingerprint` is computed from the public key
material, never read from the metadata, and `check_key_ids` refuses any root whose ids are not the TUF
hash of their keys.

The fingerprint is the SHA-256 of the key's DER SubjectPublicKeyInfo, which a publisher can print with
common tools: `openssl pkey -in KEY.pem -pubout -outform DER | sha256sum`.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ketacli.errors import FeedError, UsageError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from securesystemslib.signer import CryptoSigner, Key
    from tuf.api.metadata import Root

# Asked for the passphrase of a key of one kind ("root" or "online") at a path; returns None when none can
# be had (no terminal, no environment variable). The CLI supplies it: only the CLI reads the environment.
Passphrase = Callable[[str, Path], bytes | None]
KeyKind = str  # "root" (kept offline) or "online" (targets, snapshot, timestamp: used by publish and refresh)
PASSPHRASE_VARIABLES = {"root": "KETACLI_FEED_ROOT_PASSPHRASE", "online": "KETACLI_FEED_ONLINE_PASSPHRASE"}


def no_passphrase(_kind: KeyKind, _path: Path) -> bytes | None:
    return None


def fingerprint(key: Key) -> str:
    """SHA-256 (hex) of the key's DER SubjectPublicKeyInfo, computed from the key material."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return hashlib.sha256(_public_key(key).public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).hexdigest()


def _public_key(key: Key) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    public = key.keyval.get("public")
    try:
        if not isinstance(public, str):
            raise ValueError("no public key")
        if key.keytype == "ed25519":
            return Ed25519PublicKey.from_public_bytes(bytes.fromhex(public))
        return load_pem_public_key(public.encode("ascii"))
    except (ValueError, TypeError, UnicodeError):
        raise FeedError(f"key {key.keyid[:16]}: its public key cannot be read ({key.keytype})") from None


def key_id(key: Key) -> str:
    """The TUF key id a key must have: SHA-256 of the canonical JSON of its type, scheme and value."""
    from securesystemslib.formats import encode_canonical

    canonical = encode_canonical({"keytype": key.keytype, "scheme": key.scheme, "keyval": key.keyval})
    assert isinstance(canonical, str)  # encode_canonical returns the text when given no output function
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_key_ids(root: Root, where: str) -> None:
    """Refuse a root that names any key by an id that is not that key's own hash."""
    for declared, key in root.keys.items():
        actual = key_id(key)
        if declared != actual:
            raise FeedError(
                f"{where}: refused: it names a key by the id {declared[:16]}…, but that key's own id is "
                f"{actual[:16]}… (a root can only be trusted when each key id is computed from its key)"
            )


def role_fingerprints(root: Root, role: str) -> list[str]:
    """The fingerprints of the keys `root` trusts for `role`, in the root's order."""
    return [fingerprint(root.keys[keyid]) for keyid in root.roles[role].keyids]


class RootKeys(NamedTuple):
    """Who can sign a root: every key of its root role and how many of them must sign. What a person confirms
    is all of it: a forged root may list the publisher's key beside its own, threshold 1, signed by its own."""

    version: int
    threshold: int
    fingerprints: tuple[str, ...]

    @classmethod
    def of(cls, root: Root) -> RootKeys:
        return cls(root.version, root.roles["root"].threshold, tuple(role_fingerprints(root, "root")))

    def signers(self) -> tuple[int, tuple[str, ...]]:
        """The root role itself, whatever the version (a rotation of another role makes a new root too)."""
        return self.threshold, tuple(sorted(self.fingerprints))

    def summary(self) -> str:
        count = len(self.fingerprints)
        if count == 1:
            return "1 key can sign the root"
        return f"any {self.threshold} of these {count} keys can sign the root"

    def lines(self) -> list[str]:
        """One key a line, after the summary."""
        return [f"{self.summary()}:", *(f"root key fingerprint: {fp}" for fp in self.fingerprints)]


def normal_fingerprint(text: str) -> str:
    """A fingerprint as a person pastes it: any case, with colons or spaces, or as `sha256sum` prints it (with
    its trailing ` -`); a usage error when it is not 64 hex digits."""
    value = text.strip().removesuffix("-").replace(":", "").replace(" ", "").lower()
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        shown = text if len(text) <= 80 else text[:80] + "…"
        raise UsageError(f"{shown!r} is not a key fingerprint: 64 hex digits, as `feed init` printed it")
    return value


def check_confirmed(keys: RootKeys, confirmed: list[str], where: str) -> None:
    """The root's signing keys must be exactly the ones the person confirmed: no key missing, none added."""
    given = {normal_fingerprint(fp) for fp in confirmed}
    unconfirmed = [fp for fp in keys.fingerprints if fp not in given]
    absent = sorted(given - set(keys.fingerprints))
    if unconfirmed or absent:
        problems = []
        if unconfirmed:
            problems.append(
                f"it can be signed by {len(unconfirmed)} key(s) you did not confirm ({', '.join(fp[:16] + '…' for fp in unconfirmed)})"
            )
        if absent:
            problems.append(
                f"{len(absent)} fingerprint(s) you gave are not among its root keys ({', '.join(fp[:16] + '…' for fp in absent)})"
            )
        raise FeedError(
            f"{where}: refused: {' and '.join(problems)}; {keys.summary()} (version {keys.version}). Trust a root "
            "only when its keys are exactly the publisher's: ask the publisher, out of band"
        )


# ------------------------------------------------------------------------------------------- key files


def new_key() -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate()


def signer_of(private: Ed25519PrivateKey) -> CryptoSigner:
    from securesystemslib.signer import CryptoSigner

    return CryptoSigner(private)


def write_key(path: Path, private: Ed25519PrivateKey, passphrase: bytes | None) -> None:
    """A new private key file, owner-only, fsynced with its folder; never overwrites a key, and never leaves a
    part of one at `path`: the key is written whole to a temporary file first, then linked into place (a kill or
    a full disk at any step leaves `path` absent, never empty)."""
    from cryptography.hazmat.primitives.serialization import (
        BestAvailableEncryption,
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    encryption = BestAvailableEncryption(passphrase) if passphrase else NoEncryption()
    data = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, encryption)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        temporary.unlink(missing_ok=True)  # what an earlier run of this process id left
        fd = os.open(temporary, flags, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)  # fails if a key is there: never overwrites one
    except OSError as exc:
        raise FeedError(f"{path}: cannot write the new key ({exc.strerror or exc}); nothing was changed") from None
    finally:
        temporary.unlink(missing_ok=True)
    sync_folder(path.parent)


def sweep_key_temps(folder: Path) -> None:
    """Remove the temporary key files a killed `write_key` left (never a key itself)."""
    for stale in folder.glob(".*.pem.*.tmp"):
        stale.unlink(missing_ok=True)


def sync_folder(folder: Path) -> None:
    """Make a rename or a new file in `folder` survive a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_private(path: Path) -> None:
    """A key file or key folder that others can read or write is refused, with the fix."""
    try:
        info = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise FeedError(f"{path}: is a symbolic link; keep the key itself there, readable by you alone")
    if info.st_mode & 0o077:
        fix = "chmod 700" if stat.S_ISDIR(info.st_mode) else "chmod 600"
        raise FeedError(
            f"{path}: other users can read or change it (mode {stat.S_IMODE(info.st_mode):o}); "
            f"run `{fix} {path}` and keep keys readable by you alone"
        )


def load_signer(path: Path, kind: KeyKind, passphrase: Passphrase, *, hint: str) -> CryptoSigner:
    """The signer in a PEM key file. An encrypted key asks `passphrase`; `hint` says where a missing key
    may be (e.g. "the root key is kept offline: pass --root-keys")."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from securesystemslib.signer import CryptoSigner

    check_private(path.parent)
    check_private(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FeedError(f"{path}: no such key; {hint}") from None
    except OSError as exc:
        raise FeedError(f"{path}: cannot read the key: {exc.strerror or exc}") from None
    try:
        private = load_pem_private_key(data, password=None)
    except TypeError:  # encrypted: "Password was not given but private key is encrypted"
        secret = passphrase(kind, path)
        if secret is None:
            raise FeedError(
                f"{path}: the key is encrypted; set {PASSPHRASE_VARIABLES[kind]} or run in a terminal to be asked"
            ) from None
        try:
            private = load_pem_private_key(data, password=secret)
        except (ValueError, TypeError):
            raise FeedError(f"{path}: wrong passphrase for this key") from None
    except ValueError:
        raise FeedError(f"{path}: not a PEM private key") from None
    return CryptoSigner(private)
