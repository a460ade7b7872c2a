"""The package as a supplier installs it: the wheel, without the `dev` extra, in a fresh virtualenv.

Our own `.venv` has every dev tool, so a runtime dependency missing from `pyproject.toml` would go
unnoticed there (it once broke `bokbid certify` for every plain install). Here every command runs
from a folder outside the checkout, so nothing can be imported from the source tree by accident.
The dependencies come from PyPI, as they do for a supplier.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from spec.governance import releases

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.timeout(900)


@dataclass(frozen=True)
class Installed:
    bin: Path  # the fresh virtualenv's bin/
    home: Path  # a working folder outside the checkout

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BOKBID_", "PYTHON", "VIRTUAL_ENV"))}
        return {**env, "PATH": f"{self.bin}{os.pathsep}{env.get('PATH', '')}"}

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "bokbid"), *args],
            cwd=self.home,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("plain-install")
    wheels = work / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "wheel", str(ROOT), "--no-deps", "-w", str(wheels)], check=True, cwd=work)
    (wheel,) = wheels.glob("bokbid-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(work / "venv")], check=True)
    venv_pip = [str(work / "venv" / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*venv_pip, "install", str(wheel)], check=True, cwd=work)
    home = work / "home"
    home.mkdir()
    return Installed(work / "venv" / "bin", home)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextmanager
def _serving(installed: Installed, *args: str) -> Iterator[str]:
    port = _free_port()
    command = [str(installed.bin / "bokbid"), "serve", "--port", str(port), "--db", "sqlite:///serve.db", *args]
    process = subprocess.Popen(
        command, cwd=installed.home, env=installed.env, stdout=subprocess.DEVNULL, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"bokbid serve exited with {process.returncode}"
            try:
                if httpx.get(f"{url}/api-info", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "bokbid serve did not answer within 30 s"
            time.sleep(0.2)
        yield url
    finally:
        _stop(process)


def test_nothing_is_imported_from_the_checkout(installed: Installed) -> None:
    python = installed.bin / "python"
    found = subprocess.run(
        [str(python), "-c", "import cli, conformance, spec; print(conformance.__file__)"],
        cwd=installed.home,
        env=installed.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "site-packages" in found and str(ROOT) not in found


def test_every_command_of_a_supplier_and_of_the_stewardship_body_works(installed: Installed) -> None:
    """serve, certify with its fuzz phase, the approval policy, keys, certificates, DAK files, lint."""
    latest = releases.latest()
    assert latest is not None
    release = latest[0]
    policy = installed.home / "policy.toml"
    policy.write_text("[approval]\nrequire_profile = true\nmin_fuzz_examples = 2\n", encoding="utf-8")
    with _serving(installed, "--spec-version", str(release)) as url:
        done = installed.run(
            "certify",
            "--base-url",
            url,
            "--profile",
            "kommunens-processtod-bas",
            "--report-dir",
            "run",
            "--seed",
            "7",
            "--fuzz-examples",
            "2",
            "--fuzz-seconds",
            "120",
            "--quiet",
        )
        assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((installed.home / "run" / "report.json").read_text(encoding="utf-8"))
    fuzz = report["fuzz"]
    assert fuzz["examplesPerOperation"] == 2 and fuzz["completed"] and fuzz["requests"] > 0, fuzz
    assert {"report.html", "junit.xml", "evidence.jsonl"} <= {p.name for p in (installed.home / "run").iterdir()}

    assert installed.run("keys", "generate", "--out", "keys/issuer").returncode == 0
    issued = installed.run("certificate", "issue", "run", "--key", "keys/issuer.pem", "--policy", str(policy))
    assert issued.returncode == 0, issued.stdout + issued.stderr
    verified = installed.run(
        "certificate", "verify", "run/certificate.json", "--public-key", "keys/issuer.pub.pem", "--evidence", "run"
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert str(release) in verified.stdout

    valid = installed.run("dak", "validate", str(ROOT / "docs" / "examples" / "dak-one-card.xml"))
    assert valid.returncode == 0, valid.stdout + valid.stderr
    broken = installed.run("dak", "validate", str(ROOT / "docs" / "examples" / "dak-with-errors.xml"))
    assert broken.returncode == 1 and re.search(r"dak-with-errors\.xml:\d+:", broken.stdout + broken.stderr)

    lint = installed.run("spec", "lint")
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_demo_runs(installed: Installed) -> None:
    done = installed.run("demo", "--report-dir", "demo", "--seed", "3")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (installed.home / "demo" / "report.json").is_file()


def _ci_recipe() -> dict[str, object]:
    """The GitHub Actions workflow of docs/suppliers.md, exactly as the page shows it."""
    text = (ROOT / "docs" / "suppliers.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    (workflow,) = [b for b in blocks if b.startswith("name: BoB certification")]
    return yaml.safe_load(workflow)  # type: ignore[no-any-return]


def test_the_ci_recipe_of_the_supplier_guide_works_as_written(installed: Installed) -> None:
    """Runs the recipe's `run:` steps in order. Two stand-ins, as a supplier's own CI has them: the
    package is already installed (the built wheel instead of `pip install …`), and the sandbox is the
    reference server instead of the supplier's `docker compose` service; its wait loop runs as written."""
    job = _ci_recipe()["jobs"]["certify"]  # type: ignore[index]
    env = {**installed.env, **{k: str(v) for k, v in job["env"].items()}}
    env["BOKBID_SEED"] = "11"  # the recipe uses the CI run number
    workdir = installed.home / "ci"
    workdir.mkdir()
    ran: list[str] = []
    with _serving(installed) as url:
        env["BOKBID_BASE_URL"] = url
        for step in job["steps"]:
            script = step.get("run")
            if script is None:
                continue
            if script.startswith("pip install"):
                assert "bokbid" in script
                continue
            lines = [line for line in script.splitlines() if not line.strip().startswith("docker compose")]
            done = subprocess.run(
                ["bash", "-eo", "pipefail", "-c", "\n".join(lines)],
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            assert done.returncode == 0, f"{shlex.quote(script)}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
            ran.append(script)
    assert any("bokbid certify" in s for s in ran)
    assert (workdir / env["BOKBID_REPORT_DIR"] / "report.json").is_file()
