"""Stress run: hostile inputs, killed writers and parallel runs, with figures anyone can reproduce.

Run from the project's virtual environment (as root, so the special-file checks run too):

    python benchmarks/stress.py [--minutes 10] [--seed 1]

Not part of the test suite. The fault classes share the time:
- fuzz: mutated catalogues (bytes flipped, lines cut or repeated, values swapped for other types, huge
  strings, numbers too long for Python, deep nesting) through several commands, as real subprocesses; the
  exit code must be 0 or 1 (docs/scripting.md: a bad catalogue is 1), never a traceback or a hang;
- kill: kill -9 of writers at random moments (the cache, `profile set`, `catalog export -o`, `report -o`,
  and `update` from a feed served on 127.0.0.1); each file must then be absent, the old one, or a new one
  that parses whole, and the next run must work;
- parallel: `profile set` writers (one key each) with readers: every key must survive;
- ctrl-c: SIGINT at random moments: exit 130 (or 0, finished), never a traceback;
- full-disk: output to a file under a size limit (`ulimit -f`): exit 0 with a whole file, or exit 1 with
  "cannot write output", never exit 0 with a cut one;
- special: writes to special files (a device node, a FIFO, a symlink to a device, made in a temporary
  folder): none may be replaced.

It prints a table of runs and failures per class, and exits 1 if any run broke its rule.
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = (ROOT / "providers.toml").read_bytes()
COMMANDS = [["compare", "--json"], ["cost", "-n", "12"], ["show", "mindbloom"], ["refunds", "--json"],
            ["states"], ["catalog", "validate"]]  # fmt: skip
TIMEOUT = 30


FAILURES = ("wrong exit code", "tracebacks", "hangs", "torn files", "lost keys", "destroyed special files")


class Tally:
    """Runs and failures per fault class; a few examples of each failure."""

    def __init__(self) -> None:
        self.runs: dict[str, int] = {}
        self.failures: dict[str, dict[str, int]] = {}
        self.examples: list[str] = []

    def ran(self, fault: str) -> None:
        self.runs[fault] = self.runs.get(fault, 0) + 1

    def failed(self, fault: str, kind: str, example: str) -> None:
        self.failures.setdefault(fault, {}).setdefault(kind, 0)
        self.failures[fault][kind] += 1
        if len(self.examples) < 12:
            self.examples.append(f"{fault}, {kind}: {example}")

    def check(
        self,
        fault: str,
        result: subprocess.CompletedProcess[str] | None,
        label: str,
        allowed: tuple[int, ...] = (0, 1, 2),
    ) -> None:
        """One run: never a hang or a traceback, and an exit code the table allows for this kind of input."""
        self.ran(fault)
        if result is None:
            self.failed(fault, "hangs", label)
        elif "Traceback" in result.stderr or "internal error" in result.stderr:
            self.failed(fault, "tracebacks", f"{label}: {result.stderr.strip().splitlines()[-1][:200]}")
        elif result.returncode not in allowed:
            self.failed(fault, "wrong exit code", f"{label}: {result.returncode}")

    def total_failures(self) -> int:
        return sum(sum(kinds.values()) for kinds in self.failures.values())


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
    choice = rng.randrange(8)
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
    if choice == 6:  # a number too long for Python to read (over 4,300 digits)
        return data.replace(b"price = 1254", b"price = " + b"9" * rng.randint(4301, 20_000), 1)
    return data.replace(b"2025-06-13", rng.choice([b"2999-01-01", b"1900-02-30", b'"yesterday"']), 1)


def fuzz(tally: Tally, rng: random.Random, folder: Path, until: float) -> None:
    env = base_env(folder)
    while time.monotonic() < until:
        path = folder / "fuzzed.toml"
        path.write_bytes(mutate(rng, CATALOGUE))
        command = rng.choice(COMMANDS)
        # A catalogue problem is exit 1, never 2 (a usage error): the command line itself is fine.
        tally.check("fuzz", run({**env, "KETACLI_CATALOG": str(path)}, *command), " ".join(command), allowed=(0, 1))


def parses_as_toml(data: bytes) -> bool:
    import tomllib

    try:
        tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError):
        return False
    return True


def whole(path: Path, before: bytes | None, after_check: Callable[[bytes], bool]) -> bool:
    """Absent, the old content, or content that passes `after_check` (a complete new file)."""
    if not path.exists():
        return True
    data = path.read_bytes()
    return data == before or after_check(data)


@contextmanager
def served_feed(folder: Path, env: dict[str, str]) -> Iterator[None]:
    """A feed published from the shipped catalogue, served on 127.0.0.1, trusted as `main` in `env`."""
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    repo = folder / "feed"
    init = run(env, "feed", "init", str(repo))
    assert init is not None and init.returncode == 0, "feed init failed"
    run(env, "feed", "publish", str(repo), str(ROOT / "providers.toml"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(repo / "public")))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    fingerprint = init.stdout.split(": ", 1)[1].strip()  # as the publisher published it
    run(env, "feed", "add", "main", f"http://127.0.0.1:{server.server_port}", "--root",
        str(repo / "public" / "metadata" / "1.root.json"), "--fingerprint", fingerprint)  # fmt: skip
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def kill_writers(tally: Tally, rng: random.Random, folder: Path, until: float) -> None:
    env = base_env(folder)
    out = folder / "out"
    out.mkdir(exist_ok=True)
    state = folder / "data" / "active" / "state.json"
    jobs = [
        (["catalog", "export", "-o", str(out / "export.toml")], out / "export.toml", parses_as_toml),
        (["report", "-o", str(out / "report.html")], out / "report.html", lambda d: d.rstrip().endswith(b"</html>")),
        (["profile", "set", "--state", "TX", "--doses", "12"], folder / "config" / "profile.toml", parses_as_toml),
        (["compare", "--json"], None, None),  # the cache's writer
        (["update", "main"], state, lambda d: bool(json.loads(d))),  # the feed's state switch
    ]  # fmt: skip
    with served_feed(folder, env):
        while time.monotonic() < until:
            args, target, check = rng.choice(jobs)
            if target is None:
                for entry in (folder / "cache").glob("catalogue-*.json"):
                    entry.unlink()
            if args[0] == "update":  # so that there is something to install
                state.unlink(missing_ok=True)
            before = target.read_bytes() if target is not None and target.exists() else None
            process = subprocess.Popen([sys.executable, "-m", "ketacli", *args], env=env, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)  # fmt: skip
            time.sleep(rng.uniform(0.05, 1.2))
            process.send_signal(signal.SIGKILL)
            process.wait()
            tally.ran("kill")
            if target is not None and check is not None:
                try:
                    intact = whole(target, before, check)
                except ValueError:
                    intact = False
                if not intact:
                    tally.failed("kill", "torn files", str(target))
            # Whatever a killed writer left, the next run works: exit 0.
            tally.check("kill", run(env, "compare", "--json"), "compare after a kill", allowed=(0,))
            tally.check("kill", run(env, "catalog", "status", "--json"), "status after a kill", allowed=(0,))


def parallel_profiles(tally: Tally, folder: Path, rounds: int) -> None:
    env = base_env(folder)
    flags = [["--state", "TX"], ["--doses", "12"], ["--budget", "2000"], ["--monthly-budget", "400"],
             ["--returning"], ["--pay-in-full"]]  # fmt: skip
    keys = ["state", "doses", "budget", "monthly_budget", "returning", "pay_in_full"]
    for _ in range(rounds):
        run(env, "profile", "clear")
        threads = [threading.Thread(target=run, args=(env, "profile", "set", *f)) for f in flags]
        readers = [threading.Thread(target=lambda: tally.check("parallel", run(env, "compare", "--json"), "reader",
                                                               allowed=(0,)))  # fmt: skip
                   for _ in range(3)]  # fmt: skip
        for thread in threads + readers:
            thread.start()
        for thread in threads + readers:
            thread.join()
        shown = run(env, "profile", "show", "--json")
        tally.ran("parallel")
        try:
            saved = json.loads(shown.stdout) if shown else {}
        except json.JSONDecodeError:
            tally.failed("parallel", "torn files", "profile")
            continue
        for key in keys:
            if key not in saved:
                tally.failed("parallel", "lost keys", key)


def ctrl_c(tally: Tally, rng: random.Random, folder: Path, until: float) -> None:
    """SIGINT once ketacli's first line has run (the interpreter's own start-up, ~30 ms, is Python's)."""
    env = base_env(folder)
    commands = [["compare", "--state", "TX"], ["report", "--state", "TX"], ["catalog", "export"], ["refunds"]]
    while time.monotonic() < until:
        process = subprocess.Popen([sys.executable, "-m", "ketacli", *rng.choice(commands)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
        time.sleep(rng.uniform(0.05, 0.6))
        process.send_signal(signal.SIGINT)
        try:
            _, stderr = process.communicate(timeout=TIMEOUT)
            result = subprocess.CompletedProcess(process.args, process.returncode, "", stderr)
        except subprocess.TimeoutExpired:
            process.kill()
            result = None
        tally.check("ctrl-c", result, "SIGINT", allowed=(0, 130))


def full_disk(tally: Tally, rng: random.Random, folder: Path, until: float) -> None:
    """Output to a file under a size limit: a whole file and 0, or "cannot write output" and 1."""
    import resource

    env = {**base_env(folder), "COLUMNS": "200"}
    commands = [["catalog", "export", "--format", "toml"], ["report", "--state", "TX"], ["compare", "--json"],
                ["cost", "-n", "12"]]  # fmt: skip
    while time.monotonic() < until:
        limit = rng.choice([0, 512, 4096, 16_384, 65_536, 1 << 20])
        command = rng.choice(commands)

        def cap(limit: int = limit) -> None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        out = folder / "out"
        with out.open("wb") as handle:
            try:
                result: subprocess.CompletedProcess[str] | None = subprocess.run(
                    [sys.executable, "-m", "ketacli", *command], env=env, stdout=handle, stderr=subprocess.PIPE,
                    text=True, timeout=TIMEOUT, preexec_fn=cap)  # fmt: skip
            except subprocess.TimeoutExpired:
                result = None
        tally.check("full-disk", result, f"{' '.join(command)} under {limit} bytes", allowed=(0, 1))
        if result is None:
            continue
        complete = run(env, *command)
        whole_output = complete is not None and out.read_bytes() == complete.stdout.encode()
        if result.returncode == 0 and not whole_output:
            tally.failed("full-disk", "torn files", f"{' '.join(command)}: exit 0 with a cut output")
        if result.returncode == 1 and "cannot write output" not in result.stderr:
            tally.failed("full-disk", "wrong exit code", f"{' '.join(command)}: 1 without saying why")


def special_files(tally: Tally, folder: Path) -> None:
    env = base_env(folder)
    fifo = folder / "fifo"
    os.mkfifo(fifo)
    reader = threading.Thread(target=lambda: fifo.read_bytes())
    reader.start()
    tally.check("special", run(env, "report", "-o", str(fifo)), "report to a FIFO", allowed=(0,))
    reader.join(timeout=TIMEOUT)
    checks = [(fifo, stat.S_ISFIFO)]
    if os.geteuid() == 0:
        null, full = folder / "null", folder / "full"
        os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
        (folder / "to-full").symlink_to(full)
        for target in (null, full, folder / "to-full"):
            for command in (["report", "-o", str(target)], ["catalog", "export", "-o", str(target)]):
                tally.check("special", run(env, *command), " ".join(command), allowed=(0, 1))
        checks += [(null, stat.S_ISCHR), (full, stat.S_ISCHR)]
    for path, is_kind in checks:
        tally.ran("special")
        if not is_kind(os.lstat(path).st_mode):
            tally.failed("special", "destroyed special files", str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    tally = Tally()
    started = time.monotonic()
    budget = options.minutes * 60
    share = {"kill": 0.35, "ctrl-c": 0.15, "full-disk": 0.15, "fuzz": 0.35}  # of what special and parallel leave
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        for phase in ("special", "parallel", "kill", "ctrl-c", "full-disk", "fuzz"):
            (folder / phase).mkdir()
        special_files(tally, folder / "special")
        parallel_profiles(tally, folder / "parallel", rounds=max(3, int(options.minutes * 4)))
        left, now = started + budget - time.monotonic(), time.monotonic()
        ends = {}
        for phase, part in share.items():
            now += left * part
            ends[phase] = now
        kill_writers(tally, rng, folder / "kill", ends["kill"])
        ctrl_c(tally, rng, folder / "ctrl-c", ends["ctrl-c"])
        full_disk(tally, rng, folder / "full-disk", ends["full-disk"])
        fuzz(tally, rng, folder / "fuzz", ends["fuzz"])
    elapsed = time.monotonic() - started
    print(f"stress run: {elapsed / 60:.1f} minutes, seed {options.seed}, {'root' if os.geteuid() == 0 else 'not root'}")
    print("| fault class | runs | " + " | ".join(FAILURES) + " |")
    print("|---|---:|" + "---:|" * len(FAILURES))
    for fault in ("special", "parallel", "kill", "ctrl-c", "full-disk", "fuzz"):
        failures = tally.failures.get(fault, {})
        counts = " | ".join(str(failures.get(kind, 0)) for kind in FAILURES)
        print(f"| {fault} | {tally.runs.get(fault, 0):,} | {counts} |")
    for example in tally.examples:
        print(f"  e.g. {example}")
    sys.exit(1 if tally.total_failures() else 0)


if __name__ == "__main__":
    main()
