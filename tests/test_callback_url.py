"""`certify --callback-url`: a sandbox that can only call public https addresses still gets the
harness's webhook checks (class events), through a tunnel to the receiver's `--callback-listen`.

The tunnel here is what a supplier would run (a TLS-terminating reverse proxy that strips a path
prefix), on 127.0.0.1 with a certificate for `localhost` that the reference server is told to trust
through SSL_CERT_FILE; the server is never given a loopback address, only the https URL.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conformance.config import Callback, ConfigError, load_config
from conformance.registry import all_checks
from conformance.runner import run_certification
from reference_server.launcher import background_server, free_port

PREFIX = "/bob"  # the tunnel's public path prefix, stripped on the way to the receiver


def _localhost_certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "tunnel.pem", folder / "tunnel.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@contextmanager
def _tunnel(cert: Path, key: Path, target: str, forwarded: list[str]) -> Iterator[str]:
    """An https reverse proxy on 127.0.0.1 that forwards `PREFIX/...` to `target/...`; yields its public URL."""

    class Forward(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            path = self.path.removeprefix(PREFIX)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            answer = httpx.post(target + path, content=body, headers=headers, timeout=15)
            forwarded.append(path)
            self.send_response(answer.status_code)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://localhost:{server.server_address[1]}{PREFIX}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_webhook_checks_run_through_a_public_callback_url(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = _localhost_certificate(tmp_path)
    listen = f"127.0.0.1:{free_port()}"
    forwarded: list[str] = []
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the sandbox trusts the tunnel's certificate
    with (
        _tunnel(cert, key, f"http://{listen}", forwarded) as public,
        background_server(db=sqlite_url) as url,
    ):
        config = load_config(None, env={}, flags={"callback_url": public, "callback_listen": listen})
        assert config.callback == Callback(public, listen)
        code = run_certification(
            base_url=url,
            profile=None,
            report_dir=tmp_path / "report",
            seed=3,
            timeout=10.0,
            quiet=True,
            checks=[c for c in all_checks() if c.id.startswith("events.webhook-")],
            callback=config.callback,
        )
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    webhook_results = {r["id"]: r["status"] for r in report["results"] if r["id"].startswith("events.webhook-")}
    assert code == 0, webhook_results
    assert webhook_results and set(webhook_results.values()) == {"passed"}
    assert forwarded and all(path.startswith("/hooks/") for path in forwarded)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"callback_url": "http://hooks.example.org/bob", "callback_listen": "127.0.0.1:8765"}, "public https URL"),
        ({"callback_url": "https://hooks.example.org/bob"}, "needs certify.callback_listen"),
        ({"callback_listen": "8765"}, "not HOST:PORT"),
        ({"callback_listen": "127.0.0.1:70000"}, "not HOST:PORT"),
    ],
)
def test_a_callback_that_cannot_work_is_a_usage_error(flags: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(None, env={}, flags=flags)


def test_the_callback_settings_come_from_the_file_and_the_environment(tmp_path: Path) -> None:
    file = tmp_path / "bokbid.toml"
    file.write_text('[certify]\ncallback_url = "https://hooks.example.org/bob"\n', encoding="utf-8")
    config = load_config(file, env={"BOKBID_CALLBACK_LISTEN": "0.0.0.0:8765"})
    assert config.callback == Callback("https://hooks.example.org/bob", "0.0.0.0:8765")
    assert config.callback.address() == ("0.0.0.0", 8765)
    assert config.record()["settings"]["callback_listen"] == {"value": "0.0.0.0:8765", "source": "env"}
