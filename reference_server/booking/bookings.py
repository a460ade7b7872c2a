"""Bookings: the places that can be booked, the rule that two bookings never overlap, and the
states a booking goes through (held → confirmed / pending-approval → cancelled, or expired,
rejected).

An expired hold is not written anywhere: a held booking whose `hold_expires_at` has passed *is*
expired, for display and for the overlap rule alike, so expiry needs no background job and every
worker agrees on it at once. The overlap rule is enforced inside the write transaction that
inserts, after locking the unit's row (SELECT … FOR UPDATE on PostgreSQL; SQLite writers hold
the database's write lock from BEGIN IMMEDIATE), so concurrent requests for one unit queue and
each sees the bookings committed before it.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from reference_server import outbox, problems
from reference_server.access import codes as access_codes
from reference_server.auth import Identity
from reference_server.booking.availability import Interval, open_intervals, within_one
from reference_server.booking.terms import Terms, load_terms
from reference_server.money import money_json, percent_of, price_for_minutes
from reference_server.payments import ledger as payment_ledger
from reference_server.settings import Settings
from reference_server.storage import blocked_periods, bookings, events, facilities, organisations, units
from reference_server.timestamps import STOCKHOLM, record_timestamp, utc_text

BLOCKING = ("confirmed", "pending-approval")
CUSTOMERS = ("citizen", "organisation-representative")
READERS = (*CUSTOMERS, "facility-administrator")
# BOOK-006: `company` is the category of companies and of every organisation that is no association.
CATEGORIES_BY_ORGANISATION_TYPE = {
    "association": ("association-youth", "association-adult"),
    "company": ("company",),
    "public-body": ("company",),
    "other": ("company",),
}


@dataclass(frozen=True)
class Place:
    """A bookable unit with what booking it needs: its facility's municipality and hours, its terms."""

    unit_id: str
    unit_name: str
    facility_id: str
    municipality_code: str
    opening_hours: dict[str, Any]
    terms: Terms


def load_place(conn: Connection, unit_id: str, *, lock: bool = False, with_terms: bool = True) -> Place | None:
    """The unit; with `lock`, its row stays locked until the transaction ends (serialises bookings).

    Without `with_terms` the terms are the defaults, for callers that only need the calendar.
    """
    if lock:
        conn.execute(sa.select(units.c.id).where(units.c.id == unit_id).with_for_update())
    row = conn.execute(
        sa.select(
            units.c.id,
            units.c.name,
            facilities.c.id.label("facility_id"),
            facilities.c.municipality_code,
            facilities.c.opening_hours,
        )
        .join(facilities, units.c.facility_id == facilities.c.id)
        .where(units.c.id == unit_id)
    ).first()
    if row is None:
        return None
    terms = load_terms(conn, unit_id) if with_terms else Terms()
    return Place(row.id, row.name, row.facility_id, row.municipality_code, row.opening_hours, terms)


def _price(per_hour_ore: int, minutes: int, settings: Settings) -> int:
    if settings.fault_active("price-rounds-down"):
        return per_hour_ore * minutes // 60  # truncated, as integer division does by default
    return price_for_minutes(per_hour_ore, minutes)


def _hold_expires(settings: Settings) -> bool:
    return not settings.fault_active("hold-never-expires")


def status_of(row: Row[Any], now: datetime, settings: Settings) -> str:
    if row.status == "held" and _hold_expires(settings) and row.hold_expires_at <= now:
        return "expired"
    return str(row.status)


def blocking_condition(now: datetime, settings: Settings) -> Any:
    """Bookings that take their time: confirmed, pending and held ones whose hold has not run out."""
    held = bookings.c.status == "held"
    if _hold_expires(settings) and not settings.fault_active("expired-hold-still-blocks"):
        held = sa.and_(held, bookings.c.hold_expires_at > now)
    return sa.or_(bookings.c.status.in_(BLOCKING), held)


def overlapping(
    conn: Connection, unit_id: str, start: datetime, end: datetime, now: datetime, settings: Settings
) -> list[Row[Any]]:
    """The bookings taking some of [start, end): two half-open intervals meet when each starts before the other ends."""
    starts_before_end = bookings.c.start_at < end
    if settings.fault_active("overlap-check-misses-earlier-start"):
        # The faulty test: "does the new booking start inside an existing one?" misses an earlier start.
        starts_before_end = bookings.c.start_at <= start
    return conn.execute(
        sa.select(bookings)
        .where(
            bookings.c.unit_id == unit_id,
            starts_before_end,
            bookings.c.end_at > start,
            blocking_condition(now, settings),
        )
        .order_by(bookings.c.start_at, bookings.c.id)
    ).all()


def blocks_honoured(settings: Settings) -> bool:
    """Whether blocked periods take their time (shown as busy, refused to bookings)."""
    return not settings.fault_active("blocked-period-ignored")


