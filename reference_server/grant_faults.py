"""The injectable faults of the classes `grants` and `attendance` (see faults.py for the idea).

Kept as plain tuples (name, requirements, description) so that faults.py, which owns the Fault
type, can fold them into the one catalogue without an import cycle.
"""

from __future__ import annotations

GRANT_FAULTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
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
        "attachment-base64-unchecked",
        ("CORE-005", "CORE-003"),
        "An attachment's content is decoded trusting the client: content that is not base64 gives 500, not 400.",
    ),
    (
        "age-by-birthday",
        ("ATT-005",),
        "A participant's age is the exact age on the session's date instead of the year of the session minus the "
        "year of birth (calendar year).",
    ),
    ("short-session-accepted", ("ATT-006",), "A session one minute shorter than the minimum (44 of 45) counts."),
    (
        "leader-counted-as-participant",
        ("ATT-007",),
        "Present leaders are added to the participants when the minimum number of participants is checked.",
    ),
    ("per-leader-cap-ignored", ("ATT-008",), "More than maxParticipantsPerLeader participants per leader still count."),
    (
        "second-session-same-day-counted",
        ("ATT-009",),
        "maxSessionsPerPersonPerDay is not applied: a second session of the same person on the same day counts.",
    ),
    (
        "latest-rules-for-every-date",
        ("ATT-006", "ATT-010"),
        "Every session is judged by the programme's newest rule period, also sessions dated before it (a 50-minute "
        "session on 2023-06-30 counts under LOK-stöd).",
    ),
    ("rate-ignores-sex", ("ATT-010",), "perParticipantSessionBySex is ignored; every participant gets the flat rate."),
    (
        "dak-line-numbers-wrong",
        ("ATT-003",),
        "DAK profile errors point at the line of the card (Naervarokort) instead of the offending element.",
    ),
    (
        "dak-first-error-only",
        ("ATT-003",),
        "A broken DAK file's 400 lists only its first error instead of every error of the file.",
    ),
    (
        "dak-duplicate-kod-accepted",
        ("ATT-003",),
        "A kod used twice on one card is accepted; the second session overwrites nothing and both count.",
    ),
    (
        "dak-card-number-overflow-accepted",
        ("ATT-003", "CORE-003"),
        "NaervarokortNummer is read as an unbounded integer: 2147483648 is accepted instead of refused as no int32.",
    ),
    (
        "personnummer-check-digit-ignored",
        ("ATT-004",),
        "Personnummer in attendance are checked for twelve digits and a date only; a wrong Luhn check digit passes.",
    ),
    (
        "statistics-count-everyone-present",
        ("ATT-013",),
        "Statistics count every present participant, also those the rules did not count.",
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
    (
        "attendance-from-other-municipality-accepted",
        ("ATT-001",),
        "An organisation of another municipality may report attendance to a programme (no 403).",
    ),
    (
        "dak-organisation-number-unchecked",
        ("ATT-002",),
        "A DAK file's organisationsnummer is not compared with the caller's organisation (JSON reports still are).",
    ),
    (
        "report-sessions-readable-by-anyone",
        ("ATT-011",),
        "GET /attendance-reports/{reportId}/sessions skips the access check: any authenticated caller reads them.",
    ),
    (
        "dak-hyphenated-orgnr-refused",
        ("ATT-002",),
        "A DAK file's organisationsnummer must be ten digits: NNNNNN-NNNN, as association systems write it, is "
        "refused with 400.",
    ),
    (
        "dak-extra-register-fields-refused",
        ("ATT-002",),
        "A DAK file whose register persons carry Postnr, Postadress, Kommun or Kon, as some association systems "
        "write them, is refused with 400.",
    ),
    (
        "dak-export-python-booleans",
        ("ATT-012",),
        "The DAK export writes Handikapp and Naervarande as True/False (Python's str), which the XSD refuses.",
    ),
    (
        "calculated-amount-copies-requested",
        ("ATT-014",),
        "An application listing attendance reports gets calculatedAmount = requestedAmount, not the reports' sum.",
    ),
    (
        "dak-import-capped-at-5000-sessions",
        ("ATT-015",),
        "A DAK file with more than 5,000 sessions is refused with 400.",
    ),
)
