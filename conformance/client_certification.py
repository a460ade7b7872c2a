"""`bokbid certify-client`: judging a client app by the traffic `bokbid proxy` recorded.

A client conforms when every request it sent is one the spec documents and is well formed
(parameters, headers such as Idempotency-Key, body, content type, a token where one is needed, no
personnummer in a URL), when it acts on error answers instead of blindly repeating the request
that was refused, and when it has exercised every operation its profile requires
(`clientOperations` in spec/v1/conformance.yaml), each at least once successfully. An app that
subscribes to webhooks must also have its receiver judged (client_webhooks): the supplier names it,
and the deliveries' effects land in the same log before its requests are judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import spec

from .client_log import ClientLogError, Finding, read_log, request_line
from .client_webhooks import REQUIREMENTS, Receiver, ReceiverVerdict, judge_receiver, subscribed

DEFAULT_PROFILE = "kundens-processtod"
# Answers that invite the very same request again later (RFC 9110: 408, 425, 429, 503).
_RETRYABLE = frozenset({408, 425, 429, 503})


FINDING_KINDS = ("spec", "privacy", "ignored-error", "webhook")


@dataclass
class ClientVerdict:
    profile: str
    requests: int
    findings: list[Finding] = field(default_factory=list)
    unexercised: list[str] = field(default_factory=list)
    exercised: list[str] = field(default_factory=list)
    receiver: ReceiverVerdict | None = None  # None: the app's webhook receiver was not judged

    @property
    def ok(self) -> bool:
        return not self.findings and not self.unexercised

    def to_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "requests": self.requests,
            "conforms": self.ok,
            "findings": [f.to_dict() for f in self.findings],
            "requiredOperationsNotExercised": self.unexercised,
            "operationsExercised": self.exercised,
            "webhookReceiver": self.receiver.to_dict() if self.receiver is not None else None,
        }


def judge(log: Path, profile: str = DEFAULT_PROFILE, receiver: Receiver | None = None) -> ClientVerdict:
    chosen = spec.profile(profile)
    if chosen is None or "clientOperations" not in chosen:
        known = [p["id"] for p in spec.conformance()["profiles"] if "clientOperations" in p]
        raise ClientLogError(f"{profile!r} is not a client profile; the standard defines: {', '.join(known)}")
    records = read_log(log)
    subscription = subscribed(records)
    if subscription is not None and receiver is None:
        raise ClientLogError(
            f"the app subscribed to webhooks (log #{subscription['sequence']}), so its receiver is judged too "
            f"({', '.join(REQUIREMENTS)}): give --webhook-url and --webhook-secret"
        )
    judged = judge_receiver(receiver, log) if receiver is not None else None
    if judged is not None:
        records = read_log(log)  # with what the app fetched while acting on the deliveries
    verdict = ClientVerdict(profile=profile, requests=len(records), receiver=judged)
    for record in records:
        for violation in record.get("violations", []):
            verdict.findings.append(
                Finding(record["sequence"], violation["kind"], request_line(record), violation["message"])
            )
    for previous, record in pairwise(records):
        status = previous["response"]["status"]
        same = previous["request"]["bodyDigest"] == record["request"]["bodyDigest"]
        if 400 <= status < 500 and status not in _RETRYABLE and same and previous["persona"] == record["persona"]:
            verdict.findings.append(
                Finding(
                    record["sequence"],
                    "ignored-error",
                    request_line(record),
                    f"repeated the identical request after a {status} problem instead of acting on it",
                )
            )
    succeeded = {r["operationId"] for r in records if r.get("operationId") and 200 <= r["response"]["status"] < 300}
    verdict.exercised = sorted(succeeded)
    verdict.unexercised = [op for op in chosen["clientOperations"]["required"] if op not in succeeded]
    verdict.findings.sort(key=lambda f: f.sequence or 0)
    if judged is not None:
        verdict.findings += judged.findings
    return verdict
