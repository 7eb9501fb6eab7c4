"""The command line: a thin typer layer over query, pricing and the renderers.

The only modules that touch streams, exit codes and the environment are the cli_* modules: cli.py (the
core commands and the entry point, where every error becomes one line and an exit code), cli_output.py
(stdout and stderr: terminals, formats, closed pipes, failed writes), cli_env.py (environment variables,
the catalogue in use, the profile file), cli_clock.py (today's date), cli_options.py (flags and shell
completion), cli_app.py (the typer apps and global options), and the commands in cli_places.py,
cli_profile.py and cli_report.py. Everything else is pure: data in, data or text out.

Start-up matters (scripts call `ketacli compare --json` in loops), so only typer, the standard library
and a few tiny first-party modules load at start-up. The lazy imports inside commands are the ones that
cost: pydantic (the schema, ~100 ms), rich (tables, ~25 ms), Jinja2 (the report), TOML parsers and csv;
and query/pricing/render (~10 ms with fractions and decimal), which `--version`, `--help` and completion
never need. ruff TID253 enforces the banned ones; tests/test_subprocess.py checks what loads.
"""

import errno
import gc
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn

import typer

from .catalogue import (
    DEFAULT_MAX_BYTES,
    builtin_catalogue_path,
    export_document,
    load_catalogue,
)
from .cli_app import app, catalog_app
from .cli_clock import today
from .cli_env import _cache_dir, _max_bytes, _settings, load, validate_file, with_profile
from .cli_options import (
    BudgetOption,
    ConfirmedOnlyOption,
    DoseLevelOption,
    DosesOption,
    FormatOption,
    InNetworkOnlyOption,
    InsuranceOption,
    JsonOption,
    MaxAgeOption,
    MonthlyBudgetOption,
    NoProfileOption,
    PayInFullOption,
    ReturningOption,
    ShowExcludedOption,
    StateOption,
    _check_doses,
    _complete_provider,
    _dose_level,
    compare_criteria,
    parse_state,
)
from .cli_output import (
    OutputFailed,
    PipeClosed,
    emit,
    emit_json,
    note,
    output_format,
    output_started,
    parse_fields,
    present,
    prices_as_of,
    print_sections,
    render_rows,
    show_alternatives,
    show_ranking,
    start_run,
    warn_about_rules,
    warn_if_stale,
    write_output,
)
from .errors import CatalogueMissing, ExitStatus, KetaError, NeedsCarrier, NeedsState, UsageError
from .freshness import DEFAULT_MAX_AGE_DAYS, ages
from .textsafe import printable

__all__ = ["app", "main", "run"]


# --------------------------------------------------------------------------------------------------- commands


