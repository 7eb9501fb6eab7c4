"""The precomputed answers of answers.py, through the cache: read on a warm run, worked out and written on
the first run of a day (their rules' standing and the money due past a rule's end depend on the date)."""

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .environment import RunContext, load_with

if TYPE_CHECKING:
    from ketacli.answers import Answers, Buying
    from ketacli.document import AlternativeDoc, EntryDates, QueryDoc, RuleDoc

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


def load_answers(run: RunContext, day: dt.date, buying: "Buying", *, carriers: bool) -> LoadedAnswers:
    """Every provider's answer to the questions of one command, dose count and way of buying (`buying`) on `day`,
    for the catalogue in use: from the cache, else worked out from the query document (and cached). Without a
    cache, worked out for this run alone (cli.ranking ranks such a run instead). One entry each (`part_name`). `carriers`: read for a question about a
    carrier (answers.read_answers)."""
    from ketacli.answers import precompute, read_answers
    from ketacli.catalogue import builtin_catalogue_path, derived_entry, load_query, read_derived, write_derived

    def loader(source: Path | None, *, cache_dir: Path | None, max_bytes: int) -> LoadedAnswers:
        derived = None
        if cache_dir is not None:
            derived = derived_entry(cache_dir, source, part_name(buying), {"today": day.isoformat()}, max_bytes)
            stored = read_derived(derived, max_bytes)
            if stored is not None:
                # Noted before it is read: an entry whose checksum matches but whose structure does not (written
                # by hand, or by another version) is healed like any other (ketacli.cli).
                run.cache_entries.append((derived.entry, source))
                shown = str(source if source is not None else builtin_catalogue_path())
                return LoadedAnswers(shown, read_answers(stored, carriers=carriers), None)
        query = load_query(source, cache_dir=cache_dir, max_bytes=max_bytes)
        if query.cache_entry is not None:  # what the answers are worked out from: healed if bad (ketacli.cli)
            run.cache_entries.append((query.cache_entry, source))
        made = precompute(query.data, day, buying)
        if derived is not None:
            write_derived(derived, made, source, max_bytes)
        return LoadedAnswers(query.path, read_answers(made, carriers=carriers), None)

    return load_with(run, loader)


def part_name(buying: "Buying") -> str:
    """The cache entry's part: "answers" for `compare`'s most common question, else "answers-compare-12",
    "answers-cost-6-returning-pay_in_full" (as `buying_of` reads it back)."""
    from ketacli.answers import COMMON

    if buying == COMMON:
        return PART
    ways = [way for way in ("returning", "pay_in_full") if getattr(buying, way)]
    doses = "start" if buying.doses is None else str(buying.doses)
    return "-".join([PART, buying.command, doses, *ways])


def buying_of(part: str) -> "Buying":
    from ketacli.answers import COMMON, Buying

    if part == PART:
        return COMMON
    name, command, doses, *ways = part.split("-")
    if name != PART or not set(ways) <= {"returning", "pay_in_full"}:
        raise ValueError(f"no precomputed answers are made for {part!r}")
    for known in ("compare", "cost"):
        if command == known:
            return Buying(known, None if doses == "start" else int(doses), "returning" in ways, "pay_in_full" in ways)
    raise ValueError(f"no precomputed answers are made for {part!r}")


def derive(query: "QueryDoc", header: dict[str, Any]) -> bytes:
    """What an answers entry should hold (`catalogue.cache_entry_is_current` asks, before blaming the cache)."""
    from ketacli.answers import precompute

    return precompute(query, dt.date.fromisoformat(header["today"]), buying_of(str(header["part"])))
