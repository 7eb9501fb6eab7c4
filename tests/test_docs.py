"""Docs that cannot drift: every command has help text and is described; every example in the README and the
pages under docs/ runs; shown output is what the tool prints; the command reference is generated."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
# The pages whose examples run here; the runbook's commands build on one another and run as one script below.
PAGES = {path.name: path.read_text(encoding="utf-8") for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
         if path.name not in ("feed-runbook.md", "reference.md")}  # fmt: skip
PROSE = "\n".join([*PAGES.values(), (ROOT / "docs" / "feed-runbook.md").read_text(encoding="utf-8")])


def commands() -> list[str]:
    from typer.main import get_command

    from ketacli.cli import app

    root = get_command(app)
    names = []
    context = root.make_context("ketacli", ["--help"], resilient_parsing=True)
    for name in root.list_commands(context):  # the lazily built `feed` and `update` included
        sub = getattr(root.get_command(context, name), "commands", None)
        names += [f"{name} {child}" for child in sub] if sub else [name]
    return names


@pytest.mark.parametrize("command", commands())
def test_command_has_help_and_is_documented(cli, command):
    result = cli(*command.split(), "--help")
    assert result.code == 0
    assert len(result.stdout.splitlines()) > 3
    assert f"ketacli {command}" in PROSE, f"no page describes `ketacli {command}`"


def test_quickstart_has_exactly_the_two_commands():
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = [block.split("\n", 1)[1].strip() for block in quickstart.split("```sh")[1:]]
    commands = [block.split("```")[0].strip() for block in blocks]
    assert commands == [
        "python3 -m venv .venv && . .venv/bin/activate && pip install . && ketacli compare --state TX",
        "pip install -e '.[test]' && pytest",
    ]


def test_ci_runs_the_readme_test_command():
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "pip install -e '.[test]' && pytest" in ci


def readme_examples() -> list[str]:
    """Every `ketacli ...` line in the pages' shell blocks (comments dropped; pipes cut at the pipe)."""
    examples = []
    for block in "\n".join(PAGES.values()).split("```sh")[1:]:
        for line in block.split("```")[0].splitlines():
            line = line.split(" #")[0].split(" | ")[0].strip()
            if line.startswith("ketacli "):
                examples.append(line)
    return examples


@pytest.mark.parametrize("example", readme_examples())
def test_readme_examples_run(cli, example, tmp_path, monkeypatch):
    import shlex

    monkeypatch.chdir(tmp_path)  # examples that write files (report --output) write them here

    result = cli(*shlex.split(example)[1:])
    assert result.code == 0, result.stderr
    assert result.stdout or result.stderr


def console_examples() -> list[tuple[str, str]]:
    """The pages' `console` blocks: a `$ [VAR=value ...] ketacli ...` line, then exactly what it prints."""
    examples = []
    for block in "\n".join(PAGES.values()).split("```console\n")[1:]:
        command, _, output = block.split("```", 1)[0].partition("\n")
        examples.append((command.removeprefix("$ "), output))
    return examples


@pytest.mark.parametrize(("command", "output"), console_examples())
def test_readme_console_output_is_real(cli, command, output):
    import shlex

    words = shlex.split(command)
    env = dict(word.split("=", 1) for word in words if "=" in word and not word.startswith("-"))
    args = [word for word in words if word not in {f"{k}={v}" for k, v in env.items()}]
    assert args[0] == "ketacli"
    result = cli(*args[1:], env=env)
    assert result.code == 0, result.stderr
    assert result.stdout == output


def test_the_guide_shows_the_groups_and_the_narrow_views():
    commands = [command for command, _ in console_examples()]
    assert "KETACLI_TODAY=2025-07-01 COLUMNS=60 ketacli compare --state TX" in commands
    assert any(" COLUMNS=40 " in command for command in commands)


def test_every_shown_output_says_the_date_it_was_made_at():
    """What a page shows was made on some day (dated rules and freshness notes change with it): the command
    line says which, and test_readme_console_output_is_real runs it at that date."""
    for command, _ in console_examples():
        assert command.startswith("KETACLI_TODAY="), command


RUNBOOK = Path(__file__).resolve().parents[1] / "docs" / "feed-runbook.md"


def test_the_feed_runbook_runs_as_written(tmp_path):
    """Every `sh` block of docs/feed-runbook.md, in order, as one bash script, with the real `ketacli`; and
    OpenSSL's fingerprint of the root key is the one `feed init` printed."""
    import os
    import shutil
    import socket
    import subprocess
    import sys

    from conftest import CATALOGUE

    script = "\n".join(block.split("```", 1)[0] for block in RUNBOOK.read_text().split("```sh\n")[1:])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    shutil.copy(CATALOGUE, tmp_path / "providers.toml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KETACLI_", "XDG_"))}
    env.update(PATH=f"{Path(sys.executable).parent}:{env['PATH']}", HOME=str(tmp_path / "home"), PORT=str(port),
               OFFLINE=str(tmp_path / "usb"), KETACLI_FEED_ROOT_PASSPHRASE="correct horse battery staple")  # fmt: skip
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", "trap 'kill $(jobs -p) 2>/dev/null' EXIT\n" + script],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    printed = lines[0].removeprefix("root key fingerprint: ")
    assert lines[1] == f"{printed}  -"  # sha256sum of OpenSSL's DER public key
    assert "installed version 2 from feed main" in result.stderr
    assert "new root key fingerprint: " in result.stdout and "removed feed main" in result.stderr


def test_the_command_reference_is_generated_from_help():
    """docs/reference.md is `cog -r docs/reference.md`'s output; out of date, this fails."""
    from cogapp import Cog

    assert Cog().main(["cog", "--check", str(ROOT / "docs" / "reference.md")]) == 0, "run: cog -r docs/reference.md"


def test_readme_is_for_a_newcomer_and_links_every_page():
    assert len(README.splitlines()) <= 120
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"(docs/{page.name})" in README, f"README does not link docs/{page.name}"


@pytest.mark.parametrize("command", commands())
def test_help_mentions_format_only_where_the_command_has_it(cli, command):
    text = cli(*command.split(), "--help").stdout
    has_format = "--format" in text.split("Options:", 1)[-1].replace("Shortcut for --format json", "")
    assert has_format or "--format" not in text, f"`ketacli {command} --help` names --format, which it lacks"
