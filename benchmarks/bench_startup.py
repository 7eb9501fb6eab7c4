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

COMMANDS = {
    'python -c "import typer" (floor)': [sys.executable, "-c", "import typer"],
    "ketacli --version": [sys.executable, "-m", "ketacli", "--version"],
    "ketacli compare --state TX --json": [sys.executable, "-m", "ketacli", "compare", "--state", "TX", "--json"],
    "ketacli cost --doses 12 --json": [sys.executable, "-m", "ketacli", "cost", "--doses", "12", "--json"],
    "ketacli compare --state TX (table)": [sys.executable, "-m", "ketacli", "compare", "--state", "TX"],
}


def median_seconds(command: list[str], runs: int, env: dict[str, str]) -> float:
    subprocess.run(command, env=env, capture_output=True, check=True)  # warm-up: disk cache, catalogue cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        # Measure what users get: bytecode caching on (some shells here set PYTHONDONTWRITEBYTECODE).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["KETACLI_CACHE_DIR"] = cache
        results = {name: median_seconds(cmd, args.runs, env) for name, cmd in COMMANDS.items()}
    floor = results['python -c "import typer" (floor)']
    print(f"{'command':<40} {'median':>9} {'ratio':>6}")
    for name, seconds in results.items():
        print(f"{name:<40} {seconds * 1000:7.1f}ms {seconds / floor:5.2f}x")


if __name__ == "__main__":
    main()
