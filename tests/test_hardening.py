"""Hardening, round two: the cache, non-finite numbers, bounded work, the profile, pipes, full disks, inputs."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CATALOGUE, assert_clean, catalogue_document, env_for, ketacli, provider, write_catalogue

# ------------------------------------------------------------------------------------------- the cache


def cache_entry(cache_dir: Path, part: str = "query") -> Path:
    """The one cache entry of a part: "query" (what `compare` and `cost` read) or "full" (every other command)."""
    [entry] = cache_dir.glob("catalogue-*.query.json" if part == "query" else "catalogue-*[!y].json")
    return entry


def forge(entry: Path, document: object, *, fix_checksum: bool) -> None:
    """Rewrite a cache entry's document, with a checksum that matches it or the old one."""
    header_line, _, old_body = entry.read_bytes().partition(b"\n")
    header = json.loads(header_line)
    body = json.dumps(document).encode()
    if fix_checksum:
        header["checksum"] = f"{len(body):x}-{zlib.crc32(body):08x}-{zlib.adler32(body):08x}"
    entry.write_bytes(json.dumps(header).encode() + b"\n" + body)


@pytest.fixture
def warm_cache(cli, tmp_path) -> Path:
    """The query entry, after a run that wrote both entries."""
    assert cli("providers", "--json").code == 0
    return cache_entry(tmp_path / "cache")


@pytest.fixture
def full_entry(warm_cache) -> Path:
    return cache_entry(warm_cache.parent, "full")


def mindbloom_price(cli) -> object:
    rows = cli("cost", "-n", "6", "--json").json()
    return next(r["total"] for r in rows if r["id"] == "mindbloom")


def test_an_edited_entry_is_ignored_and_rebuilt(cli, warm_cache):
    header_line, _, body = warm_cache.read_bytes().partition(b"\n")
    document = json.loads(body)
    provider(document, "mindbloom")["plans"][0]["price"] = 1
    provider(document, "mindbloom")["name"] = "Mind\x1b[5mbloom \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\"
    forge(warm_cache, document, fix_checksum=False)
    assert mindbloom_price(cli) == 1254
    out = cli("providers").stdout
    assert "\x1b" not in out and "evil" not in out


@pytest.mark.parametrize("document", [{"document": {}}, {}, [], {"providers": "x"}, "text"])
def test_an_entry_of_the_wrong_shape_is_ignored_even_with_a_valid_checksum(cli, warm_cache, document):
    forge(warm_cache, document, fix_checksum=True)
    result = cli("compare", "--json")
    assert result.code == 0 and len(result.json()) == 4, result.stderr


@pytest.mark.parametrize(
    "spoil",
    [
        lambda d: provider(d, "mindbloom").__setitem__("plans", 1),  # the case
        lambda d: provider(d, "joyous").__setitem__("availability", None),
        lambda d: provider(d, "innerwell")["plans"][0].__setitem__("price", "cheap"),
        lambda d: d["providers"][0].pop("care"),
    ],
)
@pytest.mark.parametrize("command", [["compare", "--json"], ["cost", "-n", "6"], ["show", "mindbloom"]])
def test_an_entry_of_the_right_shape_but_wrong_structure_heals_itself(cli, warm_cache, full_entry, spoil, command):
    """Checksum right, structure wrong: once "internal error: TypeError" on every run until deleted by hand."""
    entry = full_entry if command[0] == "show" else warm_cache  # the entry the command reads
    document = json.loads(entry.read_bytes().partition(b"\n")[2])
    spoil(document)
    forge(entry, document, fix_checksum=True)
    first = cli(*command)
    assert first.code == 0, first.stderr
    assert "internal error" not in first.stderr
    assert mindbloom_price(cli) == 1254
    second = cli(*command)
    assert second.code == 0 and "unusable" not in second.stderr  # the entry was rebuilt


def test_a_query_entry_without_its_undated_counts_is_ignored_before_any_output(cli, warm_cache):
    """The staleness line is written after the rows: a query entry that could not give it would fail then."""
    document = json.loads(warm_cache.read_bytes().partition(b"\n")[2])
    del document["undated_sources"]
    forge(warm_cache, document, fix_checksum=True)
    result = cli("compare", "--json", env={"KETACLI_TODAY": "2026-11-27"})
    assert result.code == 0 and len(result.json()) == 4, result.stderr
    assert "27 of their source pages are undated" in result.stderr and "unusable" not in result.stderr


def test_the_heal_says_so_once(cli, warm_cache):
    document = json.loads(warm_cache.read_bytes().partition(b"\n")[2])
    provider(document, "mindbloom")["plans"] = 1
    forge(warm_cache, document, fix_checksum=True)
    result = cli("compare", "--json")
    assert result.code == 0 and len(result.json()) == 4
    assert result.stderr.count("the cached catalogue was unusable; rebuilt it from the catalogue file") == 1


