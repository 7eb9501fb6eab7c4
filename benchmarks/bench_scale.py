"""Scale benchmark: compare and cost on synthetic catalogues of 1,000 to 20,000 providers.

Run: python benchmarks/bench_scale.py [--sizes 1000 5000 10000 20000]
For each size it reports, in process, the time to parse the TOML, validate it, run `compare --state TX
--doses 12` and `cost --doses 12`, and the engine alone for N = 1000; then end to end (a subprocess, as
users run it) `ketacli compare --state TX --doses 12 --json` without the cache ("cold": read, parse,
validate, query) and with it ("warm"), with the peak memory (max RSS) of that process.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import write_synthetic  # noqa: E402

from ketacli.catalogue import LoadedCatalogue, parse_toml, validate_document  # noqa: E402
from ketacli.query import Criteria, compare, cost  # noqa: E402


def timed(function, *args):
    """Seconds for one call, with the cycle collector off as in a real run (see ketacli.cli.run)."""
    gc.disable()
    try:
        start = time.perf_counter()
        value = function(*args)
        return value, time.perf_counter() - start
    finally:
        gc.enable()


def end_to_end(path: Path, cache: str, use_cache: bool) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `ketacli compare` process."""
    env = {**os.environ, "KETACLI_CACHE_DIR": cache}
    env.pop("KETACLI_NO_CACHE", None)
    if not use_cache:
        env["KETACLI_NO_CACHE"] = "1"
    probe = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)\n"
        "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
    )
    command = [sys.executable, "-m", "ketacli", "--catalog", str(path), "compare", "--state", "TX", "--doses", "12",
               "--json"]  # fmt: skip
    out = subprocess.run([sys.executable, "-c", probe, *command], env=env, capture_output=True, text=True, check=True)
    seconds, megabytes = out.stdout.split()
    return float(seconds), float(megabytes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000, 20000])
    args = parser.parse_args()
    print(f"{'providers':>9} {'MB':>6} {'parse':>7} {'validate':>8} {'compare':>8} {'cost':>6} {'N=1000':>7}"
          f" {'cold e2e':>9} {'warm e2e':>9} {'peak RSS':>9}")  # fmt: skip
    with tempfile.TemporaryDirectory() as work:
        for size in args.sizes:
            path = write_synthetic(Path(work) / f"synthetic-{size}.toml", size)
            raw = path.read_bytes()
            document, parse_s = timed(parse_toml, raw, str(path))
            model, validate_s = timed(validate_document, document, str(path))
            loaded = LoadedCatalogue(str(path), model.model_dump(mode="json"))
            _, compare_s = timed(compare, loaded, Criteria(state="TX", doses=12))
            _, cost_s = timed(cost, loaded, Criteria(doses=12))
            _, thousand_s = timed(cost, loaded, Criteria(doses=1000))
            cache = str(Path(work) / "cache")
            cold_s, cold_mb = end_to_end(path, cache, use_cache=False)
            end_to_end(path, cache, use_cache=True)  # fills the cache
            warm_s, warm_mb = end_to_end(path, cache, use_cache=True)
            print(f"{size:>9} {len(raw) / 1e6:6.1f} {parse_s:6.2f}s {validate_s:7.2f}s {compare_s:7.2f}s {cost_s:5.2f}s"
                  f" {thousand_s:6.2f}s {cold_s:8.2f}s {warm_s:8.2f}s {max(cold_mb, warm_mb):7.0f}MB")  # fmt: skip


if __name__ == "__main__":
    main()
