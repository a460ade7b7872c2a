"""Door codes (passerkoder): issued when a booking is confirmed, valid only around its time.

A code opens the unit's door from the booking's start minus the unit's margin until its end plus
the margin, and not at all once the booking is cancelled. Codes are six digits, unique among the
unit's live codes, so the door-lock system can tell whose booking a code belongs to.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reference_server.settings import Settings
from reference_server.storage import access_codes
from reference_server.timestamps import utc_text


@dataclass(frozen=True)
class AccessCode:
    booking_id: str
    unit_id: str
    code: str
    valid_from: datetime
    valid_until: datetime
    revoked_at: datetime | None


def _load(conn: Connection, condition: Any) -> list[AccessCode]:
    rows = conn.execute(sa.select(access_codes).where(condition)).all()
    return [AccessCode(r.booking_id, r.unit_id, r.code, r.valid_from, r.valid_until, r.revoked_at) for r in rows]


def issue(
    conn: Connection,
    *,
    booking_id: str,
    unit_id: str,
    start: datetime,
    end: datetime,
    margin_minutes: int,
    settings: Settings,
) -> None:
    """Give a newly confirmed booking its code (once; a second call changes nothing)."""
    if _load(conn, access_codes.c.booking_id == booking_id):
        return
    margin = timedelta(minutes=margin_minutes)
    if settings.fault_active("door-code-ignores-margin"):
        margin = timedelta(hours=12)  # "the whole day, to be safe"
    live = {
        c.code for c in _load(conn, sa.and_(access_codes.c.unit_id == unit_id, access_codes.c.revoked_at.is_(None)))
    }
    code = f"{secrets.randbelow(1_000_000):06d}"
    while code in live:
        code = f"{secrets.randbelow(1_000_000):06d}"
    conn.execute(
        access_codes.insert().values(
            booking_id=booking_id,
            unit_id=unit_id,
            code=code,
            valid_from=start - margin,
            valid_until=end + margin,
            revoked_at=None,
        )
    )


def revoke(conn: Connection, booking_id: str, now: datetime, settings: Settings) -> None:
    if settings.fault_active("door-code-valid-after-cancellation"):
        return  # the lock system is never told
    conn.execute(
        access_codes.update()
        .where(access_codes.c.booking_id == booking_id, access_codes.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def for_booking(conn: Connection, booking_id: str) -> AccessCode | None:
    found = _load(conn, access_codes.c.booking_id == booking_id)
    return found[0] if found else None


def matching(conn: Connection, unit_id: str, code: str) -> list[AccessCode]:
    return _load(conn, sa.and_(access_codes.c.unit_id == unit_id, access_codes.c.code == code))


def is_valid(code: AccessCode, now: datetime, settings: Settings) -> bool:
    """Within [validFrom, validUntil): half-open like every interval of the standard (ACC-002)."""
    if settings.fault_active("door-code-valid-until-inclusive"):
        return code.revoked_at is None and code.valid_from <= now <= code.valid_until
    return code.revoked_at is None and code.valid_from <= now < code.valid_until


def code_json(code: AccessCode, now: datetime) -> dict[str, Any]:
    return {
        "bookingId": code.booking_id,
        "unitId": code.unit_id,
        "code": code.code,
        "validFrom": utc_text(code.valid_from),
        "validUntil": utc_text(code.valid_until),
        "status": "revoked" if code.revoked_at is not None else ("active" if now < code.valid_until else "expired"),
    }
