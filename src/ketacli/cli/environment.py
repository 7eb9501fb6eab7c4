"""What the environment and the global options choose: the catalogue in use (and its cache), the profile.

Reads environment variables and files; never writes to a stream except through `output`.
"""

import errno
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

import typer

from ketacli.catalogue import DEFAULT_MAX_BYTES, load_catalogue, load_query
from ketacli.errors import CatalogueError, CatalogueMissing, NoHome, ProfileError, UsageError
from ketacli.fileio import ReadRefused, not_ours_alone, read_limited

from .clock import today
from .output import note, stderr_line
from .runenv import getenv

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ketacli.catalogue import LoadedCatalogue, LoadedQuery
    from ketacli.document import Dated
    from ketacli.feed.active import ActiveFeed
    from ketacli.models import Catalogue


class RunContext:
    """One run's choices and what it learned on the way: made once by `cli.run`, handed to typer as the
    context object, and passed down to every command as `ctx.obj` (as httpie passes its Environment).
    A run's choices live here, not in module-level state; the one exception is whether stdout has been
    written to (`output._Stdout`), which `cli.run` resets at the start of every run."""

    def __init__(self, *, debug: bool = False, catalog: Path | None = None) -> None:
        self.catalog = catalog  # --catalog or KETACLI_CATALOG (the root callback sets it)
        self.debug = debug
        self.warned_unvouched = False  # the feed-expiry line is said once per run
        self.warned_damaged_state = False  # and so is a damaged feed state
        self.warned_no_home = False  # and that there is no home folder
        # The cache files this run read its catalogue from, each with that catalogue (None: the built-in one):
        # cli.run checks them against the catalogue before it blames them for an error.
        self.cache_entries: list[tuple[Path, Path | None]] = []

    @classmethod
    def from_environment(cls) -> "RunContext":
        """For shell completion, which runs before any option is parsed: the environment's catalogue."""
        value = getenv("KETACLI_CATALOG")
        return cls(catalog=Path(value) if value else None)


class CatalogueChoice(NamedTuple):
    path: Path | None  # None: the built-in catalogue
    why: str  # "--catalog", "KETACLI_CATALOG", "feed NAME" or "built-in"
    feed: "ActiveFeed | None"


def catalogue_choice(run: RunContext) -> CatalogueChoice:
    """Which catalogue this run uses: --catalog > KETACLI_CATALOG > the last verified feed catalogue >
    the built-in one."""
    if run.catalog is not None:
        from_env = getenv("KETACLI_CATALOG") == str(run.catalog)
        return CatalogueChoice(run.catalog, "KETACLI_CATALOG" if from_env else "--catalog", None)
    active = installed_feed(run)
    if active is not None:
        return CatalogueChoice(active.catalogue, f"feed {active.feed}", active)
    return CatalogueChoice(None, "built-in", None)


def installed_feed(run: RunContext) -> "ActiveFeed | None":
    """The feed catalogue `update` installed, whether or not an override hides it; a damaged state file is
    said once per run and counts as none."""
    from ketacli.feed.active import DamagedState, read_active

    try:
        return read_active(data_dir())
    except NoHome:
        return None
    except DamagedState as exc:
        if not run.warned_damaged_state:
            run.warned_damaged_state = True
            note(f"warning: {exc}; using the built-in catalogue until `ketacli update` installs the feed's again")
        return None


def load(run: RunContext) -> "LoadedCatalogue":
    """The catalogue chosen by `catalogue_choice`, through the cache. A feed catalogue whose signed metadata
    has expired is still used, with one line saying since when it is no longer vouched for."""
    return load_with(run, load_catalogue)


def load_ranking(run: RunContext) -> "LoadedQuery":
    """`load`, but only what a ranking reads (`compare`, `cost`): the catalogue's query document."""
    return load_with(run, load_query)


class Loaded(Protocol):
    """What `load_with` reads of whatever its loader loads (a catalogue, or its query document)."""

    @property
    def cache_entry(self) -> Path | None: ...

    @property
    def providers(self) -> "Sequence[Dated]": ...

    @property
    def alternatives(self) -> "Sequence[Dated]": ...


L = TypeVar("L", bound=Loaded)


