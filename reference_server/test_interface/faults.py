"""Injectable faults of the test-interface class, gathered and explained by `reference_server/faults.py`."""

from __future__ import annotations

FAULTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "fixtures-not-atomic",
        ("TEST-003",),
        "An invalid fixture request still answers 400 but keeps the entities created before the error "
        "(one commit per entity).",
    ),
    (
        "clock-not-applied",
        ("TEST-004",),
        "PUT /test/clock answers as if it worked, but the server clock (GET /test/clock, token expiry) "
        "keeps real time.",
    ),
    ("reset-keeps-organisations", ("TEST-001",), "POST /test/reset leaves organisations in place."),
    (
        "fixture-ids-omit-units",
        ("TEST-002",),
        "POST /test/fixtures creates units but returns ids only for persons, organisations and facilities.",
    ),
    (
        "incomplete-token-claims-accepted",
        ("TEST-005",),
        "POST /test/tokens requires only the claim the subject is made of: an organisation representative without "
        "organisationId or role, or a system client without scopes, still gets a token.",
    ),
    (
        "reset-keeps-payment-provider",
        ("TEST-010",),
        "POST /test/reset leaves the simulated payment provider's outcome in place instead of settling again.",
    ),
    (
        "pending-completion-always-settles",
        ("TEST-010",),
        "POST /test/payments/{paymentId}/complete settles the pending payment whatever outcome it is given.",
    ),
    (
        "fixture-identifiers-unchecked",
        ("TEST-003",),
        "POST /test/fixtures takes any twelve digits for a personnummer and any ten for an organisationsnummer: "
        "no date, no check digit.",
    ),
    (
        "opening-hours-past-midnight-accepted",
        ("TEST-003",),
        "POST /test/fixtures accepts opening hours whose closes is not later than opens, meant as past "
        "midnight, instead of refusing them with 400.",
    ),
    (
        "fixtures-of-unimplemented-classes-ignored",
        ("TEST-003",),
        "A product offering only discovery and booking accepts grant programmes, seasons and activities in "
        "POST /test/fixtures with 201, though it can never show them.",
        ("discovery", "booking"),
    ),
    (
        "foreign-token-claims-refused",
        ("TEST-005",),
        "POST /test/tokens refuses claims that belong to another persona (a citizen's token with a "
        "municipalityCode) with 400, so nobody can show that such claims grant nothing.",
    ),
)
