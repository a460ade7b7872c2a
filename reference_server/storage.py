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

# --- booking, access, payments, activities, season-allocation ------------------------------------
# Amounts are integer öre (BigInteger), never floats. Instants are UtcTimestamp like everywhere.

booking_terms = sa.Table(
    "booking_terms",
    metadata,
    sa.Column("unit_id", sa.ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("hold_minutes", sa.Integer, nullable=False),
    sa.Column("approval_required", sa.Boolean, nullable=False),
    sa.Column("prices", sa.JSON, nullable=False),  # {customer category: öre per hour}
    sa.Column("free_until_hours_before", sa.Integer, nullable=False),
    sa.Column("late_fee_percent", sa.Integer, nullable=False),
    sa.Column("access_margin_minutes", sa.Integer, nullable=False),
)

blocked_periods = sa.Table(
    "blocked_periods",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("unit_id", sa.ForeignKey("units.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("start_at", UtcTimestamp(), nullable=False),
    sa.Column("end_at", UtcTimestamp(), nullable=False),
    sa.Column("reason", sa.Text),
)

seasons = sa.Table(
    "seasons",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("municipality_code", sa.String(4), nullable=False, index=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("start_date", sa.String(10), nullable=False),
    sa.Column("end_date", sa.String(10), nullable=False),
    sa.Column("application_deadline", UtcTimestamp(), nullable=False),
    sa.Column("allocated_at", UtcTimestamp()),
    *_timestamps(),
)

season_applications = sa.Table(
    "season_applications",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("season_id", sa.ForeignKey("seasons.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("organisation_id", sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("person_id", sa.String(64), nullable=False),
    sa.Column("customer_category", sa.String(30), nullable=False),
    sa.Column("alternatives", sa.JSON, nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("decision", sa.JSON),
    sa.Column("submitted_at", UtcTimestamp(), nullable=False),
    *_timestamps(),
)

bookings = sa.Table(
    "bookings",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("unit_id", sa.ForeignKey("units.id", ondelete="CASCADE"), nullable=False),
    sa.Column("municipality_code", sa.String(4), nullable=False, index=True),
    sa.Column("start_at", UtcTimestamp(), nullable=False),
    sa.Column("end_at", UtcTimestamp(), nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("hold_expires_at", UtcTimestamp()),
    sa.Column("customer_category", sa.String(30), nullable=False),
    sa.Column("person_id", sa.String(64), nullable=False, index=True),
    sa.Column("organisation_id", sa.String(64), index=True),
    sa.Column("price_ore", sa.BigInteger, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("cancelled_at", UtcTimestamp()),
    sa.Column("cancellation_fee_ore", sa.BigInteger),
    sa.Column("cancellation_reason", sa.Text),
    sa.Column("rejected_at", UtcTimestamp()),
    sa.Column("rejection_reason", sa.Text),
    sa.Column("season_application_id", sa.ForeignKey("season_applications.id", ondelete="CASCADE"), index=True),
    *_timestamps(),
    sa.Index("ix_bookings_unit_start", "unit_id", "start_at"),
)

idempotency_records = sa.Table(
    "idempotency_records",
    metadata,
    sa.Column("scope", sa.String(400), primary_key=True),  # caller and operation
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),  # sha256 of the request
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("created_at", UtcTimestamp(), nullable=False),
)

access_codes = sa.Table(
    "access_codes",
    metadata,
    sa.Column("booking_id", sa.ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("unit_id", sa.String(64), nullable=False),
    sa.Column("code", sa.String(8), nullable=False),
    sa.Column("valid_from", UtcTimestamp(), nullable=False),
    sa.Column("valid_until", UtcTimestamp(), nullable=False),
    sa.Column("revoked_at", UtcTimestamp()),
    sa.Index("ix_access_codes_unit_code", "unit_id", "code"),
)

payments = sa.Table(
    "payments",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("person_id", sa.String(64), nullable=False, index=True),
    sa.Column("organisation_id", sa.String(64), index=True),
    sa.Column("municipality_code", sa.String(4), nullable=False, index=True),
    sa.Column("method", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("amount_ore", sa.BigInteger, nullable=False),
    sa.Column("settled_at", UtcTimestamp()),
    *_timestamps(),
)

payment_lines = sa.Table(
    "payment_lines",
    metadata,
    sa.Column("payment_id", sa.ForeignKey("payments.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("booking_id", sa.ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("amount_ore", sa.BigInteger, nullable=False),
)

refunds = sa.Table(
    "refunds",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("payment_id", sa.ForeignKey("payments.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("booking_id", sa.ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False),
    sa.Column("amount_ore", sa.BigInteger, nullable=False),
    sa.Column("created_at", UtcTimestamp(), nullable=False),
)

payment_simulation = sa.Table(
    "payment_simulation",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("outcome", sa.String(20), nullable=False),
)

activities = sa.Table(
    "activities",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("unit_id", sa.ForeignKey("units.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("activity_type", sa.String(64), nullable=False),
    sa.Column("start_at", UtcTimestamp(), nullable=False),
    sa.Column("end_at", UtcTimestamp(), nullable=False),
    sa.Column("capacity", sa.Integer, nullable=False),
    *_timestamps(),
)

registrations = sa.Table(
    "registrations",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("activity_id", sa.ForeignKey("activities.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("person_id", sa.String(64), nullable=False, index=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),  # order of arrival, for the waiting list
    sa.Column("cancelled_at", UtcTimestamp()),
    *_timestamps(),
)

# Emptied by POST /test/reset before the tables of DATA_TABLES, children first.
BOOKING_DATA_TABLES: tuple[sa.Table, ...] = (
    refunds,
    payment_lines,
    payments,
    payment_simulation,
    access_codes,
    registrations,
    activities,
    bookings,
    season_applications,
    seasons,
    blocked_periods,
    booking_terms,
    idempotency_records,
)

# --- grants and attendance ------------------------------------------------------------------------
# A programme's rules, a report's content and its evaluation are JSON documents read whole;
# amounts are integer öre.

grant_programmes = sa.Table(
    "grant_programmes",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("municipality_code", sa.String(4), nullable=False, index=True),
    sa.Column("description", sa.Text),
    sa.Column("rules", sa.JSON, nullable=False),
    *_timestamps(),
)

grant_applications = sa.Table(
    "grant_applications",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("programme_id", sa.ForeignKey("grant_programmes.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("organisation_id", sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("municipality_code", sa.String(4), nullable=False, index=True),
    sa.Column("application_period", sa.String(40), nullable=False),
    sa.Column("deadline", UtcTimestamp(), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("requested_amount", sa.BigInteger, nullable=False),
    sa.Column("calculated_amount", sa.BigInteger),
    sa.Column("description", sa.Text),
    sa.Column("attendance_report_ids", sa.JSON, nullable=False),
    sa.Column("submitted_at", UtcTimestamp()),
    sa.Column("decision_id", sa.String(64), unique=True),
    sa.Column("decision_outcome", sa.String(20)),
    sa.Column("decision_amount", sa.BigInteger),
    sa.Column("decision_motivation", sa.Text),
    sa.Column("decided_at", UtcTimestamp()),
    sa.Column("payout_id", sa.String(64), index=True),
    *_timestamps(),
)

grant_attachments = sa.Table(
    "grant_attachments",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("application_id", sa.ForeignKey("grant_applications.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("media_type", sa.Text, nullable=False),
    sa.Column("size_bytes", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UtcTimestamp(), nullable=False),
)

grant_payouts = sa.Table(
    "grant_payouts",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("municipality_code", sa.String(4), nullable=False),
    sa.Column("idempotency_key", sa.String(100), nullable=False),
    sa.Column("items", sa.JSON, nullable=False),
    sa.Column("total_amount", sa.BigInteger, nullable=False),
    sa.Column("created_at", UtcTimestamp(), nullable=False),
    sa.UniqueConstraint("municipality_code", "idempotency_key"),
)

attendance_reports = sa.Table(
    "attendance_reports",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("programme_id", sa.ForeignKey("grant_programmes.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("organisation_id", sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("municipality_code", sa.String(4), nullable=False, index=True),
    sa.Column("format", sa.String(10), nullable=False),
    sa.Column("content", sa.JSON, nullable=False),
    sa.Column("sessions", sa.JSON, nullable=False),  # the evaluated sessions (SessionResult)
    sa.Column("summary", sa.JSON, nullable=False),
    *_timestamps(),
)

# Emptied by POST /test/reset before the tables of DATA_TABLES, children first.
GRANT_DATA_TABLES: tuple[sa.Table, ...] = (
    grant_attachments,
    grant_applications,
    grant_payouts,
    attendance_reports,
    grant_programmes,
)

# --- events ---------------------------------------------------------------------------------------
# The transactional outbox (EVT-001, EVT-002): an event row is written by the transaction that makes
# the change, numbered from the one-row counter `event_sequence` just before that transaction commits.

events = sa.Table(
    "events",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("id", sa.String(64), nullable=False, index=True),
    sa.Column("type", sa.String(60), nullable=False),
    sa.Column("resource_type", sa.String(30), nullable=False),
    sa.Column("resource_id", sa.String(64), nullable=False, index=True),
    sa.Column("municipality_code", sa.String(4), nullable=False),
    sa.Column("occurred_at", UtcTimestamp(), nullable=False),
    sa.Index("ix_events_municipality_seq", "municipality_code", "seq"),
)

event_sequence = sa.Table(
    "event_sequence",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("last", sa.BigInteger, nullable=False),
)

# The events recorded in a write transaction, kept on its connection until the transaction ends
# (`Storage.write`): the ones to write with the change, and the ones a faulty server writes even
# when the change is rolled back.
OUTBOX = "bob_outbox"
ESCAPED = "bob_outbox_escaped"


def _append_events(conn: Connection, pending: list[dict[str, Any]]) -> None:
    """Number and write `pending` as the transaction's last statements.

    The counter's row stays locked until commit, so the next transaction with events waits here for
    this one to commit before it takes its numbers: numbers are handed out in commit order and a
    reader never sees an event while an earlier-numbered one is still uncommitted (EVT-002). Taking
    this lock last, after every other lock of the transaction, also means it cannot be part of a
    deadlock; transactions without events never take it.
    """
    if not pending:
        return
    conn.execute(
        event_sequence.update().where(event_sequence.c.id == 1).values(last=event_sequence.c.last + len(pending))
    )
    last = conn.execute(sa.select(event_sequence.c.last).where(event_sequence.c.id == 1)).scalar_one()
    first = last - len(pending) + 1
    conn.execute(events.insert(), [{**event, "seq": first + i} for i, event in enumerate(pending)])


# Webhook subscriptions and their deliveries (EVT-005 … EVT-007). A subscription reads the outbox
# like a feed consumer: `last_seq` is the last event it has queued deliveries for, so the delivery
# worker (`reference_server/events/webhooks.py`) never passes over an event that commits later.
webhook_subscriptions = sa.Table(
    "webhook_subscriptions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("client_id", sa.String(200), nullable=False),
    sa.Column("municipality_code", sa.String(4), nullable=False),
    sa.Column("url", sa.String(500), nullable=False),
    sa.Column("event_types", sa.JSON, nullable=False),
    sa.Column("secret", sa.String(100), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # active, disabled, deleted
    sa.Column("retry_base_seconds", sa.Float, nullable=False),
    sa.Column("last_seq", sa.BigInteger, nullable=False),
    sa.Column("failing_since", sa.Float),  # unix seconds of the first failure since the last success
    sa.Column("created_at", UtcTimestamp(), nullable=False),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("subscription_id", sa.String(64), nullable=False),
    sa.Column("event_seq", sa.BigInteger, nullable=False),
    sa.Column("resource_id", sa.String(64), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # pending, delivered, failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("queued_at", sa.Float, nullable=False),  # unix seconds, real time: retries end 3 days on
    sa.Column("next_attempt_at", sa.Float, nullable=False),  # unix seconds, real time
    sa.Column("claimed_until", sa.Float),  # the lease of the worker sending it
    sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
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

# What POST /test/reset empties, children before parents. The event counter stays: a cursor handed
# out before a reset never points into the events written after it.
DATA_TABLES: tuple[sa.Table, ...] = (
    webhook_deliveries,
    webhook_subscriptions,
    events,
    *BOOKING_DATA_TABLES,
    *GRANT_DATA_TABLES,
    representatives,
    units,
    facilities,
    organisations,
    persons,
)


def engine_url(db: str) -> sa.URL:
    """`postgresql://` means psycopg 3 (SQLAlchemy would otherwise pick psycopg2)."""
    url = make_url(db)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


# At most 15 connections per process, as SQLAlchemy's default (5 kept plus 10 overflow), but all
# 15 kept open between requests: the default closed every connection beyond 5 on return, so
# under steady concurrency above 5 a request every few opened a new one (for PostgreSQL a new
# backend process, and its prepared statements lost).
_POOL = {"pool_size": 15, "max_overflow": 0}


def _create_engine(db: str) -> Engine:
    url = engine_url(db)
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True, **_POOL)
    if url.database in (None, "", ":memory:"):
        raise ValueError("SQLite needs a file (sqlite:///PATH) so that workers and threads share it")
    engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **_POOL)

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
        options = conn.get_execution_options()
        if options.get("bob_autocommit", False):
            return  # Storage.read_latest: the driver, left in autocommit mode, runs each statement on its own
        # A writer takes the write lock up front: a deferred transaction that reads and then
        # writes can fail at once with SQLITE_BUSY when another process wrote in between.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("bob_write", False) else "BEGIN")

    return engine


class Storage:
    def __init__(self, db: str) -> None:
        self.engine = _create_engine(db)
        self._writer = self.engine.execution_options(bob_write=True)
        # SQLite connections are in the driver's autocommit mode already, and BEGIN is ours (_begin).
        sqlite = self.engine.dialect.name == "sqlite"
        self._autocommit = self.engine.execution_options(
            **({"bob_autocommit": True} if sqlite else {"isolation_level": "AUTOCOMMIT"})
        )

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A transaction for reads, so that several statements see one consistent state."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read_latest(self) -> Iterator[Connection]:
        """Reads that each see what is committed when they run, with no common snapshot promised.

        For a hot read whose statements need not agree with each other: without a transaction
        around them there is no BEGIN and COMMIT to send (on PostgreSQL two round trips; at READ
        COMMITTED a transaction would give each statement a snapshot of its own anyway).
        """
        with self._autocommit.connect() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that commits when the block ends normally and rolls back on any exception.

        The events recorded in it (`reference_server/outbox.py`) are written as its last statements,
        so they commit with the change or not at all.
        """
        escaped: list[dict[str, Any]] = []
        try:
            with self._writer.begin() as conn:
                conn.info[OUTBOX], conn.info[ESCAPED] = [], escaped
                yield conn
                _append_events(conn, [*escaped, *conn.info[OUTBOX]])
                escaped.clear()
        except BaseException:
            if escaped:  # only under a fault: events published whether or not the change commits
                with self._writer.begin() as conn:
                    _append_events(conn, escaped)
            raise

    def prepare(self) -> None:
        """Create missing tables, the clock row and the event counter; safe when several workers start at once."""
        for attempt in range(10):
            try:
                metadata.create_all(self.engine, checkfirst=True)
                break
            except DBAPIError:
                # Another process created a table between our check and our CREATE.
                if attempt == 9:
                    raise
                time.sleep(0.1 * (attempt + 1))
        for table, row in ((server_clock, {"offset_us": 0, "frozen_at": None}), (event_sequence, {"last": 0})):
            with self.read() as conn:
                present = conn.execute(sa.select(table.c.id)).first()
            if present is None:
                try:
                    with self.write() as conn:
                        conn.execute(table.insert().values(id=1, **row))
                except sa.exc.IntegrityError:
                    pass  # another worker inserted it first

    def dispose(self) -> None:
        self.engine.dispose()
