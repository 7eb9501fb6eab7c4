"""`ketacli feed ...` (publish and trust signed feeds), `ketacli update` and `ketacli catalog status`.

TUF and cryptography are imported inside the commands that need them (`ketacli.feed.repo`, `.client`),
so every other command, `feed list` included, starts as fast as before.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ketacli.catalogue import DEFAULT_MAX_BYTES
from ketacli.errors import CatalogueError, FeedError, UsageError
from ketacli.feed.paths import DEFAULT_EXPIRY_DAYS as EXPIRY_DEFAULTS

from .environment import (
    cache_folder,
    catalogue_choice,
    config_dir,
    data_dir,
    installed_feed,
    size_limit,
    validate_file,
)
from .options import JsonOption, file_path
from .output import emit, emit_wrapped, note
from .presenting import present
from .runenv import current, getenv

if TYPE_CHECKING:
    from ketacli.catalogue import LoadedCatalogue
    from ketacli.feed.active import ActiveFeed
    from ketacli.feed.keys import Passphrase, RootKeys
    from ketacli.feed.repo import Publisher

# Not registered on `app` at import: the root group (app.py) builds `feed` and `update` only when asked.
feed_app = typer.Typer(
    help="Publish a signed catalogue feed, and choose the feeds you trust.", no_args_is_help=True, rich_markup_mode=None
)
update_app = typer.Typer(rich_markup_mode=None)
changes_app = typer.Typer(rich_markup_mode=None)

FEED_TIMEOUT_SECONDS = 60


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _days(role: str) -> Any:
    return typer.Option(f"--{role}-days", min=1, max=3650, help=f"Days until the {role} metadata expires.")


TimestampDays = Annotated[int, _days("timestamp")]
SnapshotDays = Annotated[int, _days("snapshot")]
TargetsDays = Annotated[int, _days("targets")]
RootDays = Annotated[int, _days("root")]
FeedFolder = Annotated[Path, typer.Argument(help="The feed's folder (from `feed init`).", show_default=False)]
KeysOption = Annotated[
    Path | None, typer.Option("--keys", help="The folder of the feed's keys (default: the one `feed init` made).")
]
RootKeysOption = Annotated[
    Path | None, typer.Option("--root-keys", help="The folder holding root.pem, where it is kept offline.")
]


def _publisher(folder: Path, keys: Path | None, root_keys: Path | None, days: dict[str, int]) -> Publisher:
    from ketacli.feed.paths import open_layout
    from ketacli.feed.repo import Publisher

    return Publisher(open_layout(folder, keys, root_keys), _now(), _passphrase_source(), days)


def _passphrase_source() -> Passphrase:
    """Key passphrases from KETACLI_FEED_ROOT_PASSPHRASE / KETACLI_FEED_ONLINE_PASSPHRASE, else asked on the
    terminal (once per kind of key), else None."""
    from ketacli.feed.keys import PASSPHRASE_VARIABLES

    asked: dict[str, bytes | None] = {}

    def passphrase(kind: str, path: Path) -> bytes | None:
        if kind not in asked:
            value = getenv(PASSPHRASE_VARIABLES[kind])
            if value:
                asked[kind] = value.encode("utf-8")
            elif _typing_possible():
                import getpass

                asked[kind] = getpass.getpass(f"passphrase for the {kind} key {path}: ").encode("utf-8") or None
            else:
                asked[kind] = None
        return asked[kind]

    return passphrase


def _typing_possible() -> bool:
    """Whether a person can type a passphrase or a fingerprint: stdin is a terminal."""
    stdin = current().input
    return stdin is not None and stdin.isatty()


def _new_passphrase(kind: str) -> bytes:
    """A passphrase for a new key: from its environment variable, else typed twice on the terminal."""
    from ketacli.feed.keys import PASSPHRASE_VARIABLES

    variable = PASSPHRASE_VARIABLES[kind]
    if getenv(variable):
        return getenv(variable).encode("utf-8")
    if not _typing_possible():
        raise UsageError(f"--encrypt-{kind} needs a passphrase: set {variable} or run in a terminal")
    import getpass

    first = getpass.getpass(f"new passphrase for the {kind} key: ")
    if not first:
        raise UsageError(f"an empty passphrase does not protect the {kind} key")
    if getpass.getpass("the same passphrase again: ") != first:
        raise UsageError("the two passphrases differ; nothing was created")
    return first.encode("utf-8")


def _inside_checkout(folder: Path) -> Path | None:
    for parent in [folder.resolve(), *folder.resolve().parents]:
        if (parent / ".git").exists():
            return parent
    return None


@feed_app.command("init")
def feed_init(
    folder: Annotated[Path, typer.Argument(help="An empty folder for the feed (created if missing).")],
    keys: Annotated[
        Path | None, typer.Option("--keys", help="Where the keys go (default: FOLDER-keys beside FOLDER).")
    ] = None,
    root_keys: Annotated[
        Path | None, typer.Option("--root-keys", help="Where the root key goes (default: KEYS/root).")
    ] = None,
    encrypt_root: Annotated[
        bool, typer.Option("--encrypt-root", help="Encrypt the root key (KETACLI_FEED_ROOT_PASSPHRASE or asked).")
    ] = False,
    encrypt_online: Annotated[
        bool,
        typer.Option("--encrypt-online", help="Encrypt the online keys (KETACLI_FEED_ONLINE_PASSPHRASE or asked)."),
    ] = False,
    in_checkout: Annotated[
        bool, typer.Option("--in-checkout", help="Allow a folder inside a git checkout (keys could be committed).")
    ] = False,
    timestamp: TimestampDays = EXPIRY_DEFAULTS["timestamp"],
    snapshot: SnapshotDays = EXPIRY_DEFAULTS["snapshot"],
    targets: TargetsDays = EXPIRY_DEFAULTS["targets"],
    root: RootDays = EXPIRY_DEFAULTS["root"],
) -> None:
    """Create a TUF repository and its Ed25519 keys: the root key apart from the online keys, and neither
    under FOLDER (which may be served)."""
    from ketacli.feed.paths import new_layout

    if not str(folder) or str(folder) == ".":
        raise UsageError("name a new folder for the feed (not the current one)")
    layout = new_layout(folder, keys, root_keys)
    for place in (folder, layout.keys, layout.root_keys):
        checkout = _inside_checkout(place)
        if checkout is not None and not in_checkout:
            raise UsageError(f"{place} is inside the git checkout {checkout}: signing keys must never be committed")
    passphrases = {
        "root": _new_passphrase("root") if encrypt_root else None,
        "online": _new_passphrase("online") if encrypt_online else None,
    }
    from ketacli.feed.repo import Publisher, init_repository

    days = {"timestamp": timestamp, "snapshot": snapshot, "targets": targets, "root": root}
    fingerprint = init_repository(Publisher(layout, _now(), _passphrase_source(), days), passphrases)
    emit(f"root key fingerprint: {fingerprint}\n")
    note(
        f"created a feed in {folder}: serve {layout.public}; users trust it with "
        f"{layout.metadata / '1.root.json'}. The root key is in {layout.root_keys} (keep it offline, backed up); "
        f"the online keys, for publish and refresh, are in {layout.keys / 'online'}. Give users the fingerprint "
        "through a channel other than the feed"
    )


@feed_app.command("publish")
def feed_publish(
    folder: FeedFolder,
    catalogue: Annotated[Path, typer.Argument(help="The catalogue file to publish.")],
    keys: KeysOption = None,
    timestamp: TimestampDays = EXPIRY_DEFAULTS["timestamp"],
    snapshot: SnapshotDays = EXPIRY_DEFAULTS["snapshot"],
    targets: TargetsDays = EXPIRY_DEFAULTS["targets"],
) -> None:
    """Validate CATALOGUE, then sign it as the feed's next version (nothing is written if it is invalid)."""
    raw, model = validate_file(catalogue)
    from ketacli.feed.repo import publish

    days = {**EXPIRY_DEFAULTS, "timestamp": timestamp, "snapshot": snapshot, "targets": targets}
    version = publish(_publisher(folder, keys, None, days), raw)
    emit(f"published version {version} ({len(model.providers)} providers)\n")
    note(f"serve {folder / 'public'} (never the keys)")