def test_a_symlinked_entry_is_never_followed(cli, warm_cache, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    key_name = warm_cache.name
    warm_cache.unlink()
    (tmp_path / "cache" / key_name).symlink_to(victim)
    assert mindbloom_price(cli) == 1254
    assert victim.read_text() == "precious"  # neither read as the cache nor written through
    assert not (tmp_path / "cache" / key_name).is_symlink()  # replaced by a real entry


def test_stale_cache_temporaries_are_swept(cli, warm_cache, tmp_path):
    stale = tmp_path / "cache" / ".catalogue-deadbeef.json.x.tmp"
    stale.write_text("{")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    warm_cache.unlink()  # the next run writes an entry, and sweeps
    assert mindbloom_price(cli) == 1254
    assert not stale.exists()


@pytest.mark.parametrize("content", [b"", b"{", b"\x00\xff" * 10, b'{"cache_key": 1}\n{}', b"\n" * 5])
def test_a_broken_entry_is_ignored(cli, warm_cache, content):
    warm_cache.write_bytes(content)
    assert mindbloom_price(cli) == 1254


def test_an_oversize_entry_is_ignored_unread(cli, warm_cache):
    header = warm_cache.read_bytes().partition(b"\n")[0]
    warm_cache.write_bytes(header + b"\n" + b" " * (4 * (1 << 20)))  # beyond the limit for this catalogue
    assert mindbloom_price(cli) == 1254


def test_renderers_never_emit_control_characters_whatever_the_source(cli, warm_cache, full_entry):
    """Defence in depth: forged entries with matching checksums and hostile text still print no escapes."""
    from ketacli.catalogue import query_document

    document = json.loads(full_entry.read_bytes().partition(b"\n")[2])
    hostile = "Mind\x1b[5mbloom\x9b31m \u202eevil\x07"
    provider(document, "mindbloom")["name"] = hostile
    provider(document, "mindbloom")["plans"][0]["name"] = hostile
    forge(full_entry, document, fix_checksum=True)
    forge(warm_cache, query_document(document), fix_checksum=True)
    for args in (["providers"], ["compare"], ["cost", "-n", "6"], ["show", "mindbloom"], ["compare", "--json"],
                 ["cost", "--format", "csv"], ["cost", "--format", "markdown"], ["refunds", "mindbloom"]):  # fmt: skip
        result = cli(*args, env={"COLUMNS": "200"})
        assert result.code == 0, (args, result.stderr)
        for char in ("\x1b", "\x9b", "\u202e", "\x07"):
            assert char not in result.stdout, (args, repr(char))
    rows = cli("compare", "--json").json()
    assert next(r for r in rows if r["id"] == "mindbloom")["name"] == hostile  # JSON keeps the data, escaped


def test_the_cache_directory_is_private(cli, tmp_path):
    assert cli("providers").code == 0
    assert stat.S_IMODE(os.stat(tmp_path / "cache").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(cache_entry(tmp_path / "cache")).st_mode) == 0o600


def test_private_files_are_0600_whatever_stood_there_before(cli, tmp_path):
    """A FIFO, a world-readable file or a device node where a cache entry or the profile goes is never read
    from or written into, and what replaces it is private: before, a replaced file kept its old mode (0644)."""
    assert cli("providers").code == 0
    query, full = cache_entry(tmp_path / "cache"), cache_entry(tmp_path / "cache", "full")
    query.unlink()
    os.mkfifo(query)
    full.write_text("{}")
    os.chmod(full, 0o644)
    result = cli("compare", "--state", "TX", "--json")
    assert result.code == 0 and len(result.json()) == 4
    assert cli("show", "innerwell", "--json").code == 0
    for entry in (query, full):
        info = os.stat(entry)
        assert stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o600, entry.name
    profile = tmp_path / "config" / "profile.toml"
    profile.parent.mkdir()
    profile.write_text('state = "TX"\n')
    os.chmod(profile, 0o644)
    assert cli("profile", "set", "--doses", "12").code == 0
    assert stat.S_IMODE(os.stat(profile).st_mode) == 0o600


def test_a_cache_directory_others_can_write_to_is_not_used(cli, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    assert cli("providers", env={"KETACLI_CACHE_DIR": str(shared)}).code == 0
    assert list(shared.iterdir()) == []


# ------------------------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(("flag", "value"), [("--budget", "nan"), ("--budget", "inf"), ("--budget", "-inf"),
                                             ("--budget", "1e309"), ("--monthly-budget", "inf")])  # fmt: skip
def test_non_finite_amounts_are_usage_errors(cli, flag, value):
    result = cli("compare", f"{flag}={value}")
    assert result.code == 2
    assert result.stderr.startswith(f"ketacli: error: {flag} must be a finite amount of US dollars")


def test_profile_refuses_infinity_and_a_profile_holding_it_is_broken(cli, tmp_path):
    result = cli("profile", "set", "--budget", "inf")
    assert (result.code, result.stderr) == (
        2,
        "ketacli: error: --budget: must be a finite, non-negative number of US dollars\n",
    )
    path = tmp_path / "config" / "profile.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("budget = 1e400\n")
    result = cli("compare")
    assert result.code == 1
    assert result.stderr.startswith(f"ketacli: error: {path}: budget: must be a finite")


