"""Injectable faults of the season-allocation class, gathered and explained by `reference_server/faults.py`."""

from __future__ import annotations

FAULTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "season-allocation-ignores-priority",
        ("SEAS-003",),
        "The allocation serves applications first come, first served, ignoring that youth activity goes first.",
    ),
    (
        "season-occurrences-in-utc",
        ("SEAS-004",),
        "Weekly season times are read as standard time (+01:00) all year, so summer-time bookings start an hour late.",
    ),
    (
        "season-bookings-priced-per-started-hour",
        ("SEAS-004",),
        "Bookings made by the season allocation are priced per started hour: a granted 90-minute slot costs two "
        "hours, where BOOK-006 prices the minutes.",
    ),
    (
        "season-deadline-ignored",
        ("SEAS-002",),
        "Season applications are accepted after the application deadline.",
    ),
    (
        "season-never-closes",
        ("SEAS-001",),
        "A season's status is only changed by the allocation: it still shows open after the application deadline.",
    ),
    (
        "season-allocation-any-municipality",
        ("SEAS-005",),
        "The allocation checks the caller's role but not their municipality: any municipality's facility "
        "administrator can allocate the season.",
    ),
    (
        "season-application-idempotency-ignored",
        ("SEAS-006",),
        "Season applications never look at their Idempotency-Key: a retried application is a second application.",
    ),
)
