"""A product with one broken operation is reported on that operation's requirement, not on every
requirement whose checks use it on the way (issue 11: preconditions are not verdicts).

The reference server with `facility-list-needs-municipality` refuses GET /facilities without a
municipality: DISC-001 fails, and the many checks that only count or page facilities on the way
are errors grouped under that one cause, their own requirements inconclusive rather than failed.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from conformance.config import Budget
from conformance.registry import all_checks
from conformance.runner import run_certification
from reference_server.launcher import background_server

FAULT = "facility-list-needs-municipality"
MAY_FAIL = {"DISC-001", "CORE-003"}  # what the fault breaks (CORE-003: any response may show it)


def test_a_broken_facility_list_fails_disc_001_alone(sqlite_url: str, tmp_path: Path) -> None:
    out = io.StringIO()
    with background_server(db=sqlite_url, fault=FAULT) as url:
        code = run_certification(
            base_url=url,
            profile=None,
            report_dir=tmp_path,
            seed=11,
            timeout=10.0,
            quiet=True,
            checks=all_checks(),
            out=out,
            budget=Budget(0, 0),
        )
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert code == 1
    verdicts = {r["id"]: r["verdict"] for r in report["requirements"]}
    assert verdicts["DISC-001"] == "failed"
    wrongly_failed = {rid: v for rid, v in verdicts.items() if v == "failed" and rid not in MAY_FAIL}
    assert wrongly_failed == {}
    assert "inconclusive" in verdicts.values()

    groups = [c for c in report["rootCauses"] if (c["operation"], c["requirement"]) == ("GET /facilities", "DISC-001")]
    assert len(groups) == 1 and groups[0]["status"] == 400
    held_up = set(groups[0]["checks"])
    results = {r["id"]: r for r in report["results"]}
    assert {"test-interface.reset", "discovery.pagination-defaults", "discovery.filter-activity-type"} <= held_up
    for check_id in held_up:
        assert results[check_id]["status"] == "error"
        assert results[check_id]["cause"]["requirement"] == "DISC-001"
        assert results[check_id]["requirements"]  # each keeps the requirements it verifies
    assert results["discovery.list-facilities"]["status"] == "failed"  # the list is that check's own subject
    assert f"{len(held_up)} checks could not run: GET /facilities" in out.getvalue()
    assert "answered 400 — DISC-001" in out.getvalue()