@pytest.mark.parametrize("price", [1e300, 10**40, "1e300"])
def test_huge_catalogue_prices_are_validation_errors(cli, tmp_path, price):
    document = catalogue_document()
    provider(document, "better-u")["plans"][0]["price"] = price
    result = cli("catalog", "validate", str(write_catalogue(tmp_path / "c.toml", document)))
    assert result.code == 1
    assert "providers[1].plans[0].price: must be at most $1,000,000" in result.stderr
    assert "InvalidOperation" not in result.stderr


def test_a_plan_cannot_hold_more_than_a_thousand_doses(cli, tmp_path):
    document = catalogue_document()
    plan = provider(document, "better-u")["plans"][0]
    plan["doses"] = 100_000_000
    del plan["per_dose_stated"]
    result = cli("catalog", "validate", str(write_catalogue(tmp_path / "c.toml", document)))
    assert (
        result.code == 1 and "providers[1].plans[0].doses: Input should be less than or equal to 1000" in result.stderr
    )


def test_the_engines_work_does_not_grow_with_a_plans_dose_count():
    """The exact-dose table is bounded by the doses asked for, however many doses one plan holds."""
    from ketacli.pricing import Option, _TopUpTable

    huge = Option("huge", "huge", "plan", 1000, 1, "list")
    small = Option("small", "small", "plan", 7, 700, "list")
    assert len(_TopUpTable((huge, small), 12).cost) <= 12


# ------------------------------------------------------------------------------------------- the profile file


def profile_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "config"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def test_a_profile_symlinked_to_dev_zero_is_refused_unread(tmp_path):
    (profile_dir(tmp_path) / "profile.toml").symlink_to("/dev/zero")
    result = ketacli(tmp_path, "compare", KETACLI_CONFIG_DIR=str(tmp_path / "config"))
    assert result.returncode == 1
    assert result.stderr.endswith("profile.toml: not a regular file; fix the file or run `ketacli profile clear`\n")


def test_a_fifo_profile_does_not_hang(tmp_path):
    os.mkfifo(profile_dir(tmp_path) / "profile.toml")
    result = ketacli(tmp_path, "compare", KETACLI_CONFIG_DIR=str(tmp_path / "config"))  # 60 s timeout
    assert result.returncode == 1 and "not a regular file" in result.stderr


def test_a_deeply_nested_profile_is_a_broken_profile(cli, tmp_path):
    (profile_dir(tmp_path) / "profile.toml").write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    result = cli("compare")
    assert result.code == 1 and "invalid TOML: nested too deeply" in result.stderr


def test_concurrent_profile_sets_keep_every_update(tmp_path):
    env = env_for(tmp_path, KETACLI_CONFIG_DIR=str(tmp_path / "config"))
    flags = [["--state", "TX"], ["--doses", "12"], ["--budget", "1500"], ["--monthly-budget", "200"],
             ["--returning"], ["--pay-in-full"], ["--dose-level", "standard"]]  # fmt: skip
    processes = [
        subprocess.Popen([sys.executable, "-m", "ketacli", "profile", "set", *f], env=env, stderr=subprocess.PIPE)
        for f in flags
    ]
    assert [p.wait(timeout=60) for p in processes] == [0] * len(flags)
    shown = json.loads(subprocess.run([sys.executable, "-m", "ketacli", "profile", "show", "--json"], env=env,
                                      capture_output=True, text=True, check=True).stdout)  # fmt: skip
    assert set(shown) == {"state", "doses", "budget", "monthly_budget", "returning", "pay_in_full", "dose_level"}


# ------------------------------------------------------------------------------------------- streams


@pytest.mark.parametrize(
    "command",
    ["", "catalog", "profile", "--help", "compare --help", "providers", "states", "map", "insurance", "refunds",
     "safety", "alternatives", "catalog stale", "show mindbloom"],
)  # fmt: skip
def test_a_closed_pipe_is_a_normal_end_for_every_command(tmp_path, command):
    env = env_for(tmp_path, KETACLI_CONFIG_DIR=str(tmp_path / "config"))
    script = f"{sys.executable} -m ketacli {command} | true"
    result = subprocess.run(
        ["bash", "-c", f"{script}; exit ${{PIPESTATUS[0]}}"], env=env, capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stderr) == (0, ""), command


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("command", ["providers", "compare", "compare --json", "--help", "states", "show innerwell"])
def test_a_full_disk_is_one_line_and_exit_1(tmp_path, command):
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "ketacli", *command.split()],
            env=env_for(tmp_path),
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stderr == "ketacli: error: cannot write output: No space left on device\n"


