"""Results that no single check produces: verdicts the runner draws from the whole run.

Whether every response conformed to the spec (CORE-003) or no anonymous response carried a
personnummer (CORE-016) is a property of all exchanges together, and whether `/conformance` is
sound (CORE-002) is settled before any check runs. Giving each a fixed result id keeps them
traceable in the report like any check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .evidence import Exchange
from .outcomes import itemised
from .results import Failure, Result, Status

# A report should show the pattern, not drown in it; the evidence log has every violation.
MAX_LISTED = 20


@dataclass(frozen=True)
class Synthetic:
    id: str
    title: str
    requirement: str | None  # None: about the run itself, not about any requirement of the standard

    def result(self, status: Status, message: str = "", failure: Failure | None = None) -> Result:
        return Result(
            id=self.id,
            title=self.title,
            requirements=(self.requirement,) if self.requirement else (),
            cls="core",
            status=status,
            message=message,
            failure=failure,
        )


CONFORMANCE_DECLARATION = Synthetic(
    "core.conformance-declaration",
    "GET /conformance declares core and only classes the standard defines",
    "CORE-002",
)
RESPONSES_MATCH_SPEC = Synthetic(
    "core.responses-match-spec",
    "Every response has a documented status, a declared content type and a valid body",
    "CORE-003",
)
NO_PERSONAL_DATA_TO_ANONYMOUS = Synthetic(
    "core.no-personal-data-to-anonymous",
    "No response to an anonymous request contains a personnummer",
    "CORE-016",
)
API_VERSION_HEADER = Synthetic(
    "core.api-version-header",
    "Every response carries API-Version with the full version /api-info states",
    "CORE-026",
)
CONTENT_TYPE_OPTIONS = Synthetic(
    "core.content-type-options",
    "Every response carries X-Content-Type-Options: nosniff",
    "CORE-028",
)
NO_STORE = Synthetic(
    "core.no-store",
    "Responses to requests with a Bearer token, and responses holding an access token, carry Cache-Control: no-store",
    "CORE-029",
)
FUZZ_NO_SERVER_ERROR = Synthetic(
    "core.fuzz-no-server-error",
    "Fuzz phase: no generated request, valid or invalid, gets a 5xx",
    "CORE-005",
)
FUZZ_RESPONSES_MATCH_SPEC = Synthetic(
    "core.fuzz-responses-match-spec",
    "Fuzz phase: every response to a generated request is as the standard documents it",
    "CORE-003",
)
# The run's own errors: they block certification without blaming any requirement.
PRODUCT_STATEMENT = Synthetic(
    "core.product-statement",
    "The product statement (bokbid.toml [product], BOKBID_*, flags) agrees with GET /api-info",
    None,
)
EVIDENCE_BUNDLE = Synthetic("core.evidence-bundle", "Every file of the evidence bundle is written in full", None)
ALL = (
    CONFORMANCE_DECLARATION,
    RESPONSES_MATCH_SPEC,
    NO_PERSONAL_DATA_TO_ANONYMOUS,
    API_VERSION_HEADER,
    CONTENT_TYPE_OPTIONS,
    NO_STORE,
    FUZZ_NO_SERVER_ERROR,
    FUZZ_RESPONSES_MATCH_SPEC,
    PRODUCT_STATEMENT,
    EVIDENCE_BUNDLE,
)


def aggregate(synthetic: Synthetic, kind: Literal["spec", "privacy"], exchanges: list[Exchange]) -> Result:
    """Pass when no exchange has a violation of `kind`; otherwise fail, listing them."""
    return _listed(synthetic, [(x, v.message) for x in exchanges for v in x.violations if v.kind == kind])


def version_header(exchanges: list[Exchange], stated: str) -> Result:
    """CORE-026: every response names the version the server states, in full (not only its major)."""
    found = []
    for exchange in exchanges:
        sent = exchange.response_headers.get("api-version")
        if sent != stated:
            found.append((exchange, "no API-Version header" if sent is None else f"API-Version is {sent!r}"))
    return _listed(API_VERSION_HEADER, found, expected=f"API-Version: {stated} on every response")


def content_type_options(exchanges: list[Exchange]) -> Result:
    """CORE-028: nosniff on every response, errors included."""
    found = []
    for exchange in exchanges:
        sent = exchange.response_headers.get("x-content-type-options")
        if sent is None or sent.strip().lower() != "nosniff":
            found.append(
                (exchange, "no X-Content-Type-Options" if sent is None else f"X-Content-Type-Options is {sent!r}")
            )
    return _listed(CONTENT_TYPE_OPTIONS, found, expected="X-Content-Type-Options: nosniff on every response")


def no_store(exchanges: list[Exchange]) -> Result:
    """CORE-029: no-store where personal data or a token may travel: answers to a request with a
    Bearer token, and answers that hold an access token."""
    found = []
    for exchange in exchanges:
        scheme = exchange.request_headers.get("authorization", "").split(" ", 1)[0].lower()
        holds_token = '"accessToken"' in exchange.response_body
        if scheme != "bearer" and not holds_token:
            continue
        sent = exchange.response_headers.get("cache-control")
        directives = {part.strip().split("=", 1)[0].lower() for part in (sent or "").split(",")}
        if "no-store" not in directives:
            why = "an access token" if holds_token else "the answer to a request with a Bearer token"
            found.append((exchange, f"{why}, with {'no Cache-Control' if sent is None else f'Cache-Control {sent!r}'}"))
    return _listed(NO_STORE, found, expected="Cache-Control: no-store")


def _listed(synthetic: Synthetic, found: list[tuple[Exchange, str]], expected: str = "no violations") -> Result:
    """Pass when nothing was found; otherwise fail, listing the first findings."""
    lines = [f"[{x.check_id}] {x.request_line} -> {x.status}: {message}" for x, message in found]
    first = found[0][0] if found else None
    if not lines:
        return synthetic.result("passed")
    shown = lines[:MAX_LISTED]
    if len(lines) > MAX_LISTED:
        shown.append(f"… and {len(lines) - MAX_LISTED} more (see evidence.jsonl)")
    message = itemised(f"{len(lines)} {'violation' if len(lines) == 1 else 'violations'}", shown)
    return synthetic.result("failed", message, Failure(expected=expected, actual=shown, exchange=first))
