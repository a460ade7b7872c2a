"""Injectable faults of the booking-side classes (booking, access, payments, activities,
season-allocation): the realistic supplier mistakes the harness must catch. faults.py adds them
to the catalogue; each is read with `settings.fault_active(NAME)` where the mistake would be made.

Entries are (name, requirements broken, description), the fields of `faults.Fault`.
"""

from __future__ import annotations

BOOKING_FAULTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
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
        "booking-length-unchecked",
        ("CORE-005",),
        "The 31-day limit on a booking's length is not checked: a longer booking is judged by the opening hours "
        "instead (422) rather than refused as invalid (400 naming end).",
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
        "refund-larger-than-payment",
        ("PAY-003",),
        "Cancelling one booking of a payment refunds the whole payment, whatever the booking's line and fee.",
    ),
    (
        "refund-ignores-cancellation-fee",
        ("PAY-003",),
        "A late cancellation refunds the full line although a cancellation fee was charged.",
    ),
    (
        "declined-payment-marks-paid",
        ("PAY-002",),
        "A declined payment still counts as paying its bookings: paying them again gives 409 already-paid.",
    ),
    (
        "settlement-omits-refunds",
        ("PAY-004",),
        "The settlement export lists only charges; refunds are missing from the items and the totals.",
    ),
    (
        "other-customer-payment-readable",
        ("PAY-006",),
        "GET /payments/{id} returns any payment to any customer who knows its id.",
    ),
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
        "held-booking-payable",
        ("PAY-001",),
        "POST /payments refuses only cancelled and expired bookings: a held, unconfirmed booking is paid.",
    ),
    (
        "payment-idempotency-ignored",
        ("PAY-005",),
        "POST /payments requires an Idempotency-Key but never looks at it: a retried payment is run again "
        "(409 already-paid instead of the first answer), and another body under the same key is a new payment.",
    ),
    (
        "activities-to-date-exclusive",
        ("ACT-001",),
        "The to filter of GET /activities is read as midnight at the start of that date, so activities on the "
        "last day of the range are left out.",
    ),
    (
        "year-zero-date-500",
        ("CORE-005", "CORE-003"),
        "Date query parameters (from and to of activities, availability and the finance export) are trusted "
        "once they look like dates: year 0000, which the date format allows, reaches the language's date "
        "parser and crashes the server (500), as does a date at the very end of the calendar.",
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
    (
        "other-organisations-cannot-book",
        ("BOOK-006",),
        "Only associations and companies have customer categories: a public body's or another organisation's "
        "representative gets 422 customer-category-not-allowed for company too, so they cannot book at all.",
    ),
    (
        "door-code-valid-until-inclusive",
        ("ACC-002",),
        "The door-lock check reads the validity window as closed: the code still opens the door at validUntil "
        "itself, one instant after the window ends.",
    ),
    (
        "registration-hidden-from-other-personas",
        ("ACT-006",),
        "GET and cancel of a registration look for the caller's own registration whoever the caller is: other "
        "personas get 404, as if the registration did not exist, instead of 403.",
    ),
)
