"""`compare`, `cost` and `providers`: the rankings, in every format."""

from typing import TYPE_CHECKING, Annotated, NamedTuple

import typer

from ketacli.criteria import SortKey
from ketacli.freshness import DEFAULT_MAX_AGE_DAYS

from .app import app
from .clock import today
from .environment import load, load_ranking
from .options import (
    BudgetOption,
    ConfirmedOnlyOption,
    DoseLevelOption,
    DosesOption,
    FormatOption,
    InNetworkOnlyOption,
    InsuranceOption,
    JsonShortcutOption,
    LimitOption,
    MaxAgeOption,
    MaxUpfrontOption,
    MonthlyBudgetOption,
    NoProfileOption,
    PayInFullOption,
    ReturningOption,
    ShowExcludedOption,
    StateOption,
    build_criteria,
    non_empty,
)
from .output import emit_wrapped, note
from .presenting import (
    output_format,
    parse_fields,
    prices_as_of,
    render_rows,
    show_alternatives,
    show_decision,
    show_ranking,
    warn_about_rules,
)

if TYPE_CHECKING:
    from ketacli.catalogue import LoadedQuery
    from ketacli.criteria import Criteria
    from ketacli.decision import Decision
    from ketacli.fields import Command, Row

    from .environment import RunContext
    from .presenting import FormatName

# --------------------------------------------------------------------------------------------------- commands


@app.command("compare")
def compare_cmd(
    ctx: typer.Context,
    state: StateOption = None,
    doses: DosesOption = None,
    budget: BudgetOption = None,
    monthly_budget: MonthlyBudgetOption = None,
    max_upfront: MaxUpfrontOption = None,
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
        str | None,
        typer.Option(
            "--delivery", help="tablet, troche, injection or infusion.", show_default=False, callback=non_empty
        ),
    ] = None,
    in_clinic: Annotated[
        bool, typer.Option("--in-clinic", help="In-person ketamine sessions (in --state if given).")
    ] = False,
    dose_level: DoseLevelOption = None,
    confirmed_only: ConfirmedOnlyOption = False,
    in_network_only: InNetworkOnlyOption = False,
    sort: Annotated[SortKey, typer.Option("--sort", help="Ranking order.")] = "total",
    reverse: Annotated[bool, typer.Option("--reverse", help="Reverse the order.")] = False,
    limit: LimitOption = None,
    fields: Annotated[
        str | None, typer.Option("--fields", help="Comma-separated keys for JSON and CSV.", show_default=False)
    ] = None,
    show_excluded: ShowExcludedOption = False,
    fmt: FormatOption = None,
    as_json: JsonShortcutOption = False,
    max_age: MaxAgeOption = DEFAULT_MAX_AGE_DAYS,
    no_profile: NoProfileOption = False,
) -> None:
    """Filter, rank and explain: one row per provider that passes every filter."""
    from ketacli.fields import COMPARE_FIELDS
    from ketacli.query import needs_alternatives

    fmt = output_format(fmt, as_json)
    chosen_fields = parse_fields(fields, COMPARE_FIELDS)
    criteria = build_criteria(
        state=state, doses=doses, budget=budget, monthly_budget=monthly_budget, max_upfront=max_upfront,
        insurance=insurance, returning=returning, pay_in_full=pay_in_full, hsa_fsa=hsa_fsa, financing=financing,
        free_consult=free_consult, no_sitter=no_sitter, id_verified=id_verified, clinician_led=clinician_led,
        delivery=delivery, in_clinic=in_clinic, dose_level=dose_level, confirmed_only=confirmed_only,
        in_network_only=in_network_only, sort=sort, reverse=reverse, limit=limit, no_profile=no_profile,
    )  # fmt: skip
    shown = _rank_and_show(ctx.obj, criteria, "compare", fmt, show_excluded, fields=chosen_fields)
    if not shown.ids:
        note("no providers matched")
    confirmed = shown.decision.confirmed
    if needs_alternatives(confirmed) and criteria.state and confirmed is not None:
        show_alternatives(shown.catalogue.alternatives, criteria.state, confirmed, fmt, after_rows=bool(shown.ids))
    show_decision(shown.decision, fmt)
    prices_as_of(shown.ids, shown.catalogue, max_age)


