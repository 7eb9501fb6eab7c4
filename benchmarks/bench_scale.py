"""Scale benchmark: realistic synthetic catalogues (the shipped entries with all their prose, replicated).

Run: python benchmarks/bench_scale.py [--sizes 1000 10000]
For each size, in one run: the time the standard library's tomllib takes just to parse the file (the
yardstick), the compiled tomli that ketacli uses, and then end to end, as users run it (a subprocess):
`compare --doses 12 --json` cold (no cache: read, parse, validate, query) and warm (from the cache), and
`cost --doses 12` / `cost --doses 1000` warm, and `report --doses 12` warm, with peak memory. The warm run
reads the cache's query document; its yardstick is json.loads of the whole validated document (`loads`).
Goals: cold ≤ 0.7 × tomllib, cost 1000 ≤ 1.3 × cost 12 (#13); warm ≤ 1.2 × loads, warm RSS ≤ 300 MiB (#17);
report ≤ 3 × warm (#21). #38, on a catalogue where every provider serves Texas: `compare --state TX --json`
≤ 1.0 × a process that only json.loads the whole document and < 200 MiB; the report ≤ 3 × that compare and
< 400 MiB; the cache folder ≤ 2 × the validated document. `--one-path-only` measures only #38's lines.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import write_synthetic


def median_seconds(work: Callable[[], object], runs: int = 3) -> float:
    """The median wall time of `work()` over `runs` calls, with the collector off as in ketacli's own runs."""
    times = []
    gc.disable()
    try:
        for _ in range(runs):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
    finally:
        gc.enable()
    return sorted(times)[runs // 2]


def parse_seconds(module_name: str, text: str) -> float:
    """How long `module.loads` takes to parse the file."""
    module = __import__(module_name)
    return median_seconds(lambda: module.loads(text))


def end_to_end(path: Path, cache: str | None, *args: str, as_json: bool = True, runs: int = 1) -> tuple[float, float]:
    """Wall seconds (the median of `runs` processes: this machine is noisy) and peak RSS (MB) of `ketacli`."""
    results = sorted(_one_run(path, cache, *args, as_json=as_json) for _ in range(runs))
    return results[len(results) // 2]


def _one_run(path: Path, cache: str | None, *args: str, as_json: bool) -> tuple[float, float]:
    env = {**os.environ, "KETACLI_MAX_CATALOG_BYTES": str(1 << 30), "KETACLI_TODAY": "2025-07-01"}
    env.pop("KETACLI_NO_CACHE", None)
    if cache is None:
        env["KETACLI_NO_CACHE"] = "1"
    else:
        env["KETACLI_CACHE_DIR"] = cache
    probe = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)\n"
        "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
    )
    command = [sys.executable, "-m", "ketacli", "--catalog", str(path), *args, *(["--json"] if as_json else [])]
    out = subprocess.run([sys.executable, "-c", probe, *command], env=env, capture_output=True, text=True, check=True)
    seconds, megabytes = out.stdout.split()
    return float(seconds), float(megabytes)


def full_entry(cache: str) -> Path:
    """The cache's whole-document entry (not the query or answers entries)."""
    [entry] = [e for e in Path(cache).glob("catalogue-*.json") if e.name.count(".") == 1]
    return entry


def full_document_loads_seconds(cache: str) -> float:
    """The yardstick for a warm run (#17): json.loads of the whole validated document, as the cache holds it."""
    body = full_entry(cache).read_bytes().partition(b"\n")[2]
    return median_seconds(lambda: json.loads(body), runs=5)


