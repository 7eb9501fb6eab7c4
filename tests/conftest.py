"""Shared fixtures: every test runs the real CLI entry point with an isolated environment."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from typer.testing import CliRunner

from ketacli.cli import run

ROOT = Path(__file__).resolve().parents[1]
# Tests of exact figures run on this frozen copy, never on the shipped providers.toml, so a catalogue update
# (by hand or by a signed feed) edits no test; tests/test_guide_figures.py checks the shipped one.
CATALOGUE = Path(__file__).resolve().parent / "fixtures" / "catalogue.toml"
SHIPPED = ROOT / "providers.toml"
FIXED_TODAY = "2025-07-01"
_DOCUMENT = tomllib.loads(CATALOGUE.read_text(encoding="utf-8"))


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads a real home, cache, profile or the developer's own settings."""
    for name in (
        "KETACLI_FORMAT",
        "KETACLI_DEBUG",
        "FORCE_COLOR",
        "KETACLI_NO_CACHE",
        "KETACLI_MAX_CATALOG_BYTES",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KETACLI_CATALOG", str(CATALOGUE))
    monkeypatch.setenv("KETACLI_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("KETACLI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("KETACLI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("KETACLI_TODAY", FIXED_TODAY)  # the guide's data is fresh on this day
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One validated-catalogue cache for tests that load the same catalogues many times (the feed tests): the
    cache is keyed by the file's checksum, so sharing it is safe and each catalogue is validated once."""
    return tmp_path_factory.mktemp("shared-cache")


@pytest.fixture
def feed_environment(monkeypatch: pytest.MonkeyPatch, shared_cache: Path) -> None:
    """For the feed tests, which are about which catalogue is chosen: no KETACLI_CATALOG unless a test sets
    one, and one shared validated cache. Applied per module: `pytestmark = pytest.mark.usefixtures(...)`."""
    monkeypatch.delenv("KETACLI_CATALOG")
    monkeypatch.setenv("KETACLI_CACHE_DIR", str(shared_cache))


@pytest.fixture
def published_repo(cli, tmp_path: Path) -> Path:
    """A feed made by `feed init` in tmp_path/pub, the frozen catalogue published as its version 2."""
    repo = tmp_path / "pub"
    made = cli("feed", "init", str(repo))
    assert made.code == 0, made.stderr
    assert cli("feed", "publish", str(repo), str(CATALOGUE)).code == 0
    return repo


@pytest.fixture
def cli():
    """Run `ketacli ARGS...` through the real entry point; stdout, stderr and exit code kept apart."""
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None) -> Outcome:
        with runner.isolation(env=env) as (out, err, _):
            code = run(list(args))
            sys.stdout.flush()
            sys.stderr.flush()
            return Outcome(code, out.getvalue().decode(), err.getvalue().decode())

    return invoke


def catalogue_document() -> dict[str, Any]:
    """A fresh deep copy of the shipped catalogue, to mutate in a test."""
    return copy.deepcopy(_DOCUMENT)


def write_catalogue(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    return path


def provider(document: dict[str, Any], provider_id: str) -> dict[str, Any]:
    return next(p for p in document["providers"] if p["id"] == provider_id)


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a real `ketacli` process: isolated like `isolated_env`, on the frozen catalogue."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETACLI_")}
    env.update(
        {
            "KETACLI_CATALOG": str(CATALOGUE),
            "KETACLI_CACHE_DIR": str(tmp_path / "cache"),
            "KETACLI_DATA_DIR": str(tmp_path / "data"),  # never the developer's own feed catalogue
            "KETACLI_CONFIG_DIR": str(tmp_path / "config"),  # nor their own profile or trusted feeds
            "NO_COLOR": "1",
            "KETACLI_TODAY": FIXED_TODAY,
        },
        **extra,
    )
    env.pop("COLUMNS", None)
    return env


def ketacli(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """`python -m ketacli ARGS` as a real process."""
    return subprocess.run(
        [sys.executable, "-m", "ketacli", *args],
        capture_output=True,
        text=True,
        env=env_for(tmp_path, **extra),
        timeout=60,
    )


def assert_clean(result: Any, *, json_expected: bool) -> None:
    """Success with parseable output, or exactly one error line and a non-zero code; never a traceback."""
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr, result.stderr
    if result.code == 0:
        if json_expected:
            json.loads(result.stdout)
        return
    assert result.code in (1, 2), result
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("ketacli: error:")]
    assert len(error_lines) == 1, result.stderr
