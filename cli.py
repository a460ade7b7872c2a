"""`bokbid`: one command line for the standard, the reference server and the harness.

This module only parses arguments and dispatches; it is, with `tests/`, the one place that knows
both the reference server and the harness (for `demo`, which runs one against the other).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from conformance.commands import certificate_app, keys_app, registry_app

app = typer.Typer(
    help="BoB: the open interface standard for municipal booking and grants.",
    no_args_is_help=True,
    add_completion=False,
    # Plain help: switches show as switches (the rich layout labels them <bool>, yet takes no value).
    rich_markup_mode=None,
)
app.add_typer(keys_app, name="keys")
app.add_typer(certificate_app, name="certificate")
app.add_typer(registry_app, name="registry")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port; the API root is http://HOST:PORT/v1."),
    db: str = typer.Option("sqlite:///bokbid.db", help="sqlite:///PATH (embedded) or postgresql://…"),
    workers: int = typer.Option(1, min=1, help="Worker processes sharing the database."),
    fault: str | None = typer.Option(None, help="Inject a fault from `bokbid faults`."),
    production: bool = typer.Option(False, "--production", help="Disable the test interface."),
    classes: str | None = typer.Option(
        None,
        help="Implement only these optional classes, comma-separated (core and test-interface always); "
        "default: every class. E.g. --classes discovery,booking for a product of the bas profile.",
    ),
    spec_version: str | None = typer.Option(
        None,
        "--spec-version",
        help="Implement this release of the standard (e.g. 1.0.0): its document, classes and requirements; "
        "default: the working spec.",
    ),
    cors_origin: list[str] = typer.Option(
        [],
        "--cors-origin",
        help="An origin whose browser apps may call the API (CORE-030), e.g. https://bokning.example.se; "
        "repeat for several, '*' for any.",
    ),
    oidc_issuer: str | None = typer.Option(
        None,
        "--oidc-issuer",
        help="Trust access tokens (JWT) of this OpenID Connect provider, e.g. https://login.kommun.se/realms/bob; "
        "the way to sign in with --production.",
    ),
    audience: str | None = typer.Option(
        None, "--audience", help="The audience (aud) the provider's tokens must be for (default: bob)."
    ),
    access_log: bool = typer.Option(False, "--access-log", help="Print a line for every request."),
) -> None:
    """Run the reference server."""
    from reference_server.faults import FAULTS
    from reference_server.launcher import StartupError, run
    from reference_server.settings import DEFAULT_AUDIENCE, Settings, parse_classes

    if fault is not None and fault not in FAULTS:
        typer.echo(f"error: unknown fault {fault!r}; `bokbid faults` lists them", err=True)
        raise typer.Exit(2)
    try:
        settings = Settings(
            db=db,
            fault=fault,
            production=production,
            classes=parse_classes(classes),
            spec_version=spec_version,
            cors_origins=tuple(cors_origin),
            oidc_issuer=oidc_issuer,
            oidc_audience=audience or DEFAULT_AUDIENCE,
        )
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if audience is not None and oidc_issuer is None:
        typer.echo("--audience names what the provider's tokens are for: give --oidc-issuer too", err=True)
        raise typer.Exit(2)
    try:
        run(host=host, port=port, workers=workers, settings=settings, access_log=access_log)
    except StartupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def faults() -> None:
    """List the reference server's injectable faults: NAME<TAB>REQUIREMENTS<TAB>DESCRIPTION."""
    from reference_server.faults import FAULTS

    for f in FAULTS.values():
        typer.echo(f"{f.name}\t{','.join(f.requirements)}\t{f.description}")