def load_with(run: RunContext, loader: "Callable[..., L]") -> L:
    """The catalogue in use (a feed's, falling back to the built-in one), read by `loader`; the cache entry it
    read is noted for healing, and KETACLI_TODAY is checked against its dates."""
    choice = catalogue_choice(run)
    cache_dir, max_bytes = cache_folder(), size_limit(DEFAULT_MAX_BYTES)
    _say_if_homeless(run)
    source = choice.path
    if choice.feed is not None:
        _warn_if_unvouched(run, choice.feed)
        try:
            loaded = loader(source, cache_dir=cache_dir, max_bytes=max_bytes)
        except CatalogueError as exc:  # e.g. a catalogue this version of ketacli no longer accepts
            note(f"the catalogue from feed {choice.feed.feed} cannot be used ({exc}); using the built-in one")
            source = None
            loaded = loader(source, cache_dir=cache_dir, max_bytes=max_bytes)
    else:
        loaded = loader(source, cache_dir=cache_dir, max_bytes=max_bytes)
    if loaded.cache_entry is not None:
        run.cache_entries.append((loaded.cache_entry, source))
    _check_fixed_date(loaded)
    return loaded


def _say_if_homeless(run: RunContext) -> None:
    """Once per run: with no home folder, ketacli still answers, without a saved profile, cache or feed."""
    if run.warned_no_home:
        return
    try:
        config_dir()
    except NoHome:
        run.warned_no_home = True
        note("no home folder (HOME is unset): running without a saved profile, cache or feed; set HOME or "
             "KETACLI_CONFIG_DIR to keep them")  # fmt: skip


def _warn_if_unvouched(run: RunContext, feed: "ActiveFeed") -> None:
    import datetime as dt

    if run.warned_unvouched or not feed.expired(dt.datetime.now(dt.UTC)):
        return
    run.warned_unvouched = True
    note(
        f"warning: the catalogue from feed {feed.feed} is no longer vouched for: its signed metadata expired on "
        f"{feed.expires[:10]}, and it was last verified on {feed.verified[:10]}; run `ketacli update {feed.feed}`"
    )


def data_dir() -> Path:
    """Where verified feed catalogues and feed metadata live: KETACLI_DATA_DIR, or $XDG_DATA_HOME/ketacli."""
    return _folder("KETACLI_DATA_DIR", "XDG_DATA_HOME", ".local/share", "feed catalogues")


def _check_fixed_date(loaded: Loaded) -> None:
    """KETACLI_TODAY before the data's own date would make every age negative: refuse it before any output."""
    if not getenv("KETACLI_TODAY"):
        return
    fixed = today().isoformat()
    dates = [entry["as_of"] for entry in loaded.providers] + [entry["as_of"] for entry in loaded.alternatives]
    newest = max(dates, default=fixed)
    if fixed < newest:
        raise UsageError(f"KETACLI_TODAY={fixed} is before the data's as_of date {newest}; use a later date")


def _folder(own: str, xdg: str, under_home: str, what: str) -> Path:
    """ketacli's own variable, else the XDG base directory's `ketacli` folder, else ~/`under_home`/ketacli.
    As the XDG Base Directory specification says, an empty or relative XDG value is ignored. NoHome when
    there is no home to fall back to."""
    if getenv(own):
        return Path(getenv(own))
    base = getenv(xdg)
    if os.path.isabs(base):
        return Path(base) / "ketacli"
    return _home(what, own) / under_home / "ketacli"


def _home(what: str, variable: str) -> Path:
    """The run's HOME, else the user's entry in the password database (as `Path.home()` does)."""
    home = Path(getenv("HOME")) if getenv("HOME") else None
    if home is None:
        try:
            import pwd

            home = Path(pwd.getpwuid(os.getuid()).pw_dir)
        except KeyError:  # HOME unset and no entry for this user in the password database
            raise NoHome(what, variable) from None
        except ImportError:  # no password database (Windows): the platform's own rule
            home = Path.home()
    if not home.is_absolute():
        raise NoHome(what, variable)
    return home


def cache_folder() -> Path | None:
    """The cache folder; None (no cache) with KETACLI_NO_CACHE, or with no home to keep one in."""
    if getenv("KETACLI_NO_CACHE"):
        return None
    try:
        return _folder("KETACLI_CACHE_DIR", "XDG_CACHE_HOME", ".cache", "a cache")
    except NoHome:
        return None


