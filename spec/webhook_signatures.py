"""Standard Webhooks signatures as BoB's `webhooks.event` prescribes them (EVT-006, EVT-008, EVT-009).

One implementation for every party that signs or verifies: the reference server signing its
deliveries, the harness verifying them and signing its own to a client app's receiver; and the
timestamp tolerance a receiver keeps, read from the spec. `webhook-signature` is `v1,` +
base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")), the key being the secret's part after
`whsec_`, base64-decoded, and the body the exact bytes sent. A shared mistake here would hide
itself from every party, so tests/test_spec.py holds it to the example of the Standard Webhooks
specification.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from . import WORKING, Release, openapi

SECRET_PREFIX = "whsec_"


def _digest(key: bytes, message_id: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def sign(secret: str, message_id: str, timestamp: int | str, body: bytes) -> str:
    """The `webhook-signature` header value for one attempt."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    return "v1," + _digest(key, message_id, str(timestamp), body)


def verifies(secret: str, message_id: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Whether any of the space-separated `v1,…` signatures of `signature` is the secret's over the delivery."""
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except ValueError:
        return False
    wanted = _digest(key, message_id, timestamp, body)
    return any(
        version == "v1" and hmac.compare_digest(value, wanted)
        for version, _, value in (s.partition(",") for s in signature.split())
    )


def timestamp_tolerance(release: Release = WORKING) -> int:
    """How far, in seconds, `webhook-timestamp` may be from the receiver's clock (EVT-009): the
    `x-tolerance-seconds` of that header in `webhooks.event`."""
    parameters = openapi(release)["webhooks"]["event"]["post"]["parameters"]
    header = next(p for p in parameters if p["name"] == "webhook-timestamp")
    return int(header["x-tolerance-seconds"])