@app.command()
def certify(
    base_url: str | None = typer.Option(None, "--base-url", help="API root including the major version."),
    profile: str | None = typer.Option(None, help="Profile to certify; default: the declared classes."),
    spec_version: str | None = typer.Option(
        None,
        "--spec-version",
        help="Release of the standard to certify against (e.g. the call-off's 1.0.0); "
        "default: the apiVersion the server states.",
    ),
    report_dir: Path | None = typer.Option(
        None, "--out", help="Directory the evidence bundle is written to (default reports/latest)."
    ),
    seed: int | None = typer.Option(None, help="Seed for test data; printed so a run can be repeated."),
    timeout: float | None = typer.Option(None, help="Seconds to wait for any single response (default 10)."),
    quiet: bool = typer.Option(False, "--quiet", help="No live progress, only the summary."),
    config: Path | None = typer.Option(None, "--config", help="Config file (default $BOKBID_CONFIG or ./bokbid.toml)."),
    supplier: str | None = typer.Option(None, help="Supplier to certify (default: /api-info)."),
    product_name: str | None = typer.Option(None, "--product-name", help="Product (default: /api-info)."),
    product_version: str | None = typer.Option(None, "--product-version", help="Version (default: /api-info)."),
    fuzz_examples: int | None = typer.Option(None, "--fuzz-examples", help="Fuzz examples per operation (0: off)."),
    fuzz_seconds: float | None = typer.Option(None, "--fuzz-seconds", help="Time budget of the fuzz phase."),
    insecure: bool = typer.Option(False, "--insecure", help="Do not verify the server's TLS certificate."),
    ca_bundle: Path | None = typer.Option(None, "--ca-bundle", help="CA certificates to verify the server with."),
    client_cert: Path | None = typer.Option(None, "--client-cert", help="Client certificate (PEM) for mutual TLS."),
    client_key: Path | None = typer.Option(None, "--client-key", help="Its private key, if not in the cert file."),
    rerun_failed: Path | None = typer.Option(
        None, "--rerun-failed", help="Repeat only the failed checks of the report in DIR, with its seed."
    ),
    cors_origin: str | None = typer.Option(
        None,
        "--cors-origin",
        help="An origin the server lets browser apps call from, to test CORS (CORE-030) with; without it that "
        "check is skipped.",
    ),
    callback_url: str | None = typer.Option(
        None,
        "--callback-url",
        metavar="URL",
        help="Public https URL that forwards to --callback-listen, for a sandbox that cannot call this machine: "
        "webhook subscriptions (class events) point under it.",
    ),
    callback_listen: str | None = typer.Option(
        None,
        "--callback-listen",
        metavar="HOST:PORT",
        help="Where the harness's webhook receiver listens (default: a free port of 127.0.0.1).",
    ),
) -> None:
    """Certify an implementation: exit 0 all passed, 1 a failure, 2 usage error, 3 unreachable.

    Settings come from flags, then BOKBID_* environment variables, then the config file, then
    defaults (docs/suppliers.md lists them all).
    """
    from conformance.config import ConfigError, load_config
    from conformance.runner import certify_configured, rerun_settings

    flags = {
        "base_url": base_url,
        "profile": profile,
        "spec_version": spec_version,
        "report_dir": report_dir,
        "seed": seed,
        "timeout": timeout,
        "supplier": supplier,
        "product_name": product_name,
        "product_version": product_version,
        "fuzz_examples": fuzz_examples,
        "fuzz_seconds": fuzz_seconds,
        "tls_verify": False if insecure else None,
        "ca_bundle": ca_bundle,
        "client_cert": client_cert,
        "client_key": client_key,
        "cors_origin": cors_origin,
        "callback_url": callback_url,
        "callback_listen": callback_listen,
    }
    only = None
    try:
        if rerun_failed is not None:
            only, previous = rerun_settings(rerun_failed)
            flags = {**previous, **{k: v for k, v in flags.items() if v is not None}}
            flags.setdefault("report_dir", rerun_failed / "rerun")
        settings = load_config(config, flags=flags)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    rerun_of = str(rerun_failed) if rerun_failed is not None else None
    raise typer.Exit(certify_configured(settings, quiet=quiet, only=only, rerun_of=rerun_of))


@app.command()
def replay(
    report_dir: Path = typer.Argument(..., help="Report directory (evidence bundle) of the run that failed."),
    check_id: str = typer.Argument(..., help="The failed check, e.g. booking.overlap-refused."),
    base_url: str | None = typer.Option(
        None, "--base-url", help="API root to replay against (a sandbox); default: the one the run certified."
    ),
    timeout: float = typer.Option(10.0, help="Seconds to wait for any single response."),
) -> None:
    """Replay a failed check's requests: exit 0 the failure is gone, 1 it still happens, 2 usage error, 3 unreachable.

    From the failure in a report to the failure happening again, on the sandbox or a developer's
    server, in one command (docs/suppliers.md, "Reproduce one failure").
    """
    from conformance.replay import EXIT_USAGE, ReplayError, load_plan, run

    try:
        plan = load_plan(report_dir, check_id)
    except ReplayError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    target = base_url or plan.base_url
    if not target.startswith(("http://", "https://")):
        typer.echo(f"error: --base-url must be an http(s) URL of the API root, got {target!r}", err=True)
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(run(plan, target, timeout=timeout, say=typer.echo, err=lambda line: typer.echo(line, err=True)))


