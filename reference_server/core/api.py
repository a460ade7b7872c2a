"""Handlers of the class `core`: what the API is, which classes it implements, and who the caller is."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.responses import Response

import spec
from reference_server import __version__
from reference_server.routing import Call, Handler, json_response
from reference_server.timestamps import utc_text
from reference_server.version_header import stated_version

SUPPLIER = "BoB stewardship body"
PRODUCT = "bokbid reference server"
DEFAULT_SESSION = timedelta(hours=1)  # only under the fault me-expiry-of-session


def get_api_info(call: Call) -> Response:
    body: dict[str, Any] = {"name": "BoB reference server"}
    if not call.settings.fault_active("api-info-missing-version"):
        body["apiVersion"] = stated_version(call.settings)
    body["product"] = {"supplier": SUPPLIER, "name": PRODUCT, "version": __version__}
    body["documentation"] = str(call.request.url_for("docs"))
    return json_response(body)


def get_conformance(call: Call) -> Response:
    classes = list(call.services.classes)
    if call.settings.fault_active("conformance-lists-unknown-class"):
        classes.append("bookings")  # announced before it was part of the standard
    return json_response({"apiVersion": spec.version(call.settings.release), "conformsTo": classes})


def get_me(call: Call) -> Response:
    identity = call.identity
    assert identity is not None  # the operation's security requires a token
    claims = identity.claims
    if call.settings.fault_active("me-drops-organisation-claims"):
        # Read back from the person record, which knows nothing of the organisation the token speaks for.
        claims = {name: value for name, value in claims.items() if name not in ("organisationId", "role")}
    body = {"persona": identity.persona, "subject": identity.subject, **claims}
    expires_at = identity.expires_at
    if call.settings.fault_active("me-expiry-of-session"):
        # The expiry of a sliding session kept beside the token, renewed by every request, not the token's own.
        expires_at = call.now() + DEFAULT_SESSION
    body["expiresAt"] = utc_text(expires_at)
    return json_response(body)


HANDLERS: dict[str, Handler] = {
    "getApiInfo": get_api_info,
    "getConformance": get_conformance,
    "getMe": get_me,
}
