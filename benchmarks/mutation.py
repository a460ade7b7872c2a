"""Harness power, measured: the share of single-point mutants of the reference server that a
certification kills, beside the share a plain Schemathesis run kills, on the very same mutants.

Each mutant runs as its own server (embedded SQLite, a fresh database) started from a changed copy
of `reference_server/`. `bokbid certify` kills a mutant when it does not exit 0. Plain Schemathesis
(the same generated requests as the harness's fuzz phase, schemathesis's own response checks, no
tokens, no test data) kills it when it reports a failure it does not report on the clean server.
A mutant whose server does not start is stillborn: both would kill it, so it is counted apart.

Survivors are classified by hand in `benchmarks/mutation_survivors.yaml` (keyed by module, operator
and the text of the line, so the classification outlives unrelated edits): `equivalent` (no
observable change), `test-interface` (changes only the test interface, which production lacks) or
`real-miss` (a behaviour change the harness should catch). The kill rate that counts is over the
non-equivalent mutants.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from benchmarks import mutants
from reference_server.launcher import background_server

COUNT = 100
SEED = 2026
PARALLEL = 2
CERTIFY_TIMEOUT = 300.0  # a mutant that hangs the server is killed by timing out
TARGET = 0.90
SURVIVORS = Path(__file__).with_name("mutation_survivors.yaml")
CLASSES = ("equivalent", "test-interface", "real-miss")


@dataclass(frozen=True)
class Outcome:
    mutant: mutants.Mutant
    stillborn: bool
    harness_kills: bool
    schemathesis_kills: bool
    seconds: float


@contextmanager
def _server(root: Path | None, db: Path) -> Iterator[str | None]:
    """The server of one mutant (`root`) or the clean one (None); None when it does not start."""
    try:
        with background_server(db=f"sqlite:///{db}", import_root=root) as url:
            yield url
    except RuntimeError:
        yield None


def _certify(url: str, out: Path) -> bool:
    """True when `bokbid certify` refuses the server (or does not finish in time)."""
    command = [sys.executable, "-m", "cli", "certify", "--base-url", url, "--out", str(out)]
    command += ["--seed", str(SEED), "--quiet"]
    try:
        done = subprocess.run(command, capture_output=True, timeout=CERTIFY_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return True
    return done.returncode != 0


def _plain_schemathesis(url: str) -> set[str] | None:
    """The failures plain Schemathesis reports (operation and failure title); None when it hangs."""
    command = [sys.executable, "-m", "benchmarks.plain_schemathesis", url]
    try:
        done = subprocess.run(command, capture_output=True, timeout=CERTIFY_TIMEOUT, check=True, text=True)
    except subprocess.TimeoutExpired:
        return None
    return set(json.loads(done.stdout))


def _clean_baseline(work: Path) -> set[str]:
    with _server(None, work / "clean-1.db") as url:
        if url is None or _certify(url, work / "clean-report"):
            raise SystemExit(f"the clean reference server does not certify; see {work / 'clean-report'}")
    with _server(None, work / "clean-2.db") as url:
        assert url is not None
        found = _plain_schemathesis(url)
    if found is None:
        raise SystemExit("plain schemathesis hung on the clean server")
    return found


def _run_one(mutant: mutants.Mutant, baseline: set[str], work: Path) -> Outcome:
    started = time.perf_counter()
    folder = work / f"{mutant.module.replace('/', '_')}-{mutant.index}"
    mutants.write_package(mutant, folder / "src")
    with _server(folder / "src", folder / "a.db") as url:
        if url is None:
            return Outcome(mutant, True, True, True, time.perf_counter() - started)
        harness = _certify(url, folder / "report")
    with _server(folder / "src", folder / "b.db") as url:
        found = None if url is None else _plain_schemathesis(url)
    plain = found is None or bool(found - baseline)
    return Outcome(mutant, False, harness, plain, time.perf_counter() - started)


def _classified() -> dict[str, dict[str, str]]:
    if not SURVIVORS.exists():
        return {}
    entries = yaml.safe_load(SURVIVORS.read_text(encoding="utf-8")) or []
    return {e["key"]: e for e in entries}


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f} %)" if whole else "–"


def _report(outcomes: list[Outcome], seconds: float) -> str:
    viable = [o for o in outcomes if not o.stillborn]
    survivors = [o for o in viable if not o.harness_kills]
    known = _classified()
    kind = {o.mutant.key: known.get(o.mutant.key, {}).get("class", "unclassified") for o in survivors}
    equivalent = [o for o in survivors if kind[o.mutant.key] == "equivalent"]
    relevant = [o for o in viable if o not in equivalent]
    harness = sum(o.harness_kills for o in relevant)
    plain = sum(o.schemathesis_kills for o in relevant)
    counts = {c: sum(1 for k in kind.values() if k == c) for c in (*CLASSES, "unclassified")}
    rate = harness / len(relevant) if relevant else 0.0
    lines = [
        "## Harness power: mutation analysis",
        "",
        f"{len(outcomes)} single-point mutants of `reference_server/`: of its "
        f"{len(mutants.all_mutants())} mutation points (operators swapped, constants changed, conditions "
        "negated, raises dropped; fault switches and table declarations left alone), those ranked first by a "
        f"hash of seed {SEED} and the mutant's text, so the sample outlives unrelated edits. Each mutant is served "
        "on its own SQLite database and judged by `bokbid certify` at its default budget and by plain "
        "Schemathesis (the fuzz phase's requests with schemathesis's own checks, failures beyond those it "
        f"reports on the clean server). {PARALLEL} mutants at a time; {seconds / 60:.1f} min in all. "
        f"Target: the harness kills at least {TARGET:.0%} of the non-equivalent mutants.",
        "",
        "| measure | bokbid certify | plain schemathesis |",
        "|---|---|---|",
        f"| mutants (stillborn: server does not start) | {len(outcomes)} ({len(outcomes) - len(viable)}) | same |",
        f"| killed, of all viable mutants | {_share(sum(o.harness_kills for o in viable), len(viable))} "
        f"| {_share(sum(o.schemathesis_kills for o in viable), len(viable))} |",
        f"| killed, of the non-equivalent mutants | {_share(harness, len(relevant))} "
        f"| {_share(plain, len(relevant))} |",
        f"| target met | {'yes' if rate >= TARGET and not counts['unclassified'] else 'NO'} | |",
        "",
        "Survivors of the harness, classified in `benchmarks/mutation_survivors.yaml`: "
        + ", ".join(f"{n} {c}" for c, n in counts.items())
        + ".",
        "",
        "| module | line | change | class | why |",
        "|---|---|---|---|---|",
    ]
    for o in survivors:
        entry = known.get(o.mutant.key, {})
        why = entry.get("why", "") + (f"; closed by {entry['closedBy']}" if entry.get("closedBy") else "")
        line = o.mutant.source_line.replace("|", "\\|")
        lines.append(f"| {o.mutant.module} | `{line}` | {o.mutant.operator} | {kind[o.mutant.key]} | {why} |")
    lines.append("")
    return "\n".join(lines)


def run(count: int = COUNT) -> str:
    sample = mutants.sample(count, SEED)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        baseline = _clean_baseline(work)
        with ThreadPoolExecutor(PARALLEL) as pool:
            outcomes = list(pool.map(lambda m: _run_one(m, baseline, work), sample))
    report = _report(outcomes, time.perf_counter() - started)
    _write_raw(outcomes)
    return report


def _write_raw(outcomes: list[Outcome]) -> None:
    """Every mutant's outcome, for classifying survivors (not committed: the table in the doc is the record)."""
    rows: list[dict[str, Any]] = [
        {
            "key": o.mutant.key,
            "line": o.mutant.line,
            "stillborn": o.stillborn,
            "harness": o.harness_kills,
            "schemathesis": o.schemathesis_kills,
            "seconds": round(o.seconds, 1),
        }
        for o in outcomes
    ]
    Path("reports").mkdir(exist_ok=True)
    Path("reports/mutation.json").write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
