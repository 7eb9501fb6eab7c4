"""Lint and the lazy-import rule (ruff TID253 bans pydantic, rich, tomllib, csv at module level in the CLI)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (it comes with the test extra)")
    result = subprocess.run([ruff, "check", "src", "tests", "benchmarks"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean():
    mypy = shutil.which("mypy", path=str(Path(sys.executable).parent)) or shutil.which("mypy")
    if mypy is None:
        pytest.skip("mypy is not installed (it comes with the test extra)")
    result = subprocess.run([mypy], cwd=ROOT, capture_output=True, text=True, timeout=600)  # pyproject's [tool.mypy]
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (it comes with the test extra)")
    result = subprocess.run(
        [ruff, "format", "--check", "src", "tests", "benchmarks"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _imports() -> dict[str, set[str]]:
    """ketacli module → the ketacli modules it imports (anywhere in the file, lazy imports included)."""
    import ast

    package = Path(__file__).resolve().parents[1] / "src" / "ketacli"
    graph: dict[str, set[str]] = {}
    for path in package.rglob("*.py"):
        name = ".".join(path.relative_to(package.parent).with_suffix("").parts).removesuffix(".__init__")
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:  # relative: a package's __init__ is itself the package
                    parts = name.split(".")
                    base = parts[: len(parts) - node.level + (path.name == "__init__.py")]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                targets.add(module)
                targets.update(f"{module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
        graph[name] = set()
        for target in targets:
            if target.startswith("ketacli"):
                graph[name].add(target)
    modules = set(graph)
    # A module's own parent packages are always imported before it: `from . import sibling` is no edge back.
    return {m: {t for t in ts if t in modules and t != m and not m.startswith(t + ".")} for m, ts in graph.items()}


# The layers of docs/design.md, in its order: a module imports only its own layer and the ones before it.
LAYERS = {
    "shared facts": {"errors", "money", "vocabulary", "document", "states", "carriers", "textsafe", "fileio", "freshness"},
    "models": {"models"},
    "loading": {"catalogue", "feed.active", "feed.registry", "feed.paths"},
    "pure core": {"criteria", "pricing", "limits", "decision", "refunds", "rules", "notes", "ahead", "filters", "evaluation", "query", "fields", "report", "coverage",
                  "diff", "profile", "feed", "feed.keys", "feed.repo", "feed.client", "feed.changes"},
    "renderers": {"render"},
    "command line": {"cli", "__main__", "entry", ""},
}  # fmt: skip


def _layer(module: str) -> int:
    short = module.removeprefix("ketacli").removeprefix(".")
    for index, members in enumerate(LAYERS.values()):
        if short in members or short.split(".")[0] in members - {"feed"}:
            return index
    raise AssertionError(f"{module} is in no layer of docs/design.md: place it there and here")


def test_no_layer_imports_a_layer_above_it():
    upward = [(m, t) for m, targets in _imports().items() for t in targets if _layer(t) > _layer(m)]
    assert upward == []


def test_design_md_places_every_module_as_this_test_does():
    page = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    for members in LAYERS.values():
        for module in sorted(members - {"", "__main__", "feed"}):
            name = module.replace(".", "/") + ("/" if module in ("render", "cli") else ".py")
            assert f"`{name.removeprefix('feed/')}`" in page or f"`{name}`" in page, name


def test_the_import_graph_has_no_cycles():
    graph = _imports()
    visiting, done = set(), set()

    def visit(module: str, path: list[str]) -> list[str] | None:
        if module in done:
            return None
        if module in visiting:
            return [*path, module]
        visiting.add(module)
        for target in sorted(graph[module]):
            if target == "ketacli":  # the package itself only carries the version
                continue
            found = visit(target, [*path, module])
            if found:
                return found
        visiting.discard(module)
        done.add(module)
        return None

    cycles = [cycle for module in sorted(graph) if (cycle := visit(module, []))]
    assert cycles == []


def test_only_the_run_environment_reads_the_world():
    """Environment variables, the standard streams and the clock are read in one module, `cli/runenv.py`, so
    a run's environment is injectable (issue #27). Two known exceptions: `cli/__init__.py` checks click's own
    wrapper of the process's stdout, and validation refuses a checked-on date after the machine's clock
    (models.py: a fixed KETACLI_TODAY must never make real data invalid)."""
    import re

    reads = re.compile(r"\bos\.environ\b|\bos\.getenv\(|\bsys\.std(?:in|out|err)\b|\bdate\.today\(")
    found = []
    for path in sorted((ROOT / "src" / "ketacli").rglob("*.py")):
        relative = path.relative_to(ROOT / "src" / "ketacli").as_posix()
        for line in path.read_text(encoding="utf-8").splitlines():
            code = line.split("#", 1)[0]
            if reads.search(code) and relative != "cli/runenv.py":
                found.append(f"{relative}: {code.strip()}")
    assert found == [
        'cli/__init__.py: if type(sys.stdout).__name__ == "PacifyFlushWrapper":',
        "models.py: today = dt.date.today()",
    ]
