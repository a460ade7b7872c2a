"""Security and robustness depth: what every class must withstand, not only what it must do.

Two kinds of checks live here. The authentication sweep is generated for every class from the
spec: each of its operations gets no token (where an identity is needed), forged tokens and an
expired one, and must answer 401 before it looks at anything else, so a class added to the
standard is swept without anyone writing a check for it. The body checks send hostile bodies
(malformed, mistyped, oversized, overlong, server-owned fields, awkward Unicode) to a write
operation every sandbox has, POST /test/fixtures, because the parsing and validation they probe
sit in front of every write operation of a server; each must be refused with the right 4xx
problem and change nothing.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import spec
from conformance import dataset
from conformance.context import CheckContext
from conformance.expect import ensure, expect
from conformance.forged_tokens import forgeries
from conformance.http import RecordingClient, Response
from conformance.listing import total_items
from conformance.outcomes import CheckFailure
from conformance.registry import check

MAX_BODY_BYTES = 1024 * 1024  # CORE-023
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
JSON = {"Content-Type": "application/json"}
# Text a server must keep exactly (CORE-024): decomposed å (NFD), Sámi letters, an emoji with a
# zero-width joiner, Arabic (right to left), a right-to-left override, a non-BMP letter.
AWKWARD_NAME = "A\u030angby Čázádat ŋ 🏊\u200d♀️ مسبح \u202eabc\u202c 𝔅"
AWKWARD_DESCRIPTION = "Sámi: Áltá, Ŧ ŧ, Ŋ ŋ, Ž; combining: e\u0301 o\u0308; ⚽🏐🏒; \u05e9\u05dc\u05d5\u05dd"


# ----------------------------------------------------------------------------------------------
# The authentication sweep, one check per class


def concrete_path(path: str) -> str:
    """A path of the template with an id that exists nowhere: authentication must come first."""
    return re.sub(r"\{[^}]+\}", UNKNOWN_ID, path)


def _expect_unauthorized(client: RecordingClient, operation: spec.Operation, what: str, requirement: str) -> None:
    """401 is what `requirement` demands of this caller; its form (problem, challenge) is CORE-010's."""
    body = {} if operation.request_body is not None else None
    response = client.request(operation.method, concrete_path(operation.path), json=body)
    try:
        expect(response, requirement).status(401)
        expect(response, "CORE-010").problem(status=401, type_suffix="unauthorized").header(
            "WWW-Authenticate", startswith="Bearer"
        )
    except CheckFailure as failure:
        message = f"{operation.operation_id} with {what}: {failure.message}"
        raise CheckFailure(message, failure.expected, failure.actual, failure.exchange, failure.requirement) from None


def _authentication_sweep(cls: str) -> Callable[[CheckContext], None]:
    def sweep(ctx: CheckContext) -> None:
        operations = [op for op in spec.operations(ctx.release) if op.conformance_class == cls]
        genuine = ctx.as_persona("case-officer", municipalityCode="0180")
        assert genuine.credential is not None
        for operation in operations:
            if not operation.anonymous_allowed:
                _expect_unauthorized(ctx.anonymous, operation, "no token", "CORE-021")
            for forgery in forgeries(genuine.credential.token):
                _expect_unauthorized(ctx.as_token(forgery.token), operation, forgery.name, forgery.requirement)
        start = ctx.test.clock().now
        ctx.test.set_clock(start, frozen=True)
        expiring = ctx.as_persona("case-officer", municipalityCode="0180", expiresIn=60)
        expect(expiring.get("/me")).status(200)
        ctx.test.set_clock(start + timedelta(seconds=61), frozen=True)
        for operation in operations:
            _expect_unauthorized(expiring, operation, "an expired token", "CORE-010")

    sweep.__doc__ = f"Every operation of {cls} refuses missing, forged and expired tokens with 401."
    return sweep


