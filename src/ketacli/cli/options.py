"""The options `compare`, `cost`, `report` and `profile set` share, file names given as text, their parsing, and shell
completion."""

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ketacli.errors import KetaError, UsageError
from ketacli.states import STATE_NAMES, resolve_state, suggest_states
from ketacli.vocabulary import DOSE_LEVEL_OF_FLAG, DoseLevel, DoseLevelFlag

from .environment import RunContext, load, with_profile
from .presenting import FormatName
from .runenv import getenv

if TYPE_CHECKING:
    from ketacli.criteria import Criteria

    pass


def _as_typed(incomplete: str, candidate: str) -> str:
    """A completion in the case the person typed: typer keeps only candidates starting with exactly that,
    and ketacli reads states, providers and carriers in any case ('t' → 'tx', 'I' → 'Innerwell')."""
    if incomplete.islower():
        return candidate.lower()
    return incomplete + candidate[len(incomplete) :]


def _shell_word(text: str) -> str:
    """bash inserts a completion as typed text: escape spaces and the like so a carrier stays one argument.
    zsh's compadd and fish quote completions themselves."""
    if not getenv("_KETACLI_COMPLETE").endswith("bash"):
        return text
    return re.sub(r"([\s()'\"&;|<>$`\\!*?\[\]{}#~])", r"\\\1", text)


def _completions(incomplete: str, candidates: list[str]) -> list[str]:
    return [_shell_word(_as_typed(incomplete, c)) for c in candidates if c.lower().startswith(incomplete.lower())]


def complete_state(incomplete: str) -> list[str]:
    return _completions(incomplete, list(STATE_NAMES))


def complete_provider(incomplete: str) -> list[str]:
    try:
        return _completions(incomplete, [p["id"] for p in load(RunContext.from_environment()).providers])
    except KetaError:
        return []


def complete_carrier(incomplete: str) -> list[str]:
    from ketacli.query import all_carriers

    try:
        return _completions(incomplete, all_carriers(load(RunContext.from_environment())))
    except KetaError:
        return []


def parse_state(value: str | None) -> str | None:
    if value is None:
        return None
    code = resolve_state(value)
    if code is None:
        hint = suggest_states(value)
        raise UsageError(
            f"unknown state {value!r}"
            + (
                f"; did you mean {', '.join(hint)}?"
                if hint
                else "; use a two-letter code like TX or a name like 'New York'"
            )
        )
    return code


def parse_usd(value: float | None, flag: str) -> int | None:
    """Dollars from a flag (or the profile) to cents; not a number, infinite or negative is a usage error."""
    if value is None:
        return None
    import math
    from decimal import Decimal

    if not math.isfinite(value):  # float("nan"), float("inf"), and "1e309", which overflows to inf
        raise UsageError(f"{flag} must be a finite amount of US dollars (got {value})")
    amount = Decimal(str(value))
    if amount < 0:
        raise UsageError(f"{flag} must not be negative (got {value})")
    return int((amount * 100).to_integral_value())


FormatOption = Annotated[
    FormatName | None,
    typer.Option("--format", "-f", help="Output format (default: table, or KETACLI_FORMAT).", show_default=False),
]


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON, for scripts.")]
# On the commands that also have --format (compare, cost, providers).
JsonShortcutOption = Annotated[bool, typer.Option("--json", help="Shortcut for --format json.")]


def non_empty(value: str | None) -> str | None:
    """A free-text option given as '' is a mistake (an unset shell variable), never "match anything"."""
    if value is not None and not value.strip():
        raise typer.BadParameter("must not be empty")
    return value


def file_path(value: str | None, what: str) -> Path | None:
    """A file named on the command line, as text first: typer turns '' (an unset shell variable) into '.', the
    current folder, which then reads as a bad file (exit 1) instead of a usage error (exit 2)."""
    if value is None:
        return None
    if not value.strip():
        raise UsageError(f"{what} is empty: name a file")
    return Path(value)


StateOption = Annotated[
    str | None,
    typer.Option(
        "--state",
        "-s",
        help="Two-letter code or name, any case (TX, texas, 'new york').",
        autocompletion=complete_state,
        callback=non_empty,
        show_default=False,
    ),
]


InsuranceOption = Annotated[
    str | None,
    typer.Option(
        "--insurance",
        "-i",
        help="Insurance carrier (forgiving: 'aetna', 'uhc', 'bcbs'); needs --state.",
        autocompletion=complete_carrier,
        callback=non_empty,
        show_default=False,
    ),
]


