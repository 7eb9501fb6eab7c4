"""`ketacli feed ...` (publish and trust signed feeds), `ketacli update` and `ketacli catalog status`.

TUF and cryptography are imported inside the commands that need them (feed_repo, feed_client), so every
other command starts as fast as before.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ketacli.catalogue import DEFAULT_MAX_BYTES
from ketacli.errors import CatalogueError, FeedError, UsageError

from .environment import cache_folder, catalogue_choice, config_dir, data_dir, size_limit, validate_file
from .options import JsonOption
from .output import emit, note, present

if TYPE_CHECKING:
    from ketacli.catalogue import LoadedCatalogue

# Not registered on `app` at import: the root group (app.py) builds `feed` and `update` only when asked.
feed_app = typer.Typer(
    help="Publish a signed catalogue feed, and choose the feeds you trust.", no_args_is_help=True, rich_markup_mode=None
)
update_app = typer.Typer(rich_markup_mode=None)

FEED_TIMEOUT_SECONDS = 20


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _days(role: str, default: int) -> Any:
    return typer.Option(f"--{role}-days", min=1, max=3650, help=f"Days until the {role} metadata expires.")


def _expiries(timestamp: int, snapshot: int, targets: int, root: int) -> dict[str, int]:
    return {"timestamp": timestamp, "snapshot": snapshot, "targets": targets, "root": root}


def _inside_checkout(folder: Path) -> Path | None:
    for parent in [folder.resolve(), *folder.resolve().parents]:
        if (parent / ".git").exists():
            return parent
    return None


TimestampDays = Annotated[int, _days("timestamp", 7)]
SnapshotDays = Annotated[int, _days("snapshot", 30)]
TargetsDays = Annotated[int, _days("targets", 90)]
RootDays = Annotated[int, _days("root", 365)]


@feed_app.command("init")
def feed_init(
    folder: Annotated[Path, typer.Argument(help="An empty folder for the feed (created if missing).")],
    in_checkout: Annotated[
        bool, typer.Option("--in-checkout", help="Allow a folder inside a git checkout (keys could be committed).")
    ] = False,
    timestamp: TimestampDays = 7,
    snapshot: SnapshotDays = 30,
    targets: TargetsDays = 90,
    root: RootDays = 365,
) -> None:
    """Create a TUF repository and its Ed25519 signing keys (in FOLDER/keys, private)."""
    checkout = _inside_checkout(folder)
    if checkout is not None and not in_checkout:
        raise UsageError(f"{folder} is inside the git checkout {checkout}: signing keys must never be committed")
    from ketacli.feed_repo import init_repository

    fingerprint = init_repository(folder, _now(), _expiries(timestamp, snapshot, targets, root))
    emit(f"root key fingerprint: {fingerprint}\n")
    note(
        f"created a feed in {folder}: serve {folder / 'public'}; users trust it with its "
        f"{folder / 'public' / 'metadata' / '1.root.json'}. The signing keys are in {folder / 'keys'}: keep them "
        "offline and backed up, and give users the fingerprint through a channel other than the feed"
    )


@feed_app.command("publish")
def feed_publish(
    folder: Annotated[Path, typer.Argument(help="The feed's folder (from `feed init`).")],
    catalogue: Annotated[Path, typer.Argument(help="The catalogue file to publish.")],
    timestamp: TimestampDays = 7,
    snapshot: SnapshotDays = 30,
    targets: TargetsDays = 90,
    root: RootDays = 365,
) -> None:
    """Validate CATALOGUE, then sign it as the feed's next version (nothing is written if it is invalid)."""
    raw, model = validate_file(catalogue)
    from ketacli.feed_repo import publish

    version = publish(folder, raw, _now(), _expiries(timestamp, snapshot, targets, root))
    emit(f"published version {version} ({len(model.providers)} providers)\n")
    note(f"serve {folder / 'public'} over HTTPS (never the keys/ folder beside it)")


@feed_app.command("refresh")
def feed_refresh(
    folder: Annotated[Path, typer.Argument(help="The feed's folder.")],
    timestamp: TimestampDays = 7,
) -> None:
    """Re-sign the timestamp only, so clients know the feed is alive (run it from a scheduled job)."""
    from ketacli.feed_repo import DEFAULT_EXPIRY_DAYS, refresh_timestamp

    version = refresh_timestamp(folder, _now(), {**DEFAULT_EXPIRY_DAYS, "timestamp": timestamp})
    emit(f"timestamp version {version}, valid for {timestamp} days\n")


@feed_app.command("rotate-root")
def feed_rotate_root(folder: Annotated[Path, typer.Argument(help="The feed's folder.")]) -> None:
    """Replace the root key; the new root is signed by the old key and the new one, so clients follow it."""
    from ketacli.feed_repo import rotate_root

    fingerprint = rotate_root(folder, _now())
    emit(f"new root key fingerprint: {fingerprint}\n")


