"""`bokbid serve` as an operator meets it: where things are, loudly when broken on purpose, and a
configuration it cannot run on refused in one line with exit 2 (never a traceback)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from reference_server.faults import FAULTS
from reference_server.launcher import _stop, free_port


def _start(tmp_path: Path, *arguments: str) -> tuple[subprocess.Popen[bytes], Path]:
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "cli", "serve", "--port", str(free_port()), "--db", f"sqlite:///{tmp_path}/b.db"]
    with log.open("wb") as stderr:
        process = subprocess.Popen([*command, *arguments], stdout=subprocess.DEVNULL, stderr=stderr)
    return process, log


def _announced(process: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + 30
    while "Press Ctrl+C to stop." not in log.read_text():
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
    return log.read_text()


def _where(text: str, label: str) -> str:
    return next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.strip().startswith(f"{label}:"))


def test_serve_says_where_the_api_its_docs_and_its_data_are(tmp_path: Path) -> None:
    process, log = _start(tmp_path)
    try:
        text = _announced(process, log)
        root, docs = _where(text, "API root"), _where(text, "docs")
        deadline = time.monotonic() + 20
        while True:  # the announcement comes just before the socket opens
            try:
                info = httpx.get(f"{root}/api-info", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert info.status_code == 200
        assert httpx.get(docs, timeout=10).status_code == 200
        assert _where(text, "database") == f"sqlite:///{tmp_path}/b.db (1 worker)"
        assert "FAULT" not in text and "Uvicorn running" not in text  # uvicorn's line pointed at a 404
    finally:
        _stop(process)


def test_a_fault_is_announced_loudly(tmp_path: Path) -> None:
    fault = FAULTS["plain-text-errors"]
    process, log = _start(tmp_path, "--fault", fault.name)
    try:
        text = _announced(process, log)
    finally:
        _stop(process)
    assert f"FAULT INJECTED: {fault.name}" in text and "ON PURPOSE" in text
    assert all(requirement in text for requirement in fault.requirements) and fault.description in text


@pytest.mark.parametrize(
    ("db", "says"),
    [
        ("postgresql://postgres@127.0.0.1:{port}/bob", "cannot use the database postgresql://postgres@127.0.0.1"),
        ("postgresql://bob:secret@127.0.0.1:{port}/bob", "postgresql://bob:***@127.0.0.1"),
        ("mysql://bob@127.0.0.1/bob", "use sqlite:///PATH (embedded) or postgresql://"),
        ("sqlite:///:memory:", "SQLite needs a file"),
        ("bokbid.db", "use sqlite:///PATH"),
    ],
)
def test_a_database_it_cannot_use_is_one_line_and_exit_2(db: str, says: str) -> None:
    command = [sys.executable, "-m", "cli", "serve", "--port", str(free_port()), "--db", db.format(port=free_port())]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: ") and says in done.stderr and len(done.stderr.splitlines()) == 1
    assert "secret" not in done.stderr
