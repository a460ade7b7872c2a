"""Injectable faults of the events class, gathered and explained by `reference_server/faults.py`."""

from __future__ import annotations

FAULTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "event-duplicated-in-feed",
        ("EVT-001",),
        "A confirmed booking's event is written twice (a retried outbox write that never checked whether the "
        "first attempt landed): the feed lists it twice.",
    ),
    (
        "event-published-before-commit",
        ("EVT-001",),
        "booking.created is published as soon as the request looks valid, outside the transaction that books: a "
        "booking refused afterwards (409, 422) is still in the feed, for a booking that does not exist.",
    ),
    (
        "refund-not-announced",
        ("EVT-001",),
        "A refund on cancellation writes no event: the finance system following the feed never learns of it.",
    ),
    (
        "grant-decision-not-announced",
        ("EVT-001",),
        "Deciding a grant application writes no event (the decision was added to the case system later and "
        "nobody remembered the feed).",
    ),
    (
        "season-allocation-not-announced",
        ("EVT-001",),
        "Publishing a season's allocation writes no season.allocated event; the bookings it makes are announced "
        "by the booking code, so the feed looks busy and nobody notices the allocation itself is missing.",
    ),
    (
        "attendance-report-not-announced",
        ("EVT-001",),
        "Receiving and evaluating an attendance report writes no event: the case-management system following the "
        "feed never learns that a report came in.",
    ),
    (
        "event-carries-personal-data",
        ("EVT-003",),
        "The feed adds the customer (name and personnummer) to every booking event, so consumers need not fetch "
        "the booking.",
    ),
    (
        "event-feed-ordered-by-time",
        ("EVT-002",),
        "The feed sorts each page by occurredAt, then event id, instead of commit order: changes made in the same "
        "instant (a frozen clock, a busy second) come out in random order.",
    ),
    (
        "event-cursor-skips-under-concurrency",
        ("EVT-002",),
        "When a page is not full the feed's next cursor is the newest event at the time of answering, read after "
        "the page: an event committed in between is passed over by a reader who continues with next.",
    ),
    (
        "event-feed-any-municipality",
        ("EVT-004",),
        "The feed checks the reader's persona but lists the events of every municipality.",
    ),
    (
        "webhook-unsigned",
        ("EVT-006",),
        "Deliveries are sent without a webhook-signature header (signing was left for later): a receiver cannot "
        "tell them from forgeries.",
    ),
    (
        "webhook-signature-over-body-only",
        ("EVT-006",),
        "The signature is an HMAC of the body alone instead of id.timestamp.body, so a captured delivery can be "
        "replayed with any id and timestamp and a Standard Webhooks receiver rejects every delivery.",
    ),
    (
        "webhook-not-retried",
        ("EVT-007",),
        "A delivery the receiver answers with 500 is marked failed and never tried again.",
    ),
    (
        "webhook-timeout-not-retried",
        ("EVT-007",),
        "A delivery the receiver does not answer within the 10 s timeout is counted as delivered (no error status "
        "came back), so it is never tried again.",
    ),
    (
        "webhook-retry-storm",
        ("EVT-007",),
        "A failed delivery is retried at once, again and again, without backoff: a receiver in trouble is hammered.",
    ),
    (
        "webhook-delivered-after-delete",
        ("EVT-005",),
        "Deleting a subscription only marks it deleted; the delivery worker never checks, so events keep being "
        "delivered to it.",
    ),
    (
        "webhook-order-ignored",
        ("EVT-007",),
        "Deliveries are sent as they come due, whatever else is pending for the same resource: while "
        "booking.created waits for its retry, booking.confirmed of the same booking arrives first.",
    ),
)
