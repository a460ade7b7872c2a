"""What `bokbid certify-client` reads and finds: the proxy's traffic log and a finding about the app.

Shared by the judgement of the app's requests (client_certification) and of its webhook receiver
(client_webhooks), which reads the same log to see what the app did with a delivery.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .evidence import Exchange


class ClientLogError(Exception):
    """The log cannot be read, the profile is unknown or the run lacks what it needs (a usage error)."""


@dataclass(frozen=True)
class Finding:
    sequence: int | None  # the log record that shows it; None for a delivery the harness sent
    kind: str  # one of client_certification.FINDING_KINDS
    request: str
    message: str
    requirement: str | None = None  # the requirement on clients it breaks, where one is named
    exchange: Exchange | None = None  # the delivery sent to the app's receiver and its answer

    @property
    def where(self) -> str:
        """How a report points at it: the log record, or the receiver for a delivery."""
        return f"#{self.sequence}" if self.sequence is not None else "receiver"

    def to_dict(self) -> dict[str, Any]:
        exchange = self.exchange.to_dict() if self.exchange is not None else None
        return {
            "sequence": self.sequence,
            "kind": self.kind,
            "request": self.request,
            "message": self.message,
            "requirement": self.requirement,
            "exchange": {"request": exchange["request"], "response": exchange["response"]} if exchange else None,
        }


def read_log(log: Path) -> list[dict[str, Any]]:
    try:
        lines = log.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ClientLogError(f"cannot read {log}: {exc.strerror}") from exc
    try:
        return [json.loads(line) for line in lines if line.strip()]
    except ValueError as exc:
        raise ClientLogError(f"{log} is not a bokbid proxy log: {exc}") from exc


def request_line(record: dict[str, Any]) -> str:
    request = record["request"]
    query = f"?{request['query']}" if request.get("query") else ""
    return f"{request['method']} {request['path']}{query} -> {record['response']['status']}"