@app.command("compare")
def compare_cmd(
    state: StateOption = None,
    doses: DosesOption = None,
    budget: BudgetOption = None,
    monthly_budget: MonthlyBudgetOption = None,
    insurance: InsuranceOption = None,
    returning: ReturningOption = None,
    pay_in_full: PayInFullOption = None,
    hsa_fsa: Annotated[bool, typer.Option("--hsa-fsa", help="Accepts HSA/FSA payments.")] = False,
    financing: Annotated[bool, typer.Option("--financing", help="Offers financing.")] = False,
    free_consult: Annotated[bool, typer.Option("--free-consult", help="Free consultation.")] = False,
    no_sitter: Annotated[bool, typer.Option("--no-sitter", help="No sitter required.")] = False,
    id_verified: Annotated[bool, typer.Option("--id-verified", help="Requires ID verification.")] = False,
    clinician_led: Annotated[
        bool, typer.Option("--clinician-led", help="Integration with a licensed clinician.")
    ] = False,
    delivery: Annotated[
        str | None, typer.Option("--delivery", help="tablet, troche, injection or infusion.", show_default=False)
    ] = None,
    in_clinic: Annotated[
        bool, typer.Option("--in-clinic", help="In-person ketamine sessions (in --state if given).")
    ] = False,
    dose_level: DoseLevelOption = None,
    confirmed_only: ConfirmedOnlyOption = False,
    in_network_only: InNetworkOnlyOption = False,
    sort: Annotated[
        Literal["total", "per-dose", "states", "name"], typer.Option("--sort", help="Ranking order.")
    ] = "total",
    reverse: Annotated[bool, typer.Option("--reverse", help="Reverse the order.")] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Show at most N rows.", show_default=False)
    ] = None,
    fields: Annotated[
        str | None, typer.Option("--fields", help="Comma-separated keys for JSON and CSV.", show_default=False)
    ] = None,
    show_excluded: ShowExcludedOption = False,
    fmt: FormatOption = None,
    as_json: JsonOption = False,
    max_age: MaxAgeOption = DEFAULT_MAX_AGE_DAYS,
    no_profile: NoProfileOption = False,
) -> None:
    """Filter, rank and explain: one row per provider that passes every filter."""
    from .fields import COMPARE_FIELDS
    from .query import compare, needs_alternatives
    from .render.reports import COMPARE_COLUMNS

    fmt = output_format(fmt, as_json)
    chosen_fields = parse_fields(fields, COMPARE_FIELDS)
    criteria = compare_criteria(
        state=state, doses=doses, budget=budget, monthly_budget=monthly_budget, insurance=insurance,
        returning=returning, pay_in_full=pay_in_full, hsa_fsa=hsa_fsa, financing=financing,
        free_consult=free_consult, no_sitter=no_sitter, id_verified=id_verified, clinician_led=clinician_led,
        delivery=delivery, in_clinic=in_clinic, dose_level=dose_level, confirmed_only=confirmed_only,
        in_network_only=in_network_only, sort=sort, reverse=reverse, limit=limit, no_profile=no_profile,
    )  # fmt: skip
    catalogue = load()
    result = compare(catalogue, criteria, today())
    show_ranking(result, criteria, COMPARE_COLUMNS, fmt, show_excluded, fields=chosen_fields, csv_fields=COMPARE_FIELDS)
    if not result.rows:
        note("no providers matched")
    if needs_alternatives(result) and criteria.state and result.confirmed is not None:
        show_alternatives(catalogue.alternatives, criteria.state, result.confirmed, fmt, after_rows=bool(result.rows))
    prices_as_of(result.rows, catalogue.providers, max_age, catalogue.rules)


@app.command("cost")
def cost_cmd(
    doses: DosesOption = None,
    state: StateOption = None,
    insurance: InsuranceOption = None,
    returning: ReturningOption = None,
    pay_in_full: PayInFullOption = None,
    dose_level: DoseLevelOption = None,
    confirmed_only: ConfirmedOnlyOption = False,
    in_network_only: InNetworkOnlyOption = False,
    schedule: Annotated[bool, typer.Option("--schedule", help="Show installment schedules where defined.")] = False,
    show_excluded: ShowExcludedOption = False,
    fmt: FormatOption = None,
    as_json: JsonOption = False,
    max_age: MaxAgeOption = DEFAULT_MAX_AGE_DAYS,
    no_profile: NoProfileOption = False,
) -> None:
    """The cheapest way to get at least N doses at each provider, with what to buy."""
    from .criteria import Criteria
    from .fields import COST_FIELDS
    from .query import cost
    from .render.reports import COST_COLUMNS

    fmt = output_format(fmt, as_json)
    flags = with_profile(
        {"doses": doses, "state": state, "insurance": insurance, "returning": returning,
         "pay_in_full": pay_in_full, "dose_level": dose_level},
        use_profile=not no_profile,
    )  # fmt: skip
    doses = 12 if flags["doses"] is None else flags["doses"]
    _check_doses(doses)
    criteria = Criteria(
        state=parse_state(flags["state"]),
        doses=doses,
        returning=bool(flags["returning"]),
        pay_in_full=bool(flags["pay_in_full"]),
        insurance=flags["insurance"],
        dose_level=_dose_level(flags["dose_level"]),
        confirmed_only=confirmed_only,
        in_network_only=in_network_only,
    )
    catalogue = load()
    result = cost(catalogue, criteria, today())
    show_ranking(result, criteria, COST_COLUMNS, fmt, show_excluded, csv_fields=COST_FIELDS)
    if schedule and fmt == "table":
        from .render.reports import schedule_text

        emit(schedule_text(result.rows))
    if not result.rows:
        note("no provider can be priced with these options")
    prices_as_of(result.rows, catalogue.providers, max_age, catalogue.rules)


