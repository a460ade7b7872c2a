"""Handlers of the class `booking`: terms, availability, creating, confirming, cancelling,
approving and listing bookings. The rules themselves live in bookings.py."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from starlette.responses import Response

from reference_server import problems
from reference_server.booking import bookings as b
from reference_server.booking.availability import (
    clip,
    date_parameter,
    local_midnight,
    open_intervals,
    subtract,
)
from reference_server.booking.terms import terms_json
from reference_server.booking.unit_calendar import read_calendar
from reference_server.clock import EARLIEST, LATEST
from reference_server.idempotency import create_once
from reference_server.pagination import page_body
from reference_server.problems import FieldError
from reference_server.routing import Call, Handler, json_response
from reference_server.settings import Settings
from reference_server.storage import bookings
from reference_server.timestamps import LATEST_DATE, parse_instant, utc_text

MAX_RANGE_DAYS = 31
MAX_BOOKING = timedelta(days=31)


def _place(call: Call) -> b.Place:
    unit_id = call.path["unitId"]
    with call.services.storage.read() as conn:
        place = b.load_place(conn, unit_id)
    if place is None:
        raise problems.not_found(f"No unit with id {unit_id}.")
    return place


def get_unit_booking_terms(call: Call) -> Response:
    place = _place(call)
    return json_response(terms_json(place.unit_id, place.terms, call.settings))


def _date_range(call: Call) -> tuple[date, date]:
    first, last = date_parameter(call.query["from"]), date_parameter(call.query["to"])
    if last == LATEST_DATE and call.settings.fault_active("availability-range-end-exclusive"):
        raise problems.validation_error([FieldError("query", f"must be before {LATEST_DATE}", name="to")])
    if last < first:
        raise problems.validation_error([FieldError("query", "must not be before from", name="to")])
    longest = MAX_RANGE_DAYS + (1 if call.settings.fault_active("availability-range-off-by-one") else 0)
    if (last - first).days >= longest:
        raise problems.validation_error(
            [FieldError("query", f"the range may span at most {MAX_RANGE_DAYS} days", name="to")]
        )
    return first, last


def _interval(start: datetime, end: datetime, **extra: str) -> dict[str, str]:
    return {"start": utc_text(start), "end": utc_text(end), **extra}


def get_unit_availability(call: Call) -> Response:
    """The hottest query of the class: one connection, clock included (see unit_calendar.py)."""
    first, last = _date_range(call)
    settings = call.settings
    lower, upper = local_midnight(first), local_midnight(last + timedelta(days=1))
    unit_id = call.path["unitId"]
    calendar = read_calendar(call.services.storage, unit_id, lower, upper, settings)
    if calendar is None:
        raise problems.not_found(f"No unit with id {unit_id}.")
    opened = clip(open_intervals(calendar.opening_hours, first, last, settings), lower, upper)
    busy = sorted((max(s, lower), min(e, upper), kind) for s, e, kind in calendar.busy if max(s, lower) < min(e, upper))
    free = clip(subtract(opened, ((s, e) for s, e, _ in busy)), max(lower, calendar.now), upper)
    return json_response(
        {
            "unitId": calendar.unit_id,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "timeZone": "Europe/Stockholm",
            "open": [_interval(s, e) for s, e in opened],
            "busy": [_interval(s, e, kind=kind) for s, e, kind in busy],
            "free": [_interval(s, e) for s, e in free],
        }
    )


def _instant(body: dict[str, Any], name: str, settings: Settings) -> datetime:
    try:
        instant = parse_instant(body[name])
    except ValueError as exc:
        raise problems.body_error(f"/{name}", str(exc)) from exc
    if instant.microsecond or (instant.second and not settings.fault_active("booking-seconds-accepted")):
        raise problems.body_error(f"/{name}", "must be on a whole minute")
    if not EARLIEST <= instant < LATEST:
        raise problems.body_error(f"/{name}", f"must be from {utc_text(EARLIEST)} to before {utc_text(LATEST)}")
    return instant


def create_booking(call: Call) -> Response:
    identity = b.require_persona(call.identity, b.CUSTOMERS, "book")
    body = call.body
    start, end = _instant(body, "start", call.settings), _instant(body, "end", call.settings)
    if end <= start:
        raise problems.body_error("/end", "must be later than start")
    if end - start > MAX_BOOKING and not call.settings.fault_active("booking-length-unchecked"):
        raise problems.body_error("/end", f"a booking may last at most {MAX_BOOKING.days} days")
    slot = b.Slot(body["unitId"], start, end, body["customerCategory"])
    # Read the clock before the write transaction: it is a read of its own, and a request holding a
    # connection while it waits for another could starve the pool when many book at once.
    settings, now = call.settings, call.now()
    if settings.fault_active("overlap-accepted-under-concurrency"):
        b.precheck_without_lock(call.services.storage.read, slot, now, settings)

    def create(conn: sa.Connection) -> dict[str, Any]:
        return b.insert_booking(
            conn,
            identity,
            slot,
            confirm=body.get("confirm", False) and not settings.fault_active("confirm-flag-ignored"),
            note=body.get("note"),
            now=now,
            settings=settings,
        )

    return create_once(call, create, now, keyed=not settings.fault_active("idempotency-ignored"))


def list_bookings(call: Call) -> Response:
    identity = b.require_persona(call.identity, b.READERS, "list bookings")
    settings, now = call.settings, call.now()
    conditions = []
    if not settings.fault_active("my-bookings-lists-all"):
        conditions.append(b.visible_condition(identity))
    if "unitId" in call.query:
        conditions.append(bookings.c.unit_id == call.query["unitId"])
    with call.services.storage.read() as conn:
        rows = conn.execute(b.select_bookings().where(*conditions).order_by(bookings.c.start_at, bookings.c.id)).all()
    if "status" in call.query:
        rows = [r for r in rows if b.status_of(r, now, settings) == call.query["status"]]
    return json_response(
        page_body(
            rows,
            lambda r: b.booking_json(r, now, settings),
            limit=call.query["limit"],
            page=call.query["page"],
            settings=settings,
        )
    )


def get_booking(call: Call) -> Response:
    identity = b.require_persona(call.identity, b.READERS, "read bookings")
    booking_id = call.path["bookingId"]
    with call.services.storage.read() as conn:
        if call.settings.fault_active("other-organisation-booking-readable"):
            row = b.load_booking(conn, booking_id)  # found is good enough
            if row is None:
                raise problems.not_found(f"No booking with id {booking_id}.")
        else:
            row = b.visible_booking(conn, identity, booking_id)
    return json_response(b.booking_json(row, call.now(), call.settings))


def _change(call: Call, allowed: tuple[str, ...], action: str, change: Any) -> Response:
    identity = b.require_persona(call.identity, allowed, action)
    booking_id = call.path["bookingId"]
    now, settings = call.now(), call.settings
    with call.services.storage.write() as conn:
        row = b.visible_booking(conn, identity, booking_id, lock=True)
        change(conn, row, now)
        after = b.load_booking(conn, booking_id)
        assert after is not None
        return json_response(b.booking_json(after, now, settings))


def confirm_booking(call: Call) -> Response:
    return _change(
        call, b.CUSTOMERS, "confirm bookings", lambda conn, row, now: b.confirm(conn, row, now, call.settings)
    )


def cancel_booking(call: Call) -> Response:
    reason = (call.body or {}).get("reason")
    return _change(
        call, b.READERS, "cancel bookings", lambda conn, row, now: b.cancel(conn, row, reason, now, call.settings)
    )


def approve_booking(call: Call) -> Response:
    return _change(
        call,
        ("facility-administrator",),
        "approve bookings",
        lambda conn, row, now: b.decide(conn, row, True, None, now, call.settings),
    )


def reject_booking(call: Call) -> Response:
    reason = call.body["reason"]
    return _change(
        call,
        ("facility-administrator",),
        "reject bookings",
        lambda conn, row, now: b.decide(conn, row, False, reason, now, call.settings),
    )


HANDLERS: dict[str, Handler] = {
    "getUnitBookingTerms": get_unit_booking_terms,
    "getUnitAvailability": get_unit_availability,
    "createBooking": create_booking,
    "listBookings": list_bookings,
    "getBooking": get_booking,
    "confirmBooking": confirm_booking,
    "cancelBooking": cancel_booking,
    "approveBooking": approve_booking,
    "rejectBooking": reject_booking,
}