def test_ascii_only_output_stays_valid_json_and_tables_degrade(tmp_path):
    data = ketacli(tmp_path, "compare", "--json", PYTHONIOENCODING="ascii")
    assert data.returncode == 0 and data.stdout.isascii()
    assert json.loads(data.stdout)[0]["purchase"] == "5-session Introduction"
    for command in (["compare", "--state", "TX"], ["states"], ["map"], ["show", "mindbloom"]):
        result = ketacli(tmp_path, *command, PYTHONIOENCODING="ascii", COLUMNS="120")
        assert result.returncode == 0 and "Traceback" not in result.stderr, (command, result.stderr)


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_each_symbol_has_its_own_fallback_and_the_legend_matches(tmp_path, encoding):
    """✓ and ✗ once both became "?", the symbol for unknown: "? ? ? ?" beside "Confirmed 4"."""
    out = ketacli(tmp_path, "states", PYTHONIOENCODING=encoding, COLUMNS="120").stdout
    texas = next(line for line in out.splitlines() if "| TX " in line)
    assert [cell.strip() for cell in texas.strip("|").split("|")][2:] == ["Y", "Y", "Y", "Y", "4"]
    wyoming = next(line for line in out.splitlines() if "| WY " in line)
    assert [cell.strip() for cell in wyoming.strip("|").split("|")][2:] == ["N", "?", "?", "?", "0"]
    assert "Y served   N not served   ? unknown" in out
    one = ketacli(tmp_path, "map", "--provider", "innerwell", PYTHONIOENCODING=encoding, COLUMNS="120").stdout
    assert "Innerwell: Y served   N not served   ? unknown" in one
    dash = ketacli(tmp_path, "compare", "--state", "WY", PYTHONIOENCODING=encoding, COLUMNS="300").stdout
    assert "$604-$1,254 net" in dash  # an en dash is "-", not "?"


# ------------------------------------------------------------------------------------------- inputs and files


def test_a_garbage_fixed_date_is_refused_before_anything_prints(cli):
    result = cli("compare", "--state", "TX", env={"KETACLI_TODAY": "garbage"})
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == "ketacli: error: KETACLI_TODAY must be a date like 2025-06-13, not 'garbage'\n"


def test_a_fixed_date_before_the_data_is_refused(cli):
    result = cli("cost", env={"KETACLI_TODAY": "2024-01-01"})
    assert (result.code, result.stdout) == (2, "")
    assert "KETACLI_TODAY=2024-01-01 is before the data's as_of date 2025-06-13" in result.stderr


def test_a_catalogue_with_a_byte_order_mark_loads(cli, tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + CATALOGUE.read_bytes())
    assert cli("--catalog", str(path), "catalog", "validate").code == 0
    assert len(cli("--catalog", str(path), "compare", "--json").json()) == 4


def test_a_missing_or_directory_catalogue_exits_1(cli, tmp_path):
    for target in (tmp_path / "nope.toml", tmp_path):
        assert cli("--catalog", str(target), "providers").code == 1
        assert cli("providers", env={"KETACLI_CATALOG": str(target)}).code == 1


def test_export_keeps_the_mode_and_writes_through_a_symlink(cli, tmp_path):
    target = tmp_path / "real.toml"
    target.write_text("old")
    os.chmod(target, 0o640)
    link = tmp_path / "link.toml"
    link.symlink_to(target)
    assert cli("catalog", "export", "--output", str(link)).code == 0
    assert link.is_symlink() and target.read_text().startswith("schema_version = 1")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640


def test_an_empty_catalogue_says_so(cli, tmp_path):
    document = catalogue_document()
    document["providers"], document["alternatives"] = [], []
    path = write_catalogue(tmp_path / "empty.toml", document)
    for command, words in (("providers", "no providers"), ("insurance", "no providers"),
                           ("alternatives", "no alternatives")):  # fmt: skip
        result = cli("--catalog", str(path), command)
        assert result.code == 0 and f"ketacli: the catalogue lists {words}" in result.stderr, command


def complete(words: str) -> list[str]:
    env = {**os.environ, "_KETACLI_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - 1)}  # fmt: skip
    result = subprocess.run([sys.executable, "-m", "ketacli"], env=env, capture_output=True, text=True, timeout=60)
    return result.stdout.split()


def test_completion_accepts_lower_case_and_quotes_carriers():
    assert complete("ketacli compare --state t") == ["tn", "tx"]
    assert complete("ketacli show i") == ["innerwell"]
    carriers = subprocess.run(
        [sys.executable, "-m", "ketacli"], capture_output=True, text=True, timeout=60,
        env={**os.environ, "_KETACLI_COMPLETE": "complete_bash", "COMP_WORDS": "ketacli compare --insurance Blue",
             "COMP_CWORD": "3"},
    ).stdout.splitlines()  # fmt: skip
    assert "Blue\\ Cross\\ Blue\\ Shield\\ of\\ Texas" in carriers
    split = subprocess.run(["bash", "-c", f"set -- {carriers[0]}; echo $#"], capture_output=True, text=True)
    assert split.stdout.strip() == "1"  # accepting it gives one argument


# ------------------------------------------------------------------------------------------- fuzzing the files

FUZZ = settings(
    max_examples=int(os.environ.get("KETACLI_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
toml_values = st.recursive(
    st.none().map(lambda _: "x") | st.integers() | st.floats() | st.booleans() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3),
    max_leaves=6,
)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["state", "insurance", "doses", "budget", "monthly_budget", "returning", "pay_in_full",
                         "dose_level", "other"]),
        toml_values,
        max_size=4,
    )
    | st.binary(max_size=200).map(lambda raw: {"__raw__": raw})
)  # fmt: skip
def test_fuzzed_profiles_never_crash(cli, tmp_path, data):
    import tomli_w

    path = profile_dir(tmp_path) / "profile.toml"
    if "__raw__" in data:
        path.write_bytes(data["__raw__"])
    else:
        try:
            path.write_text(tomli_w.dumps(data))
        except (TypeError, ValueError):
            return
    result = cli("compare", "--json")
    assert_clean(result, json_expected=True)
    assert result.code in (0, 1, 2)


