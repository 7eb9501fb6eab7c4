"""Output for the command line: terminal detection, streams, formats, and the lines for people on stderr.

The one place that writes to stdout and stderr: closed pipes, failed writes and unencodable characters are
handled here; control characters are escaped whatever the source of a string.
"""

import os
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, NoReturn, assert_never, get_args

from ketacli.errors import KetaError, UsageError
from ketacli.fileio import write_output_file
from ketacli.freshness import stale_warning, undated_sources
from ketacli.textsafe import printable

from .clock import today

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rich.console import Console

    from ketacli.catalogue import LoadedQuery
    from ketacli.document import AlternativeDoc, Dated, Entry, RuleDoc
    from ketacli.query import Result


FormatName = Literal["table", "json", "csv", "markdown"]


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
            try:  # this stream's own terminal: stdout may be redirected while stderr is not
                width = os.get_terminal_size(stream.fileno()).columns
            except (AttributeError, ValueError, OSError):
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


class _Stdout:
    started = False  # whether this run has written anything to stdout yet


def output_started() -> bool:
    return _Stdout.started


def start_run() -> None:
    """Forget what an earlier run in this process printed (tests run many commands in one process)."""
    _Stdout.started = False


def _write(text: str) -> None:
    _Stdout.started = True
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


def write_output(text: str, output: str | None, *, what: str = "") -> None:
    """To stdout (no --output, or `-o -`), or to `output` (fileio.write_output_file: atomic for a regular
    file, in place for a device or FIFO); a failed write is one line, exit 1, with a note saying where."""
    if output is None or output == "-":
        emit(text)
        return
    if not output:
        raise UsageError("--output needs a file name (or - for stdout)")
    if output.endswith(os.sep):  # "reports/" names a folder, existing or not: never a file called "reports"
        raise KetaError(f"{output}: cannot write: Is a directory")
    try:
        write_output_file(Path(output), text)
    except OSError as exc:
        raise KetaError(f"{output}: cannot write: {exc.strerror or exc}") from None
    note(f"wrote {output}{f' ({what})' if what else ''}")


def stdout_is_unicode() -> bool:
    return (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "").startswith("utf")


def emit_json(data: Any) -> None:
    """JSON on stdout: indented on a terminal, one compact line when piped (both parse the same); all
    non-ASCII escaped when stdout cannot encode it (PYTHONIOENCODING=ascii), so it stays valid JSON."""
    from ketacli.render.jsonfmt import to_json

    _write(to_json(data, pretty=Terminal.detect().is_tty, ascii_only=not stdout_is_unicode()))


def print_rich(console: "Console", renderable: Any, *, soft_wrap: bool = False) -> None:
    """console.print of one renderable, with emit()'s handling of closed pipes, failed writes and control
    characters (escaped in every text segment rich renders, whatever their source)."""
    from ketacli.render.safe import Sanitized

    _Stdout.started = True
    try:
        console.print(Sanitized(renderable), soft_wrap=soft_wrap)
        sys.stdout.flush()
    except BrokenPipeError:
        raise PipeClosed from None
    except OSError as exc:
        raise OutputFailed(exc) from None


def wrap_line(line: str, width: int | None, *, hang: int = 2) -> str:
    """One line of text for people, wrapped to the terminal between words, continuation lines indented
    `hang` more than the line's own indent; unchanged when piped (width None), so it is never cut."""
    import textwrap

    if width is None:
        return line
    indent = " " * (len(line) - len(line.lstrip()))
    return textwrap.fill(
        line, width, subsequent_indent=indent + " " * hang, break_long_words=False, break_on_hyphens=False
    )


def emit_wrapped(text: str) -> None:
    """Plain lines (`insurance`) wrapped to the terminal as `compare` and `show` are."""
    width = Terminal.detect().width
    emit("".join(wrap_line(line, width) + "\n" for line in text.splitlines()))


def print_sections(sections: list[tuple[str, list[str]]], bullet: str = "") -> None:
    """Titled sections of text for people (`show`, `alternatives`, `safety`): bold titles, indented lines."""
    from rich.text import Text

    terminal = Terminal.detect()

    def wrap(line: str) -> str:
        return wrap_line(line, terminal.width, hang=len(bullet) or 2)

    view: list[Text] = []
    for index, (title, lines) in enumerate(sections):
        if index:
            view.append(Text(""))
        view.append(Text(wrap(title), style="bold"))
        view.extend(Text(wrap(f"  {bullet}{line}")) for line in lines)
    print_rich(data_console(terminal), Text("\n").join(view), soft_wrap=True)  # wrapped above; URLs stay whole


def stderr_line(text: str) -> None:
    """One line on stderr, as it is (control characters escaped): an error, or one problem of a list."""
    sys.stderr.write(f"{printable(text)}\n")