@app.command()
def proxy(
    upstream: str = typer.Option(..., "--upstream", help="API root of the server to forward to (…/v1)."),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8080, help="Port; point the client app at http://HOST:PORT/v1."),
    log: Path = typer.Option(Path("client-traffic.jsonl"), "--out", help="File the exchanges are appended to."),
) -> None:
    """Validating proxy for client-app certification: forwards to UPSTREAM and records every exchange."""
    import uvicorn

    from conformance.proxy import ValidatingProxy

    typer.echo(f"forwarding http://{host}:{port} to {upstream}; recording to {log}", err=True)
    uvicorn.run(ValidatingProxy(upstream, log), host=host, port=port, log_level="warning")


@app.command("certify-client")
def certify_client(
    log: Path = typer.Argument(..., metavar="LOG", help="Traffic log written by `bokbid proxy`."),
    profile: str = typer.Option("kundens-processtod", help="Client profile whose required operations count."),
    report_dir: Path = typer.Option(
        Path("reports/client"), "--out", help="Directory the client report (JSON, JUnit, HTML) is written to."
    ),
    webhook_url: str | None = typer.Option(
        None,
        "--webhook-url",
        envvar="BOKBID_WEBHOOK_URL",
        help="The app's webhook receiver: send it deliveries and judge it (EVT-008 … EVT-010); required when "
        "the app subscribed to webhooks.",
    ),
    webhook_secret: str | None = typer.Option(
        None,
        "--webhook-secret",
        envvar="BOKBID_WEBHOOK_SECRET",
        help="The secret (whsec_…) the receiver verifies deliveries with.",
    ),
    webhook_wait: float = typer.Option(
        3.0, "--webhook-wait", min=0.0, help="Seconds the app may take to act on a delivery."
    ),
) -> None:
    """Judge a client app by its recorded traffic (and its webhook receiver): exit 0 conforming, 1 findings,
    2 usage error, 3 the receiver cannot be reached."""
    from conformance.client_certification import judge
    from conformance.client_log import ClientLogError
    from conformance.client_webhooks import Receiver, ReceiverUnreachable, usage_error
    from conformance.reports.client import write_client_reports

    problem = usage_error(webhook_url, webhook_secret)
    if problem is not None:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2)
    receiver = Receiver(webhook_url, webhook_secret, webhook_wait) if webhook_url and webhook_secret else None
    try:
        verdict = judge(log, profile, receiver)
    except ClientLogError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except ReceiverUnreachable as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(3) from None
    for finding in verdict.findings:
        where = f"[{finding.kind} {finding.requirement}]" if finding.requirement else f"[{finding.kind}]"
        typer.echo(f"{finding.where} {finding.request}: {where} {finding.message}")
    for operation in verdict.unexercised:
        typer.echo(f"never exercised successfully: {operation}")
    if verdict.receiver is not None:
        judged = ", ".join(f"{rid} {state}" for rid, state in verdict.receiver.requirements.items())
        typer.echo(f"webhook receiver: {judged}")
        for note in verdict.receiver.notes:
            typer.echo(f"note: {note}")
    path = write_client_reports(verdict, report_dir)
    state = "conforms" if verdict.ok else f"{len(verdict.findings)} findings, {len(verdict.unexercised)} missing"
    typer.echo(f"{verdict.requests} requests, {state} — report: {path}")
    raise typer.Exit(0 if verdict.ok else 1)


@app.command()
def demo(
    report_dir: Path = typer.Option(Path("reports/demo"), "--out", help="Directory the evidence bundle is written to."),
    seed: int | None = typer.Option(None, help="Seed for the test data (default: a new one, printed)."),
) -> None:
    """Start the reference server on embedded SQLite and certify it with the harness."""
    import tempfile

    from conformance.runner import certify as run_certify
    from reference_server.launcher import background_server

    origin = "https://bokning.example.se"  # a municipality's web app, to show CORS (CORE-030) at work
    with (
        tempfile.TemporaryDirectory() as tmp,
        background_server(db=f"sqlite:///{tmp}/demo.db", cors_origins=(origin,)) as base_url,
    ):
        typer.echo(f"reference server running at {base_url}, allowing browser apps on {origin}")
        code = run_certify(base_url=base_url, profile=None, report_dir=report_dir, seed=seed, cors_origin=origin)
    raise typer.Exit(code)


