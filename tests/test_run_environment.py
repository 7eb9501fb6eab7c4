"""A run's environment is injectable (issue #27): environment variables, streams and the clock are one
value, as httpie's `Environment`/`MockEnvironment` are, so a run needs nothing global patched."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading

from conftest import CATALOGUE
from ketacli.cli import Environment, run


def _mock(tmp_path, **environ: str) -> Environment:
    base = {
        "KETACLI_CATALOG": str(CATALOGUE),
        "KETACLI_CACHE_DIR": str(tmp_path / "cache"),
        "KETACLI_CONFIG_DIR": str(tmp_path / "config"),
        "KETACLI_DATA_DIR": str(tmp_path / "data"),
        "HOME": str(tmp_path / "home"),
    }
    return Environment(environ={**base, **environ}, stdout=io.StringIO(), stderr=io.StringIO())


def test_a_run_reads_only_its_environment(tmp_path, monkeypatch):
    # The process's own variables say otherwise: the run must not see them.
    monkeypatch.setenv("KETACLI_FORMAT", "csv")
    monkeypatch.setenv("KETACLI_TODAY", "2025-07-01")
    env = _mock(tmp_path, KETACLI_TODAY="2027-01-15")
    assert run(["compare", "--state", "TX", "--json"], env=env) == 0
    assert env.stdout is not None and env.stderr is not None
    rows = json.loads(env.stdout.getvalue())  # JSON, not the process's KETACLI_FORMAT=csv
    assert {row["id"] for row in rows} == {"innerwell", "better-u", "mindbloom", "joyous"}
    assert "was set to end on 2026-12-31; unknown since" in env.stderr.getvalue()  # its own date


def test_the_clock_is_part_of_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("KETACLI_TODAY", raising=False)
    env = _mock(tmp_path)._replace(clock=lambda: dt.date(2026, 12, 1))
    assert run(["rules", "--json"], env=env) == 0
    assert env.stdout is not None
    rules = {rule["id"]: rule for rule in json.loads(env.stdout.getvalue())}
    assert rules["dea-telemedicine-2026"]["days_remaining"] == 30


def test_two_runs_in_two_threads_keep_apart(tmp_path):
    envs = [_mock(tmp_path / "a", KETACLI_TODAY="2026-06-01"), _mock(tmp_path / "b", KETACLI_TODAY="2027-01-15")]
    codes: list[int] = []
    threads = [threading.Thread(target=lambda e=e: codes.append(run(["rules", "--json"], env=e))) for e in envs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [0, 0]
    states = []
    for env in envs:
        assert env.stdout is not None
        rules = {rule["id"]: rule for rule in json.loads(env.stdout.getvalue())}
        states.append(rules["dea-telemedicine-2026"]["status_today"])
    assert states == ["in_force", "past_end"]


def test_a_run_builds_only_the_command_it_names_and_knows_every_root_option_that_takes_a_value():
    """Building every command's options cost each run about 14 ms (#38): `root_command` builds the one named.
    The word after a root option that takes a value is never a command's name, so that list must be whole."""
    from typer.main import get_command

    from ketacli.cli.app import ROOT_OPTIONS_WITH_VALUES, app, root_command

    full = get_command(app)
    taking_values = {opt for param in full.params if not getattr(param, "is_flag", True) and param.name != "install_completion"
                     for opt in param.opts}  # fmt: skip
    assert taking_values == set(ROOT_OPTIONS_WITH_VALUES)
    assert list(root_command(["--catalog", "compare", "cost", "--doses", "3"]).commands) == ["cost"]
    assert list(root_command(["catalog", "validate"]).commands) == ["catalog"]
    assert set(root_command(["--help"]).commands) >= {"compare", "cost", "report", "catalog", "profile"}
    assert set(root_command(["nonsense"]).commands) == set(full.commands)
