"""The precomputed answers of answers.py, through the cache: read on a warm run, worked out and written on
the first run of a day (their rules' standing and the money due past a rule's end depend on the date)."""

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .environment import RunContext, load_with

if TYPE_CHECKING:
    from ketacli.answers import Answers
    from ketacli.document import AlternativeDoc, EntryDates, QueryDoc, RuleDoc
    from ketacli.fields import Command

PART = "answers"


class LoadedAnswers(NamedTuple):
    """A catalogue's precomputed answers for one day, and the cache entry they were read from (if they were)."""

    path: str
    answers: "Answers"
    cache_entry: Path | None = None

    @property
    def providers(self) -> "list[EntryDates]":
        return self.answers.providers

    @property
    def alternatives(self) -> "list[AlternativeDoc]":
        return self.answers.alternatives

    @property
    def rules(self) -> "list[RuleDoc]":
        return self.answers.rules

    @property
    def undated_sources(self) -> dict[str, int]:
        return self.answers.undated_sources


def load_answers(
    run: RunContext, day: dt.date, command: "Command" = "compare", doses: int | None = None
) -> LoadedAnswers:
    """Every provider's answer to `command`'s default question on `day` (for `cost`, to `doses`), for the
    catalogue in use: from the cache, else worked out from the query document (and cached). Without a cache,
    worked out for this run alone. One entry per command and dose count."""
    from ketacli.answers import precompute, read_answers
    from ketacli.catalogue import builtin_catalogue_path, derived_entry, load_query, read_derived, write_derived

    def loader(source: Path | None, *, cache_dir: Path | None, max_bytes: int) -> LoadedAnswers:
        derived = None
        if cache_dir is not None:
            part = PART if command == "compare" else f"{PART}-{command}-{doses}"
            derived = derived_entry(cache_dir, source, part, {"today": day.isoformat()}, max_bytes)
            stored = read_derived(derived, max_bytes)
            if stored is not None:
                # Noted before it is read: an entry whose checksum matches but whose structure does not (written
                # by hand, or by another version) is healed like any other (ketacli.cli).
                run.cache_entries.append((derived.entry, source))
                shown = str(source if source is not None else builtin_catalogue_path())
                return LoadedAnswers(shown, read_answers(stored), None)
        query = load_query(source, cache_dir=cache_dir, max_bytes=max_bytes)
        if query.cache_entry is not None:  # what the answers are worked out from: healed if bad (ketacli.cli)
            run.cache_entries.append((query.cache_entry, source))
        made = precompute(query.data, day, command, doses)
        if derived is not None:
            write_derived(derived, made, source, max_bytes)
        return LoadedAnswers(query.path, read_answers(made), None)

    return load_with(run, loader)


def derive(query: "QueryDoc", header: dict[str, Any]) -> bytes:
    """What an answers entry should hold (`catalogue.cache_entry_is_current` asks, before blaming the cache)."""
    from ketacli.answers import precompute

    day = dt.date.fromisoformat(header["today"])
    part = str(header["part"])
    if part == PART:
        return precompute(query, day)
    if part.startswith(f"{PART}-cost-"):
        return precompute(query, day, "cost", int(part.removeprefix(f"{PART}-cost-")))
    raise ValueError(f"no precomputed answers are made for {part!r}")
