"""GET /events: the feed of committed changes, oldest first, continued with an opaque cursor.

Events are written by the transactions that make the changes (`reference_server/outbox.py`) and
numbered in commit order (`storage._append_events`), so reading "the events numbered above the
cursor" never passes over one that commits later (EVT-002). The cursor is that number, encoded so
that consumers treat it as opaque and a later version may change what it holds.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from starlette.responses import Response

from reference_server import outbox, problems
from reference_server.auth import Identity
from reference_server.booking import bookings as b
from reference_server.problems import FieldError
from reference_server.routing import Call, Handler, json_response
from reference_server.settings import Settings
from reference_server.storage import Storage, bookings, event_sequence, events, persons
from reference_server.timestamps import utc_text

SCOPE = "events:read"
# The resources whose events each staff persona reads: those whose resources it may read (EVT-004).
STAFF_READS = {
    "facility-administrator": ("booking", "payment", "registration", "season"),
    "case-officer": ("grant-application", "grant-payout", "attendance-report"),
}
_CURSOR = re.compile(r"^evt:(0|[1-9][0-9]{0,17})$")


def cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"evt:{seq}".encode()).decode().rstrip("=")


def parse_cursor(text: str | None) -> int:
    """The sequence number a cursor stands for (0, the start, when there is none); 400 naming `after`
    for anything this feed did not hand out."""
    if text is None:
        return 0
    try:
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    found = _CURSOR.match(decoded)
    if found is None:
        raise problems.validation_error([FieldError("query", "is not a cursor of this feed", name="after")])
    return int(found.group(1))


def _readable(identity: Identity | None) -> tuple[str, tuple[str, ...]]:
    """The municipality whose events the caller reads, and the kinds of resource."""
    assert identity is not None  # the operation requires a token
    code = identity.claim("municipalityCode")
    if isinstance(code, str):
        if identity.persona == "system-client" and SCOPE in (identity.claim("scopes") or []):
            return code, tuple(outbox.HREFS)
        if identity.persona in STAFF_READS:
            return code, STAFF_READS[identity.persona]
    raise problems.forbidden(
        f"The event feed is for system clients with the scope {SCOPE} and a municipalityCode, and for the "
        "municipality's facility administrators and case officers."
    )


def report_expired_holds(storage: Storage, settings: Settings, now: datetime) -> None:
    """Write booking.expired for the holds that have run out since the feed was last read.

    A hold expires without a write (booking/bookings.py), so its event is written here, dated at the
    hold's end. The counter's row is locked first, so two readers at once do not both report one hold.
    """
    with storage.read_latest() as conn:
        if not b.expired_holds(conn, now, settings):
            return
    with storage.write() as conn:
        conn.execute(sa.select(event_sequence.c.id).where(event_sequence.c.id == 1).with_for_update())
        for row in b.expired_holds(conn, now, settings):
            outbox.record(conn, settings, "booking.expired", row.id, row.municipality_code, row.hold_expires_at)


def event_json(conn: Connection, row: Row[Any], settings: Settings) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id,
        "type": row.type,
        "occurredAt": utc_text(row.occurred_at),
        "municipalityCode": row.municipality_code,
        "resource": {
            "type": row.resource_type,
            "id": row.resource_id,
            "href": outbox.HREFS[row.resource_type].format(row.resource_id),
        },
        "cursor": cursor(row.seq),
    }
    if settings.fault_active("event-carries-personal-data") and row.resource_type == "booking":
        customer = conn.execute(
            sa.select(persons.c.given_name, persons.c.family_name, persons.c.personal_identity_number)
            .join(bookings, bookings.c.person_id == persons.c.id)
            .where(bookings.c.id == row.resource_id)
        ).first()
        if customer is not None:
            body["customer"] = {
                "name": f"{customer.given_name} {customer.family_name}",
                "personalIdentityNumber": customer.personal_identity_number,
            }
    return body


def list_events(call: Call) -> Response:
    municipality, kinds = _readable(call.identity)
    after = parse_cursor(call.query.get("after"))
    limit: int = call.query["limit"]
    settings = call.settings
    report_expired_holds(call.services.storage, settings, call.now())
    visible = [events.c.resource_type.in_(kinds)]
    if not settings.fault_active("event-feed-any-municipality"):
        visible.append(events.c.municipality_code == municipality)
    with call.services.storage.read() as conn:
        rows = conn.execute(
            sa.select(events).where(events.c.seq > after, *visible).order_by(events.c.seq).limit(limit)
        ).all()
        items = [event_json(conn, row, settings) for row in rows]
    last = rows[-1].seq if rows else after
    if settings.fault_active("event-feed-ordered-by-time"):
        items.sort(key=lambda item: (item["occurredAt"], item["id"]))
    if settings.fault_active("event-cursor-skips-under-concurrency") and len(rows) < limit:
        time.sleep(0.05)  # the rest of the request, while other requests commit
        with call.services.storage.read_latest() as conn:
            newest = conn.execute(sa.select(sa.func.max(events.c.seq)).where(*visible)).scalar()
        last = max(last, newest or 0)
    return json_response({"items": items, "next": cursor(last)})


HANDLERS: dict[str, Handler] = {"listEvents": list_events}
