"""The ketacli error family. The core raises these; only the CLI turns them into exit codes."""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class KetaError(Exception):
    """Base of every error ketacli reports as one line on stderr."""

    exit_code = EXIT_ERROR


class CatalogueError(KetaError):
    """The catalogue file is missing, unreadable, not TOML, or breaks the schema."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class CatalogueTooLarge(CatalogueError):
    """The catalogue file is over the size limit: refused unread, so neither valid nor invalid."""


class UsageError(KetaError):
    """A flag or argument value the user can fix (bad state, unknown carrier, ...)."""

    exit_code = EXIT_USAGE


class ProfileError(KetaError):
    """The saved profile file is broken."""


class FeedError(KetaError):
    """A signed feed could not be published or refused an update; the active catalogue is unchanged."""