ReturningOption = Annotated[
    bool | None,
    typer.Option(
        "--returning/--new-client",
        help="You completed a program before: returning-client prices apply.",
        show_default=False,
    ),
]


PayInFullOption = Annotated[
    bool | None,
    typer.Option("--pay-in-full/--list-price", help="Pay up front where that saves money.", show_default=False),
]


DoseLevelOption = Annotated[
    DoseLevelFlag | None,
    typer.Option("--dose-level", help="Keep only standard or very-low-dose providers.", show_default=False),
]


DosesOption = Annotated[int | None, typer.Option("--doses", "-n", help="How many doses (1-1000).", show_default=False)]


BudgetOption = Annotated[
    float | None, typer.Option("--budget", help="Most you will pay in total, USD.", show_default=False)
]


MonthlyBudgetOption = Annotated[
    float | None, typer.Option("--monthly-budget", help="Most you can pay per month, USD.", show_default=False)
]


LimitOption = Annotated[
    int | None,
    typer.Option(
        "--limit",
        min=0,
        help="Show at most N rows (0: all). A table shows the first 20 unless asked; JSON and CSV show all.",
        show_default=False,
    ),
]


MaxUpfrontOption = Annotated[
    float | None,
    typer.Option(
        "--max-upfront",
        help="Most you can pay before the first session, USD (an installment plan counts its first payment).",
        show_default=False,
    ),
]


ConfirmedOnlyOption = Annotated[
    bool, typer.Option("--confirmed-only", help="Drop providers whose availability in --state is unknown.")
]


InNetworkOnlyOption = Annotated[
    bool,
    typer.Option("--in-network-only", help="With --insurance: keep only providers that take your carrier there."),
]


ShowExcludedOption = Annotated[
    bool, typer.Option("--show-excluded", "--explain", help="List providers left out, with the reasons.")
]


def parse_dose_level(value: DoseLevelFlag | None) -> DoseLevel | None:
    return None if value is None else DOSE_LEVEL_OF_FLAG[value]


def check_doses(doses: int | None) -> None:
    from ketacli.vocabulary import MAX_DOSES

    if doses is not None and not 1 <= doses <= MAX_DOSES:
        raise UsageError(f"--doses must be between 1 and {MAX_DOSES} (got {doses})")


MaxAgeOption = Annotated[
    int,
    typer.Option("--max-age", min=0, help="Warn when the data is older than this many days (0: never)."),
]


NoProfileOption = Annotated[bool, typer.Option("--no-profile", help="Ignore the saved profile.")]


# The values a saved profile can fill in (what `profile set` saves).
PROFILED = ("state", "doses", "insurance", "budget", "monthly_budget", "returning", "pay_in_full", "dose_level")


def build_criteria(
    *, no_profile: bool, default_doses: int | None = None, profiled: tuple[str, ...] = PROFILED, **given: Any
) -> "Criteria":
    """The one way a `Criteria` is made from flags (`compare`, `cost`, `report`): the profile fills the
    `profiled` values left unset, then `default_doses` applies, and every value is parsed and checked
    here, before the catalogue is read. Flags a command does not have keep `Criteria`'s defaults."""
    from ketacli.criteria import Criteria
    from ketacli.query import resolve_delivery

    unknown = set(given) - set(Criteria._fields) - set(profiled)
    if unknown:  # a caller's misspelt filter would otherwise be dropped in silence
        raise TypeError(f"build_criteria: no such question key: {', '.join(sorted(unknown))}")
    filled = with_profile({key: given.get(key) for key in profiled}, use_profile=not no_profile)
    values = {**given, **{key: value for key, value in filled.items() if value is not None}}
    if values.get("doses") is None:
        values["doses"] = default_doses
    check_doses(values["doses"])
    plain = {key: value for key, value in values.items() if key in Criteria._fields and value is not None}
    return Criteria(**{
        **plain,
        "state": parse_state(values.get("state")),
        "returning": bool(values.get("returning")),
        "pay_in_full": bool(values.get("pay_in_full")),
        "budget": parse_usd(values.get("budget"), "--budget"),
        "monthly_budget": parse_usd(values.get("monthly_budget"), "--monthly-budget"),
        "max_upfront": parse_usd(values.get("max_upfront"), "--max-upfront"),
        "delivery": resolve_delivery(values["delivery"]) if values.get("delivery") else None,
        "dose_level": parse_dose_level(values.get("dose_level")),
    })  # fmt: skip
