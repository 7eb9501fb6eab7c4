"""What a command presents, and in which format: `present` (people or JSON), the formats of a ranking
(table, JSON, CSV, Markdown), its alternatives and exclusions, and the lines about the data's age and rules
that go with it. Writes only through `output`."""

from collections.abc import Callable, Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, assert_never, get_args

from ketacli.errors import UsageError
from ketacli.freshness import stale_warning, undated_sources

from .clock import today
from .output import (
    Terminal,
    emit,
    emit_json,
    emit_styled,
    note,
    stdout_is_unicode,
    wrap_line,
)
from .runenv import getenv

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from ketacli.criteria import Criteria
    from ketacli.decision import Decision
    from ketacli.document import AlternativeDoc, Dated, Entry, EntryDates, RuleDoc
    from ketacli.fields import Command
    from ketacli.query import Confirmed, Excluded, Result
    from ketacli.render import Column


class DatedCatalogue(Protocol):
    """What the lines about the data's age and its rules read of a loaded catalogue (or its query document)."""

    @property
    def providers(self) -> "Sequence[EntryDates]": ...

    @property
    def rules(self) -> "Sequence[RuleDoc]": ...

    @property
    def alternatives(self) -> "Sequence[Dated]": ...

    @property
    def undated_sources(self) -> "Mapping[str, int]": ...


FormatName = Literal["table", "json", "csv", "markdown"]
R = TypeVar("R", bound=Mapping[str, Any])  # a row of a tabular view (render.R)


class View(Enum):
    """How a command that is not a ranking shows its answer: data for scripts, or text for people."""

    PEOPLE = "people"
    JSON = "json"


def present(as_json: bool, *, data: Callable[[], Any], people: Callable[[], None]) -> None:
    """The one place a command's `--json` is honoured: `data()` as JSON on stdout, or `people()` (which
    renders its own text). Each command gives both, so no command branches on the format itself."""
    view = View.JSON if as_json else View.PEOPLE
    match view:
        case View.JSON:
            emit_json(data())
        case View.PEOPLE:
            people()
        case _:  # pragma: no cover - every member is handled above
            assert_never(view)


def output_format(fmt: FormatName | None, as_json: bool) -> FormatName:
    if as_json:
        return "json"
    if fmt is not None:
        return fmt
    env = getenv("KETACLI_FORMAT").strip().lower()
    if env:
        names: tuple[FormatName, ...] = get_args(FormatName)
        for name in names:
            if env == name:
                return name
        raise UsageError(f"KETACLI_FORMAT must be one of {', '.join(names)} (got {env!r})")
    return "table"


def render_rows(
    rows: list[R],
    columns: "list[Column[R]]",
    fmt: FormatName,
    *,
    fields: list[str] | None = None,
    csv_fields: list[str] | None = None,
    json_extra: list[dict[str, Any]] | None = None,
    title: str | None = None,
    section_of: Callable[[R], str] | None = None,
) -> None:
    """One place mapping a format to its renderer (tables for people, the rest for scripts).

    `fields` limits the keys of JSON and CSV; CSV otherwise has `csv_fields` (default: the table's
    columns); `json_extra` rows (excluded providers) follow in JSON. `title` and `section_of` (a row's
    section heading) shape the table and Markdown views only.
    """
    if fmt == "json":
        emit_json([_pick(r, fields) for r in rows] + (json_extra or []))
    elif fmt == "csv":
        from ketacli.render.csvfmt import to_csv

        emit(to_csv(rows, fields or csv_fields or [c.key for c in columns]))
    elif fmt == "markdown":
        from ketacli.render.markdown import to_markdown

        emit(to_markdown(rows, columns, title=title, section_of=section_of))
    elif fmt == "table":
        if rows:
            print_table(rows, columns, title=title, section_of=section_of)
    else:  # pragma: no cover - typer restricts the choice
        assert_never(fmt)


def show_alternatives(
    alternatives: "list[AlternativeDoc]", state: str, confirmed: "Confirmed", fmt: FormatName, *, after_rows: bool
) -> None:
    """The alternatives group, after a ranking in which fewer than two providers are confirmed in the state:
    under a table or Markdown for people; for JSON and CSV (whose rows are providers only) a stderr pointer."""
    if not alternatives:
        return
    if fmt == "json" or fmt == "csv":
        from ketacli.render.alternatives import confirmed_words

        names = " and ".join(a["name"] for a in alternatives)
        note(f"{confirmed_words(state, confirmed)}: `ketacli alternatives --json` gives {names}")
    elif fmt == "markdown":
        from ketacli.render.alternatives import alternatives_markdown

        emit("\n" * after_rows + alternatives_markdown(alternatives, state, confirmed))
    elif fmt == "table":
        from ketacli.render.alternatives import alternatives_text

        emit("\n" * after_rows + alternatives_text(alternatives, state, confirmed, Terminal.detect().width or 10_000))
    else:  # pragma: no cover - typer restricts the choice
        assert_never(fmt)


def print_table(
    rows: list[R], columns: "list[Column[R]]", *, title: str | None = None, section_of: Callable[[R], str] | None = None
) -> None:
    """A table for people, box-drawn as rich draws it (never importing rich); in colour, with its styles."""
    from ketacli.render.boxes import render_table_text

    terminal = Terminal.detect()
    ascii_only = not stdout_is_unicode()  # as rich substitutes its ASCII box
    text = render_table_text(rows, columns, terminal.width or 10_000, title=title, section_of=section_of,
                             ascii_only=ascii_only, color=terminal.color)  # fmt: skip
    (emit_styled if terminal.color else emit)(text)


