"""The decision report as one self-contained HTML page or a Markdown file, through Jinja2 templates.

HTML autoescapes every value and links only http(s) addresses; Markdown escapes its own syntax and `<`/`>`.
Every value also passes `finalize`, which drops control characters whatever their source. Jinja2 is
imported here only, so no other command pays for it at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from ketacli.criteria import Criteria
from ketacli.money import format_usd, to_cents
from ketacli.refunds import payment_words
from ketacli.render.decision_words import decision_lines
from ketacli.render.words import (
    INSURANCE_IN_FULL,
    address_words,
    ahead_words,
    charge_words,
    if_ineligible_words,
    monthly_words,
    settlement_words,
    shipment_loss_words,
)
from ketacli.states import STATE_NAMES

if TYPE_CHECKING:
    from ketacli.document import ProviderDoc
    from ketacli.fields import Row
    from ketacli.refunds import Outcome, Stage
    from ketacli.report import AlternativesSection, CalendarEntry, Nearer, ReportDocument
from ketacli.textsafe import CONTROL_CHARS

from .alternatives import alternative_fact_records, alternatives_heading
from .chart import geometry
from .columns import CELLS, question_words, ranking_title
from .coverage_text import minimum_age_lines
from .markdown import escape_text
from .refunds import join_conditions

ReportFormat = Literal["html", "markdown"]
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _alternatives(found: AlternativesSection | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "heading": alternatives_heading(found["state"], found["confirmed"]),
        "entries": [
            {"name": a["name"], "facts": [{"text": t, "source": s} for t, s in alternative_fact_records(a)]}
            for a in found["entries"]
        ],
    }


def calendar_lines(entries: list[CalendarEntry]) -> list[str]:
    """What is due when, for one provider's purchase: each item's first payment and the monthly ones after it,
    as its schedule states them; "not stated" where the sources are silent."""
    return [_calendar_line(entry) for entry in entries]


def _calendar_line(entry: CalendarEntry) -> str:
    first, count, months = format_usd(entry["first"]), entry["count"], entry["months"]
    if entry["kind"] == "continuation":
        return f"{count} continuation session{'s' if count != 1 else ''}: {first} each, when each is bought"
    what = f"{count} × {entry['item']} (each, when bought)" if count > 1 else entry["item"]
    monthly = entry["monthly"]
    later = (
        f"; then {format_usd(monthly)} a month for {months} more month{'s' if months != 1 else ''}"
        if monthly is not None and months
        else ""
    )
    if entry["first_when"] == "unknown":
        return f"{what}: {first} a month for {months + 1} months; when the first is taken is not stated"
    if entry["kind"] == "subscription":
        return f"{what}: {first} at the start of each month you stay" + (f" ({months + 1} months)" if months else "")
    if entry["first_when"] == "checkout":
        when = (
            "at checkout (the first one before the evaluation)" if count > 1 else "at checkout, before the evaluation"
        )
        return f"{what}: {first} {when}{later}"
    return f"{what}: {first} when bought (no payment schedule is stated)"


def nearest_lines(nearest: list[Nearer], criteria: Criteria, carrier: str | None) -> list[str]:
    """'Without “in-person sessions”: 3 providers (Innerwell, Better U, Mindbloom)': the questions one filter
    away from an empty answer."""
    from ketacli.render.columns import filter_words

    lines = []
    for near in nearest:
        words = filter_words(near["field"], criteria, carrier)
        more = "" if near["kept"] <= len(near["names"]) else f" and {near['kept'] - len(near['names'])} more"
        count = f"{near['kept']} provider{'s' if near['kept'] != 1 else ''}"
        lines.append(f"Without “{words}”: {count} ({', '.join(near['names'])}{more})")
    return lines


def _usd(dollars: Any, *, always_cents: bool = False) -> str:
    return "—" if dollars is None else format_usd(to_cents(dollars), always_cents=always_cents)


def _charged(stage: Stage, outcome: Outcome) -> str:
    text = charge_words(stage, outcome)
    ways = [settlement_words(by) for by in outcome["by_payment"]]
    return text + (f" ({'; '.join(ways)})" if ways else "")


# The report has room to spell out the price basis (and says "self-pay" when no carrier was asked about); the
# carrier is named in the question and the title, so not repeated per row.
_REPORT_CELLS: dict[str, Callable[[Row], str]] = {"insurance": lambda row: INSURANCE_IN_FULL[row["insurance"]]}


class RankingTable(NamedTuple):
    """The report's ranking table: the columns the field registry gives the report, the figure the question
    was about beside the total, and each cell's words."""

    columns: list[dict[str, Any]]  # key, header, numeric
    extra: dict[str, dict[str, str]]  # provider id → the question's own cells (financing terms)

    def cell(self, key: str, row: Row) -> str:
        own = self.extra.get(row["id"], {})
        if key in own:
            return own[key]
        words = _REPORT_CELLS.get(key) or CELLS[key]
        return words(row)


