"""Ed25519 signatures over canonical JSON: what certificates and revocation lists rest on.

A signature over JSON is only checkable if signer and verifier serialise the same object to the
same bytes, so everything signed here is serialised one way (`canonical_json`: sorted keys, no
insignificant whitespace, UTF-8) and the signature travels beside the signed object, never inside
it. Keys are PEM files (PKCS#8 private, SubjectPublicKeyInfo public) that `openssl` reads too; a
key id (the first 16 hex digits of the public key's sha256) lets a verifier tell keys apart.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "Ed25519"


class SigningError(Exception):
    """A key cannot be read or a signature does not verify."""


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def generate_keys(private_path: Path, public_path: Path) -> str:
    """Write a new key pair (the private key readable by its owner only); the key id."""
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    private_path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as f:
        f.write(private_pem)
    public_path.write_bytes(public_pem(key.public_key()))
    return key_id(key.public_key())


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SigningError(f"cannot read the private key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{path} is not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise SigningError(f"cannot read the public key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError(f"{path} is not an Ed25519 public key")
    return key


def sign(payload: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, str]:
    """The signature block for `payload`: algorithm, key id, base64 signature over canonical_json."""
    return {
        "algorithm": ALGORITHM,
        "keyId": key_id(key.public_key()),
        "value": base64.b64encode(key.sign(canonical_json(payload))).decode(),
    }


def verify(payload: dict[str, Any], signature: Any, key: Ed25519PublicKey) -> None:
    """Raise SigningError unless `signature` is this key's signature over `payload`."""
    if not isinstance(signature, dict) or signature.get("algorithm") != ALGORITHM:
        raise SigningError(f"the signature block is missing or not {ALGORITHM}")
    if signature.get("keyId") != key_id(key):
        raise SigningError(f"signed by key {signature.get('keyId')}, not by the given key {key_id(key)}")
    try:
        key.verify(base64.b64decode(str(signature.get("value")), validate=True), canonical_json(payload))
    except (InvalidSignature, ValueError) as exc:
        raise SigningError("the signature does not match the signed content") from exc
