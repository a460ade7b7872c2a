"""Facility and organisation search: the filters of GET /facilities and GET /organisations.

Filters that the database can answer identically on SQLite and PostgreSQL (municipality, ownership,
organisation type) run there; the rest run here, where their meaning is exact and the same on both
databases: Unicode case folding for `q`, the activity taxonomy, the great-circle distance and the
opening hours in Europe/Stockholm. All filters combine with AND.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import spec
from reference_server.discovery import opening_hours
from reference_server.discovery.facilities import Facility
from reference_server.discovery.organisations import Organisation
from reference_server.name_order import code_point_key, name_key
from reference_server.settings import Settings

EARTH_RADIUS_M = 6371008.8  # mean Earth radius (IUGG), the sphere the distances are measured on


@dataclass(frozen=True)
class FacilityQuery:
    activity_type: str | None = None
    near: tuple[float, float] | None = None
    radius_m: float = 5000.0
    open_at: datetime | None = None
    accessibility: tuple[str, ...] = ()
    q: str | None = None
    min_capacity: int | None = None


@dataclass(frozen=True)
class Hit:
    facility: Facility
    distance_m: float | None = field(default=None)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance by the haversine formula."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _wanted_types(activity_type: str, settings: Settings) -> frozenset[str]:
    if settings.fault_active("activity-type-ignores-narrower"):
        return frozenset({activity_type})
    return spec.narrower_or_same(activity_type, settings.release)


def _text_matches(q: str, texts: list[str | None], settings: Settings) -> bool:
    if settings.fault_active("search-case-sensitive"):
        return any(q in t for t in texts if t)
    # casefold, not lower: it also folds ß and the like, and å/ä/ö fold like any letter.
    needle = q.casefold()
    return any(needle in t.casefold() for t in texts if t)


def _has_accessibility(wanted: tuple[str, ...], present: list[str], settings: Settings) -> bool:
    """Every listed feature must be there: a wheelchair user asking for a step-free entrance and an
    accessible toilet is not helped by a facility with only one of them."""
    if wanted and settings.fault_active("accessibility-any-feature"):
        return bool(set(wanted) & set(present))  # read like a tag filter: any of the features will do
    return set(wanted) <= set(present)


UNLIMITED = 10**9  # what a unit that states no capacity takes, read the faulty way


def _holds(facility: Facility, people: int, settings: Settings) -> bool:
    """Whether one unit takes `people`: a group books one hall, so two halls of 20 do not hold 30."""
    unstated = UNLIMITED if settings.fault_active("min-capacity-unstated-is-unlimited") else 0
    capacities = [unit.capacity if unit.capacity is not None else unstated for unit in facility.units]
    if settings.fault_active("min-capacity-sums-units"):
        return sum(capacities) >= people  # the facility's total, as if every hall could be booked as one
    return any(capacity >= people for capacity in capacities)


def _offered_types(facility: Facility) -> set[str]:
    offered = set(facility.activity_types)
    for unit in facility.units:
        offered.update(unit.activity_types)
    return offered


def _by_name(settings: Settings) -> Callable[[str], tuple[float, ...]]:
    # With the fault, names are compared as plain strings, as a default sort or an SQL ORDER BY does.
    return code_point_key if settings.fault_active("names-ordered-by-code-point") else name_key


def search_facilities(candidates: list[Facility], query: FacilityQuery, settings: Settings) -> list[Hit]:
    """The matching facilities in the order of the listing: by distance with `near`, else by name; then id."""
    hits: list[Hit] = []
    wanted = _wanted_types(query.activity_type, settings) if query.activity_type else None
    for facility in candidates:
        if wanted is not None and not wanted & _offered_types(facility):
            continue
        if not _has_accessibility(query.accessibility, facility.accessibility, settings):
            continue
        if query.min_capacity is not None and not _holds(facility, query.min_capacity, settings):
            continue
        if query.q is not None and not _text_matches(
            query.q, [facility.name, facility.description, facility.address.get("city")], settings
        ):
            continue
        if query.open_at is not None and not opening_hours.is_open_at(facility.opening_hours, query.open_at, settings):
            continue
        distance = None
        if query.near is not None:
            distance = distance_m(query.near, (facility.latitude, facility.longitude))
            if distance > query.radius_m and not settings.fault_active("radius-ignored"):
                continue
        hits.append(Hit(facility, distance))
    if query.near is not None:
        hits.sort(key=lambda h: (h.distance_m, h.facility.id))
    else:
        key = _by_name(settings)
        hits.sort(key=lambda h: (key(h.facility.name), h.facility.id))
    return hits


def search_organisations(
    candidates: list[Organisation], *, activity_type: str | None, q: str | None, settings: Settings
) -> list[Organisation]:
    """Matching organisations by name, then id; `q` looks at the name, the only free text they have."""
    wanted = _wanted_types(activity_type, settings) if activity_type else None
    found = [
        o
        for o in candidates
        if (wanted is None or wanted & set(o.activity_types)) and (q is None or _text_matches(q, [o.name], settings))
    ]
    key = _by_name(settings)
    return sorted(found, key=lambda o: (key(o.name), o.id))
