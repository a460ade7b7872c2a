"""No false passes (BRIEF §4): for every fault the reference server can inject, the harness fails
the run, and at least one failed result verifies a requirement the fault breaks.

Each run is limited to the checks that verify one of the fault's requirements, so the suite stays
fast as the standard grows; the clean server is certified with every check in
tests/test_certification.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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


_FAILED_CHECKS: dict[str, set[str]] = {}  # fault name -> ids of the checks that failed on it


def _certify_with_fault(name: str, sqlite_url: str, report_dir: Path) -> tuple[int, dict[str, Any]]:
    """Certify the server running `name` with the checks of its requirements; the exit code and report."""
    fault = FAULTS[name]
    with background_server(db=sqlite_url, fault=name, classes=fault.classes) as url:
        # Fuzzing off: each fault must be caught by a check; the fuzz phase is tested on its own.
        code = run_certification(
            base_url=url,
            profile=None,
            report_dir=report_dir,
            seed=1234,
            timeout=10.0,
            quiet=True,
            checks=_checks_verifying(fault.requirements),
            budget=Budget(0, 0),
        )
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    _FAILED_CHECKS[name] = {r["id"] for r in report["results"] if r["status"] in ("failed", "error")}
    return code, report


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_harness_reports_the_fault_on_its_requirement(name: str, sqlite_url: str, tmp_path: Path) -> None:
    fault = FAULTS[name]
    code, report = _certify_with_fault(name, sqlite_url, tmp_path)
    failed = [r for r in report["results"] if r["status"] in ("failed", "error")]
    hit = {req for r in failed for req in r["requirements"]}
    assert code == 1
    assert hit & set(fault.requirements), f"{name} breaks {fault.requirements}, failures were on {sorted(hit)}"
    verdicts = {r["id"]: r["verdict"] for r in report["requirements"]}
    assert any(verdicts.get(req) == "failed" for req in fault.requirements)


@pytest.mark.timeout(1800)  # alone it certifies every faulty server itself (after the runs above it reuses them)
def test_every_check_fails_on_some_fault(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each check, not only each requirement, has been seen to fail: a check that no fault can fail
    would pass a server that breaks what it verifies. Reuses the runs above; runs what is missing."""
    for name in sorted(set(FAULTS) - set(_FAILED_CHECKS)):
        folder = tmp_path_factory.mktemp(name)
        _certify_with_fault(name, f"sqlite:///{folder}/bob.db", folder / "report")
    failed = set().union(*_FAILED_CHECKS.values())
    assert sorted(c.id for c in all_checks() if c.id not in failed) == []
