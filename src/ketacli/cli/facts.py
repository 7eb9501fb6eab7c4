"""Commands about places, coverage and standing facts: states, map, insurance, alternatives, safety, rules."""

from typing import Annotated, Any

import typer

from .app import app
from .clock import today
from .environment import load
from .options import JsonOption, complete_carrier, complete_provider, complete_state, non_empty, parse_state
from .output import Terminal, data_console, emit, emit_wrapped, note, print_rich, print_sections
from .presenting import present, print_table


@app.command("states")
def states_cmd(
    ctx: typer.Context,
    state: Annotated[
        str | None,
        typer.Argument(help="A state code or name: who serves it.", autocompletion=complete_state, show_default=False),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Which providers serve which states: served, not served, or unknown."""
    from ketacli.coverage import provider_summary, state_detail, state_matrix

    catalogue = load(ctx.obj)
    providers = catalogue.providers
    code = parse_state(state)
    if code is not None:
        detail = state_detail(providers, code, catalogue.rules, today())

        def one_state() -> None:
            from ketacli.render.coverage_text import state_detail_text

            emit_wrapped(state_detail_text(detail, {p["id"]: p["name"] for p in providers}))

        present(as_json, data=lambda: detail, people=one_state)
        return
    summaries = [provider_summary(p) for p in providers]
    rows = state_matrix(providers)

    def matrix() -> None:
        from ketacli.render.coverage_text import STATES_LEGEND, state_columns

        print_table(rows, state_columns(summaries))
        emit(STATES_LEGEND + "\n")

    present(as_json, data=lambda: {"providers": summaries, "states": rows}, people=matrix)


@app.command("map")
def map_cmd(
    ctx: typer.Context,
    provider: Annotated[
        str | None,
        typer.Option(
            "--provider", "-p", help="Map one provider.", autocompletion=complete_provider, callback=non_empty
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """A tile map of the US: how many providers are confirmed in each state."""
    from ketacli.coverage import state_matrix
    from ketacli.query import find_provider
    from ketacli.render.usmap import TILES, WIDTH_NEEDED, legend, render_list, render_map

    catalogue = load(ctx.obj)
    chosen = find_provider(catalogue, provider, why="it has no state list") if provider else None
    entries = state_matrix(catalogue.providers)

    def data() -> list[dict[str, Any]]:
        return [
            {
                **{k: e[k] for k in ("state", "name", "served", "not_served", "unknown")},
                "row": TILES[e["state"]][0],
                "column": TILES[e["state"]][1],
                "providers": e["providers"],
                **({"availability": e["providers"][chosen["id"]]} if chosen else {}),
            }
            for e in entries
        ]

    def people() -> None:
        terminal = Terminal.detect()
        console = data_console(terminal)
        chosen_id = chosen["id"] if chosen else None
        narrow = terminal.width is not None and terminal.width < WIDTH_NEEDED
        drawn = render_list(entries, chosen_id, console.width) if narrow else render_map(entries, chosen_id)
        print_rich(console, drawn.append(legend(chosen["name"] if chosen else None, colour=terminal.color)))

    present(as_json, data=data, people=people)


@app.command("insurance")
def insurance_cmd(
    ctx: typer.Context,
    state: Annotated[
        str | None,
        typer.Option("--state", "-s", help="Only this state.", autocompletion=complete_state, show_default=False),
    ] = None,
    carrier: Annotated[
        str | None,
        typer.Option(
            "--carrier",
            "-c",
            help="Only this carrier (forgiving: 'uhc', 'bcbs').",
            callback=non_empty,
            show_default=False,
            autocompletion=complete_carrier,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Which providers accept insurance, where and from whom; and what to do where they do not."""
    from ketacli.coverage import insurance_rows
    from ketacli.query import check_carrier

    catalogue = load(ctx.obj)
    if carrier and not check_carrier(catalogue, carrier):
        note(f"no provider in the catalogue lists {carrier!r}")
    code = parse_state(state)
    rows = insurance_rows(catalogue.providers, code, carrier)
    shown = {row["id"] for row in rows}
    for provider in catalogue.providers:
        if provider["id"] not in shown:
            note(f"left out {provider['name']}: not available in {code}")
    if not rows:
        note("no provider is available here" if catalogue.providers else "the catalogue lists no providers")

    def people() -> None:
        from ketacli.render.coverage_text import insurance_text

        emit_wrapped(insurance_text(rows, narrowed=bool(state or carrier)))

    present(as_json, data=lambda: rows, people=people)


@app.command("alternatives")
def alternatives_cmd(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Spravato and in-person infusion clinics: cost, coverage, and who they suit."""
    alternatives = load(ctx.obj).alternatives
    if not alternatives:
        note("the catalogue lists no alternatives")

    def people() -> None:
        from ketacli.render.show import show_lines

        print_sections([section for alternative in alternatives for section in show_lines(alternative)])

    present(as_json, data=lambda: alternatives, people=people)


@app.command("safety")
def safety_cmd(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Who should look elsewhere, side effects, exclusion criteria. Informational, not medical advice."""
    catalogue = load(ctx.obj)
    safety = catalogue.data["safety"]
    from ketacli.rules import drug_rules as about_the_drug

    drug_rules = about_the_drug(catalogue.rules)

    def data() -> dict[str, Any]:
        from ketacli.render.coverage_text import minimum_ages_json
        from ketacli.render.rules import rule_json

        return {
            **safety,
            "minimum_ages": minimum_ages_json(catalogue.providers),
            "provider_exclusions": {p["id"]: p["exclusions"] for p in catalogue.providers if p["exclusions"]},
            "rules": [rule_json(rule, today()) for rule in drug_rules],
        }

    def people() -> None:
        from ketacli.render.coverage_text import exclusion_lines, minimum_age_lines, safety_sections
        from ketacli.render.rules import rule_lines, source_line

        lines = [line for rule in drug_rules for line in rule_lines(rule, today(), sources=True)]
        crisis = next((s for s in catalogue.data["sources"] if s["id"] == safety["crisis_line_source"]), None)
        sections = safety_sections(
            safety,
            lines,
            age_lines=minimum_age_lines(catalogue.providers),
            crisis_source=source_line(crisis).removeprefix("Source: ") if crisis else None,
            own_exclusions=exclusion_lines(catalogue.providers),
        )
        print_sections(sections, bullet="- ")

    present(as_json, data=data, people=people)


@app.command("rules")
def rules_cmd(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Dated rules (DEA telemedicine prescribing, Medicare, FDA) and where each stands today."""
    catalogue = load(ctx.obj)
    from ketacli.render.rules import rule_json, rules_sections

    if not catalogue.rules:
        note("the catalogue lists no rules")
    present(
        as_json,
        data=lambda: [rule_json(rule, today()) for rule in catalogue.rules],
        people=lambda: print_sections(rules_sections(catalogue.rules, today(), catalogue.alternatives)),
    )
