"""The typer apps and the root callback (global options). Commands register on `app` from their modules."""

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from ketacli import __version__
from ketacli.errors import UsageError

from .clock import today
from .environment import RunContext
from .output import emit

# Commands built only when a run names them (or lists them, for help and completion): `feed` and `update`
# carry nine commands' worth of options, and building every command's options costs every run start-up time.
_LAZY_COMMANDS = {"update": "update_app", "changes": "changes_app", "feed": "feed_app"}


class _Root(TyperGroup):
    """The root group: the usual commands, and `feed` and `update` from `cli.feed`, built on demand."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(name for name in _LAZY_COMMANDS if name not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in _LAZY_COMMANDS and cmd_name not in self.commands:
            from typer.main import get_command

            from . import feed

            command = get_command(getattr(feed, _LAZY_COMMANDS[cmd_name]))
            command.name = cmd_name
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    cls=_Root,
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


# The root's options that take a value: the word after one is never the command's name.
ROOT_OPTIONS_WITH_VALUES = frozenset({"--catalog"})


def root_command(args: list[str]) -> Any:
    """The click command for a run: with only the command `args` name built (its options are most of what
    building every command costs each run); the whole tree for help, completion, a lazy or unknown command."""
    import copy

    from typer.main import get_command

    name = _command_name(args)
    commands = [c for c in app.registered_commands if c.name == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if not commands and not groups:
        return get_command(app)
    one = copy.copy(app)
    one.registered_commands, one.registered_groups = commands, groups
    return get_command(one)


def _command_name(args: list[str]) -> str | None:
    words = iter(args)
    for word in words:
        if word in ROOT_OPTIONS_WITH_VALUES:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def _version(value: bool) -> None:
    if value:
        emit(f"ketacli {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    catalog: Annotated[
        str | None,  # text, not a Path: typer would turn '' into '.', the current folder
        typer.Option(
            "--catalog",
            envvar="KETACLI_CATALOG",
            help="Catalogue file to use instead of the built-in one.",
            show_default=False,
            metavar="<path>",
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show a traceback on errors (also KETACLI_DEBUG=1).")] = False,
    _version_flag: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Compare US at-home ketamine therapy providers. Informational, not medical advice."""
    today()  # a bad KETACLI_TODAY is a usage error before anything is printed
    run = ctx.ensure_object(RunContext)  # made by cli.run; a bare RunContext when typer is driven directly
    if catalog is not None and not catalog.strip():
        raise UsageError("--catalog is empty: name a catalogue file (or leave it out for the built-in one)")
    run.catalog = None if catalog is None else Path(catalog)
    run.debug = debug or run.debug
