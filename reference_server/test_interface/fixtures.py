"""POST /test/fixtures: checking a fixture set and writing it, all of it or nothing.

The schema has already checked each entity's shape. What it cannot check is done here: refs unique
across the whole request, each `personRef` naming a person of the same request, activity types
that exist in the taxonomy, and opening hours that make sense. Every such error is reported with
a JSON pointer into the request, and then nothing is written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reference_server import problems
from reference_server.booking import fixtures as booking_fixtures
from reference_server.discovery import opening_hours, taxonomy
from reference_server.grants import fixtures as grant_fixtures
from reference_server.problems import FieldError
from reference_server.settings import Settings
from reference_server.storage import DATA_TABLES, Storage, facilities, organisations, persons, representatives, units
from spec.identifiers import organisation_number_error, personal_identity_number_error

_PARENTS_FIRST = tuple(reversed(DATA_TABLES))
# Fixture members that hold data of one optional conformance class: a server that does not implement
# the class cannot create them as given (TEST-002), so they are refused (TEST-003).
_CLASS_OF_MEMBER = {"seasons": "season-allocation", "grantProgrammes": "grants"}
_CLASS_OF_UNIT_MEMBER = {"bookingTerms": "booking", "blockedPeriods": "booking", "activities": "activities"}


def _holds(container: dict[str, Any], member: str) -> bool:
    """Whether `member` is given with something in it (an empty list creates nothing)."""
    return container.get(member) not in (None, [])


@dataclass
class _Entity:
    """One top-level entity of the request (with its representatives or units) and what it would write."""

    errors: list[FieldError] = field(default_factory=list)
    rows: list[tuple[sa.Table, dict[str, Any]]] = field(default_factory=list)


class _Planner:
    def __init__(self, payload: dict[str, Any], now: datetime, settings: Settings) -> None:
        self.payload = payload
        self.now = now
        self.settings = settings
        self.ids: dict[str, str] = {}
        self.ref_pointers: dict[str, str] = {}
        self.person_refs = {p["ref"] for p in payload.get("persons", [])}

    def _text(self, value: str | None) -> str | None:
        """Text as stored: exactly as given, or squeezed through Latin-1 under non-latin1-text-mangled."""
        if value is None or not self.settings.fault_active("non-latin1-text-mangled"):
            return value
        return value.encode("latin-1", "replace").decode("latin-1")

    def _ref(self, entity: _Entity, ref: str, pointer: str, given_id: str | None = None) -> str:
        if ref in self.ref_pointers:
            entity.errors.append(
                FieldError(
                    "body",
                    f"ref '{ref}' is already used at {self.ref_pointers[ref]}/ref",
                    pointer=f"{pointer}/ref",
                )
            )
            return str(uuid.uuid4())
        self.ref_pointers[ref] = pointer
        # A given id only reaches here under server-owned-field-writable (validation refuses it).
        self.ids[ref] = given_id or str(uuid.uuid4())
        return self.ids[ref]

    def _activity_types(self, entity: _Entity, values: list[str], pointer: str) -> None:
        for i, value in enumerate(values):
            if value not in taxonomy.known_ids(self.settings.release):
                entity.errors.append(
                    FieldError(
                        "body",
                        f"'{value}' is not an activity type of the taxonomy",
                        pointer=f"{pointer}/activityTypes/{i}",
                    )
                )

    def _stamped(self, row: dict[str, Any]) -> dict[str, Any]:
        return {**row, "created_at": self.now, "updated_at": self.now}

    def _identifier(self, entity: _Entity, error: str | None, pointer: str) -> None:
        if error is not None and not self.settings.fault_active("fixture-identifiers-unchecked"):
            entity.errors.append(FieldError("body", error, pointer=pointer))

    def person(self, data: dict[str, Any], pointer: str) -> _Entity:
        entity = _Entity()
        person_id = self._ref(entity, data["ref"], pointer)
        number = data["personalIdentityNumber"]
        self._identifier(entity, personal_identity_number_error(number), f"{pointer}/personalIdentityNumber")
        entity.rows.append(
            (
                persons,
                self._stamped(
                    {
                        "id": person_id,
                        "personal_identity_number": data["personalIdentityNumber"],
                        "given_name": data["givenName"],
                        "family_name": data["familyName"],
                        "email": data.get("email"),
                        "phone": data.get("phone"),
                    }
                ),
            )
        )
        return entity

    def organisation(self, data: dict[str, Any], pointer: str) -> _Entity:
        entity = _Entity()
        organisation_id = self._ref(entity, data["ref"], pointer)
        self._activity_types(entity, data.get("activityTypes", []), pointer)
        number = data["organisationNumber"]
        self._identifier(entity, organisation_number_error(number), f"{pointer}/organisationNumber")
        entity.rows.append(
            (
                organisations,
                self._stamped(
                    {
                        "id": organisation_id,
                        "name": data["name"],
                        "organisation_number": data["organisationNumber"],
                        "type": data["type"],
                        "municipality_code": data["municipalityCode"],
                        "activity_types": data.get("activityTypes", []),
                        "email": data.get("email"),
                        "website": data.get("website"),
                    }
                ),
            )
        )
        for i, representative in enumerate(data.get("representatives", [])):
            person_ref = representative["personRef"]
            if person_ref not in self.person_refs:
                entity.errors.append(
                    FieldError(
                        "body",
                        f"personRef '{person_ref}' names no person of this request",
                        pointer=f"{pointer}/representatives/{i}/personRef",
                    )
                )
                continue
            entity.rows.append(
                (
                    representatives,
                    {
                        "organisation_id": organisation_id,
                        "position": i,
                        "person_id": self.ids[person_ref],
                        "role": representative["role"],
                    },
                )
            )
        return entity

    def facility(self, data: dict[str, Any], pointer: str) -> _Entity:
        entity = _Entity()
        facility_id = self._ref(entity, data["ref"], pointer, data.get("id"))
        self._activity_types(entity, data.get("activityTypes", []), pointer)
        entity.errors.extend(
            FieldError("body", detail, pointer=at)
            for at, detail in opening_hours.input_errors(data["openingHours"], f"{pointer}/openingHours", self.settings)
        )
        entity.rows.append(
            (
                facilities,
                self._stamped(
                    {
                        "id": facility_id,
                        "name": self._text(data["name"]),
                        "description": self._text(data.get("description")),
                        "municipality_code": data["municipalityCode"],
                        "ownership": data["ownership"],
                        "latitude": data["position"]["latitude"],
                        "longitude": data["position"]["longitude"],
                        "address": data["address"],
                        "accessibility": data.get("accessibility", []),
                        "amenities": data.get("amenities", []),
                        "activity_types": data.get("activityTypes", []),
                        "opening_hours": opening_hours.stored_form(data["openingHours"]),
                    }
                ),
            )
        )
        for i, unit in enumerate(data.get("units", [])):
            at = f"{pointer}/units/{i}"
            unit_id = self._ref(entity, unit["ref"], at)
            self._activity_types(entity, unit.get("activityTypes", []), at)
            entity.rows.append(
                (
                    units,
                    self._stamped(
                        {
                            "id": unit_id,
                            "facility_id": facility_id,
                            "name": unit["name"],
                            "description": unit.get("description"),
                            "activity_types": unit.get("activityTypes", []),
                            "accessibility": unit.get("accessibility", []),
                            "amenities": unit.get("amenities", []),
                            "capacity": unit.get("capacity"),
                            "area_square_meters": unit.get("areaSquareMeters"),
                        }
                    ),
                )
            )
            extra_rows, extra_errors = booking_fixtures.unit_extras(
                unit, unit_id, at, self.now, lambda ref, where: self._ref(entity, ref, where), self.settings.release
            )
            entity.rows.extend(extra_rows)
            entity.errors.extend(extra_errors)
        return entity

    def grant_programme(self, data: dict[str, Any], pointer: str) -> _Entity:
        entity = _Entity()
        rows, errors = grant_fixtures.programme(
            data, pointer, self.now, lambda ref, where: self._ref(entity, ref, where), self.settings
        )
        entity.rows.extend(rows)
        entity.errors.extend(errors)
        return entity

    def unimplemented(self) -> _Entity:
        """The members of classes this server does not implement, each an error naming it."""
        entity = _Entity()
        if self.settings.fault_active("fixtures-of-unimplemented-classes-ignored"):
            return entity  # accepted, stored and never seen again
        found = [(f"/{name}", cls) for name, cls in _CLASS_OF_MEMBER.items() if _holds(self.payload, name)]
        for i, facility in enumerate(self.payload.get("facilities", [])):
            for j, unit in enumerate(facility.get("units", [])):
                found += [
                    (f"/facilities/{i}/units/{j}/{name}", cls)
                    for name, cls in _CLASS_OF_UNIT_MEMBER.items()
                    if _holds(unit, name)
                ]
        entity.errors += [
            FieldError("body", f"this server does not implement the conformance class {cls}", pointer=at)
            for at, cls in found
            if not self.settings.implements(cls)
        ]
        return entity

    def entities(self) -> list[_Entity]:
        """Persons first, so that every personRef can be resolved when organisations come."""
        planned = [self.person(p, f"/persons/{i}") for i, p in enumerate(self.payload.get("persons", []))]
        planned += [
            self.organisation(o, f"/organisations/{i}") for i, o in enumerate(self.payload.get("organisations", []))
        ]
        planned += [self.facility(f, f"/facilities/{i}") for i, f in enumerate(self.payload.get("facilities", []))]
        for i, data in enumerate(self.payload.get("seasons", [])):
            season = _Entity()
            rows, errors = booking_fixtures.season(data, f"/seasons/{i}", self.now, partial(self._ref, season))
            season.rows += rows
            season.errors += errors
            planned.append(season)
        planned += [
            self.grant_programme(g, f"/grantProgrammes/{i}")
            for i, g in enumerate(self.payload.get("grantProgrammes", []))
        ]
        return [self.unimplemented(), *planned]


def _insert(conn: Connection, entities: list[_Entity]) -> None:
    by_table: dict[sa.Table, list[dict[str, Any]]] = {table: [] for table in _PARENTS_FIRST}
    for entity in entities:
        for table, row in entity.rows:
            by_table[table].append(row)
    for table, rows in by_table.items():
        if rows:
            conn.execute(table.insert(), rows)


def create_fixtures(storage: Storage, payload: dict[str, Any], *, now: datetime, settings: Settings) -> dict[str, str]:
    """Create everything and return the id assigned to each ref, or raise a 400 and create nothing."""
    planner = _Planner(payload, now, settings)
    entities = planner.entities()
    errors = [error for entity in entities for error in entity.errors]
    if settings.fault_active("fixtures-not-atomic"):
        # One commit per entity, stopping at the first bad one: what came before it stays.
        for entity in entities:
            if entity.errors:
                break
            with storage.write() as conn:
                _insert(conn, [entity])
    elif not errors:
        with storage.write() as conn:
            _insert(conn, entities)
    if errors:
        raise problems.validation_error(errors)
    if settings.fault_active("fixture-ids-omit-units"):
        # The answer lists the top-level entities only; the units were created all the same.
        return {ref: id_ for ref, id_ in planner.ids.items() if "/units/" not in planner.ref_pointers[ref]}
    return planner.ids