def size_limit(default: int) -> int:
    value = getenv("KETACLI_MAX_CATALOG_BYTES")
    if not value:
        return default
    if not value.isdigit() or len(value) > 18:  # past a billion gigabytes is a typo, and past 4,300 digits a crash
        raise UsageError(f"KETACLI_MAX_CATALOG_BYTES must be a whole number of bytes, not {value[:40]!r}")
    return int(value)


def config_dir() -> Path:
    """Where the profile and the trusted feeds are kept. NoHome when there is nowhere."""
    import sys

    if getenv("KETACLI_CONFIG_DIR") or sys.platform not in ("darwin", "win32"):
        return _folder("KETACLI_CONFIG_DIR", "XDG_CONFIG_HOME", ".config", "a profile or trusted feeds")
    found = Path(typer.get_app_dir("ketacli"))  # the platform's own place on macOS and Windows
    if not found.is_absolute():
        raise NoHome("a profile or trusted feeds", "KETACLI_CONFIG_DIR")
    return found


def profile_path() -> Path:
    from ketacli.profile import PROFILE_FILE

    return config_dir() / PROFILE_FILE


def read_profile() -> dict[str, Any]:
    """The saved profile, or {} when there is none; a broken one is an error naming file and key."""
    from ketacli.profile import MAX_PROFILE_BYTES, parse_profile

    try:
        path = profile_path()
    except NoHome:
        return {}  # nowhere to keep one: no profile (the run says so once, in `_load`)
    unsafe = _unsafe_place(path)
    if unsafe:
        note(f"warning: ignoring the profile {path}: {unsafe}; move it to a folder only you can write to")
        return {}
    try:
        raw = read_limited(path, MAX_PROFILE_BYTES)
    except (FileNotFoundError, NotADirectoryError):
        return {}  # none there, or a folder that cannot exist (below a regular file): no profile to read
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return {}
        raise ProfileError(f"{path}: cannot read profile: {exc.strerror or exc}") from None
    except ReadRefused as exc:
        raise ProfileError(f"{path}: {exc}; fix the file or run `ketacli profile clear`") from None
    return parse_profile(raw, str(path))


def _unsafe_place(path: Path) -> str | None:
    """Why a profile cannot be trusted (like the cache: another user could have written it), or None."""
    for place, what in ((path.parent, "its folder"), (path, "the file")):
        try:
            info = os.stat(place)
        except OSError:
            continue  # missing: nothing to trust or distrust yet
        if place is path and not stat.S_ISREG(info.st_mode):
            continue  # a device or FIFO: read_limited refuses it, with its own message
        reason = not_ours_alone(info)
        if reason == "another_owner":
            return f"{what} belongs to another user"
        if reason == "others_can_write":
            return f"other users can write to {what}"
    return None


def with_profile(flags: dict[str, Any], use_profile: bool) -> dict[str, Any]:
    """Fill the flags the user left unset (None) from the saved profile; an explicit flag always wins."""
    if not use_profile:
        return flags
    applied = {}
    for key, value in read_profile().items():
        if key in flags and flags[key] is None:
            flags[key] = applied[key] = value
    if applied:
        shown = ", ".join(f"{key}={value}" for key, value in applied.items())
        note(f"using profile values {shown} (--no-profile ignores them)")
    return flags


def validate_file(target: Path) -> "tuple[bytes, Catalogue]":
    """Read and validate a catalogue file as `catalog validate` does: every problem on its own stderr line,
    then one error saying how many. Returns the raw bytes and the model."""

    from ketacli.catalogue import parse_document, read_catalogue_bytes, validate_document
    from ketacli.errors import KetaError

    try:  # missing, unreadable or too large: said as such, never "invalid"
        raw = read_catalogue_bytes(target, size_limit(DEFAULT_MAX_BYTES))
    except CatalogueMissing:
        raise CatalogueError(f"{target}: no such file; check the path") from None
    try:
        return raw, validate_document(parse_document(raw, str(target)), str(target))
    except CatalogueError as exc:
        for problem in exc.problems or [str(exc)]:
            stderr_line(problem)
        count = len(exc.problems) or 1
        raise KetaError(f"{target}: invalid ({count} problem{'s' if count != 1 else ''})") from None
