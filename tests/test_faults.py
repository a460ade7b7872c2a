"""No false passes (BRIEF §4): for every fault the reference server can inject, the harness fails
the run, and at least one failed result verifies a requirement the fault breaks; and no false
blame: no requirement the fault leaves intact is reported failed.

Each run is limited to the checks that verify one of the fault's requirements, so the suite stays
fast as the standard grows; the clean server is certified with every check in
tests/test_certification.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_server_support import BROWSER_ORIGIN

from conformance import synthetic
from conformance.config import Budget
from conformance.registry import Check, all_checks
from conformance.runner import run_certification
from reference_server.faults import FAULTS
from reference_server.launcher import background_server


def _checks_verifying(requirements: tuple[str, ...]) -> list[Check]:
    """The checks that verify one of `requirements`; every check when the fault breaks only what is
    judged over the whole run's exchanges (CORE-002, CORE-003, CORE-016, CORE-026), since any check's
    traffic may reveal it. A fault that breaks such a requirement besides its own (an undocumented
    500 instead of the 400 of validation) shows it in the traffic of its own requirement's checks.
    (The fuzz phase, which also judges CORE-005, is off in these runs.)"""
    fuzz_only = {synthetic.FUZZ_NO_SERVER_ERROR, synthetic.FUZZ_RESPONSES_MATCH_SPEC}
    run_wide = {s.requirement for s in synthetic.ALL if s not in fuzz_only}
    if not set(requirements) - run_wide:
        return all_checks()
    return [c for c in all_checks() if set(requirements) & set(c.requirements)]


_FAILED_CHECKS: dict[str, set[str]] = {}  # fault name -> ids of the checks that failed on it
# A verdict must not depend on the seed (the boundaries are tested on every run; the seed varies the
# rest), so every fault is certified with several seeds, against one server.
SEEDS = (1, 2, 3)


def _certify_with_fault(name: str, sqlite_url: str, report_dir: Path) -> dict[int, tuple[int, dict[str, Any]]]:
    """Certify the server running `name` with the checks of its requirements, once per seed: the exit
    code and report of each run."""
    fault = FAULTS[name]
    runs: dict[int, tuple[int, dict[str, Any]]] = {}
    with background_server(db=sqlite_url, fault=name, classes=fault.classes, cors_origins=(BROWSER_ORIGIN,)) as url:
        for seed in SEEDS:
            folder = report_dir / f"seed-{seed}"
            # Fuzzing off: each fault must be caught by a check; the fuzz phase is tested on its own.
            code = run_certification(
                base_url=url,
                profile=None,
                report_dir=folder,
                seed=seed,
                timeout=10.0,
                quiet=True,
                checks=_checks_verifying(fault.requirements),
                budget=Budget(0, 0),
                cors_origin=BROWSER_ORIGIN,
            )
            runs[seed] = code, json.loads((folder / "report.json").read_text(encoding="utf-8"))
    _FAILED_CHECKS[name] = {
        r["id"] for _, report in runs.values() for r in report["results"] if r["status"] in ("failed", "error")
    }
    return runs


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_harness_reports_the_fault_on_its_requirement_whatever_the_seed(
    name: str, sqlite_url: str, tmp_path: Path
) -> None:
    fault = FAULTS[name]
    for seed, (code, report) in _certify_with_fault(name, sqlite_url, tmp_path).items():
        failed = [r for r in report["results"] if r["status"] in ("failed", "error")]
        hit = {req for r in failed for req in r["requirements"]}
        assert code == 1, f"seed {seed}: {name} passed"
        assert hit & set(fault.requirements), f"seed {seed}: {name} breaks {fault.requirements}, failures on {hit}"
        verdicts = {r["id"]: r["verdict"] for r in report["requirements"]}
        assert any(verdicts.get(req) == "failed" for req in fault.requirements), f"seed {seed}: {verdicts}"
        blamed = {req for req, verdict in verdicts.items() if verdict == "failed"} - set(fault.requirements)
        evidence = {r["id"]: r["message"].splitlines()[0] for r in failed if set(r["failedRequirements"]) & blamed}
        assert not blamed, (
            f"seed {seed}: {name} breaks only {fault.requirements}, yet {sorted(blamed)} failed: {evidence}"
        )


@pytest.mark.timeout(3600)  # alone it certifies every faulty server itself (after the runs above it reuses them)
def test_every_check_fails_on_some_fault(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each check, not only each requirement, has been seen to fail: a check that no fault can fail
    would pass a server that breaks what it verifies. Reuses the runs above; runs what is missing."""
    for name in sorted(set(FAULTS) - set(_FAILED_CHECKS)):
        folder = tmp_path_factory.mktemp(name)
        _certify_with_fault(name, f"sqlite:///{folder}/bob.db", folder / "report")
    failed = set().union(*_FAILED_CHECKS.values())
    assert sorted(c.id for c in all_checks() if c.id not in failed) == []
