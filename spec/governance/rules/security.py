"""Authentication: every operation states its security; Bearer/OAuth2 only, API keys only in headers."""

from __future__ import annotations

from collections.abc import Iterator

from spec.governance import pointer
from spec.governance.lint import Issue, LintContext, rule


def _schemes(ctx: LintContext) -> dict[str, object]:
    return dict((ctx.root.get("components") or {}).get("securitySchemes") or {})


@rule(
    "operation-security-defined",
    "error",
    "Every operation states its security (globally or itself); anonymous access is an explicit `{}`.",
)
def operation_security_defined(ctx: LintContext) -> Iterator[Issue]:
    for op in ctx.operations:
        if not op.security:
            yield (
                op.pointer,
                (
                    f"{op.label} states no security: add `security: [{{bearerAuth: []}}]`, or "
                    "`security: [{}]` when anonymous access is intended."
                ),
            )


@rule("security-no-basic-digest", "error", "No HTTP Basic or Digest authentication (Bearer/OAuth2 only).")
def security_no_basic_digest(ctx: LintContext) -> Iterator[Issue]:
    for name, scheme in _schemes(ctx).items():
        scheme = ctx.resolve(scheme)
        if (
            isinstance(scheme, dict)
            and scheme.get("type") == "http"
            and str(scheme.get("scheme", "")).lower() in ("basic", "digest")
        ):
            yield (
                pointer.join("#/components/securitySchemes", name),
                f"`{name}` uses HTTP {scheme['scheme']}: use `scheme: bearer` with OAuth2/OIDC access tokens.",
            )


@rule("api-key-in-header", "error", "API keys travel in a header, never in the query string or a cookie.")
def api_key_in_header(ctx: LintContext) -> Iterator[Issue]:
    for name, scheme in _schemes(ctx).items():
        scheme = ctx.resolve(scheme)
        if isinstance(scheme, dict) and scheme.get("type") == "apiKey" and scheme.get("in") != "header":
            yield (
                pointer.join("#/components/securitySchemes", name, "in"),
                f"API key `{name}` is sent in {scheme.get('in')}, where it ends up in logs: use `in: header`.",
            )


@rule("security-scheme-defined", "error", "Every scheme a security requirement names is defined.")
def security_scheme_defined(ctx: LintContext) -> Iterator[Issue]:
    defined = _schemes(ctx)
    places = [("#/security", ctx.root.get("security") or [])]
    places += [(pointer.join(op.pointer, "security"), op.node.get("security") or []) for op in ctx.operations]
    for at, requirements in places:
        for i, requirement in enumerate(requirements):
            for name in requirement or {}:
                if name not in defined:
                    yield (
                        pointer.join(at, i, name),
                        f"security scheme `{name}` is not defined under components.securitySchemes.",
                    )
