"""Handlers of the class `test-interface`: what a sandbox offers so that certification is deterministic.

Reset, fixtures, the server clock and a test identity provider. None of it is routed in production
mode (`--production`), where every /test/ path is simply unknown.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from reference_server import problems
from reference_server.auth import IDENTITY_CLAIMS
from reference_server.clock import EARLIEST, LATEST, ClockState, ServerClock
from reference_server.discovery.organisations import load_organisation, person_exists
from reference_server.problems import FieldError
from reference_server.response_headers import no_store
from reference_server.routing import Call, Handler, json_response
from reference_server.storage import DATA_TABLES, organisations, payment_simulation
from reference_server.test_interface.fixtures import create_fixtures
from reference_server.timestamps import parse_instant, utc_text

# The claims each persona needs (TestTokenRequest in the spec).
REQUIRED_CLAIMS: dict[str, tuple[str, ...]] = {
    "citizen": ("personId",),
    "organisation-representative": ("personId", "organisationId", "role"),
    "facility-administrator": ("municipalityCode",),
    "case-officer": ("municipalityCode",),
    "system-client": ("clientId", "scopes"),
}


def reset_test_data(call: Call) -> Response:
    tables = DATA_TABLES
    if call.settings.fault_active("reset-keeps-organisations"):
        tables = tuple(t for t in DATA_TABLES if t is not organisations)
    if call.settings.fault_active("reset-keeps-payment-provider"):
        # The provider's outcome taken for configuration rather than data, so a reset leaves it be.
        tables = tuple(t for t in tables if t is not payment_simulation)
    with call.services.storage.write() as conn:
        for table in tables:
            conn.execute(table.delete())
        ServerClock.reset(conn)
    return Response(status_code=204)


def create_test_fixtures(call: Call) -> Response:
    ids = create_fixtures(call.services.storage, call.body, now=call.now(), settings=call.settings)
    return json_response({"ids": ids}, 201)


def _clock_json(state: ClockState) -> dict[str, Any]:
    return {"now": utc_text(state.now), "frozen": state.frozen}


def get_test_clock(call: Call) -> Response:
    return json_response(_clock_json(call.services.clock.state()))


def set_test_clock(call: Call) -> Response:
    try:
        now = parse_instant(call.body["now"])
    except ValueError as exc:
        raise problems.body_error("/now", str(exc)) from exc
    if not EARLIEST <= now < LATEST:
        raise problems.body_error(
            "/now", f"the clock can be set from {utc_text(EARLIEST)} to before {utc_text(LATEST)}"
        )
    frozen = bool(call.body.get("frozen", False))
    if call.settings.fault_active("clock-not-applied"):
        # Kept in a variable nobody else reads: the answer looks right, the server never uses it.
        return json_response(_clock_json(ClockState(now, frozen)))
    call.services.clock.set(now, frozen=frozen)
    return json_response(_clock_json(call.services.clock.state()))


def reset_test_clock(call: Call) -> Response:
    with call.services.storage.write() as conn:
        ServerClock.reset(conn)
    return Response(status_code=204)


def _token_claim_errors(call: Call) -> list[FieldError]:
    body = call.body
    persona = body["persona"]
    required = REQUIRED_CLAIMS[persona]
    if call.settings.fault_active("incomplete-token-claims-accepted"):
        required = required[:1]  # only the claim the token's subject is made of
    errors = [
        FieldError("body", f"required for persona {persona}", pointer=f"/{name}")
        for name in required
        if name not in body
    ]
    if call.settings.fault_active("foreign-token-claims-refused"):
        # Tidy-minded: a claim the persona does not use is taken for a mistake, not carried (TEST-005).
        errors += [
            FieldError("body", f"not a claim of persona {persona}", pointer=f"/{name}")
            for name in IDENTITY_CLAIMS
            if name in body and name not in REQUIRED_CLAIMS[persona]
        ]
    if errors:
        return errors
    with call.services.storage.read() as conn:
        if "personId" in required and not person_exists(conn, body["personId"]):
            errors.append(FieldError("body", f"no person with id {body['personId']}", pointer="/personId"))
        if "organisationId" in required and load_organisation(conn, body["organisationId"]) is None:
            errors.append(
                FieldError("body", f"no organisation with id {body['organisationId']}", pointer="/organisationId")
            )
    return errors


def _subject(body: dict[str, Any]) -> str:
    persona = body["persona"]
    if persona in ("citizen", "organisation-representative"):
        return str(body["personId"])
    if persona == "system-client":
        return str(body["clientId"])
    return f"{persona}-{body['municipalityCode']}"


def issue_test_token(call: Call) -> Response:
    errors = _token_claim_errors(call)
    if errors:
        raise problems.validation_error(errors)
    body = call.body
    expires_in = int(body.get("expiresIn", 3600))
    claims = {name: body[name] for name in IDENTITY_CLAIMS if name in body}
    token, expires_at = call.services.tokens.issue(body["persona"], _subject(body), claims, expires_in)
    issued = {"accessToken": token, "tokenType": "Bearer", "expiresIn": expires_in, "expiresAt": utc_text(expires_at)}
    return no_store(json_response(issued, 201), call.settings)


HANDLERS: dict[str, Handler] = {
    "resetTestData": reset_test_data,
    "createTestFixtures": create_test_fixtures,
    "getTestClock": get_test_clock,
    "setTestClock": set_test_clock,
    "resetTestClock": reset_test_clock,
    "issueTestToken": issue_test_token,
}
