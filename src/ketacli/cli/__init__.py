"""The command line: a thin typer layer over the pure core and the renderers.

The only modules that touch streams, exit codes and the environment are in this package: `__init__` (the
entry point, where every error becomes one line and an `ExitStatus`), `runenv` (the run's environment:
variables, streams and clock, injectable, the one place that reads them), `output` (stdout and stderr:
terminals, formats, closed pipes, failed writes), `environment` (environment variables, the catalogue in
use, the profile file), `clock` (today's date), `options` (flags and shell completion), `app` (the typer
apps and global options), and the commands: `ranking`, `entries`, `catalog_cmds`, `facts`, `profile`, `report`
and `feed`. Everything else is pure: data in, data or text out.

Start-up matters (scripts call `ketacli compare --json` in loops), so only typer, the standard library
and a few tiny first-party modules load at start-up. The lazy imports inside commands are the ones that
cost: pydantic (the schema, ~100 ms), rich (tables, ~25 ms), Jinja2 (the report), TOML parsers, csv, TUF
and cryptography; and query/pricing/render (~10 ms with fractions and decimal), which `--version`,
`--help` and completion never need. ruff TID253 enforces the banned ones; tests/test_subprocess.py
checks what loads.
"""

import errno
import gc
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer

from ketacli.errors import CarrierProblem, CatalogueMissing, ExitStatus, KetaError, NeedsCarrier, NeedsState
from ketacli.textsafe import bounded_quotes

# isort: off
from . import ranking, entries, catalog_cmds, facts, profile, report  # the order of `ketacli --help`

# isort: on
from .app import app
from .environment import RunContext
from .output import OutputFailed, PipeClosed, emit, note, output_started, start_run, stderr_line
from .runenv import Environment, current, getenv, using

__all__ = ["Environment", "app", "main", "run"]

# The commands register on `app` as their modules load (above), ranking first so that `ketacli --help`
# lists compare and cost first; `report` takes every filter `compare` takes.
_COMMAND_MODULES = (ranking, entries, catalog_cmds, facts, profile, report)  # `feed`: see app.py
report.register(ranking.compare_cmd)

# --------------------------------------------------------------------------------------------------- entry point


def run(argv: list[str] | None = None, env: Environment | None = None) -> int:
    """Run the CLI and return its exit code; every error ends here as one line on stderr. `env`: what the run
    reads from the world (environment variables, streams, clock); the process's own when None."""
    if env is not None:
        with using(env):
            return run(argv)
    # A run builds large acyclic data (the catalogue) and ends: the cycle collector would only rescan it,
    # which costs over half the validation time of a 10,000-provider catalogue (see benchmarks/).
    collecting = gc.isenabled()
    gc.disable()
    _degrade_unencodable_output()
    try:
        return _run(list(sys.argv[1:] if argv is None else argv))
    except (PipeClosed, BrokenPipeError):  # also from the error and help paths below
        return _silence_stdout(ExitStatus.OK)
    except SystemExit:
        # click turns a closed pipe during its own output (--help) into exit 1, after wrapping stdout.
        if type(sys.stdout).__name__ == "PacifyFlushWrapper":  # click wraps the process stream itself
            return _silence_stdout(ExitStatus.OK)
        raise
    except OutputFailed as exc:
        _silence_stdout(ExitStatus.ERROR)
        return _fail(str(exc), ExitStatus.ERROR)
    except KeyboardInterrupt:  # a Ctrl-C outside the command itself (before or after it): no traceback
        return ExitStatus.INTERRUPTED
    finally:
        if collecting:
            gc.enable()


# What a stream that cannot encode a symbol prints instead: each its own fallback, so "✓" and "✗" never
# both become "?", which already means "unknown" (the legends print through the same map, so they match).
ASCII_FALLBACKS = {
    "✓": "Y", "✗": "N", "—": "-", "–": "-", "→": "->", "×": "x", "…": "...", "’": "'", "‘": "'",
    "“": '"', "”": '"', "•": "*", "≤": "<=", "≥": ">=", "\u00a0": " ",
}  # fmt: skip


def _ascii_fallback(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeEncodeError)
    text = error.object[error.start : error.end]
    return "".join(ASCII_FALLBACKS.get(char, "?") for char in text), error.end


def _degrade_unencodable_output() -> None:
    """On a stream that cannot encode "—", "✓" or "×" (PYTHONIOENCODING=ascii or latin-1), print each
    symbol's own ASCII fallback ("Y", "N", "-") rather than crash, or a "?" that would read as "unknown".
    Under the C locale (LANG=C, LC_ALL=C) Python itself writes UTF-8, but the terminal may not show it: ASCII
    there too, unless PYTHONIOENCODING or PYTHONUTF8 asks for an encoding."""
    import codecs

    codecs.register_error("ketacli-ascii", _ascii_fallback)
    plain_locale = _c_locale() and not getenv("PYTHONIOENCODING") and not getenv("PYTHONUTF8")
    for stream in (current().out, current().err):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if reconfigure is not None and (plain_locale or not encoding.startswith("utf")):
            try:
                reconfigure(**({"encoding": "ascii"} if plain_locale else {}), errors="ketacli-ascii")
            except (ValueError, OSError):
                pass


def _c_locale() -> bool:
    """Whether the locale that decides the character set (LC_ALL, else LC_CTYPE, else LANG) is C or POSIX."""
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = getenv(name)
        if value:
            return value.split(".")[0] in ("C", "POSIX") and not value.upper().endswith(("UTF-8", "UTF8"))
    return False


