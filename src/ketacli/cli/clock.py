"""Today's date for the freshness checks: the clock, or KETACLI_TODAY for reproducible runs and tests."""

from typing import TYPE_CHECKING

from ketacli.errors import UsageError

from .runenv import current, getenv

if TYPE_CHECKING:
    import datetime as dt


def today() -> "dt.date":
    """Today's date from the clock, or KETACLI_TODAY (YYYY-MM-DD) for reproducible runs and tests."""
    import datetime as dt

    fixed = getenv("KETACLI_TODAY")
    if fixed:
        try:
            return dt.date.fromisoformat(fixed)
        except ValueError:
            raise UsageError(f"KETACLI_TODAY must be a date like 2025-06-13, not {fixed!r}") from None
    return current().clock()
