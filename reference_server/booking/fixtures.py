"""The booking-side parts of POST /test/fixtures: a unit's booking terms, blocked periods and
activities, and seasons. Like the rest of the fixtures they are only planned here (rows and
errors with JSON pointers); fixtures.py writes everything or nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

import spec
from reference_server.booking.terms import terms_from_input, terms_row
from reference_server.discovery import taxonomy
from reference_server.problems import FieldError
from reference_server.storage import activities, blocked_periods, booking_terms, seasons
from reference_server.timestamps import EARLIEST_DATE, LATEST_DATE, parse_instant

Rows = list[tuple[sa.Table, dict[str, Any]]]
RefAssigner = Callable[[str, str], str]  # (ref, pointer) -> id
MAX_SEASON_DAYS = 366


def _interval(data: dict[str, Any], pointer: str, errors: list[FieldError]) -> tuple[datetime, datetime] | None:
    try:
        start, end = parse_instant(data["start"]), parse_instant(data["end"])
    except ValueError as exc:
        errors.append(FieldError("body", str(exc), pointer=f"{pointer}/start"))
        return None
    if end <= start:
        errors.append(FieldError("body", "end must be later than start", pointer=f"{pointer}/end"))
        return None
    return start, end


def unit_extras(
    unit: dict[str, Any], unit_id: str, pointer: str, now: datetime, assign: RefAssigner, release: spec.Release
) -> tuple[Rows, list[FieldError]]:
    """Rows for a unit's bookingTerms, blockedPeriods and activities."""
    rows: Rows = []
    errors: list[FieldError] = []
    if "bookingTerms" in unit:
        data = unit["bookingTerms"]
        categories = [p["customerCategory"] for p in data.get("prices", [])]
        for i, category in enumerate(categories):
            if category in categories[:i]:
                errors.append(
                    FieldError("body", f"{category} already has a price", pointer=f"{pointer}/bookingTerms/prices/{i}")
                )
        rows.append((booking_terms, terms_row(unit_id, terms_from_input(data))))
    for i, period in enumerate(unit.get("blockedPeriods", [])):
        interval = _interval(period, f"{pointer}/blockedPeriods/{i}", errors)
        if interval is not None:
            rows.append(
                (
                    blocked_periods,
                    {
                        "id": str(uuid.uuid4()),
                        "unit_id": unit_id,
                        "start_at": interval[0],
                        "end_at": interval[1],
                        "reason": period.get("reason"),
                    },
                )
            )
    for i, activity in enumerate(unit.get("activities", [])):
        at = f"{pointer}/activities/{i}"
        activity_id = assign(activity["ref"], at)
        if activity["activityType"] not in taxonomy.known_ids(release):
            errors.append(
                FieldError(
                    "body",
                    f"'{activity['activityType']}' is not an activity type of the taxonomy",
                    pointer=f"{at}/activityType",
                )
            )
        interval = _interval(activity, at, errors)
        if interval is not None:
            rows.append(
                (
                    activities,
                    {
                        "id": activity_id,
                        "unit_id": unit_id,
                        "name": activity["name"],
                        "activity_type": activity["activityType"],
                        "start_at": interval[0],
                        "end_at": interval[1],
                        "capacity": activity["capacity"],
                        "created_at": now,
                        "updated_at": now,
                    },
                )
            )
    return rows, errors


def season(data: dict[str, Any], pointer: str, now: datetime, assign: RefAssigner) -> tuple[Rows, list[FieldError]]:
    """The row of one season of POST /test/fixtures."""
    errors: list[FieldError] = []
    season_id = assign(data["ref"], pointer)
    first, last = date.fromisoformat(data["startDate"]), date.fromisoformat(data["endDate"])
    if not EARLIEST_DATE <= first <= LATEST_DATE - timedelta(days=MAX_SEASON_DAYS):
        errors.append(
            FieldError("body", f"must be from {EARLIEST_DATE} to {LATEST_DATE}", pointer=f"{pointer}/startDate")
        )
    if not 0 <= (last - first).days <= MAX_SEASON_DAYS:
        errors.append(
            FieldError(
                "body", f"must be from startDate to {MAX_SEASON_DAYS} days after it", pointer=f"{pointer}/endDate"
            )
        )
    try:
        deadline = parse_instant(data["applicationDeadline"])
    except ValueError as exc:
        errors.append(FieldError("body", str(exc), pointer=f"{pointer}/applicationDeadline"))
        return [], errors
    row = {
        "id": season_id,
        "municipality_code": data["municipalityCode"],
        "name": data["name"],
        "start_date": first.isoformat(),
        "end_date": last.isoformat(),
        "application_deadline": deadline,
        "allocated_at": None,
        "created_at": now,
        "updated_at": now,
    }
    return [(seasons, row)], errors
