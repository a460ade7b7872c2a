"""Idempotency-Key on creates: the same key and body give the first result, another body is refused.

A key belongs to one caller and one operation. The record is written first, in the same
transaction as the resource: a second request with the same key that arrives while the first is
still running waits on the record's primary key and, once the first commits, replays its answer
(on PostgreSQL the insert fails and the request starts over; on SQLite writers queue anyway).
Only a successful create is remembered, so a refused request leaves nothing behind and can be
retried with the same key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from starlette.responses import Response

from reference_server import problems
from reference_server.routing import Call, json_response
from reference_server.storage import idempotency_records

HEADER = "Idempotency-Key"
PENDING = 0  # status of a record whose request is still running (never visible outside it)


def _scope(call: Call) -> str:
    identity = call.identity
    assert identity is not None  # every create needs a token
    organisation = identity.claim("organisationId") or ""
    return f"{call.operation.operation_id}|{identity.persona}|{identity.subject}|{organisation}"


def _fingerprint(call: Call) -> str:
    canonical = json.dumps([call.path, call.body], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def create_once(
    call: Call,
    create: Callable[[Connection], dict[str, Any]],
    now: datetime,
    status: int = 201,
    *,
    keyed: bool = True,
) -> Response:
    """Run `create` in a write transaction unless this key was used before; answer as the first time.

    `now` is read by the caller beforehand: nothing inside the transaction may open a second
    connection, or concurrent creates could exhaust the pool waiting for each other. `keyed=False`
    is only for injected faults: the endpoint that passes it never looks at its key, as when a
    supplier wrote one endpoint without the shared idempotency helper.
    """
    settings = call.settings
    key = call.query[HEADER]
    scope, fingerprint = _scope(call), _fingerprint(call)
    if not keyed:
        with call.services.storage.write() as conn:
            return json_response(create(conn), status)
    for attempt in range(3):
        try:
            with call.services.storage.write() as conn:
                record = conn.execute(
                    sa.select(idempotency_records).where(
                        idempotency_records.c.scope == scope, idempotency_records.c.key == key
                    )
                ).first()
                if record is not None:
                    if record.fingerprint != fingerprint and not settings.fault_active(
                        "idempotency-key-reuse-accepted"
                    ):
                        raise problems.Problem(
                            422,
                            "idempotency-key-reused",
                            f"The Idempotency-Key {key!r} was already used with another request body; "
                            "use a new key for a new request.",
                        )
                    return json_response(record.body, record.status)
                conn.execute(
                    idempotency_records.insert().values(
                        scope=scope, key=key, fingerprint=fingerprint, status=PENDING, body={}, created_at=now
                    )
                )
                body = create(conn)
                conn.execute(
                    idempotency_records.update()
                    .where(idempotency_records.c.scope == scope, idempotency_records.c.key == key)
                    .values(status=status, body=body)
                )
            return json_response(body, status)
        except sa.exc.IntegrityError:
            if attempt == 2:
                raise
            # A concurrent request with the same key committed first: replay it on the next round.
    raise AssertionError("unreachable")
