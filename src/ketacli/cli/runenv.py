"""What a run reads from the world, injectable: environment variables, the three streams and the clock.

A real run reads the process's own (`Environment.from_process()`). A test, or a program that embeds ketacli,
builds one, as httpie's `MockEnvironment` is built, and runs in-process with nothing global patched:

    out = io.StringIO()
    run(["compare", "--json"], env=Environment(environ={"KETACLI_TODAY": "2026-12-03"}, stdout=out))

The command line's modules read the world only through `current()` (and `getenv`); no other module of the
package reads `os.environ`, `sys.std*` or the clock (tests/test_lint.py holds this). One environment per run,
held in a context variable, so two runs in two threads never see each other's.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, NamedTuple, TextIO

if TYPE_CHECKING:
    import datetime as dt


def _system_today() -> dt.date:
    import datetime as dt  # not at start-up: most runs never ask the date

    return dt.date.today()


class Environment(NamedTuple):
    environ: Mapping[str, str] = {}
    stdout: TextIO | None = None  # None: the process's own stream at the moment of writing
    stderr: TextIO | None = None
    stdin: TextIO | None = None
    clock: Callable[[], dt.date] = _system_today  # KETACLI_TODAY in `environ` still wins (cli/clock.py)

    @classmethod
    def from_process(cls) -> Environment:
        return cls(os.environ)

    @property
    def out(self) -> TextIO:
        """stdout: this environment's, or the process's as it is now (a test runner may have swapped it)."""
        return self.stdout if self.stdout is not None else sys.stdout

    @property
    def err(self) -> TextIO:
        return self.stderr if self.stderr is not None else sys.stderr

    @property
    def input(self) -> TextIO | None:
        return self.stdin if self.stdin is not None else sys.stdin


_PROCESS = Environment.from_process()
_CURRENT: ContextVar[Environment] = ContextVar("ketacli_environment", default=_PROCESS)


def current() -> Environment:
    """The environment of the run in progress (the process's own outside `using`)."""
    return _CURRENT.get()


def getenv(name: str, default: str = "") -> str:
    return current().environ.get(name, default)


@contextmanager
def using(env: Environment) -> Iterator[Environment]:
    """Run the enclosed code in `env`."""
    token = _CURRENT.set(env)
    try:
        yield env
    finally:
        _CURRENT.reset(token)