# The figure each question is about, shown right after the total and its dose level (so before a phone's
# sideways scroll, and never between a figure and what qualifies it):
# "up to $200 a month" asks what each costs a month; "with financing", on what terms; a carrier, insured or not.
_MONTHLY = {"key": "lowest_monthly_payment", "header": "A month, at the least", "numeric": True}
_FINANCING = {"key": "financing_terms", "header": "Financing terms", "numeric": False}


def _monthly_cell(row: Row) -> str:
    """The least a month as a figure, as the column's header says; where no item states one, how it fits
    (through financing, subject to approval), never a bare "not stated" beside an answer that names it."""
    monthly = row.get("lowest_monthly_payment")
    return monthly_words(row) if monthly is None else f"{_usd(monthly)} a month"


_REPORT_CELLS["lowest_monthly_payment"] = _monthly_cell


def financing_terms(provider: ProviderDoc) -> str:
    """What the catalogue says of a provider's financing: from how much a month, approval, alternatives."""
    financing = provider["financing"]
    if not financing["available"]:
        return "none offered"
    parts = [
        f"{plan['name']}: from {_usd(plan['financing']['monthly_from'])} a month, "
        f"{plan['financing']['approval'].replace('_', ' ')}"
        for plan in provider["plans"]
        if plan["financing"]
    ]
    if not parts and financing["monthly_from"] is not None:
        parts.append(f"from {_usd(financing['monthly_from'])} a month")
    if financing["approval_note"]:
        parts.append(financing["approval_note"].rstrip("."))
    if financing["checkout_installments"]:
        parts.append(f"at checkout: {', '.join(financing['checkout_installments'])}")
    return "; ".join(parts) or "offered; terms not stated"


def ranking_table(
    state_name: str | None, criteria: Criteria | None = None, providers: list[ProviderDoc] | None = None
) -> RankingTable:
    from ketacli.fields import columns

    shown = [
        {
            "key": key,
            # The state's name in the header: "In Texas", as the question was asked.
            "header": f"In {state_name or 'your state'}" if key == "availability" else column.header,
            "numeric": column.justify == "right",
        }
        for key, column in columns("report")
    ]
    beside_total: list[dict[str, Any]] = []
    if criteria is not None and criteria.insurance:
        beside_total += [c for c in shown if c["key"] == "insurance"]
    if criteria is not None and criteria.monthly_budget is not None:
        beside_total.append(_MONTHLY)
    if criteria is not None and criteria.financing:
        beside_total.append(_FINANCING)
    if beside_total:
        rest = [c for c in shown if c not in beside_total]
        at = next(i for i, c in enumerate(rest) if c["key"] == "dose_level") + 1
        shown = [*rest[:at], *beside_total, *rest[at:]]
    # Only a financing question shows the terms: worked out then, for the providers the ranking shows.
    asked_financing = criteria is not None and criteria.financing
    extra = {p["id"]: {"financing_terms": financing_terms(p)} for p in providers or []} if asked_financing else {}
    return RankingTable(shown, extra)


def markdown_link(source: Mapping[str, Any], safe: Callable[[str], Any]) -> Any:
    """A source as a CommonMark link, `[title](<url>)`, its title escaped; where no address was recorded, the
    title and that fact. `safe` marks the result as already escaped (markupsafe.Markup)."""
    title = escape_text(source["title"])
    url = source["url"]
    if not url.startswith(("https://", "http://")):
        return safe(f"{title} (address not recorded)")
    # Inside <...> a destination may hold parentheses; <, > and \ are percent-encoded (validation refuses
    # spaces and quotes in an address).
    destination = url.replace("\\", "%5C").replace("<", "%3C").replace(">", "%3E")
    return safe(f"[{title}](<{destination}>)")


