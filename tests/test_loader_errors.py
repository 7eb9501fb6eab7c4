"""Every kind of broken catalogue gives one clear line naming the place, and a non-zero exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import catalogue_document, provider, write_catalogue


def run_with(cli, path: Path, *args: str):
    return cli("--catalog", str(path), *(args or ("providers", "--json")))


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ketacli: error: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_missing_file(cli, tmp_path):
    assert_one_line_error(run_with(cli, tmp_path / "nope.toml"), "nope.toml: no such file")


def test_missing_file_through_environment_variable(cli, tmp_path):
    result = cli("providers", env={"KETACLI_CATALOG": str(tmp_path / "gone.toml")})
    assert_one_line_error(result, "gone.toml: no such file")


def test_unreadable_file(cli, tmp_path, monkeypatch):
    path = write_catalogue(tmp_path / "locked.toml", catalogue_document())
    import os

    real_open = os.open

    def refuse(target, *args, **kwargs):  # chmod 0 does not stop root, so refuse the open itself
        if Path(target) == path:
            raise PermissionError(13, "Permission denied")
        return real_open(target, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    assert_one_line_error(run_with(cli, path), "locked.toml: permission denied")


def test_directory_instead_of_file(cli, tmp_path):
    result = run_with(cli, tmp_path)
    assert result.code == 1  # a data/file problem, as the README's exit-code table says
    assert result.stderr == f"ketacli: error: {tmp_path}: not a regular file; pass the path of a catalogue file\n"


def test_toml_syntax_error_names_line_and_column(cli, tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('schema_version = 1\ntitle = "x"\nproviders = [\n  { id = "a" name = "b" },\n]\n')
    assert_one_line_error(run_with(cli, path), "broken.toml: invalid TOML", "line 4, column")


def test_not_utf8(cli, tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('title = "caf\xe9"\n'.encode("latin-1"))
    assert_one_line_error(run_with(cli, path), "not UTF-8", "offset 12")


def test_over_size_limit_refused_before_reading(cli, tmp_path):
    path = write_catalogue(tmp_path / "big.toml", catalogue_document())
    result = cli("--catalog", str(path), "providers", env={"KETACLI_MAX_CATALOG_BYTES": "100"})
    assert_one_line_error(result, "over the 100-byte limit", "KETACLI_MAX_CATALOG_BYTES")


def _set(provider_id: str, *path: object, value: object):
    """A mutation: set one value in a provider, by its key path."""

    def mutate(document: dict) -> None:
        target = provider(document, provider_id)
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _append_state(document: dict) -> None:
    provider(document, "better-u")["availability"]["states_known"].append("XX")


def _drop_montana(document: dict) -> None:
    provider(document, "innerwell")["availability"]["states_known"].remove("MT")


BROKEN = [
    # (what is broken, the mutation, fragments the one error line must hold)
    ("wrong type", _set("mindbloom", "plans", 0, "doses", value="six"), ["providers[2].plans[0].doses"]),
    ("a typo'd key", _set("innerwell", "plans", 1, "prize", value=10), ["providers[0].plans[1].prize: unknown key"]),
    ("a bad state code", _append_state, ["providers[1].availability.states_known[5]", "'XX' is not a US state code"]),
    ("a negative price", _set("mindbloom", "plans", 2, "price", value=-1),
     ["providers[2].plans[2].price: must not be negative"]),
    ("fractional cents", _set("joyous", "subscriptions", 0, "price", value=129.001),
     ["providers[3].subscriptions[0].price", "two decimal places"]),
    ("installments that do not add up", _set("innerwell", "plans", 0, "installments", "amount", value=365),
     ["providers[0].plans[0]", "3 × $365 = $1095, but price is $1098"]),
    ("a stated per-dose price that disagrees", _set("better-u", "plans", 1, "per_dose_stated", value=87),
     ["providers[1].plans[1]", "$792 ÷ 9 doses = $88.00"]),
    ("a control character", _set("joyous", "name", value="Joyous\x1b[2J"),
     ["providers[3].name", "control character U+001B"]),
    ("a duplicate id", _set("joyous", "id", value="innerwell"), ["duplicate", "'innerwell'"]),
    ("an id that is not a slug", _set("joyous", "id", value="Joyous Inc"), ["providers[3].id", "slug"]),
    ("a complete list that misses its count", _drop_montana,
     ["providers[0].availability", "24 states and states_reported is 25"]),
]  # fmt: skip


@pytest.mark.parametrize(("broken", "mutate", "fragments"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_catalogue_is_one_line_naming_the_key_path(cli, tmp_path, broken, mutate, fragments):
    document = catalogue_document()
    mutate(document)
    assert_one_line_error(run_with(cli, write_catalogue(tmp_path / "c.toml", document)), *fragments)


def test_validate_reports_every_problem(cli, tmp_path):
    document = catalogue_document()
    provider(document, "innerwell")["plans"][0]["price"] = -5
    provider(document, "joyous")["dose_level"] = "medium"
    provider(document, "mindbloom")["extra_key"] = True
    result = cli("catalog", "validate", str(write_catalogue(tmp_path / "c.toml", document)))
    assert result.code == 1
    assert "providers[0].plans[0].price: must not be negative" in result.stderr
    assert "providers[3].dose_level" in result.stderr
    assert "providers[2].extra_key: unknown key" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == f"ketacli: error: {tmp_path / 'c.toml'}: invalid (3 problems)"


def test_validate_a_good_copy(cli, tmp_path):
    path = write_catalogue(tmp_path / "copy.toml", catalogue_document())
    result = cli("catalog", "validate", str(path))
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == f"{path}: valid (4 providers, 2 alternatives)\n"


def test_cache_is_not_fooled_by_an_edited_file(cli, tmp_path):
    """A valid file is cached; editing it in place must be validated afresh."""
    document = catalogue_document()
    path = write_catalogue(tmp_path / "c.toml", document)
    assert run_with(cli, path).code == 0
    provider(document, "joyous")["subscriptions"][0]["price"] = -3
    write_catalogue(path, document)
    assert_one_line_error(run_with(cli, path), "must not be negative")


def test_debug_shows_the_traceback(cli, tmp_path):
    result = cli("--debug", "--catalog", str(tmp_path / "nope.toml"), "providers")
    assert result.code == 1 and "Traceback (most recent call last)" in result.stderr  # the documented code still
    assert (
        result.stderr.rstrip()
        .splitlines()[-1]
        .endswith("no such file; check the path given to --catalog or KETACLI_CATALOG")
    )


def test_cache_gives_the_same_answers_and_survives_corruption(cli, tmp_path):
    first = cli("compare", "--state", "TX", "--doses", "12", "--json")
    (entry,) = (tmp_path / "cache").glob("catalogue-*.query.json")  # what `compare` reads
    second = cli("compare", "--state", "TX", "--doses", "12", "--json")
    assert second.stdout == first.stdout
    entry.write_text('{"truncated": ')
    assert cli("compare", "--state", "TX", "--doses", "12", "--json").stdout == first.stdout
    entry.write_text('{"providers": "not a list"}')
    assert cli("compare", "--state", "TX", "--doses", "12", "--json").stdout == first.stdout
    uncached = cli("compare", "--state", "TX", "--doses", "12", "--json", env={"KETACLI_NO_CACHE": "1"})
    assert uncached.stdout == first.stdout


# ------------------------------------------------------------- accepted today and should not be, or the reverse


def test_a_date_in_the_future_is_refused_without_blaming_ketacli_today(cli, tmp_path):
    import datetime as dt

    document = catalogue_document()
    provider(document, "joyous")["as_of"] = dt.date(2999, 1, 1)
    path = write_catalogue(tmp_path / "future.toml", document)
    result = cli("catalog", "validate", str(path))
    assert result.code == 1
    assert "providers[3].as_of: 2999-01-01 is after today" in result.stderr
    fixed = cli("--catalog", str(path), "compare", env={"KETACLI_TODAY": "2999-06-01"})
    assert fixed.code == 1 and "KETACLI_TODAY" not in fixed.stderr and "is after today" in fixed.stderr


def test_a_json_export_reads_back_with_the_same_answers(cli, tmp_path):
    exported = tmp_path / "catalogue.json"
    assert cli("catalog", "export", "--format", "json", "--output", str(exported)).code == 0
    assert cli("catalog", "validate", str(exported)).stdout.endswith("valid (4 providers, 2 alternatives)\n")
    for args in (["cost", "-n", "12", "--json"], ["compare", "--state", "TX", "--json"], ["refunds", "--json"]):
        assert cli("--catalog", str(exported), *args).json() == cli(*args).json()
    no_extension = tmp_path / "catalogue"
    no_extension.write_bytes(exported.read_bytes())  # recognised by its content too
    assert cli("catalog", "validate", str(no_extension)).code == 0
    (tmp_path / "broken.json").write_text('{"providers": [')
    broken = cli("catalog", "validate", str(tmp_path / "broken.json"))
    assert broken.code == 1 and "invalid JSON: Expecting value (at line 1, column 16)" in broken.stderr


@pytest.mark.parametrize(
    ("key", "size", "message"),
    [("title", 60_000, "title: String should have at most 1000 characters"),
     ("disclaimer", 2_000, "disclaimer: String should have at most 1000 characters")],
)  # fmt: skip
def test_strings_have_length_limits(cli, tmp_path, key, size, message):
    document = catalogue_document()
    document[key] = "x" * size
    result = cli("catalog", "validate", str(write_catalogue(tmp_path / "long.toml", document)))
    assert result.code == 1 and message in result.stderr


def test_one_more_problem_is_singular(cli, tmp_path):
    document = catalogue_document()
    provider(document, "joyous")["name"] = ""
    provider(document, "mindbloom")["name"] = ""
    result = cli("--catalog", str(write_catalogue(tmp_path / "two.toml", document)), "compare")
    assert result.stderr.rstrip().endswith("(and 1 more problem)")


def test_an_oversize_file_is_too_large_not_invalid(cli, tmp_path):
    result = cli("catalog", "validate", env={"KETACLI_MAX_CATALOG_BYTES": "100"})
    assert result.code == 1 and "too large: file is" in result.stderr and "invalid" not in result.stderr


def test_a_catalogue_over_the_old_64_mib_default_is_read(cli, tmp_path):
    """A realistic 10,000-provider catalogue is about 96 MB: the default limit must let it through."""
    from conftest import CATALOGUE

    big = tmp_path / "big.toml"
    with big.open("wb") as handle:
        handle.write(CATALOGUE.read_bytes())
        line = b"# " + b"x" * 1022 + b"\n"
        for _ in range(70 * 1024):  # 70 MiB of comments after a valid catalogue
            handle.write(line)
    result = cli("catalog", "validate", str(big))
    assert result.code == 0 and "too large" not in result.stderr, result.stderr