@feed_app.command("add")
def feed_add(
    name: Annotated[str, typer.Argument(help="A short name for the feed (lowercase, digits, hyphens).")],
    url: Annotated[str, typer.Argument(help="The feed's address (the folder `feed publish` wrote, served).")],
    root_file: Annotated[Path, typer.Option("--root", help="The feed's root.json, obtained out of band.")],
) -> None:
    """Trust a feed explicitly: prints the root key's fingerprint, to compare with the publisher's."""
    from ketacli.fileio import ReadRefused, read_limited

    try:
        root_bytes = read_limited(root_file, 512 * 1024)
    except (OSError, ReadRefused) as exc:
        raise UsageError(f"--root {root_file}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    from ketacli.feed_client import add_feed

    fingerprint = add_feed(config_dir(), name, url, root_bytes, _now())
    emit(f"root key fingerprint: {fingerprint}\n")
    note(f"trusting feed {name} at {url}: compare the fingerprint with the publisher's; then `ketacli update {name}`")


@feed_app.command("list")
def feed_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The feeds you trust, and which one the active catalogue came from."""
    from ketacli.feed_client import list_feeds

    choice = catalogue_choice(ctx.obj)
    rows = [
        {**feed._asdict(), "active": choice.feed is not None and choice.feed.feed == feed.name}
        for feed in list_feeds(config_dir())
    ]

    def people() -> None:
        if not rows:
            note("no feed is trusted; add one with `ketacli feed add NAME URL --root root.json`")
            return
        emit("".join(f"{r['name']}  {r['url']}{'  (active)' if r['active'] else ''}\n" for r in rows))

    present(as_json, data=lambda: rows, people=people)


@feed_app.command("remove")
def feed_remove(name: Annotated[str, typer.Argument(help="The feed to forget.")]) -> None:
    """Stop trusting a feed; if its catalogue is active, the built-in catalogue is used again."""
    from ketacli.feed_client import remove_feed

    was_active = remove_feed(config_dir(), data_dir(), name)
    note(f"removed feed {name}" + ("; the built-in catalogue is active again" if was_active else ""))


@update_app.command("update")
def update_cmd(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="The feed (default: the only one trusted).")] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Say whether a newer version exists; install nothing.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Fetch the feed's latest signed catalogue, verify it with TUF, validate it, and make it active."""
    from ketacli.feed_client import fetch, find_feed, install, lock, record_check

    timeout = _timeout()  # a bad setting is a usage error before anything else
    feed = find_feed(config_dir(), name)
    with lock(data_dir()):
        before = catalogue_choice(ctx.obj)
        fetched = fetch(
            config_dir(), data_dir(), feed, max_bytes=size_limit(DEFAULT_MAX_BYTES), timeout=timeout, download=not check
        )
        current = before.feed if before.feed is not None and before.feed.feed == feed.name else None
        newer = current is None or fetched.version > current.version
        if check:
            result = {"feed": feed.name, "available": fetched.version, "installed": current and current.version,
                      "newer": newer}  # fmt: skip
            words = f"feed {feed.name}: version {fetched.version} " + ("is newer\n" if newer else "is installed\n")
            present(as_json, data=lambda: result, people=lambda: emit(words))
            return
        if not newer and current is not None and current.sha256 == fetched.sha256:
            record_check(data_dir(), fetched, _now())
            unchanged = {"feed": feed.name, "version": fetched.version, "installed": False, "changes_for_you": [],
                         "other_changes": 0}  # fmt: skip
            said = f"feed {feed.name}: version {fetched.version} is already active; nothing changed"
            present(as_json, data=lambda: unchanged, people=lambda: note(said))
            return
        assert fetched.path is not None
        try:  # validated (and cached) once; the installed copy has the same bytes, so it loads from the cache
            new = _load(fetched.path)
        except CatalogueError as exc:
            raise FeedError(f"feed {feed.name}: refused a signed but invalid catalogue: {exc}; the active "
                            "catalogue is unchanged") from None  # fmt: skip
        old = _load(before.path)
        state = install(data_dir(), fetched, _now())
    _report_changes(old, new, feed.name, state.version, as_json)


def _timeout() -> int:
    value = os.environ.get("KETACLI_FEED_TIMEOUT", "")
    if not value:
        return FEED_TIMEOUT_SECONDS
    if not value.isdigit() or int(value) < 1:
        raise UsageError(f"KETACLI_FEED_TIMEOUT must be a whole number of seconds, not {value!r}")
    return int(value)


def _load(path: Path | None) -> LoadedCatalogue:
    from ketacli.catalogue import load_catalogue

    return load_catalogue(path, cache_dir=cache_folder(), max_bytes=size_limit(DEFAULT_MAX_BYTES))


def _report_changes(old: LoadedCatalogue, new: LoadedCatalogue, feed: str, version: int, as_json: bool) -> None:
    """What changed that matters to the saved profile, then a count of everything else."""
    from ketacli.update_changes import changes_for_profile

    from .environment import read_profile

    mine, others = changes_for_profile(old, new, read_profile())

    def people() -> None:
        note(f"installed version {version} from feed {feed}")
        lines = [f"- {change['what']}\n" for change in mine]
        emit("What changed for you:\n" + "".join(lines) if lines else "Nothing that your profile asks about changed.\n")
        if others:
            note(f"{others} other change{'s' if others != 1 else ''}: `ketacli catalog diff` shows every one")

    data = {"feed": feed, "version": version, "installed": True, "changes_for_you": mine, "other_changes": others}
    present(as_json, data=lambda: data, people=people)