def blocked(conn: Connection, unit_id: str, start: datetime, end: datetime, settings: Settings) -> list[Row[Any]]:
    if not blocks_honoured(settings):
        return []
    return conn.execute(
        sa.select(blocked_periods)
        .where(blocked_periods.c.unit_id == unit_id, blocked_periods.c.start_at < end, blocked_periods.c.end_at > start)
        .order_by(blocked_periods.c.start_at, blocked_periods.c.id)
    ).all()


def booking_json(row: Row[Any], now: datetime, settings: Settings) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id,
        "unitId": row.unit_id,
        "facilityId": row.facility_id,
        "municipalityCode": row.municipality_code,
        "start": utc_text(row.start_at),
        "end": utc_text(row.end_at),
        "status": status_of(row, now, settings),
    }
    if row.hold_expires_at is not None:
        body["holdExpiresAt"] = utc_text(row.hold_expires_at)
    body["customerCategory"] = row.customer_category
    body["bookedBy"] = {"personId": row.person_id}
    if row.organisation_id is not None:
        body["bookedBy"]["organisationId"] = row.organisation_id
    body["price"] = money_json(row.price_ore)
    if row.note is not None:
        body["note"] = row.note
    if row.cancelled_at is not None:
        body["cancellation"] = {"cancelledAt": utc_text(row.cancelled_at), "fee": money_json(row.cancellation_fee_ore)}
        if row.cancellation_reason is not None:
            body["cancellation"]["reason"] = row.cancellation_reason
    if row.rejected_at is not None:
        body["rejection"] = {"rejectedAt": utc_text(row.rejected_at), "reason": row.rejection_reason}
    if row.season_application_id is not None:
        body["seasonApplicationId"] = row.season_application_id
    body["createdAt"] = record_timestamp(row.created_at, settings)
    body["updatedAt"] = record_timestamp(row.updated_at, settings)
    return body


def select_bookings() -> sa.Select[Any]:
    return sa.select(bookings, units.c.facility_id).join(units, bookings.c.unit_id == units.c.id)


def load_booking(conn: Connection, booking_id: str, *, lock: bool = False) -> Row[Any] | None:
    query = select_bookings().where(bookings.c.id == booking_id)
    if lock:
        query = query.with_for_update(of=bookings)
    return conn.execute(query).first()


# --- who may do what ---------------------------------------------------------------------------


def visible_condition(identity: Identity) -> Any:
    """The bookings a caller may see and act on as their own (None: this persona has no bookings)."""
    if identity.persona == "citizen":
        return sa.and_(bookings.c.person_id == identity.claim("personId"), bookings.c.organisation_id.is_(None))
    if identity.persona == "organisation-representative":
        return bookings.c.organisation_id == identity.claim("organisationId")
    if identity.persona == "facility-administrator":
        return bookings.c.municipality_code == identity.claim("municipalityCode")
    return None


def require_persona(identity: Identity | None, allowed: tuple[str, ...], action: str) -> Identity:
    assert identity is not None  # every booking operation requires a token
    if identity.persona not in allowed:
        raise problems.forbidden(f"A {identity.persona} may not {action}; this is for: {', '.join(allowed)}.")
    return identity


def visible_booking(conn: Connection, identity: Identity, booking_id: str, *, lock: bool = False) -> Row[Any]:
    """The booking if the caller may see it; otherwise it does not exist for them (404)."""
    row = load_booking(conn, booking_id, lock=lock)
    condition = visible_condition(identity)
    if row is not None and condition is not None:
        mine = conn.execute(sa.select(bookings.c.id).where(bookings.c.id == booking_id, condition)).first()
        if mine is None:
            row = None
    if row is None:
        raise problems.not_found(f"No booking with id {booking_id}.")
    return row


def customer_categories(conn: Connection, identity: Identity, settings: Settings) -> tuple[str, ...]:
    if identity.persona == "citizen":
        return ("private-person",)
    kind = conn.execute(
        sa.select(organisations.c.type).where(organisations.c.id == identity.claim("organisationId"))
    ).scalar_one_or_none()
    if kind in ("public-body", "other") and settings.fault_active("other-organisations-cannot-book"):
        return ()  # only the two kinds of organisation the supplier's price list was written for
    return CATEGORIES_BY_ORGANISATION_TYPE.get(str(kind), ())


# --- creating ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    unit_id: str
    start: datetime
    end: datetime
    customer_category: str

    @property
    def minutes(self) -> int:
        return (self.end - self.start) // timedelta(minutes=1)


def unprocessable(code: str, detail: str) -> problems.Problem:
    return problems.Problem(422, code, detail)


def conflict(code: str, detail: str) -> problems.Problem:
    return problems.Problem(409, code, detail)