def _shown_providers(document: ReportDocument) -> list[ProviderDoc]:
    shown = {p["id"] for p in document["providers"]}
    return [p for p in document["all_providers"] if p["id"] in shown]


def _best_effort_cache(jinja2: Any, folder: Path) -> Any:
    """Jinja's bytecode cache in `folder`, which never fails a report: a cache that cannot be read or written
    (a full disk, a file-size limit, a folder, a FIFO or a device in a file's place) only costs the compiling
    it saves. Read as the catalogue cache is (`fileio.read_limited`: a regular file only, never blocking)."""
    from ketacli.fileio import ReadRefused, read_limited

    class BestEffort(jinja2.FileSystemBytecodeCache):  # type: ignore[misc]
        def load_bytecode(self, bucket: Any) -> None:
            try:
                data = read_limited(Path(self._get_cache_filename(bucket)), 16 << 20, follow_symlinks=False)
            except (OSError, ReadRefused):
                bucket.reset()
                return
            bucket.bytecode_from_string(data)

        def dump_bytecode(self, bucket: Any) -> None:
            try:
                super().dump_bytecode(bucket)
            except OSError:
                pass

    return BestEffort(str(folder), "template-%s.cache")


def render_report(document: ReportDocument, criteria: Criteria, fmt: ReportFormat, *, version: str,
                  compiled: Path | None = None) -> str:  # fmt: skip
    """The report as HTML or Markdown. `compiled`: a private folder (the cache's) that keeps the templates'
    compiled code between runs (Jinja's own bytecode cache, keyed by each template's source): compiling the
    HTML template took most of a report's start-up."""
    import jinja2
    import markupsafe

    def finalize(value: Any) -> Any:
        if value is None:
            return ""
        if not isinstance(value, str) or isinstance(value, markupsafe.Markup):  # numbers; escaped macro output
            return value
        if not (value.isascii() and value.isprintable()):  # the common case needs no regex (10k providers)
            value = CONTROL_CHARS.sub("\ufffd", value)
        return escape_text(value) if fmt == "markdown" else value

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        bytecode_cache=None if compiled is None else _best_effort_cache(jinja2, compiled),
        autoescape=fmt == "html",
        finalize=finalize,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    carrier = document["carrier"]
    env.filters.update(
        usd=_usd,
        usd_from_cents=lambda cents: "—" if cents is None else format_usd(cents),
        usd_or_unknown=lambda dollars: "not stated" if dollars is None else _usd(dollars),
        ahead=ahead_words,
        ineligible=if_ineligible_words,
        address=address_words,
        shipment_loss=shipment_loss_words,
        payment_words=payment_words,
        charged=_charged,
        link=lambda url: url if isinstance(url, str) and url.startswith(("https://", "http://")) else "",
        mdlink=lambda source: markdown_link(source, markupsafe.Markup),
        plan_name=lambda plan_id, provider: provider["plan_names"][plan_id],
        conditions=join_conditions,
        capitalize_first=lambda text: text[:1].upper() + text[1:],
    )
    template = env.get_template("report.html.j2" if fmt == "html" else "report.md.j2")
    context = {
        **document,
        "version": version,
        "question": question_words(criteria, carrier=carrier) or "every provider, with no filters",
        "title": ranking_title(criteria, carrier),
        "ranking": ranking_table(STATE_NAMES.get(criteria.state or ""), criteria, _shown_providers(document)),
        "data_as_of": ", ".join(document["data_as_of"]) or "—",
        "notes": [(row["name"], note) for row in document["rows"] for note in row["notes"]],
        "chart": geometry(document["curve"]),
        "alternatives": _alternatives(document["alternatives"]),
        "minimum_ages": minimum_age_lines(document["all_providers"]),
        "answer_lines": decision_lines(document["answer"]),
        "nearest_lines": nearest_lines(document["nearest"], criteria, document["carrier"]),
        "calendars": [(p["name"], calendar_lines(p["calendar"])) for p in document["providers"] if p["calendar"]],
    }
    return template.render(**context)
