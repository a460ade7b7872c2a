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
)
