"""No false passes (BRIEF §4): for every fault the reference server can inject, the harness fails
the run, and at least one failed result verifies a requirement the fault breaks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.runner import certify
from reference_server.faults import FAULTS
from reference_server.launcher import background_server


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_harness_reports_the_fault_on_its_requirement(name: str, sqlite_url: str, tmp_path: Path) -> None:
    fault = FAULTS[name]
    with background_server(db=sqlite_url, fault=name) as url:
        code = certify(base_url=url, profile=None, report_dir=tmp_path, seed=1234, quiet=True)
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    failed = [r for r in report["results"] if r["status"] in ("failed", "error")]
    hit = {req for r in failed for req in r["requirements"]}
    assert code == 1
    assert hit & set(fault.requirements), f"{name} breaks {fault.requirements}, failures were on {sorted(hit)}"
    verdicts = {r["id"]: r["verdict"] for r in report["requirements"]}
    assert any(verdicts.get(req) == "failed" for req in fault.requirements)
