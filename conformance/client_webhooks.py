"""`bokbid certify-client --webhook-url`: judging a client app's webhook receiver (EVT-008 … EVT-010).

The harness takes the server's part: it POSTs deliveries of events to the receiver, signed with the
secret the app's subscription was given, and judges each answer. A correctly signed, current
delivery and a repeat of its `webhook-id` must be acknowledged (2xx); one signed with another
secret, one without a signature, and correctly signed ones whose timestamp lies twice the spec's
tolerance in the past or in the future must be refused (4xx).

Whether the app *acts* on a delivery only once cannot be heard in its answers, but it can be seen
in the traffic log: acting on an event means fetching its resource at `href` through the API root,
which is the recording proxy. So the event names a resource the app itself created or read (found
in the log); a fetch of it after the delivery and another after the repeat is an event processed
twice, and a fetch of a refused delivery's resource is a refusal acted on. An app that never
fetches shows nothing either way: its de-duplication is then reported as not observable, never as
passed.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

import spec
from spec import webhook_signatures

from .client_log import Finding, read_log
from .evidence import BODY_LIMIT, Exchange

# A server waits this long for an answer before it counts the delivery as failed (EVT-007).
DELIVERY_TIMEOUT = 10.0
SUBSCRIBE = "createWebhookSubscription"

Judgement = Literal["passed", "failed", "not-observable"]


class ReceiverUnreachable(Exception):
    """The receiver did not take the first delivery at all (no connection)."""


@dataclass(frozen=True)
class Receiver:
    """Where the app receives webhooks and the secret its subscription was given."""

    url: str
    secret: str
    wait: float  # seconds the app may take to act on a delivery


@dataclass(frozen=True)
class _Case:
    name: str
    requirement: str
    acknowledged: bool  # 2xx demanded; otherwise 4xx
    what: str


# In the order they are sent: the repeat must follow the first delivery of its id.
_FIRST = _Case("delivery", "EVT-008", True, "a correctly signed, current delivery")
_REPEAT = _Case("repeat", "EVT-010", True, "a repeat of a processed webhook-id, newly timestamped and signed")
_REFUSED = (
    _Case("wrong-secret", "EVT-008", False, "a delivery signed with another secret"),
    _Case("unsigned", "EVT-008", False, "a delivery without webhook-signature"),
    _Case("stale", "EVT-009", False, "a correctly signed delivery dated twice the tolerance ago"),
    _Case("future", "EVT-009", False, "a correctly signed delivery dated twice the tolerance ahead"),
)
# The requirements on clients this module judges; tests/test_traceability.py holds them to the catalogue.
REQUIREMENTS = tuple(sorted({c.requirement for c in (_FIRST, _REPEAT, *_REFUSED)}))


@dataclass
class ReceiverVerdict:
    url: str
    requirements: dict[str, Judgement]
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    deliveries: list[Exchange] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "requirements": self.requirements,
            "notes": self.notes,
            "deliveries": [
                {"case": d.check_id, "request": d.request_summary(), "response": d.response_summary()}
                for d in self.deliveries
            ],
        }


def usage_error(url: str | None, secret: str | None) -> str | None:
    """What is wrong with the receiver's options, if anything (both or neither must be given)."""
    if url is None and secret is None:
        return None
    if url is None or secret is None:
        return "--webhook-url and --webhook-secret go together: the receiver and the secret it verifies with"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"--webhook-url must be the receiver's http(s) URL, got {url!r}"
    try:
        key = base64.b64decode(secret.removeprefix(webhook_signatures.SECRET_PREFIX), validate=True)
    except ValueError:
        key = b""
    if not secret.startswith(webhook_signatures.SECRET_PREFIX) or not key:
        return "--webhook-secret must be the subscription's secret: whsec_ followed by base64"
    return None


