"""What the availability of a unit is computed from, read with two statements on one connection.

GET /units/{id}/availability is the hottest read of the booking class, so its reads are shaped
for it. The unit's opening hours come with the server clock (one statement: the clock is a row
that any worker may change, so it is read, not remembered), and the bookings and blocked periods
that take time in the range come together (a UNION ALL, the second statement). Both statements
are built once, with bound parameters, so that a request binds values instead of building SQL
expressions and their cache keys again.

Nothing is kept between requests: each reads the clock row and the bookings as committed at
that moment (`Storage.read_latest`), so a booking confirmed by another worker shows in the very
next query. The two statements need no common snapshot: a clock a moment older than the bookings
is what reading the clock first, as every other handler does, gives too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa

from reference_server.booking import bookings as b
from reference_server.clock import clock_columns, stored_state
from reference_server.settings import Settings
from reference_server.storage import Storage, UtcTimestamp, blocked_periods, bookings, facilities, units

Busy = tuple[datetime, datetime, str]  # start, end, "booking" or "blocked"

_UNIT_ID = sa.bindparam("unit_id", type_=sa.String())
_LOWER = sa.bindparam("lower", type_=UtcTimestamp())
_UPPER = sa.bindparam("upper", type_=UtcTimestamp())
_NOW = sa.bindparam("now", type_=UtcTimestamp())

_offset_us, _frozen_at = clock_columns()
_UNIT_AND_CLOCK = (
    sa.select(
        units.c.id,
        facilities.c.opening_hours,
        _offset_us.label("clock_offset_us"),
        _frozen_at.label("clock_frozen_at"),
    )
    .join(facilities, units.c.facility_id == facilities.c.id)
    .where(units.c.id == _UNIT_ID)
)


@dataclass(frozen=True)
class UnitCalendar:
    unit_id: str
    opening_hours: dict[str, Any]
    now: datetime  # the server clock, read on the same connection just before the bookings
    busy: list[Busy]  # overlapping [lower, upper), neither sorted nor clipped


def _busy_in_range(table: sa.Table, kind: str) -> sa.Select[Any]:
    """(start, end, kind) of the table's intervals for the unit that overlap [lower, upper)."""
    return sa.select(table.c.start_at, table.c.end_at, sa.literal_column(f"'{kind}'", sa.String).label("kind")).where(
        table.c.unit_id == _UNIT_ID, table.c.start_at < _UPPER, table.c.end_at > _LOWER
    )


@cache
def _busy_statement(settings: Settings) -> sa.Select[Any] | sa.CompoundSelect[Any]:
    """Bookings that take their time and (unless a fault ignores them) blocked periods, as (start, end, kind).

    The rules are those of bookings.py (`blocking_condition`, `blocks_honoured`), with the clock
    as a parameter; settings, and so the faults, are fixed for the life of a server.
    """
    taken = _busy_in_range(bookings, "booking").where(b.blocking_condition(_NOW, settings))
    if not b.blocks_honoured(settings):
        return taken
    periods = _busy_in_range(blocked_periods, "blocked")
    return sa.union_all(taken, periods)


def read_calendar(
    storage: Storage, unit_id: str, lower: datetime, upper: datetime, settings: Settings
) -> UnitCalendar | None:
    """The unit's hours, the clock and what is busy in [lower, upper); None when there is no such unit."""
    with storage.read_latest() as conn:
        row = conn.execute(_UNIT_AND_CLOCK, {"unit_id": unit_id}).first()
        if row is None:
            return None
        now = stored_state(row.clock_offset_us, row.clock_frozen_at, settings).now
        params = {"unit_id": unit_id, "lower": lower, "upper": upper, "now": now}
        busy = [(r.start_at, r.end_at, r.kind) for r in conn.execute(_busy_statement(settings), params)]
    return UnitCalendar(row.id, row.opening_hours, now, busy)