@FUZZ
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_fuzzed_cache_entries_never_crash_or_change_answers(cli, tmp_path, content):
    cache = tmp_path / "cache"
    if not list(cache.glob("catalogue-*.json")):
        cli("providers", "--json")
    cache_entry(cache).write_bytes(content)
    result = cli("cost", "-n", "6", "--json")
    assert result.code == 0, result.stderr
    assert next(r["total"] for r in result.json() if r["id"] == "mindbloom") == 1254


# ------------------------------------------------------------------------------------------- the cache key (#13)


@pytest.mark.parametrize("index", range(7))
def test_editing_any_module_that_shapes_the_document_revalidates(cli, monkeypatch, tmp_path, index):
    import shutil

    import ketacli.catalogue as catalogue

    real_files = catalogue.shaping_files()
    assert len(real_files) == 7 and real_files[-1].name == "version.py" and "pydantic" in str(real_files[-1])
    # "Edited" copies, never the installed files: tests in other workers read their stamps at the same time.
    files = []
    for number, source in enumerate(real_files):
        (tmp_path / "stamped" / str(number)).mkdir(parents=True)
        files.append(Path(shutil.copy2(source, tmp_path / "stamped" / str(number) / source.name)))
    monkeypatch.setattr(catalogue, "shaping_files", lambda: files)
    assert cli("providers", "--json").code == 0  # cached now
    validations = []
    real = catalogue.validate_document
    monkeypatch.setattr(catalogue, "validate_document", lambda *a: validations.append(1) or real(*a))
    assert cli("providers", "--json").code == 0
    assert validations == []  # served from the cache
    target = files[index]
    before = target.stat()
    try:
        os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))  # "edited"
        assert cli("providers", "--json").code == 0
        assert validations == [1], target.name  # validated afresh
    finally:
        os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_a_name_states_its_dose_count_only_as_a_whole_number():
    from ketacli.pricing import Option

    assert Option("p", "Plan 15", "plan", 5, 100, "list").description == "5-session Plan 15"
    assert Option("p", "6-session treatment", "plan", 6, 100, "list").description == "6-session treatment"
    assert Option("m", "Monthly plan (30 daily troches)", "subscription", 30, 1, "list").description == (
        "Monthly plan (30 daily troches)"
    )


@pytest.mark.parametrize("doses", ["501", "1000"])
def test_report_takes_every_dose_count_compare_takes(cli, doses):
    # Before: "internal error: ValueError" (the cost curve ran to twice N, past the pricing engine's limit).
    result = cli("report", "--doses", doses, "--format", "markdown")
    assert result.code == 0, result.stderr
    assert f"{int(doses):,} doses" in result.stdout and "internal error" not in result.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [("aetan", "did you mean Aetna?"), ("", "Invalid value for '--insurance' / '-i': must not be empty")],
)
def test_profile_refuses_a_carrier_typo_and_saves_nothing(cli, tmp_path, value, message):
    # Before: `profile set --insurance aetan` saved the typo, and every later run failed.
    result = cli("profile", "set", "--state", "TX", "--insurance", value)
    assert result.code == 2 and message in result.stderr
    assert not (tmp_path / "config" / "profile.toml").exists()
    assert cli("profile", "set", "--state", "TX", "--insurance", "humana").code == 0  # listed by nobody: valid


# --------------------------------------------------- writing never destroys what is there (#21 §1; run as root)


def _char_device(path, minor: int) -> None:
    """A character device node like /dev/null (1, 3) or /dev/full (1, 7), made inside a temporary folder."""
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))


@pytest.mark.skipif(os.geteuid() != 0, reason="making device nodes needs root")
@pytest.mark.parametrize("through_link", [False, True])
def test_a_device_is_written_in_place_never_replaced(cli, tmp_path, through_link):
    null, full = tmp_path / "null", tmp_path / "full"
    _char_device(null, 3)
    _char_device(full, 7)
    if through_link:
        (tmp_path / "to-null").symlink_to(null)
        (tmp_path / "to-full").symlink_to(full)
        null_target, full_target = tmp_path / "to-null", tmp_path / "to-full"
    else:
        null_target, full_target = null, full
    ok = cli("report", "--output", str(null_target))
    assert ok.code == 0
    failed = cli("catalog", "export", "--output", str(full_target))
    assert failed.code == 1 and failed.stderr.endswith("cannot write: No space left on device\n")
    assert stat.S_ISCHR(os.stat(null).st_mode) and stat.S_ISCHR(os.stat(full).st_mode)  # still devices
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


