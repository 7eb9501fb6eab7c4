"""The console script's entry point: a Ctrl-C is handled before anything else is imported.

Importing the command line (typer, and through it click) takes most of a run's start-up time; a Ctrl-C
then used to print a Python traceback. Here, with only the standard library loaded, Ctrl-C ends the run at
once with 130 and no output (as a shell reports a SIGINT), until the CLI's own handling takes over. SIGTERM
keeps its default: the process ends, and the shell reports 143.
"""

from __future__ import annotations

# Only these two, both loaded by the interpreter already: even building `signal`'s enums takes long enough
# to be interrupted under load (`typing` longer still).
import _signal  # type: ignore[import-not-found]  # (no stubs in typeshed)
import os


def _quit_at_once(signum: int, _frame: object) -> None:
    os._exit(128 + signum)  # nothing printed yet, nothing to flush or clean up


def main() -> None:
    _signal.signal(_signal.SIGINT, _quit_at_once)
    try:
        from ketacli.cli import main as run_cli  # the slow imports, now safe from a traceback

        # From here a Ctrl-C is a KeyboardInterrupt, so that a command cleans up (temporary files, locks);
        # `cli.run` turns it into 130. One that lands outside the command (between two statements here or
        # during the last flush) ends the process here, with the same 130 and no traceback.
        _signal.signal(_signal.SIGINT, _signal.default_int_handler)
        run_cli()
    except KeyboardInterrupt:
        os._exit(130)
