"""Injectable faults of the core class, gathered and explained by `reference_server/faults.py`."""

from __future__ import annotations

FAULTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("api-info-missing-version", ("CORE-001", "CORE-003"), "/api-info omits apiVersion."),
    (
        "api-version-unknown",
        ("CORE-001",),
        "/api-info states apiVersion 0.9.0 under /v1, the pre-release draft the product was built on: "
        "no version of the standard.",
    ),
    (
        "api-version-header-missing-on-errors",
        ("CORE-026", "CORE-003"),
        "API-Version is set by the handlers of successful requests only: 4xx and 5xx answers lack it.",
    ),
    (
        "api-version-header-major-only",
        ("CORE-026",),
        "API-Version carries the major version only ('1'), as in the URL, instead of the full version.",
    ),
    (
        "plain-text-errors",
        ("CORE-004", "CORE-003"),
        "Every error response is text/plain with the reason phrase ('Not Found') instead of problem+json.",
    ),
    (
        "validation-500",
        ("CORE-005", "CORE-003"),
        "A non-integer limit or page crashes the server (500 internal-error) instead of giving 400.",
    ),
    (
        "pagination-ignores-limit",
        ("CORE-007",),
        "Pages always hold up to 50 items whatever limit says, though the response echoes the limit given.",
    ),
    (
        "pagination-repeats-items",
        ("CORE-008",),
        "Every page after the first starts with the last item of the previous page (off by one).",
    ),
    (
        "local-timestamps",
        ("CORE-009", "CORE-003"),
        "createdAt and updatedAt are Europe/Stockholm local time with an offset instead of UTC with Z.",
    ),
    (
        "invalid-token-treated-as-anonymous",
        ("CORE-010", "CORE-020"),
        "On operations open to anonymous callers, a token that fails verification (malformed, "
        "wrongly signed, expired) is ignored and the caller treated as anonymous instead of getting 401.",
    ),
    ("expired-token-accepted", ("CORE-010",), "Token expiry (exp) is not checked."),
    (
        "unmasked-personnummer",
        ("CORE-015", "CORE-003"),
        "Representatives show the full twelve-digit personnummer.",
    ),
    (
        "organisation-leaks-representatives",
        ("CORE-016",),
        "GET /organisations/{id} embeds a representatives array with full personnummer, also for anonymous callers.",
    ),
    (
        "conformance-lists-unknown-class",
        ("CORE-002",),
        "/conformance also lists 'bookings', which is not a class of the standard.",
    ),
    (
        "unknown-fields-ignored",
        ("CORE-014",),
        "Unknown properties in request bodies are silently dropped instead of refused with 400.",
    ),
    (
        "missing-unit-facility-id",
        ("CORE-003", "DISC-002"),
        "Units lack facilityId in every response.",
    ),
    (
        "alg-none-accepted",
        ("CORE-020", "CORE-010"),
        "A token whose header says alg 'none' is accepted without a signature.",
    ),
    (
        "signature-not-verified",
        ("CORE-020", "CORE-010"),
        "Token claims are read without verifying the signature, so a token signed with any key is accepted.",
    ),
    (
        "embedded-jwk-trusted",
        ("CORE-020",),
        "A token carrying its own public key in a 'jwk' header is verified with that key (CVE-2018-0114 style).",
    ),
    (
        "claims-grant-rights-regardless-of-persona",
        ("CORE-022",),
        "Any token with a municipalityCode claim reads that municipality's representatives, whatever its persona.",
    ),
    (
        "staff-access-any-municipality",
        ("CORE-022", "DISC-014", "CORE-011"),
        "Facility administrators and case officers read representatives of organisations in every municipality.",
    ),
    (
        "representative-reads-other-organisations",
        ("CORE-022", "DISC-014", "CORE-011"),
        "An organisation representative reads the representatives of any organisation.",
    ),
    (
        "body-limit-exclusive",
        ("CORE-023",),
        "The body limit is read as exclusive: a body of exactly 1 MiB (1 048 576 bytes) is refused with 413, "
        "though only larger bodies may be.",
    ),
    (
        "not-found-before-unauthorized",
        ("CORE-021",),
        "Operations with a resource id look the resource up before authenticating: an anonymous caller gets 404 "
        "for unknown ids and 401 only for existing ones, learning which ids exist.",
    ),
    (
        "server-owned-field-writable",
        ("CORE-014", "CORE-025"),
        "A client-supplied id in a fixture body is stored as the entity's id (mass assignment) instead of refused.",
    ),
    (
        "malformed-json-500",
        ("CORE-013", "CORE-003"),
        "A body that is not valid JSON crashes the parser: 500 internal-error instead of 400.",
    ),
    (
        "wrong-content-type-accepted",
        ("CORE-013",),
        "Bodies are parsed as JSON whatever their Content-Type (text/plain included) instead of refused with 415.",
    ),
    (
        "refused-body-still-applied",
        ("CORE-025", "CORE-013"),
        "The content-type check runs after the handler: a text/plain body gets 415, but its data was already written.",
    ),
    (
        "oversized-body-accepted",
        ("CORE-023",),
        "Request bodies of any size are read and processed; there is no 1 MiB limit and no 413.",
    ),
    (
        "oversized-strings-accepted",
        ("CORE-024", "CORE-005"),
        "maxLength is not enforced on request bodies: overlong names and descriptions are stored.",
    ),
    (
        "lone-surrogate-500",
        ("CORE-024",),
        "Strings with a NUL character or a lone surrogate are not refused; storing them fails with 500.",
    ),
    (
        "non-latin1-text-mangled",
        ("CORE-024",),
        "Facility names and descriptions are stored in Latin-1: Sámi letters, emoji and other text outside it come "
        "back as '?'.",
    ),
    (
        "unknown-facility-units-empty",
        ("CORE-006",),
        "GET /facilities/{id}/units looks units up by facilityId alone: an unknown facility gives 200 with an "
        "empty list instead of 404.",
    ),
    (
        "me-drops-organisation-claims",
        ("CORE-012",),
        "GET /me is built from the person record: an organisation representative's organisationId and role are "
        "left out.",
    ),
    (
        "missing-token-without-challenge",
        ("CORE-010",),
        "A request without a token to an operation that needs one gets a 401 problem but no WWW-Authenticate "
        "challenge; only rejected tokens get one.",
    ),
    (
        "me-expiry-of-session",
        ("CORE-012",),
        "GET /me reports expiresAt as the server time plus the default token lifetime (as for a sliding session), "
        "not the expiry the token carries.",
    ),
    (
        "page-beyond-last-refused",
        ("CORE-007",),
        "A page beyond the last is taken for out of range and refused with 400, instead of 200 with no items "
        "and the list's totals.",
    ),
    (
        "names-ordered-by-code-point",
        ("CORE-008",),
        "Facilities and organisations are ordered by name as plain strings (by code point): capitals before "
        "small letters, Ä before Å, and equal names in any case not by id.",
    ),
    (
        "not-found-before-forbidden",
        ("CORE-027",),
        "The representatives of an organisation are looked up before the caller's persona is: a citizen or a "
        "system client gets 404 for an unknown organisation and 403 for a known one, which tells them which exist.",
    ),
    (
        "booking-length-unchecked",
        ("CORE-005",),
        "The 31-day limit on a booking's length is not checked: a longer booking is judged by the opening hours "
        "instead (422) rather than refused as invalid (400 naming end).",
    ),
    (
        "attachment-base64-unchecked",
        ("CORE-005", "CORE-003"),
        "An attachment's content is decoded trusting the client: content that is not base64 gives 500, not 400.",
    ),
    (
        "content-type-options-missing",
        ("CORE-028",),
        "Responses carry no X-Content-Type-Options header: a browser may sniff a JSON answer holding "
        "user-supplied text as HTML.",
    ),
    (
        "authenticated-responses-cacheable",
        ("CORE-029",),
        "Responses carry no Cache-Control: answers to authenticated requests (bookings, representatives, "
        "/me) and issued tokens may be kept by a shared proxy or the browser's cache.",
    ),
    (
        "cors-preflight-unanswered",
        ("CORE-030",),
        "Answers carry the CORS headers, but OPTIONS is routed like any other method: every preflight gets 405, "
        "so a browser app may send nothing but simple GETs.",
    ),
    (
        "cors-idempotency-key-not-allowed",
        ("CORE-030",),
        "The list of request headers allowed across origins was kept by hand and lacks Idempotency-Key: a "
        "browser app cannot create a booking, payment, registration or season application.",
    ),
    (
        "cors-errors-without-headers",
        ("CORE-030",),
        "Only successful answers carry Access-Control-Allow-Origin: a browser app sees a CORS error instead of "
        "the 401, 404 or 409 problem it should show its user.",
    ),
)
