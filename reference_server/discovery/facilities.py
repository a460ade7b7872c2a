"""Facilities (anläggningar) and their bookable units: reading them from storage and their API form.

Units are always ordered by name (name_order.py), then id, both embedded in a facility and in
GET /facilities/{id}/units, so the two views of the same units agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reference_server.discovery import opening_hours
from reference_server.name_order import name_key
from reference_server.rows import record
from reference_server.settings import Settings
from reference_server.storage import facilities, units
from reference_server.timestamps import record_timestamp


@dataclass(frozen=True)
class Unit:
    id: str
    facility_id: str
    name: str
    description: str | None
    activity_types: list[str]
    accessibility: list[str]
    amenities: list[str]
    capacity: int | None
    area_square_meters: float | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Facility:
    id: str
    name: str
    description: str | None
    municipality_code: str
    address: dict[str, str]
    latitude: float
    longitude: float
    ownership: str
    accessibility: list[str]
    amenities: list[str]
    activity_types: list[str]
    opening_hours: dict[str, Any]
    units: tuple[Unit, ...]
    created_at: datetime
    updated_at: datetime


def load_facilities(
    conn: Connection, *, municipality_code: str | None = None, ownership: str | None = None
) -> list[Facility]:
    """Facilities with their units, narrowed by the filters the database can apply itself."""
    conditions = []
    if municipality_code is not None:
        conditions.append(facilities.c.municipality_code == municipality_code)
    if ownership is not None:
        conditions.append(facilities.c.ownership == ownership)
    rows = conn.execute(sa.select(facilities).where(*conditions)).all()
    chosen = sa.select(facilities.c.id).where(*conditions)
    by_facility: dict[str, list[Unit]] = {}
    unit_rows = conn.execute(sa.select(units).where(units.c.facility_id.in_(chosen)))
    for unit_row in unit_rows:
        by_facility.setdefault(unit_row.facility_id, []).append(record(Unit, unit_row))
    return [record(Facility, row, units=_ordered(by_facility.get(row.id, []))) for row in rows]


def load_facility(conn: Connection, facility_id: str) -> Facility | None:
    row = conn.execute(sa.select(facilities).where(facilities.c.id == facility_id)).first()
    if row is None:
        return None
    unit_rows = conn.execute(sa.select(units).where(units.c.facility_id == facility_id))
    return record(Facility, row, units=_ordered([record(Unit, r) for r in unit_rows]))


def _ordered(found: list[Unit]) -> tuple[Unit, ...]:
    return tuple(sorted(found, key=lambda unit: (name_key(unit.name), unit.id)))


def load_unit(conn: Connection, unit_id: str) -> Unit | None:
    row = conn.execute(sa.select(units).where(units.c.id == unit_id)).first()
    return None if row is None else record(Unit, row)


def _number(value: float) -> float | int:
    """A stored double as JSON: 800 given comes back as 800, not 800.0."""
    return int(value) if value.is_integer() else value


def unit_json(unit: Unit, settings: Settings) -> dict[str, Any]:
    body: dict[str, Any] = {"id": unit.id}
    if not settings.fault_active("missing-unit-facility-id"):
        body["facilityId"] = unit.facility_id
    body["name"] = unit.name
    if unit.description is not None:
        body["description"] = unit.description
    body |= {
        "activityTypes": unit.activity_types,
        "accessibility": unit.accessibility,
        "amenities": unit.amenities,
    }
    if unit.capacity is not None:
        body["capacity"] = unit.capacity
    if unit.area_square_meters is not None:
        body["areaSquareMeters"] = _number(unit.area_square_meters)
    body |= {
        "createdAt": record_timestamp(unit.created_at, settings),
        "updatedAt": record_timestamp(unit.updated_at, settings),
    }
    return body


def facility_json(facility: Facility, settings: Settings, *, distance_meters: float | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"id": facility.id, "name": facility.name}
    if facility.description is not None:
        body["description"] = facility.description
    body |= {
        "municipalityCode": facility.municipality_code,
        "address": facility.address,
        "position": {"latitude": _number(facility.latitude), "longitude": _number(facility.longitude)},
        "ownership": facility.ownership,
        "accessibility": facility.accessibility,
        "amenities": facility.amenities,
        "activityTypes": facility.activity_types,
        "openingHours": opening_hours.representation(facility.opening_hours),
        "units": [unit_json(u, settings) for u in facility.units],
    }
    if distance_meters is not None:
        body["distanceMeters"] = round(distance_meters, 1)
    body |= {
        "createdAt": record_timestamp(facility.created_at, settings),
        "updatedAt": record_timestamp(facility.updated_at, settings),
    }
    return body
