"""Injectable faults of the access class, gathered and explained by `reference_server/faults.py`."""

from __future__ import annotations

FAULTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "door-code-valid-after-cancellation",
        ("ACC-003",),
        "Cancelling a booking never revokes its door code.",
    ),
    (
        "door-code-ignores-margin",
        ("ACC-002",),
        "Door codes are valid from 12 hours before the start to 12 hours after the end instead of the unit's margin.",
    ),
    (
        "door-code-for-held-bookings",
        ("ACC-001",),
        "The door code is issued when a booking is created, so a held, unconfirmed booking already has one "
        "(200 instead of 409).",
    ),
    (
        "door-code-check-open-to-anyone",
        ("ACC-004",),
        "POST /access-codes/verify only checks that the caller is authenticated: any citizen or staff member "
        "can test door codes.",
    ),
    (
        "door-code-valid-until-inclusive",
        ("ACC-002",),
        "The door-lock check reads the validity window as closed: the code still opens the door at validUntil "
        "itself, one instant after the window ends.",
    ),
)
