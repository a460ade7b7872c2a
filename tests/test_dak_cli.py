"""`bokbid dak validate` and `bokbid dak convert`: what suppliers and associations run offline."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import spec
from cli import app

RUNNER = CliRunner()
EXAMPLE = spec.openapi()["components"]["examples"]["DakDocument"]["value"]


def test_a_valid_file_passes(tmp_path: Path) -> None:
    file = tmp_path / "närvaro.xml"
    file.write_text(EXAMPLE, encoding="utf-8")
    result = RUNNER.invoke(app, ["dak", "validate", str(file)])
    assert result.exit_code == 0 and "valid DAK 2.2" in result.output


def test_errors_name_line_and_element(tmp_path: Path) -> None:
    file = tmp_path / "fel.xml"
    file.write_text(EXAMPLE.replace("<StoppTid>19:30:00", "<StoppTid>17:30:00"), encoding="utf-8")
    result = RUNNER.invoke(app, ["dak", "validate", str(file)])
    line = next(i for i, s in enumerate(EXAMPLE.splitlines(), 1) if "<StoppTid>" in s)
    assert result.exit_code == 1
    assert (
        f"{file}:{line}: /Aktivitetskort/Kommun/Foerening/Naervarokort[1]/Sammankomster/Sammankomst[1]/StoppTid"
        in result.output
    )


def test_convert_round_trip(tmp_path: Path) -> None:
    source = tmp_path / "in.xml"
    source.write_text(EXAMPLE, encoding="utf-8")
    as_json = tmp_path / "out.json"
    assert RUNNER.invoke(app, ["dak", "convert", str(source), "--to", "json", "--out", str(as_json)]).exit_code == 0
    assert (
        json.loads(as_json.read_text(encoding="utf-8"))
        == spec.openapi()["components"]["examples"]["AttendanceReportInput"]["value"]
    )
    back = RUNNER.invoke(app, ["dak", "convert", str(as_json), "--to", "xml"])
    assert back.exit_code == 0 and "<Typ>Traening</Typ>" in back.output


def test_usage_errors(tmp_path: Path) -> None:
    assert RUNNER.invoke(app, ["dak", "validate", str(tmp_path / "saknas.xml")]).exit_code == 2
    assert RUNNER.invoke(app, ["dak", "convert", str(tmp_path / "x"), "--to", "csv"]).exit_code == 2
