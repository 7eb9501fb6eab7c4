"""The typer apps and the root callback (global options). Commands register on `app` from their modules."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ketacli import __version__

from .clock import today
from .environment import settings
from .output import emit

if TYPE_CHECKING:
    pass


app = typer.Typer(
    name="ketacli",
    help="Compare US at-home ketamine therapy providers: availability, real costs, insurance, safety. "
    "Informational, not medical advice.",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


catalog_app = typer.Typer(
    help="Validate, describe and export catalogue files.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(catalog_app, name="catalog")


profile_app = typer.Typer(
    help="Save defaults for compare and cost (state, carrier, doses, budget, ...).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(profile_app, name="profile")


def _version(value: bool) -> None:
    if value:
        emit(f"ketacli {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    catalog: Annotated[
        Path | None,
        typer.Option(
            "--catalog",
            envvar="KETACLI_CATALOG",
            help="Catalogue file to use instead of the built-in one.",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show a traceback on errors (also KETACLI_DEBUG=1).")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Compare US at-home ketamine therapy providers. Informational, not medical advice."""
    today()  # a bad KETACLI_TODAY is a usage error before anything is printed
    settings.catalog = catalog
    settings.debug = debug or settings.debug
