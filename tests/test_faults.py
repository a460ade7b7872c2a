"""No false passes (BRIEF §4): for every fault the reference server can inject, the harness fails
the run, and at least one failed result verifies a requirement the fault breaks.

Each run is limited to the checks that verify one of the fault's requirements, so the suite stays
fast as the standard grows; the clean server is certified with every check in
tests/test_certification.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance import synthetic
from conformance.config import Budget
from conformance.registry import Check, all_checks
from conformance.runner import run_certification
from reference_server.faults import FAULTS
from reference_server.launcher import background_server


def _checks_verifying(requirements: tuple[str, ...]) -> list[Check]:
    """The checks that verify one of `requirements`; every check when one of them is judged over all
    exchanges (CORE-002, CORE-003, CORE-016), since any check's traffic may then reveal the fault."""
    wanted = set(requirements)
    if wanted & {s.requirement for s in synthetic.ALL}:
        return all_checks()
    return [c for c in all_checks() if wanted & set(c.requirements)]


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_harness_reports_the_fault_on_its_requirement(name: str, sqlite_url: str, tmp_path: Path) -> None:
    fault = FAULTS[name]
    with background_server(db=sqlite_url, fault=name) as url:
        # Fuzzing off: each fault must be caught by a check; the fuzz phase is tested on its own.
        code = run_certification(
            base_url=url,
            profile=None,
            report_dir=tmp_path,
            seed=1234,
            timeout=10.0,
            quiet=True,
            checks=_checks_verifying(fault.requirements),
            budget=Budget(0, 0),
        )
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    failed = [r for r in report["results"] if r["status"] in ("failed", "error")]
    hit = {req for r in failed for req in r["requirements"]}
    assert code == 1
    assert hit & set(fault.requirements), f"{name} breaks {fault.requirements}, failures were on {sorted(hit)}"
    verdicts = {r["id"]: r["verdict"] for r in report["requirements"]}
    assert any(verdicts.get(req) == "failed" for req in fault.requirements)
