"""Commands about places and coverage: states, map, insurance, alternatives, safety."""

from typing import Annotated

import typer

from .cli_base import (
    JsonOption,
    Terminal,
    _complete_carrier,
    _complete_provider,
    _complete_state,
    app,
    data_console,
    emit,
    emit_json,
    load,
    note,
    parse_state,
    print_rich,
    print_sections,
)
from .errors import UsageError


@app.command("states")
def states_cmd(
    state: Annotated[
        str | None,
        typer.Argument(help="A state code or name: who serves it.", autocompletion=_complete_state, show_default=False),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Which providers serve which states: served, not served, or unknown."""
    from .places import provider_summary, state_detail, state_matrix

    providers = load().providers
    code = parse_state(state)
    if code is not None:
        detail = state_detail(providers, code)
        if as_json:
            emit_json(detail)
            return
        names = {p["id"]: p["name"] for p in providers}
        lines = [f"{detail['name']} ({code})"]
        for key, words in (
            ("served", "Served"),
            ("not_served", "Not served"),
            ("unknown", "Unknown (check with the provider)"),
        ):
            lines.append(f"  {words}: {', '.join(names[i] for i in detail[key]) or '—'}")
        for clinic in detail["in_clinic"]:
            sessions = "" if clinic["ketamine_sessions"] else " (no ketamine sessions)"
            lines.append(f"  In person: {names[clinic['provider']]}: {', '.join(clinic['offers'])}{sessions}")
        for provider_id, carriers in detail["insurance"].items():
            lines.append(f"  Insurance at {names[provider_id]}: {', '.join(carriers)}")
        emit("\n".join(lines) + "\n")
        return
    summaries = [provider_summary(p) for p in providers]
    rows = state_matrix(providers)
    if as_json:
        emit_json({"providers": summaries, "states": rows})
        return
    from .render import Column
    from .render.table import render_table

    symbol = {"served": "✓", "not_served": "✗", "unknown": "?"}
    columns = [Column("state", "State", lambda r: r["state"]), Column("name", "Name", lambda r: r["name"], priority=1)]
    for s in summaries:
        header = f"{s['name']} ({s['states_reported']}{'' if s['list_complete'] else ', list incomplete'})"
        columns.append(Column(s["id"], header, lambda r, i=s["id"]: symbol[r["providers"][i]]))
    columns.append(Column("served", "Confirmed", lambda r: str(r["served"]), justify="right"))
    console = data_console(Terminal.detect())
    print_rich(console, render_table(rows, columns, console.width))
    emit("✓ served   ✗ not served   ? unknown: the sources do not say (check with the provider)\n")


@app.command("map")
def map_cmd(
    provider: Annotated[
        str | None,
        typer.Option("--provider", "-p", help="Map one provider.", autocompletion=_complete_provider),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """A tile map of the US: how many providers are confirmed in each state."""
    from .places import state_matrix
    from .query import find_provider
    from .render.usmap import TILES, legend, render_map

    catalogue = load()
    chosen = find_provider(catalogue, provider) if provider else None
    if chosen is not None and chosen not in catalogue.providers:
        raise UsageError(f"{chosen['name']} is an alternative, not a provider with a state list")
    entries = state_matrix(catalogue.providers)
    if as_json:
        emit_json(
            [
                {
                    **{k: e[k] for k in ("state", "name", "served", "not_served", "unknown")},
                    "row": TILES[e["state"]][0],
                    "column": TILES[e["state"]][1],
                    "providers": e["providers"],
                    **({"availability": e["providers"][chosen["id"]]} if chosen else {}),
                }
                for e in entries
            ]
        )
        return

    console = data_console(Terminal.detect())
    chosen_id = chosen["id"] if chosen else None
    print_rich(console, render_map(entries, chosen_id).append(legend(chosen["name"] if chosen else None)))


@app.command("insurance")
def insurance_cmd(
    state: Annotated[
        str | None,
        typer.Option("--state", "-s", help="Only this state.", autocompletion=_complete_state, show_default=False),
    ] = None,
    carrier: Annotated[
        str | None,
        typer.Option(
            "--carrier",
            "-c",
            help="Only this carrier (forgiving: 'uhc', 'bcbs').",
            show_default=False,
            autocompletion=_complete_carrier,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Which providers accept insurance, where and from whom; and what to do where they do not."""
    from .places import insurance_rows
    from .query import check_carrier

    catalogue = load()
    if carrier and not check_carrier(catalogue, carrier):
        note(f"no provider in the catalogue lists {carrier!r}")
    rows = insurance_rows(catalogue.providers, parse_state(state), carrier)
    if not rows:
        note("the catalogue lists no providers")
    if as_json:
        emit_json(rows)
        return
    lines = []
    for row in rows:
        if row["accepts_insurance"] and row["carriers_by_state"]:
            lines.append(f"{row['name']}: accepts insurance")
            lines += [f"  {s}: {', '.join(cs)}" for s, cs in row["carriers_by_state"].items()]
        else:
            where = " here" if (state or carrier) and row["accepts_insurance"] else ""
            lines.append(f"{row['name']}: no accepted insurance{where}; instead: {row['instead']}")
            if row["reimbursement"]:
                lines.append(f"  {row['reimbursement']}")
        lines += [f"  {n}" for n in row["notes"]]
    emit("\n".join(lines) + "\n")


@app.command("alternatives")
def alternatives_cmd(as_json: JsonOption = False) -> None:
    """Spravato and in-person infusion clinics: cost, coverage, and who they suit."""
    alternatives = load().alternatives
    if not alternatives:
        note("the catalogue lists no alternatives")
    if as_json:
        emit_json(alternatives)
        return
    from .render.reports import show_lines

    print_sections([section for alternative in alternatives for section in show_lines(alternative)])


@app.command("safety")
def safety_cmd(as_json: JsonOption = False) -> None:
    """Who should look elsewhere, side effects, exclusion criteria. Informational, not medical advice."""
    safety = load().data["safety"]
    if as_json:
        emit_json(safety)
        return
    crisis = safety.get("crisis_line")
    sections = [
        (safety["disclaimer"], []),
        *([("If you are in crisis", [crisis])] if crisis else []),
        ("Ketamine is off-label for mental health", [safety["fda_status"]] if safety.get("fda_status") else []),
        ("How at-home ketamine is taken", safety.get("how_taken", [])),
        ("What a sitter is", [safety["sitter"]] if safety.get("sitter") else []),
        ("Who should look elsewhere", safety["look_elsewhere"]),
        ("Contraindications", safety["contraindications"]),
        ("Common short-term side effects", safety["side_effects_short_term"]),
        ("Possible effects of long-term use", safety["side_effects_long_term"]),
        ("Providers' exclusion criteria", safety["exclusion_criteria"]),
        ("Conditions it has been studied for", safety["suitable_for"]),
        ("Dependence", [safety["dependence"]]),
    ]
    if crisis:  # wherever suicidal thoughts are mentioned, say where to call
        sections = [
            (title, lines + [crisis])
            if crisis not in lines and any("suicid" in line.lower() for line in lines)
            else (title, lines)
            for title, lines in sections
        ]
    print_sections([(title, lines) for title, lines in sections if lines or title == safety["disclaimer"]], bullet="- ")
