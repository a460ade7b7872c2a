"""The certification process on the command line: keys, certificates, the register, client apps.

`cli.py` mounts these; they stay here, beside the modules they drive, so the top-level command
line remains a dispatcher. Exit codes follow `certify`: 0 success (a valid certificate), 1 a
negative verdict (invalid, expired, revoked, a run that cannot be certified), 2 usage error.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import typer

# Plain help (see cli.py): switches show as switches.
keys_app = typer.Typer(help="Signing keys of the stewardship body.", no_args_is_help=True, rich_markup_mode=None)
certificate_app = typer.Typer(
    help="Issue, verify and revoke certificates.", no_args_is_help=True, rich_markup_mode=None
)
registry_app = typer.Typer(help="The register of approved suppliers.", no_args_is_help=True, rich_markup_mode=None)

ENV_PUBLIC_KEY = "BOKBID_PUBLIC_KEY"


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _public_key(path: Path | None) -> Any:
    from .signing import SigningError, load_public_key

    chosen = path or (Path(os.environ[ENV_PUBLIC_KEY]) if os.environ.get(ENV_PUBLIC_KEY) else None)
    if chosen is None:
        raise _fail(f"give --public-key or set {ENV_PUBLIC_KEY}")
    try:
        return load_public_key(chosen)
    except SigningError as exc:
        raise _fail(str(exc)) from None


def _private_key(path: Path) -> Any:
    from .signing import SigningError, load_private_key

    try:
        return load_private_key(path)
    except SigningError as exc:
        raise _fail(str(exc)) from None


def _document(path: Path) -> dict[str, Any]:
    from .certificates import CertificateError, read

    try:
        return read(path)
    except CertificateError as exc:
        raise _fail(str(exc)) from None


@keys_app.command("generate")
def keys_generate(
    out: Path = typer.Option(Path("keys/bob-signing"), "--out", help="Writes OUT.pem (private) and OUT.pub.pem."),
) -> None:
    """Generate an Ed25519 key pair for signing certificates and revocation lists."""
    from .signing import generate_keys

    private, public = out.with_suffix(".pem"), out.with_suffix(".pub.pem")
    try:
        kid = generate_keys(private, public)
    except FileExistsError:
        raise _fail(f"{private} exists; refusing to overwrite a signing key") from None
    typer.echo(f"key id {kid}\nprivate key: {private} (keep it secret)\npublic key:  {public} (publish it)")


@certificate_app.command("issue")
def certificate_issue(
    bundle: Path = typer.Argument(..., metavar="BUNDLE", help="Report directory (evidence bundle) of a passing run."),
    key: Path = typer.Option(..., "--key", help="Private signing key (PEM)."),
    out: Path | None = typer.Option(None, "--out", help="Certificate file (default BUNDLE/certificate.json)."),
    issuer: str = typer.Option("BoB stewardship body", help="Name of the issuing body."),
    valid_days: int = typer.Option(365, "--valid-days", min=1, help="Validity period in days."),
    valid_from: str | None = typer.Option(None, "--valid-from", help="First valid day, YYYY-MM-DD (default today)."),
    policy: Path | None = typer.Option(
        None, "--policy", help="Approval policy (TOML, an [approval] table); default: the built-in policy."
    ),
) -> None:
    """Turn a passing certification run into a signed certificate (refused for any failure or short of the policy)."""
    from . import certificates
    from .config import ConfigError
    from .policy import load_policy

    start = _date(valid_from)
    try:
        applied = load_policy(policy)
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    try:
        document = certificates.issue(
            bundle, _private_key(key), issuer=issuer, valid_days=valid_days, valid_from=start, policy=applied
        )
    except certificates.CertificateError as exc:
        raise _fail(str(exc), 1) from None
    target = out or bundle / "certificate.json"
    certificates.write(document, target)
    body = document["certificate"]
    product = body["product"]
    typer.echo(
        f"Certificate {body['serial']} issued to {body['supplier']} for {product['name']} {product['version']}, "
        f"valid {body['validFrom']} to {body['validUntil']}; written to {target}"
    )


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(f"not a date (YYYY-MM-DD): {text!r}") from None


@certificate_app.command("verify")
def certificate_verify(
    certificate: Path = typer.Argument(..., metavar="CERTIFICATE", help="Certificate JSON file."),
    public_key: Path | None = typer.Option(None, "--public-key", help=f"Issuer's public key (or ${ENV_PUBLIC_KEY})."),
    evidence: Path | None = typer.Option(None, "--evidence", help="Evidence bundle it must match."),
    revocations: Path | None = typer.Option(None, "--revocations", help="Signed revocation list to consult."),
    at: str | None = typer.Option(None, "--at", help="Judge validity on this day, YYYY-MM-DD (default today)."),
) -> None:
    """Check signature, evidence digest, revocation and validity period: exit 0 only when valid."""
    from . import certificates

    key = _public_key(public_key)
    listed = _document(revocations) if revocations is not None else None
    verdict = certificates.check(_document(certificate), key, evidence=evidence, revocations=listed, at=_date(at))
    serial = (verdict.certificate or {}).get("serial")
    which = f"Certificate {serial}" if serial else "The certificate"
    reasons = "; ".join(verdict.reasons)  # "valid until …", "revoked 2026-…: why", "expired after …", …
    if verdict.status in ("valid", "revoked"):
        typer.echo(f"{which} is {reasons}.")
    else:
        typer.echo(f"{which} is {'invalid' if verdict.status == 'invalid' else 'not valid'}: {reasons}.")
    if verdict.status != "invalid":  # an unauthentic certificate's claims are not worth repeating
        for line in certificates.describe(verdict.certificate):
            typer.echo(f"  {line}")
    raise typer.Exit(0 if verdict.ok else 1)


@certificate_app.command("revoke")
def certificate_revoke(
    certificate: Path = typer.Argument(..., metavar="CERTIFICATE", help="Certificate JSON file to revoke."),
    key: Path = typer.Option(..., "--key", help="Private signing key (the one that signed the list)."),
    revocations: Path = typer.Option(..., "--list", help="Revocation list to update (created if missing)."),
    reason: str = typer.Option(..., help="Why it is revoked (shown in the register)."),
) -> None:
    """Add a certificate to the signed revocation list."""
    from . import certificates

    private = _private_key(key)
    current = _document(revocations) if revocations.exists() else None
    try:
        updated = certificates.revoke(current, _document(certificate), private, reason)
    except certificates.CertificateError as exc:
        raise _fail(str(exc), 1) from None
    certificates.write(updated, revocations)
    count = len(updated["revocations"]["entries"])
    typer.echo(f"Revoked; {revocations} now lists {count} revoked certificate{'s' if count != 1 else ''}.")


@registry_app.command("build")
def registry_build(
    certs_dir: Path = typer.Argument(..., metavar="CERTS_DIR", help="Directory of certificate JSON files."),
    out: Path = typer.Option(..., "--out", help="Directory the static site is written to."),
    public_key: Path | None = typer.Option(None, "--public-key", help=f"Issuer's public key (or ${ENV_PUBLIC_KEY})."),
    revocations: Path | None = typer.Option(None, "--revocations", help="Signed revocation list."),
    at: str | None = typer.Option(None, "--at", help="Judge validity on this day (default today)."),
) -> None:
    """Build the static register website; certificates that do not verify are left out (exit 1)."""
    from . import supplier_register

    key = _public_key(public_key)
    listed = _document(revocations) if revocations is not None else None
    entries, rejected = supplier_register.build(certs_dir, out, key, revocations=listed, at=_date(at))
    for item in rejected:
        typer.echo(f"left out {item.path}: {'; '.join(item.reasons)}", err=True)
    counts = [
        f"{sum(1 for e in entries if e.status == s)} {s.replace('-', ' ')}" for s in supplier_register.STATUS_ORDER
    ]
    typer.echo(f"Register written to {out / 'index.html'}: {', '.join(counts)}.")
    raise typer.Exit(1 if rejected else 0)
