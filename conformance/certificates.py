"""Certificates: a passing run, turned into a signed statement any municipality can check.

The stewardship body issues a certificate only from an intact evidence bundle of a run in which
every check passed, nothing was refused and nothing was left out (a re-run of failed checks is
partial, so it never qualifies), that was held to a release of the standard (a call-off names a
release; an unreleased working draft can still change), and that clears its approval policy (`policy.py`: a profile, a
fuzz phase of a minimum size). The certificate names what was certified against what (supplier,
product and version, profile, classes, spec version and digest, suite version), how hard it was
tried (the fuzz budget and the seed, and the policy applied with its digest), when, for how long,
and the digest of the evidence bundle, so the verdict can always be traced back to every request
and response it rests on. Revocation is a signed list of serial numbers: a certificate
stays a valid signature forever, so withdrawing it has to be a second signed statement.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .bundle import BundleError, bundle_digest, load_report
from .policy import Policy
from .signing import SigningError, key_id, sign, verify

CERTIFICATE_FORMAT = "bob-certificate/1"
REVOCATIONS_FORMAT = "bob-revocations/1"
DEFAULT_VALIDITY_DAYS = 365
Status = Literal["valid", "expired", "not-yet-valid", "revoked", "invalid"]


class CertificateError(Exception):
    """A certificate cannot be issued, read or revoked (the message says why, for the command line)."""


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _refusals(report: dict[str, Any]) -> list[str]:
    """Why this run cannot be certified; empty when it can."""
    reasons = []
    summary = report.get("summary", {})
    if summary.get("failed") or summary.get("errors"):
        reasons.append(f"the run has {summary.get('failed', 0)} failed and {summary.get('errors', 0)} errored checks")
    if report.get("refused"):
        reasons += [f"the run was refused: {r}" for r in report["refused"]]
    if report.get("onlyChecks") is not None:
        reasons.append("the run repeated only some checks (--rerun-failed); certify a full run")
    if report.get("productMismatch"):
        reasons += [f"product statement contradicts /api-info: {m}" for m in report["productMismatch"]]
    product = report.get("product") or {}
    missing = [k for k in ("supplier", "name", "version") if not product.get(k)]
    if missing:
        reasons.append(f"the product is not identified ({', '.join(missing)} unknown)")
    if not report.get("certifiedClasses"):
        reasons.append("no class was certified")
    if report.get("specDraft") is not False:
        # A call-off names a release; a draft can still change under the certificate.
        what = "an unreleased working draft" if report.get("specDraft") else "not known to be a release"
        reasons.append(
            f"BoB {report.get('specVersion')} is {what}; certify against a release (bokbid certify --spec-version)"
        )
    return reasons


def issue(
    bundle: Path,
    key: Ed25519PrivateKey,
    *,
    issuer: str,
    policy: Policy | None = None,
    valid_days: int = DEFAULT_VALIDITY_DAYS,
    valid_from: date | None = None,
    issued_at: datetime | None = None,
) -> dict[str, Any]:
    """A signed certificate for the run in `bundle`, or CertificateError saying why not."""
    try:
        digest = bundle_digest(bundle)
        report = load_report(bundle)
    except BundleError as exc:
        raise CertificateError(f"not an intact evidence bundle: {exc}") from exc
    policy = policy or Policy()
    refusals = _refusals(report) + policy.refusals(report)
    if refusals:
        raise CertificateError("this run cannot be certified:\n  " + "\n  ".join(refusals))
    issued_at = issued_at or _now()
    start = valid_from or issued_at.date()
    product = report["product"]
    body = {
        "format": CERTIFICATE_FORMAT,
        "supplier": product["supplier"],
        "product": {"name": product["name"], "version": product["version"]},
        "profile": report.get("profile"),
        "classes": [c for c in report["certifiedClasses"] if c != "test-interface"],
        "optionalClasses": (report.get("optionalClasses") or {}).get("certified", []),
        "specVersion": report["specVersion"],
        "specDigest": report["specDigest"],
        "suiteVersion": report["suiteVersion"],
        "seed": report["seed"],
        "fuzz": report.get("fuzz"),
        "policy": policy.record(),
        "testedUrl": report.get("baseUrl"),
        "testedAt": report.get("finishedAt"),
        "issuedAt": _iso(issued_at),
        "validFrom": start.isoformat(),
        "validUntil": (start + timedelta(days=valid_days)).isoformat(),
        "evidenceDigest": digest,
        "issuer": {"name": issuer, "keyId": key_id(key.public_key())},
    }
    body["serial"] = secrets.token_hex(16)  # unique even for two certificates of one run in one second
    return {"certificate": body, "signature": sign(body, key)}


def write(document: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CertificateError(f"cannot read {path}: {exc}") from exc
    if not isinstance(document, dict):
        raise CertificateError(f"{path} is not a JSON object")
    return document


# ----------------------------------------------------------------------------------------------
# Revocation


def empty_revocations(key: Ed25519PrivateKey, now: datetime | None = None) -> dict[str, Any]:
    body = {
        "format": REVOCATIONS_FORMAT,
        "issuerKeyId": key_id(key.public_key()),
        "updatedAt": _iso(now or _now()),
        "entries": [],
    }
    return {"revocations": body, "signature": sign(body, key)}


def revoked_serials(document: dict[str, Any], key: Ed25519PublicKey) -> dict[str, dict[str, Any]]:
    """The entries of a revocation list by serial, after checking its signature."""
    body = document.get("revocations")
    if not isinstance(body, dict) or body.get("format") != REVOCATIONS_FORMAT:
        raise CertificateError(f"not a {REVOCATIONS_FORMAT} document")
    try:
        verify(body, document.get("signature"), key)
    except SigningError as exc:
        raise CertificateError(f"the revocation list is not authentic: {exc}") from exc
    return {str(e["serial"]): e for e in body.get("entries", []) if isinstance(e, dict) and "serial" in e}


def revoke(
    revocations: dict[str, Any] | None,
    certificate: dict[str, Any],
    key: Ed25519PrivateKey,
    reason: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The revocation list (a new one when None) with the certificate's serial added, signed again."""
    now = now or _now()
    current = empty_revocations(key, now) if revocations is None else revocations
    entries = revoked_serials(current, key.public_key())
    serial = str(certificate.get("certificate", {}).get("serial", ""))
    if not serial:
        raise CertificateError("the certificate has no serial")
    entries.setdefault(serial, {"serial": serial, "revokedAt": _iso(now), "reason": reason})
    body = {
        "format": REVOCATIONS_FORMAT,
        "issuerKeyId": key_id(key.public_key()),
        "updatedAt": _iso(now),
        "entries": sorted(entries.values(), key=lambda e: (e["revokedAt"], e["serial"])),
    }
    return {"revocations": body, "signature": sign(body, key)}


