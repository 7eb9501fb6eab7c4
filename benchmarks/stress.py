"""Stress run: hostile inputs, killed writers and parallel runs, with figures anyone can reproduce.

Run from the project's virtual environment (as root, so the special-file checks run too):

    python benchmarks/stress.py [--minutes 10] [--seed 1]

Not part of the test suite. Four phases share the time:
1. fuzz the loader: mutated catalogues (bytes flipped, lines cut or repeated, values swapped for other
   types, huge strings, deep nesting) through several commands, as real subprocesses;
2. kill -9 writers at random moments: the cache, `profile set`, `catalog export -o`, `report -o`; after each
   kill the file must be absent, the old one or the new one, whole, never torn or mixed;
3. parallel `profile set` writers (one key each) with readers: every key must survive;
4. writes to special files (a device node, a FIFO, a symlink to a device, made in a temporary folder):
   none may be replaced.

It prints: inputs tried, clean errors, tracebacks, hangs, torn files, lost keys, destroyed special files.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = (ROOT / "providers.toml").read_bytes()
COMMANDS = [["compare", "--json"], ["cost", "-n", "12"], ["show", "mindbloom"], ["refunds", "--json"],
            ["states"], ["catalog", "validate"]]  # fmt: skip
TIMEOUT = 30


class Tally:
    def __init__(self) -> None:
        self.counts = {name: 0 for name in ("inputs tried", "clean errors", "tracebacks", "hangs", "torn files",
                                            "lost keys", "destroyed special files")}  # fmt: skip
        self.examples: list[str] = []

    def add(self, name: str, example: str | None = None) -> None:
        self.counts[name] += 1
        if example and len(self.examples) < 10:
            self.examples.append(f"{name}: {example}")


def run(env: dict[str, str], *args: str, timeout: int = TIMEOUT) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run([sys.executable, "-m", "ketacli", *args], env=env, capture_output=True, text=True,
                              timeout=timeout)  # fmt: skip
    except subprocess.TimeoutExpired:
        return None


def base_env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETACLI_")}
    env.update(KETACLI_CACHE_DIR=str(folder / "cache"), KETACLI_CONFIG_DIR=str(folder / "config"),
               KETACLI_DATA_DIR=str(folder / "data"), KETACLI_TODAY="2025-07-01", NO_COLOR="1")  # fmt: skip
    return env


def mutate(rng: random.Random, data: bytes) -> bytes:
    lines = data.split(b"\n")
    choice = rng.randrange(7)
    if choice == 0:  # flip bytes
        raw = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        return bytes(raw)
    if choice == 1:  # cut
        return data[: rng.randrange(len(data))]
    if choice == 2:  # repeat a line
        index = rng.randrange(len(lines))
        return b"\n".join(lines[:index] + [lines[index]] * rng.randint(2, 5) + lines[index:])
    if choice == 3:  # a value of another type
        index = rng.randrange(len(lines))
        if b" = " in lines[index]:
            key = lines[index].split(b" = ")[0]
            lines[index] = key + b" = " + rng.choice([b"1", b"-5", b"true", b'"x"', b"[]", b"{}", b"1e999", b'""'])
        return b"\n".join(lines)
    if choice == 4:  # a huge string
        return data.replace(b'name = "Joyous"', b'name = "' + b"J" * rng.randint(1000, 2_000_000) + b'"', 1)
    if choice == 5:  # deep nesting
        return data + b"\nx = " + b"[" * rng.randint(100, 5000) + b"]" * rng.randint(0, 5000)
    return data.replace(b"2025-06-13", rng.choice([b"2999-01-01", b"1900-02-30", b'"yesterday"']), 1)


def classify(tally: Tally, result: subprocess.CompletedProcess[str] | None, label: str) -> None:
    tally.add("inputs tried")
    if result is None:
        tally.add("hangs", label)
    elif "Traceback" in result.stderr or "internal error" in result.stderr:
        tally.add("tracebacks", f"{label}: {result.stderr.strip().splitlines()[-1][:200]}")
    elif result.returncode != 0:
        tally.add("clean errors")


def fuzz(tally: Tally, rng: random.Random, folder: Path, until: float) -> None:
    env = base_env(folder)
    while time.monotonic() < until:
        path = folder / "fuzzed.toml"
        path.write_bytes(mutate(rng, CATALOGUE))
        command = rng.choice(COMMANDS)
        classify(tally, run({**env, "KETACLI_CATALOG": str(path)}, *command), " ".join(command))


def whole(path: Path, before: bytes | None, after_check) -> bool:
    """Absent, the old content, or content that passes `after_check` (a complete new file)."""
    if not path.exists():
        return True
    data = path.read_bytes()
    return data == before or after_check(data)


def kill_writers(tally: Tally, rng: random.Random, folder: Path, until: float) -> None:
    env = base_env(folder)
    out = folder / "out"
    out.mkdir(exist_ok=True)
    jobs = [
        (["catalog", "export", "-o", str(out / "export.toml")], out / "export.toml",
         lambda d: d.rstrip().endswith(b"]") or d.rstrip().endswith(b'"')),
        (["report", "-o", str(out / "report.html")], out / "report.html", lambda d: d.rstrip().endswith(b"</html>")),
        (["profile", "set", "--state", "TX", "--doses", "12"], folder / "config" / "profile.toml",
         lambda d: b"state" in d and b"doses" in d),
        (["compare", "--json"], None, None),  # the cache's writer
    ]  # fmt: skip
    while time.monotonic() < until:
        args, target, check = rng.choice(jobs)
        if target is None:
            for entry in (folder / "cache").glob("catalogue-*.json"):
                entry.unlink()
        before = target.read_bytes() if target is not None and target.exists() else None
        process = subprocess.Popen([sys.executable, "-m", "ketacli", *args], env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(rng.uniform(0.05, 1.2))
        process.send_signal(signal.SIGKILL)
        process.wait()
        tally.add("inputs tried")
        if target is not None and not whole(target, before, check):
            tally.add("torn files", str(target))
        after = run(env, "compare", "--json")  # the cache a killed writer left must still work
        classify(tally, after, "compare after a kill")


def parallel_profiles(tally: Tally, folder: Path, rounds: int) -> None:
    env = base_env(folder)
    flags = [["--state", "TX"], ["--doses", "12"], ["--budget", "2000"], ["--monthly-budget", "400"],
             ["--returning"], ["--pay-in-full"]]  # fmt: skip
    keys = ["state", "doses", "budget", "monthly_budget", "returning", "pay_in_full"]
    for _ in range(rounds):
        run(env, "profile", "clear")
        threads = [threading.Thread(target=run, args=(env, "profile", "set", *f)) for f in flags]
        readers = [threading.Thread(target=lambda: classify(tally, run(env, "compare", "--json"), "reader"))
                   for _ in range(3)]  # fmt: skip
        for thread in threads + readers:
            thread.start()
        for thread in threads + readers:
            thread.join()
        shown = run(env, "profile", "show", "--json")
        tally.add("inputs tried")
        try:
            saved = json.loads(shown.stdout) if shown else {}
        except json.JSONDecodeError:
            tally.add("torn files", "profile")
            continue
        for key in keys:
            if key not in saved:
                tally.add("lost keys", key)


def special_files(tally: Tally, folder: Path) -> None:
    env = base_env(folder)
    fifo = folder / "fifo"
    os.mkfifo(fifo)
    reader = threading.Thread(target=lambda: fifo.read_bytes())
    reader.start()
    classify(tally, run(env, "report", "-o", str(fifo)), "report to a FIFO")
    reader.join(timeout=TIMEOUT)
    checks = [(fifo, stat.S_ISFIFO)]
    if os.geteuid() == 0:
        null, full = folder / "null", folder / "full"
        os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
        (folder / "to-full").symlink_to(full)
        for target in (null, full, folder / "to-full"):
            for command in (["report", "-o", str(target)], ["catalog", "export", "-o", str(target)]):
                classify(tally, run(env, *command), " ".join(command))
        checks += [(null, stat.S_ISCHR), (full, stat.S_ISCHR)]
    for path, is_kind in checks:
        if not is_kind(os.lstat(path).st_mode):
            tally.add("destroyed special files", str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    tally = Tally()
    started = time.monotonic()
    budget = options.minutes * 60
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        for phase in ("special", "parallel", "kill", "fuzz"):
            (folder / phase).mkdir()
        special_files(tally, folder / "special")
        parallel_profiles(tally, folder / "parallel", rounds=max(3, int(options.minutes * 4)))
        kill_writers(tally, rng, folder / "kill", started + budget * 0.5)
        fuzz(tally, rng, folder / "fuzz", started + budget)
    elapsed = time.monotonic() - started
    print(f"stress run: {elapsed / 60:.1f} minutes, seed {options.seed}, {'root' if os.geteuid() == 0 else 'not root'}")
    for name, count in tally.counts.items():
        print(f"  {name}: {count:,}")
    for example in tally.examples:
        print(f"  e.g. {example}")


if __name__ == "__main__":
    main()
