"""`bokbid`: one command line for the standard, the reference server and the harness.

This module only parses arguments and dispatches; it is, with `tests/`, the one place that knows
both the reference server and the harness (for `demo`, which runs one against the other).
"""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(
    help="BoB: the open interface standard for municipal booking and grants.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port; the API root is http://HOST:PORT/v1."),
    db: str = typer.Option("sqlite:///bokbid.db", help="sqlite:///PATH (embedded) or postgresql://…"),
    workers: int = typer.Option(1, min=1, help="Worker processes sharing the database."),
    fault: str | None = typer.Option(None, help="Inject a fault from `bokbid faults`."),
    production: bool = typer.Option(False, "--production", help="Disable the test interface."),
) -> None:
    """Run the reference server."""
    from reference_server.faults import FAULTS
    from reference_server.launcher import run

    if fault is not None and fault not in FAULTS:
        typer.echo(f"unknown fault {fault!r}; `bokbid faults` lists them", err=True)
        raise typer.Exit(2)
    run(host=host, port=port, db=db, workers=workers, fault=fault, production=production)


@app.command()
def faults() -> None:
    """List the reference server's injectable faults: NAME<TAB>REQUIREMENTS<TAB>DESCRIPTION."""
    from reference_server.faults import FAULTS

    for f in FAULTS.values():
        typer.echo(f"{f.name}\t{','.join(f.requirements)}\t{f.description}")


@app.command()
def certify(
    base_url: str = typer.Option(..., "--base-url", help="API root including the major version."),
    profile: str | None = typer.Option(None, help="Profile to certify; default: the declared classes."),
    report_dir: Path = typer.Option(Path("reports/latest"), "--report-dir", help="Where reports go."),
    seed: int | None = typer.Option(None, help="Seed for test data; printed so a run can be repeated."),
    timeout: float = typer.Option(10.0, help="Seconds to wait for any single response."),
    quiet: bool = typer.Option(False, "--quiet", help="No live progress, only the summary."),
) -> None:
    """Certify an implementation: exit 0 all passed, 1 a failure, 2 usage error, 3 unreachable."""
    from conformance.runner import certify as run_certify

    raise typer.Exit(
        run_certify(
            base_url=base_url,
            profile=profile,
            report_dir=report_dir,
            seed=seed,
            timeout=timeout,
            quiet=quiet,
        )
    )


@app.command()
def demo(
    report_dir: Path = typer.Option(Path("reports/demo"), "--report-dir"),
    seed: int | None = typer.Option(None),
) -> None:
    """Start the reference server on embedded SQLite and certify it with the harness."""
    import tempfile

    from conformance.runner import certify as run_certify
    from reference_server.launcher import background_server

    with tempfile.TemporaryDirectory() as tmp, background_server(db=f"sqlite:///{tmp}/demo.db") as base_url:
        typer.echo(f"reference server running at {base_url}")
        code = run_certify(base_url=base_url, profile=None, report_dir=report_dir, seed=seed)
    raise typer.Exit(code)


if __name__ == "__main__":
    app()
