"""`catalog validate|schema|export|stale|diff`: catalogue files for maintainers."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from ketacli.catalogue import (
    DEFAULT_MAX_BYTES,
    builtin_catalogue_path,
    export_document,
    load_catalogue,
    prebuilt_builtin,
)
from ketacli.errors import CatalogueError, CatalogueMissing, KetaError, UsageError
from ketacli.freshness import DEFAULT_MAX_AGE_DAYS, dated_facts

from .app import catalog_app
from .clock import today
from .environment import cache_folder, catalogue_choice, data_dir, load, size_limit, validate_file
from .options import (
    JsonOption,
    MaxAgeOption,
    file_path,
)
from .output import emit, emit_json, note, write_output
from .presenting import present, render_rows

# --------------------------------------------------------------------------------------------------- commands

if TYPE_CHECKING:
    from ketacli.document import Entry


@catalog_app.command("validate")
def catalog_validate(
    ctx: typer.Context,
    path: Annotated[
        str | None,
        typer.Argument(help="Catalogue file (default: the one in use).", show_default=False),
    ] = None,
) -> None:
    """Validate a catalogue file and report every problem found; exit 0 when valid."""

    target = file_path(path, "the catalogue file") or ctx.obj.catalog or builtin_catalogue_path()
    prebuilt = prebuilt_builtin(target)  # validated when it was made, from these very bytes (tests hold it)
    if prebuilt is not None:
        counts = len(prebuilt["providers"]), len(prebuilt["alternatives"])
    else:
        _, model = validate_file(target)
        counts = len(model.providers), len(model.alternatives)
    emit(f"{target}: valid ({counts[0]} providers, {counts[1]} alternatives)\n")


@catalog_app.command("schema")
def catalog_schema() -> None:
    """Print the JSON Schema of the catalogue format (for editors and contributors)."""
    from ketacli.models import Catalogue

    emit_json(Catalogue.model_json_schema())


@catalog_app.command("export")
def catalog_export(
    ctx: typer.Context,
    fmt: Annotated[Literal["toml", "json"], typer.Option("--format", "-f", help="toml or json.")] = "toml",
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to this file (atomically) instead of stdout; - for stdout.",
            show_default=False,
            metavar="<path>",
        ),
    ] = None,
) -> None:
    """Write the catalogue in use as TOML or JSON (round-trip safe)."""
    catalogue = load(ctx.obj)
    if fmt == "json":
        from ketacli.render.jsonfmt import to_json

        text = to_json(catalogue.data)
    else:
        import tomli_w

        text = tomli_w.dumps(export_document(catalogue))
    write_output(text, output)


@catalog_app.command("stale")
def catalog_stale(
    ctx: typer.Context,
    max_age: MaxAgeOption = DEFAULT_MAX_AGE_DAYS,
    as_json: JsonOption = False,
) -> None:
    """How old each entry's data is (its prices' date beside its newest dated source), and when each rule was
    checked; stale ones are older than --max-age days. Old data is not an error: exit 0 whatever its age (a
    catalogue that cannot be read is exit 1)."""

    catalogue = load(ctx.obj)
    entries: list[Entry] = [*catalogue.providers, *catalogue.alternatives]
    rows = dated_facts(entries, catalogue.rules, today(), max_age)

    def people() -> None:
        from ketacli.render.catalog_tables import STALE_COLUMNS

        render_rows(rows, STALE_COLUMNS, "table")

    present(as_json, data=lambda: rows, people=people)


@catalog_app.command("diff")
def catalog_diff(
    old_name: Annotated[
        str | None, typer.Argument(metavar="OLD", help="The earlier catalogue file.", show_default=False)
    ] = None,
    new_name: Annotated[
        str | None, typer.Argument(metavar="NEW", help="The later catalogue file.", show_default=False)
    ] = None,
    previous: Annotated[
        bool, typer.Option("--previous", help="Compare the feed catalogue in use with the one before the last update.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """What changed between two catalogue files: providers, prices, plans, states, carriers, policies."""
    from ketacli.diff import diff_catalogues

    old, new = file_path(old_name, "OLD"), file_path(new_name, "NEW")
    if previous and (old or new):
        raise UsageError("--previous compares the last update's catalogues: give no files with it")
    if not previous and (old is None or new is None):
        raise UsageError("name two catalogue files (OLD NEW), or use --previous after an update")
    if previous:
        old_path, new_path = _previous_pair()
    else:
        assert old is not None and new is not None
        old_path, new_path = old, new
    cache_dir, max_bytes = cache_folder(), size_limit(DEFAULT_MAX_BYTES)
    try:
        before = load_catalogue(old_path, cache_dir=cache_dir, max_bytes=max_bytes)
        after = load_catalogue(new_path, cache_dir=cache_dir, max_bytes=max_bytes)
    except CatalogueMissing as exc:  # a path given here, not through --catalog
        raise CatalogueError(f"{exc.path}: no such file; check the path") from None
    changes = diff_catalogues(before.data, after.data)
    rows = [change._asdict() for change in changes]

    def people() -> None:
        if not changes:
            note("no differences")
            return
        from ketacli.render.catalog_tables import DIFF_COLUMNS

        render_rows(rows, DIFF_COLUMNS, "table")
        note(f"{len(changes)} change{'s' if len(changes) != 1 else ''}")

    present(as_json, data=lambda: rows, people=people)


def _previous_pair() -> tuple[Path | None, Path]:
    """The catalogue in use before the last update (None: the built-in one) and the feed catalogue now."""
    from ketacli.feed.active import DamagedState, previous_catalogue, read_active

    try:
        active = read_active(data_dir())
        before = previous_catalogue(data_dir())
    except LookupError as exc:
        raise KetaError(f"{exc}; nothing to compare") from None
    except FileNotFoundError as exc:
        raise KetaError(f"{exc}: the catalogue before the last update is no longer kept") from None
    except DamagedState as exc:
        raise KetaError(str(exc)) from None
    if active is None:
        raise KetaError("no feed catalogue is installed now; nothing to compare")
    return before, active.catalogue


# Registered after the core commands so that `ketacli --help` lists compare and cost first.


@catalog_app.command("status")
def catalog_status(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Which catalogue is in use and why: --catalog, KETACLI_CATALOG, a feed, or the built-in one."""
    import datetime as dt

    choice = catalogue_choice(ctx.obj)
    builtin = builtin_catalogue_path()
    built_in = load_catalogue(None, cache_dir=cache_folder(), max_bytes=size_limit(DEFAULT_MAX_BYTES))
    status: dict[str, Any] = {
        "source": "feed" if choice.feed else "built-in" if choice.path is None else choice.why,
        "path": str(choice.path or builtin),
        "builtin_path": str(builtin),
        "builtin_as_of": max((e["as_of"] for e in [*built_in.providers, *built_in.alternatives]), default=None),
        "feed": None if choice.feed is None else choice.feed.to_json(),
    }
    intact = choice.feed is not None and choice.feed.intact()
    if choice.feed is not None:
        status["vouched_for"] = intact and not choice.feed.expired(dt.datetime.now(dt.UTC))

    def people() -> None:
        if choice.feed is not None:
            feed = choice.feed
            vouched = (
                "yes" if status["vouched_for"]
                else "no, the file was changed after it was verified: `ketacli update` installs it again" if not intact
                else "no, its signed metadata has expired: run `ketacli update`"
            )  # fmt: skip
            emit(
                f"in use: feed {feed.feed}, version {feed.version}\n"
                f"  file: {feed.catalogue}\n  signed: {feed.signed}\n  metadata expires: {feed.expires}\n"
                f"  last verified: {feed.verified}\n  still vouched for: {vouched}\n"
            )
        elif choice.path is not None:
            emit(f"in use: {choice.path} (from {choice.why})\n")
        else:
            emit(f"in use: the built-in catalogue ({builtin})\n")
        emit(f"built-in catalogue (data as of {status['builtin_as_of']}), always usable with --catalog: {builtin}\n")

    present(as_json, data=lambda: status, people=people)