@app.command("providers")
def providers_cmd(fmt: FormatOption = None, as_json: JsonOption = False) -> None:
    """List the providers: id, name, best for, states served, price range, dose level."""
    from .render.reports import PROVIDER_COLUMNS, provider_rows

    fmt = output_format(fmt, as_json)
    catalogue = load()
    if not catalogue.providers:
        note("the catalogue lists no providers")
    render_rows(provider_rows(catalogue.providers), PROVIDER_COLUMNS, fmt)
    warn_about_rules(catalogue.providers, catalogue.rules)


@app.command("show")
def show_cmd(
    provider: Annotated[
        str, typer.Argument(help="Provider id or name, any case ('better u').", autocompletion=_complete_provider)
    ],
    as_json: JsonOption = False,
    max_age: MaxAgeOption = DEFAULT_MAX_AGE_DAYS,
) -> None:
    """Everything the catalogue knows about one provider or alternative, with sources and dates."""
    from .query import find_entry

    catalogue = load()
    entry = find_entry(catalogue, provider)
    warn_about_rules([entry], catalogue.rules)
    warn_if_stale([entry], max_age, catalogue.rules)

    def people() -> None:
        from .render.reports import show_lines

        print_sections(show_lines(entry, catalogue.data["safety"].get("crisis_line"), catalogue.rules, today()))

    present(as_json, data=lambda: entry, people=people)


