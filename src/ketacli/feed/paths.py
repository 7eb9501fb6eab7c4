"""Where a publisher's feed lives: the served tree, the keys (never under it), the lock and the journal.

    DIR/public/metadata/   N.root.json, root.json, N.targets.json, N.snapshot.json, timestamp.json
    DIR/public/targets/    <sha256>.catalogue.toml
    DIR/publisher.json     where the keys are (paths only, no secret)
    DIR/publish.lock       publisher commands take turns
    DIR/rotation.json      present only while a key rotation is under way
    KEYS/root/root.pem     the root key: keep it offline (`--root-keys` names another folder)
    KEYS/online/{targets,snapshot,timestamp}.pem   used by `publish` and `refresh`

KEYS defaults to DIR-keys beside DIR, so serving DIR instead of DIR/public exposes no key. No TUF here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from ketacli.errors import FeedError

ONLINE_ROLES = ("targets", "snapshot", "timestamp")
ROLES = ("root", *ONLINE_ROLES)
SETTINGS_FILE = "publisher.json"
# How long each role's metadata is valid when signed: the one place these periods are set.
DEFAULT_EXPIRY_DAYS: Mapping[str, int] = MappingProxyType({"timestamp": 7, "snapshot": 30, "targets": 90, "root": 365})


@dataclass(frozen=True)
class Layout:
    repo: Path
    keys: Path
    root_keys: Path

    @property
    def public(self) -> Path:
        """The folder to serve: metadata and targets, never a key."""
        return self.repo / "public"

    @property
    def metadata(self) -> Path:
        return self.public / "metadata"

    @property
    def targets(self) -> Path:
        return self.public / "targets"

    @property
    def lock_file(self) -> Path:
        return self.repo / "publish.lock"

    @property
    def journal(self) -> Path:
        return self.repo / "rotation.json"

    def key_folder(self, role: str) -> Path:
        return self.root_keys if role == "root" else self.keys / "online"

    def key_path(self, role: str) -> Path:
        return self.key_folder(role) / f"{role}.pem"

    def pending_key_path(self, role: str) -> Path:
        """A rotation's new key, saved before anything is published, renamed into place when it is done."""
        return self.key_folder(role) / f"{role}.next.pem"

    def retired_key_path(self, role: str, root_version: int) -> Path:
        return self.key_folder(role) / f"{role}.retired-at-root-{root_version}.pem"


def default_keys(repo: Path) -> Path:
    return repo.parent / f"{repo.name}-keys"


def new_layout(repo: Path, keys: Path | None, root_keys: Path | None) -> Layout:
    """The layout `feed init` creates; refuses keys under the feed folder."""
    keys = (keys or default_keys(repo)).absolute()
    root_keys = (root_keys or keys / "root").absolute()
    for folder, option in ((keys, "--keys"), (root_keys, "--root-keys")):
        if folder.resolve().is_relative_to(repo.resolve()):
            raise FeedError(
                f"{option} {folder}: keys must never live under the feed folder {repo}, which may be served"
            )
    return Layout(repo, keys, root_keys)


def open_layout(repo: Path, keys: Path | None = None, root_keys: Path | None = None) -> Layout:
    """The layout of an existing feed: the keys recorded by `feed init`, unless named here."""
    if (repo / "keys").is_dir():
        raise FeedError(
            f"{repo / 'keys'}: keys under the feed folder (ketacli 0.5 and earlier) could be served; move them: "
            f"mkdir -p {default_keys(repo)}/root {default_keys(repo)}/online && "
            f"mv {repo}/keys/root.pem {default_keys(repo)}/root/ && "
            f"mv {repo}/keys/targets.pem {repo}/keys/snapshot.pem {repo}/keys/timestamp.pem "
            f"{default_keys(repo)}/online/ && rmdir {repo}/keys"
        )
    settings = repo / SETTINGS_FILE
    recorded: dict[str, str] = {}
    try:
        loaded = json.loads(settings.read_text(encoding="utf-8"))
        if isinstance(loaded, dict):
            recorded = {k: v for k, v in loaded.items() if isinstance(v, str)}
    except FileNotFoundError:
        if not (repo / "public" / "metadata").is_dir():
            raise FeedError(
                f"{repo}: not a feed folder (no public/metadata); make one with `ketacli feed init`"
            ) from None
    except (OSError, ValueError) as exc:
        raise FeedError(f"{settings}: cannot read: {exc}") from None
    keys = keys or Path(recorded.get("keys") or default_keys(repo))
    root_keys = root_keys or Path(recorded.get("root_keys") or keys / "root")
    return Layout(repo, keys, root_keys)


def settings_text(layout: Layout) -> str:
    return json.dumps({"keys": str(layout.keys), "root_keys": str(layout.root_keys)}, indent=2) + "\n"
