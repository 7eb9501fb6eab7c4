"""The ketacli error family. The core raises these; only the CLI turns them into exit codes."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """ketacli's documented exit codes (docs/scripting.md, "Exit codes")."""

    OK = 0  # success, "nothing matched" included
    ERROR = 1  # a catalogue, profile, feed or runtime error
    USAGE = 2  # a bad flag, argument or environment value
    INTERRUPTED = 130  # Ctrl-C


def too_many_digits(exc: BaseException) -> str | None:
    """Python refuses to read an integer of more than 4,300 digits (a denial-of-service guard): the words for
    a file that holds one, or None for any other error."""
    if isinstance(exc, ValueError) and "integer string conversion" in str(exc):
        import sys

        return f"a number with more than {sys.get_int_max_str_digits():,} digits, longer than any value can be"
    return None


class KetaError(Exception):
    """Base of every error ketacli reports as one line on stderr."""

    exit_code: ExitStatus = ExitStatus.ERROR


class CatalogueError(KetaError):
    """The catalogue file is missing, unreadable, not TOML, or breaks the schema."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class CatalogueTooLarge(CatalogueError):
    """The catalogue file is over the size limit: refused unread, so neither valid nor invalid."""


class UsageError(KetaError):
    """A flag or argument value the user can fix (bad state, unknown carrier, ...)."""

    exit_code = ExitStatus.USAGE


class CatalogueMissing(CatalogueError):
    """The catalogue file named does not exist (the CLI says where the name came from)."""

    def __init__(self, path: object) -> None:
        super().__init__(f"{path}: no such file")
        self.path = path


class CarrierProblem(UsageError):
    """The carrier asked about is a near miss of a listed one, or matches several: the CLI says whether it came
    from a flag (a usage error) or from the saved profile (a bad profile value)."""


class NeedsState(UsageError):
    """A carrier was given without a state: accepted carriers differ from state to state."""

    def __init__(self) -> None:
        super().__init__("a carrier needs a state: accepted carriers differ from state to state")


class NeedsCarrier(UsageError):
    """In-network-only was asked without a carrier."""

    def __init__(self) -> None:
        super().__init__("in-network-only needs a carrier (and a state): in whose network?")


class ProfileError(KetaError):
    """The saved profile file is broken."""


class NoHome(KetaError):
    """No usable home folder (HOME unset, and this user has no entry in the system's user list)."""

    def __init__(self, what: str, variable: str) -> None:
        super().__init__(f"no home folder to keep {what} in (HOME is unset or unusable): set HOME or {variable}")


class FeedError(KetaError):
    """A signed feed could not be published or refused an update; the active catalogue is unchanged."""
