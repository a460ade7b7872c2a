"""DAK 2.2 import of a 10,000-session file: time and peak memory (target: under 2 s and 200 MB).

Measured twice: in-process (parse, XSD, profile rules, rule engine: what the server does before
storing), each run in a fresh interpreter so that its peak resident memory is its own; and end to
end, as POST /attendance-reports to the reference server on SQLite (adds HTTP and storage). Also
how long refusing it takes with an error in every session, which must stay linear in the file.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from conformance.grant_data import person_number
from reference_server.launcher import background_server
from spec import dak
from spec.reference_data import grant_rule_sets

SESSIONS = 10_000
RUNS = 3
ORG_NUMBER = "8020001239"

# Run in a fresh interpreter: read the file, import it as the server does, report time and memory.
_PROBE = """
import json, sys, time
from reference_server.grants.rules import evaluate
from reference_server.settings import Settings
from spec import dak
from spec.reference_data import grant_rule_sets

def rss(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field))

data = open(sys.argv[1], "rb").read()
dak._schema()
baseline = rss("VmRSS:")
started = time.perf_counter()
doc = dak.parse(data)
evaluate(doc, grant_rule_sets()["lok-stod"]["rules"], Settings(db="sqlite:///unused.db"))
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "peak_mb": (rss("VmHWM:") - baseline) / 1024}))
"""


def _report(rng: random.Random) -> dict[str, Any]:
    def person(ident: str, born: date) -> dict[str, Any]:
        number = person_number(rng, born)
        return {"id": ident, "givenName": "Åsa", "familyName": "Öberg", "personalIdentityNumber": number}

    participants = [person(f"p{i}", date(2010 + i, 3, 3)) for i in range(3)]
    leader = person("l1", date(1980, 10, 10))
    sessions = [
        {
            "code": f"s-{i:05d}",
            "date": (date(2024, 1, 1) + timedelta(days=i // 4)).isoformat(),
            "startTime": f"{8 + (i % 4) * 3:02d}:00:00",
            "endTime": f"{9 + (i % 4) * 3:02d}:00:00",
            "type": "training",
            "participants": [{"id": p["id"], "present": True, "disability": False} for p in participants],
            "leaders": [{"id": "l1", "present": True, "disability": False}],
        }
        for i in range(SESSIONS)
    ]
    card = {"cardNumber": 1, "activity": "Innebandy", "place": "Älvsjö", "name": "P14", "sessions": sessions}
    return {
        "municipalityCode": "0180",
        "organisation": {"sourceId": "F-1", "name": "Älvsjö IF", "organisationNumber": ORG_NUMBER},
        "cards": [{**card, "participants": participants, "leaders": [leader]}],
    }


def _end_to_end(data: bytes, db: str) -> float:
    with background_server(db=db) as url, httpx.Client(base_url=url, timeout=120) as http:
        ids = http.post(
            "/test/fixtures",
            json={
                "persons": [
                    {"ref": "p", "personalIdentityNumber": "198702113450", "givenName": "Å", "familyName": "Ö"}
                ],
                "organisations": [
                    {
                        "ref": "o",
                        "name": "Älvsjö IF",
                        "organisationNumber": ORG_NUMBER,
                        "type": "association",
                        "municipalityCode": "0180",
                        "representatives": [{"personRef": "p", "role": "chair"}],
                    }
                ],
                "grantProgrammes": [
                    {"ref": "g", "name": "LOK", "kind": "activity", "municipalityCode": "0180", **_rules()}
                ],
            },
        ).json()["ids"]
        token = http.post(
            "/test/tokens",
            json={
                "persona": "organisation-representative",
                "personId": ids["p"],
                "organisationId": ids["o"],
                "role": "chair",
            },
        ).json()["accessToken"]
        started = time.perf_counter()
        response = http.post(
            "/attendance-reports",
            params={"programmeId": ids["g"]},
            content=data,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/xml"},
        )
        elapsed = time.perf_counter() - started
        if response.status_code != 201:
            raise SystemExit(f"the import failed: {response.status_code} {response.text[:300]}")
        return elapsed


def _rules() -> dict[str, Any]:
    return {"rules": grant_rule_sets()["lok-stod"]["rules"]}


def _refusal_seconds(data: bytes) -> float:
    """The same file with a wrong Typ in every session: every error found, the first 1,000 listed."""
    broken = data.replace(b"<Typ>Traening</Typ>", b"<Typ>Fika</Typ>")
    started = time.perf_counter()
    try:
        dak.parse(broken)
    except dak.DakInvalid as exc:
        if len(exc.errors) != dak.MAX_ERRORS + 1:
            raise SystemExit(f"{len(exc.errors)} errors listed, not {dak.MAX_ERRORS} and a count") from None
        return time.perf_counter() - started
    raise SystemExit("the broken file was accepted")


def run() -> str:
    data = dak.to_xml(_report(random.Random(1)))
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "dak-10000.xml"
        file.write_bytes(data)
        probes = [
            json.loads(
                subprocess.run(
                    [sys.executable, "-c", _PROBE, str(file)], check=True, capture_output=True, text=True
                ).stdout
            )
            for _ in range(RUNS)
        ]
        http_seconds = _end_to_end(data, f"sqlite:///{tmp}/bench.db")
    refusal = _refusal_seconds(data)
    seconds = statistics.median(p["seconds"] for p in probes)
    peak = max(p["peak_mb"] for p in probes)
    return "\n".join(
        [
            f"## Importing a DAK 2.2 file of {SESSIONS:,} sessions",
            "",
            f"One card, {SESSIONS:,} sessions of three participants and a leader, {len(data) / 1e6:.1f} MB of XML "
            "in the shape association systems write (the registers at the root), "
            "LOK-stöd rules. In-process: safe parse, XSD, profile rules, rule engine, each of "
            f"{RUNS} runs in a fresh interpreter. Target: under 2 s and under 200 MB.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| import time in-process, median of {RUNS} | {seconds:.2f} s |",
            f"| peak memory above the interpreter's baseline (max of {RUNS}) | {peak:.0f} MB |",
            f"| POST /attendance-reports end to end (SQLite, incl. storing) | {http_seconds:.2f} s |",
            f"| refusing it with a wrong Typ in every session ({SESSIONS:,} errors, 1,000 listed) | {refusal:.2f} s |",
            f"| target met | {'yes' if seconds < 2 and peak < 200 else 'NO'} |",
            "",
        ]
    )


if __name__ == "__main__":
    print(run())