def local_dates(start: datetime, end: datetime) -> tuple[Any, Any]:
    return start.astimezone(STOCKHOLM).date(), (end - timedelta(microseconds=1)).astimezone(STOCKHOLM).date()


def check_bookable(conn: Connection, place: Place, slot: Slot, now: datetime, settings: Settings) -> None:
    """422 when the slot can never be booked: past, outside opening hours, blocked."""
    if slot.start < now:
        raise unprocessable("slot-not-bookable", f"The slot starts at {utc_text(slot.start)}, which has passed.")
    first, last = local_dates(slot.start, slot.end)
    hours: list[Interval] = open_intervals(place.opening_hours, first, last, settings)
    if not within_one(hours, slot.start, slot.end):
        raise unprocessable(
            "slot-not-bookable",
            f"{place.unit_name} is not open for the whole of {utc_text(slot.start)}–{utc_text(slot.end)}.",
        )
    for period in blocked(conn, place.unit_id, slot.start, slot.end, settings):
        raise unprocessable(
            "slot-not-bookable",
            f"{place.unit_name} is blocked from {utc_text(period.start_at)} to {utc_text(period.end_at)}"
            + (f" ({period.reason})." if period.reason else "."),
        )


def check_free(conn: Connection, place: Place, slot: Slot, now: datetime, settings: Settings) -> None:
    for other in overlapping(conn, place.unit_id, slot.start, slot.end, now, settings):
        raise conflict(
            "booking-conflict",
            f"{place.unit_name} is already booked from {utc_text(other.start_at)} to {utc_text(other.end_at)}.",
        )


def precheck_without_lock(storage_read: Any, slot: Slot, now: datetime, settings: Settings) -> None:
    """The faulty way (overlap-accepted-under-concurrency): look, then write in another transaction."""
    with storage_read() as conn:
        place = load_place(conn, slot.unit_id)
        if place is not None:
            check_free(conn, place, slot, now, settings)
    time.sleep(0.05)  # the price lookup and the rest of the request, during which others look too


def insert_booking(
    conn: Connection,
    identity: Identity,
    slot: Slot,
    *,
    confirm: bool,
    note: str | None,
    now: datetime,
    settings: Settings,
    season_application_id: str | None = None,
) -> dict[str, Any]:
    """Book `slot` for the caller inside the caller's write transaction, or raise 409/422."""
    place = load_place(conn, slot.unit_id, lock=not settings.fault_active("overlap-accepted-under-concurrency"))
    if place is None:
        raise unprocessable("unknown-reference", f"No unit with id {slot.unit_id}.")
    allowed = customer_categories(conn, identity, settings)
    if slot.customer_category not in allowed:
        fits = ", ".join(allowed) or "none"
        raise unprocessable(
            "customer-category-not-allowed",
            f"A {identity.persona} cannot book as {slot.customer_category} (possible: {fits}).",
        )
    prices = place.terms.prices
    if settings.fault_active("price-ignores-category"):
        prices = dict.fromkeys(prices, prices.get("private-person", 0))
    if slot.customer_category not in prices:
        raise unprocessable(
            "customer-category-not-allowed", f"{place.unit_name} has no price for {slot.customer_category}."
        )
    booking_id = str(uuid.uuid4())
    if settings.fault_active("event-published-before-commit"):
        # Announced as soon as the request looked valid, before the checks that may still refuse it.
        outbox.record(conn, settings, "booking.created", booking_id, place.municipality_code, now, published_early=True)
    check_bookable(conn, place, slot, now, settings)
    if not settings.fault_active("overlap-accepted-under-concurrency"):
        check_free(conn, place, slot, now, settings)
    if not confirm:
        status = "held"
    elif place.terms.approval_required and not settings.fault_active("approval-skipped"):
        status = "pending-approval"
    else:
        status = "confirmed"
    conn.execute(
        bookings.insert().values(
            id=booking_id,
            unit_id=place.unit_id,
            municipality_code=place.municipality_code,
            start_at=slot.start,
            end_at=slot.end,
            status=status,
            hold_expires_at=None if confirm else now + timedelta(minutes=place.terms.hold_minutes),
            customer_category=slot.customer_category,
            person_id=identity.claim("personId"),
            organisation_id=identity.claim("organisationId") if identity.persona != "citizen" else None,
            price_ore=_price(prices[slot.customer_category], slot.minutes, settings),
            note=note,
            season_application_id=season_application_id,
            created_at=now,
            updated_at=now,
        )
    )
    if not settings.fault_active("event-published-before-commit"):
        outbox.record(conn, settings, "booking.created", booking_id, place.municipality_code, now)
    if status == "confirmed" or settings.fault_active("door-code-for-held-bookings"):
        give_access(conn, booking_id, place, slot.start, slot.end, settings)
    row = load_booking(conn, booking_id)
    assert row is not None
    return booking_json(row, now, settings)


