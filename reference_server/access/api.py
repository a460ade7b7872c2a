"""Handlers of the class `access`: a booking's door code, and the door-lock system's check of one."""

from __future__ import annotations

from starlette.responses import Response

from reference_server import problems
from reference_server.access import codes as access_codes
from reference_server.booking import bookings as b
from reference_server.routing import Call, Handler, json_response
from reference_server.timestamps import utc_text

VERIFY_SCOPE = "access:verify"


def get_booking_access_code(call: Call) -> Response:
    identity = b.require_persona(call.identity, b.READERS, "read door codes")
    booking_id = call.path["bookingId"]
    now = call.now()
    with call.services.storage.read() as conn:
        row = b.visible_booking(conn, identity, booking_id)
        code = access_codes.for_booking(conn, booking_id)
    if code is None:
        status = b.status_of(row, now, call.settings)
        raise b.conflict("invalid-state", f"The booking is {status}; only a confirmed booking has a door code.")
    return json_response(access_codes.code_json(code, now))


def verify_access_code(call: Call) -> Response:
    identity = call.identity
    assert identity is not None  # the operation requires a token
    scopes = identity.claim("scopes") or []
    door_lock = identity.persona == "system-client" and VERIFY_SCOPE in scopes
    if not door_lock and not call.settings.fault_active("door-code-check-open-to-anyone"):
        raise problems.forbidden(
            f"Only a door-lock system (a system client with the scope {VERIFY_SCOPE}) may check codes."
        )
    now = call.now()
    with call.services.storage.read() as conn:
        candidates = access_codes.matching(conn, call.body["unitId"], call.body["code"])
    body: dict[str, object] = {"valid": False, "checkedAt": utc_text(now)}
    valid = [c for c in candidates if access_codes.is_valid(c, now, call.settings)]
    if valid:
        body |= {"valid": True, "bookingId": valid[0].booking_id}
    elif not candidates:
        body["reason"] = "unknown-code"
    elif any(c.revoked_at is not None for c in candidates):
        body["reason"] = "revoked"
    elif all(now < c.valid_from for c in candidates):
        body["reason"] = "not-yet-valid"
    else:
        body["reason"] = "expired"
    return json_response(body)


HANDLERS: dict[str, Handler] = {
    "getBookingAccessCode": get_booking_access_code,
    "verifyAccessCode": verify_access_code,
}
