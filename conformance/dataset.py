"""Seeded test data for discovery checks, and the harness's own reading of what a server must answer.

The harness is the judge, so it computes expected answers itself (distances, opening hours, the
taxonomy) from the data it seeded — never by asking the server under test, never from our server.
Everything random comes from one `random.Random`, so a seed reproduces the same data set.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import spec
from conformance.personnummer import luhn_valid

STOCKHOLM = ZoneInfo("Europe/Stockholm")
EARTH_RADIUS_M = 6371008.8
RANDOM_FACILITIES = 22
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# (kommunkod, city, centre latitude, centre longitude)
MUNICIPALITIES = (
    ("0180", "Stockholm", 59.3326, 18.0649),
    ("0380", "Uppsala", 59.8586, 17.6389),
    ("1480", "Göteborg", 57.7089, 11.9746),
    ("2480", "Umeå", 63.8258, 20.2630),
)
NAME_STEMS = (
    "Ängby",
    "Östermalms",
    "Åby",
    "Backa",
    "Sörby",
    "Kvarnby",
    "Lövsta",
    "Granby",
    "Ekhagens",
    "Björkviks",
    "Tallbacka",
    "Strand",
    "Älvsjö",
    "Hagaby",
)
NAME_KINDS = ("sporthall", "idrottsplats", "simhall", "ishall", "bollhall", "föreningslokal", "ridhus", "aktivitetshus")
CLUB_KINDS = ("IF", "BK", "Ridklubb", "Simsällskap", "Dansförening")
STREETS = ("Storgatan", "Skolvägen", "Idrottsvägen", "Kyrkogatan", "Parkvägen", "Ängsvägen")
GIVEN = ("Åsa", "Örjan", "Märta", "Lars", "Fatima", "Jonas", "Elin", "Ahmed", "Karin", "Sven")
FAMILY = ("Öberg", "Åkesson", "Lindqvist", "Nilsson", "Hassan", "Ek", "Strand", "Berg")


def luhn_digit(digits: str) -> int:
    """The check digit that makes `digits` + it pass the Luhn check."""
    return next(d for d in range(10) if luhn_valid(f"{digits}{d}"))


def personnummer(rng: random.Random) -> str:
    """A valid 12-digit personnummer (Luhn over the last ten digits) of an adult."""
    born = date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
    body = born.strftime("%y%m%d") + f"{rng.randint(0, 999):03d}"
    return born.strftime("%Y")[:2] + body + str(luhn_digit(body))


def organisation_number(rng: random.Random) -> str:
    """A valid organisationsnummer of a non-profit association (leading 8, Luhn)."""
    body = "802" + f"{rng.randint(0, 999999):06d}"
    return body + str(luhn_digit(body))


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle (haversine) distance in metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def offset_position(centre: tuple[float, float], metres: float, bearing: float) -> tuple[float, float]:
    lat, lon = map(math.radians, centre)
    d = metres / EARTH_RADIUS_M
    lat2 = math.asin(math.sin(lat) * math.cos(d) + math.cos(lat) * math.sin(d) * math.cos(bearing))
    lon2 = lon + math.atan2(
        math.sin(bearing) * math.sin(d) * math.cos(lat), math.cos(d) - math.sin(lat) * math.sin(lat2)
    )
    return round(math.degrees(lat2), 6), round(math.degrees(lon2), 6)


def _hhmm(value: str) -> time:
    return time.max if value == "24:00" else time.fromisoformat(value)


def is_open(opening_hours: dict[str, Any], instant: datetime) -> bool:
    """Whether opening hours (local Europe/Stockholm) cover an instant: exceptions replace a date."""
    local = instant.astimezone(STOCKHOLM)
    today, now = local.date(), local.time().replace(tzinfo=None)
    for exc in opening_hours.get("exceptions", []):
        if exc["date"] == today.isoformat():
            return not exc["closed"] and _hhmm(exc["opens"]) <= now < _hhmm(exc["closes"])
    day = WEEKDAYS[today.weekday()]
    return any(w["day"] == day and _hhmm(w["opens"]) <= now < _hhmm(w["closes"]) for w in opening_hours["weekly"])


@dataclass
class DiscoveryData:
    """The fixture request for discovery checks, and what the harness knows about it."""

    body: dict[str, Any]
    release: spec.Release  # the taxonomy of this release decides which types a search matches
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def facilities(self) -> list[dict[str, Any]]:
        return list(self.body["facilities"])

    @property
    def organisations(self) -> list[dict[str, Any]]:
        return list(self.body["organisations"])

    def facility_ids(self, predicate: Any = None) -> set[str]:
        return {self.ids[f["ref"]] for f in self.facilities if predicate is None or predicate(f)}

    def offers(self, facility: dict[str, Any], type_id: str) -> bool:
        wanted = spec.narrower_or_same(type_id, self.release)
        offered = set(facility.get("activityTypes", []))
        for unit in facility.get("units", []):
            offered |= set(unit.get("activityTypes", []))
        return bool(wanted & offered)


def _opening_hours(rng: random.Random) -> dict[str, Any]:
    weekly = []
    for day in WEEKDAYS:
        if rng.random() < 0.85:
            opens = rng.choice(("06:00", "07:00", "08:00", "09:00"))
            closes = rng.choice(("18:00", "20:00", "21:30", "22:00", "24:00"))
            weekly.append({"day": day, "opens": opens, "closes": closes})
    return {"weekly": weekly, "exceptions": []}


def _enum(release: spec.Release, schema: str) -> list[str]:
    return list(spec.openapi(release)["components"]["schemas"][schema]["enum"])


UNMEASURED_FACILITY = 1  # its units have no capacity: no minCapacity matches it


def build_discovery_data(rng: random.Random, label: str, release: spec.Release = spec.WORKING) -> DiscoveryData:
    """A varied data set: facilities in several municipalities at known distances from each centre.

    Activity types, accessibility features and amenities are those of `release`, so a server of an
    earlier release is never sent a value only a later one knows.
    """
    leaf_types = [t["id"] for t in spec.activity_types(release) if t["parentId"] is not None]
    accessibility, amenities = _enum(release, "AccessibilityFeature"), _enum(release, "Amenity")
    persons = []
    for i in range(6):
        persons.append(
            {
                "ref": f"{label}-person-{i}",
                "personalIdentityNumber": personnummer(rng),
                "givenName": rng.choice(GIVEN),
                "familyName": rng.choice(FAMILY),
                "email": f"person{i}@example.org",
                "phone": f"+4670{rng.randint(1000000, 9999999)}",
            }
        )
        if i % 4 == 3:  # contact details are optional: some people give none
            del persons[-1]["email"], persons[-1]["phone"]
    organisations = []
    for i in range(6):
        code, city, *_ = MUNICIPALITIES[i % 3]
        organisations.append(
            {
                "ref": f"{label}-org-{i}",
                "name": f"{rng.choice(NAME_STEMS)} {rng.choice(CLUB_KINDS)} {i}",
                "organisationNumber": organisation_number(rng),
                "type": "association" if i % 3 else "company",
                "municipalityCode": code,
                "activityTypes": rng.sample(leaf_types, 2),
                "email": f"kansli{i}@example.org",
                "representatives": [
                    {"personRef": persons[i]["ref"], "role": "chair"},
                    {"personRef": persons[(i + 1) % len(persons)]["ref"], "role": "booking-contact"},
                ],
            }
        )
    facilities = []
    for i in range(RANDOM_FACILITIES):
        code, city, lat, lon = MUNICIPALITIES[i % 3]
        # Distances kept away from round radii so that a radius check never sits on a boundary.
        metres = rng.choice((300, 900, 1700, 2600, 4100, 6300, 8800, 12500)) * rng.uniform(0.97, 1.03)
        position = offset_position((lat, lon), metres, rng.uniform(0, 2 * math.pi))
        units = []
        for u in range(rng.randint(1, 3)):
            units.append(
                {
                    "ref": f"{label}-fac-{i}-unit-{u}",
                    "name": f"{rng.choice(('Hall', 'Sal', 'Bana', 'Plan', 'Rum'))} {chr(65 + u)}",
                    "activityTypes": rng.sample(leaf_types, rng.randint(1, 2)),
                    "accessibility": rng.sample(accessibility, rng.randint(0, 2)),
                    "amenities": rng.sample(amenities, rng.randint(0, 2)),
                    "capacity": rng.randint(10, 200),
                    "areaSquareMeters": rng.randint(40, 1200),
                }
            )
            if i == UNMEASURED_FACILITY:  # capacity is optional: a facility whose units state none
                del units[-1]["capacity"]
        facilities.append(
            {
                "ref": f"{label}-fac-{i}",
                "name": f"{rng.choice(NAME_STEMS)} {rng.choice(NAME_KINDS)} {i}",
                "description": rng.choice(("Nyrenoverad", "Med omklädningsrum", "Centralt belägen", "Nära skolan"))
                + ".",
                "municipalityCode": code,
                "address": {
                    "street": f"{rng.choice(STREETS)} {rng.randint(1, 90)}",
                    "postalCode": f"{rng.randint(100, 999)} {rng.randint(10, 99)}",
                    "city": city,
                },
                "position": {"latitude": position[0], "longitude": position[1]},
                "ownership": rng.choice(("owned", "rented")),
                "accessibility": rng.sample(accessibility, rng.randint(0, 3)),
                "amenities": rng.sample(amenities, rng.randint(0, 3)),
                "activityTypes": rng.sample(leaf_types, rng.randint(0, 1)),
                "openingHours": _opening_hours(rng),
                "units": units,
            }
        )
    facilities += special_facilities(label)
    return DiscoveryData(
        body={"persons": persons, "organisations": organisations, "facilities": facilities}, release=release
    )


# Instants whose answer differs between a correct server and the usual mistakes: local time across
# both daylight-saving changes of 2026 in Europe/Stockholm, and dates with exceptions.
DST_SPRING = datetime(2026, 3, 29, 4, 30, tzinfo=UTC)  # 06:30 CEST; 05:30 if read as +01:00
DST_AUTUMN = datetime(2026, 10, 25, 5, 30, tzinfo=UTC)  # 06:30 CET; 07:30 if read as +02:00
EXCEPTION_CLOSED_MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=STOCKHOLM)
EXCEPTION_OPEN_SUNDAY = datetime(2026, 12, 6, 11, 0, tzinfo=STOCKHOLM)
EXCEPTION_SHORT_MONDAY = datetime(2026, 12, 14, 13, 0, tzinfo=STOCKHOLM)
ORDINARY_MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=STOCKHOLM)


# Names that put a list "by name" (CORE-008) in a different order under each usual mistake: capitals before
# small letters (code-point order), Ä before Å, å sorted as a, and names equal but for case not ordered by id.
COLLATION_NAMES = (
    "backa bollplan",
    "Zinkens idrottsplats",
    "ZINKENS IDROTTSPLATS",
    "Åkersberga ishall",
    "Ängsö simhall",
)


def special_facilities(label: str) -> list[dict[str, Any]]:
    """Facilities built to tell right from wrong: DST, exceptions, taxonomy depth, å/ä/ö, name order."""
    code, city, lat, lon = MUNICIPALITIES[3]
    base = {
        "municipalityCode": code,
        "address": {"street": "Västra Esplanaden 1", "postalCode": "903 26", "city": city},
        "ownership": "owned",
        "accessibility": [],
        "amenities": [],
        "activityTypes": [],
    }
    return [
        {
            **base,
            "ref": f"{label}-dst",
            "name": "Sommartidens morgonsim",
            "position": {"latitude": lat + 0.01, "longitude": lon},
            "openingHours": {"weekly": [{"day": "sunday", "opens": "06:00", "closes": "07:00"}], "exceptions": []},
            "units": [{"ref": f"{label}-dst-unit", "name": "Bana 1", "activityTypes": ["lane-swimming"]}],
        },
        {
            **base,
            "ref": f"{label}-exceptions",
            "name": "Östra Ärlans föreningshus",
            "position": {"latitude": lat - 0.01, "longitude": lon},
            "openingHours": {
                "weekly": [{"day": "monday", "opens": "08:00", "closes": "20:00"}],
                "exceptions": [
                    {"date": "2026-12-07", "closed": True, "reason": "Stängt för underhåll"},
                    {"date": "2026-12-06", "closed": False, "opens": "10:00", "closes": "14:00", "reason": "Öppet hus"},
                    {"date": "2026-12-14", "closed": False, "opens": "08:00", "closes": "12:00"},
                ],
            },
            "units": [{"ref": f"{label}-exceptions-unit", "name": "Möteslokal", "activityTypes": ["meetings"]}],
        },
        {
            **base,
            "ref": f"{label}-futsal",
            "name": "ÄLVSBYNS FUTSALHALL",
            "position": {"latitude": lat, "longitude": lon + 0.02},
            "openingHours": {"weekly": [], "exceptions": []},
            "units": [{"ref": f"{label}-futsal-unit", "name": "Plan 1", "activityTypes": ["futsal"]}],
        },
        *(
            {
                **base,
                "ref": f"{label}-name-{i}",
                "name": name,
                "position": {"latitude": lat + 0.001 * (i + 1), "longitude": lon - 0.01},
                "openingHours": {"weekly": [], "exceptions": []},
                "units": [{"ref": f"{label}-name-{i}-unit", "name": "Hall", "activityTypes": ["floorball"]}],
            }
            for i, name in enumerate(COLLATION_NAMES)
        ),
    ]