@app.command("cost")
def cost_cmd(
    ctx: typer.Context,
    doses: DosesOption = None,
    state: StateOption = None,
    insurance: InsuranceOption = None,
    returning: ReturningOption = None,
    pay_in_full: PayInFullOption = None,
    dose_level: DoseLevelOption = None,
    confirmed_only: ConfirmedOnlyOption = False,
    in_network_only: InNetworkOnlyOption = False,
    schedule: Annotated[bool, typer.Option("--schedule", help="Show installment schedules where defined.")] = False,
    limit: LimitOption = None,
    show_excluded: ShowExcludedOption = False,
    fmt: FormatOption = None,
    as_json: JsonShortcutOption = False,
    max_age: MaxAgeOption = DEFAULT_MAX_AGE_DAYS,
    no_profile: NoProfileOption = False,
) -> None:
    """The cheapest way to get at least N doses at each provider, with what to buy."""

    fmt = output_format(fmt, as_json)
    # cost's own flags; a saved budget is compare's business, so only these come from the profile.
    criteria = build_criteria(
        no_profile=no_profile, default_doses=12,
        profiled=("doses", "state", "insurance", "returning", "pay_in_full", "dose_level"),
        doses=doses, state=state, insurance=insurance, returning=returning, pay_in_full=pay_in_full,
        dose_level=dose_level, confirmed_only=confirmed_only, in_network_only=in_network_only, limit=limit,
    )  # fmt: skip
    shown = _rank_and_show(ctx.obj, criteria, "cost", fmt, show_excluded)
    if schedule and fmt == "table":
        from ketacli.render.columns import schedule_text

        emit_wrapped(schedule_text(shown.rows))
    if not shown.ids:
        note("no provider can be priced with these options")
    show_decision(shown.decision, fmt)
    prices_as_of(shown.ids, shown.catalogue, max_age)


class Shown(NamedTuple):
    """What a ranking showed: the query document for the lines about dates, who, and its answer (which holds how
    many providers are confirmed in the state)."""

    catalogue: "LoadedQuery"
    ids: set[str]
    rows: "list[Row]"
    decision: "Decision"


def _rank_and_show(run: "RunContext", criteria: "Criteria", view: "Command", fmt: "FormatName", show_excluded: bool,
                   *, fields: list[str] | None = None) -> Shown:  # fmt: skip
    """`compare` and `cost`: rank the query document for the question, and show it."""
    from ketacli.decision import decide
    from ketacli.query import rank

    catalogue = load_ranking(run)
    result = rank(catalogue, criteria, today(), command=view)
    show_ranking(result, criteria, view, fmt, show_excluded, fields=fields)
    decision = decide(result, criteria, catalogue.rules, today())
    if fmt in ("json", "csv"):  # for people, the answer at the end says it; for scripts, stderr
        for law in decision.state_law:
            note(f"{law}, whatever the DEA allows: ask each provider how it meets this (ketacli rules)")
    return Shown(catalogue, {r["id"] for r in result.rows}, result.rows, decision)


@app.command("providers")
def providers_cmd(ctx: typer.Context, fmt: FormatOption = None, as_json: JsonShortcutOption = False) -> None:
    """List the providers: id, name, best for, states served, price range, dose level."""
    from ketacli.render.columns import PROVIDER_COLUMNS, provider_rows

    fmt = output_format(fmt, as_json)
    catalogue = load(ctx.obj)
    if not catalogue.providers:
        note("the catalogue lists no providers")
    render_rows(provider_rows(catalogue.providers), PROVIDER_COLUMNS, fmt)
    warn_about_rules(catalogue.providers, catalogue.rules, catalogue.alternatives)