def _pick(row: Mapping[str, Any], fields: list[str] | None) -> Mapping[str, Any]:
    return row if fields is None else {f: row.get(f) for f in fields}


def parse_fields(value: str | None, valid: list[str]) -> list[str] | None:
    if value is None:
        return None
    fields = [f.strip() for f in value.split(",") if f.strip()]
    unknown = [f for f in fields if f not in valid]
    if unknown or not fields:
        raise UsageError(
            f"unknown field {', '.join(map(repr, unknown)) or '(none given)'}; valid fields: {', '.join(valid)}"
        )
    return fields


def report_excluded(excluded: "Sequence[Excluded[Any]]", fmt: FormatName, show: bool) -> list[dict[str, Any]]:
    """Providers the filters left out: with --explain, their reasons (JSON rows, or stderr lines under a
    table); without it, only a count on stderr. Returns the JSON rows to append."""
    if not excluded:
        return []
    if not show:
        count = len(excluded)
        note(f"{count} provider{'s' if count != 1 else ''} left out by the filters (--explain says why)")
        return []
    if fmt == "json":
        return [
            {"id": e.provider["id"], "name": e.provider["name"], "excluded": True, "reasons": e.reasons}
            for e in excluded
        ]
    for entry in excluded:
        note(f"left out {entry.provider['name']}: {'; '.join(entry.reasons)}")
    return []


# A table for people shows this many rows unless --limit says otherwise (as `gh` lists 30): enough to decide,
# and a 1,000-row table is not read, only waited for.
TABLE_ROWS = 20


def show_ranking(
    result: "Result[Any]",
    criteria: "Criteria",
    view: "Command",
    fmt: FormatName,
    show_excluded: bool,
    *,
    fields: list[str] | None = None,
) -> None:
    """A ranking from `compare` or `cost`: notices and exclusions on stderr, rows in the chosen format. JSON and
    CSV print the rows as they are: the columns, their words and the titles load only for people's views."""
    for notice in result.notices:
        note(notice)
    excluded = report_excluded(result.excluded, fmt, show_excluded)
    if fmt in ("json", "csv"):
        from ketacli.fields import COMPARE_FIELDS, COST_FIELDS

        csv_fields = COMPARE_FIELDS if view == "compare" else COST_FIELDS  # every field the command carries
        render_rows(result.rows, [], fmt, fields=fields, csv_fields=csv_fields, json_extra=excluded)
    else:
        from ketacli.render.columns import dose_group, ranking_columns, ranking_title

        title = ranking_title(criteria, result.insurance.shown if result.insurance else None)
        rows = result.rows
        cut = fmt == "table" and criteria.limit is None and len(rows) > TABLE_ROWS
        render_rows(
            rows[:TABLE_ROWS] if cut else rows, ranking_columns(view, criteria), fmt, title=title, section_of=dose_group
        )
        if cut:
            more = len(rows) - TABLE_ROWS
            emit(
                f"{more:,} more row{'s' if more != 1 else ''} not shown: --limit 0 shows them all (--json and CSV always do)\n"
            )
    _say_what_unconfirmed_means(criteria.state, [r["availability"] for r in result.rows])


def _say_what_unconfirmed_means(state: str | None, shown: "Sequence[str | None]") -> None:
    if state and "unknown" in shown:
        note(f"'unconfirmed' means the sources do not say whether the provider serves {state}: check with the provider")


def show_decision(decision: "Decision", fmt: FormatName) -> None:
    """The answer to the question asked, last on stdout for people (on the last screen, after the table and
    the alternatives); scripts have the rows."""
    if fmt not in ("table", "markdown"):
        return
    from ketacli.render.decision_words import decision_lines

    lines = decision_lines(decision)
    if fmt == "markdown":
        emit("\n**The answer:** " + " ".join(lines) + "\n")
    else:
        width = Terminal.detect().width
        emit("\n" + "".join(wrap_line(line, width) + "\n" for line in lines))


def prices_as_of(shown_ids: "Collection[str]", catalogue: "DatedCatalogue", max_age: int) -> None:
    """The stderr lines on dates for the providers shown (named in the catalogue's order): rules that end soon
    (or have passed their end), then one line on the data's age: a warning when older than max_age, else its date."""
    shown = [p for p in catalogue.providers if p["id"] in shown_ids]
    warn_about_rules(shown, catalogue.rules, catalogue.alternatives)
    warning = stale_warning(shown, today(), max_age, catalogue.rules, catalogue.undated_sources)
    if warning:
        note(warning)
        return
    dates = sorted({entry["as_of"] for entry in shown})
    if dates:
        note(
            f"prices as of {dates[0]}"
            + (f" to {dates[-1]}" if len(dates) > 1 else "")
            + "; check the provider for today's prices"
        )


def warn_about_rules(
    entries: "Sequence[Dated]", rules: "Sequence[RuleDoc]", alternatives: "Sequence[Dated]" = ()
) -> None:
    """One stderr line per rule these entries depend on that ends within 90 days or has passed its end date."""
    from ketacli.rules import rule_warnings

    for warning in rule_warnings(entries, rules, today(), alternatives):
        note(f"warning: {warning.text}")


def warn_if_stale(entries: "Sequence[Entry]", max_age: int, rules: "Sequence[RuleDoc]" = ()) -> None:

    warning = stale_warning(entries, today(), max_age, rules, undated_sources(entries))
    if warning:
        note(warning)
