"""The harness's own fuzz phase: generated requests go out in generation order, a run repeats itself
with the same seed, and a server that stops answering ends the phase with the reason, not a hang."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest

from conformance import fuzz
from conformance.config import Budget
from conformance.http import Recorder, RecordingClient, Unreachable
from conformance.progress import Lines
from reference_server.launcher import background_server


def _request_lines(url: str, seed: int) -> list[str]:
    client = RecordingClient.open(url, timeout=10, recorder=Recorder())
    log = io.StringIO()
    try:
        outcome = fuzz.fuzz(client, ["discovery"], Budget(3, 60), seed, progress=Lines(log))
    finally:
        client.close()
    assert not outcome.budget_exhausted
    # Never silent: where the phase is, every tenth of the way, to its last step.
    steps = 2 * len(fuzz.operations_for(["discovery"]))
    assert log.getvalue().startswith(f"fuzzing [1/{steps}] ") and f"fuzzing [{steps}/{steps}] " in log.getvalue()
    return [f"{x.request_line} {x.request_body}" for x in outcome.exchanges]


def test_the_fuzz_phase_is_repeatable_and_keeps_generation_order(tmp_path: Path) -> None:
    with background_server(db=f"sqlite:///{tmp_path / 'bob.db'}") as url:
        first, again, other = _request_lines(url, 7), _request_lines(url, 7), _request_lines(url, 8)
    assert len(first) > 20
    assert first == again  # the sender thread keeps the order in which requests were generated
    assert first != other


def test_an_unreachable_server_ends_the_fuzz_phase_with_the_reason() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # free, and nothing listens once the socket is closed
    client = RecordingClient.open(f"http://127.0.0.1:{port}/v1", timeout=2, recorder=Recorder())
    with pytest.raises(Unreachable, match=f"127.0.0.1:{port}"):
        fuzz.fuzz(client, ["discovery"], Budget(3, 30), 1)
    # Past the token request: the sender thread's failure reaches the generating thread.
    sender = fuzz._Sender(client)
    operation, _ = fuzz.operations_for(["discovery"])[0]
    sender.put(operation, {"url": f"{fuzz._BASE}{operation.path}"})
    with pytest.raises(Unreachable, match=f"127.0.0.1:{port}"):
        sender.close()
    client.close()
