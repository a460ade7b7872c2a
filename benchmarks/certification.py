"""How long a certification of the local reference server takes, and what the harness adds per request.

The harness's overhead is what it spends on a request beyond waiting for the server: building the
request, validating the response against the spec, scanning it for personnummer, recording it.
It is measured as (wall time of the run − time spent waiting for responses) / requests.
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import spec
from conformance.config import Budget
from conformance.dataset import build_discovery_data
from conformance.registry import Check, all_checks
from conformance.runner import run_certification
from reference_server.launcher import background_server

RUNS = 5
FOUNDATION = ("core", "discovery", "test-interface")


def _one_run(url: str, report_dir: Path, seed: int, checks: list[Check], budget: Budget) -> tuple[float, int, float]:
    started = time.perf_counter()
    code = run_certification(
        base_url=url,
        profile=None,
        report_dir=report_dir,
        seed=seed,
        timeout=10.0,
        quiet=True,
        checks=checks,
        budget=budget,
    )
    wall = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"certification failed (exit {code}); see {report_dir}")
    waited_ms = 0.0
    requests = 0
    with (report_dir / "evidence.jsonl").open(encoding="utf-8") as log:
        for line in log:
            record = json.loads(line)
            waited_ms += record["response"]["elapsedMs"]
            requests += 1
    return wall, requests, (wall * 1000 - waited_ms) / max(requests, 1)


def _validation_cost_us(samples: int = 2000) -> float:
    """Microseconds to validate one full page of 20 facilities against the spec."""
    data = build_discovery_data(random.Random(1), "bench")
    stamp = "2026-11-27T09:00:00Z"
    items = []
    for i, f in enumerate(data.facilities[:20]):
        units = [
            {
                **{k: v for k, v in u.items() if k != "ref"},
                "id": f"u{i}{j}",
                "facilityId": f"f{i}",
                "createdAt": stamp,
                "updatedAt": stamp,
            }
            for j, u in enumerate(f["units"])
        ]
        item = {k: v for k, v in f.items() if k != "ref"}
        item.update(
            id=f"f{i}",
            units=units,
            createdAt=stamp,
            updatedAt=stamp,
            openingHours={"timeZone": "Europe/Stockholm", **f["openingHours"]},
        )
        items.append(item)
    page = {"items": items, "page": 1, "limit": 20, "totalItems": 20, "totalPages": 1}
    schema = spec.operation("listFacilities").responses["200"]["content"]["application/json"]["schema"]
    assert spec.schema_errors(schema, page) == []
    started = time.perf_counter()
    for _ in range(samples):
        spec.schema_errors(schema, page)
    return (time.perf_counter() - started) / samples * 1e6


def _measure(url: str, tmp: Path, label: str, checks: list[Check], budget: Budget) -> dict[str, list[float]]:
    walls, overheads, counts = [], [], []
    for i in range(RUNS):
        wall, requests, overhead = _one_run(url, tmp / f"{label}{i}", 1000 + i, checks, budget)
        walls.append(wall)
        counts.append(requests)
        overheads.append(overhead)
    return {"walls": walls, "counts": counts, "overheads": overheads}


def run() -> str:
    """Both targets side by side: the foundation classes alone (issue of the first three classes:
    under 10 s, so that the whole standard can stay under 30 s) and every class with the default
    fuzz budget, as `bokbid certify` runs it."""
    foundation = [c for c in all_checks() if c.cls in FOUNDATION]
    with tempfile.TemporaryDirectory() as tmp, background_server(db=f"sqlite:///{tmp}/bench.db") as url:
        runs = {
            "foundation": _measure(url, Path(tmp), "foundation", foundation, Budget(0, 0)),
            "standard": _measure(url, Path(tmp), "standard", all_checks(), Budget()),
        }
    validation_us = _validation_cost_us()
    medians = {k: statistics.median(v["walls"]) for k, v in runs.items()}
    targets = {"foundation": 10.0, "standard": 30.0}

    def row(measure: str, pick: Callable[[dict[str, list[float]]], str]) -> str:
        return f"| {measure} | {pick(runs['foundation'])} | {pick(runs['standard'])} |"

    return "\n".join(
        [
            "## Certifying the reference server",
            "",
            f"Reference server on embedded SQLite, one worker, harness in-process; {RUNS} runs each with seeds "
            f"1000–{999 + RUNS}. *Foundation*: the checks of {', '.join(FOUNDATION)}, no fuzz phase "
            "(target under 10 s). *Whole standard*: every check of every class and the fuzz phase at its "
            "default budget, as `bokbid certify` runs (target under 30 s).",
            "",
            "| measure | foundation classes | whole standard |",
            "|---|---|---|",
            f"| checks | {len(foundation)} | {len(all_checks())} |",
            row(f"certification time, median of {RUNS}", lambda r: f"{statistics.median(r['walls']):.2f} s"),
            row("certification time, min / max", lambda r: f"{min(r['walls']):.2f} s / {max(r['walls']):.2f} s"),
            row("requests per run (median)", lambda r: f"{statistics.median(r['counts']):.0f}"),
            row("harness overhead per request (median)", lambda r: f"{statistics.median(r['overheads']):.2f} ms"),
            f"| target | under {targets['foundation']:.0f} s | under {targets['standard']:.0f} s |",
            "| target met | "
            + " | ".join("yes" if medians[k] < targets[k] else "NO" for k in ("foundation", "standard"))
            + " |",
            "",
            f"Validating one page of 20 facilities against the spec takes {validation_us:.0f} µs.",
            "",
        ]
    )
