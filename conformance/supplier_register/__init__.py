"""The register of approved suppliers: a static website built from a directory of certificates.

Municipalities read it before a call-off, and a call-off names a release of the standard, so an
entry is a product version certified against one release: a product certified against 1.0.0 and
1.1.0 has an entry for each, and a reader looks for the release their call-off names. It must never
overstate: every certificate is
verified at build time against the stewardship body's public key and the revocation list, a
revoked or expired one is shown as such (in words, not only in colour), and one whose signature
does not verify is left out altogether. The site is plain files with no scripts and no external
assets, so it can be served from anywhere or archived, and each entry links the certificate JSON,
the public key and the command that verifies it independently of this site.

Its language follows the rule of the rendered spec (`spec/governance/docs_site.py`): English
throughout, and where Swedish has the term a municipality uses (register över godkända
leverantörer, avrop), it follows in parentheses, marked `lang="sv"`.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jinja2 import Environment, PackageLoader, select_autoescape

from spec.governance.semver import Version

from .. import certificates
from ..signing import key_id, public_pem

STATUS_LABELS = {
    "valid": "Valid",
    "expired": "EXPIRED",
    "revoked": "REVOKED",
    "not-yet-valid": "Not yet valid",
}
STATUS_ORDER = ("valid", "not-yet-valid", "expired", "revoked")


@dataclass(frozen=True)
class Entry:
    certificate: dict[str, Any]
    status: str
    reasons: tuple[str, ...]
    file_name: str

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def serial(self) -> str:
        return str(self.certificate["serial"])

    @property
    def key(self) -> tuple[str, str, str, tuple[Any, ...]]:
        """What an entry is about: supplier, product, product version and the release certified against."""
        product = self.certificate["product"]
        release = Version.parse(str(self.certificate["specVersion"]))
        return (self.certificate["supplier"], product["name"], product["version"], release.key() if release else ())


@dataclass(frozen=True)
class Rejected:
    path: Path
    reasons: tuple[str, ...]


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("conformance.supplier_register", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )


def build(
    certs_dir: Path,
    out: Path,
    key: Ed25519PublicKey,
    *,
    revocations: dict[str, Any] | None = None,
    at: date | None = None,
) -> tuple[list[Entry], list[Rejected]]:
    """Write the site into `out`; the entries shown and the certificates left out (with why)."""
    today = at or datetime.now(UTC).date()
    entries: list[Entry] = []
    rejected: list[Rejected] = []
    for path in sorted(certs_dir.glob("*.json")):
        try:
            document = certificates.read(path)
        except certificates.CertificateError as exc:
            rejected.append(Rejected(path, (str(exc),)))
            continue
        if "revocations" in document:
            continue  # the revocation list may live beside the certificates
        verdict = certificates.check(document, key, revocations=revocations, at=today)
        if verdict.status == "invalid":
            rejected.append(Rejected(path, tuple(verdict.reasons)))
            continue
        serial = str(document["certificate"]["serial"])
        entries.append(Entry(document["certificate"], verdict.status, tuple(verdict.reasons), f"{serial}.json"))
        (out / "certificates").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out / "certificates" / f"{serial}.json")
    entries.sort(key=lambda e: (STATUS_ORDER.index(e.status), e.key))
    out.mkdir(parents=True, exist_ok=True)
    (out / "public-key.pem").write_bytes(public_pem(key))
    if revocations is not None:
        (out / "revocations.json").write_text(json.dumps(revocations, indent=2) + "\n", encoding="utf-8")
    env = _environment()
    common = {
        "built": today.isoformat(),
        "key_id": key_id(key),
        "has_revocations": revocations is not None,
        "counts": {s: sum(1 for e in entries if e.status == s) for s in STATUS_ORDER},
    }
    (out / "index.html").write_text(env.get_template("index.html.j2").render(entries=entries, **common), "utf-8")
    for entry in entries:
        page = env.get_template("certificate.html.j2").render(entry=entry, **common)
        (out / "certificates" / f"{entry.serial}.html").write_text(page, "utf-8")
    return entries, rejected
