"""The version of the standard and where it shows: semver `info.version`, `/vN` servers over https."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

from spec.governance import pointer, walk
from spec.governance.lint import Issue, LintContext, rule
from spec.governance.semver import Version, url_major


@rule("info-version-semver", "error", "`info.version` is a semantic version MAJOR.MINOR.PATCH.")
def info_version_semver(ctx: LintContext) -> Iterator[Issue]:
    version = (ctx.root.get("info") or {}).get("version")
    if Version.parse(str(version)) is None:
        yield "#/info/version", f"`{version}` is not a semantic version: write MAJOR.MINOR.PATCH, e.g. `1.2.0`."


@rule("servers-major-version", "error", "Every server URL ends in `/vN`, N the major version (v1 while major is 0).")
def servers_major_version(ctx: LintContext) -> Iterator[Issue]:
    version = Version.parse(str((ctx.root.get("info") or {}).get("version")))
    servers = ctx.root.get("servers") or []
    expected = f"v{version.url_major}" if version else "vN"
    if not servers:
        yield "#", f"no `servers`: declare the API root, e.g. `https://sandbox.example.org/{expected}`."
    for i, server in enumerate(servers):
        url = str((server or {}).get("url", "")) if isinstance(server, dict) else ""
        found = url_major(url)
        if found is None:
            yield (
                pointer.join("#/servers", i, "url"),
                f"`{url}` does not end in the major version: append `/{expected}`.",
            )
        elif version is not None and found != version.url_major:
            yield (
                pointer.join("#/servers", i, "url"),
                f"`{url}` says v{found} but info.version {version} is major v{version.url_major}: "
                f"change the URL to /{expected} (a new major is a new URL).",
            )


@rule("servers-https", "error", "Server URLs use https (relative URLs are allowed).")
def servers_https(ctx: LintContext) -> Iterator[Issue]:
    for i, server in enumerate(ctx.root.get("servers") or []):
        url = str(server.get("url", "")) if isinstance(server, dict) else ""
        scheme = urlparse(url).scheme
        if scheme and scheme != "https":
            yield pointer.join("#/servers", i, "url"), f"`{url}` uses {scheme}: serve the API over https only."


@rule("version-header", "error", "Every response declares the `API-Version` header with the full version.")
def version_header(ctx: LintContext) -> Iterator[Issue]:
    """The Dutch API Design Rules (/core/version-header) lint exactly this; clients need the version
    without a second request, so errors declare it too."""
    for response, at in walk.response_objects(ctx.document):
        headers = ctx.resolve(response.get("headers"))
        if not isinstance(headers, dict) or not any(str(name).lower() == "api-version" for name in headers):
            yield (
                at,
                "the response does not declare `API-Version`: add "
                "`headers: {API-Version: {$ref: '#/components/headers/API-Version'}}`.",
            )
