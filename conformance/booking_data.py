"""Test data for the booking-side checks, and the harness's own reckoning of what a server must answer.

Each check builds its own venue (a facility with one unit, customers who may book it) through the
test interface, so checks never see each other's bookings and run in any order. Expected answers
(opening hours as UTC instants across daylight-saving changes, prices, fees, free time) are
computed here from the data the harness seeded — never by asking the server under test.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from conformance import dataset
from conformance.context import CheckContext
from conformance.expect import ensure, expect
from conformance.http import RecordingClient, Response

STOCKHOLM = ZoneInfo("Europe/Stockholm")
Interval = tuple[datetime, datetime]
EVERY_DAY = dataset.WEEKDAYS
CATEGORIES = ("association-youth", "association-adult", "private-person", "company")


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def local(day: date, hhmm: str) -> datetime:
    """Local Stockholm wall-clock time on a date as a UTC instant (`24:00` = next midnight)."""
    if hhmm == "24:00":
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=STOCKHOLM).astimezone(UTC)
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=STOCKHOLM).astimezone(UTC)


def slot(day: date, start: str, minutes: int) -> Interval:
    """`minutes` from local `start` on `day`: checks book by the wall clock, the API speaks UTC."""
    begin = local(day, start)
    return begin, begin + timedelta(minutes=minutes)


def every_day(opens: str, closes: str) -> dict[str, Any]:
    return {"weekly": [{"day": d, "opens": opens, "closes": closes} for d in EVERY_DAY], "exceptions": []}


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def expected_open(opening: dict[str, Any], first: date, last: date) -> list[Interval]:
    found = []
    day = first
    while day <= last:
        exception = next((e for e in opening.get("exceptions", []) if e["date"] == day.isoformat()), None)
        if exception is not None:
            hours = [] if exception["closed"] else [(exception["opens"], exception["closes"])]
        else:
            name = EVERY_DAY[day.weekday()]
            hours = [(w["opens"], w["closes"]) for w in opening["weekly"] if w["day"] == name]
        found += [(local(day, o), local(day, c)) for o, c in hours]
        day += timedelta(days=1)
    return merge(found)


def minus(intervals: Sequence[Interval], taken: Iterable[Interval]) -> list[Interval]:
    remaining = list(intervals)
    for cut_start, cut_end in merge(taken):
        pieces: list[Interval] = []
        for start, end in remaining:
            if cut_end <= start or end <= cut_start:
                pieces.append((start, end))
                continue
            if start < cut_start:
                pieces.append((start, cut_start))
            if cut_end < end:
                pieces.append((cut_end, end))
        remaining = pieces
    return remaining


def price(per_hour_ore: int, minutes: int) -> int:
    """per_hour × minutes / 60, to the nearest öre, halves up."""
    return (2 * per_hour_ore * minutes + 60) // 120


def share(amount_ore: int, percent: int) -> int:
    return (2 * amount_ore * percent + 100) // 200


def company_number(rng: random.Random) -> str:
    body = "556" + f"{rng.randint(0, 999999):06d}"
    return body + str(dataset.luhn_digit(body))


def idempotency_key(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass
class Venue:
    """One facility with one bookable unit, and customers created for one check."""

    ctx: CheckContext
    unit_id: str
    facility_id: str
    municipality_code: str
    opening: dict[str, Any]
    terms: dict[str, Any]
    blocked: list[dict[str, Any]]
    citizens: list[str]
    association_id: str
    association_reps: list[str]
    company_id: str
    company_rep: str
    extra: dict[str, str] = field(default_factory=dict)  # ids of further refs (activities…)

    def citizen(self, i: int = 0) -> RecordingClient:
        return self.ctx.as_persona("citizen", personId=self.citizens[i])

    def association(self, i: int = 0) -> RecordingClient:
        return self.ctx.as_persona(
            "organisation-representative",
            personId=self.association_reps[i],
            organisationId=self.association_id,
            role="booking-contact",
        )

    def company(self) -> RecordingClient:
        return self.ctx.as_persona(
            "organisation-representative", personId=self.company_rep, organisationId=self.company_id, role="chair"
        )

    def admin(self, municipality_code: str | None = None) -> RecordingClient:
        return self.ctx.as_persona(
            "facility-administrator", municipalityCode=municipality_code or self.municipality_code
        )

    def book(
        self,
        client: RecordingClient,
        start: datetime,
        end: datetime,
        category: str,
        *,
        confirm: bool = False,
        key: str | None = None,
        unit_id: str | None = None,
    ) -> Response:
        body: dict[str, Any] = {
            "unitId": unit_id or self.unit_id,
            "start": iso(start),
            "end": iso(end),
            "customerCategory": category,
        }
        if confirm:
            body["confirm"] = True
        return client.post("/bookings", json=body, headers={"Idempotency-Key": key or idempotency_key(self.ctx.random)})


def build_venue(
    ctx: CheckContext,
    *,
    opening: dict[str, Any] | None = None,
    terms: dict[str, Any] | None = None,
    blocked: Sequence[dict[str, Any]] = (),
    citizens: int = 2,
    representatives: int = 2,
    municipality_code: str = "0180",
    unit_extra: dict[str, Any] | None = None,
) -> Venue:
    """Create the venue and its customers in one fixture request."""
    rng = ctx.random
    label = f"v{rng.getrandbits(32):08x}"
    persons = [
        {
            "ref": f"{label}-p{i}",
            "personalIdentityNumber": dataset.personnummer(rng),
            "givenName": rng.choice(dataset.GIVEN),
            "familyName": rng.choice(dataset.FAMILY),
        }
        for i in range(citizens + representatives + 1)
    ]
    reps = persons[citizens : citizens + representatives]
    company_rep = persons[-1]
    opening = opening or every_day("06:00", "22:00")
    unit: dict[str, Any] = {
        "ref": f"{label}-unit",
        "name": f"Hall {label[-3:].upper()}",
        "activityTypes": ["floorball"],
    }
    if terms is not None:
        unit["bookingTerms"] = terms
    if blocked:
        unit["blockedPeriods"] = list(blocked)
    unit |= unit_extra or {}
    body = {
        "persons": persons,
        "organisations": [
            {
                "ref": f"{label}-assoc",
                "name": f"{rng.choice(dataset.NAME_STEMS)} IF {label[-4:]}",
                "organisationNumber": dataset.organisation_number(rng),
                "type": "association",
                "municipalityCode": municipality_code,
                "representatives": [{"personRef": p["ref"], "role": "booking-contact"} for p in reps],
            },
            {
                "ref": f"{label}-company",
                "name": f"{rng.choice(dataset.NAME_STEMS)} Event AB {label[-4:]}",
                "organisationNumber": company_number(rng),
                "type": "company",
                "municipalityCode": municipality_code,
                "representatives": [{"personRef": company_rep["ref"], "role": "chair"}],
            },
        ],
        "facilities": [
            {
                "ref": f"{label}-facility",
                "name": f"{rng.choice(dataset.NAME_STEMS)} sporthall {label[-4:]}",
                "municipalityCode": municipality_code,
                "address": {"street": "Idrottsvägen 1", "postalCode": "115 28", "city": "Stockholm"},
                "position": {"latitude": 59.33, "longitude": 18.06},
                "ownership": "owned",
                "openingHours": opening,
                "units": [unit],
            }
        ],
    }
    ids = ctx.test.fixtures(body)
    return Venue(
        ctx=ctx,
        unit_id=ids[unit["ref"]],
        facility_id=ids[f"{label}-facility"],
        municipality_code=municipality_code,
        opening=opening,
        terms=terms or {},
        blocked=list(blocked),
        citizens=[ids[p["ref"]] for p in persons[:citizens]],
        association_id=ids[f"{label}-assoc"],
        association_reps=[ids[p["ref"]] for p in reps],
        company_id=ids[f"{label}-company"],
        company_rep=ids[company_rep["ref"]],
        extra={ref: id_ for ref, id_ in ids.items()},
    )


def future_day(ctx: CheckContext, frozen_at: datetime, *, weekday: int | None = None) -> date:
    """A local date one to three weeks after `frozen_at` (on `weekday` if given), chosen by the seed."""
    day = frozen_at.astimezone(STOCKHOLM).date() + timedelta(days=7 + ctx.random.randint(0, 13))
    while weekday is not None and day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def base_clock(ctx: CheckContext) -> datetime:
    """A frozen 'now' for a check, at 09:00 UTC on a day in 2027 picked by the seed."""
    return datetime(2027, 1, 4, 9, 0, tzinfo=UTC) + timedelta(days=ctx.random.randint(0, 300))


def frozen_now(ctx: CheckContext) -> datetime:
    """Freeze the server clock at `base_clock` and return that instant, so that holds, deadlines and
    "the past" are exact whatever the wall clock does while the check runs."""
    now = base_clock(ctx)
    ctx.test.set_clock(now, frozen=True)
    return now


def idempotent_create(
    ctx: CheckContext, client: RecordingClient, path: str, body: dict[str, Any], other: dict[str, Any], what: str
) -> dict[str, Any]:
    """The Idempotency-Key rules every create on the booking side shares: without a key 400, a replay
    returns the first response, `other` body under the same key 422. Returns the first response's body:
    what the replays left behind is the caller's to judge, as each resource is listed its own way."""
    expect(client.post(path, json=body)).problem(400, "validation-error").names_parameter("Idempotency-Key")
    key = idempotency_key(ctx.random)
    first: dict[str, Any] = expect(client.post(path, json=body, headers={"Idempotency-Key": key})).status(201).json()
    again = client.post(path, json=body, headers={"Idempotency-Key": key})
    ensure(
        again.status_code == 201 and again.json() == first,
        f"a replay did not return the first {what}",
        expected=first,
        actual=again.text[:500],
        response=again,
    )
    expect(client.post(path, json=other, headers={"Idempotency-Key": key})).problem(422, "idempotency-key-reused")
    return first