def give_access(
    conn: Connection, booking_id: str, place: Place, start: datetime, end: datetime, settings: Settings
) -> None:
    access_codes.issue(
        conn,
        booking_id=booking_id,
        unit_id=place.unit_id,
        start=start,
        end=end,
        margin_minutes=place.terms.access_margin_minutes,
        settings=settings,
    )


# --- changing state ----------------------------------------------------------------------------


def _update(conn: Connection, booking_id: str, now: datetime, **values: Any) -> None:
    conn.execute(bookings.update().where(bookings.c.id == booking_id).values(updated_at=now, **values))


def confirm(conn: Connection, row: Row[Any], now: datetime, settings: Settings) -> None:
    status = status_of(row, now, settings)
    if status == "expired":
        raise conflict("hold-expired", f"The hold ended at {utc_text(row.hold_expires_at)}; book again.")
    if status in ("cancelled", "rejected"):
        raise conflict("invalid-state", f"The booking is {status} and cannot be confirmed.")
    if status != "held":
        return  # confirmed or pending already: confirming again changes nothing
    place = load_place(conn, row.unit_id)
    assert place is not None
    if place.terms.approval_required and not settings.fault_active("approval-skipped"):
        _update(conn, row.id, now, status="pending-approval")
    else:
        _update(conn, row.id, now, status="confirmed")
        outbox.record(conn, settings, "booking.confirmed", row.id, row.municipality_code, now)
        give_access(conn, row.id, place, row.start_at, row.end_at, settings)


def cancellation_fee(row: Row[Any], status: str, now: datetime, settings: Settings, terms: Terms) -> int:
    """Free for unconfirmed bookings and up to the deadline; then lateFeePercent of the price."""
    if status != "confirmed" or settings.fault_active("late-cancellation-free"):
        return 0
    deadline = row.start_at - timedelta(hours=terms.free_until_hours_before)
    return 0 if now <= deadline else percent_of(row.price_ore, terms.late_fee_percent)


def cancel(conn: Connection, row: Row[Any], reason: str | None, now: datetime, settings: Settings) -> int | None:
    """Cancel; the fee charged, or None when it was cancelled already (nothing changes)."""
    status = status_of(row, now, settings)
    if status == "cancelled":
        return None
    if status in ("expired", "rejected"):
        raise conflict("invalid-state", f"The booking is {status}; there is nothing to cancel.")
    if now >= row.start_at:
        raise conflict(
            "invalid-state", f"The booking started at {utc_text(row.start_at)} and can no longer be cancelled."
        )
    fee = cancellation_fee(row, status, now, settings, load_terms(conn, row.unit_id))
    _update(
        conn, row.id, now, status="cancelled", cancelled_at=now, cancellation_fee_ore=fee, cancellation_reason=reason
    )
    outbox.record(conn, settings, "booking.cancelled", row.id, row.municipality_code, now)
    access_codes.revoke(conn, row.id, now, settings)
    payment_ledger.refund_on_cancellation(conn, row.id, fee, now, settings)
    return fee


def decide(
    conn: Connection, row: Row[Any], approve: bool, reason: str | None, now: datetime, settings: Settings
) -> None:
    status = status_of(row, now, settings)
    if status != "pending-approval":
        raise conflict("invalid-state", f"The booking is {status}; only a pending booking can be approved or rejected.")
    if approve:
        _update(conn, row.id, now, status="confirmed")
        outbox.record(conn, settings, "booking.confirmed", row.id, row.municipality_code, now)
        place = load_place(conn, row.unit_id)
        assert place is not None
        give_access(conn, row.id, place, row.start_at, row.end_at, settings)
    else:
        _update(conn, row.id, now, status="rejected", rejected_at=now, rejection_reason=reason)
        outbox.record(conn, settings, "booking.rejected", row.id, row.municipality_code, now)


# --- expiry ------------------------------------------------------------------------------------


def expired_holds(conn: Connection, now: datetime, settings: Settings) -> list[Row[Any]]:
    """Held bookings whose hold has run out and whose expiry no event reports yet.

    Expiry is not written to the booking (see the module's docstring), so its event is written when
    the feed is next read (`reference_server/events/api.py`), dated at the hold's end.
    """
    if not _hold_expires(settings):
        return []
    reported = sa.select(events.c.seq).where(events.c.resource_id == bookings.c.id, events.c.type == "booking.expired")
    return conn.execute(
        sa.select(bookings.c.id, bookings.c.municipality_code, bookings.c.hold_expires_at)
        .where(bookings.c.status == "held", bookings.c.hold_expires_at <= now, ~reported.exists())
        .order_by(bookings.c.hold_expires_at, bookings.c.id)
    ).all()