def test_a_fifos_reader_receives_the_report(cli, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = cli("report", "--format", "markdown", "--output", str(fifo))
    reader.join(timeout=30)
    assert result.code == 0
    assert received and received[0].startswith(b"# At-home ketamine therapy")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.parametrize("name", ["DIR", "DIR/", "DIR/new/"])
def test_a_directory_is_exit_1_and_nothing_is_created(cli, tmp_path, name):
    (tmp_path / "DIR").mkdir()
    target = name.replace("DIR", str(tmp_path / "DIR"))
    result = cli("catalog", "export", "--output", target)
    assert result.code == 1 and result.stderr.endswith("cannot write: Is a directory\n")
    assert list((tmp_path / "DIR").iterdir()) == []


def test_dash_is_stdout_and_an_empty_name_is_a_usage_error(cli, tmp_path):
    dash = cli("report", "--format", "markdown", "-o", "-")
    assert dash.code == 0 and dash.stdout.startswith("# At-home ketamine therapy")
    empty = cli("report", "-o", "")
    assert empty.code == 2 and "--output needs a file name" in empty.stderr


def test_dev_stdout_works_from_a_real_process(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "ketacli", "catalog", "export", "--format", "json", "--output", "/dev/stdout"],
        capture_output=True,
        text=True,
        env={**os.environ, "KETACLI_CACHE_DIR": str(tmp_path / "c")},
    )
    assert run.returncode == 0 and json.loads(run.stdout)["schema_version"] == 1
    assert os.path.exists("/dev/stdout")


def test_control_characters_in_an_output_name_are_escaped(cli, tmp_path):
    result = cli("catalog", "export", "--output", str(tmp_path / "a\x1b[31mb" / "x.toml"))
    assert result.code == 1 and "\x1b" not in result.stderr and "a\\x1b[31mb" in result.stderr


def test_stale_temporary_files_from_killed_runs_are_swept(cli, tmp_path):
    target = tmp_path / "report.html"
    stale, fresh = tmp_path / ".report.html.old.tmp", tmp_path / ".report.html.new.tmp"
    stale.write_text("left by a killed run")
    fresh.write_text("maybe another run's, still writing")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    assert cli("report", "--output", str(target)).code == 0
    assert target.exists() and not stale.exists() and fresh.exists()


def test_an_edit_of_the_same_size_in_the_same_second_is_validated_afresh(cli, tmp_path):
    """The key is the content's checksum, not size and time: a same-size edit whose mtime is put back (as in
    the same second on a coarse file system) is still seen, by the query entry and the full one alike."""
    path = write_catalogue(tmp_path / "mine.toml", catalogue_document())
    assert mindbloom_name_in(cli, path) == "Mindbloom"
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert text.count('name = "Mindbloom"') == 1
    path.write_text(text.replace('name = "Mindbloom"', 'name = "MindBloom"'), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    assert mindbloom_name_in(cli, path) == "MindBloom"
    assert cli("--catalog", str(path), "show", "mindbloom", "--json").json()["name"] == "MindBloom"


def mindbloom_name_in(cli, path: Path) -> object:
    rows = cli("--catalog", str(path), "cost", "-n", "6", "--json").json()
    return next(r["name"] for r in rows if r["id"] == "mindbloom")


def test_a_ranking_reads_the_query_entry_without_the_prose(cli, tmp_path, monkeypatch):
    cli("providers", "--json")
    query = json.loads(cache_entry(tmp_path / "cache").read_bytes().partition(b"\n")[2])
    full = json.loads(cache_entry(tmp_path / "cache", "full").read_bytes().partition(b"\n")[2])
    assert [p["id"] for p in query["providers"]] == [p["id"] for p in full["providers"]]
    assert "sources" not in query["providers"][0] and "pros" not in query["providers"][0]
    assert query["providers"][0]["refunds"] == full["providers"][0]["refunds"]  # money at risk needs the ladders
    # Nothing but the query entry is read by `compare`: with the full entry gone, it is still served warm.
    cache_entry(tmp_path / "cache", "full").unlink()
    import ketacli.catalogue as catalogue

    validations = []
    real = catalogue.validate_document
    monkeypatch.setattr(catalogue, "validate_document", lambda *a: validations.append(1) or real(*a))
    assert cli("compare", "--state", "TX", "--json").code == 0
    assert validations == []


# ------------------------------------------------------------------------------------------- issue #29, part 4


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["compare", "--state", "TX", "--insurance", ""], "'--insurance'"),
        (["insurance", "--carrier", ""], "'--carrier'"),  # before: "Innerwell: no accepted insurance", exit 0
        (["compare", "--delivery", ""], "'--delivery'"),
        (["compare", "--state", ""], "'--state'"),
        (["refunds", "innerwell", "--plan", ""], "'--plan'"),
        (["map", "--provider", ""], "'--provider'"),
        (["--catalog", "", "compare"], "--catalog is empty"),  # before: ".: not a regular file", exit 1
        (["feed", "init", ""], "name a new folder"),  # before: wrote into the current folder
    ],
)
def test_an_empty_value_is_a_usage_error(cli, args, flag):
    result = cli(*args)
    assert (result.code, result.stdout) == (2, "") and result.stderr.count("\n") == 1, result.stderr
    assert flag in result.stderr