def yardstick_process(cache: str, runs: int = 5) -> float:
    """The yardstick of #32: a whole process that only reads and json.loads the whole validated document
    (collector off, as ketacli runs), median wall seconds."""
    code = "import gc, json, sys\ngc.disable()\njson.loads(open(sys.argv[1], 'rb').read().partition(b'\\n')[2])\n"
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, str(full_entry(cache))], check=True)
        times.append(time.perf_counter() - start)
    return sorted(times)[runs // 2]


def one_path_lines(path: Path, cache: str, size: int) -> None:
    """#38, one path from question to answer: the default question and a question about doses, a carrier and a
    monthly budget, on a catalogue where every provider serves Texas, against a process that only json.loads
    the whole document; the report against the warm compare; and the cache folder against the document."""
    end_to_end(path, cache, "compare", "--state", "TX")  # fills the cache
    yard_s = yardstick_process(cache)
    default_s, default_mb = end_to_end(path, cache, "compare", "--state", "TX", runs=5)
    asked = ["compare", "--state", "TX", "--doses", "12", "--insurance", "aetna"]
    other_s, other_mb = end_to_end(path, cache, *asked, runs=3)
    monthly_s, monthly_mb = end_to_end(path, cache, *asked, "--monthly-budget", "500", runs=3)
    report_s, report_mb = end_to_end(path, cache, "report", "--state", "TX", "--doses", "12", "-o", os.devnull,
                                     as_json=False, runs=3)  # fmt: skip
    print(f"{size:>9} yardstick process {yard_s:.2f}s")
    for label, seconds, megabytes in [
        ("compare --state TX --json", default_s, default_mb),
        ("--doses 12 --insurance aetna", other_s, other_mb),
        ("  the same with --monthly-budget 500", monthly_s, monthly_mb),
        ("report --state TX --doses 12 (HTML)", report_s, report_mb),
    ]:
        print(f"{size:>9} {label:<46} {seconds:6.2f}s {seconds / yard_s:5.2f}x {megabytes:5.0f} MB")
    print(f"{size:>9} report / warm compare {report_s / default_s:.2f}x")
    folder = sum(e.stat().st_size for e in Path(cache).iterdir() if e.is_file())
    print(
        f"{size:>9} cache folder {folder / 1e6:.0f} MB, {folder / full_entry(cache).stat().st_size:.2f}x the document"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--one-path-only", action="store_true", help="only #38's questions")
    args = parser.parse_args()
    print(f"{'providers':>9} {'MB':>6} {'tomllib':>8} {'tomli':>7} {'cold':>7} {'cold/tomllib':>12} {'cold RSS':>9}"
          f" {'loads':>6} {'warm':>6} {'warm/loads':>10} {'warm RSS':>9}"
          f" {'cost 12':>8} {'cost 1000':>9} {'1000/12':>7} {'report':>7} {'rep/cmp':>7}")  # fmt: skip
    with tempfile.TemporaryDirectory() as work:
        for size in args.sizes:
            path = write_synthetic(Path(work) / f"synthetic-{size}.toml", size, serving="TX")
            if args.one_path_only:
                one_path_lines(path, str(Path(work) / f"cache-{size}"), size)
                continue
            text = path.read_text(encoding="utf-8")
            stdlib_s, tomli_s = parse_seconds("tomllib", text), parse_seconds("tomli", text)
            del text
            cache = str(Path(work) / f"cache-{size}")
            cold_s, cold_mb = end_to_end(path, None, "compare", "--doses", "12", runs=3)
            end_to_end(path, cache, "compare", "--doses", "12")  # fills the cache
            loads_s = full_document_loads_seconds(cache)
            warm_s, warm_mb = end_to_end(path, cache, "compare", "--doses", "12", runs=5)
            cost12_s, _ = end_to_end(path, cache, "cost", "--doses", "12", runs=5)
            cost1000_s, _ = end_to_end(path, cache, "cost", "--doses", "1000", runs=5)
            # The report: the same ranking plus its prose, curve and sections; linear in providers (issue #21).
            report_s, _ = end_to_end(
                path, cache, "report", "--doses", "12", "--format", "markdown", as_json=False, runs=3
            )
            one_path_lines(path, cache, size)
            print(f"{size:>9} {path.stat().st_size / 1e6:6.1f} {stdlib_s:7.2f}s {tomli_s:6.2f}s {cold_s:6.2f}s"
                  f" {cold_s / stdlib_s:11.2f}x {cold_mb:7.0f}MB {loads_s:5.2f}s {warm_s:5.2f}s {warm_s / loads_s:9.2f}x"
                  f" {warm_mb:7.0f}MB {cost12_s:7.2f}s {cost1000_s:8.2f}s {cost1000_s / cost12_s:6.2f}x"
                  f" {report_s:6.2f}s {report_s / warm_s:6.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
