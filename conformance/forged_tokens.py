"""Tokens a server must refuse, made from a genuine one (CORE-010, CORE-020).

The harness cannot sign with the sandbox's key, and must not need to: every forgery starts from a
token the sandbox issued, keeps its claims (so a server that skips a check would accept it as that
very identity), and breaks exactly one thing: the signature, the algorithm, or the key it is
verified with. The untrusted key is an Ed25519 key generated here, once per process.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _segment(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


@cache
def untrusted_key() -> Ed25519PrivateKey:
    """A key no server has ever been told to trust."""
    return Ed25519PrivateKey.generate()


def _public_jwk() -> dict[str, str]:
    raw = untrusted_key().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}


@dataclass(frozen=True)
class Forgery:
    name: str  # what was done to the token, for messages ("alg none", "signed with an untrusted key")
    token: str
    requirement: str = "CORE-020"  # what accepting it breaks: trusting what it must not, or (CORE-010) reading junk


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, _ = token.split(".")
    return json.loads(unb64url(header)), json.loads(unb64url(payload)), payload


def _signed(header: dict[str, Any], payload_segment: str) -> str:
    signing_input = f"{_segment(header)}.{payload_segment}"
    return f"{signing_input}.{b64url(untrusted_key().sign(signing_input.encode()))}"


def forgeries(genuine: str) -> list[Forgery]:
    """Variants of a genuine JWT that keep its claims but cannot be trusted."""
    header, _, payload = _parts(genuine)
    ours = {**header, "alg": "EdDSA"}
    return [
        Forgery("an unsigned token with alg 'none'", f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{payload}."),
        Forgery("an unsigned token with alg 'None'", f"{_segment({**header, 'alg': 'None'})}.{payload}."),
        Forgery("a token signed with a key the server does not trust", _signed(ours, payload)),
        Forgery(
            "a token carrying its own signing key in a 'jwk' header",
            _signed({**ours, "jwk": _public_jwk()}, payload),
        ),
        Forgery("a token whose signature was removed", genuine.rsplit(".", 1)[0] + "."),
        Forgery("a token that is not a JWT", "not-a-jwt", "CORE-010"),
    ]
