"""A user's own catalogue is untrusted: markup and emoji codes print literally; escape sequences are refused."""

from __future__ import annotations

import pytest

from conftest import catalogue_document, provider, write_catalogue

MARKUP_NAME = "[bold]Evil[/] [link=https://evil.example]Care[/link] :pill:"
MARKUP_NOTE = "Broken [/] closing tag and :warning: emoji code"
MARKUP_URL = "https://evil.example/[red]x[/red]"


@pytest.fixture
def hostile_catalogue(tmp_path):
    document = catalogue_document()
    joyous = provider(document, "joyous")
    joyous["name"] = MARKUP_NAME
    joyous["summary"] = MARKUP_NOTE
    joyous["pros"] = [MARKUP_NOTE]
    joyous["subscriptions"][0]["name"] = "[italic]Monthly[/italic] :pill:"
    joyous["sources"][0]["url"] = MARKUP_URL
    joyous["insurance"]["notes"] = [MARKUP_NOTE]
    spravato = next(a for a in document["alternatives"] if a["id"] == "spravato")
    spravato["name"] = "[blink]Spravato[/blink] :nose:"
    document["safety"]["look_elsewhere"].append("[/] :skull: literal")
    return write_catalogue(tmp_path / "hostile.toml", document)


COMMANDS = [
    ["providers"],
    ["providers", "--json"],
    ["show", "joyous"],
    ["show", "joyous", "--json"],
    ["show", "spravato"],
    ["cost", "--doses", "12"],
    ["cost", "--doses", "12", "--format", "csv"],
    ["cost", "--doses", "12", "--format", "markdown"],
    ["cost", "--doses", "12", "--json"],
    ["compare", "--state", "TX"],
    ["compare", "--state", "TX", "--format", "csv"],
    ["compare", "--state", "TX", "--format", "markdown"],
    ["compare", "--state", "TX", "--json"],
    ["states"],
    ["states", "TX"],
    ["map", "--provider", "joyous"],
    ["insurance"],
    ["alternatives"],
    ["safety"],
    ["catalog", "export"],
]


@pytest.mark.parametrize("colour", [{"NO_COLOR": "1"}, {"NO_COLOR": "", "FORCE_COLOR": "1"}])
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_markup_and_emoji_codes_print_literally(cli, hostile_catalogue, args, colour):
    result = cli("--catalog", str(hostile_catalogue), *args, env={"COLUMNS": "400", **colour})
    assert result.code == 0, result.stderr
    out = result.stdout
    assert "]8;" not in out, "no OSC 8 hyperlink may be produced"
    assert "💊" not in out and "⚠" not in out and "💀" not in out and "👃" not in out
    visible = out.replace("\\[", "[")  # JSON and Markdown escape some characters their own way
    literal_found = any(s in visible for s in ("[bold]Evil[/]", "[/]", ":pill:", "[blink]Spravato", ":skull:"))
    assert literal_found, out[:500]
    if colour.get("NO_COLOR"):
        assert "\x1b" not in out


@pytest.mark.parametrize(
    "hostile",
    ["Evil\x1b[2J", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "bell\x07", "c1\x9b31m", "bidi\u202e"],
)
@pytest.mark.parametrize(
    "place",
    [("name",), ("summary",), ("sources", 0, "url"), ("pros", 0), ("insurance", "notes", 0)],
)
def test_escape_sequences_are_refused(cli, tmp_path, hostile, place):
    document = catalogue_document()
    target = provider(document, "joyous")
    *parents, last = place
    for key in parents:
        target = target.setdefault(key, []) if key == "notes" else target[key]
    if isinstance(target, list) and last >= len(target):
        target.append(hostile)
    else:
        target[last] = hostile
    path = write_catalogue(tmp_path / "escape.toml", document)
    result = cli("--catalog", str(path), "providers")
    assert result.code == 1
    assert result.stdout == ""
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr and "\x9b" not in result.stderr
    assert "control character U+" in result.stderr
    dotted = "providers[3]." + ".".join(f"[{p}]" if isinstance(p, int) else p for p in place).replace(".[", "[")
    assert dotted in result.stderr


def test_error_messages_do_not_echo_escape_sequences(cli, tmp_path):
    path = tmp_path / "bad\x1b[31m.toml"
    result = cli("--catalog", str(path), "providers")
    assert result.code == 1
    assert "\x1b" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["catalog", "validate", ""],
        ["catalog", "diff", "", ""],
        ["feed", "add", "x", "http://127.0.0.1:1", "--root", ""],
    ],
    ids=["validate", "diff", "feed-add"],
)
def test_an_empty_file_name_is_a_usage_error_not_the_current_folder(cli, args):
    """Before: typer read '' as '.', so an unset shell variable gave exit 1 ".: not a regular file" (#39)."""
    result = cli(*args)
    assert result.code == 2 and result.stderr.count("\n") == 1 and "is empty: name a file" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "args", "code"),
    [("COLUMNS", "9" * 5000, ["compare", "--state", "TX"], 0),  # ignored, as an unset width is
     ("KETACLI_MAX_CATALOG_BYTES", "9" * 5000, ["compare", "--json"], 2),
     ("KETACLI_FEED_TIMEOUT", "9" * 5000, ["update"], 2),
     ("KETACLI_FEED_TIMEOUT", "99999999999", ["update"], 2)],
    ids=["columns", "max-bytes", "timeout-digits", "timeout-overflow"],
)  # fmt: skip
def test_an_absurd_number_in_the_environment_is_never_an_internal_error(cli, variable, value, args, code):
    """Before: ValueError (over 4,300 digits) or OverflowError (the timer), "internal error", exit 1 (#39)."""
    result = cli(*args, env={variable: value})
    assert result.code == code, result.stderr
    assert "internal error" not in result.stderr and result.stderr.count("\n") <= 3


@pytest.mark.parametrize("address", ["https://me:hunter2@host:99x/", "https://me:hunter 2@host/"])
def test_a_password_in_a_feed_address_is_never_repeated_back(cli, address):
    """Before: a bad port or a space echoed the whole address, password included (#39)."""
    result = cli("feed", "add", "x", address, "--root", "r")
    assert result.code == 2 and "hunter" not in result.stderr and "…@host" in result.stderr