def test_debug_shows_a_traceback_and_keeps_the_exit_code(cli):
    result = cli("--debug", "show", "nobody")  # before: a raised traceback and exit 1
    assert result.code == 2 and "Traceback" in result.stderr
    assert result.stderr.rstrip().endswith("ketacli: error: no provider named 'nobody'; valid ids: innerwell, "
                                           "better-u, mindbloom, joyous, spravato, infusion-clinics")  # fmt: skip


@pytest.mark.parametrize("value", ["0", "false", "no", "off", "FALSE", ""])
def test_ketacli_debug_off_values_are_off(cli, value):
    result = cli("show", "nobody", env={"KETACLI_DEBUG": value})
    assert result.code == 2 and "Traceback" not in result.stderr


def test_a_near_miss_carrier_in_the_profile_names_the_file_and_key(cli, tmp_path):
    profile = tmp_path / "config" / "profile.toml"
    profile.parent.mkdir(mode=0o700)
    profile.write_text('state = "TX"\ninsurance = "aetan"\n')
    result = cli("compare")  # before: exit 2, naming neither the file nor the key
    assert result.code == 1
    assert (
        f"ketacli: error: {profile}: insurance: no listed carrier is called 'aetan'; did you mean Aetna?"
        in result.stderr
    )
    typed = cli("compare", "--insurance", "aetan")  # typed on the command line: a usage error, as before
    assert typed.code == 2 and str(profile) not in typed.stderr.splitlines()[-1]


def test_catalog_diff_names_its_own_missing_file(cli, tmp_path):
    result = cli("catalog", "diff", str(tmp_path / "nope.toml"), str(CATALOGUE))
    assert (
        result.code == 1
        and result.stderr == f"ketacli: error: {tmp_path / 'nope.toml'}: no such file; check the path\n"
    )


def test_a_fifo_with_no_reader_is_given_up_with_one_line(cli, tmp_path, monkeypatch):
    """Before: `-o FIFO` with no reader hung forever."""
    import ketacli.fileio

    monkeypatch.setattr(ketacli.fileio, "FIFO_WAIT_SECONDS", 1)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    result = cli("catalog", "export", "--format", "toml", "-o", str(fifo))
    assert result.code == 1
    assert result.stderr.splitlines() == [
        f"ketacli: {fifo} is a FIFO with no reader yet: waiting up to 1 s for one",
        f"ketacli: error: {fifo}: cannot write: no program read the FIFO within 1 s",
    ]


def test_an_error_that_is_not_the_caches_never_deletes_a_good_cache(cli, tmp_path, monkeypatch):
    """Before: any unexpected error in a run that read the cache removed it, as if it were damaged."""
    import ketacli.evaluation

    command = ["compare", "--doses", "12", "--monthly-budget", "500", "--json"]
    assert cli(*command).code == 0  # builds the cache
    entries = sorted((tmp_path / "cache").glob("catalogue-*.json"))
    assert entries

    def broken(*args, **kwargs):
        raise RuntimeError("a bug elsewhere")

    monkeypatch.setattr(ketacli.evaluation, "evaluate", broken)
    result = cli(*command)
    assert result.code == 1 and "internal error: RuntimeError: a bug elsewhere" in result.stderr
    assert "cached catalogue" not in result.stderr
    assert sorted((tmp_path / "cache").glob("catalogue-*.json")) == entries  # kept


def test_a_stale_temporary_file_in_the_cache_is_swept_on_a_warm_run(cli, tmp_path):
    assert cli("providers", "--json").code == 0
    stale = tmp_path / "cache" / ".catalogue-abc.json.x1y2z3.tmp"
    stale.write_text("half")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    assert cli("providers", "--json").code == 0  # warm: reads the cache, writes nothing
    assert not stale.exists()


# ------------------------------------------------------------------------------------------- issue #31


@pytest.mark.parametrize("suffix", ["toml", "json"])
def test_a_number_too_long_for_python_is_one_line_naming_the_file(cli, tmp_path, suffix):
    """Before: `internal error: ValueError: Exceeds the limit (4300 digits)`, naming no file."""
    huge = "9" * 4301
    path = tmp_path / f"big.{suffix}"
    if suffix == "toml":
        path.write_text(CATALOGUE.read_text() + f"x = {huge}\n")
    else:
        path.write_text('{"schema_version": ' + huge + "}")
    result = cli("--catalog", str(path), "compare")
    assert result.code == 1 and result.stderr == (
        f"ketacli: error: {path}: a number with more than 4,300 digits, longer than any value can be; fix that number\n"
    )


def test_a_profile_with_a_number_too_long_can_still_be_cleared(cli, tmp_path):
    profile = tmp_path / "config" / "profile.toml"
    profile.parent.mkdir(mode=0o700)
    profile.write_text("doses = " + "9" * 4301 + "\n")
    for args in (["compare"], ["profile", "show"]):
        result = cli(*args)
        assert result.code == 1 and f"{profile}: a number with more than 4,300 digits" in result.stderr
        assert "profile clear" in result.stderr and "internal error" not in result.stderr
    assert cli("profile", "clear").code == 0 and cli("compare").code == 0


