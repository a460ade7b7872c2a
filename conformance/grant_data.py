"""Seeded data for the grants and attendance checks, and the harness's own reading of deadlines.

Every check works in a municipality of its own (chosen from the 290 by the check's position), so
that registers, lists and payout batches hold exactly what that check created, whatever ran
before it. Persons are generated with the birth year and legal sex a rule boundary needs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from conformance.context import CheckContext
from conformance.dataset import luhn_digit, organisation_number
from spec.reference_data import grant_rule_sets, municipalities

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# The discovery data set uses these; grant checks stay out of them.
_TAKEN = {"0180", "0380", "1480", "2480"}
GRANT_ROLES = ("chair", "treasurer", "grant-contact")


def municipality(index: int) -> str:
    """A kommunkod of its own for the check numbered `index`."""
    codes = [c for c in sorted(municipalities()) if c not in _TAKEN]
    return codes[(index * 7) % len(codes)]


def person_number(rng: random.Random, born: date, sex: str | None = None, coordination: bool = False) -> str:
    """A valid personnummer (or samordningsnummer, day + 60) for a birth date and legal sex."""
    day = born.day + (60 if coordination else 0)
    serial = rng.randint(0, 99)
    third = rng.randint(0, 9)
    if sex is not None:
        third = (third // 2) * 2 + (1 if sex == "male" else 0)
    body = f"{born:%y%m}{day:02d}{serial:02d}{third}"
    return f"{born:%Y}"[:2] + body + str(luhn_digit(body))


def deadline_instant(deadline_day: date) -> datetime:
    """The last second of a deadline day in Stockholm, in UTC (the harness's reading of GRANT-004)."""
    end = datetime.combine(deadline_day + timedelta(days=1), time(0, 0), STOCKHOLM)
    return end.astimezone(UTC) - timedelta(seconds=1)


def utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class GrantWorld:
    """One check's municipality: organisations with representatives, programmes, and the ids."""

    code: str
    ids: dict[str, str] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)  # person ref → personnummer
    org_numbers: dict[str, str] = field(default_factory=dict)  # organisation ref → organisationsnummer
    emails: list[str] = field(default_factory=list)

    def rep(self, ctx: CheckContext, org: str, role: str = "chair") -> Any:
        """A client for organisation `org`'s representative in `role`."""
        return ctx.as_persona(
            "organisation-representative", personId=self.ids[f"{org}-{role}"], organisationId=self.ids[org], role=role
        )

    def officer(self, ctx: CheckContext, code: str | None = None) -> Any:
        return ctx.as_persona("case-officer", municipalityCode=code or self.code)


def programme_fixture(ref: str, code: str, rule_set: str = "lok-stod", kind: str = "activity") -> dict[str, Any]:
    rules = grant_rule_sets()[rule_set]
    return {
        "ref": ref,
        "name": f"{rules['name']['sv']} {ref}",
        "kind": kind,
        "municipalityCode": code,
        "rules": rules["rules"],
    }


def build_world(
    ctx: CheckContext,
    index: int,
    organisations: tuple[str, ...] = ("a", "b"),
    programmes: dict[str, str] | None = None,
    roles: tuple[str, ...] = ("chair", "booking-contact", "secretary", "treasurer", "grant-contact"),
) -> GrantWorld:
    """Create organisations (each with a representative in every role) and programmes in one municipality."""
    rng = ctx.random
    world = GrantWorld(code=municipality(index))
    persons, orgs = [], []
    for org in organisations:
        reps = []
        for role in roles:
            ref = f"{org}-{role}"
            number = person_number(rng, date(rng.randint(1960, 1995), rng.randint(1, 12), rng.randint(1, 28)))
            world.numbers[ref] = number
            email = f"{ref}.{rng.randint(10000, 99999)}@example.org"
            world.emails.append(email)
            persons.append(
                {
                    "ref": ref,
                    "personalIdentityNumber": number,
                    "givenName": "Märta",
                    "familyName": "Åkesson",
                    "email": email,
                }
            )
            reps.append({"personRef": ref, "role": role})
        world.org_numbers[org] = organisation_number(rng)
        orgs.append(
            {
                "ref": org,
                "name": f"Föreningen {org.upper()} i {world.code}",
                "organisationNumber": world.org_numbers[org],
                "type": "association",
                "municipalityCode": world.code,
                "representatives": reps,
            }
        )
    fixtures = [
        programme_fixture(ref, world.code, rule_set) for ref, rule_set in (programmes or {"lok": "lok-stod"}).items()
    ]
    world.ids = ctx.test.fixtures({"persons": persons, "organisations": orgs, "grantProgrammes": fixtures})
    return world
