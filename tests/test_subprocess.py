"""What users do in a shell: `python -m ketacli`, the console script, pipes, start-up imports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import catalogue_document, env_for, ketacli, write_catalogue


def test_python_dash_m(tmp_path):
    result = ketacli(tmp_path, "cost", "--doses", "12", "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)[0]["id"] == "better-u"


def test_console_script_from_another_directory(tmp_path):
    script = shutil.which("ketacli", path=os.path.dirname(sys.executable))
    if script is None:
        pytest.skip("console script not installed next to this interpreter")
    result = subprocess.run(
        [script, "compare", "--state", "TX", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env_for(tmp_path),
        timeout=60,
    )
    assert result.returncode == 0
    assert len(json.loads(result.stdout)) == 4


@pytest.mark.parametrize("unbuffered", ["", "1"])
@pytest.mark.parametrize(
    "command",
    ["compare --json", "compare --state TX", "cost --doses 12 --json", "show innerwell", "states", "map"],
)
def test_pipe_closed_early_ends_quietly(tmp_path, command, unbuffered):
    """`ketacli ... | head -c 1`: nothing on stderr, exit 0 (see README, exit codes)."""
    shell = f"{sys.executable} -m ketacli {command} | head -c 1"
    env = env_for(tmp_path, PYTHONUNBUFFERED=unbuffered) if unbuffered else env_for(tmp_path)
    result = subprocess.run(["bash", "-o", "pipefail", "-c", shell], capture_output=True, env=env, timeout=60)
    assert len(result.stdout) == 1
    assert result.stderr in (b"", b"ketacli: prices as of 2025-06-13; check the provider for today's prices\n")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("unbuffered", ["", "1"])
def test_reader_gone_before_writing(tmp_path, unbuffered):
    """A large output into a pipe whose reader has already closed: EPIPE on the first write."""
    document = catalogue_document()
    base = document["providers"][0]
    for index in range(300):
        clone = dict(base, id=f"clone-{index}", name=f"Clone {index}")
        document["providers"].append(clone)
    path = write_catalogue(tmp_path / "big.toml", document)
    env = env_for(tmp_path, PYTHONUNBUFFERED=unbuffered) if unbuffered else env_for(tmp_path)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        process = subprocess.run(
            [sys.executable, "-m", "ketacli", "--catalog", str(path), "compare", "--json"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert process.stderr == ""
    assert process.returncode == 0


def imported_modules(tmp_path, *args: str) -> set[str]:
    code = (
        "import sys, io, contextlib\n"
        "from ketacli.cli import run\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        f"    run({list(args)!r})\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env_for(tmp_path), timeout=60
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["compare", "--help"]])
def test_version_and_help_stay_lean(tmp_path, args):
    modules = imported_modules(tmp_path, *args)
    assert "ketacli.models" not in modules
    assert "rich.table" not in modules
    assert "pydantic" not in modules
    assert not {"tomli", "tomllib"} & modules  # no TOML parser at all: nothing is parsed


# What each command must not load (issue #32): a command pays only for what it uses. After a warm-up run fills
# the cache, as every run but the first after an install finds it.
NOT_LOADED = {
    # JSON for a script: no table, no renderer's words, no validation (the cache holds the validated document).
    ("compare", "--state", "TX", "--json"): {"rich", "jinja2", "ketacli.render.columns", "ketacli.render.boxes",
                                             "ketacli.report", "tuf", "pydantic", "ketacli.models"},
    ("compare", "--state", "TX", "--doses", "12", "--insurance", "aetna", "--budget", "3000", "--json"): {
        "rich", "jinja2", "ketacli.render.columns", "ketacli.report", "tuf", "pydantic"},
    ("cost", "--doses", "12", "--json"): {"rich", "jinja2", "ketacli.render.columns", "ketacli.report", "tuf"},
    # A table without colour (piped, NO_COLOR, as here) is drawn as plain text: no rich.
    ("compare", "--state", "TX"): {"rich", "jinja2", "ketacli.report", "tuf", "pydantic", "csv"},
    ("cost", "--doses", "12"): {"rich", "jinja2", "ketacli.report", "tuf", "pydantic"},
    ("rules", "--json"): {"ketacli.money", "decimal", "fractions", "ketacli.pricing", "rich", "jinja2", "tuf"},
    ("rules",): {"ketacli.money", "decimal", "fractions", "ketacli.pricing", "jinja2", "tuf"},
    ("update", "--check"): {"tuf", "urllib3", "cryptography", "ketacli.pricing", "rich", "jinja2"},
    ("--version",): {"ketacli.models", "ketacli.document", "ketacli.query", "ketacli.money", "decimal", "rich", "pydantic"},
}  # fmt: skip


@pytest.mark.parametrize("args", list(NOT_LOADED), ids=" ".join)
def test_each_command_loads_only_what_it_uses(tmp_path, args):
    ketacli(tmp_path, *args)  # fills the cache
    loaded = imported_modules(tmp_path, *args)
    assert NOT_LOADED[args] & loaded == set()


def test_hot_path_skips_validation_when_cached(tmp_path):
    ketacli(tmp_path, "compare", "--state", "TX", "--json")  # fills the cache
    modules = imported_modules(tmp_path, "compare", "--state", "TX", "--json")
    assert "ketacli.models" not in modules
    assert "pydantic" not in modules
    assert not {"tomli", "tomllib"} & modules  # the cached document is JSON: no TOML is parsed
    assert "rich" not in modules


def test_interrupt_exit_code(tmp_path):
    code = (
        "import signal, sys\n"
        "from ketacli.cli import ranking\n"
        "def boom(*a, **k):\n"
        "    raise KeyboardInterrupt\n"
        "ranking.load = boom\n"
        "from ketacli.cli import run\nsys.exit(run(['providers']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env_for(tmp_path), timeout=60
    )
    assert result.returncode == 130
    assert "Traceback" not in result.stderr


def test_a_long_stderr_line_wraps_between_words_on_a_terminal_only(monkeypatch, capsys):
    """On a terminal the rule warning no longer breaks mid-word at 60 columns; piped, it stays one line."""
    import io

    from ketacli.cli.output import note

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    message = "warning: " + " ".join(["telemedicine"] * 12)
    terminal = Tty()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.setenv("COLUMNS", "40")
    note(message)
    lines = terminal.getvalue().splitlines()
    assert len(lines) > 1 and all(len(line) <= 40 for line in lines)
    assert " ".join(line.strip() for line in lines) == f"ketacli: {message}"
    piped = io.StringIO()
    monkeypatch.setattr("sys.stderr", piped)
    note(message)
    assert piped.getvalue() == f"ketacli: {message}\n"


@pytest.mark.parametrize("delay", [0.05, 0.08, 0.11, 0.14, 0.18, 0.22, 0.3])
def test_ctrl_c_at_any_moment_is_130_without_a_traceback(tmp_path, delay):
    """Before 0.6 a Ctrl-C during imports (or typer's get_command) printed a Python traceback in 45 of 92
    tries. Now from ketacli's first line on (the interpreter's own start-up, its first ~30 ms, is
    Python's): exit 130, and no traceback."""
    import signal
    import time

    run = subprocess.Popen([sys.executable, "-m", "ketacli", "compare", "--state", "TX"], env=env_for(tmp_path),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    time.sleep(delay)
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=60)
    # On a loaded machine the interpreter's own start-up (runpy finding and importing the package, before any
    # line of ketacli runs) can outlast the shortest delays. A signal there is Python's: its traceback has no
    # ketacli frame. A traceback through any ketacli file fails.
    if "Traceback" in stderr:
        assert "ketacli" not in stderr.split("Traceback", 1)[1].replace("-m ketacli", ""), stderr
        assert run.returncode != 0
    else:
        assert run.returncode in (130, 0)  # 0: it had finished


def test_sigterm_ends_the_run_as_the_shell_expects(tmp_path):
    import signal
    import time

    run = subprocess.Popen([sys.executable, "-m", "ketacli", "compare", "--state", "TX"], env=env_for(tmp_path),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    time.sleep(0.1)
    run.send_signal(signal.SIGTERM)
    _, stderr = run.communicate(timeout=60)
    assert "Traceback" not in stderr and run.returncode in (-signal.SIGTERM, 0)  # a shell reports 143


@pytest.mark.parametrize("args", [["catalog", "export", "--format", "toml"], ["report", "--state", "TX"],
                                  ["compare", "--state", "TX", "--doses", "12"]])  # fmt: skip
def test_a_cut_output_is_an_error_not_a_success(tmp_path, args):
    """`(ulimit -f 8; ketacli catalog export > x.toml)`: before, exit 0 with 8,192 of 83,995 bytes."""
    import resource

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    with (tmp_path / "out").open("wb") as out:
        result = subprocess.run([sys.executable, "-m", "ketacli", *args], env={**env_for(tmp_path), "COLUMNS": "200"},
                                stdout=out, stderr=subprocess.PIPE, text=True, preexec_fn=limit_file_size)  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "ketacli: error: cannot write output: File too large"
    assert (tmp_path / "out").stat().st_size == 4096


@pytest.mark.parametrize(("args", "code"), [(["compare", "--json"], 0), (["compare", "--bogus"], 2),
                                            (["show", "nobody"], 2), (["--debug", "show", "nobody"], 2)])  # fmt: skip
def test_stderr_on_a_full_device_keeps_the_exit_code(tmp_path, args, code):
    """Before: 1 for all four. A full device of our own (the kernel's "full" device, 1:7), in a temporary folder."""
    import stat

    full = tmp_path / "full"
    try:
        os.mknod(full, stat.S_IFCHR | 0o600, os.makedev(1, 7))
    except PermissionError:
        pytest.skip("making a device node needs root")
    with full.open("w") as stderr:
        result = subprocess.run([sys.executable, "-m", "ketacli", *args], env=env_for(tmp_path),
                                stdout=subprocess.PIPE, stderr=stderr, text=True)  # fmt: skip
    assert result.returncode == code
    if code == 0:
        assert len(json.loads(result.stdout)) == 4  # the whole output


def test_a_first_run_on_the_builtin_catalogue_never_imports_pydantic(tmp_path):
    """Issue #32: the package carries the validated built-in documents, so a run with no cache (the first after
    an install, or KETACLI_NO_CACHE=1) reads them: no TOML parsing, no pydantic."""
    env = env_for(tmp_path, KETACLI_NO_CACHE="1")
    env.pop("KETACLI_CATALOG")  # the built-in catalogue
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ketacli", "compare", "--state", "TX", "--json"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "ketacli.catalogue" in imported
    assert not {m for m in imported if m.split(".")[0] in ("pydantic", "tomllib", "tomli")}
    assert json.loads(result.stdout)[0]["id"]
