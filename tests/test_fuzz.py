"""Bad input never crashes: random option values and random catalogue documents through the real CLI."""

from __future__ import annotations

import os
import random

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import assert_clean, catalogue_document

# KETACLI_FUZZ_EXAMPLES=2000 for a longer run by hand; CI keeps it short.
FUZZ = settings(
    max_examples=int(os.environ.get("KETACLI_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


junk = st.text(max_size=12) | st.sampled_from(["", "-1", "0", "1e9", "nan", "inf", "12", "TX", "new york", "--json"])

OPTIONS = {
    "compare": ["--state", "--doses", "--budget", "--monthly-budget", "--insurance", "--delivery", "--fields",
                "--sort", "--limit", "--dose-level", "--format"],
    "cost": ["--doses", "--state", "--insurance", "--dose-level", "--format"],
    "states": [],
    "insurance": ["--state", "--carrier"],
    "map": ["--provider"],
    "show": [],
}  # fmt: skip
FLAGS = ["--returning", "--pay-in-full", "--hsa-fsa", "--no-sitter", "--explain", "--confirmed-only", "--schedule"]


@FUZZ
@given(
    command=st.sampled_from(sorted(OPTIONS)),
    data=st.data(),
)
def test_random_option_values(cli, command, data):
    args = [command]
    if command in ("states", "show"):
        args.append(data.draw(junk))
    for option in data.draw(st.lists(st.sampled_from(OPTIONS[command] or ["--json"]), max_size=4)):
        args += [option] if option == "--json" else [option, data.draw(junk)]
    if command in ("compare", "cost"):
        args += data.draw(st.lists(st.sampled_from(FLAGS), max_size=2))
    args.append("--json")
    result = cli(*args)
    assert_clean(result, json_expected="--format" not in args)


scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
toml_values = st.recursive(
    scalars.filter(lambda v: v is not None),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(min_size=1, max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


def key_paths(value, path=()):
    """Every path to a value inside a document."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield path + (key,)
            yield from key_paths(child, path + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield path + (index,)
            yield from key_paths(child, path + (index,))


DOCUMENT_PATHS = list(key_paths(catalogue_document()))


@FUZZ
@given(
    mutations=st.lists(
        st.tuples(st.sampled_from(DOCUMENT_PATHS), st.sampled_from(["replace", "delete"]), toml_values),
        min_size=1,
        max_size=3,
    )
)
def test_mutated_catalogues(cli, tmp_path, mutations):
    """The shipped catalogue with values replaced by random ones or removed: valid TOML, wrong shapes."""
    document = catalogue_document()
    for path, action, value in mutations:
        parent = document
        try:
            for key in path[:-1]:
                parent = parent[key]
            if action == "delete":
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    target = tmp_path / "mutated.toml"
    try:
        target.write_text(tomli_w.dumps(document), encoding="utf-8")
    except (TypeError, ValueError):
        return  # not representable as TOML
    for args in (
        ["compare", "--state", "TX", "--doses", "12", "--json"],
        ["cost", "--doses", "7", "--json"],
        ["states", "--json"],
        ["show", "innerwell", "--json"],
        ["map", "--json"],
        ["insurance", "--json"],
    ):
        assert_clean(cli("--catalog", str(target), *args), json_expected=True)


@FUZZ
@given(document=st.dictionaries(st.text(min_size=1, max_size=10), toml_values, max_size=5))
def test_random_documents(cli, tmp_path, document):
    target = tmp_path / "random.toml"
    try:
        target.write_text(tomli_w.dumps(document), encoding="utf-8")
    except (TypeError, ValueError):
        return
    assert_clean(cli("--catalog", str(target), "compare", "--json"), json_expected=True)


@FUZZ
@given(raw=st.binary(max_size=400))
def test_random_bytes(cli, tmp_path, raw):
    target = tmp_path / "bytes.toml"
    target.write_bytes(raw)
    result = cli("--catalog", str(target), "providers", "--json")
    assert_clean(result, json_expected=True)


@pytest.mark.parametrize("seed", range(5))
def test_truncated_catalogue(cli, tmp_path, seed):
    raw = tomli_w.dumps(catalogue_document()).encode()
    cut = random.Random(seed).randrange(len(raw))
    target = tmp_path / "cut.toml"
    target.write_bytes(raw[:cut])
    assert_clean(cli("--catalog", str(target), "compare", "--json"), json_expected=True)
