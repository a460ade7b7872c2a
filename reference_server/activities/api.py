"""The class `activities`: sessions with a capacity, registration, and a waiting list that moves up.

Registrations for one activity are serialised on the activity's row (SELECT … FOR UPDATE on
PostgreSQL, the database write lock on SQLite), so the count of registered people is read and
raised in one step: the last place goes to exactly one of many simultaneous requests. A waiting
registration keeps its arrival number (`position`); its place in the queue is counted when read,
so promoting the first in line moves everyone else up without rewriting them.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from starlette.responses import Response

import spec
from reference_server import outbox, problems
from reference_server.booking.availability import date_parameter, local_midnight
from reference_server.booking.bookings import conflict, require_persona
from reference_server.discovery import taxonomy
from reference_server.idempotency import create_once
from reference_server.pagination import page_response
from reference_server.routing import Call, Handler, json_response
from reference_server.storage import activities, facilities, registrations, units
from reference_server.timestamps import record_timestamp, utc_text

LIVE = ("registered", "waiting")


def _select() -> sa.Select[Any]:
    return (
        sa.select(activities, units.c.facility_id, facilities.c.municipality_code)
        .join(units, activities.c.unit_id == units.c.id)
        .join(facilities, units.c.facility_id == facilities.c.id)
    )


def _counts(conn: Connection, activity_ids: list[str]) -> dict[tuple[str, str], int]:
    rows = conn.execute(
        sa.select(registrations.c.activity_id, registrations.c.status, sa.func.count())
        .where(registrations.c.activity_id.in_(activity_ids), registrations.c.status.in_(LIVE))
        .group_by(registrations.c.activity_id, registrations.c.status)
    ).all()
    return {(r[0], r[1]): int(r[2]) for r in rows}


def _activity_json(row: Row[Any], counts: dict[tuple[str, str], int], call: Call) -> dict[str, Any]:
    registered = counts.get((row.id, "registered"), 0)
    return {
        "id": row.id,
        "unitId": row.unit_id,
        "facilityId": row.facility_id,
        "municipalityCode": row.municipality_code,
        "name": row.name,
        "activityType": row.activity_type,
        "start": utc_text(row.start_at),
        "end": utc_text(row.end_at),
        "capacity": row.capacity,
        "registeredCount": registered,
        "waitingCount": counts.get((row.id, "waiting"), 0),
        "placesLeft": max(row.capacity - registered, 0),
        "createdAt": record_timestamp(row.created_at, call.settings),
        "updatedAt": record_timestamp(row.updated_at, call.settings),
    }


def list_activities(call: Call) -> Response:
    query = call.query
    conditions = []
    if "unitId" in query:
        conditions.append(activities.c.unit_id == query["unitId"])
    if "activityType" in query:
        release = call.settings.release
        if query["activityType"] not in taxonomy.known_ids(release):
            raise problems.validation_error(
                [problems.FieldError("query", "is not an activity type of the taxonomy", name="activityType")]
            )
        conditions.append(activities.c.activity_type.in_(sorted(spec.narrower_or_same(query["activityType"], release))))
    if "from" in query:
        conditions.append(activities.c.start_at >= local_midnight(date_parameter(query["from"])))
    if "to" in query:
        last = date_parameter(query["to"])
        if not call.settings.fault_active("activities-to-date-exclusive"):
            last += timedelta(days=1)  # to is inclusive: up to the midnight that ends it
        conditions.append(activities.c.start_at < local_midnight(last))
    with call.services.storage.read() as conn:
        rows = conn.execute(_select().where(*conditions).order_by(activities.c.start_at, activities.c.id)).all()
        counts = _counts(conn, [r.id for r in rows])
    return page_response(call, rows, lambda r: _activity_json(r, counts, call))


def _activity(conn: Connection, activity_id: str, *, lock: bool = False) -> Row[Any]:
    if lock:
        conn.execute(sa.select(activities.c.id).where(activities.c.id == activity_id).with_for_update())
    row = conn.execute(_select().where(activities.c.id == activity_id)).first()
    if row is None:
        raise problems.not_found(f"No activity with id {activity_id}.")
    return row


def get_activity(call: Call) -> Response:
    with call.services.storage.read() as conn:
        row = _activity(conn, call.path["activityId"])
        counts = _counts(conn, [row.id])
    return json_response(_activity_json(row, counts, call))


def _registration_json(conn: Connection, row: Row[Any], call: Call) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id,
        "activityId": row.activity_id,
        "personId": row.person_id,
        "status": row.status,
    }
    if row.status == "waiting":
        ahead = conn.execute(
            sa.select(sa.func.count()).where(
                registrations.c.activity_id == row.activity_id,
                registrations.c.status == "waiting",
                registrations.c.position < row.position,
            )
        ).scalar_one()
        body["waitingPosition"] = int(ahead) + 1
    body["createdAt"] = record_timestamp(row.created_at, call.settings)
    body["updatedAt"] = record_timestamp(row.updated_at, call.settings)
    return body


def _registered_count(conn: Connection, activity_id: str) -> int:
    return int(
        conn.execute(
            sa.select(sa.func.count()).where(
                registrations.c.activity_id == activity_id, registrations.c.status == "registered"
            )
        ).scalar_one()
    )


def create_registration(call: Call) -> Response:
    identity = require_persona(call.identity, ("citizen",), "register for activities")
    person_id = str(identity.claim("personId"))
    activity_id = call.path["activityId"]
    wait = bool((call.body or {}).get("joinWaitingList", False))
    settings, now = call.settings, call.now()
    racy = settings.fault_active("activity-overbooked-under-concurrency")
    seen_full = False
    if racy:
        # The faulty way: count in one transaction, write in another.
        with call.services.storage.read() as conn:
            seen_full = _registered_count(conn, activity_id) >= _activity(conn, activity_id).capacity
        time.sleep(0.05)

    def create(conn: Connection) -> dict[str, Any]:
        activity = _activity(conn, activity_id, lock=not racy)
        started = (
            now > activity.start_at if settings.fault_active("registration-open-at-start") else now >= activity.start_at
        )
        if started:
            raise conflict("invalid-state", f"{activity.name} started at {utc_text(activity.start_at)}.")
        mine = conn.execute(
            sa.select(registrations.c.id).where(
                registrations.c.activity_id == activity_id,
                registrations.c.person_id == person_id,
                registrations.c.status.in_(LIVE),
            )
        ).first()
        if mine is not None and not settings.fault_active("duplicate-registration-accepted"):
            raise conflict("already-registered", f"You are already registered for {activity.name} ({mine.id}).")
        full = seen_full if racy else _registered_count(conn, activity_id) >= activity.capacity
        if full and not wait:
            raise conflict("activity-full", f"{activity.name} is full; ask to join the waiting list.")
        last = conn.execute(
            sa.select(sa.func.max(registrations.c.position)).where(registrations.c.activity_id == activity_id)
        ).scalar()
        registration_id = str(uuid.uuid4())
        conn.execute(
            registrations.insert().values(
                id=registration_id,
                activity_id=activity_id,
                person_id=person_id,
                status="waiting" if full else "registered",
                position=(last or 0) + 1,
                created_at=now,
                updated_at=now,
            )
        )
        outbox.record(conn, settings, "registration.created", registration_id, activity.municipality_code, now)
        row = conn.execute(sa.select(registrations).where(registrations.c.id == registration_id)).one()
        return _registration_json(conn, row, call)

    return create_once(call, create, now, keyed=not settings.fault_active("registration-idempotency-ignored"))


def _own(conn: Connection, call: Call, registration_id: str, *, reading: bool = False) -> Row[Any]:
    identity = call.identity
    assert identity is not None  # the operation's security requires a token
    if not call.settings.fault_active("registration-hidden-from-other-personas"):
        # Before the lookup (CORE-027): whether a persona may ever hold registrations is in its token alone.
        identity = require_persona(identity, ("citizen",), "have registrations")
    row = conn.execute(sa.select(registrations).where(registrations.c.id == registration_id)).first()
    mine = row is not None and row.person_id == identity.claim("personId")
    if row is None or not (mine or (reading and call.settings.fault_active("other-person-registration-readable"))):
        raise problems.not_found(f"No registration with id {registration_id}.")
    return row


def list_registrations(call: Call) -> Response:
    identity = require_persona(call.identity, ("citizen",), "have registrations")
    with call.services.storage.read() as conn:
        rows = conn.execute(
            sa.select(registrations)
            .where(registrations.c.person_id == identity.claim("personId"))
            .order_by(registrations.c.created_at, registrations.c.id)
        ).all()
        # Rendered while the connection is open: a waiting registration counts those ahead of it.
        return page_response(call, rows, lambda row: _registration_json(conn, row, call))


def get_registration(call: Call) -> Response:
    with call.services.storage.read() as conn:
        row = _own(conn, call, call.path["registrationId"], reading=True)
        return json_response(_registration_json(conn, row, call))


def _promote(conn: Connection, activity_id: str, now: datetime, call: Call) -> None:
    """Give the freed place to the first in the queue."""
    order = (
        registrations.c.position.desc()
        if call.settings.fault_active("waiting-list-skipped")
        else registrations.c.position
    )
    first = conn.execute(
        sa.select(registrations.c.id)
        .where(registrations.c.activity_id == activity_id, registrations.c.status == "waiting")
        .order_by(order)
        .limit(1)
    ).first()
    if first is not None:
        conn.execute(
            registrations.update().where(registrations.c.id == first.id).values(status="registered", updated_at=now)
        )
        municipality = _activity(conn, activity_id).municipality_code
        outbox.record(conn, call.settings, "registration.moved-from-waiting-list", first.id, municipality, now)


def cancel_registration(call: Call) -> Response:
    registration_id = call.path["registrationId"]
    now = call.now()
    with call.services.storage.write() as conn:
        row = _own(conn, call, registration_id)
        _activity(conn, row.activity_id, lock=True)
        row = conn.execute(sa.select(registrations).where(registrations.c.id == registration_id)).one()
        if row.status != "cancelled":
            conn.execute(
                registrations.update()
                .where(registrations.c.id == registration_id)
                .values(status="cancelled", cancelled_at=now, updated_at=now)
            )
            if row.status == "registered":
                _promote(conn, row.activity_id, now, call)
        after = conn.execute(sa.select(registrations).where(registrations.c.id == registration_id)).one()
        return json_response(_registration_json(conn, after, call))


HANDLERS: dict[str, Handler] = {
    "listActivities": list_activities,
    "getActivity": get_activity,
    "createRegistration": create_registration,
    "listRegistrations": list_registrations,
    "getRegistration": get_registration,
    "cancelRegistration": cancel_registration,
}