@feed_app.command("refresh")
def feed_refresh(
    folder: FeedFolder,
    keys: KeysOption = None,
    root_keys: RootKeysOption = None,
    timestamp: TimestampDays = EXPIRY_DEFAULTS["timestamp"],
    snapshot: SnapshotDays = EXPIRY_DEFAULTS["snapshot"],
    targets: TargetsDays = EXPIRY_DEFAULTS["targets"],
    root: RootDays = EXPIRY_DEFAULTS["root"],
) -> None:
    """Renew what is about to expire: the timestamp always, the snapshot and targets within a third of their
    period, the root within 60 days if its key is at hand (else a warning). Run it daily from a scheduled job."""
    from ketacli.feed.repo import refresh

    days = {"timestamp": timestamp, "snapshot": snapshot, "targets": targets, "root": root}
    result = refresh(_publisher(folder, keys, root_keys, days))
    emit(
        "".join(
            f"{role} version {version}, valid until {expires.date()}\n" for role, version, expires in result.renewed
        )
    )
    if result.root_warning:
        note(f"warning: {result.root_warning}")


@feed_app.command("rotate-key")
def feed_rotate_key(
    role: Annotated[str, typer.Argument(help="root, targets, snapshot or timestamp.")],
    folder: FeedFolder,
    keys: KeysOption = None,
    root_keys: RootKeysOption = None,
) -> None:
    """Replace one role's key. The new key is saved before anything is published, and a rerun after a crash
    finishes the same rotation. The root signs the change (and a new root key signs too)."""
    from ketacli.feed.paths import ROLES

    if role not in ROLES:
        raise UsageError(f"role {role!r}: use one of {', '.join(ROLES)}")
    from ketacli.feed.repo import rotate_key

    fingerprint = rotate_key(_publisher(folder, keys, root_keys, dict(EXPIRY_DEFAULTS)), role)
    emit(f"new {role} key fingerprint: {fingerprint}\n")
    if role == "root":
        note("publish the new root fingerprint out of band too; clients that trust the old root follow the rotation")


