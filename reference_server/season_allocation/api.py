"""The class `season-allocation`: seasons, applications for weekly times, and the allocation.

The allocation applies the rules the spec publishes (allocateSeason), in one write transaction
holding the season's row: applications in rule order (youth activity first, then by submission),
each taking the first of its alternatives that is free on every date of the season, or else the
one free on most dates. A date is free by the same rules as a single booking — opening hours,
blocked periods, other bookings, including those this allocation has just made — and each date
granted becomes a confirmed booking of the organisation.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from starlette.responses import Response

from reference_server import outbox, problems
from reference_server.auth import Identity
from reference_server.booking import bookings as b
from reference_server.booking.availability import local_instant, open_intervals, within_one
from reference_server.discovery.opening_hours import WEEKDAYS
from reference_server.discovery.organisations import load_organisation
from reference_server.idempotency import create_once
from reference_server.money import price_for_minutes
from reference_server.pagination import page_response
from reference_server.problems import FieldError
from reference_server.routing import Call, Handler, json_response
from reference_server.settings import Settings
from reference_server.storage import bookings, season_applications, seasons
from reference_server.timestamps import record_timestamp, utc_text
from reference_server.validation import unknown_municipality_code

STANDARD_TIME = timezone(timedelta(hours=1))


def _status(row: Row[Any], now: datetime, settings: Settings) -> str:
    if row.allocated_at is not None:
        return "allocated"
    if settings.fault_active("season-never-closes"):
        return "open"  # the status only changes when someone allocates
    return "open" if now < row.application_deadline else "closed"


def _season_json(row: Row[Any], now: datetime, settings: Settings) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id,
        "municipalityCode": row.municipality_code,
        "name": row.name,
        "startDate": row.start_date,
        "endDate": row.end_date,
        "applicationDeadline": utc_text(row.application_deadline),
        "status": _status(row, now, settings),
    }
    if row.allocated_at is not None:
        body["allocatedAt"] = utc_text(row.allocated_at)
    body["createdAt"] = record_timestamp(row.created_at, settings)
    body["updatedAt"] = record_timestamp(row.updated_at, settings)
    return body


def _season(conn: Connection, season_id: str, *, lock: bool = False) -> Row[Any]:
    query = sa.select(seasons).where(seasons.c.id == season_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise problems.not_found(f"No season with id {season_id}.")
    return row


def list_seasons(call: Call) -> Response:
    error = unknown_municipality_code(call.query)
    if error is not None:
        raise problems.validation_error([error])
    conditions = []
    if "municipalityCode" in call.query:
        conditions.append(seasons.c.municipality_code == call.query["municipalityCode"])
    with call.services.storage.read() as conn:
        rows = conn.execute(sa.select(seasons).where(*conditions).order_by(seasons.c.start_date, seasons.c.id)).all()
    now = call.now()
    return page_response(call, rows, lambda r: _season_json(r, now, call.settings))


def get_season(call: Call) -> Response:
    with call.services.storage.read() as conn:
        row = _season(conn, call.path["seasonId"])
    return json_response(_season_json(row, call.now(), call.settings))


def _application_json(row: Row[Any], settings: Settings) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id,
        "seasonId": row.season_id,
        "organisationId": row.organisation_id,
        "customerCategory": row.customer_category,
        "alternatives": row.alternatives["slots"],
    }
    if row.alternatives.get("note") is not None:
        body["note"] = row.alternatives["note"]
    body["status"] = row.status
    if row.decision is not None:
        body["decision"] = row.decision
    body["submittedAt"] = utc_text(row.submitted_at)
    body["createdAt"] = record_timestamp(row.created_at, settings)
    body["updatedAt"] = record_timestamp(row.updated_at, settings)
    return body


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def create_season_application(call: Call) -> Response:
    identity = b.require_persona(call.identity, ("organisation-representative",), "apply for season times")
    alternatives = call.body["alternatives"]
    errors = [
        FieldError("body", "must be later than startTime", pointer=f"/alternatives/{i}/endTime")
        for i, alt in enumerate(alternatives)
        if _minutes(alt["endTime"]) <= _minutes(alt["startTime"])
    ]
    if errors:
        raise problems.validation_error(errors)
    category = call.body["customerCategory"]
    settings, now = call.settings, call.now()

    def create(conn: Connection) -> dict[str, Any]:
        season = _season(conn, call.path["seasonId"])
        if season.allocated_at is not None:
            raise b.conflict("invalid-state", f"{season.name} has already been allocated.")
        if now >= season.application_deadline and not settings.fault_active("season-deadline-ignored"):
            raise b.conflict(
                "deadline-passed", f"Applications for {season.name} closed at {utc_text(season.application_deadline)}."
            )
        organisation = load_organisation(conn, str(identity.claim("organisationId")))
        if organisation is None or category not in b.CATEGORIES_BY_ORGANISATION_TYPE.get(organisation.type, ()):
            raise b.unprocessable(
                "customer-category-not-allowed", f"Only associations apply for seasons as {category}."
            )
        for i, alt in enumerate(alternatives):
            place = b.load_place(conn, alt["unitId"])
            if place is None or place.municipality_code != season.municipality_code:
                raise b.unprocessable(
                    "unknown-reference",
                    f"alternatives/{i}: no unit {alt['unitId']} in municipality {season.municipality_code}.",
                )
            if category not in place.terms.prices:
                raise b.unprocessable(
                    "customer-category-not-allowed", f"alternatives/{i}: {place.unit_name} has no price for {category}."
                )
        application_id = str(uuid.uuid4())
        conn.execute(
            season_applications.insert().values(
                id=application_id,
                season_id=season.id,
                organisation_id=organisation.id,
                person_id=str(identity.claim("personId")),
                customer_category=category,
                alternatives={"slots": alternatives, "note": call.body.get("note")},
                status="submitted",
                decision=None,
                submitted_at=now,
                created_at=now,
                updated_at=now,
            )
        )
        row = conn.execute(sa.select(season_applications).where(season_applications.c.id == application_id)).one()
        return _application_json(row, settings)

    return create_once(call, create, now, keyed=not settings.fault_active("season-application-idempotency-ignored"))


def _visible(identity: Identity) -> Any:
    if identity.persona == "organisation-representative":
        return season_applications.c.organisation_id == identity.claim("organisationId")
    return season_applications.c.season_id.in_(
        sa.select(seasons.c.id).where(seasons.c.municipality_code == identity.claim("municipalityCode"))
    )


READERS = ("organisation-representative", "facility-administrator")


def list_season_applications(call: Call) -> Response:
    identity = b.require_persona(call.identity, READERS, "read season applications")
    conditions = [_visible(identity)]
    if "seasonId" in call.query:
        conditions.append(season_applications.c.season_id == call.query["seasonId"])
    with call.services.storage.read() as conn:
        rows = conn.execute(
            sa.select(season_applications)
            .where(*conditions)
            .order_by(season_applications.c.submitted_at, season_applications.c.id)
        ).all()
    return page_response(call, rows, lambda r: _application_json(r, call.settings))


def get_season_application(call: Call) -> Response:
    identity = b.require_persona(call.identity, READERS, "read season applications")
    application_id = call.path["applicationId"]
    with call.services.storage.read() as conn:
        row = conn.execute(
            sa.select(season_applications).where(season_applications.c.id == application_id, _visible(identity))
        ).first()
    if row is None:
        raise problems.not_found(f"No season application with id {application_id}.")
    return json_response(_application_json(row, call.settings))


# --- the allocation ----------------------------------------------------------------------------


def _occurrences(season: Row[Any], slot: dict[str, Any], settings: Settings) -> list[tuple[date, datetime, datetime]]:
    """Every date of the season on the slot's weekday, with the slot's local times as instants."""
    day = date.fromisoformat(season.start_date)
    last = date.fromisoformat(season.end_date)
    weekday = WEEKDAYS.index(slot["weekday"])
    day += timedelta(days=(weekday - day.weekday()) % 7)
    found = []
    while day <= last:
        if settings.fault_active("season-occurrences-in-utc"):
            # The weekly time read once as standard time (+01:00), summer or not.
            start = datetime.combine(day, time.fromisoformat(slot["startTime"]), tzinfo=STANDARD_TIME).astimezone(UTC)
            end = start + timedelta(minutes=_minutes(slot["endTime"]) - _minutes(slot["startTime"]))
        else:
            start, end = local_instant(day, slot["startTime"], settings), local_instant(day, slot["endTime"], settings)
        found.append((day, start, end))
        day += timedelta(days=7)
    return found


def _free(conn: Connection, place: b.Place, start: datetime, end: datetime, now: datetime, settings: Settings) -> bool:
    if start < now:
        return False
    first, last = b.local_dates(start, end)
    if not within_one(open_intervals(place.opening_hours, first, last, settings), start, end):
        return False
    if b.blocked(conn, place.unit_id, start, end, settings):
        return False
    return not b.overlapping(conn, place.unit_id, start, end, now, settings)


def _decide(conn: Connection, season: Row[Any], app: Row[Any], now: datetime, settings: Settings) -> dict[str, Any]:
    """Grant, partly grant or reject one application, booking what is granted."""
    best: tuple[int, int, b.Place, list[tuple[date, datetime, datetime]], list[date]] | None = None
    for index, slot in enumerate(app.alternatives["slots"]):
        place = b.load_place(conn, slot["unitId"], lock=True)
        if place is None:
            continue
        free, excluded = [], []
        for day, start, end in _occurrences(season, slot, settings):
            (free if _free(conn, place, start, end, now, settings) else excluded).append((day, start, end))
        candidate = (len(free), index, place, free, [d for d, _, _ in excluded])
        if not excluded and free:
            best = candidate
            break
        if best is None or len(free) > best[0]:
            best = candidate
    if best is None or best[0] == 0:
        return {
            "status": "rejected",
            "decision": {
                "bookingIds": [],
                "excludedDates": [],
                "reason": "No alternative is free on any date of the season.",
            },
        }
    count, index, place, free, excluded = best
    price_per_hour = place.terms.prices.get(app.customer_category, 0)
    booking_ids = []
    for _, start, end in free:
        booking_id = str(uuid.uuid4())
        conn.execute(
            bookings.insert().values(
                id=booking_id,
                unit_id=place.unit_id,
                municipality_code=place.municipality_code,
                start_at=start,
                end_at=end,
                status="confirmed",
                hold_expires_at=None,
                customer_category=app.customer_category,
                person_id=app.person_id,
                organisation_id=app.organisation_id,
                price_ore=price_for_minutes(price_per_hour, _priced_minutes(end - start, settings)),
                season_application_id=app.id,
                created_at=now,
                updated_at=now,
            )
        )
        outbox.record(conn, settings, "booking.created", booking_id, place.municipality_code, now)
        b.give_access(conn, booking_id, place, start, end, settings)
        booking_ids.append(booking_id)
    decision: dict[str, Any] = {
        "alternativeIndex": index,
        "bookingIds": booking_ids,
        "excludedDates": [d.isoformat() for d in excluded],
    }
    if excluded:
        decision["reason"] = f"{len(excluded)} of {count + len(excluded)} dates are not free."
    return {"status": "partially-granted" if excluded else "granted", "decision": decision}


def _rule_order(app: Row[Any], settings: Settings) -> tuple[Any, ...]:
    if settings.fault_active("season-allocation-ignores-priority"):
        return (app.submitted_at, app.id)  # first come, first served
    return (app.customer_category != "association-youth", app.submitted_at, app.id)


def allocate_season(call: Call) -> Response:
    identity = b.require_persona(call.identity, ("facility-administrator",), "allocate seasons")
    settings, now = call.settings, call.now()

    def create(conn: Connection) -> dict[str, Any]:
        season = _season(conn, call.path["seasonId"], lock=True)
        own = season.municipality_code == identity.claim("municipalityCode")
        if not own and not settings.fault_active("season-allocation-any-municipality"):
            raise problems.forbidden(
                f"Only facility administrators of {season.municipality_code} allocate this season."
            )
        if season.allocated_at is not None:
            raise b.conflict("already-allocated", f"{season.name} was allocated at {utc_text(season.allocated_at)}.")
        apps = conn.execute(
            sa.select(season_applications).where(
                season_applications.c.season_id == season.id, season_applications.c.status == "submitted"
            )
        ).all()
        results = []
        for app in sorted(apps, key=lambda a: _rule_order(a, settings)):
            outcome = _decide(conn, season, app, now, settings)
            conn.execute(
                season_applications.update()
                .where(season_applications.c.id == app.id)
                .values(status=outcome["status"], decision=outcome["decision"], updated_at=now)
            )
            decision = outcome["decision"]
            result = {"applicationId": app.id, "status": outcome["status"]}
            if "alternativeIndex" in decision:
                result["alternativeIndex"] = decision["alternativeIndex"]
            result |= {"bookingCount": len(decision["bookingIds"]), "excludedDates": decision["excludedDates"]}
            if "reason" in decision:
                result["reason"] = decision["reason"]
            results.append(result)
        conn.execute(seasons.update().where(seasons.c.id == season.id).values(allocated_at=now, updated_at=now))
        if not settings.fault_active("season-allocation-not-announced"):
            outbox.record(conn, settings, "season.allocated", season.id, season.municipality_code, now)
        return {"seasonId": season.id, "allocatedAt": utc_text(now), "results": results}

    return create_once(call, create, now)


HANDLERS: dict[str, Handler] = {
    "listSeasons": list_seasons,
    "getSeason": get_season,
    "createSeasonApplication": create_season_application,
    "listSeasonApplications": list_season_applications,
    "getSeasonApplication": get_season_application,
    "allocateSeason": allocate_season,
}


def _priced_minutes(length: timedelta, settings: Settings) -> int:
    """The minutes a season booking is priced for: its length, as BOOK-006 prices every booking."""
    minutes = length // timedelta(minutes=1)
    if settings.fault_active("season-bookings-priced-per-started-hour"):
        return -(-minutes // 60) * 60
    return minutes
