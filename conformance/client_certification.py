"""`bokbid certify-client`: judging a client app by the traffic `bokbid proxy` recorded.

A client conforms when every request it sent is one the spec documents and is well formed
(parameters, headers such as Idempotency-Key, body, content type, a token where one is needed, no
personnummer in a URL), when it acts on error answers instead of blindly repeating the request
that was refused, and when it has exercised every operation its profile requires
(`clientOperations` in spec/v1/conformance.yaml), each at least once successfully.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import spec

DEFAULT_PROFILE = "kundens-processtod"
# Answers that invite the very same request again later (RFC 9110: 408, 425, 429, 503).
_RETRYABLE = frozenset({408, 425, 429, 503})


class ClientLogError(Exception):
    """The log cannot be read or the profile is unknown (a usage error)."""


FINDING_KINDS = ("spec", "privacy", "ignored-error")


@dataclass(frozen=True)
class Finding:
    sequence: int
    kind: str  # one of FINDING_KINDS
    request: str
    message: str


@dataclass
class ClientVerdict:
    profile: str
    requests: int
    findings: list[Finding] = field(default_factory=list)
    unexercised: list[str] = field(default_factory=list)
    exercised: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings and not self.unexercised

    def to_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "requests": self.requests,
            "conforms": self.ok,
            "findings": [f.__dict__ for f in self.findings],
            "requiredOperationsNotExercised": self.unexercised,
            "operationsExercised": self.exercised,
        }


def _read(log: Path) -> list[dict[str, Any]]:
    try:
        lines = log.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ClientLogError(f"cannot read {log}: {exc.strerror}") from exc
    try:
        return [json.loads(line) for line in lines if line.strip()]
    except ValueError as exc:
        raise ClientLogError(f"{log} is not a bokbid proxy log: {exc}") from exc


def _line(record: dict[str, Any]) -> str:
    request = record["request"]
    query = f"?{request['query']}" if request.get("query") else ""
    return f"{request['method']} {request['path']}{query} -> {record['response']['status']}"


def judge(log: Path, profile: str = DEFAULT_PROFILE) -> ClientVerdict:
    chosen = spec.profile(profile)
    if chosen is None or "clientOperations" not in chosen:
        known = [p["id"] for p in spec.conformance()["profiles"] if "clientOperations" in p]
        raise ClientLogError(f"{profile!r} is not a client profile; the standard defines: {', '.join(known)}")
    records = _read(log)
    verdict = ClientVerdict(profile=profile, requests=len(records))
    for record in records:
        for violation in record.get("violations", []):
            verdict.findings.append(Finding(record["sequence"], violation["kind"], _line(record), violation["message"]))
    for previous, record in pairwise(records):
        status = previous["response"]["status"]
        same = previous["request"]["bodyDigest"] == record["request"]["bodyDigest"]
        if 400 <= status < 500 and status not in _RETRYABLE and same and previous["persona"] == record["persona"]:
            verdict.findings.append(
                Finding(
                    record["sequence"],
                    "ignored-error",
                    _line(record),
                    f"repeated the identical request after a {status} problem instead of acting on it",
                )
            )
    succeeded = {r["operationId"] for r in records if r.get("operationId") and 200 <= r["response"]["status"] < 300}
    verdict.exercised = sorted(succeeded)
    verdict.unexercised = [op for op in chosen["clientOperations"]["required"] if op not in succeeded]
    verdict.findings.sort(key=lambda f: f.sequence)
    return verdict
