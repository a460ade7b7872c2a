"""Injectable faults of the discovery class, gathered and explained by `reference_server/faults.py`."""

from __future__ import annotations

FAULTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "representatives-readable-by-anyone-authenticated",
        ("DISC-014", "CORE-011", "CORE-022"),
        "Any authenticated caller may read any organisation's representatives (no 403).",
    ),
    (
        "min-capacity-sums-units",
        ("DISC-015",),
        "minCapacity compares the sum of a facility's unit capacities, so two halls of 20 match a group of 30.",
    ),
    (
        "min-capacity-unstated-is-unlimited",
        ("DISC-015",),
        "A unit that states no capacity is taken to hold any number: its facility matches every minCapacity.",
    ),
    (
        "radius-ignored",
        ("DISC-005",),
        "near/radius does not filter (distanceMeters is still given and results still sorted by distance).",
    ),
    (
        "openat-ignores-exceptions",
        ("DISC-006",),
        "openAt reads only the weekly hours, never the exceptions.",
    ),
    (
        "openat-in-utc",
        ("DISC-006",),
        "openAt compares opening hours with the UTC wall-clock time instead of Europe/Stockholm.",
    ),
    ("search-case-sensitive", ("DISC-008",), "Free-text search q is a case-sensitive substring match."),
    (
        "activity-type-ignores-narrower",
        ("DISC-004",),
        "The activityType filter matches only the exact type, not narrower ones in the taxonomy.",
    ),
    (
        "open-at-misses-opening-minute",
        ("DISC-006",),
        "openAt compares with opening times strictly: a facility opening at 08:00 is not found open at 08:00.",
    ),
    (
        "facility-list-without-units",
        ("DISC-001",),
        "GET /facilities never loads units: every listed facility has an empty units array "
        "(GET /facilities/{id} has them).",
    ),
    (
        "facility-list-needs-municipality",
        ("DISC-001",),
        "GET /facilities without municipalityCode answers 400 validation-error (the product was built for "
        "one municipality's portal at a time), so no client can list every facility.",
    ),
    (
        "municipality-filter-ignored",
        ("DISC-003",),
        "municipalityCode is accepted but ignored (a single-municipality installation): every facility is returned.",
    ),
    (
        "accessibility-any-feature",
        ("DISC-007",),
        "accessibility with several features returns facilities having any of them instead of all of them.",
    ),
    (
        "ownership-owned-not-filtered",
        ("DISC-009",),
        "Only ownership=rented filters; ownership=owned is taken for the default and also returns rented premises.",
    ),
    (
        "database-filter-skips-search-filters",
        ("DISC-010",),
        "With municipalityCode or ownership the search takes a database-only path, and activityType, openAt, "
        "accessibility, q and near are not applied.",
    ),
    (
        "unknown-activity-type-empty-result",
        ("DISC-011",),
        "An activityType that is not in the taxonomy gives 200 with no results instead of 400.",
    ),
    (
        "activity-types-without-parent",
        ("DISC-012", "CORE-003"),
        "GET /activity-types serves the taxonomy as a flat list: parentId is left out of every type.",
    ),
    (
        "organisation-type-filter-ignored",
        ("DISC-013",),
        "The type filter of GET /organisations is accepted but ignored: companies and associations all come back.",
    ),
    (
        "unknown-municipality-filter-matches-nothing",
        ("DISC-011",),
        "GET /facilities and GET /organisations take any four digits for municipalityCode: a code that is no "
        "municipality's simply finds nothing instead of giving 400.",
    ),
)
