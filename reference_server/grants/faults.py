"""Injectable faults of the grants class, gathered and explained by `reference_server/faults.py`."""

from __future__ import annotations

FAULTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "deadline-from-first-rule-period",
        ("GRANT-002",),
        "An application period's deadline is read from the first rule period that names it, not from the one in "
        "force: after the rules moved a deadline, applications still get the old one.",
    ),
    (
        "attachment-size-unchecked",
        ("GRANT-011",),
        "Attachments are held to the schema's maxLength of the base64 text only: a file of 512 KiB and one byte, "
        "whose base64 is no longer, is attached.",
    ),
    (
        "other-organisation-application-readable",
        ("GRANT-005", "CORE-011", "ATT-011"),
        "Any organisation representative may read any organisation's grant application.",
    ),
    (
        "wrong-role-may-apply",
        ("GRANT-002",),
        "A representative of any role (e.g. booking-contact) may apply for grants.",
    ),
    ("deadline-not-enforced", ("GRANT-004",), "An application can be submitted after the deadline."),
    (
        "withdraw-after-decision",
        ("GRANT-003",),
        "A decided application can still be withdrawn (its decision stays in the register).",
    ),
    (
        "case-officer-of-other-municipality-may-decide",
        ("GRANT-006", "CORE-011"),
        "A case officer of any municipality may take up and decide another municipality's applications.",
    ),
    (
        "decision-amount-unchecked",
        ("GRANT-006",),
        "The decision's amount is not held to its outcome: partly-approved above the requested amount is accepted.",
    ),
    (
        "register-leaks-personnummer",
        ("GRANT-007", "CORE-016"),
        "Each entry of the public register of decisions carries the applicant contact's name and personnummer.",
    ),
    (
        "payout-exported-twice",
        ("GRANT-010", "GRANT-009"),
        "A new payout batch selects applications by their decision, not by whether a batch already paid them.",
    ),
    (
        "payout-idempotency-ignored",
        ("GRANT-010",),
        "idempotencyKey is not looked up: repeating a payout request answers as a new request.",
    ),
    (
        "unknown-municipality-code-accepted",
        ("GRANT-012",),
        "A kommunkod is only checked for four digits: 9999 is accepted in filters and programme fixtures.",
    ),
    (
        "grant-programmes-need-login",
        ("GRANT-001",),
        "GET /grant-programmes and GET /grant-programmes/{programmeId} answer 401 to anonymous callers.",
    ),
    (
        "rule-bounds-not-compared",
        ("GRANT-013",),
        "Programme fixtures check the rule periods' dates only: participantAge or a weekly limit with min above max "
        "is accepted.",
    ),
    (
        "motivation-short-personnummer-accepted",
        ("GRANT-008",),
        "The motivation is searched for twelve-digit personnummer only: YYMMDD-NNNN passes into the register.",
    ),
    (
        "payout-skips-partly-approved",
        ("GRANT-009",),
        "A payout batch selects decisions with the outcome approved only: partly-approved amounts are never paid.",
    ),
    (
        "attachment-digest-of-base64",
        ("GRANT-011",),
        "An attachment's sizeBytes and sha256 are computed over the base64 text sent, not over the decoded file.",
    ),
)
