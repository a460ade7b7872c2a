"""Injectable faults of the attendance class, gathered and explained by `reference_server/faults.py`."""

from __future__ import annotations

FAULTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
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