# ----------------------------------------------------------------------------------------------
# Verification


@dataclass
class Verification:
    """What a reader of a certificate needs to know: its status and every reason behind it."""

    status: Status
    reasons: list[str] = field(default_factory=list)
    certificate: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "valid"


def check(
    document: dict[str, Any],
    key: Ed25519PublicKey,
    *,
    evidence: Path | None = None,
    revocations: dict[str, Any] | None = None,
    at: date | None = None,
) -> Verification:
    """Signature first (nothing else means anything without it), then evidence, revocation, validity."""
    body = document.get("certificate")
    if not isinstance(body, dict) or body.get("format") != CERTIFICATE_FORMAT:
        return Verification("invalid", [f"not a {CERTIFICATE_FORMAT} document"])
    try:
        verify(body, document.get("signature"), key)
    except SigningError as exc:
        return Verification("invalid", [f"signature: {exc}"], body)
    if evidence is not None:
        try:
            digest = bundle_digest(evidence)
        except BundleError as exc:
            return Verification("invalid", [f"evidence: {exc}"], body)
        if digest != body.get("evidenceDigest"):
            return Verification(
                "invalid", [f"evidence: the bundle's digest {digest} is not {body.get('evidenceDigest')}"], body
            )
    if revocations is not None:
        try:
            revoked = revoked_serials(revocations, key)
        except CertificateError as exc:
            return Verification("invalid", [str(exc)], body)
        entry = revoked.get(str(body.get("serial")))
        if entry is not None:
            return Verification("revoked", [f"revoked {entry['revokedAt']}: {entry.get('reason', '')}"], body)
    today = at or datetime.now(UTC).date()
    if today < date.fromisoformat(body["validFrom"]):
        return Verification("not-yet-valid", [f"valid from {body['validFrom']}"], body)
    if today > date.fromisoformat(body["validUntil"]):
        return Verification("expired", [f"expired after {body['validUntil']}"], body)
    return Verification("valid", [f"valid until {body['validUntil']}"], body)


def describe(body: dict[str, Any]) -> list[str]:
    """What a certified run was held to, for people: release, profile, seed, fuzz phase, approval policy."""
    lines = [
        f"standard BoB {body.get('specVersion')} ({body.get('specDigest')})",
        f"profile {body.get('profile') or '(none)'}, seed {body.get('seed')}",
    ]
    fuzz = body.get("fuzz")
    if isinstance(fuzz, dict):
        state = "complete" if fuzz.get("completed") else "cut short by its time budget"
        lines.append(
            f"fuzz phase: {fuzz.get('examplesPerOperation')} examples per operation and mode, "
            f"{_number(fuzz.get('seconds'))} s budget, {fuzz.get('requests')} requests, {state}"
        )
    else:
        lines.append("fuzz phase: none recorded")
    policy = body.get("policy")
    if isinstance(policy, dict):
        terms = [
            "a profile required" if policy.get("requireProfile") else "no profile required",
            f"at least {policy.get('minFuzzExamples')} fuzz examples",
            f"at least {_number(policy.get('minFuzzSeconds'))} s of fuzzing",
            "the fuzz phase complete" if policy.get("fuzzMustComplete") else "the fuzz phase may be cut short",
        ]
        if "requireCorsOrigin" in policy:  # policies recorded before CORE-030 do not name it
            terms.append(
                "CORS tested on a named origin (releases with CORE-030)"
                if policy["requireCorsOrigin"]
                else "CORS may go untested"
            )
        lines.append(f"approval policy {policy.get('digest')}: {', '.join(terms)}")
    else:
        lines.append("approval policy: none recorded")
    return lines


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)
