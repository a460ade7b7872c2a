"""Production is production: nothing the sandbox's test interface left in a database is trusted.

A database that served a sandbox holds the test identity provider's signing key (anybody could
have had a token signed with it, anonymously) and the test clock's setting. Served with
`--production`, tokens signed with that key get 401 and the clock is the real one; the server
says so in one line when it starts. Tested from the outside: `bokbid serve` as an operator runs it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from test_server_support import facility

from reference_server.launcher import background_server, free_port

FUTURE = "2099-06-01T12:00:00Z"  # the sandbox's frozen clock: every hour of tomorrow lies in its past


def _sandbox_leaves_a_token_and_a_frozen_clock(db: str) -> tuple[str, str]:
    """A facility administrator's token the sandbox signed, and a unit's id."""
    with background_server(db=db) as root:
        hall = facility("f", units=[{"ref": "u", "name": "A"}])
        created = httpx.post(f"{root}/test/fixtures", json={"facilities": [hall]})
        assert created.status_code == 201, created.text
        claims = {"persona": "facility-administrator", "municipalityCode": "0180", "expiresIn": 3600}
        minted = httpx.post(f"{root}/test/tokens", json=claims)
        assert minted.status_code == 201, minted.text
        token = minted.json()["accessToken"]
        assert httpx.get(f"{root}/bookings", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert httpx.put(f"{root}/test/clock", json={"now": FUTURE, "frozen": True}).status_code == 200
        return token, created.json()["ids"]["u"]


def test_production_ignores_the_sandbox_key_and_clock(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'bob.db'}"
    token, unit = _sandbox_leaves_a_token_and_a_frozen_clock(db)
    port = free_port()
    command = [sys.executable, "-m", "cli", "serve", "--port", str(port), "--db", db, "--production"]
    log = tmp_path / "serve.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
    root = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{root}/api-info", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)

        refused = httpx.get(f"{root}/bookings", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
        assert "identity provider" in refused.json()["detail"]
        assert "server" not in refused.headers  # the stack is nobody's business
        assert httpx.get(f"{root}/test/clock").status_code == 404

        # Real time: tomorrow's hours are still to come, so free (the sandbox's 2099 would have none).
        day = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
        calendar = httpx.get(f"{root}/units/{unit}/availability", params={"from": day, "to": day})
        assert calendar.status_code == 200 and calendar.json()["free"], calendar.text
    finally:
        process.terminate()
        process.wait(timeout=15)
    lines = [line for line in log.read_text().splitlines() if line.startswith("production:")]
    assert lines == [
        "production: this database served a sandbox; ignoring the test interface's signing key (its tokens get "
        "401) and a moved test clock (real time is used)"
    ]