def _subscriptions(records: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The exchanges in which the app subscribed to webhooks successfully, in log order."""
    return (r for r in records if r.get("operationId") == SUBSCRIBE and 200 <= r["response"]["status"] < 300)


def subscribed(records: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first exchange in which the app subscribed to webhooks, if it did."""
    return next(_subscriptions(records), None)


def judge_receiver(receiver: Receiver, log: Path) -> ReceiverVerdict:
    """Send the deliveries, wait for the app to act on them, and judge answers and log together."""
    records = read_log(log)
    verdict = ReceiverVerdict(receiver.url, dict.fromkeys(REQUIREMENTS, "passed"))
    subject = _subject(records, verdict.notes)
    tolerance = webhook_signatures.timestamp_tolerance()
    start = _last_sequence(records)
    with httpx.Client(timeout=DELIVERY_TIMEOUT) as http:
        first = subject.event(subject.id)
        _deliver(http, receiver, _FIRST, first, verdict, 0, receiver.secret)
        _await_fetch(log, _relative(first), start, receiver.wait)
        before_repeat = _last_sequence(read_log(log))
        _deliver(http, receiver, _REPEAT, first, verdict, 0, receiver.secret)
        # Each refused delivery names a resource of its own, so a fetch of it shows the refusal acted on.
        refused: dict[str, tuple[_Case, Exchange]] = {}
        wrong = webhook_signatures.SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()
        for case, shift, secret in (
            (_REFUSED[0], 0, wrong),
            (_REFUSED[1], 0, None),
            (_REFUSED[2], -2 * tolerance, receiver.secret),
            (_REFUSED[3], 2 * tolerance, receiver.secret),
        ):
            event = subject.event(str(uuid.uuid4()))
            refused[_relative(event)] = (case, _deliver(http, receiver, case, event, verdict, shift, secret))
    time.sleep(receiver.wait)
    fetches = [r for r in read_log(log) if r["sequence"] > start and r["request"]["method"] == "GET"]
    _judge_repeat(verdict, first, fetches, before_repeat)
    for record in fetches:
        case, exchange = refused.get(record["request"]["path"], (None, None))
        if case is not None and exchange is not None and 400 <= exchange.status < 500:
            _find(
                verdict,
                case,
                exchange,
                f"refused {case.what} but acted on it: fetched its resource (log #{record['sequence']})",
            )
    return verdict


@dataclass(frozen=True)
class _Subject:
    """What the deliveries are about: a resource and a type of event the app would act on."""

    kind: str  # an EventResource type, e.g. booking; its collection is the plural, /bookings
    id: str
    municipality: str
    type: str  # an EventType of that kind

    def event(self, resource_id: str) -> dict[str, Any]:
        """An event about the resource `resource_id` of this kind, shaped as the spec's example delivery."""
        return {
            **_example(),
            "id": str(uuid.uuid4()),
            "type": self.type,
            "occurredAt": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "municipalityCode": self.municipality,
            "resource": {
                "type": self.kind,
                "id": resource_id,
                "href": f"/{spec.DEFAULT_MAJOR}/{self.kind}s/{resource_id}",
            },
        }


def _subject(records: list[dict[str, Any]], notes: list[str]) -> _Subject:
    """The newest resource the app created or read of a kind it subscribed to events of (any kind when
    the log shows no subscription), with such an event type; else a made-up resource of that kind."""
    schemas = spec.openapi()["components"]["schemas"]
    kinds = schemas["EventResource"]["properties"]["type"]["enum"]
    wanted = _subscribed_types(records) or schemas["EventType"]["enum"]
    types = {kind: next((t for t in wanted if t.startswith(f"{kind}.")), None) for kind in kinds}
    pattern = re.compile(rf"^/({'|'.join(re.escape(f'{k}s') for k, t in types.items() if t)})/([^/]+)")
    for record in reversed(records):
        found = pattern.match(record["request"]["path"])
        if found and 200 <= record["response"]["status"] < 300 and spec.match_path(found[0]) is not None:
            kind = found[1].removesuffix("s")
            return _Subject(kind, found[2], _municipality(record), str(types[kind]))
    notes.append(
        "The log shows no resource the app created or read that an event it subscribed to could be about; the "
        "deliveries name a made-up one, so whether the app fetches it depends on how it handles a 404."
    )
    kind, chosen = next((k, t) for k, t in types.items() if t)
    return _Subject(kind, str(uuid.uuid4()), _municipality(None), chosen)


def _subscribed_types(records: list[dict[str, Any]]) -> list[str]:
    """The event types the app subscribed to, in the order it named them."""
    found: list[str] = []
    for record in _subscriptions(records):
        body = _json(record["request"]["body"])
        found += [t for t in body.get("eventTypes", []) if isinstance(t, str) and t not in found]
    return found


def _municipality(record: dict[str, Any] | None) -> str:
    """The municipality the record's answer names, else the spec example's."""
    code = _json(record["response"]["body"]).get("municipalityCode") if record is not None else None
    return code if isinstance(code, str) else str(_example()["municipalityCode"])


def _example() -> dict[str, Any]:
    """The spec's example delivery: the shape of every event sent here."""
    return spec.openapi()["webhooks"]["event"]["post"]["requestBody"]["content"]["application/json"]["example"]


def _json(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _relative(event: dict[str, Any]) -> str:
    """The resource's path as the proxy logs it: below the API root."""
    return str(event["resource"]["href"]).removeprefix(f"/{spec.DEFAULT_MAJOR}")


def _last_sequence(records: list[dict[str, Any]]) -> int:
    return max((int(r["sequence"]) for r in records), default=0)


def _await_fetch(log: Path, path: str, after: int, wait: float) -> None:
    """Until the app has fetched `path` (it acted on the delivery) or `wait` seconds have passed."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if any(r["sequence"] > after and r["request"]["path"] == path for r in read_log(log)):
            return
        time.sleep(0.1)


def _deliver(
    http: httpx.Client,
    receiver: Receiver,
    case: _Case,
    event: dict[str, Any],
    verdict: ReceiverVerdict,
    shift: int,
    secret: str | None,
) -> Exchange:
    """POST `event` as the server would, `shift` seconds off the clock, signed with `secret` (or not),
    and judge the answer."""
    body = json.dumps(event, separators=(",", ":")).encode()
    timestamp = int(time.time()) + shift
    headers = {"content-type": "application/json", "webhook-id": event["id"], "webhook-timestamp": str(timestamp)}
    if secret is not None:
        headers["webhook-signature"] = webhook_signatures.sign(secret, event["id"], timestamp, body)
    started = time.perf_counter()
    try:
        answer = http.post(receiver.url, content=body, headers=headers)
        status, answer_headers, content = answer.status_code, dict(answer.headers), answer.content
    except httpx.ConnectError as exc:
        if not verdict.deliveries:
            raise ReceiverUnreachable(f"the webhook receiver at {receiver.url} cannot be reached: {exc}") from exc
        status, answer_headers, content = 0, {}, f"no answer: {exc}".encode()
    except httpx.HTTPError as exc:
        status, answer_headers, content = 0, {}, f"no answer within {DELIVERY_TIMEOUT:.0f} s: {exc}".encode()
    exchange = Exchange(
        check_id=case.name,
        method="POST",
        url=receiver.url,
        request_headers=headers,
        request_body=body.decode(),
        status=status,
        response_headers=answer_headers,
        response_body=content[:BODY_LIMIT].decode("utf-8", "replace"),
        response_truncated=len(content) > BODY_LIMIT,
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )
    verdict.deliveries.append(exchange)
    answered = f"answered {status}" if status else "not answered"
    if case.acknowledged and not 200 <= status < 300:
        _find(verdict, case, exchange, f"{case.what} was {answered}; it must be acknowledged with 2xx")
    elif not case.acknowledged and not 400 <= status < 500:
        _find(verdict, case, exchange, f"{case.what} was {answered}; it must be refused with 4xx, not acted on")
    return exchange


def _judge_repeat(verdict: ReceiverVerdict, event: dict[str, Any], fetches: list[dict[str, Any]], split: int) -> None:
    """Processed twice: fetched after the delivery and again after its repeat (or twice after a slow start)."""
    path = _relative(event)
    seen = [r["sequence"] for r in fetches if r["request"]["path"] == path]
    before, after = [s for s in seen if s <= split], [s for s in seen if s > split]
    repeat = next(d for d in verdict.deliveries if d.check_id == _REPEAT.name)
    if (before and after) or len(after) >= 2:
        shown = ", ".join(f"#{s}" for s in seen)
        message = (
            f"processed webhook-id {event['id']} more than once: fetched {event['resource']['href']} at log {shown}"
        )
        _find(verdict, _REPEAT, repeat, message)
    elif not seen and verdict.requirements[_REPEAT.requirement] == "passed":
        verdict.requirements[_REPEAT.requirement] = "not-observable"
        verdict.notes.append(
            f"{_REPEAT.requirement} not observable: the app never fetched {event['resource']['href']} after the "
            "delivery, so whether it acts on a webhook-id once cannot be seen in the log. Let the receiver fetch "
            "the event's resource through the proxy when it processes an event."
        )


def _find(verdict: ReceiverVerdict, case: _Case, exchange: Exchange, message: str) -> None:
    verdict.requirements[case.requirement] = "failed"
    verdict.findings.append(
        Finding(None, "webhook", f"POST {exchange.url} -> {exchange.status}", message, case.requirement, exchange)
    )
