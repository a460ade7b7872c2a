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
from pathlib import Path

import spec
from conformance.dataset import build_discovery_data
from conformance.runner import certify
from reference_server.launcher import background_server

RUNS = 5


def _one_run(url: str, report_dir: Path, seed: int) -> tuple[float, int, float]:
    started = time.perf_counter()
    code = certify(base_url=url, profile=None, report_dir=report_dir, seed=seed, quiet=True)
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


def run() -> str:
    walls, overheads, counts = [], [], []
    with tempfile.TemporaryDirectory() as tmp, background_server(db=f"sqlite:///{tmp}/bench.db") as url:
        for i in range(RUNS):
            wall, requests, overhead = _one_run(url, Path(tmp) / f"run{i}", seed=1000 + i)
            walls.append(wall)
            counts.append(requests)
            overheads.append(overhead)
    validation_us = _validation_cost_us()
    median = statistics.median(walls)
    return "\n".join(
        [
            "## Certifying the reference server (every class, default fuzz budget)",
            "",
            f"Reference server on embedded SQLite, one worker, harness in-process; {RUNS} runs with seeds "
            f"1000–{999 + RUNS}. Target: under 30 s for the whole standard.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| certification time, median of {RUNS} | {median:.2f} s |",
            f"| certification time, min / max | {min(walls):.2f} s / {max(walls):.2f} s |",
            f"| requests per run (median) | {statistics.median(counts):.0f} |",
            f"| harness overhead per request (median over runs) | {statistics.median(overheads):.2f} ms |",
            f"| validating one page of 20 facilities against the spec | {validation_us:.0f} µs |",
            f"| target met | {'yes' if median < 30 else 'NO'} |",
            "",
        ]
    )
