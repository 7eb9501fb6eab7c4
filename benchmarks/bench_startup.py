"""Start-up benchmark: ketacli commands against `python -c "import typer"`, the floor for any typer CLI.

Run: python benchmarks/bench_startup.py [--runs 30]
Reports the median wall time of each command (after one warm-up run that fills the catalogue cache) and
its ratio to the floor. Uses the interpreter running this script, so run it from the project's venv.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

KETACLI = [sys.executable, "-m", "ketacli"]
COMMANDS = {
    'python -c "import typer" (floor)': [sys.executable, "-c", "import typer"],
    "ketacli --version": [*KETACLI, "--version"],
    "ketacli compare --state TX --json": [*KETACLI, "compare", "--state", "TX", "--json"],
    "ketacli compare --state TX --json, first run": ["env", "KETACLI_NO_CACHE=1", *KETACLI, "compare", "--state",
                                                     "TX", "--json"],
    "ketacli cost --doses 12 --json": [*KETACLI, "cost", "--doses", "12", "--json"],
    "ketacli compare --state TX (table)": [*KETACLI, "compare", "--state", "TX"],
    "ketacli cost --doses 12 (table)": [*KETACLI, "cost", "--doses", "12"],
    "ketacli compare --state TX (table, in colour)": ["env", "FORCE_COLOR=1", *KETACLI, "compare", "--state", "TX"],
    "ketacli cost --doses 12 (table, in colour)": ["env", "FORCE_COLOR=1", *KETACLI, "cost", "--doses", "12"],
    "ketacli rules": [*KETACLI, "rules"],
    "ketacli show mindbloom": [*KETACLI, "show", "mindbloom"],
    "ketacli refunds": [*KETACLI, "refunds"],
    "ketacli report --state TX -o /dev/null": [*KETACLI, "report", "--state", "TX", "-o", os.devnull],
    "ketacli catalog validate": [*KETACLI, "catalog", "validate"],
    "ketacli update --check (no feed)": [*KETACLI, "update", "--check"],
}  # fmt: skip


def median_seconds(commands: dict[str, list[str]], runs: int, env: dict[str, str]) -> dict[str, float]:
    """The median wall time of each command, the commands taken in turn (round-robin), so a machine that
    speeds up or slows down during the run moves every command alike, not the ones measured last."""
    for command in commands.values():
        subprocess.run(command, env=env, capture_output=True, check=False)  # warm-up: disk, catalogue cache
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, env=env, capture_output=True, check=False)  # update --check with no feed: 1
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        # Measure what users get: bytecode caching on (some shells here set PYTHONDONTWRITEBYTECODE).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["KETACLI_CACHE_DIR"] = cache
        env["KETACLI_CONFIG_DIR"] = env["KETACLI_DATA_DIR"] = cache  # no profile, no feed: the built-in catalogue
        env.pop("KETACLI_CATALOG", None)
        results = median_seconds(COMMANDS, args.runs, env)
    floor = results['python -c "import typer" (floor)']
    print(f"{'command':<50} {'median':>9} {'ratio':>6}")
    for name, seconds in results.items():
        print(f"{name:<50} {seconds * 1000:7.1f}ms {seconds / floor:5.2f}x")


if __name__ == "__main__":
    main()