for _cls in spec.class_ids():
    if _cls != "test-interface" and any(op.conformance_class == _cls for op in spec.operations()):
        check(
            "authentication-sweep",
            f"Every {_cls} operation answers 401 to a missing, forged or expired token, before anything else",
            requirements=["CORE-010", "CORE-020", "CORE-021"],
            cls=_cls,
        )(_authentication_sweep(_cls))


@check(
    "token-trust",
    "Tokens with alg none, an untrusted key or an embedded key are refused everywhere",
    requirements=["CORE-020", "CORE-010"],
    cls="core",
)
def token_trust(ctx: CheckContext) -> None:
    genuine = ctx.as_persona("case-officer", municipalityCode="0180")
    assert genuine.credential is not None
    expect(genuine.get("/me")).status(200).field("persona", "case-officer")
    for forgery in forgeries(genuine.credential.token):
        for path in ("/me", "/api-info"):
            response = ctx.as_token(forgery.token).get(path)
            ensure(
                response.status_code == 401,
                f"{forgery.name} was accepted on {path}",
                expected=401,
                actual=response.status_code,
                response=response,
                requirement=forgery.requirement,
            )
            expect(response, "CORE-010").problem(status=401, type_suffix="unauthorized")


# ----------------------------------------------------------------------------------------------
# Hostile bodies, sent to POST /test/fixtures


def _facility_body(ctx: CheckContext, label: str) -> dict[str, Any]:
    """A fixture request that creates exactly one facility (with its units) if it is accepted."""
    facility = dataset.build_discovery_data(ctx.random, label, ctx.release).body["facilities"][0]
    return {"facilities": [facility]}


def _changed_nothing(ctx: CheckContext, response: Response, what: str) -> None:
    """CORE-025: after a refused request the sandbox (emptied by the check) still holds no facility."""
    count = total_items(ctx.anonymous, "/facilities", precondition="DISC-001")
    ensure(
        count == 0,
        f"{what} was refused with {response.status_code}, yet {count} facility was created",
        expected=0,
        actual=count,
        response=response,
        requirement="CORE-025",
    )


def _post_raw(ctx: CheckContext, content: bytes | str, headers: dict[str, str] | None = None) -> Response:
    return ctx.anonymous.post("/test/fixtures", content=content, headers=headers or {})


