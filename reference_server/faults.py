"""The catalogue of injectable faults: one realistic supplier mistake each.

A fault is only a name here. The code that misbehaves asks `settings.fault_active(NAME)` at the
exact place where a real supplier would have made the mistake, so reading that spot shows both
the right behaviour and the wrong one. The harness's own tests start the server with each fault
and assert that certification fails on the listed requirements, which is what keeps the harness
honest (no false passes).
"""

from __future__ import annotations

from dataclasses import dataclass

from .booking_faults import BOOKING_FAULTS
from .grant_faults import GRANT_FAULTS


@dataclass(frozen=True)
class Fault:
    name: str
    requirements: tuple[str, ...]
    description: str
    # The optional classes the faulty server implements (None: every class), for a mistake that only
    # shows on a product offering part of the standard.
    classes: tuple[str, ...] | None = None


_CATALOGUE = (
    Fault("api-info-missing-version", ("CORE-001", "CORE-003"), "/api-info omits apiVersion."),
    Fault(
        "api-version-unknown",
        ("CORE-001",),
        "/api-info states apiVersion 0.9.0 under /v1, the pre-release draft the product was built on: "
        "no version of the standard.",
    ),
    Fault(
        "api-version-header-missing-on-errors",
        ("CORE-026", "CORE-003"),
        "API-Version is set by the handlers of successful requests only: 4xx and 5xx answers lack it.",
    ),
    Fault(
        "api-version-header-major-only",
        ("CORE-026",),
        "API-Version carries the major version only ('1'), as in the URL, instead of the full version.",
    ),
    Fault(
        "plain-text-errors",
        ("CORE-004", "CORE-003"),
        "Every error response is text/plain with the reason phrase ('Not Found') instead of problem+json.",
    ),
    Fault(
        "validation-500",
        ("CORE-005", "CORE-003"),
        "A non-integer limit or page crashes the server (500 internal-error) instead of giving 400.",
    ),
    Fault(
        "pagination-ignores-limit",
        ("CORE-007",),
        "Pages always hold up to 50 items whatever limit says, though the response echoes the limit given.",
    ),
    Fault(
        "pagination-repeats-items",
        ("CORE-008",),
        "Every page after the first starts with the last item of the previous page (off by one).",
    ),
    Fault(
        "local-timestamps",
        ("CORE-009", "CORE-003"),
        "createdAt and updatedAt are Europe/Stockholm local time with an offset instead of UTC with Z.",
    ),
    Fault(
        "invalid-token-treated-as-anonymous",
        ("CORE-010", "CORE-020"),
        "On operations open to anonymous callers, a token that fails verification (malformed, "
        "wrongly signed, expired) is ignored and the caller treated as anonymous instead of getting 401.",
    ),
    Fault("expired-token-accepted", ("CORE-010",), "Token expiry (exp) is not checked."),
    Fault(
        "representatives-readable-by-anyone-authenticated",
        ("DISC-014", "CORE-011", "CORE-022"),
        "Any authenticated caller may read any organisation's representatives (no 403).",
    ),
    Fault(
        "unmasked-personnummer",
        ("CORE-015", "CORE-003"),
        "Representatives show the full twelve-digit personnummer.",
    ),
    Fault(
        "organisation-leaks-representatives",
        ("CORE-016",),
        "GET /organisations/{id} embeds a representatives array with full personnummer, also for anonymous callers.",
    ),
    Fault(
        "conformance-lists-unknown-class",
        ("CORE-002",),
        "/conformance also lists 'bookings', which is not a class of the standard.",
    ),
    Fault(
        "min-capacity-sums-units",
        ("DISC-015",),
        "minCapacity compares the sum of a facility's unit capacities, so two halls of 20 match a group of 30.",
    ),
    Fault(
        "min-capacity-unstated-is-unlimited",
        ("DISC-015",),
        "A unit that states no capacity is taken to hold any number: its facility matches every minCapacity.",
    ),
    Fault(
        "radius-ignored",
        ("DISC-005",),
        "near/radius does not filter (distanceMeters is still given and results still sorted by distance).",
    ),
    Fault(
        "openat-ignores-exceptions",
        ("DISC-006",),
        "openAt reads only the weekly hours, never the exceptions.",
    ),
    Fault(
        "openat-in-utc",
        ("DISC-006",),
        "openAt compares opening hours with the UTC wall-clock time instead of Europe/Stockholm.",
    ),
    Fault("search-case-sensitive", ("DISC-008",), "Free-text search q is a case-sensitive substring match."),
    Fault(
        "activity-type-ignores-narrower",
        ("DISC-004",),
        "The activityType filter matches only the exact type, not narrower ones in the taxonomy.",
    ),
    Fault(
        "fixtures-not-atomic",
        ("TEST-003",),
        "An invalid fixture request still answers 400 but keeps the entities created before the error "
        "(one commit per entity).",
    ),
    Fault(
        "clock-not-applied",
        ("TEST-004",),
        "PUT /test/clock answers as if it worked, but the server clock (GET /test/clock, token expiry) "
        "keeps real time.",
    ),
    Fault("reset-keeps-organisations", ("TEST-001",), "POST /test/reset leaves organisations in place."),
    Fault(
        "unknown-fields-ignored",
        ("CORE-014",),
        "Unknown properties in request bodies are silently dropped instead of refused with 400.",
    ),
    Fault(
        "missing-unit-facility-id",
        ("CORE-003", "DISC-002"),
        "Units lack facilityId in every response.",
    ),
    # --- security and robustness (issue 6) ----------------------------------------------------
    Fault(
        "alg-none-accepted",
        ("CORE-020", "CORE-010"),
        "A token whose header says alg 'none' is accepted without a signature.",
    ),
    Fault(
        "signature-not-verified",
        ("CORE-020", "CORE-010"),
        "Token claims are read without verifying the signature, so a token signed with any key is accepted.",
    ),
    Fault(
        "embedded-jwk-trusted",
        ("CORE-020",),
        "A token carrying its own public key in a 'jwk' header is verified with that key (CVE-2018-0114 style).",
    ),
    Fault(
        "claims-grant-rights-regardless-of-persona",
        ("CORE-022",),
        "Any token with a municipalityCode claim reads that municipality's representatives, whatever its persona.",
    ),
    Fault(
        "staff-access-any-municipality",
        ("CORE-022", "DISC-014", "CORE-011"),
        "Facility administrators and case officers read representatives of organisations in every municipality.",
    ),
    Fault(
        "representative-reads-other-organisations",
        ("CORE-022", "DISC-014", "CORE-011"),
        "An organisation representative reads the representatives of any organisation.",
    ),
    Fault(
        "body-limit-exclusive",
        ("CORE-023",),
        "The body limit is read as exclusive: a body of exactly 1 MiB (1 048 576 bytes) is refused with 413, "
        "though only larger bodies may be.",
    ),
    Fault(
        "not-found-before-unauthorized",
        ("CORE-021",),
        "Operations with a resource id look the resource up before authenticating: an anonymous caller gets 404 "
        "for unknown ids and 401 only for existing ones, learning which ids exist.",
    ),
    Fault(
        "server-owned-field-writable",
        ("CORE-014", "CORE-025"),
        "A client-supplied id in a fixture body is stored as the entity's id (mass assignment) instead of refused.",
    ),
    Fault(
        "malformed-json-500",
        ("CORE-013", "CORE-003"),
        "A body that is not valid JSON crashes the parser: 500 internal-error instead of 400.",
    ),
    Fault(
        "wrong-content-type-accepted",
        ("CORE-013",),
        "Bodies are parsed as JSON whatever their Content-Type (text/plain included) instead of refused with 415.",
    ),
    Fault(
        "refused-body-still-applied",
        ("CORE-025", "CORE-013"),
        "The content-type check runs after the handler: a text/plain body gets 415, but its data was already written.",
    ),
    Fault(
        "oversized-body-accepted",
        ("CORE-023",),
        "Request bodies of any size are read and processed; there is no 1 MiB limit and no 413.",
    ),
    Fault(
        "oversized-strings-accepted",
        ("CORE-024", "CORE-005"),
        "maxLength is not enforced on request bodies: overlong names and descriptions are stored.",
    ),
    Fault(
        "lone-surrogate-500",
        ("CORE-024",),
        "Strings with a NUL character or a lone surrogate are not refused; storing them fails with 500.",
    ),
    Fault(
        "non-latin1-text-mangled",
        ("CORE-024",),
        "Facility names and descriptions are stored in Latin-1: Sámi letters, emoji and other text outside it come "
        "back as '?'.",
    ),
    Fault(
        "open-at-misses-opening-minute",
        ("DISC-006",),
        "openAt compares with opening times strictly: a facility opening at 08:00 is not found open at 08:00.",
    ),
    # --- core, discovery and test interface: one fault for each requirement no other fault breaks -----------
    Fault(
        "unknown-facility-units-empty",
        ("CORE-006",),
        "GET /facilities/{id}/units looks units up by facilityId alone: an unknown facility gives 200 with an "
        "empty list instead of 404.",
    ),
    Fault(
        "me-drops-organisation-claims",
        ("CORE-012",),
        "GET /me is built from the person record: an organisation representative's organisationId and role are "
        "left out.",
    ),
    Fault(
        "facility-list-without-units",
        ("DISC-001",),
        "GET /facilities never loads units: every listed facility has an empty units array "
        "(GET /facilities/{id} has them).",
    ),
    Fault(
        "facility-list-needs-municipality",
        ("DISC-001",),
        "GET /facilities without municipalityCode answers 400 validation-error (the product was built for "
        "one municipality's portal at a time), so no client can list every facility.",
    ),
    Fault(
        "municipality-filter-ignored",
        ("DISC-003",),
        "municipalityCode is accepted but ignored (a single-municipality installation): every facility is returned.",
    ),
    Fault(
        "accessibility-any-feature",
        ("DISC-007",),
        "accessibility with several features returns facilities having any of them instead of all of them.",
    ),
    Fault(
        "ownership-owned-not-filtered",
        ("DISC-009",),
        "Only ownership=rented filters; ownership=owned is taken for the default and also returns rented premises.",
    ),
    Fault(
        "database-filter-skips-search-filters",
        ("DISC-010",),
        "With municipalityCode or ownership the search takes a database-only path, and activityType, openAt, "
        "accessibility, q and near are not applied.",
    ),
    Fault(
        "unknown-activity-type-empty-result",
        ("DISC-011",),
        "An activityType that is not in the taxonomy gives 200 with no results instead of 400.",
    ),
    Fault(
        "activity-types-without-parent",
        ("DISC-012", "CORE-003"),
        "GET /activity-types serves the taxonomy as a flat list: parentId is left out of every type.",
    ),
    Fault(
        "organisation-type-filter-ignored",
        ("DISC-013",),
        "The type filter of GET /organisations is accepted but ignored: companies and associations all come back.",
    ),
    Fault(
        "fixture-ids-omit-units",
        ("TEST-002",),
        "POST /test/fixtures creates units but returns ids only for persons, organisations and facilities.",
    ),
    Fault(
        "incomplete-token-claims-accepted",
        ("TEST-005",),
        "POST /test/tokens requires only the claim the subject is made of: an organisation representative without "
        "organisationId or role, or a system client without scopes, still gets a token.",
    ),
    Fault(
        "reset-keeps-payment-provider",
        ("TEST-010",),
        "POST /test/reset leaves the simulated payment provider's outcome in place instead of settling again.",
    ),
    # --- one fault for each check that no fault above made fail -----------------------------------------------
    Fault(
        "missing-token-without-challenge",
        ("CORE-010",),
        "A request without a token to an operation that needs one gets a 401 problem but no WWW-Authenticate "
        "challenge; only rejected tokens get one.",
    ),
    Fault(
        "me-expiry-of-session",
        ("CORE-012",),
        "GET /me reports expiresAt as the server time plus the default token lifetime (as for a sliding session), "
        "not the expiry the token carries.",
    ),
    Fault(
        "pending-completion-always-settles",
        ("TEST-010",),
        "POST /test/payments/{paymentId}/complete settles the pending payment whatever outcome it is given.",
    ),
)

