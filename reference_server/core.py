"""Handlers of the class `core`: what the API is, which classes it implements, and who the caller is."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

import spec

from . import __version__
from .routing import Call, Handler, json_response
from .timestamps import utc_text

SUPPLIER = "BoB stewardship body"
PRODUCT = "bokbid reference server"


def get_api_info(call: Call) -> Response:
    body: dict[str, Any] = {"name": "BoB reference server"}
    if not call.settings.fault_active("api-info-missing-version"):
        body["apiVersion"] = spec.version()
    body["product"] = {"supplier": SUPPLIER, "name": PRODUCT, "version": __version__}
    body["documentation"] = str(call.request.url_for("docs"))
    return json_response(body)


def get_conformance(call: Call) -> Response:
    classes = list(call.services.classes)
    if call.settings.fault_active("conformance-lists-unknown-class"):
        classes.append("bookings")  # announced before it was part of the standard
    return json_response({"apiVersion": spec.version(), "conformsTo": classes})


def get_me(call: Call) -> Response:
    identity = call.identity
    assert identity is not None  # the operation's security requires a token
    body = {"persona": identity.persona, "subject": identity.subject, **identity.claims}
    body["expiresAt"] = utc_text(identity.expires_at)
    return json_response(body)


HANDLERS: dict[str, Handler] = {
    "getApiInfo": get_api_info,
    "getConformance": get_conformance,
    "getMe": get_me,
}
