"""The server clock: real time, moved or frozen through the test interface.

It is kept in the database (an offset from real time and an optional frozen instant) rather than
in memory, so every worker process tells the same time. Every time rule of the server (token
lifetimes, createdAt/updatedAt) asks this clock, never `datetime.now` directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reference_server.settings import Settings
from reference_server.storage import Storage, server_clock

_MICROSECOND = timedelta(microseconds=1)
# The clock may be set anywhere here: far enough from the ends of the calendar that a token
# lifetime or a booking horizon added to it still is a date.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def real_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ClockState:
    now: datetime
    frozen: bool


def stored_state(offset_us: int | None, frozen_at: datetime | None, settings: Settings) -> ClockState:
    """The clock as the server_clock row stores it; no row (both None) is real time.

    A caller that reads the row inside its own query (see `clock_columns`) gets the very time
    another worker last set, without a transaction of its own for the clock. In production the
    row is ignored: only the test interface moves the clock, and a database a sandbox used may
    still hold its setting (a frozen clock would keep every token and hold alive forever).
    """
    if settings.production:
        return ClockState(real_now(), False)
    if frozen_at is not None:
        return ClockState(frozen_at, True)
    return ClockState(real_now() + (offset_us or 0) * _MICROSECOND, False)


def clock_columns() -> tuple[sa.ScalarSelect[int], sa.ScalarSelect[datetime]]:
    """offset_us and frozen_at as scalar subqueries, to read the clock in the same statement as other data."""
    return (
        sa.select(server_clock.c.offset_us).where(server_clock.c.id == 1).scalar_subquery(),
        sa.select(server_clock.c.frozen_at).where(server_clock.c.id == 1).scalar_subquery(),
    )


def clock_was_moved(storage: Storage) -> bool:
    """Whether the stored clock differs from real time: the test interface of a sandbox moved or froze it."""
    with storage.read() as conn:
        row = conn.execute(sa.select(server_clock.c.offset_us, server_clock.c.frozen_at)).first()
    return row is not None and (bool(row.offset_us) or row.frozen_at is not None)


class ServerClock:
    def __init__(self, storage: Storage, settings: Settings) -> None:
        self._storage = storage
        self._settings = settings

    def state(self) -> ClockState:
        with self._storage.read() as conn:
            row = conn.execute(sa.select(server_clock.c.offset_us, server_clock.c.frozen_at)).first()
        if row is None:
            return stored_state(None, None, self._settings)
        return stored_state(row.offset_us, row.frozen_at, self._settings)

    def now(self) -> datetime:
        return self.state().now

    def set(self, now: datetime, *, frozen: bool) -> None:
        """From now on behave as if it were `now`; keep running from there unless frozen."""
        offset_us = 0 if frozen else (now - real_now()) // _MICROSECOND
        with self._storage.write() as conn:
            conn.execute(
                server_clock.update()
                .where(server_clock.c.id == 1)
                .values(offset_us=offset_us, frozen_at=now.astimezone(UTC) if frozen else None)
            )

    @staticmethod
    def reset(conn: Connection) -> None:
        """Back to real time, inside the caller's transaction (POST /test/reset is all-or-nothing)."""
        conn.execute(server_clock.update().where(server_clock.c.id == 1).values(offset_us=0, frozen_at=None))
