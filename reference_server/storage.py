"""The database: table definitions, engine set-up for SQLite and PostgreSQL, transactions.

One SQLAlchemy Core layer serves both databases. Nested structures (addresses, opening hours,
lists) are JSON columns; the scalars searched or sorted on are plain columns. Several worker
processes share one database, which is why the clock and the signing key live here too.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Dialect, Engine, make_url
from sqlalchemy.exc import DBAPIError

metadata = sa.MetaData()
# Free text is TEXT: the schemas bound most lengths, but not all (email, website), and PostgreSQL
# would refuse an over-long value that the API has accepted.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class UtcTimestamp(sa.types.TypeDecorator[datetime]):
    """An aware datetime stored as microseconds since the epoch: exact and identical on both databases."""

    impl = sa.BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> int | None:
        return None if value is None else (value - _EPOCH) // _MICROSECOND

    def process_result_value(self, value: int | None, dialect: Dialect) -> datetime | None:
        return None if value is None else _EPOCH + value * _MICROSECOND


def _timestamps() -> list[sa.Column[Any]]:
    return [
        sa.Column("created_at", UtcTimestamp(), nullable=False),
        sa.Column("updated_at", UtcTimestamp(), nullable=False),
    ]


persons = sa.Table(
    "persons",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("personal_identity_number", sa.String(12), nullable=False),
    sa.Column("given_name", sa.Text, nullable=False),
    sa.Column("family_name", sa.Text, nullable=False),
    sa.Column("email", sa.Text),
    sa.Column("phone", sa.Text),
    *_timestamps(),
)

organisations = sa.Table(
    "organisations",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.Text, nullable=False, index=True),
    sa.Column("organisation_number", sa.String(10), nullable=False),
    sa.Column("type", sa.String(20), nullable=False),
    sa.Column("municipality_code", sa.String(4), nullable=False, index=True),
    sa.Column("activity_types", sa.JSON, nullable=False),
    sa.Column("email", sa.Text),
    sa.Column("website", sa.Text),
    *_timestamps(),
)

representatives = sa.Table(
    "representatives",
    metadata,
    sa.Column("organisation_id", sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    # The position in the fixture keeps two roles of one person apart and the order stable.
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("person_id", sa.ForeignKey("persons.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("role", sa.String(20), nullable=False),
)

facilities = sa.Table(
    "facilities",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.Text, nullable=False, index=True),
    sa.Column("description", sa.Text),
    sa.Column("municipality_code", sa.String(4), nullable=False, index=True),
    sa.Column("ownership", sa.String(10), nullable=False, index=True),
    sa.Column("latitude", sa.Double, nullable=False),
    sa.Column("longitude", sa.Double, nullable=False),
    sa.Column("address", sa.JSON, nullable=False),
    sa.Column("accessibility", sa.JSON, nullable=False),
    sa.Column("amenities", sa.JSON, nullable=False),
    sa.Column("activity_types", sa.JSON, nullable=False),
    sa.Column("opening_hours", sa.JSON, nullable=False),
    *_timestamps(),
)

units = sa.Table(
    "units",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("facility_id", sa.ForeignKey("facilities.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("activity_types", sa.JSON, nullable=False),
    sa.Column("accessibility", sa.JSON, nullable=False),
    sa.Column("amenities", sa.JSON, nullable=False),
    sa.Column("capacity", sa.Integer),
    sa.Column("area_square_meters", sa.Double),
    *_timestamps(),
)

server_clock = sa.Table(
    "server_clock",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("offset_us", sa.BigInteger, nullable=False),
    sa.Column("frozen_at", UtcTimestamp()),
)

signing_keys = sa.Table(
    "signing_keys",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("private_key_pem", sa.Text, nullable=False),
    sa.Column("created_at", UtcTimestamp(), nullable=False),
)

# What POST /test/reset empties, children before parents.
DATA_TABLES: tuple[sa.Table, ...] = (representatives, units, facilities, organisations, persons)


def engine_url(db: str) -> sa.URL:
    """`postgresql://` means psycopg 3 (SQLAlchemy would otherwise pick psycopg2)."""
    url = make_url(db)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def _create_engine(db: str) -> Engine:
    url = engine_url(db)
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    if url.database in (None, "", ":memory:"):
        raise ValueError("SQLite needs a file (sqlite:///PATH) so that workers and threads share it")
    engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction starts (see _begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # A writer takes the write lock up front: a deferred transaction that reads and then
        # writes can fail at once with SQLITE_BUSY when another process wrote in between.
        write = conn.get_execution_options().get("bob_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class Storage:
    def __init__(self, db: str) -> None:
        self.engine = _create_engine(db)
        self._writer = self.engine.execution_options(bob_write=True)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A transaction for reads, so that several statements see one consistent state."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that commits when the block ends normally and rolls back on any exception."""
        with self._writer.begin() as conn:
            yield conn

    def prepare(self) -> None:
        """Create missing tables and the clock row; safe when several workers start at once."""
        for attempt in range(10):
            try:
                metadata.create_all(self.engine, checkfirst=True)
                break
            except DBAPIError:
                # Another process created a table between our check and our CREATE.
                if attempt == 9:
                    raise
                time.sleep(0.1 * (attempt + 1))
        with self.read() as conn:
            present = conn.execute(sa.select(server_clock.c.id)).first()
        if present is None:
            try:
                with self.write() as conn:
                    conn.execute(server_clock.insert().values(id=1, offset_us=0, frozen_at=None))
            except sa.exc.IntegrityError:
                pass  # another worker inserted it first

    def dispose(self) -> None:
        self.engine.dispose()
