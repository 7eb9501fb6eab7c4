"""`show` and `refunds`: everything about one provider, and its refund ladders."""

from typing import Annotated

import typer

from ketacli.errors import UsageError
from ketacli.freshness import DEFAULT_MAX_AGE_DAYS

from .app import app
from .clock import today
from .environment import load
from .options import (
    JsonOption,
    MaxAgeOption,
    complete_provider,
    non_empty,
)
from .output import note, print_sections
from .presenting import present, warn_about_rules, warn_if_stale

# --------------------------------------------------------------------------------------------------- commands


@app.command("show")
def show_cmd(
    ctx: typer.Context,
    provider: Annotated[
        str, typer.Argument(help="Provider id or name, any case ('better u').", autocompletion=complete_provider)
    ],
    as_json: JsonOption = False,
    max_age: MaxAgeOption = DEFAULT_MAX_AGE_DAYS,
) -> None:
    """Everything the catalogue knows about one provider or alternative, with sources and dates."""
    from ketacli.query import find_entry

    catalogue = load(ctx.obj)
    entry = find_entry(catalogue, provider)
    warn_about_rules([entry], catalogue.rules, catalogue.alternatives)
    warn_if_stale([entry], max_age, catalogue.rules)

    def people() -> None:
        from ketacli.render.show import show_lines

        print_sections(show_lines(entry, catalogue.data["safety"].get("crisis_line"), catalogue.rules, today()))

    present(as_json, data=lambda: entry, people=people)


@app.command("refunds")
def refunds_cmd(
    ctx: typer.Context,
    provider: Annotated[
        str | None,
        typer.Argument(
            help="Provider id or name, any case (default: every provider).",
            autocompletion=complete_provider,
            show_default=False,
        ),
    ] = None,
    plan: Annotated[
        str | None,
        typer.Option(
            "--plan", help="Only this plan (id or name; needs PROVIDER).", show_default=False, callback=non_empty
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """What you lose if you are found ineligible or stop early: each plan's refund ladder, or "unknown"."""
    from ketacli.query import find_plan, find_provider
    from ketacli.refunds import provider_refunds

    catalogue = load(ctx.obj)
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
        from ketacli.render.refunds import refund_sections

        print_sections([section for document in documents for section in refund_sections(document)])

    present(as_json, data=lambda: documents, people=people)


# --------------------------------------------------------------------------------------------------- catalog