@app.command("refunds")
def refunds_cmd(
    provider: Annotated[
        str | None,
        typer.Argument(
            help="Provider id or name, any case (default: every provider).",
            autocompletion=_complete_provider,
            show_default=False,
        ),
    ] = None,
    plan: Annotated[
        str | None, typer.Option("--plan", help="Only this plan (id or name; needs PROVIDER).", show_default=False)
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """What you lose if you are found ineligible or stop early: each plan's refund ladder, or "unknown"."""
    from .query import find_plan, find_provider
    from .refunds import provider_refunds

    catalogue = load()
    if plan is not None and provider is None:
        raise UsageError(
            "--plan needs a PROVIDER: plan ids are per provider (e.g. `ketacli refunds mindbloom --plan 6`)"
        )
    if provider is None:
        entries = catalogue.providers
    else:
        entries = [find_provider(catalogue, provider, why="it has no plans or refund policy in the catalogue")]
    documents = [provider_refunds(p, find_plan(p, plan) if plan else None) for p in entries]
    if not documents:
        note("the catalogue lists no providers")

    def people() -> None:
        from .render.refunds import refund_sections

        print_sections([section for document in documents for section in refund_sections(document)])

    present(as_json, data=lambda: documents, people=people)


# --------------------------------------------------------------------------------------------------- catalog


@catalog_app.command("validate")
def catalog_validate(
    path: Annotated[
        Path | None,
        typer.Argument(help="Catalogue file (default: the one in use).", show_default=False),
    ] = None,
) -> None:
    """Validate a catalogue file and report every problem found; exit 0 when valid."""

    target = path or _settings.catalog or builtin_catalogue_path()
    _, model = validate_file(target)
    emit(f"{target}: valid ({len(model.providers)} providers, {len(model.alternatives)} alternatives)\n")


@catalog_app.command("schema")
def catalog_schema() -> None:
    """Print the JSON Schema of the catalogue format (for editors and contributors)."""
    from .models import Catalogue

    emit_json(Catalogue.model_json_schema())


@catalog_app.command("export")
def catalog_export(
    fmt: Annotated[Literal["toml", "json"], typer.Option("--format", "-f", help="toml or json.")] = "toml",
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to this file (atomically) instead of stdout; - for stdout.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write the catalogue in use as TOML or JSON (round-trip safe)."""
    catalogue = load()
    if fmt == "json":
        from .render.jsonfmt import to_json

        text = to_json(catalogue.data)
    else:
        import tomli_w

        text = tomli_w.dumps(export_document(catalogue))
    write_output(text, output)


@catalog_app.command("stale")
def catalog_stale(
    max_age: MaxAgeOption = DEFAULT_MAX_AGE_DAYS,
    as_json: JsonOption = False,
) -> None:
    """How old each entry's data is; stale ones are older than --max-age days. Always exits 0."""

    catalogue = load()
    rows = [age._asdict() for age in ages([*catalogue.providers, *catalogue.alternatives], today(), max_age)]

    def people() -> None:
        from .render.catalog import STALE_COLUMNS

        render_rows(rows, STALE_COLUMNS, "table")

    present(as_json, data=lambda: rows, people=people)


@catalog_app.command("diff")
def catalog_diff(
    old: Annotated[Path, typer.Argument(help="The earlier catalogue file.")],
    new: Annotated[Path, typer.Argument(help="The later catalogue file.")],
    as_json: JsonOption = False,
) -> None:
    """What changed between two catalogue files: providers, prices, plans, states, carriers, policies."""
    from .diff import diff_catalogues

    cache_dir, max_bytes = _cache_dir(), _max_bytes(DEFAULT_MAX_BYTES)
    before = load_catalogue(old, cache_dir=cache_dir, max_bytes=max_bytes)
    after = load_catalogue(new, cache_dir=cache_dir, max_bytes=max_bytes)
    changes = diff_catalogues(before.data, after.data)
    rows = [change._asdict() for change in changes]

    def people() -> None:
        if not changes:
            note("no differences")
            return
        from .render.catalog import DIFF_COLUMNS

        render_rows(rows, DIFF_COLUMNS, "table")
        note(f"{len(changes)} change{'s' if len(changes) != 1 else ''}")

    present(as_json, data=lambda: rows, people=people)


# Registered after the core commands so that `ketacli --help` lists compare and cost first.
from . import cli_feed, cli_places, cli_profile, cli_report  # noqa: E402, F401

cli_report.register(compare_cmd)

# --------------------------------------------------------------------------------------------------- entry point


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code; every error ends here as one line on stderr."""
    # A run builds large acyclic data (the catalogue) and ends: the cycle collector would only rescan it,
    # which costs over half the validation time of a 10,000-provider catalogue (see benchmarks/).
    collecting = gc.isenabled()
    gc.disable()
    _degrade_unencodable_output()
    try:
        return _run(list(sys.argv[1:] if argv is None else argv))
    except (PipeClosed, BrokenPipeError):  # also from the error and help paths below
        return _silence_stdout(ExitStatus.OK)
    except SystemExit:
        # click turns a closed pipe during its own output (--help) into exit 1, after wrapping stdout.
        if type(sys.stdout).__name__ == "PacifyFlushWrapper":
            return _silence_stdout(ExitStatus.OK)
        raise
    except OutputFailed as exc:
        _silence_stdout(ExitStatus.ERROR)
        return _fail(str(exc), ExitStatus.ERROR)
    finally:
        if collecting:
            gc.enable()


# What a stream that cannot encode a symbol prints instead: each its own fallback, so "✓" and "✗" never
# both become "?", which already means "unknown" (the legends print through the same map, so they match).
ASCII_FALLBACKS = {
    "✓": "Y", "✗": "N", "—": "-", "–": "-", "→": "->", "×": "x", "…": "...", "’": "'", "‘": "'",
    "“": '"', "”": '"', "•": "*", "≤": "<=", "≥": ">=", "\u00a0": " ",
}  # fmt: skip


def _ascii_fallback(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeEncodeError)
    text = error.object[error.start : error.end]
    return "".join(ASCII_FALLBACKS.get(char, "?") for char in text), error.end


def _degrade_unencodable_output() -> None:
    """On a stream that cannot encode "—", "✓" or "×" (PYTHONIOENCODING=ascii or latin-1), print each
    symbol's own ASCII fallback ("Y", "N", "-") rather than crash, or a "?" that would read as "unknown"."""
    import codecs

    codecs.register_error("ketacli-ascii", _ascii_fallback)
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if reconfigure is not None and not encoding.startswith("utf"):
            try:
                reconfigure(errors="ketacli-ascii")
            except (ValueError, OSError):
                pass


def _run(args: list[str]) -> int:
    from typer.main import get_command

    _settings.debug = "--debug" in args or os.environ.get("KETACLI_DEBUG", "") not in ("", "0")
    _settings.cache_entries.clear()
    _settings.warned_unvouched = False
    start_run()
    command = get_command(app)
    try:
        try:
            result = command.main(args=args, prog_name="ketacli", standalone_mode=False)
        except Exception as exc:
            expected = (KetaError, PipeClosed, OutputFailed, BrokenPipeError, typer.Abort, typer.Exit)
            if isinstance(exc, expected) or _is_usage_error(exc) or not _settings.cache_entries or _settings.debug:
                raise
            # A cache entry whose checksum matched but whose content the commands cannot use (written by
            # hand or by another version): remove it, and if nothing was printed yet, run again from the
            # catalogue itself, which rebuilds the entry. Never "internal error" until deleted by hand.
            for entry in _settings.cache_entries:
                entry.unlink(missing_ok=True)
            _settings.cache_entries.clear()
            if output_started():
                raise KetaError(
                    "the cached catalogue was unusable and has been removed; run the command again"
                ) from exc
            note("the cached catalogue was unusable; rebuilt it from the catalogue file")
            result = command.main(args=args, prog_name="ketacli", standalone_mode=False)
        return result if isinstance(result, int) else ExitStatus.OK
    except KetaError as exc:
        if _settings.debug:
            raise
        return _fail(in_flag_words(exc), exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        return ExitStatus.INTERRUPTED
    except (PipeClosed, BrokenPipeError, OutputFailed):
        raise  # handled in run()
    except Exception as exc:  # noqa: BLE001 - the one place that turns any error into a message
        if _is_usage_error(exc):
            return _usage_error(exc)
        if isinstance(exc, OSError) and exc.errno in _WRITE_ERRORS:  # typer's own help text to a full disk
            raise OutputFailed(exc) from None
        if _settings.debug:
            raise
        return _fail(
            f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for a traceback)", ExitStatus.ERROR
        )


def in_flag_words(exc: KetaError) -> str:
    """The core's errors name no flag; here, where the flags are known, they say which one to use."""
    if isinstance(exc, NeedsState):
        return "--insurance needs --state: accepted carriers differ from state to state"
    if isinstance(exc, NeedsCarrier):
        return "--in-network-only needs --insurance (and --state): in whose network?"
    if isinstance(exc, CatalogueMissing):
        return f"{exc}; check the path given to --catalog or KETACLI_CATALOG"
    return str(exc)


def _is_usage_error(exc: Exception) -> bool:
    return hasattr(exc, "format_message") and hasattr(exc, "exit_code")


def _usage_error(exc: Any) -> int:
    if type(exc).__name__ == "NoArgsIsHelpError":  # plain `ketacli` or `ketacli catalog`: show the help
        emit(exc.ctx.get_help() + "\n")
        return ExitStatus.OK
    hint = ""
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        hint = f" (see '{ctx.command_path} --help')"
    return _fail(f"{exc.format_message()}{hint}", exc.exit_code if exc.exit_code else ExitStatus.USAGE)


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"ketacli: error: {printable(message)}\n")
    return code


_WRITE_ERRORS = {errno.ENOSPC, errno.EIO, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _silence_stdout(code: int) -> int:
    """stdout is gone (`| head`) or failing (a full disk): point it at /dev/null so that Python's final
    flush at exit has nothing to complain about, and end with `code`."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return code


def main() -> NoReturn:
    code = run()
    # A large catalogue is hundreds of MB of small objects, and freeing them one by one at exit took 1.3 s
    # of an 8 s cold run on 10,000 providers (benchmarks/). The work is done and nothing is registered to
    # run at exit: flush what people and pipes are owed, and leave without tearing the heap down.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or a full disk, already reported
            pass
    os._exit(code)
