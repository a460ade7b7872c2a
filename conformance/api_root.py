"""Is there a BoB API at the base URL at all? Asked before anything is certified.

A user who points the harness at the server's root instead of the API root (`…/v1`), or at
another web server entirely, deserves one line saying so, not a report of a hundred failed
checks: nothing there claims to be a BoB API, so nothing can be certified (exit 3, like a server
that cannot be reached).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx

import spec

from . import json_bodies
from .http import RecordingClient, Response
from .validation import is_json_media


def no_api(client: RecordingClient, info: Response, conformance: Response) -> str | None:
    """None when the base URL serves a BoB API; otherwise the one line that says what answers there.

    A BoB API answers GET /api-info with an apiVersion, or GET /conformance with a conformsTo list:
    either is enough, so a server with a broken /api-info is still certified (and fails CORE-001),
    while a web server's 404 page or a URL without the version segment is named for what it is.
    """
    if _answers(info, "apiVersion") or _answers(conformance, "conformsTo"):
        return None
    line = f"no BoB API at {client.api_root}: GET /api-info answered {_described(info)}"
    major = f"v{spec.version().split('.')[0]}"
    if not re.search(r"/v\d+$", urlsplit(client.api_root).path):
        guess = f"{client.api_root}/{major}"
        try:
            found = client.http.get(f"{guess}/api-info")
        except httpx.HTTPError:
            found = None
        if found is not None and _answers(found, "apiVersion"):
            line += f" — did you mean {guess}?"
    return line


def _answers(response: Response | httpx.Response, member: str) -> bool:
    """A 2xx JSON object that has `member`."""
    if not 200 <= response.status_code < 300:
        return False
    try:
        body = json_bodies.loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and member in body


def _described(response: Response) -> str:
    if not 200 <= response.status_code < 300:
        return str(response.status_code)
    if response.media_type is None or not is_json_media(response.media_type):
        return f"{response.status_code} with {response.media_type or 'no content type'}, not JSON"
    return f"{response.status_code} without apiVersion"