def _run(args: list[str]) -> int:
    from .app import root_command

    run = RunContext(debug="--debug" in args or _debug_from_environment())
    start_run()
    command = root_command(args)
    try:
        try:
            result = command.main(args=args, prog_name="ketacli", standalone_mode=False, obj=run)
        except Exception as exc:
            expected = (KetaError, PipeClosed, OutputFailed, BrokenPipeError, typer.Abort, typer.Exit)
            if isinstance(exc, expected) or _is_usage_error(exc) or run.debug:
                raise
            stale = _stale_cache_entries(run)
            if not stale:  # the cache holds what the catalogue says: the error is not the cache's
                raise
            # A cache entry whose checksum matched but whose content is not what the catalogue gives (written
            # by hand or by another version): remove it, and if nothing was printed yet, run again from the
            # catalogue itself, which rebuilds the entry. Never "internal error" until deleted by hand.
            for entry in stale:
                entry.unlink(missing_ok=True)
            run = RunContext(debug=run.debug)  # the second attempt starts afresh
            if output_started():
                raise KetaError(
                    "the cached catalogue was unusable and has been removed; run the command again"
                ) from exc
            note("the cached catalogue was unusable; rebuilt it from the catalogue file")
            result = command.main(args=args, prog_name="ketacli", standalone_mode=False, obj=run)
        return result if isinstance(result, int) else ExitStatus.OK
    except KetaError as exc:
        _traceback_if(run.debug)
        if isinstance(exc, CarrierProblem) and not {"--insurance", "-i", "--carrier", "-c"} & set(args):
            # No carrier on the command line: it is the saved profile's, and a bad profile value (exit 1).
            from .environment import profile_path

            return _fail(f"{profile_path()}: insurance: {exc} (fix the file or run `ketacli profile set "
                         "--insurance NAME`)", ExitStatus.ERROR)  # fmt: skip
        return _fail(in_flag_words(exc), exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        return ExitStatus.INTERRUPTED
    except (PipeClosed, BrokenPipeError, OutputFailed):
        raise  # handled in run()
    except Exception as exc:
        if _is_usage_error(exc):
            return _usage_error(exc)
        if isinstance(exc, OSError) and exc.errno in _WRITE_ERRORS:  # typer's own help text to a full disk
            raise OutputFailed(exc) from None
        _traceback_if(run.debug)
        return _fail(
            f"internal error: {type(exc).__name__}: {exc}"
            + ("" if run.debug else " (rerun with --debug for a traceback)"),
            ExitStatus.ERROR,
        )


def _stale_cache_entries(run: RunContext) -> list[Path]:
    """The cache entries this run read that no longer hold what validating their catalogue gives."""
    from ketacli.catalogue import DEFAULT_MAX_BYTES, cache_entry_is_current

    from .environment import size_limit

    limit = size_limit(DEFAULT_MAX_BYTES)
    return [entry for entry, source in run.cache_entries if not cache_entry_is_current(entry, source, limit)]


def _debug_from_environment() -> bool:
    """KETACLI_DEBUG=1 (or true, yes, on) turns tracebacks on; empty, 0, false, no and off leave them off."""
    return getenv("KETACLI_DEBUG").strip().lower() not in ("", "0", "false", "no", "off")


def _traceback_if(debug: bool) -> None:
    """With --debug, the traceback of the error being handled, on stderr; the exit code stays the documented one."""
    if debug:
        import traceback

        try:
            traceback.print_exc(file=current().err)
        except (OSError, ValueError):  # stderr on a full device: the exit code still says what happened
            pass


def in_flag_words(exc: KetaError) -> str:
    """Some core errors are about a value without knowing where it came from; here, where the flags are
    known, they say which flag to use."""
    if isinstance(exc, NeedsState):
        return "--insurance needs --state: accepted carriers differ from state to state"
    if isinstance(exc, NeedsCarrier):
        return "--in-network-only needs --insurance (and --state): in whose network?"
    if isinstance(exc, CatalogueMissing):
        return f"{exc}; check the path given to --catalog or KETACLI_CATALOG"
    return str(exc)


def _is_usage_error(exc: Exception) -> bool:
    # typer 0.28 vendors click as typer._click (pinned <0.29 in pyproject.toml): its exceptions live there.
    from typer._click.exceptions import ClickException

    return isinstance(exc, ClickException)


def _usage_error(exc: Any) -> int:
    from typer._click.exceptions import NoArgsIsHelpError

    if isinstance(exc, NoArgsIsHelpError):  # plain `ketacli` or `ketacli catalog`: show the help
        emit(exc.ctx.get_help() + "\n")
        return ExitStatus.OK
    hint = ""
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        hint = f" (see '{ctx.command_path} --help')"
    return _fail(f"{exc.format_message()}{hint}", exc.exit_code if exc.exit_code else ExitStatus.USAGE)


def _fail(message: str, code: int) -> int:
    stderr_line(f"ketacli: error: {bounded_quotes(message)}")
    return code


_WRITE_ERRORS = {errno.ENOSPC, errno.EIO, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _silence_stdout(code: int) -> int:
    """stdout is gone (`| head`) or failing (a full disk): point it at /dev/null so that Python's final
    flush at exit has nothing to complain about, and end with `code`."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, current().out.fileno())
    except (OSError, ValueError):
        pass
    return code


def main() -> NoReturn:
    code = run()
    # A large catalogue is hundreds of MB of small objects, and freeing them one by one at exit took 1.3 s
    # of an 8 s cold run on 10,000 providers (benchmarks/). The work is done and nothing is registered to
    # run at exit: flush what people and pipes are owed, and leave without tearing the heap down.
    for stream in (current().out, current().err):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or a full disk, already reported
            pass
    os._exit(code)
