"""The organisations registry (föreningsregister): organisations, persons and who represents whom.

The public part (an organisation) holds no personal data. Representatives are personal data:
they are only read through `load_representatives` for callers the discovery handler has
authorised, and their personnummer is masked in every response.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reference_server.name_order import name_key
from reference_server.rows import record
from reference_server.settings import Settings
from reference_server.storage import organisations, persons, representatives
from reference_server.timestamps import record_timestamp


@dataclass(frozen=True)
class Organisation:
    id: str
    name: str
    organisation_number: str
    type: str
    municipality_code: str
    activity_types: list[str]
    email: str | None
    website: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Representative:
    person_id: str
    given_name: str
    family_name: str
    role: str
    email: str | None
    phone: str | None
    personal_identity_number: str


def load_organisations(
    conn: Connection, *, municipality_code: str | None = None, organisation_type: str | None = None
) -> list[Organisation]:
    query = sa.select(organisations)
    if municipality_code is not None:
        query = query.where(organisations.c.municipality_code == municipality_code)
    if organisation_type is not None:
        query = query.where(organisations.c.type == organisation_type)
    return [record(Organisation, row) for row in conn.execute(query)]


def load_organisation(conn: Connection, organisation_id: str) -> Organisation | None:
    row = conn.execute(sa.select(organisations).where(organisations.c.id == organisation_id)).first()
    return None if row is None else record(Organisation, row)


def load_representatives(conn: Connection, organisation_id: str) -> list[Representative]:
    """Ordered by family name, given name, then person id (and the registered order for a tie)."""
    query = (
        sa.select(representatives.c.role, persons)
        .join(persons, persons.c.id == representatives.c.person_id)
        .where(representatives.c.organisation_id == organisation_id)
        .order_by(representatives.c.position)
    )
    found = [record(Representative, row, person_id=row.id) for row in conn.execute(query)]
    # Sorted here, not in SQL, so that both databases order names the same way (name_order.py).
    return sorted(found, key=lambda r: (name_key(r.family_name), name_key(r.given_name), r.person_id))


def person_exists(conn: Connection, person_id: str) -> bool:
    return conn.execute(sa.select(persons.c.id).where(persons.c.id == person_id)).first() is not None


def mask(personal_identity_number: str) -> str:
    """YYYYMMDD-****: the date of birth stays readable, the digits that identify the person do not."""
    return f"{personal_identity_number[:8]}-****"


def organisation_json(organisation: Organisation, settings: Settings) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": organisation.id,
        "name": organisation.name,
        "organisationNumber": organisation.organisation_number,
        "type": organisation.type,
        "municipalityCode": organisation.municipality_code,
        "activityTypes": organisation.activity_types,
    }
    if organisation.email is not None:
        body["email"] = organisation.email
    if organisation.website is not None:
        body["website"] = organisation.website
    body |= {
        "createdAt": record_timestamp(organisation.created_at, settings),
        "updatedAt": record_timestamp(organisation.updated_at, settings),
    }
    return body


def representative_json(representative: Representative, settings: Settings) -> dict[str, Any]:
    body: dict[str, Any] = {
        "personId": representative.person_id,
        "givenName": representative.given_name,
        "familyName": representative.family_name,
        "role": representative.role,
    }
    if representative.email is not None:
        body["email"] = representative.email
    if representative.phone is not None:
        body["phone"] = representative.phone
    if settings.fault_active("unmasked-personnummer"):
        body["personalIdentityNumber"] = representative.personal_identity_number
    else:
        body["personalIdentityNumber"] = mask(representative.personal_identity_number)
    return body
