"""Schemathesis, an independent tool, against the reference server's core and discovery operations.

A bounded run (fixed seed and example count) with data seeded through the test interface and a
case officer's token, so the generated requests reach real facilities, units and organisations.
`positive_data_acceptance` is left out on purpose: a schema-valid activity type that is not in the
taxonomy must be refused (DISC-011), which that check would count as a failure.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import httpx

from conformance.dataset import build_discovery_data
from reference_server.launcher import background_server

SPEC = Path(__file__).resolve().parent.parent / "spec" / "v1" / "openapi.yaml"
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
    "response_schema_conformance,negative_data_rejection,missing_required_header,use_after_free,"
    "ensure_resource_availability,ignored_auth"
)


def _schemathesis(db: str, report_dir: Path, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    with background_server(db=db, fault=fault) as url, httpx.Client(base_url=url) as client:
        data = build_discovery_data(random.Random(8), "fuzz")
        assert client.post("/test/fixtures", json=data.body).status_code == 201
        token = client.post("/test/tokens", json={"persona": "case-officer", "municipalityCode": "0180"}).json()
        return subprocess.run(
            [
                str(Path(sys.executable).parent / "st"),
                "run",
                str(SPEC),
                "--url",
                url,
                "--include-tag",
                "core",
                "--include-tag",
                "discovery",
                "--checks",
                CHECKS,
                "--phases",
                "examples,coverage,fuzzing,stateful",
                "--max-examples",
                "25",
                "--seed",
                "20261127",
                "--no-color",
                "--header",
                f"Authorization: Bearer {token['accessToken']}",
                "--report",
                "junit",
                "--report-dir",
                str(report_dir),
            ],
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )


def test_schemathesis_finds_no_server_error_and_no_spec_violation(sqlite_url: str, tmp_path: Path) -> None:
    run = _schemathesis(sqlite_url, tmp_path)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "passed" in run.stdout


def test_the_same_run_fails_on_a_server_that_crashes_on_bad_input(sqlite_url: str, tmp_path: Path) -> None:
    run = _schemathesis(sqlite_url, tmp_path, fault="validation-500")
    assert run.returncode != 0
    assert "Server error" in run.stdout or "500" in run.stdout
