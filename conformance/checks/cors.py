"""Browser apps on another origin (CORE-030): preflights, and the CORS headers of every answer.

Which origin a server allows is its operator's choice, so the supplier names one (`--cors-origin`,
`certify.cors_origin`); without it the checks are skipped, and the approval policy refuses to turn
such a run into a certificate. What must be allowed comes from the release certified against: each
operation's method and the request headers the standard defines for it, and the response headers
it defines, exposed.
"""

from __future__ import annotations

import spec
from conformance.checks.security import concrete_path
from conformance.context import CheckContext
from conformance.expect import ensure
from conformance.http import Response
from conformance.outcomes import Skip
from conformance.registry import check

NO_ORIGIN = (
    "no origin to test with: name one the server lets browser apps call from with --cors-origin "
    "(certify.cors_origin, BOKBID_CORS_ORIGIN)"
)


def _origin(ctx: CheckContext) -> str:
    if ctx.run.cors_origin is None:
        raise Skip(NO_ORIGIN)
    return ctx.run.cors_origin


def _names(header: str | None) -> set[str]:
    """A comma-separated header value as a set of lower-case names."""
    return {part.strip().lower() for part in (header or "").split(",") if part.strip()}


def _allows_origin(response: Response, origin: str, what: str) -> None:
    allowed = response.headers.get("access-control-allow-origin")
    ensure(
        allowed in (origin, "*"),
        f"{what} does not let {origin} read it (Access-Control-Allow-Origin)",
        expected=f"{origin} or *",
        actual=allowed,
        response=response,
    )


@check(
    "cors-preflight",
    "A preflight from an allowed origin is answered for every operation, with its method and request headers",
    requirements=["CORE-030"],
    cls="core",
)
def cors_preflight(ctx: CheckContext) -> None:
    origin = _origin(ctx)
    declared = set(ctx.anonymous.get("/conformance").json().get("conformsTo", []))
    for operation in spec.operations(ctx.release):
        if not {operation.conformance_class, *operation.only_with} <= declared | {"core"}:
            continue
        asked = [name.lower() for name in operation.request_headers]
        headers = {"Origin": origin, "Access-Control-Request-Method": operation.method}
        if asked:
            headers["Access-Control-Request-Headers"] = ",".join(asked)
        # A preflight is not an operation of the standard: its answer is judged by CORE-030 alone.
        response = ctx.anonymous.request("OPTIONS", concrete_path(operation.path), headers=headers, off_spec=True)
        what = f"the preflight of {operation.method} {operation.path}"
        ensure(
            response.status_code in (200, 204),
            f"{what} was not answered as allowed",
            expected="200 or 204",
            actual=response.status_code,
            response=response,
        )
        _allows_origin(response, origin, what)
        methods = _names(response.headers.get("access-control-allow-methods"))
        ensure(
            operation.method.lower() in methods or "*" in methods,
            f"{what} does not allow the method (Access-Control-Allow-Methods)",
            expected=operation.method,
            actual=response.headers.get("access-control-allow-methods"),
            response=response,
        )
        allowed = _names(response.headers.get("access-control-allow-headers"))
        # `*` allows any header but Authorization (Fetch standard), which must be named.
        missing = [h for h in asked if h not in allowed and ("*" not in allowed or h == "authorization")]
        ensure(
            not missing,
            f"{what} does not allow the request header(s) {', '.join(missing)} (Access-Control-Allow-Headers)",
            expected=", ".join(asked),
            actual=response.headers.get("access-control-allow-headers"),
            response=response,
        )


@check(
    "cors-responses",
    "Answers to an allowed origin, errors included, let the app read them and the headers the standard defines",
    requirements=["CORE-030"],
    cls="core",
)
def cors_responses(ctx: CheckContext) -> None:
    origin = _origin(ctx)
    defined = [name.lower() for name in spec.response_headers(ctx.release)]
    sent = {"Origin": origin}
    answers = {
        "the answer to GET /api-info": ctx.anonymous.get("/api-info", headers=sent),
        "the 401 to GET /me without a token": ctx.anonymous.get("/me", headers=sent),
        "the 404 to an unknown path": ctx.anonymous.request(
            "GET", f"/no-such-resource-{ctx.random.randint(1000, 9999)}", headers=sent, off_spec=True
        ),
    }
    for what, response in answers.items():
        _allows_origin(response, origin, what)
        exposed = _names(response.headers.get("access-control-expose-headers"))
        missing = [name for name in defined if name not in exposed and "*" not in exposed]
        ensure(
            not missing,
            f"{what} does not expose {', '.join(missing)} to the app (Access-Control-Expose-Headers)",
            expected=", ".join(defined),
            actual=response.headers.get("access-control-expose-headers"),
            response=response,
        )
