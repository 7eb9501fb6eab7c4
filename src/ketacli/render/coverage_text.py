"""The text of `states`, `insurance` and `safety`. Pure: query results in, lines and columns out."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import Column

if TYPE_CHECKING:
    from ketacli.document import ProviderDoc, SafetyDoc

SYMBOL = {"served": "✓", "not_served": "✗", "unknown": "?"}
STATES_LEGEND = "✓ served   ✗ not served   ? unknown: the sources do not say (check with the provider)"


def state_detail_text(detail: dict[str, Any], names: dict[str, str]) -> str:
    """Who serves one state, who does not, who is unknown, in-person options and carriers there."""
    lines = [f"{detail['name']} ({detail['state']})"]
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
    for law in detail["state_law"]:
        lines.append(f"  State law: {law['in_short']}, whatever the DEA allows ({law['citation']}; ketacli rules)")
    if not detail["state_law"]:
        lines.append("  State law on prescribing by telemedicine: none recorded in the catalogue (not every state has "
                     "been surveyed: ask the provider)")  # fmt: skip
    return "\n".join(lines) + "\n"


def _mark_of(provider_id: str) -> Callable[[dict[str, Any]], str]:
    return lambda row: SYMBOL[row["providers"][provider_id]]


def state_columns(summaries: list[dict[str, Any]]) -> list[Column[dict[str, Any]]]:
    """The states × providers matrix: a column per provider, its reported count and whether its list is complete."""
    columns: list[Column[dict[str, Any]]] = [
        Column("state", "State", lambda r: r["state"]),
        Column("name", "Name", lambda r: r["name"], priority=1),
    ]
    for s in summaries:
        header = f"{s['name']} ({s['states_reported']}{'' if s['list_complete'] else ', list incomplete'})"
        columns.append(Column(s["id"], header, _mark_of(s["id"])))
    columns.append(Column("served", "Confirmed", lambda r: str(r["served"]), justify="right"))
    return columns


def insurance_text(rows: list[dict[str, Any]], *, narrowed: bool) -> str:
    """Who accepts insurance where and from whom; for the rest, what one can do instead."""
    lines = []
    for row in rows:
        if row.get("availability") == "unknown":
            lines.append(f"{row['name']}: availability in this state unconfirmed: check with the provider")
        if row["accepts_insurance"] and row["carriers_by_state"]:
            lines.append(f"{row['name']}: accepts insurance")
            lines += [f"  {s}: {', '.join(cs)}" for s, cs in row["carriers_by_state"].items()]
        else:
            where = " here" if narrowed and row["accepts_insurance"] else ""
            lines.append(f"{row['name']}: no accepted insurance{where}; instead: {row['instead']}")
            if row["reimbursement"]:
                lines.append(f"  {row['reimbursement']}")
        lines += [f"  {n}" for n in row["notes"]]
    return "\n".join(lines) + "\n" if lines else ""


def safety_sections(
    safety: SafetyDoc,
    rule_lines: list[str] | None = None,
    *,
    age_lines: list[str] | None = None,
    crisis_source: str | None = None,
    own_exclusions: list[str] | None = None,
) -> list[tuple[str, list[str]]]:
    """The guide's safety information; the crisis line first, and again wherever suicidal thoughts come up.
    `rule_lines`: the dated rules on the drug itself (Schedule III, the FDA's warning), already worded;
    `age_lines`: what providers' own pages say about age; `crisis_source`: where the crisis line comes from."""
    crisis = safety["crisis_line"]
    adults = [safety["identity_and_age"]] if safety["identity_and_age"] else []
    sections: list[tuple[str, list[str]]] = [
        (safety["disclaimer"], []),
        ("If you are in crisis", [crisis, *([f"Source: {crisis_source}"] if crisis_source else [])] if crisis else []),
        ("Adults only", [*adults, *(age_lines or [])]),
        ("Ketamine is off-label for mental health", [safety["fda_status"]] if safety["fda_status"] else []),
        ("A controlled substance, and the FDA's warning", rule_lines or []),
        ("How at-home ketamine is taken", safety["how_taken"]),
        ("What a sitter is", [safety["sitter"]] if safety["sitter"] else []),
        ("Who should look elsewhere", safety["look_elsewhere"]),
        ("Contraindications", safety["contraindications"]),
        ("Common short-term side effects", safety["side_effects_short_term"]),
        ("Possible effects of long-term use", safety["side_effects_long_term"]),
        ("Providers' exclusion criteria", safety["exclusion_criteria"]),
        ("Whom each provider says it will not treat", own_exclusions or []),
        ("Conditions it has been studied for", safety["suitable_for"]),
        ("Dependence", [safety["dependence"]]),
    ]
    if crisis:
        sections = [
            (title, [*lines, crisis])
            if crisis not in lines and any("suicid" in line.lower() for line in lines)
            else (title, lines)
            for title, lines in sections
        ]
    return [(title, lines) for title, lines in sections if lines or title == safety["disclaimer"]]


def exclusion_lines(providers: list[ProviderDoc]) -> list[str]:
    """Each provider's own published exclusions, with their source's title."""
    lines = []
    for provider in providers:
        titles = {s["id"]: s["title"] for s in provider["sources"]}
        lines += [f"{n['text']} [source: {titles[n['source']]}]" for n in provider["exclusions"]]
    return lines


def minimum_age_lines(providers: list[ProviderDoc]) -> list[str]:
    """What each provider's own sources say about age; the rest named together as not stated."""
    lines, unstated = [], []
    for provider in providers:
        age = provider["care"]["minimum_age"]
        if age == "unknown":
            unstated.append(provider["name"])
            continue
        titles = {s["id"]: s["title"] for s in provider["sources"]}
        source = provider["care"]["minimum_age_source"]
        cited = f" [source: {titles[source]}]" if source in titles else ""
        lines.append(f"{provider['name']} does not serve clients younger than {age}.{cited}")
    if unstated:
        lines.append(f"{', '.join(unstated)}: a minimum age is not stated in the sources.")
    return lines


def minimum_ages_json(providers: list[ProviderDoc]) -> list[dict[str, Any]]:
    return [
        {
            "id": p["id"],
            "name": p["name"],
            "minimum_age": p["care"]["minimum_age"],
            "source": p["care"]["minimum_age_source"],
        }
        for p in providers
    ]