@check(
    "malformed-bodies",
    "Malformed JSON gives 400 and a body that is not JSON gives 415; neither changes anything",
    requirements=["CORE-013", "CORE-025"],
    cls="test-interface",
)
def malformed_bodies(ctx: CheckContext) -> None:
    ctx.test.reset()
    valid = json.dumps(_facility_body(ctx, "m"))
    malformed: list[tuple[str, bytes | str]] = [
        ("truncated JSON", valid[: len(valid) // 2]),
        ("JSON followed by garbage", valid + " trailing"),
        ("NaN, which JSON does not have", valid[:-1] + ', "persons": NaN}'),
        ("bytes that are not UTF-8", valid.encode()[:-2] + b'\xff"}'),
        ("an empty body", ""),
        ("JSON nested 5000 levels deep", '{"facilities": ' + "[" * 5000 + "]" * 5000 + "}"),
    ]
    for what, content in malformed:
        response = _post_raw(ctx, content, JSON)
        expect(response, "CORE-013").problem(status=400, type_suffix="validation-error")
        _changed_nothing(ctx, response, what)
    for media in ("text/plain", "application/x-www-form-urlencoded", "application/xml", None):
        response = _post_raw(ctx, valid, {"Content-Type": media} if media else {})
        expect(response, "CORE-013").problem(status=415, type_suffix="unsupported-media-type")
        _changed_nothing(ctx, response, f"a JSON body sent as {media or 'no content type'}")


@check(
    "oversized-body",
    "A body over 1 MiB gives 413 and changes nothing; a body of exactly 1 MiB is accepted",
    requirements=["CORE-023", "CORE-025"],
    cls="test-interface",
)
def oversized_body(ctx: CheckContext) -> None:
    ctx.test.reset()
    body = json.dumps(_facility_body(ctx, "o"))
    over = body + " " * (MAX_BODY_BYTES + 1 - len(body.encode()))
    response = _post_raw(ctx, over, JSON)
    expect(response, "CORE-023").problem(status=413, type_suffix="payload-too-large")
    _changed_nothing(ctx, response, "a body of 1 MiB + 1 byte")
    exactly = body + " " * (MAX_BODY_BYTES - len(body.encode()))  # the limit itself is not over it
    expect(_post_raw(ctx, exactly, JSON), "CORE-023").status(201)


@check(
    "server-owned-fields",
    "Server-owned fields (ids, timestamps, parent ids) in a body are refused with 400 and change nothing",
    requirements=["CORE-014", "CORE-025"],
    cls="test-interface",
)
def server_owned_fields(ctx: CheckContext) -> None:
    ctx.test.reset()
    chosen = str(uuid.UUID(int=ctx.random.getrandbits(128), version=4))
    for where, field, value in (
        ("facility", "id", chosen),
        ("facility", "createdAt", "2020-01-01T00:00:00Z"),
        ("facility", "updatedAt", "2020-01-01T00:00:00Z"),
        ("unit", "id", chosen),
        ("unit", "facilityId", chosen),
    ):
        body = _facility_body(ctx, "s")
        target = body["facilities"][0] if where == "facility" else body["facilities"][0]["units"][0]
        target[field] = value
        pointer = "/facilities/0/" + ("" if where == "facility" else "units/0/") + field
        response = ctx.anonymous.post("/test/fixtures", json=body)
        expect(response, "CORE-014").problem(status=400, type_suffix="validation-error").names_parameter(pointer)
        _changed_nothing(ctx, response, f"a body setting {pointer}")
    expect(ctx.anonymous.get(f"/facilities/{chosen}"), "CORE-014").problem(status=404, type_suffix="not-found")


@check(
    "overlong-strings",
    "Strings longer than the schema allows give 400 naming the field, never a 5xx or truncation",
    requirements=["CORE-024", "CORE-005", "CORE-025"],
    cls="test-interface",
)
def overlong_strings(ctx: CheckContext) -> None:
    ctx.test.reset()
    for field, length in (("name", 201), ("description", 2001), ("name", 400_000)):
        body = _facility_body(ctx, "l")
        body["facilities"][0][field] = "Å" * length
        response = ctx.anonymous.post("/test/fixtures", json=body)
        expect(response, "CORE-024").problem(status=400, type_suffix="validation-error").names_parameter(
            f"/facilities/0/{field}"
        )
        _changed_nothing(ctx, response, f"a {field} of {length} characters")


@check(
    "unicode-text",
    "Any Unicode text is stored and returned exactly; NUL and lone surrogates give 400 naming the field",
    requirements=["CORE-024", "CORE-025"],
    cls="test-interface",
)
def unicode_text(ctx: CheckContext) -> None:
    ctx.test.reset()
    for what, name in (("a NUL character", "Sim\u0000hall"), ("a lone surrogate", "Sim\ud800hall")):
        body = _facility_body(ctx, "n")
        body["facilities"][0]["name"] = name
        # ASCII-escaped JSON: a lone surrogate can only travel as the escape \ud800.
        response = _post_raw(ctx, json.dumps(body), JSON)
        expect(response, "CORE-024").problem(status=400, type_suffix="validation-error").names_parameter(
            "/facilities/0/name"
        )
        _changed_nothing(ctx, response, f"a name with {what}")
    body = _facility_body(ctx, "t")
    facility = body["facilities"][0]
    facility.update(name=AWKWARD_NAME, description=AWKWARD_DESCRIPTION)
    facility["units"][0]["name"] = "Bana 🏊 Ŋ"
    ids = ctx.test.fixtures(body)
    response = ctx.anonymous.get(f"/facilities/{ids[facility['ref']]}")
    served = (
        expect(response, "CORE-024")
        .status(200)
        .field("name", AWKWARD_NAME)
        .field("description", AWKWARD_DESCRIPTION)
        .json()
    )
    unit_names = [unit.get("name") for unit in served.get("units", [])]
    ensure(
        "Bana 🏊 Ŋ" in unit_names,
        "a unit name with an emoji and a Sámi letter did not come back as sent",
        expected="Bana 🏊 Ŋ",
        actual=unit_names,
        response=response,
        requirement="CORE-024",
    )


# ----------------------------------------------------------------------------------------------
# Which error wins when several apply (CORE-027)

# Per class, one operation on a resource of the path: a persona that may never perform it, and one
# that may but finds nothing under an unknown id.
_PRECEDENCE_PROBES: tuple[tuple[str, str, str, str], ...] = (
    ("discovery", "/organisations/{id}/representatives", "citizen", "case-officer"),
    ("booking", "/bookings/{id}", "case-officer", "citizen"),
    ("access", "/bookings/{id}/access-code", "system-client", "citizen"),
    ("payments", "/payments/{id}", "case-officer", "citizen"),
    ("activities", "/registrations/{id}", "facility-administrator", "citizen"),
    ("season-allocation", "/season-applications/{id}", "citizen", "facility-administrator"),
    ("grants", "/grant-applications/{id}", "citizen", "case-officer"),
    ("attendance", "/attendance-reports/{id}", "system-client", "case-officer"),
)


@check(
    "error-precedence",
    "A persona that may never perform an operation gets 403 before any lookup; one that may gets 404 for an unknown id",
    requirements=["CORE-027"],
    cls="core",
)
def error_precedence(ctx: CheckContext) -> None:
    """The order is 401; what the request alone decides (400 against the schema, 403 for the persona, in either
    order); 404; 403 for the resource. So a persona that never may must get 403 whether or not the resource
    exists – a 404 would tell it which exist – and a malformed id may get 400 or 403, never 404."""
    declared = set(expect(ctx.anonymous.get("/conformance")).status(200).json().get("conformsTo", []))
    label = f"ep{ctx.random.getrandbits(24):06x}"
    ids = ctx.test.fixtures(
        {
            "persons": [
                {
                    "ref": f"{label}-p",
                    "personalIdentityNumber": dataset.personnummer(ctx.random),
                    "givenName": "Ebba",
                    "familyName": "Lund",
                }
            ]
        }
    )
    claims = {
        "citizen": {"personId": ids[f"{label}-p"]},
        "case-officer": {"municipalityCode": "0180"},
        "facility-administrator": {"municipalityCode": "0180"},
        "system-client": {"clientId": "laassystem", "scopes": ["access:verify"]},
    }
    for cls, template, never, may in _PRECEDENCE_PROBES:
        if cls not in declared:
            continue
        refused, allowed = ctx.as_persona(never, **claims[never]), ctx.as_persona(may, **claims[may])
        unknown = template.replace("{id}", UNKNOWN_ID)
        response = refused.get(unknown)
        ensure(
            response.status_code == 403,
            f"a {never} got {response.status_code} for GET {unknown}, which it may never read: 403 comes "
            "before looking the resource up",
            expected=403,
            actual=response.status_code,
            response=response,
        )
        expect(response).problem(status=403, type_suffix="forbidden")
        expect(allowed.get(unknown)).problem(status=404, type_suffix="not-found")
        malformed = template.replace("{id}", "x" * 65)  # longer than an id may be
        response = refused.get(malformed)
        ensure(
            response.status_code in (400, 403),
            f"a {never} got {response.status_code} for a malformed id: 400 and 403 may come in either order, "
            "404 only after both",
            expected=[400, 403],
            actual=response.status_code,
            response=response,
        )
        expect(response).problem(status=response.status_code)