# ---------------------------------------------------------------------------------------------
# `bokbid spec …`: governance of the standard for architects (the work is in spec/governance/).

spec_app = typer.Typer(
    help="Govern the standard: lint, diff, check-version, changelog, docs, release.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(spec_app, name="spec")


def _spec_load(path: Path | None, default: str = "working") -> Any:
    """A document from a file or folder; without one, the working spec (or the latest release)."""
    from spec.governance import loader, releases

    if path is None:
        found = releases.latest() if default == "release" else None
        if default == "release" and found is None:
            typer.echo("error: no release under spec/releases/ to compare with", err=True)
            raise typer.Exit(2)
        path = found[1] if found else releases.WORKING
    target = path / "openapi.yaml" if path.is_dir() else path
    return _spec_run(lambda: loader.load(target))


def _spec_today(today: str | None) -> date:
    try:
        return date.fromisoformat(today) if today else date.today()
    except ValueError:
        typer.echo(f"error: --at {today!r} is not a date YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None


def _spec_run(action: Any) -> Any:
    """Run a governance action; a document it cannot handle is a usage error (exit 2), not a traceback."""
    from spec.governance.loader import LoadError

    try:
        return action()
    except LoadError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _spec_format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        typer.echo(f"error: --format must be one of {', '.join(allowed)}", err=True)
        raise typer.Exit(2)
    return fmt


_TODAY = typer.Option(None, "--at", help="Judge sunsets as of this day, YYYY-MM-DD (default today).")


@spec_app.command("lint")
def spec_lint(
    file: Path | None = typer.Argument(
        None, metavar="[SPEC]", help="OpenAPI file or folder; default: spec/v1/openapi.yaml."
    ),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    rules: bool = typer.Option(False, "--rules", help="List the rules (id, severity, what they demand) instead."),
    min_severity: str = typer.Option(
        "warn", "--min-severity", help="Show findings of this severity and above: error, warn or info."
    ),
) -> None:
    """Check the API design rules: exit 1 when any rule of severity error is broken."""
    from spec.governance import lint

    if rules:
        for r in lint.catalogue():
            typer.echo(f"{r.id}\t{r.severity}\t{r.summary}")
        return
    _spec_format(fmt, ("text", "json"))
    if min_severity not in lint.SEVERITIES:
        typer.echo(f"error: --min-severity must be one of {', '.join(lint.SEVERITIES)}", err=True)
        raise typer.Exit(2)
    document = _spec_load(file)
    findings = lint.lint(document)
    source = str(document.source or file)
    render = lint.render_json if fmt == "json" else lint.render_text
    typer.echo(render(findings, source, min_severity))
    raise typer.Exit(1 if lint.counts(findings)["error"] else 0)


@spec_app.command("diff")
def spec_diff(
    old: Path = typer.Argument(..., metavar="OLD", help="The older OpenAPI file or folder (e.g. spec/releases/0.1.0)."),
    new: Path | None = typer.Argument(None, metavar="[NEW]", help="The newer one; default: the working spec."),
    fmt: str = typer.Option("text", "--format", help="text, json or markdown."),
    fail_on_breaking: bool = typer.Option(False, "--fail-on-breaking", help="Exit 1 when a change is breaking."),
    today: str | None = _TODAY,
) -> None:
    """Every change from OLD to NEW (API, requirements catalogue, conformance classes), classified by level."""
    from spec.governance import diff

    _spec_format(fmt, ("text", "json", "markdown"))
    old_doc, new_doc, when = _spec_load(old), _spec_load(new), _spec_today(today)
    changes = _spec_run(lambda: diff.diff(old_doc, new_doc, when))
    render = {"text": diff.render_text, "json": diff.render_json, "markdown": diff.render_markdown}[fmt]
    typer.echo(render(changes))
    raise typer.Exit(1 if fail_on_breaking and diff.breaking(changes) else 0)


@spec_app.command("check-version")
def spec_check_version(
    old: Path | None = typer.Argument(None, metavar="[OLD]", help="The released version; default: the latest release."),
    new: Path | None = typer.Argument(None, metavar="[NEW]", help="The proposed version; default: the working spec."),
    today: str | None = _TODAY,
) -> None:
    """Does NEW's info.version follow from the changes since OLD? Exit 1 with the reasons when not."""
    from spec.governance import versioning

    old_doc, new_doc, when = _spec_load(old, "release"), _spec_load(new), _spec_today(today)
    verdict = _spec_run(lambda: versioning.check(old_doc, new_doc, when))
    typer.echo(versioning.render_text(verdict))
    raise typer.Exit(0 if verdict.ok else 1)


@spec_app.command("changelog")
def spec_changelog(
    old: Path | None = typer.Argument(None, metavar="[OLD]", help="The released version; default: the latest release."),
    new: Path | None = typer.Argument(None, metavar="[NEW]", help="The proposed version; default: the working spec."),
    out: Path | None = typer.Option(None, "--out", help="Write the Markdown here instead of printing it."),
    today: str | None = _TODAY,
) -> None:
    """A Markdown changelog for suppliers: breaking, added, changed, deprecated, requirements, with what to do."""
    from spec.governance import changelog, versioning

    old_doc, new_doc, when = _spec_load(old, "release"), _spec_load(new), _spec_today(today)
    verdict = _spec_run(lambda: versioning.check(old_doc, new_doc, when))
    text = changelog.render(verdict)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")


@spec_app.command("docs")
def spec_docs(out: Path = typer.Option(..., "--out", help="Folder for the static HTML reference.")) -> None:
    """Static HTML reference of every release and the working spec (self-contained, works offline)."""
    from spec.governance import docs_site

    index = _spec_run(lambda: docs_site.build(out))
    typer.echo(f"wrote {index}")


@spec_app.command("release")
def spec_release(today: str | None = _TODAY) -> None:
    """Freeze the working spec as spec/releases/<info.version>/ once check-version against the last release passes."""
    from spec.governance import releases

    try:
        folder, _ = _spec_run(lambda: releases.freeze(today=_spec_today(today)))
    except ValueError as exc:
        typer.echo(f"not released:\n{exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"released {folder}")


dak_app = typer.Typer(
    help="DAK 2.2 attendance files (Digitalt aktivitetskort): validate and convert, offline.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(dak_app, name="dak")


def _dak_read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        typer.echo(f"error: cannot read {file}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None


@dak_app.command("validate")
def dak_validate(file: Path = typer.Argument(..., metavar="FILE", help="A DAK 2.2 XML file.")) -> None:
    """Check a file against BoB's DAK profile: exit 0 valid, 1 with one line per error (line and element)."""
    from spec import dak

    try:
        doc = dak.parse(_dak_read(file))
    except dak.DakInvalid as exc:
        for error in exc.errors:
            typer.echo(f"{file}:{error.line or '-'}: {error.path}: {error.message}")
        raise typer.Exit(1) from None
    sessions = sum(len(card["sessions"]) for card in doc["cards"])
    typer.echo(f"{file}: valid DAK 2.2, {len(doc['cards'])} card(s), {sessions} session(s)")


@dak_app.command("convert")
def dak_convert(
    file: Path = typer.Argument(
        ..., metavar="FILE", help="A DAK 2.2 XML file (--to json) or the JSON form (--to xml)."
    ),
    to: str = typer.Option(..., "--to", help="json or xml."),
    output: Path | None = typer.Option(None, "--out", help="File to write instead of standard output."),
) -> None:
    """Convert between a DAK 2.2 file and the JSON form of POST /attendance-reports."""
    import json

    import spec
    from spec import dak

    if to not in ("json", "xml"):
        typer.echo("error: --to takes json or xml", err=True)
        raise typer.Exit(2)
    data = _dak_read(file)
    if to == "json":
        try:
            result = json.dumps(dak.parse(data), ensure_ascii=False, indent=2).encode() + b"\n"
        except dak.DakInvalid as exc:
            for error in exc.errors:
                typer.echo(f"{file}:{error.line or '-'}: {error.path}: {error.message}", err=True)
            raise typer.Exit(1) from None
    else:
        try:
            doc = json.loads(data)
        except ValueError as exc:
            typer.echo(f"{file}: not JSON: {exc}", err=True)
            raise typer.Exit(1) from None
        schema = spec.openapi()["components"]["schemas"]["AttendanceReportInput"]
        problems = spec.schema_errors(schema, doc) or dak.profile_errors(doc)
        if problems:
            for pointer, message in problems:
                typer.echo(f"{file}: {pointer}: {message}", err=True)
            raise typer.Exit(1)
        result = dak.to_xml(doc)
    if output is None:
        typer.echo(result.decode(), nl=False)
    else:
        output.write_bytes(result)


if __name__ == "__main__":
    app()