@feed_app.command("status")
def feed_status(folder: FeedFolder, keys: KeysOption = None, as_json: JsonOption = False) -> None:
    """Each role's version, expiry, days left and key fingerprint, and what to run next."""
    from ketacli.feed.paths import open_layout
    from ketacli.feed.repo import status

    rows, steps = status(open_layout(folder, keys), _now())

    def data() -> dict[str, Any]:
        roles = [{"role": r.role, "version": r.version, "expires": r.expires.isoformat(), "days_left": r.days_left,
                  "fingerprints": r.fingerprints, "key_file": str(r.key_file), "key_present": r.key_present}
                 for r in rows]  # fmt: skip
        return {"feed": str(folder), "roles": roles, "next": steps}

    def people() -> None:
        lines = []
        for r in rows:
            left = f"in {r.days_left} days" if r.days_left >= 0 else f"expired {-r.days_left} days ago"
            lines.append(f"{r.role}: version {r.version}, expires {r.expires.date()} ({left})")
            held = "" if r.key_present else f" (not in {r.key_file.parent})"
            lines += [f"  key {fp}{held}" for fp in r.fingerprints]
        emit_wrapped("\n".join(lines + [f"next: {step}" for step in steps]) + "\n")

    present(as_json, data=data, people=people)


@feed_app.command("add")
def feed_add(
    name: Annotated[str, typer.Argument(help="A short name for the feed (lowercase, digits, hyphens).")],
    url: Annotated[str, typer.Argument(help="The feed's address (the folder `feed publish` wrote, served).")],
    root_name: Annotated[str, typer.Option("--root", help="The feed's root.json, obtained out of band.")],
    fingerprints: Annotated[
        list[str] | None,
        typer.Option(
            "--fingerprint",
            help="A root key fingerprint the publisher gave you out of band; once per key. Required unless typed "
            "at the prompt.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Trust a feed explicitly: only when the root's signing keys are exactly the fingerprints you confirm
    (computed from the keys), one key a line."""
    from ketacli.feed.registry import MAX_ROOT_BYTES, check_name, check_url
    from ketacli.fileio import ReadRefused, read_limited

    check_name(name)
    address = check_url(url)
    root_file = file_path(root_name, "--root")
    assert root_file is not None
    try:
        root_bytes = read_limited(root_file, MAX_ROOT_BYTES)
    except (OSError, ReadRefused) as exc:
        raise FeedError(f"--root {root_file}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    from ketacli.feed.client import add_feed, root_keys

    where = f"--root {root_file}"
    keys = root_keys(root_bytes, where, _now())
    confirmed = list(fingerprints or [])
    if not confirmed:
        if not _typing_possible():
            raise UsageError(
                f"{where}: {keys.summary()}: give --fingerprint once for each, as the publisher published it out "
                "of band (or run `feed add` at a terminal to type them)"
            )
        confirmed = _typed_fingerprints(keys)
        if not confirmed:
            raise UsageError("no fingerprint typed; nothing is trusted")
    keys = add_feed(config_dir(), name, address, root_bytes, where, _now(), confirmed)
    emit("\n".join(keys.lines()) + "\n")
    if address.startswith("http://"):
        note("warning: a plain http:// address: TUF guards what you get, not who sees what you fetch; prefer https")
    note(f"trusting feed {name} at {address}: its root keys are the ones you confirmed; then `ketacli update {name}`")


def _typed_fingerprints(keys: RootKeys) -> list[str]:
    """At a terminal: the person types (or pastes) the publisher's fingerprints; shown nothing to copy from."""
    stream = current().input
    count = len(keys.fingerprints)
    note(f"this root has {count} root key{'s' if count != 1 else ''} ({keys.summary()})")
    note("type or paste each root key fingerprint the publisher published, one a line; an empty line ends")
    typed: list[str] = []
    while True:
        line = stream.readline() if stream is not None else ""
        if not line.strip():
            return typed
        typed.append(line)


@feed_app.command("list")
def feed_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The feeds you trust, and which one the active catalogue came from."""
    from ketacli.feed.registry import list_feeds

    choice = catalogue_choice(ctx.obj)
    rows = [
        {**feed.to_json(), "active": choice.feed is not None and choice.feed.feed == feed.name}
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
    from ketacli.feed.registry import find_feed

    feed = find_feed(config_dir(), name)
    from ketacli.feed.client import remove_feed

    was_active = remove_feed(config_dir(), data_dir(), feed)
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
    from ketacli.feed.registry import find_feed

    timeout = _timeout()  # a bad setting is a usage error before anything else
    feed = find_feed(config_dir(), name)  # before TUF is imported: with no feed, nothing heavy is loaded
    from ketacli.feed.client import fetch, install, record_check, update_lock

    waiting = f"waiting for another `ketacli update` to finish (lock {data_dir() / 'update.lock'})"
    with update_lock(data_dir(), on_wait=lambda: note(waiting)):
        before = catalogue_choice(ctx.obj)
        fetched = fetch(data_dir(), feed, max_bytes=size_limit(DEFAULT_MAX_BYTES), timeout=timeout, download=not check)
        for host in sorted(fetched.redirected_to):
            note(f"feed {feed.name}: the server redirected to another host, {host}")
        if fetched.rotated is not None:  # signed by the keys trusted before: say who can sign it now
            note(f"feed {feed.name}: the publisher changed the root keys (root version {fetched.rotated.version}); "
                 "compare these with the fingerprints it published:")  # fmt: skip
            for line in fetched.rotated.lines():
                note(f"  {line}")
        installed = installed_feed(ctx.obj)
        intact = installed is not None and installed.intact()  # still the bytes that were verified
        current = installed if installed is not None and installed.feed == feed.name else None
        newer = current is None or fetched.version > current.version
        # The same version, and the installed file still has its verified bytes (else it is installed again).
        same = current is not None and current.sha256 == fetched.sha256 and intact
        if current is not None and fetched.version < current.version:
            # TUF refuses a rollback from the metadata it keeps; a lost metadata cache starts again from the
            # pinned root, and then the version installed is what holds.
            raise FeedError(f"feed {feed.name}: refused a rollback to version {fetched.version}: version "
                            f"{current.version} is installed; the active catalogue is unchanged")  # fmt: skip
        if same:
            record_check(data_dir(), fetched, _now())  # a good check renews "still vouched for"
        if check:
            result = {"feed": feed.name, "available": fetched.version, "installed": current and current.version,
                      "newer": newer}  # fmt: skip
            words = f"feed {feed.name}: version {fetched.version} " + ("is newer\n" if newer else "is installed\n")
            present(as_json, data=lambda: result, people=lambda: emit(words))
            return
        if not newer and same:
            unchanged = {"feed": feed.name, "version": fetched.version, "installed": False, "changes_for_you": [],
                         "other_changes": 0}  # fmt: skip
            said = f"feed {feed.name}: version {fetched.version} is already active; nothing changed"
            present(as_json, data=lambda: unchanged, people=lambda: note(said))
            _say_override(before)
            return
        assert fetched.path is not None
        try:  # validated (and cached) once; the installed copy has the same bytes, so it loads from the cache
            new = _load(fetched.path)
        except CatalogueError as exc:
            raise FeedError(f"feed {feed.name}: refused a signed but invalid catalogue: {exc}; the active "
                            "catalogue is unchanged") from None  # fmt: skip
        # What was in use, overrides aside; a file changed since it was verified is neither compared nor kept.
        previous = installed.catalogue if installed is not None and intact else None
        try:
            old = _load(previous)
        except CatalogueError:  # e.g. a catalogue this version no longer accepts: compare with the built-in
            previous, old = None, _load(None)
        state = install(data_dir(), fetched, _now(), keep=previous)
        _report_changes(old, new, state, previous, as_json)
    _say_override(before)


def _say_override(before: Any) -> None:
    if before.feed is None and before.path is not None:
        note(f"{before.why} is set, so commands use {before.path}, not the feed's catalogue, until it is unset")


def _timeout() -> int:
    value = getenv("KETACLI_FEED_TIMEOUT")
    if not value:
        return FEED_TIMEOUT_SECONDS
    # At most a day: the timer cannot hold more than a few hundred million seconds, and an update that may take
    # longer than a day holds the update lock for as long.
    if not value.isdigit() or len(value) > 6 or not 1 <= int(value) <= 86_400:
        raise UsageError(
            f"KETACLI_FEED_TIMEOUT must be a whole number of seconds from 1 to 86400 (the most a whole update may "
            f"take), not {value[:40]!r}"
        )
    return int(value)


def _load(path: Path | None) -> LoadedCatalogue:
    from ketacli.catalogue import load_catalogue

    return load_catalogue(path, cache_dir=cache_folder(), max_bytes=size_limit(DEFAULT_MAX_BYTES))


def _report_changes(
    old: LoadedCatalogue, new: LoadedCatalogue, state: ActiveFeed, previous: Path | None, as_json: bool
) -> None:
    """What changed that matters to the saved profile (all of it: the question `compare` would ask with no
    flags), then a count of everything else; recorded for `ketacli changes`."""
    from ketacli.feed.active import Installed, record_install
    from ketacli.feed.changes import changes_for_profile
    from ketacli.render.changes import change_json, change_words

    from .options import build_criteria

    mine, others = changes_for_profile(old, new, build_criteria(no_profile=False))
    words = [change_words(change) for change in mine]
    entry = Installed(state.verified, state.feed, state.version, state.signed,
                      "built-in" if previous is None else previous.name, words, others)  # fmt: skip
    try:
        record_install(data_dir(), entry)
    except OSError as exc:  # the catalogue is installed; only its history line is lost
        note(f"warning: could not record this install for `ketacli changes`: {exc.strerror or exc}")

    def people() -> None:
        note(f"installed version {state.version} from feed {state.feed}")
        emit("What changed for you:\n" + "".join(f"- {w}\n" for w in words) if words
             else "Nothing that your profile asks about changed.\n")  # fmt: skip
        if others:
            note(
                f"{others} other change{'s' if others != 1 else ''}: `ketacli catalog diff --previous` shows every one"
            )

    data = {"feed": state.feed, "version": state.version, "installed": True,
            "changes_for_you": [change_json(change) for change in mine], "other_changes": others}  # fmt: skip
    present(as_json, data=lambda: data, people=people)


@changes_app.command("changes")
def changes_cmd(as_json: JsonOption = False) -> None:
    """Each catalogue `update` installed: when, which feed and version, and what changed for you (offline)."""
    from ketacli.feed.active import DamagedState, read_history

    try:
        history = read_history(data_dir())
    except DamagedState as exc:
        raise FeedError(f"{exc}; the next `ketacli update` starts it afresh") from None

    def people() -> None:
        if not history:
            note("no update has installed a catalogue yet; `ketacli update` does")
            return
        lines = []
        for item in reversed(history):
            lines.append(f"{item.installed[:16].replace('T', ' ')}  feed {item.feed}, version {item.version} "
                         f"(signed {item.signed[:10]})\n")  # fmt: skip
            lines += [f"  - {words}\n" for words in item.changes_for_you] or ["  nothing your profile asked about\n"]
            if item.other_changes:
                lines.append(f"  {item.other_changes} other change{'s' if item.other_changes != 1 else ''}\n")
        emit("".join(lines))

    present(as_json, data=lambda: [item._asdict() for item in reversed(history)], people=people)
