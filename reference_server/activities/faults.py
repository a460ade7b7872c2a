"""Injectable faults of the activities class, gathered and explained by `reference_server/faults.py`."""

from __future__ import annotations

FAULTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "activity-overbooked-under-concurrency",
        ("ACT-003",),
        "Places left are counted in one transaction and the registration written in another, without a lock: "
        "simultaneous registrations for the last place all get it.",
    ),
    (
        "waiting-list-skipped",
        ("ACT-004",),
        "A freed place goes to the most recent arrival on the waiting list instead of the first in line.",
    ),
    (
        "other-person-registration-readable",
        ("ACT-006",),
        "GET /registrations/{id} returns any registration to any citizen who knows its id.",
    ),
    (
        "activities-to-date-exclusive",
        ("ACT-001",),
        "The to filter of GET /activities is read as midnight at the start of that date, so activities on the "
        "last day of the range are left out.",
    ),
    (
        "duplicate-registration-accepted",
        ("ACT-002",),
        "Nobody checks whether the person is already registered: the same person gets a second place or a "
        "place in the queue behind their own registration.",
    ),
    (
        "registration-idempotency-ignored",
        ("ACT-005",),
        "Activity registrations never look at their Idempotency-Key: a retried registration is run again and "
        "refused as already-registered instead of returning the first answer.",
    ),
    (
        "registration-hidden-from-other-personas",
        ("ACT-006",),
        "GET and cancel of a registration look for the caller's own registration whoever the caller is: other "
        "personas get 404, as if the registration did not exist, instead of 403.",
    ),
    (
        "registration-open-at-start",
        ("ACT-002",),
        "An activity counts as started only after its start instant: a registration at exactly the start is "
        "still taken.",
    ),
)
