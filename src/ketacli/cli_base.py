"""Shared pieces of the command line: the typer apps, terminal and stream handling, options, output.

With cli.py (the core commands and the entry point), cli_places.py (states, map, insurance,
alternatives, safety) and cli_profile.py, the only modules that touch streams, exit codes and the
environment.

Start-up matters (scripts call `ketacli compare --json` in loops), so only typer and the standard library
are imported at module level; the catalogue schema, TOML, rich and csv load inside the commands that
need them (ruff TID253 enforces this; tests/test_subprocess.py checks it).
"""

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, NamedTuple, NoReturn

import typer

from . import __version__
from .errors import KetaError, ProfileError, UsageError
from .states import STATE_NAMES, resolve_state, suggest_states
from .textsafe import printable

if TYPE_CHECKING:
    import datetime as dt

    from rich.console import Console

    from .catalogue import LoadedCatalogue
    from .query import Result

FormatName = Literal["table", "json", "csv", "markdown"]

app = typer.Typer(
    name="ketacli",
    help="Compare US at-home ketamine therapy providers: availability, real costs, insurance, safety. "
    "Informational, not medical advice.",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
catalog_app = typer.Typer(
    help="Validate, describe and export catalogue files.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(catalog_app, name="catalog")
profile_app = typer.Typer(
    help="Save defaults for compare and cost (state, carrier, doses, budget, ...).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(profile_app, name="profile")


# --------------------------------------------------------------------------------------------------- terminal


class Terminal(NamedTuple):
    """Width, colour and TTY, decided once from the environment (injectable in tests)."""

    is_tty: bool
    width: int | None  # None: not a terminal and no COLUMNS, so never cut the output
    color: bool

    @classmethod
    def detect(cls, stream: Any = None) -> "Terminal":
        stream = stream or sys.stdout
        is_tty = bool(getattr(stream, "isatty", lambda: False)())
        columns = os.environ.get("COLUMNS", "")
        width: int | None = int(columns) if columns.isdigit() and int(columns) > 0 else None
        if width is None and is_tty:
            import shutil

            width = shutil.get_terminal_size().columns
        no_color = bool(os.environ.get("NO_COLOR"))
        force = bool(os.environ.get("FORCE_COLOR"))
        return cls(is_tty=is_tty, width=width, color=(is_tty or force) and not no_color)


def data_console(terminal: Terminal) -> "Console":
    """A console for catalogue data: no markup, no emoji codes, no highlighting."""
    from rich.console import Console

    console = Console(
        file=sys.stdout,
        width=terminal.width or 10_000,
        no_color=not terminal.color,
        color_system="auto" if terminal.color else None,
        force_terminal=terminal.color,
        markup=False,
        emoji=False,
        highlight=False,
        soft_wrap=False,
    )
    console.on_broken_pipe = _pipe_closed  # type: ignore[method-assign]  # rich's own handler exits 1
    return console


class PipeClosed(Exception):
    """stdout's reader went away. Not an OSError, so typer's own EPIPE handling (exit 1) stays out of it."""


class OutputFailed(KetaError):
    """Writing to stdout failed (a full disk, an I/O error): exit 1 with one line, never a traceback."""

    def __init__(self, exc: OSError) -> None:
        super().__init__(f"cannot write output: {exc.strerror or exc}")


def _pipe_closed() -> NoReturn:
    raise PipeClosed


def _write(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        raise PipeClosed from None
    except OSError as exc:
        raise OutputFailed(exc) from None


def emit(text: str) -> None:
    """Write text to stdout and flush now, inside the command, so a closed pipe or a full disk is handled
    here. Control characters are escaped whatever the source of the text (defence in depth)."""
    _write(printable(text))


def stdout_is_unicode() -> bool:
    return (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "").startswith("utf")


def emit_json(data: Any) -> None:
    """JSON on stdout: indented on a terminal, one compact line when piped (both parse the same); all
    non-ASCII escaped when stdout cannot encode it (PYTHONIOENCODING=ascii), so it stays valid JSON."""
    from .render.jsonfmt import to_json

    _write(to_json(data, pretty=Terminal.detect().is_tty, ascii_only=not stdout_is_unicode()))


def print_rich(console: "Console", renderable: Any, *, soft_wrap: bool = False) -> None:
    """console.print of one renderable, with emit()'s handling of closed pipes, failed writes and control
    characters (escaped in every text segment rich renders, whatever their source)."""
    from .render.safe import Sanitized

    try:
        console.print(Sanitized(renderable), soft_wrap=soft_wrap)
        sys.stdout.flush()
    except BrokenPipeError:
        raise PipeClosed from None
    except OSError as exc:
        raise OutputFailed(exc) from None


def print_sections(sections: list[tuple[str, list[str]]], bullet: str = "") -> None:
    """Titled sections of text for people (`show`, `alternatives`, `safety`): bold titles, indented lines."""
    import textwrap

    from rich.text import Text

    terminal = Terminal.detect()

    def wrap(line: str) -> str:
        if terminal.width is None:  # piped: one line per entry, never cut
            return line
        indent = " " * (len(line) - len(line.lstrip()))
        hanging = indent + " " * (len(bullet) or 2)
        return textwrap.fill(
            line, terminal.width, subsequent_indent=hanging, break_long_words=False, break_on_hyphens=False
        )

    view: list[Text] = []
    for index, (title, lines) in enumerate(sections):
        if index:
            view.append(Text(""))
        view.append(Text(wrap(title), style="bold"))
        view.extend(Text(wrap(f"  {bullet}{line}")) for line in lines)
    print_rich(data_console(terminal), Text("\n").join(view), soft_wrap=True)  # wrapped above; URLs stay whole


def note(message: str) -> None:
    """A line for people on stderr (never parsed as markup)."""
    sys.stderr.write(f"ketacli: {printable(message)}\n")


# --------------------------------------------------------------------------------------------------- shared state


class Settings:
    """What the global options chose for this run."""

    catalog: Path | None = None
    debug: bool = False


_settings = Settings()


def load() -> "LoadedCatalogue":
    """The catalogue chosen by --catalog / KETACLI_CATALOG, or the built-in one, through the cache."""
    from .catalogue import DEFAULT_MAX_BYTES, load_catalogue

    loaded = load_catalogue(_settings.catalog, cache_dir=_cache_dir(), max_bytes=_max_bytes(DEFAULT_MAX_BYTES))
    _check_fixed_date(loaded)
    return loaded


def _check_fixed_date(loaded: "LoadedCatalogue") -> None:
    """KETACLI_TODAY before the data's own date would make every age negative: refuse it before any output."""
    if not os.environ.get("KETACLI_TODAY"):
        return
    fixed = today().isoformat()
    newest = max((entry["as_of"] for entry in loaded.providers + loaded.alternatives), default=fixed)
    if fixed < newest:
        raise UsageError(f"KETACLI_TODAY={fixed} is before the data's as_of date {newest}; use a later date")


def _cache_dir() -> Path | None:
    if os.environ.get("KETACLI_NO_CACHE"):
        return None
    if os.environ.get("KETACLI_CACHE_DIR"):
        return Path(os.environ["KETACLI_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ketacli"


def _max_bytes(default: int) -> int:
    value = os.environ.get("KETACLI_MAX_CATALOG_BYTES", "")
    if not value:
        return default
    if not value.isdigit():
        raise UsageError(f"KETACLI_MAX_CATALOG_BYTES must be a whole number of bytes, not {value!r}")
    return int(value)


def _version(value: bool) -> None:
    if value:
        emit(f"ketacli {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    catalog: Annotated[
        Path | None,
        typer.Option(
            "--catalog",
            envvar="KETACLI_CATALOG",
            help="Catalogue file to use instead of the built-in one.",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show a traceback on errors (also KETACLI_DEBUG=1).")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Compare US at-home ketamine therapy providers. Informational, not medical advice."""
    today()  # a bad KETACLI_TODAY is a usage error before anything is printed
    _settings.catalog = catalog
    _settings.debug = debug or _settings.debug


# --------------------------------------------------------------------------------------------------- option helpers


def _as_typed(incomplete: str, candidate: str) -> str:
    """A completion in the case the person typed: typer keeps only candidates starting with exactly that,
    and ketacli reads states, providers and carriers in any case ('t' → 'tx', 'I' → 'Innerwell')."""
    if incomplete.islower():
        return candidate.lower()
    return incomplete + candidate[len(incomplete) :]


def _shell_word(text: str) -> str:
    """bash inserts a completion as typed text: escape spaces and the like so a carrier stays one argument.
    zsh's compadd and fish quote completions themselves."""
    if not os.environ.get("_KETACLI_COMPLETE", "").endswith("bash"):
        return text
    return re.sub(r"([\s()'\"&;|<>$`\\!*?\[\]{}#~])", r"\\\1", text)


def _completions(incomplete: str, candidates: list[str]) -> list[str]:
    return [_shell_word(_as_typed(incomplete, c)) for c in candidates if c.lower().startswith(incomplete.lower())]


def _complete_state(incomplete: str) -> list[str]:
    return _completions(incomplete, list(STATE_NAMES))


def _complete_provider(incomplete: str) -> list[str]:
    try:
        return _completions(incomplete, [p["id"] for p in load().providers])
    except KetaError:
        return []


def _complete_carrier(incomplete: str) -> list[str]:
    from .query import all_carriers

    try:
        return _completions(incomplete, all_carriers(load()))
    except KetaError:
        return []


def parse_state(value: str | None) -> str | None:
    if value is None:
        return None
    code = resolve_state(value)
    if code is None:
        hint = suggest_states(value)
        raise UsageError(
            f"unknown state {value!r}"
            + (
                f"; did you mean {', '.join(hint)}?"
                if hint
                else "; use a two-letter code like TX or a name like 'New York'"
            )
        )
    return code


def parse_usd(value: float | None, flag: str) -> int | None:
    """Dollars from a flag (or the profile) to cents; not a number, infinite or negative is a usage error."""
    if value is None:
        return None
    import math
    from decimal import Decimal

    if not math.isfinite(value):  # float("nan"), float("inf"), and "1e309", which overflows to inf
        raise UsageError(f"{flag} must be a finite amount of US dollars (got {value})")
    amount = Decimal(str(value))
    if amount < 0:
        raise UsageError(f"{flag} must not be negative (got {value})")
    return int((amount * 100).to_integral_value())


def output_format(fmt: FormatName | None, as_json: bool) -> FormatName:
    if as_json:
        return "json"
    if fmt is not None:
        return fmt
    env = os.environ.get("KETACLI_FORMAT", "").strip().lower()
    if env:
        if env not in ("table", "json", "csv", "markdown"):
            raise UsageError(f"KETACLI_FORMAT must be one of table, json, csv, markdown (got {env!r})")
        return env  # type: ignore[return-value]
    return "table"


FormatOption = Annotated[
    FormatName | None,
    typer.Option("--format", "-f", help="Output format (default: table, or KETACLI_FORMAT).", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Shortcut for --format json.")]
StateOption = Annotated[
    str | None,
    typer.Option(
        "--state",
        "-s",
        help="Two-letter code or name, any case (TX, texas, 'new york').",
        autocompletion=_complete_state,
        show_default=False,
    ),
]
InsuranceOption = Annotated[
    str | None,
    typer.Option(
        "--insurance",
        "-i",
        help="Insurance carrier (forgiving: 'aetna', 'uhc', 'bcbs'); needs --state.",
        autocompletion=_complete_carrier,
        show_default=False,
    ),
]
ReturningOption = Annotated[
    bool | None,
    typer.Option(
        "--returning/--new-client",
        help="You completed a program before: returning-client prices apply.",
        show_default=False,
    ),
]
PayInFullOption = Annotated[
    bool | None,
    typer.Option("--pay-in-full/--list-price", help="Pay up front where that saves money.", show_default=False),
]
DoseLevelOption = Annotated[
    Literal["standard", "very-low"] | None,
    typer.Option("--dose-level", help="Keep only standard or very-low-dose providers.", show_default=False),
]
DosesOption = Annotated[int | None, typer.Option("--doses", "-n", help="How many doses (1-1000).", show_default=False)]
BudgetOption = Annotated[
    float | None, typer.Option("--budget", help="Most you will pay in total, USD.", show_default=False)
]
MonthlyBudgetOption = Annotated[
    float | None, typer.Option("--monthly-budget", help="Most you can pay per month, USD.", show_default=False)
]
ConfirmedOnlyOption = Annotated[
    bool, typer.Option("--confirmed-only", help="Drop providers whose availability in --state is unknown.")
]
InNetworkOnlyOption = Annotated[
    bool,
    typer.Option("--in-network-only", help="With --insurance: keep only providers that take your carrier there."),
]
ShowExcludedOption = Annotated[
    bool, typer.Option("--show-excluded", "--explain", help="List providers left out, with the reasons.")
]


def _dose_level(value: str | None) -> Literal["standard", "very_low"] | None:
    return None if value is None else "very_low" if value == "very-low" else "standard"


def _check_doses(doses: int | None) -> None:
    from .pricing import MAX_DOSES

    if doses is not None and not 1 <= doses <= MAX_DOSES:
        raise UsageError(f"--doses must be between 1 and {MAX_DOSES} (got {doses})")


# --------------------------------------------------------------------------------------------------- output


def render_rows(
    rows: list[dict[str, Any]],
    columns: list[Any],
    fmt: FormatName,
    *,
    fields: list[str] | None = None,
    csv_fields: list[str] | None = None,
    json_extra: list[dict[str, Any]] | None = None,
    title: str | None = None,
    section_of: Any = None,
) -> None:
    """One place mapping a format to its renderer (tables for people, the rest for scripts).

    `fields` limits the keys of JSON and CSV; CSV otherwise has `csv_fields` (default: the table's
    columns); `json_extra` rows (excluded providers) follow in JSON. `title` and `section_of` (a row's
    section heading) shape the table and Markdown views only.
    """
    from .query import strip_private

    if fmt == "json":
        emit_json([_pick(strip_private(r), fields) for r in rows] + (json_extra or []))
    elif fmt == "csv":
        from .render.csvfmt import to_csv

        emit(to_csv(rows, fields or csv_fields or [c.key for c in columns]))
    elif fmt == "markdown":
        from .render.markdown import to_markdown

        emit(to_markdown(rows, columns, title=title, section_of=section_of))
    elif fmt == "table":
        if not rows:
            return
        from .render.table import render_table

        console = data_console(Terminal.detect())
        print_rich(console, render_table(rows, columns, console.width, title=title, section_of=section_of))
    else:  # pragma: no cover - typer restricts the choice
        _never(fmt)


def _never(value: NoReturn) -> NoReturn:
    raise AssertionError(f"unhandled format {value!r}")


def _pick(row: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    return row if fields is None else {f: row.get(f) for f in fields}


def parse_fields(value: str | None, valid: list[str]) -> list[str] | None:
    if value is None:
        return None
    fields = [f.strip() for f in value.split(",") if f.strip()]
    unknown = [f for f in fields if f not in valid]
    if unknown or not fields:
        raise UsageError(
            f"unknown field {', '.join(map(repr, unknown)) or '(none given)'}; valid fields: {', '.join(valid)}"
        )
    return fields


def report_excluded(result: "Result", fmt: FormatName, show: bool) -> list[dict[str, Any]]:
    """Providers the filters left out: with --explain, their reasons (JSON rows, or stderr lines under a
    table); without it, only a count on stderr. Returns the JSON rows to append."""
    if not result.excluded:
        return []
    if not show:
        count = len(result.excluded)
        note(f"{count} provider{'s' if count != 1 else ''} left out by the filters (--explain says why)")
        return []
    if fmt == "json":
        return [
            {"id": e.provider["id"], "name": e.provider["name"], "excluded": True, "reasons": e.reasons}
            for e in result.excluded
        ]
    for entry in result.excluded:
        note(f"left out {entry.provider['name']}: {'; '.join(entry.reasons)}")
    return []


def show_ranking(
    result: "Result",
    criteria: Any,
    columns: list[Any],
    fmt: FormatName,
    show_excluded: bool,
    *,
    fields: list[str] | None = None,
    csv_fields: list[str] | None = None,
) -> None:
    """A ranking from `compare` or `cost`: notices and exclusions on stderr, rows in the chosen format."""
    from .render.reports import dose_group, ranking_title

    for notice in result.notices:
        note(notice)
    excluded = report_excluded(result, fmt, show_excluded)
    render_rows(
        result.rows, columns, fmt, fields=fields, csv_fields=csv_fields, json_extra=excluded,
        title=ranking_title(criteria, result.insurance.shown if result.insurance else None), section_of=dose_group,
    )  # fmt: skip
    if criteria.state and any(r["availability"] == "unknown" for r in result.rows):
        note(
            f"'unconfirmed' means the sources do not say whether the provider serves {criteria.state}: "
            "check with the provider"
        )


def prices_as_of(rows: list[dict[str, Any]], providers: list[dict[str, Any]], max_age: int) -> None:
    """One stderr line on the data's age: a warning when older than max_age, else its date."""
    from .freshness import stale_warning

    shown = {r["id"] for r in rows}
    warning = stale_warning([p for p in providers if p["id"] in shown], today(), max_age)
    if warning:
        note(warning)
        return
    dates = sorted({r["as_of"] for r in rows})
    if dates:
        note(
            f"prices as of {dates[0]}"
            + (f" to {dates[-1]}" if len(dates) > 1 else "")
            + "; check the provider for today's prices"
        )


# --------------------------------------------------------------------------------------------------- profile, clock


MaxAgeOption = Annotated[
    int,
    typer.Option("--max-age", min=0, help="Warn when the data is older than this many days (0: never)."),
]
NoProfileOption = Annotated[bool, typer.Option("--no-profile", help="Ignore the saved profile.")]


def config_dir() -> Path:
    if os.environ.get("KETACLI_CONFIG_DIR"):
        return Path(os.environ["KETACLI_CONFIG_DIR"])
    return Path(typer.get_app_dir("ketacli"))


def profile_path() -> Path:
    from .profile import PROFILE_FILE

    return config_dir() / PROFILE_FILE


def read_profile() -> dict[str, Any]:
    """The saved profile, or {} when there is none; a broken one is an error naming file and key."""
    from .fileio import ReadRefused, read_limited
    from .profile import MAX_PROFILE_BYTES, parse_profile

    path = profile_path()
    try:
        raw = read_limited(path, MAX_PROFILE_BYTES)
    except FileNotFoundError:
        return {}
    except ReadRefused as exc:
        raise ProfileError(f"{path}: {exc}; fix the file or run `ketacli profile clear`") from None
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read profile: {exc.strerror or exc}") from None

    return parse_profile(raw, str(path))


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


def today() -> "dt.date":
    """Today's date from the clock, or KETACLI_TODAY (YYYY-MM-DD) for reproducible runs and tests."""
    import datetime as dt

    fixed = os.environ.get("KETACLI_TODAY")
    if fixed:
        try:
            return dt.date.fromisoformat(fixed)
        except ValueError:
            raise UsageError(f"KETACLI_TODAY must be a date like 2025-06-13, not {fixed!r}") from None
    return dt.date.today()


def warn_if_stale(entries: list[dict[str, Any]], max_age: int) -> None:
    from .freshness import stale_warning

    warning = stale_warning(entries, today(), max_age)
    if warning:
        note(warning)
