"""Shared fixtures: every test runs the real CLI entry point with an isolated environment."""

from __future__ import annotations

import copy
import json
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
CATALOGUE = ROOT / "providers.toml"
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
        "KETACLI_CATALOG",
        "KETACLI_FORMAT",
        "KETACLI_DEBUG",
        "FORCE_COLOR",
        "KETACLI_NO_CACHE",
        "KETACLI_MAX_CATALOG_BYTES",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KETACLI_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("KETACLI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("KETACLI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("KETACLI_TODAY", FIXED_TODAY)  # the guide's data is fresh on this day
    monkeypatch.setenv("COLUMNS", "200")


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
