"""Starting the server: in the foreground (`bokbid serve`) or as a background process for tests and demos.

With several workers uvicorn imports the app factory in each process, so the settings travel
through environment variables. The tables are created once in the parent first, so that workers
start against a ready database (they would cope with the race, but need not).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import sqlalchemy as sa
import uvicorn

import spec
from reference_server.auth import sandbox_key_stored
from reference_server.clock import clock_was_moved
from reference_server.faults import FAULTS
from reference_server.oidc import OidcVerifier, ProviderError
from reference_server.settings import Settings
from reference_server.storage import Storage

# The repository this launcher belongs to.
ROOT = Path(__file__).resolve().parents[1]


class StartupError(Exception):
    """The server cannot start as configured; the message is one line for the operator."""


def run(host: str, port: int, workers: int, settings: Settings, *, access_log: bool = False) -> None:
    """Serve until stopped; StartupError when the database or the identity provider cannot be used."""
    if settings.oidc_issuer is not None:
        try:  # fail now, not at the first login
            OidcVerifier(settings.oidc_issuer, settings.oidc_audience).discover()
        except ProviderError as exc:
            raise StartupError(str(exc)) from None
    os.environ.update(settings.to_env())
    try:
        storage = Storage(settings.db)
        storage.prepare()
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StartupError(f"cannot use the database {shown_database(settings.db)}: {reason}") from None
    if settings.production:
        _note_sandbox_leftovers(storage)
    storage.dispose()
    _announce(host, port, workers, settings)
    uvicorn.run(
        "reference_server.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        server_header=False,  # "server: uvicorn" tells an attacker the stack and helps no client
        # uvicorn's own start line points at "/", where nothing is served; _announce says where things are.
        log_level="info" if access_log else "warning",
        access_log=access_log,
    )


def shown_database(db: str) -> str:
    """The database URL as it may be printed: without its password."""
    return sa.make_url(db).render_as_string(hide_password=True)


def _announce(host: str, port: int, workers: int, settings: Settings) -> None:
    """Where the API, its docs and its data are, before the first request; a loud warning when the
    server is broken on purpose, so nobody develops against a fault by mistake."""
    shown = f"[{host}]" if ":" in host else host
    origin = f"http://{shown}:{port}"
    mode = "production (no test interface)" if settings.production else "sandbox (test interface on /v1/test)"
    lines = [
        f"BoB reference server implementing {spec.label(settings.release)}; {mode}",
        f"  API root:  {origin}/v1",
        f"  docs:      {origin}/docs",
        f"  spec:      {origin}/v1/openapi.yaml",
        f"  database:  {shown_database(settings.db)} ({workers} worker{'s' if workers > 1 else ''})",
    ]
    if settings.classes is not None:
        lines.append(f"  classes:   core, {', '.join(settings.classes) or 'no optional class'}")
    if settings.oidc_issuer is not None:
        lines.append(f"  sign-in:   {settings.oidc_issuer} (audience {settings.oidc_audience})")
    if settings.cors_origins:
        lines.append(f"  browsers:  {', '.join(settings.cors_origins)}")
    print("\n".join(lines), file=sys.stderr)
    if settings.fault is not None:
        fault = FAULTS[settings.fault]
        banner = [
            f"FAULT INJECTED: {fault.name} — this server breaks {', '.join(fault.requirements)} ON PURPOSE",
            fault.description,
            "Do not develop against it; restart without --fault for the reference behaviour.",
        ]
        width = max(len(line) for line in banner)
        rule = "!" * (width + 4)
        boxed = "\n".join(f"! {line.ljust(width)} !" for line in banner)
        print(
            f"\033[1;31m{rule}\n{boxed}\n{rule}\033[0m" if sys.stderr.isatty() else f"{rule}\n{boxed}\n{rule}",
            file=sys.stderr,
        )
    print("Press Ctrl+C to stop.", file=sys.stderr, flush=True)


def _note_sandbox_leftovers(storage: Storage) -> None:
    """One line when a database a sandbox used is served in production: what of it is ignored."""
    found = []
    if sandbox_key_stored(storage):
        found.append("the test interface's signing key (its tokens get 401)")
    if clock_was_moved(storage):
        found.append("a moved test clock (real time is used)")
    if found:
        print(f"production: this database served a sandbox; ignoring {' and '.join(found)}", file=sys.stderr)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop our own server: politely, then for certain (its whole process group, workers included)."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@dataclass(frozen=True)
class ServerProcess:
    """A server started by `server_process`: its API root and the pid of `bokbid serve`, which leads
    a process group of its own that its uvicorn workers are in."""

    root: str
    pid: int

    def crash(self) -> None:
        """SIGKILL the whole server at once, every worker included, as a power cut would: for tests and
        benchmarks of what survives one (nothing gets to finish a request or release a claim)."""
        os.killpg(self.pid, signal.SIGKILL)


@contextmanager
def background_server(db: str, **options: Any) -> Iterator[str]:
    """Run `bokbid serve` on a free local port and yield its API root (http://127.0.0.1:PORT/v1);
    `options` are those of `server_process`."""
    with server_process(db, **options) as server:
        yield server.root


@contextmanager
def server_process(
    db: str,
    fault: str | None = None,
    workers: int = 1,
    production: bool = False,
    *,
    classes: tuple[str, ...] | None = None,
    spec_version: str | None = None,
    cors_origins: tuple[str, ...] = (),
    oidc_issuer: str | None = None,
    audience: str | None = None,
    startup_timeout: float = 60.0,  # a ceiling, not a wait: four workers on a busy machine may need 20 s
    import_root: Path | None = None,
) -> Iterator[ServerProcess]:
    """Run `bokbid serve` on a free local port and yield it; stopped on leaving, unless crashed before.

    `import_root` is a folder whose packages are imported before the installed ones: the mutation
    analysis of `make bench` runs the server from a changed copy of this package that way.
    """
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--db",
        db,
        "--workers",
        str(workers),
    ]
    if fault:
        command += ["--fault", fault]
    if production:
        command.append("--production")
    if classes is not None:
        command += ["--classes", ",".join(classes)]
    if spec_version is not None:
        command += ["--spec-version", spec_version]
    for origin in cors_origins:
        command += ["--cors-origin", origin]
    if oidc_issuer is not None:
        command += ["--oidc-issuer", oidc_issuer]
    if audience is not None:
        command += ["--audience", audience]
    root = f"http://127.0.0.1:{port}/v1"
    with tempfile.TemporaryFile() as stderr:
        # Its own session, so that a last-resort kill reaches the worker processes too.
        search = [str(import_root)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
        env = None if import_root is None else {**os.environ, "PYTHONPATH": os.pathsep.join(search)}
        # From the repository this launcher is in (`-m cli` imports from the working directory first), so
        # a test runs the server of the checkout under test, not whichever one is installed.
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True, cwd=import_root or ROOT, env=env
        )
        try:
            _wait_until_up(process, root, stderr, startup_timeout)
            yield ServerProcess(root, process.pid)
        finally:
            _stop(process)


def _tail(stream: IO[bytes], limit: int = 6000) -> str:
    """The end of the server's stderr: where the reason it failed is (a crash loop repeats itself)."""
    stream.seek(0)
    text = stream.read().decode(errors="replace")
    return text if len(text) <= limit else "…" + text[-limit:]


def _wait_until_up(process: subprocess.Popen[bytes], root: str, stderr: IO[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{_tail(stderr)}")
        try:
            if httpx.get(f"{root}/api-info", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not answer within {timeout} s:\n{_tail(stderr)}")
        time.sleep(0.1)
