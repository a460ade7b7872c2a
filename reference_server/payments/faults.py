"""Injectable faults of the payments class, gathered and explained by `reference_server/faults.py`."""

from __future__ import annotations

FAULTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
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
        "settlement-export-to-inclusive-of-next-day",
        ("PAY-004",),
        "The settlement export counts `to` up to the end of the day after it: transactions of the next day "
        "are exported in this period and again in the next.",
    ),
    (
        "late-settlement-not-exported",
        ("PAY-004",),
        "A payment's settlement time is written only when it is paid: one that was pending and settles later has "
        "none, so it never appears in the settlement export.",
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
)
