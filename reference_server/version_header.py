"""`API-Version` on every response (CORE-026): clients and gateways learn which release of the
standard answered without a second request, whatever the route, errors included. The header is
added with the others in `response_headers.py`."""

from __future__ import annotations

import spec
from reference_server.settings import Settings

UNKNOWN_VERSION = "0.9.0"  # only under the fault api-version-unknown


def stated_version(settings: Settings) -> str:
    """The version of the standard the server says it implements, in `/api-info` and in the header."""
    if settings.fault_active("api-version-unknown"):
        return UNKNOWN_VERSION  # the draft the product was built on, never a version of the standard
    return spec.version(settings.release)


def api_version(settings: Settings, status: int) -> str | None:
    """The header's value for a response of `status`; None where the served release lacks CORE-026."""
    if not settings.states("CORE-026"):
        return None
    if status >= 400 and settings.fault_active("api-version-header-missing-on-errors"):
        return None
    version = stated_version(settings)
    return version.split(".")[0] if settings.fault_active("api-version-header-major-only") else version
