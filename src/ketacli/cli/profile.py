"""`ketacli profile set|show|clear`: defaults for compare and cost, stored as TOML in the config directory."""

from typing import Any

import typer

from ketacli.errors import KetaError, UsageError
from ketacli.fileio import locked, write_atomic

from .app import profile_app
from .environment import RunContext, load, profile_path
from .environment import read_profile as _read_profile
from .options import (
    BudgetOption,
    DoseLevelOption,
    DosesOption,
    InsuranceOption,
    JsonOption,
    MonthlyBudgetOption,
    PayInFullOption,
    ReturningOption,
    StateOption,
    parse_state,
)
from .output import emit, note
from .presenting import present


@profile_app.command("set")
def profile_set(
    ctx: typer.Context,
    state: StateOption = None,
    insurance: InsuranceOption = None,
    doses: DosesOption = None,
    budget: BudgetOption = None,
    monthly_budget: MonthlyBudgetOption = None,
    returning: ReturningOption = None,
    pay_in_full: PayInFullOption = None,
    dose_level: DoseLevelOption = None,
) -> None:
    """Save defaults; values not given keep what the profile already has."""
    from ketacli.profile import check_value, missing_state, render_profile

    given: dict[str, Any] = {
        "state": parse_state(state), "insurance": insurance, "doses": doses, "budget": budget,
        "monthly_budget": monthly_budget, "returning": returning, "pay_in_full": pay_in_full, "dose_level": dose_level,
    }  # fmt: skip
    updates = {}
    for key, value in given.items():
        if value is None:
            continue
        try:  # a bad flag value is a usage error, reported against the flag
            updates[key] = check_value(key, int(value) if isinstance(value, float) and value.is_integer() else value)
        except ValueError as exc:
            raise UsageError(f"--{key.replace('_', '-')}: {exc}") from None
    if not updates:
        raise UsageError("give at least one value to save, e.g. `ketacli profile set --state TX --doses 12`")
    if "insurance" in updates:  # a typo saved now would make every later run fail: refuse it before saving
        _check_carrier(ctx.obj, updates["insurance"])
    path = profile_path()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # private, as read_profile expects
        with locked(path):  # read, merge and write as one step: concurrent `profile set`s never lose updates
            merged = {**_read_profile(), **updates}  # reading first: a broken profile is an error, never overwritten
            if missing_state(merged):
                raise UsageError(
                    "--insurance: needs a state too (give --state; accepted carriers differ from state to state)"
                )
            write_atomic(path, render_profile(merged), mode=0o600)  # it says where you live and your insurer
    except OSError as exc:
        raise KetaError(f"{path}: cannot write profile: {exc.strerror or exc}") from None
    note(f"saved {path}")


def _check_carrier(run: RunContext, insurance: str) -> None:
    from ketacli.query import check_carrier

    if not insurance.strip():
        raise UsageError("--insurance: give a carrier name, e.g. 'Aetna' (an empty name matches nothing)")
    check_carrier(load(run), insurance)  # a near miss of a listed carrier: "did you mean Aetna?", exit 2


@profile_app.command("show")
def profile_show(as_json: JsonOption = False) -> None:
    """Print the saved profile."""
    profile = _read_profile()

    def people() -> None:
        if not profile:
            note(f"no profile saved ({profile_path()}); create one with `ketacli profile set`")
            return
        from ketacli.profile import render_profile

        emit(render_profile(profile))

    present(as_json, data=lambda: profile, people=people)


@profile_app.command("clear")
def profile_clear() -> None:
    """Delete the saved profile."""
    path = profile_path()
    try:
        path.unlink()
    except FileNotFoundError:
        note("no profile to clear")
        return
    except OSError as exc:
        raise KetaError(f"{path}: cannot delete profile: {exc.strerror or exc}") from None
    note(f"deleted {path}")
