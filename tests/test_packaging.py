"""The wheel carries the one catalogue file, so `pip install .` works from any directory."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_providers_toml(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("ketacli-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "ketacli/providers.toml" in names
        assert {"ketacli/templates/report.html.j2", "ketacli/templates/report.md.j2"} <= set(names)  # `report`
        assert archive.read("ketacli/providers.toml") == (ROOT / "providers.toml").read_bytes()
        for part in ("full", "query"):  # the prebuilt documents a first run reads instead of validating
            built = ROOT / "src" / "ketacli" / "builtin" / f"{part}.json"
            assert archive.read(f"ketacli/builtin/{part}.json") == built.read_bytes()
        assert any(name.endswith("entry_points.txt") for name in names)
        entry_points = next(archive.read(n).decode() for n in names if n.endswith("entry_points.txt"))
    assert "ketacli = ketacli.entry:main" in entry_points
