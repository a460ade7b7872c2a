"""DAK 2.2 files as association systems write them (BRIEF §2), read and written by spec/dak.py.

The files under docs/examples/ are the specimens: two valid files in the shapes of real producers
and one with a deliberate set of errors, whose `bokbid dak validate` output docs/grants.md quotes.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import spec
from cli import app
from spec import dak

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"
VALID = ("dak-one-card.xml", "dak-several-cards.xml")
EXAMPLE_REPORT = spec.openapi()["components"]["examples"]["AttendanceReportInput"]["value"]


def _errors(data: bytes) -> list[str]:
    with pytest.raises(dak.DakInvalid) as caught:
        dak.parse(data)
    return [str(e) for e in caught.value.errors]


@pytest.mark.parametrize("name", VALID)
def test_the_producers_examples_are_valid_and_their_export_is_byte_stable(name: str) -> None:
    doc = dak.parse((EXAMPLES / name).read_bytes())
    assert spec.schema_errors(spec.openapi()["components"]["schemas"]["AttendanceReportInput"], doc) == []
    exported = dak.to_xml(doc)
    assert dak.parse(exported) == doc
    assert dak.to_xml(dak.parse(exported)) == exported


def test_one_card_with_crlf_no_final_newline_and_a_hyphen() -> None:
    data = (EXAMPLES / "dak-one-card.xml").read_bytes()
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"") and not data.endswith(b"\n")
    doc = dak.parse(data)
    assert doc["organisation"]["organisationNumber"] == "8024713359"
    assert [s["date"] for s in doc["cards"][0]["sessions"]] == ["2026-03-16", "2026-03-09", "2026-03-02"]
    leaders = {p["id"]: p for p in doc["cards"][0]["leaders"]}
    assert leaders["20011"]["mobilePhone"] == "070-1740615"
    assert "email" not in leaders["20014"] and "mobilePhone" not in leaders["20014"]
    exported = dak.to_xml(doc).decode()
    assert 'organisationsnummer="802471-3359"' in exported
    assert "<Epost />" in exported and "<MobilNr />" in exported


def test_several_cards_share_the_registers_at_the_root() -> None:
    doc = dak.parse((EXAMPLES / "dak-several-cards.xml").read_bytes())
    girls, boys = doc["cards"]
    assert [p["id"] for p in girls["participants"]] == ["ab-1001", "ab-1002", "ab-1003"]
    assert [p["id"] for p in boys["participants"]] == ["ab-2001", "ab-2002", "ab-2003"]
    assert [p["id"] for p in girls["leaders"]] == ["ab-9001", "ab-9002"]
    assert [p["id"] for p in boys["leaders"]] == ["ab-9002"]  # the one its sessions name
    assert girls["participants"][0]["familyName"] == "D'Souza"
    assert doc["organisation"]["name"] == 'Idrottsklubben "Kvarnen" Kvarnbacken'
    assert set(girls["participants"][0]) == {"id", "givenName", "familyName", "personalIdentityNumber"}
    clamped = girls["sessions"][0]
    assert (clamped["code"], clamped["endTime"], clamped["type"]) == ("14874-20251-0920", "23:59:59", "match")
    assert girls["sessions"][3]["participants"] == [] and boys["sessions"][1]["leaders"] == []
    exported = dak.to_xml(doc).decode()
    assert exported.count("<DeltagarRegister>") == 1 and "<DeltagarLista />" in exported
    assert exported.index("</Kommun>") < exported.index("<DeltagarRegister>") < exported.index("<LedarRegister>")


def _documented_output() -> list[str]:
    text = (ROOT / "docs" / "grants.md").read_text(encoding="utf-8")
    block = re.search(r"```console\n\$ bokbid dak validate docs/examples/dak-with-errors.xml\n(.*?)```", text, re.S)
    assert block, "docs/grants.md no longer shows how the errors of dak-with-errors.xml read"
    return block[1].splitlines()


def test_the_example_with_errors_gives_exactly_the_documented_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, ["dak", "validate", "docs/examples/dak-with-errors.xml"])
    assert result.exit_code == 1
    assert result.output.splitlines() == _documented_output()
    lines = [int(line.split(":")[1]) for line in result.output.splitlines()]
    assert lines == sorted(lines) and len(lines) == 7  # schema and profile findings together, by line


@pytest.mark.parametrize("number", ["802000-1239", "8020001239"])
def test_the_organisation_number_with_or_without_its_hyphen(number: str) -> None:
    data = dak.to_xml(EXAMPLE_REPORT).replace(b"802000-1239", number.encode())
    assert dak.parse(data)["organisation"]["organisationNumber"] == "8020001239"


def test_a_byte_order_mark_is_tolerated() -> None:
    assert dak.parse(b"\xef\xbb\xbf" + dak.to_xml(EXAMPLE_REPORT)) == EXAMPLE_REPORT


def test_registers_inside_a_card_are_refused_with_the_missing_register() -> None:
    data = dak.to_xml(EXAMPLE_REPORT).decode()
    registers = data[data.index("  <DeltagarRegister>") : data.index("</Aktivitetskort>")]
    inside = data.replace(registers, "").replace("      </Naervarokort>", registers + "      </Naervarokort>")
    errors = _errors(inside.encode())
    assert errors[0] == "line 2: /Aktivitetskort: Missing child element(s). Expected is ( DeltagarRegister )."


def test_a_doctype_is_refused_and_no_entity_expanded() -> None:
    data = dak.to_xml(EXAMPLE_REPORT).replace(
        b"<Aktivitetskort ", b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<Aktivitetskort ', 1
    )
    assert _errors(data) == ["line 1: /: a DOCTYPE is not allowed in a DAK file"]


def test_a_value_the_schema_refuses_is_not_judged_again() -> None:
    data = dak.to_xml(EXAMPLE_REPORT).replace(b"<Personnummer>201503122382", b"<Personnummer>2015-03-12")
    errors = _errors(data)
    assert len(errors) == 1 and "is not accepted by the pattern" in errors[0] and "Personnummer" in errors[0]


def test_errors_beyond_the_cap_are_counted() -> None:
    report = copy.deepcopy(EXAMPLE_REPORT)
    template = report["cards"][0]["sessions"][0]
    report["cards"][0]["sessions"] = [{**template, "code": f"k-{i:04d}"} for i in range(dak.MAX_ERRORS + 5)]
    data = dak.to_xml(report).replace(b"<Typ>Traening</Typ>", b"<Typ>Fika</Typ>")
    errors = _errors(data)
    assert len(errors) == dak.MAX_ERRORS + 1 and errors[-1] == "/: 5 more errors are not listed"


def _two_cards(second_person: dict[str, Any]) -> dict[str, Any]:
    report = copy.deepcopy(EXAMPLE_REPORT)
    other = copy.deepcopy(report["cards"][0])
    other["cardNumber"] = 13
    other["participants"] = [second_person]
    report["cards"].append(other)
    return report


def test_in_a_json_report_an_id_names_one_person_throughout() -> None:
    same = EXAMPLE_REPORT["cards"][0]["participants"][0]
    assert dak.profile_errors(_two_cards(same)) == []
    findings = dak.profile_errors(_two_cards({**same, "givenName": "Bo"}))
    assert [pointer for pointer, _ in findings] == ["/cards/1/participants/0"]
    assert "names one person in the whole report" in findings[0][1]