@pytest.mark.parametrize("value", ["", "relative/config"])
def test_an_empty_or_relative_xdg_value_is_ignored(cli, tmp_path, monkeypatch, value):
    """The XDG Base Directory specification: such a value is ignored. Before: `XDG_CONFIG_HOME=` saved
    ./ketacli/profile.toml in the current folder."""
    monkeypatch.delenv("KETACLI_CONFIG_DIR")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", value)
    monkeypatch.chdir(tmp_path)
    assert cli("profile", "set", "--state", "TX").code == 0
    assert (tmp_path / "home" / ".config" / "ketacli" / "profile.toml").is_file()
    assert not (tmp_path / "ketacli").exists() and not (tmp_path / "relative").exists()


def test_with_no_home_a_run_answers_without_profile_or_cache_and_says_so_once(cli, tmp_path, monkeypatch):
    """HOME unset and a uid with no passwd entry. Before: `internal error: RuntimeError`, and `profile set`
    wrote ./~/.config/ketacli/profile.toml."""
    import pwd

    def no_entry(uid: int) -> pwd.struct_passwd:
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    for name in ("KETACLI_CONFIG_DIR", "KETACLI_CACHE_DIR", "KETACLI_DATA_DIR"):
        monkeypatch.delenv(name)
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    monkeypatch.chdir(tmp_path)
    result = cli("compare", "--state", "TX", "--json")
    assert result.code == 0 and len(result.json()) == 4
    assert result.stderr.count("no home folder (HOME is unset): running without a saved profile, cache or feed") == 1
    saved = cli("profile", "set", "--state", "TX")
    assert saved.code == 1 and "no home folder to keep a profile or trusted feeds in" in saved.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written into the current folder


def test_a_config_folder_that_cannot_exist_is_no_profile_for_readers(cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    env = {"KETACLI_CONFIG_DIR": str(blocker / "ketacli")}
    assert cli("compare", "--state", "TX", "--json", env=env).code == 0  # before: exit 1, though there is no profile
    written = cli("profile", "set", "--state", "TX", env=env)
    assert written.code == 1 and "internal error" not in written.stderr


def test_a_legal_255_character_file_name_is_written(cli, tmp_path, monkeypatch):
    """Before: "File name too long", because the temporary name added 14 characters to it."""
    monkeypatch.chdir(tmp_path)
    name = "a" * 250 + ".toml"
    result = cli("catalog", "export", "--format", "toml", "-o", name)
    assert result.code == 0, result.stderr
    assert (tmp_path / name).read_bytes() == cli("catalog", "export", "--format", "toml").stdout.encode()


def test_a_relative_output_from_a_folder_deeper_than_path_max(cli, tmp_path, monkeypatch):
    """Before: a relative -o failed when the current folder's absolute path was longer than PATH_MAX."""
    monkeypatch.chdir(tmp_path)  # restored after the test, however deep it went
    level = "d" * 250
    for _ in range(20):  # 20 × 251 characters: past Linux's PATH_MAX of 4,096
        os.mkdir(level)
        os.chdir(level)
    result = cli("catalog", "export", "--format", "toml", "-o", "out.toml")
    assert result.code == 0, result.stderr
    assert os.path.getsize("out.toml") > 10_000


def test_the_precomputed_answers_of_09_are_removed_when_the_cache_is_written(cli, tmp_path):
    """0.8 and 0.9 kept a day's answers per command and dose count (up to 0.78 GB for one catalogue); 0.10
    answers every question from the query document, and sweeps them."""
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    old = [cache / "catalogue-1-2-3-4-5.answers.json", cache / "catalogue-1-2-3-4-5.answers-cost-12.json"]
    for entry in old:
        entry.write_text("{}")
    assert cli("compare", "--json").code == 0  # cold: validates and writes the cache
    assert not any(entry.exists() for entry in old)
    assert sorted(e.name.count(".") for e in cache.glob("catalogue-*.json")) == [
        1,
        2,
    ]  # the document and its query part


def test_a_cache_entry_that_is_a_folder_is_rebuilt(cli, tmp_path):
    """Before: never rebuilt, so every run stayed cold, in silence."""
    command = ["compare", "-n", "6", "--monthly-budget", "500", "--json"]
    assert cli(*command).code == 0
    (entry,) = (tmp_path / "cache").glob("catalogue-*.query.json")
    entry.unlink()
    entry.mkdir()
    assert cli(*command).code == 0  # cold: rebuilds it
    assert entry.is_file()


@pytest.mark.parametrize(
    "args",
    [["compare", "--state", "x" * 100_000], ["show", "y" * 100_000], ["compare", "--doses", "7" * 90_000],
     ["compare", "--state", "TX", "--insurance", "z" * 5_000]],
    ids=["state", "provider", "doses", "carrier-notice"],
)  # fmt: skip
def test_a_long_bad_value_is_quoted_up_to_a_bound(cli, args):
    """Before: an error line of about 200 KB."""
    result = cli(*args)
    longest = max(len(line) for line in result.stderr.splitlines())
    assert longest < 400, longest
    assert "characters)" in result.stderr
