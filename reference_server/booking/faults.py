"""Injectable faults of the booking class, gathered and explained by `reference_server/faults.py`."""

from __future__ import annotations

FAULTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "overlap-accepted-under-concurrency",
        ("BOOK-004",),
        "The overlap check runs in its own transaction before the insert, without a lock: simultaneous "
        "requests for one slot all see it free and all get 201.",
    ),
    (
        "overlap-check-misses-earlier-start",
        ("BOOK-004",),
        "The overlap check only asks whether the new booking starts inside an existing one: a booking that starts "
        "earlier and runs into another, or encloses it, is accepted.",
    ),
    (
        "dst-fold-second-occurrence",
        ("BOOK-012",),
        "Local times are resolved with fold=1: 02:30 on the autumn change day is taken as its second occurrence "
        "(01:30Z, not 00:30Z) and 02:30 in the spring gap with the summer offset (00:30Z, not 01:30Z).",
    ),
    (
        "price-rounds-down",
        ("BOOK-006",),
        "A price that falls between two öre is cut down to the lower one instead of rounded to the nearest, halves "
        "up: 77 minutes at 105.23 kr/h costs 135.04 kr instead of 135.05 kr.",
    ),
    ("hold-never-expires", ("BOOK-003",), "A held booking stays held forever; holdExpiresAt is only shown."),
    (
        "expired-hold-still-blocks",
        ("BOOK-003",),
        "An expired hold is shown as expired but still blocks its time: nobody else can book it.",
    ),
    (
        "idempotency-ignored",
        ("BOOK-011",),
        "POST /bookings requires the Idempotency-Key header but never looks at it: a retried booking is made again.",
    ),
    (
        "idempotency-key-reuse-accepted",
        ("BOOK-011",),
        "A known Idempotency-Key replays the first response even when the body is different.",
    ),
    (
        "dst-slot-shifted",
        ("BOOK-012", "BOOK-001"),
        "Opening hours are turned into UTC with the offset in force at local midnight, so on the days the "
        "clocks change the bookable hours are shifted an hour.",
    ),
    (
        "other-organisation-booking-readable",
        ("BOOK-010",),
        "GET /bookings/{id} returns any booking to any customer or staff member who knows its id.",
    ),
    (
        "my-bookings-lists-all",
        ("BOOK-009",),
        "GET /bookings lists every booking of every customer and municipality.",
    ),
    (
        "late-cancellation-free",
        ("BOOK-007",),
        "Cancellation is always free: the cancellation deadline and late fee are never applied.",
    ),
    (
        "price-ignores-category",
        ("BOOK-006",),
        "Every customer category pays the private-person price.",
    ),
    (
        "blocked-period-ignored",
        ("BOOK-005", "BOOK-001"),
        "Blocked periods are neither shown as busy nor enforced: a booking inside one is accepted.",
    ),
    (
        "approval-skipped",
        ("BOOK-008",),
        "Units that require approval confirm bookings at once, without the facility administrator.",
    ),
    (
        "availability-range-end-exclusive",
        ("BOOK-001",),
        "Availability refuses the last date the standard lets a range name, 8999-12-30, as if the range of "
        "supported dates ended before it.",
    ),
    (
        "confirm-flag-ignored",
        ("BOOK-002",),
        "The confirm field of a new booking is never read: every booking is created held, and a customer who "
        "asked for an immediate confirmation holds a booking that later expires.",
    ),
    (
        "booking-terms-omit-late-fee",
        ("BOOK-013", "CORE-003"),
        "GET /units/{unitId}/booking-terms gives the free-cancellation deadline but leaves lateFeePercent out.",
    ),
    (
        "other-organisations-cannot-book",
        ("BOOK-006",),
        "Only associations and companies have customer categories: a public body's or another organisation's "
        "representative gets 422 customer-category-not-allowed for company too, so they cannot book at all.",
    ),
    (
        "year-zero-date-500",
        ("CORE-005", "CORE-003"),
        "Date query parameters (from and to of activities, availability and the finance export) are trusted "
        "once they look like dates: year 0000, which the date format allows, reaches the language's date "
        "parser and crashes the server (500), as does a date at the very end of the calendar.",
    ),
    (
        "availability-range-off-by-one",
        ("BOOK-001",),
        "Availability counts its range limit one day late: `to` 31 days after `from` is answered, where at most "
        "30 may be asked.",
    ),
    (
        "booking-seconds-accepted",
        ("CORE-005",),
        "A booking's start and end are checked for fractions of a second only: 10:00:30 is taken, though "
        "instants of a booking are on whole minutes.",
    ),
)