def note(message: str) -> None:
    """A line for people on stderr (never parsed as markup). On a terminal it is wrapped between words to the
    terminal's width, so a long warning is not cut mid-word; to a file or a pipe it stays one line, for grep."""
    text = f"ketacli: {printable(message)}"
    terminal = Terminal.detect(sys.stderr)
    if terminal.is_tty and terminal.width and len(text) > terminal.width:
        import textwrap

        text = textwrap.fill(
            text, terminal.width, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False
        )
    sys.stderr.write(text + "\n")


class View(Enum):
    """How a command that is not a ranking shows its answer: data for scripts, or text for people."""

    PEOPLE = "people"
    JSON = "json"


def present(as_json: bool, *, data: Callable[[], Any], people: Callable[[], None]) -> None:
    """The one place a command's `--json` is honoured: `data()` as JSON on stdout, or `people()` (which
    renders its own text). Each command gives both, so no command branches on the format itself."""
    view = View.JSON if as_json else View.PEOPLE
    match view:
        case View.JSON:
            emit_json(data())
        case View.PEOPLE:
            people()
        case _:  # pragma: no cover - every member is handled above
            assert_never(view)


def output_format(fmt: FormatName | None, as_json: bool) -> FormatName:
    if as_json:
        return "json"
    if fmt is not None:
        return fmt
    env = os.environ.get("KETACLI_FORMAT", "").strip().lower()
    if env:
        names: tuple[FormatName, ...] = get_args(FormatName)
        for name in names:
            if env == name:
                return name
        raise UsageError(f"KETACLI_FORMAT must be one of {', '.join(names)} (got {env!r})")
    return "table"


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
    if fmt == "json":
        emit_json([_pick(r, fields) for r in rows] + (json_extra or []))
    elif fmt == "csv":
        from ketacli.render.csvfmt import to_csv

        emit(to_csv(rows, fields or csv_fields or [c.key for c in columns]))
    elif fmt == "markdown":
        from ketacli.render.markdown import to_markdown

        emit(to_markdown(rows, columns, title=title, section_of=section_of))
    elif fmt == "table":
        if not rows:
            return
        from ketacli.render.table import render_table

        console = data_console(Terminal.detect())
        print_rich(console, render_table(rows, columns, console.width, title=title, section_of=section_of))
    else:  # pragma: no cover - typer restricts the choice
        assert_never(fmt)


def show_alternatives(
    alternatives: "list[AlternativeDoc]", state: str, confirmed: int, fmt: FormatName, *, after_rows: bool
) -> None:
    """The alternatives group, after a ranking in which fewer than two providers are confirmed in the state:
    under a table or Markdown for people; for JSON and CSV (whose rows are providers only) a stderr pointer."""
    if not alternatives:
        return
    if fmt == "json" or fmt == "csv":
        names = " and ".join(a["name"] for a in alternatives)
        note(f"fewer than two at-home providers are confirmed in {state}: `ketacli alternatives --json` gives {names}")
    elif fmt == "markdown":
        from ketacli.render.alternatives import alternatives_markdown

        emit("\n" * after_rows + alternatives_markdown(alternatives, state, confirmed))
    elif fmt == "table":
        from ketacli.render.alternatives import alternatives_text

        emit("\n" * after_rows + alternatives_text(alternatives, state, confirmed, Terminal.detect().width or 10_000))
    else:  # pragma: no cover - typer restricts the choice
        assert_never(fmt)


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


def report_excluded(result: "Result[Any]", fmt: FormatName, show: bool) -> list[dict[str, Any]]:
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
    result: "Result[Any]",
    criteria: Any,
    columns: list[Any],
    fmt: FormatName,
    show_excluded: bool,
    *,
    fields: list[str] | None = None,
    csv_fields: list[str] | None = None,
) -> None:
    """A ranking from `compare` or `cost`: notices and exclusions on stderr, rows in the chosen format."""
    from ketacli.render.reports import dose_group, ranking_title

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


def prices_as_of(rows: list[dict[str, Any]], catalogue: "LoadedQuery", max_age: int) -> None:
    """The stderr lines on dates for the providers shown: rules that end soon (or have passed their end), then
    one line on the data's age: a warning when older than max_age, else its date."""

    shown_ids = {r["id"] for r in rows}
    shown = [p for p in catalogue.providers if p["id"] in shown_ids]
    warn_about_rules(shown, catalogue.rules)
    warning = stale_warning(shown, today(), max_age, catalogue.rules, catalogue.undated_sources)
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


def warn_about_rules(entries: "Sequence[Dated]", rules: "Sequence[RuleDoc]") -> None:
    """One stderr line per rule these entries depend on that ends within 90 days or has passed its end date."""
    from ketacli.rules import rule_warnings

    for line in rule_warnings(entries, rules, today()):
        note(f"warning: {line}")


def warn_if_stale(entries: "Sequence[Entry]", max_age: int, rules: "Sequence[RuleDoc]" = ()) -> None:

    warning = stale_warning(entries, today(), max_age, rules, undated_sources(entries))
    if warning:
        note(warning)
