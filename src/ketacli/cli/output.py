"""The command line's streams: terminal detection, stdout, and the lines for people on stderr.

The one place that writes to stdout and stderr: closed pipes, failed writes and unencodable characters are
handled here; control characters are escaped whatever the source of a string. What is written, in which
format, is `presenting.py`'s job.
"""

import os
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from ketacli import fileio
from ketacli.errors import KetaError, UsageError
from ketacli.fileio import write_output_file
from ketacli.textsafe import bounded_quotes, printable, printable_but_styles, styled

from .runenv import current, getenv

if TYPE_CHECKING:
    from rich.console import Console


class Terminal(NamedTuple):
    """Width, colour and TTY, decided once from the environment (injectable in tests)."""

    is_tty: bool
    width: int | None  # None: not a terminal and no COLUMNS, so never cut the output
    color: bool

    @classmethod
    def detect(cls, stream: Any = None) -> "Terminal":
        stream = stream or current().out
        is_tty = bool(getattr(stream, "isatty", lambda: False)())
        columns = getenv("COLUMNS")
        # A width no terminal has (COLUMNS=0, or thousands of digits) is ignored, as an unset one is.
        width: int | None = int(columns) if columns.isdigit() and len(columns) <= 6 and int(columns) > 0 else None
        if width is None and is_tty:
            try:  # this stream's own terminal: stdout may be redirected while stderr is not
                width = os.get_terminal_size(stream.fileno()).columns
            except (AttributeError, ValueError, OSError):
                import shutil

                width = shutil.get_terminal_size().columns
        no_color = bool(getenv("NO_COLOR"))
        force = bool(getenv("FORCE_COLOR"))
        return cls(is_tty=is_tty, width=width, color=(is_tty or force) and not no_color)


def data_console(terminal: Terminal) -> "Console":
    """A console for catalogue data: no markup, no emoji codes, no highlighting."""
    from rich.console import Console

    console = Console(
        file=current().out,
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


# Whether this run has written anything to stdout yet: one flag per run (a context variable, as the run's
# environment is), so runs in two threads, or one after another in a test, never share it.
_STARTED: ContextVar[list[bool]] = ContextVar("ketacli_output_started")


def output_started() -> bool:
    return _STARTED.get([False])[0]


def start_run() -> None:
    """A new run has printed nothing yet (tests run many commands in one process)."""
    _STARTED.set([False])


def _write(text: str) -> None:
    out = current().out
    _write_bytes(text.encode(out.encoding or "utf-8", out.errors or "strict"), text)


def _write_bytes(data: bytes, text: str | None = None) -> None:
    """`data` to stdout; an in-memory stream (tests, an embedding program) gets `text`, or `data` decoded."""
    _STARTED.get([False])[0] = True
    try:
        fd = _stdout_fd()
        if fd is None:  # an in-memory stream (tests, an embedding program)
            current().out.write(text if text is not None else data.decode("utf-8"))
            current().out.flush()
            return
        current().out.flush()  # whatever was buffered before goes first
        # Written with os.write until every byte is out: CPython's buffered stdout accepts a short write (a
        # file at its size limit, a nearly full disk) and drops the rest, so a cut output would exit 0.
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except BrokenPipeError:
        raise PipeClosed from None
    except OSError as exc:
        raise OutputFailed(exc) from None


def _stdout_fd() -> int | None:
    try:
        return current().out.fileno()
    except (AttributeError, ValueError, OSError):  # io.UnsupportedOperation is both an OSError and a ValueError
        return None


def emit(text: str) -> None:
    """Write text to stdout and flush now, inside the command, so a closed pipe or a full disk is handled
    here. Control characters are escaped whatever the source of the text (defence in depth)."""
    _write(printable(text))


def emit_styled(text: str) -> None:
    """`emit` for text in colour: the style sequences `textsafe.styled` added are kept, every other control
    character escaped, as `emit` escapes them."""
    _write(printable_but_styles(text))


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
        waiting = f"{output} is a FIFO with no reader yet: waiting up to {fileio.FIFO_WAIT_SECONDS} s for one"
        write_output_file(Path(output), text, on_fifo_wait=lambda: note(waiting))
    except OSError as exc:
        raise KetaError(f"{output}: cannot write: {exc.strerror or exc}") from None
    note(f"wrote {output}{f' ({what})' if what else ''}")


def stdout_is_unicode() -> bool:
    return (getattr(current().out, "encoding", None) or "").lower().replace("-", "").startswith("utf")


def emit_json(data: Any) -> None:
    """JSON on stdout: indented on a terminal, one compact line when piped (both parse the same); all
    non-ASCII escaped when stdout cannot encode it (PYTHONIOENCODING=ascii), so it stays valid JSON."""
    from ketacli.render.jsonfmt import to_json

    _write(to_json(data, pretty=Terminal.detect().is_tty, ascii_only=not stdout_is_unicode()))


def print_rich(console: "Console", renderable: Any, *, soft_wrap: bool = False) -> None:
    """console.print of one renderable, with emit()'s handling of closed pipes, failed writes and control
    characters (escaped in every text segment rich renders, whatever their source)."""
    from ketacli.render.safe import Sanitized

    with console.capture() as captured:  # rendered here, written by `_write`: every byte out, or an error
        console.print(Sanitized(renderable), soft_wrap=soft_wrap)
    _write(captured.get())


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
    """Titled sections of text for people (`show`, `alternatives`, `safety`): titles (bold in colour),
    indented lines, wrapped to the terminal (URLs stay whole)."""
    terminal = Terminal.detect()

    def wrap(line: str) -> str:
        return wrap_line(printable(line), terminal.width, hang=len(bullet) or 2)

    view: list[str] = []
    for index, (title, lines) in enumerate(sections):
        if index:
            view.append("")
        view.append(styled(wrap(title), "bold") if terminal.color else wrap(title))
        for line in lines:
            # An indented line continues the bulleted one above it (a rule's meaning, citation, sources): one
            # bullet per item, its details aligned under its text.
            continued = bool(bullet) and line.startswith("  ")
            view.append(wrap(f"  {' ' * len(bullet)}{line.lstrip()}" if continued else f"  {bullet}{line}"))
    emit_styled("\n".join(view) + "\n")


def stderr_line(text: str) -> None:
    """One line on stderr, as it is (control characters escaped): an error, or one problem of a list."""
    _to_stderr(f"{printable(text)}\n")


def _to_stderr(text: str) -> None:
    """Best effort: stderr is for people, and when it cannot be written (a full device) there is no one to
    tell; the command's own result and exit code stand."""
    try:
        current().err.write(text)
        current().err.flush()
    except (OSError, ValueError):
        pass


def note(message: str) -> None:
    """A line for people on stderr (never parsed as markup). On a terminal it is wrapped between words to the
    terminal's width, so a long warning is not cut mid-word; to a file or a pipe it stays one line, for grep."""
    text = f"ketacli: {printable(bounded_quotes(message))}"
    terminal = Terminal.detect(current().err)
    if terminal.is_tty and terminal.width and len(text) > terminal.width:
        import textwrap

        text = textwrap.fill(
            text, terminal.width, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False
        )
    _to_stderr(text + "\n")
