"""`catalog export` round-trips: what it writes validates back to the same catalogue."""

from __future__ import annotations

import json
import tomllib

from conftest import catalogue_document, provider, write_catalogue


def test_toml_export_round_trips(cli, tmp_path):
    exported = tmp_path / "exported.toml"
    assert cli("catalog", "export", "--format", "toml", "--output", str(exported)).code == 0
    original = cli("catalog", "export", "--format", "json").json()
    again = cli("--catalog", str(exported), "catalog", "export", "--format", "json").json()
    assert again == original
    assert cli("catalog", "validate", str(exported)).code == 0
    # Whole dollars stay integers, cents stay exact, dates stay TOML dates.
    document = tomllib.loads(exported.read_text())
    foundation = provider(document, "innerwell")["plans"][0]
    assert foundation["price"] == 1098 and isinstance(foundation["price"], int)
    assert str(foundation["per_dose_stated"]) == "137.25"
    assert str(provider(document, "innerwell")["as_of"]) == "2025-06-13"


def test_json_export_is_the_validated_document(cli):
    result = cli("catalog", "export", "--format", "json")
    data = json.loads(result.stdout)
    assert [p["id"] for p in data["providers"]] == ["innerwell", "better-u", "mindbloom", "joyous"]
    assert result.stdout.endswith("}\n")


def test_export_to_stdout_matches_file(cli, tmp_path):
    out = tmp_path / "out.toml"
    cli("catalog", "export", "-o", str(out))
    assert cli("catalog", "export").stdout == out.read_text()


def test_failed_export_leaves_previous_file_intact(cli, tmp_path, monkeypatch):
    target = tmp_path / "catalogue.toml"
    target.write_text("previous contents\n")
    import ketacli.fileio as fileio

    def exploding_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(fileio.os, "fsync", exploding_fsync)
    result = cli("catalog", "export", "--output", str(target))
    assert result.code == 1
    assert result.stderr == f"ketacli: error: {target}: cannot write: Input/output error\n"
    assert target.read_text() == "previous contents\n"
    assert [p.name for p in tmp_path.iterdir() if p.name != "cache"] == ["catalogue.toml"]


def test_schema_describes_the_format(cli):
    schema = cli("catalog", "schema").json()
    assert schema["title"] == "Catalogue"
    assert "providers" in schema["properties"]
    assert schema["$defs"]["Plan"]["additionalProperties"] is False


def test_export_of_a_user_catalogue(cli, tmp_path):
    document = catalogue_document()
    provider(document, "joyous")["subscriptions"][0]["price"] = 139
    provider(document, "joyous")["subscriptions"][0]["per_dose_stated"] = 4.63
    path = write_catalogue(tmp_path / "mine.toml", document)
    data = cli("--catalog", str(path), "catalog", "export", "--format", "json").json()
    assert provider(data, "joyous")["subscriptions"][0]["price"] == 139
