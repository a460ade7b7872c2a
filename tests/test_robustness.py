"""Verdicts that hold up: the harness reaches a complete verdict however badly the product behaves,
and tells a user who pointed it at something that is not a BoB API so, in one line.

The chaos server (tests/chaos_server.py) answers everything but /api-info and /conformance with a
misbehaviour dealt under a fixed seed; `bokbid certify` runs against it as a real process, as a
supplier's CI would run it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import test_harness_framework as framework
from browser import serve
from chaos_server import chaos_server
from starlette.responses import JSONResponse, Response, StreamingResponse
from test_harness_framework import SUITE, FakeApi, Served, _check, certify, load_report, page, problem
from typer.testing import CliRunner

from cli import app
from conformance import fuzz, http, json_bodies, reports, synthetic
from conformance.bundle import FILES, bundle_digest
from conformance.config import Product
from conformance.context import CheckContext
from conformance.evidence import BODY_LIMIT
from conformance.expect import expect
from conformance.http import Recorder, RecordingClient, Unreachable
from conformance.http import Response as HarnessResponse
from conformance.outcomes import CheckFailure
from conformance.reports import replay_scripts
from conformance.results import Result
from conformance.validation import request_violations
from reference_server.launcher import background_server

BOKBID = str(Path(sys.executable).parent / "bokbid")
TIMEOUT = 2.0

# report.json as BRIEF §5 promises it to other tools.
REPORT_CONTRACT = {
    "type": "object",
    "required": ["specVersion", "suiteVersion", "seed", "summary", "results"],
    "properties": {
        "specVersion": {"type": "string", "minLength": 1},
        "suiteVersion": {"type": "string", "minLength": 1},
        "seed": {"type": "integer"},
        "summary": {
            "type": "object",
            "required": ["passed", "failed", "skipped", "errors"],
            "properties": {k: {"type": "integer", "minimum": 0} for k in ("passed", "failed", "skipped", "errors")},
        },
        "results": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "requirements", "class", "status", "message"],
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "requirements": {"type": "array", "items": {"type": "string"}},
                    "class": {"type": "string"},
                    "status": {"enum": ["passed", "failed", "skipped", "error"]},
                    "message": {"type": "string"},
                },
            },
        },
    },
}


def _certify(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BOKBID, "certify", *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_product_that_misbehaves_at_random_still_gets_a_complete_verdict(tmp_path: Path, seed: int) -> None:
    bundle = tmp_path / "bundle"
    with chaos_server(seed, TIMEOUT) as server:
        done = _certify(
            "--base-url", server.root, "--out", str(bundle), "--seed", str(seed), "--timeout", str(TIMEOUT),
            "--fuzz-examples", "2", "--fuzz-seconds", "4", "--quiet",
        )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and done.stdout.startswith("passed ")
    assert all(server.seen.values()), server.seen  # every misbehaviour was dealt at least once

    report = json.loads((bundle / "report.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, REPORT_CONTRACT)
    statuses = [r["status"] for r in report["results"]]
    assert report["summary"] == {
        "passed": statuses.count("passed"),
        "failed": statuses.count("failed"),
        "skipped": statuses.count("skipped"),
        "errors": statuses.count("error"),
    }
    results = {r["id"]: r for r in report["results"]}
    assert "core.evidence-bundle" not in results  # every writer coped on its own
    assert results["core.responses-match-spec"]["status"] == "failed"
    assert {results["core.fuzz-no-server-error"]["status"], results["core.fuzz-responses-match-spec"]["status"]} <= {
        "failed",
        "error",
    }
    assert "RecursionError" not in json.dumps(report)

    ET.parse(bundle / "junit.xml")  # parseable XML, whatever the bodies held
    html = (bundle / "report.html").read_text(encoding="utf-8")
    assert "BoB certification report" in html and "could not be written" not in html
    records = [json.loads(line) for line in (bundle / "evidence.jsonl").read_text(encoding="utf-8").splitlines()]
    assert records and all({"checkId", "request", "response", "violations"} <= set(r) for r in records)
    assert max(len(r["response"]["body"]) for r in records) <= 64 * 1024  # 10 MB bodies are not kept whole
    found = {v["message"] for r in records for v in r["violations"]}
    assert any("too deep to inspect" in m for m in found) and any("not valid UTF-8" in m for m in found)

    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    scripts = {r["replay"]["script"] for r in report["results"] if r.get("replay")}
    assert scripts and all((bundle / name).is_file() for name in scripts)  # a replay for each failure
    assert manifest["seed"] == seed and set(manifest["files"]) == {*FILES, *scripts}
    for name, digest in manifest["files"].items():
        assert digest == "sha256:" + hashlib.sha256((bundle / name).read_bytes()).hexdigest(), name


# ----------------------------------------------------------------------------------------------
# Not a BoB API: one line, exit 3


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 3, (done.stdout, done.stderr)
    assert done.stderr.count("\n") == 1, done.stderr
    return done.stderr.strip()


def test_the_api_root_without_the_version_segment_gets_a_hint(tmp_path: Path) -> None:
    with background_server(db=f"sqlite:///{tmp_path / 'bob.db'}") as url:
        root = url.removesuffix("/v1")
        line = _one_line(_certify("--base-url", root, "--out", str(tmp_path / "r"), "--quiet"))
    assert line == f"no BoB API at {root}: GET /api-info answered 404 — did you mean {root}/v1?"
    assert not (tmp_path / "r").exists()


def test_another_web_server_is_named_for_what_it_answers(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "v1").mkdir(parents=True)
    (site / "v1" / "api-info").write_text("<html><body>Welcome to our intranet</body></html>", encoding="utf-8")
    with serve(site) as base:  # a plain file server: a page at /v1/api-info, 404 elsewhere
        page_found = _one_line(_certify("--base-url", f"{base}/v1", "--out", str(tmp_path / "r"), "--quiet"))
        not_found = _one_line(_certify("--base-url", base, "--out", str(tmp_path / "r"), "--quiet"))
    not_json = "200 with application/octet-stream, not JSON"
    assert page_found == f"no BoB API at {base}/v1: GET /api-info answered {not_json}"
    assert not_found == f"no BoB API at {base}: GET /api-info answered 404"  # /v1 is no BoB API either: no hint


# ----------------------------------------------------------------------------------------------
# Hostile bodies, one at a time, against the fake API of test_harness_framework

served, api, client = framework.served, framework.api, framework.client  # its fixtures, shared


def _violations(response: HarnessResponse) -> list[str]:
    return [v.message for v in response.exchange.violations]


def test_json_nested_too_deep_to_inspect_is_a_finding_not_a_crash(client: RecordingClient, api: FakeApi) -> None:
    parser_limit = "[" * 100_000 + "]" * 100_000  # beyond what the json module parses
    walker_limit = '{"items": ' * 900 + "null" + "}" * 900  # parsed, but no recursive walker survives it
    for body in (parser_limit, walker_limit):
        api.route("GET", "/facilities", lambda r, b=body: Response(b, media_type="application/json"))
        response = client.get("/facilities")
        assert _violations(response) == [
            f"body cannot be validated: JSON nested deeper than {json_bodies.MAX_DEPTH} levels; too deep to inspect"
        ]
        with pytest.raises(ValueError, match="too deep to inspect"):
            response.json()
        with pytest.raises(CheckFailure, match="expected a JSON body"):
            expect(response).field("items")
        assert body[:BODY_LIMIT][-100:] in response.exchange.response_text()  # shown as it came, not re-indented
    _, found = request_violations("POST", "/test/fixtures", {}, {"content-type": "application/json"}, b"[" * 5000)
    assert [v.message for v in found] == [
        f"the body cannot be validated: JSON nested deeper than {json_bodies.MAX_DEPTH} levels; too deep to inspect"
    ]


def test_depth_counts_without_recursion() -> None:
    assert json_bodies.depth(1) == 0 and json_bodies.depth({"a": [1, {"b": []}]}) == 4
    within = json.loads("[" * json_bodies.MAX_DEPTH + "]" * json_bodies.MAX_DEPTH)
    assert json_bodies.loads(json.dumps(within)) == within
    with pytest.raises(json_bodies.TooDeep):
        json_bodies.loads("[" * (json_bodies.MAX_DEPTH + 1) + "]" * (json_bodies.MAX_DEPTH + 1))


def test_json_that_is_not_utf8_is_a_violation(client: RecordingClient, api: FakeApi) -> None:
    api.route("GET", "/facilities", lambda r: Response(b'{"items": ["\xff\xfe"]}', media_type="application/json"))
    assert "body is not valid UTF-8 (byte 12); JSON must be UTF-8" in _violations(client.get("/facilities"))
    latin1 = "application/json; charset=iso-8859-1"
    api.route(
        "GET", "/facilities", lambda r: Response('{"x": "å"}'.encode("latin-1"), headers={"content-type": latin1})
    )
    response = client.get("/facilities")
    assert "body is not valid UTF-8 (byte 7); JSON must be UTF-8" in _violations(response)
    assert response.text == '{"x": "å"}'  # read in its declared charset all the same


def test_a_body_beyond_the_read_limit_is_cut_off_and_flagged(
    client: RecordingClient, api: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http, "MAX_RESPONSE_BYTES", 1024 * 1024)
    api.route(
        "GET",
        "/facilities",
        lambda r: Response(b"[" + b"1," * (2 * 1024 * 1024) + b"1]", media_type="application/json"),
    )
    response = client.get("/facilities")
    assert len(response.content) == 1024 * 1024 and response.exchange.response_truncated
    assert "body larger than 1 MiB; not read any further" in _violations(response)


def test_a_response_trickling_in_past_the_timeout_is_no_response(served: Served, api: FakeApi) -> None:
    async def trickle() -> AsyncIterator[bytes]:
        for _ in range(30):
            await asyncio.sleep(0.05)
            yield b" "

    api.route("GET", "/facilities", lambda r: StreamingResponse(trickle(), media_type="application/json"))
    patient = RecordingClient.open(served.root, timeout=0.5, recorder=Recorder())
    with pytest.raises(Unreachable, match=r"no complete response within 0\.5 s"):
        patient.get("/facilities")  # each byte came well within the timeout; the whole did not
    patient.close()


def test_a_body_that_cannot_be_decoded_is_a_violation(client: RecordingClient, api: FakeApi) -> None:
    api.route(
        "GET",
        "/facilities",
        lambda r: Response(b"not gzip at all", media_type="application/json", headers={"content-encoding": "gzip"}),
    )
    response = client.get("/facilities")
    assert response.content == b"" and any(m.startswith("body cannot be decoded") for m in _violations(response))


# ----------------------------------------------------------------------------------------------
# The run goes on: summary steps, report writers, values no writer foresaw


def test_a_broken_report_writer_leaves_a_stand_in_and_an_error(
    served: Served, api: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(run: Any, report: Any, path: Path) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setitem(reports.WRITERS, "report.html", broken)
    code, out, _ = certify(served, tmp_path, SUITE[:1])
    bundle = tmp_path / "report"
    assert code == 1 and out.startswith("passed 7, failed 0, skipped 0, errors 1")
    stand_in = (bundle / "report.html").read_text(encoding="utf-8")
    assert "report.html could not be written" in stand_in and "RecursionError: maximum recursion" in stand_in
    error = {r["id"]: r for r in load_report(tmp_path)["results"]}["core.evidence-bundle"]
    assert error["status"] == "error" and error["requirements"] == []
    assert "report.html: RecursionError: maximum recursion depth exceeded" in error["message"]
    junit = ET.parse(bundle / "junit.xml").getroot()  # written again, so it carries the error too
    assert [c.get("name") for c in junit.iter("testcase") if c.find("error") is not None] == ["core.evidence-bundle"]
    assert bundle_digest(bundle).startswith("sha256:")  # the manifest pins the stand-in like any file


def test_a_replay_script_that_cannot_be_written_leaves_a_stand_in(
    served: Served, api: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unwritable(plan: Any, command: str) -> str:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(replay_scripts, "script", unwritable)
    code, _, _ = certify(served, tmp_path, SUITE[:2])
    bundle = tmp_path / "report"
    stand_in = subprocess.run(
        ["sh", str(bundle / "replay" / "discovery.fails.sh")], capture_output=True, text=True, timeout=30
    )
    assert code == 1 and stand_in.returncode == 2
    assert (
        stand_in.stderr
        == "error: no replay script for discovery.fails: RecursionError: maximum recursion depth exceeded\n"
    )
    assert "core.evidence-bundle" not in {r["id"] for r in load_report(tmp_path)["results"]}  # the rest is whole
    assert bundle_digest(bundle).startswith("sha256:")


def test_report_json_is_written_even_when_it_cannot_be_built(
    served: Served, api: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unbuildable(run: Any) -> dict[str, Any]:
        raise KeyError("requirements")

    monkeypatch.setattr(reports, "build_report", unbuildable)
    code, _, _ = certify(served, tmp_path, SUITE[:1])
    report = load_report(tmp_path)
    jsonschema.validate(report, REPORT_CONTRACT)
    assert code == 1 and report["reportError"] == "KeyError: 'requirements'"
    assert {r["id"]: r["status"] for r in report["results"]}["core.evidence-bundle"] == "error"
    assert bundle_digest(tmp_path / "report").startswith("sha256:")


def test_a_summary_step_that_raises_is_its_own_error(
    served: Served, api: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def overflowing(*args: Any) -> Result:
        raise RecursionError("maximum recursion depth exceeded while decoding a JSON object")

    monkeypatch.setattr(synthetic, "aggregate", overflowing)
    code, _, _ = certify(served, tmp_path, SUITE[:1])
    results = {r["id"]: r for r in load_report(tmp_path)["results"]}
    assert code == 1
    for drawn in ("core.responses-match-spec", "core.no-personal-data-to-anonymous"):
        assert results[drawn]["status"] == "error" and results[drawn]["message"].startswith("RecursionError")
        assert "Traceback" in results[drawn]["traceback"]


def test_values_json_cannot_carry_still_reach_every_report(served: Served, api: FakeApi, tmp_path: Path) -> None:
    def compares_the_uncomparable(ctx: CheckContext) -> None:
        cycle: list[Any] = []
        cycle.append(cycle)
        deep: list[Any] = []
        for _ in range(5000):  # deeper than json.dumps recurses
            deep = [deep]
        raise CheckFailure("odd values", expected=cycle, actual={"type": "\ud800", "deep": deep})

    def quotes_a_lone_surrogate(ctx: CheckContext) -> None:  # as json.loads('{"type": "\\ud800"}') gives it
        raise CheckFailure("a lone surrogate", expected="urn:bob:problem:x", actual={"type": "\udfff"})

    odd = _check("odd", "core", ["CORE-001"], compares_the_uncomparable)
    surrogate = _check("surrogate", "core", ["CORE-001"], quotes_a_lone_surrogate)
    code, _, _ = certify(served, tmp_path, [SUITE[0], odd, surrogate])
    report = load_report(tmp_path)
    results = {r["id"]: r for r in report["results"]}
    assert results["core.surrogate"]["failure"]["actual"] == {"type": "\udfff"}  # written as its JSON escape
    failure = results["core.odd"]["failure"]
    assert code == 1 and failure["expected"].startswith("[[[") and "..." in failure["expected"]  # shortened repr
    assert "'type': '\\ud800'" in failure["actual"]
    ET.parse(tmp_path / "report" / "junit.xml")
    assert "odd values" in (tmp_path / "report" / "report.html").read_text(encoding="utf-8")


# ----------------------------------------------------------------------------------------------
# Start of the run: is there a BoB API, and is it the product the supplier says it is


def test_a_bob_api_with_a_broken_api_info_is_still_certified(served: Served, api: FakeApi, tmp_path: Path) -> None:
    api.route("GET", "/api-info", lambda r: JSONResponse({"name": "fake"}))
    code, _, err = certify(served, tmp_path, SUITE[:1])
    assert code == 1 and "no BoB API" not in err  # /conformance vouches for it; CORE-001 judges /api-info
    api.route("GET", "/conformance", lambda r: problem(404, "not-found"))
    code, _, err = certify(served, tmp_path, SUITE[:1])
    assert code == 3 and err.endswith(f"no BoB API at {served.root}: GET /api-info answered 200 without apiVersion\n")


def test_a_product_statement_contradicting_api_info_fails_the_run(served: Served, api: FakeApi, tmp_path: Path) -> None:
    code, _, err = certify(served, tmp_path, SUITE[:1], product=Product(supplier="Test AB", name="Bokaren"))
    reason = "the product statement contradicts GET /api-info: name: configured 'Bokaren', /api-info says 'fake'"
    assert code == 1 and f"refused: {reason}\n" in err
    report = load_report(tmp_path)
    assert report["refused"] == [reason] and report["productMismatch"]
    statement = {r["id"]: r for r in report["results"]}["core.product-statement"]
    assert statement["status"] == "error" and statement["requirements"] == [] and "bokbid.toml" in statement["message"]
    verdicts = {v["id"]: v["verdict"] for v in report["requirements"]}
    assert verdicts["CORE-001"] == "passed"  # the server is not to blame for the statement
    assert {r["id"]: r["status"] for r in report["results"]}["core.passes"] == "passed"  # the checks still ran


def test_the_product_statement_is_judged_from_the_command_line(served: Served, api: FakeApi, tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["certify", "--base-url", served.root, "--out", str(tmp_path), "--fuzz-examples", "0", "--quiet"]
    done = runner.invoke(app, [*args, "--product-version", "2.0.0"])
    assert done.exit_code == 1
    assert "refused: the product statement contradicts GET /api-info: version: configured '2.0.0'" in done.output


# ----------------------------------------------------------------------------------------------
# The fuzz phase loses one request, not the phase


def test_a_generated_request_without_response_is_noted_and_the_phase_goes_on(served: Served, api: FakeApi) -> None:
    async def stalls() -> AsyncIterator[bytes]:
        await asyncio.sleep(0.6)
        yield json.dumps(page([])).encode()

    api.route("GET", "/facilities", lambda r: StreamingResponse(stalls(), media_type="application/json"))
    impatient = RecordingClient.open(served.root, timeout=0.3, recorder=Recorder())
    sender = fuzz._Sender(impatient)
    operation = next(o for o, _ in fuzz.operations_for(["discovery"]) if o.operation_id == "listFacilities")
    for _ in range(2):
        sender.put(operation, {"url": f"{fuzz._BASE}/facilities"})
    sender.put(operation, {"url": f"{fuzz._BASE}/facilities/f-1"})  # answered (404): the phase went on
    sender.close()
    impatient.close()
    assert len(sender.lost) == 2 and all("no response within 0.3 s" in m for m in sender.lost)
    assert [x.status for x in sender.exchanges] == [404]
    [no_crash, _] = fuzz.results(fuzz.FuzzOutcome(sender.exchanges, 1, False, sender.lost))
    assert no_crash.status == "error" and no_crash.message.startswith("2 of the generated requests got no response")