# --- where the text was ambiguous until 1.2.0: one fault for each decision the harness now holds servers to
_SETTLED = (
    Fault(
        "page-beyond-last-refused",
        ("CORE-007",),
        "A page beyond the last is taken for out of range and refused with 400, instead of 200 with no items "
        "and the list's totals.",
    ),
    Fault(
        "names-ordered-by-code-point",
        ("CORE-008",),
        "Facilities and organisations are ordered by name as plain strings (by code point): capitals before "
        "small letters, Ä before Å, and equal names in any case not by id.",
    ),
    Fault(
        "fixture-identifiers-unchecked",
        ("TEST-003",),
        "POST /test/fixtures takes any twelve digits for a personnummer and any ten for an organisationsnummer: "
        "no date, no check digit.",
    ),
    Fault(
        "opening-hours-past-midnight-accepted",
        ("TEST-003",),
        "POST /test/fixtures accepts opening hours whose closes is not later than opens, meant as past "
        "midnight, instead of refusing them with 400.",
    ),
    Fault(
        "fixtures-of-unimplemented-classes-ignored",
        ("TEST-003",),
        "A product offering only discovery and booking accepts grant programmes, seasons and activities in "
        "POST /test/fixtures with 201, though it can never show them.",
        ("discovery", "booking"),
    ),
    Fault(
        "foreign-token-claims-refused",
        ("TEST-005",),
        "POST /test/tokens refuses claims that belong to another persona (a citizen's token with a "
        "municipalityCode) with 400, so nobody can show that such claims grant nothing.",
    ),
    Fault(
        "unknown-municipality-filter-matches-nothing",
        ("DISC-011",),
        "GET /facilities and GET /organisations take any four digits for municipalityCode: a code that is no "
        "municipality's simply finds nothing instead of giving 400.",
    ),
    Fault(
        "not-found-before-forbidden",
        ("CORE-027",),
        "The representatives of an organisation are looked up before the caller's persona is: a citizen or a "
        "system client gets 404 for an unknown organisation and 403 for a known one, which tells them which exist.",
    ),
)

FAULTS: dict[str, Fault] = {
    fault.name: fault for fault in (*_CATALOGUE, *_SETTLED, *(Fault(*f) for f in (*BOOKING_FAULTS, *GRANT_FAULTS)))
}
