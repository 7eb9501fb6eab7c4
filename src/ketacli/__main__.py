"""`python -m ketacli`. A Ctrl-C is handled from this file's first line (as `entry.main` does for the console
script): under load, importing `entry` itself can take long enough to be interrupted."""

# Both already loaded by the interpreter, so importing them runs no code a Ctrl-C could interrupt; not
# `signal`, whose enums take long enough to build to be interrupted under load.
import _signal  # type: ignore[import-not-found]  # (no stubs in typeshed)
import os

_signal.signal(_signal.SIGINT, lambda signum, _frame: os._exit(128 + signum))

from ketacli.entry import main  # noqa: E402  (after the handler, on purpose)

if __name__ == "__main__":
    main()
