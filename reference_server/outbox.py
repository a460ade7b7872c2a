"""Recording domain events (class `events`) in the transaction that makes the change.

A domain module calls `record` where it writes the change; the event is kept on the transaction's
connection and written by `Storage.write` as the transaction's last statements, numbered in commit
order (storage.py). So an event exists exactly when its change is committed (EVT-001), and no
background job or second connection is involved. What an event holds is fixed here: the change,
the resource and its municipality, never the people in it (EVT-003).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.engine import Connection

from reference_server.settings import Settings
from reference_server.storage import ESCAPED, OUTBOX

# The resource an event type is about is named by the type's first part ("booking.created").
HREFS = {
    "booking": "/v1/bookings/{}",
    "payment": "/v1/payments/{}",
    "registration": "/v1/registrations/{}",
    "season": "/v1/seasons/{}",
    "grant-application": "/v1/grant-applications/{}",
    "grant-payout": "/v1/grant-payouts/{}",
    "attendance-report": "/v1/attendance-reports/{}",
}


def record(
    conn: Connection,
    settings: Settings,
    type: str,
    resource_id: str,
    municipality_code: str,
    occurred_at: datetime,
    *,
    published_early: bool = False,
) -> None:
    """Note that the change `type` of `resource_id` is being made in `conn`'s write transaction.

    `published_early` is only for the injected fault event-published-before-commit: the event is
    written even if the transaction is rolled back afterwards.
    """
    resource_type = type.split(".", 1)[0]
    assert resource_type in HREFS, type
    event = {
        "id": str(uuid.uuid4()),
        "type": type,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "municipality_code": municipality_code,
        "occurred_at": occurred_at,
    }
    conn.info[ESCAPED if published_early else OUTBOX].append(event)
    if settings.fault_active("event-duplicated-in-feed") and type == "booking.confirmed":
        # A retried outbox write that did not check whether the first attempt had landed.
        conn.info[OUTBOX].append({**event})
