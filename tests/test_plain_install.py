"""A plain install works: the wheel, installed without extras into a fresh virtualenv, runs every command.

Suppliers install bokbid in CI without the `dev` extra (docs/suppliers.md). A runtime import of a
package only that extra provides crashes there, and nowhere in a development checkout, where the
extra is always installed; package data missing from the wheel fails the same way. So these tests
build the wheel, install it into a virtualenv of its own (its dependencies come from PyPI) and run
the installed console script from folders outside the checkout, where the source tree cannot be
imported by accident.
"""

from __future__ import annotations

import ast
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SUPPLIERS_DOC = ROOT / "docs" / "suppliers.md"
EXAMPLES = ROOT / "docs" / "examples"
PACKAGES = ("spec", "conformance", "reference_server")
# Only the dev extra brings these (pytest itself comes with schemathesis, a runtime dependency).
DEV_ONLY = ("pytest_timeout", "ruff")

# Building the wheel and installing its dependencies from PyPI takes a minute on a slow line.
pytestmark = pytest.mark.timeout(900)


@dataclass(frozen=True)
class Install:
    wheel: Path
    venv: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment of a shell with only this virtualenv on PATH and no BoB settings of ours."""
        inherited = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("BOKBID_") and key not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}
        }
        return {**inherited, "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}", **(extra or {})}

    def bokbid(self, *args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "bokbid"), *args],
            cwd=cwd,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def _outside_checkout(path: Path) -> Path:
    assert not path.resolve().is_relative_to(ROOT), f"{path} lies inside the checkout {ROOT}"
    return path


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Install:
    """The wheel of this checkout, installed without extras into a virtualenv of its own."""
    wheels = _outside_checkout(tmp_path_factory.mktemp("wheel"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--quiet", "-w", str(wheels)],
        check=True,
        timeout=300,
    )
    [wheel] = wheels.glob("bokbid-*.whl")
    venv = _outside_checkout(tmp_path_factory.mktemp("venv"))
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    install = Install(wheel, venv)
    subprocess.run(
        [str(install.bin / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        check=True,
        timeout=600,
        env=install.env(),
    )
    return install


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(install: Install, cwd: Path, port: int, *args: str) -> subprocess.Popen[bytes]:
    """`bokbid serve` of the install in the background, in a process group of its own."""
    with (cwd / "serve.log").open("wb") as log:
        return subprocess.Popen(
            [str(install.bin / "bokbid"), "serve", "--port", str(port), *args],
            cwd=cwd,
            env=install.env(),
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )


def _stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop our own server by its pid: politely, then its whole process group for certain."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _wait_until_up(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, f"bokbid serve exited with {process.returncode}:\n{log.read_text()}"
        try:
            if httpx.get(f"{base_url}/api-info", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"bokbid serve did not answer /api-info within 60 s:\n{log.read_text()}")


@contextmanager
def served(install: Install, cwd: Path, *args: str) -> Iterator[str]:
    """The installed reference server on a free port; yields its API root once /api-info answers."""
    port = _free_port()
    process = _start_server(install, cwd, port, "--db", f"sqlite:///{cwd / 'bokbid.db'}", *args)
    try:
        base_url = f"http://127.0.0.1:{port}/v1"
        _wait_until_up(process, base_url, cwd / "serve.log")
        yield base_url
    finally:
        _stop_server(process)


def _latest_release() -> str:
    """The newest release under spec/releases/: certificates are issued on releases only.

    The working spec may be an unreleased draft (then no certificate can be issued on it) or already
    released; the newest release is certifiable either way.
    """
    versions = [p.name for p in (ROOT / "spec" / "releases").iterdir() if (p / "openapi.yaml").is_file()]
    return max(versions, key=lambda v: tuple(int(part) for part in v.split(".")))


def _report(report_dir: Path) -> dict[str, Any]:
    return json.loads((report_dir / "report.json").read_text(encoding="utf-8"))


def _passed_with_fuzzing(report: dict[str, Any]) -> None:
    """Every check passed and the fuzz phase sent requests (a short time budget may end it early)."""
    summary = report["summary"]
    assert summary["failed"] == 0 and summary["errors"] == 0 and summary["passed"] > 0, summary
    assert report["fuzz"]["requests"] > 0, report["fuzz"]


# ---------------------------------------------------------------------------------------------
# What the wheel holds and what installing it brings


def test_the_wheel_holds_every_file_of_the_packages(installed: Install) -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "--", *PACKAGES, "cli.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert any(path.startswith("spec/releases/") for path in tracked)
    with zipfile.ZipFile(installed.wheel) as wheel:
        shipped = set(wheel.namelist())
        entry_points = next(name for name in shipped if name.endswith(".dist-info/entry_points.txt"))
        assert "bokbid = cli:app" in wheel.read(entry_points).decode()
    assert sorted(set(tracked) - shipped) == []


def test_the_install_is_plain_and_imports_from_the_virtualenv(installed: Install, tmp_path: Path) -> None:
    probe = (
        "import importlib.util, json, cli, conformance, reference_server, spec\n"
        f"dev = [name for name in {DEV_ONLY!r} if importlib.util.find_spec(name)]\n"
        "print(json.dumps({'dev': dev, 'files': [m.__file__ for m in (cli, conformance, reference_server, spec)]}))"
    )
    done = subprocess.run(
        [str(installed.bin / "python"), "-c", probe],
        cwd=_outside_checkout(tmp_path),
        env=installed.env(),
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(done.stdout)
    assert found["dev"] == [], "the install without extras brought dev-only packages"
    for file in found["files"]:
        assert Path(file).resolve().is_relative_to(installed.venv.resolve()), file


def _third_party_imports(wheel: Path) -> dict[str, set[str]]:
    """Each top-level module the wheel's code imports, anywhere in a file, that is neither stdlib nor ours."""
    ours = {*PACKAGES, "cli"}
    found: dict[str, set[str]] = {}
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if not name.endswith(".py"):
                continue
            for node in ast.walk(ast.parse(archive.read(name), name)):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.partition(".")[0]
                    if top not in sys.stdlib_module_names and top not in ours:
                        found.setdefault(top, set()).add(name)
    return found


def test_every_module_the_code_imports_comes_with_a_plain_install(installed: Install, tmp_path: Path) -> None:
    imports = _third_party_imports(installed.wheel)
    assert {"hypothesis", "schemathesis", "starlette"} <= set(imports)
    probe = (
        "import importlib.util, sys; print(' '.join(n for n in sys.argv[1:] if importlib.util.find_spec(n) is None))"
    )
    done = subprocess.run(
        [str(installed.bin / "python"), "-c", probe, *sorted(imports)],
        cwd=_outside_checkout(tmp_path),
        env=installed.env(),
        capture_output=True,
        text=True,
        check=True,
    )
    missing = done.stdout.split()
    assert missing == [], {name: sorted(imports[name]) for name in missing}


# ---------------------------------------------------------------------------------------------
# The installed console script


def test_serve_certify_with_fuzzing_and_issue_a_certificate(installed: Install, tmp_path: Path) -> None:
    work = _outside_checkout(tmp_path)
    release = _latest_release()
    origin = "https://bokning.example.se"  # the default policy wants CORS tested (CORE-030, since 1.4.0)
    with served(installed, work, "--spec-version", release, "--cors-origin", origin) as base_url:
        certify = installed.bokbid(
            "certify",
            "--base-url",
            base_url,
            "--cors-origin",
            origin,
            "--profile",
            "kommunens-processtod-bas",
            "--out",
            "report",
            "--seed",
            "4711",
            "--fuzz-examples",
            "2",
            "--fuzz-seconds",
            "120",
            "--quiet",
            cwd=work,
        )
    assert certify.returncode == 0, certify.stdout + certify.stderr
    assert "failed 0" in certify.stdout
    report = _report(work / "report")
    assert report["specVersion"] == release and report["specDraft"] is False
    assert report["profile"] == "kommunens-processtod-bas"
    _passed_with_fuzzing(report)
    assert report["fuzz"]["completed"], report["fuzz"]

    keys = installed.bokbid("keys", "generate", "--out", "keys/bob-signing", cwd=work)
    assert keys.returncode == 0, keys.stderr
    assert (work / "keys/bob-signing.pem").is_file() and (work / "keys/bob-signing.pub.pem").is_file()

    # The default policy's 50 fuzz examples per operation take a minute; the stewardship body sets the
    # bar in a policy file of its own, here one a short run clears.
    (work / "policy.toml").write_text("[approval]\nmin_fuzz_examples = 2\n", encoding="utf-8")
    issue = installed.bokbid(
        "certificate",
        "issue",
        "report",
        "--key",
        "keys/bob-signing.pem",
        "--policy",
        "policy.toml",
        "--out",
        "certificate.json",
        cwd=work,
    )
    assert issue.returncode == 0, issue.stdout + issue.stderr
    body = json.loads((work / "certificate.json").read_text(encoding="utf-8"))["certificate"]
    assert (body["specVersion"], body["profile"], body["seed"]) == (release, "kommunens-processtod-bas", 4711)
    assert body["fuzz"]["completed"] and body["policy"]["minFuzzExamples"] == 2

    verify = installed.bokbid(
        "certificate",
        "verify",
        "certificate.json",
        "--public-key",
        "keys/bob-signing.pub.pem",
        "--evidence",
        "report",
        cwd=work,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "valid until" in verify.stdout and f"standard BoB {release}" in verify.stdout


def test_dak_validate_and_spec_lint(installed: Install, tmp_path: Path) -> None:
    work = _outside_checkout(tmp_path)
    valid = installed.bokbid("dak", "validate", str(EXAMPLES / "dak-one-card.xml"), cwd=work)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert "valid DAK 2.2" in valid.stdout

    # docs/grants.md: exit 1 and one line per error, seven of them in this specimen.
    with_errors = str(EXAMPLES / "dak-with-errors.xml")
    invalid = installed.bokbid("dak", "validate", with_errors, cwd=work)
    assert invalid.returncode == 1, invalid.stdout + invalid.stderr
    lines = invalid.stdout.splitlines()
    assert len(lines) == 7 and all(line.startswith(f"{with_errors}:") for line in lines), invalid.stdout
    assert "the check digit is wrong (Luhn)" in lines[0]

    lint = installed.bokbid("spec", "lint", cwd=work)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_demo(installed: Install, tmp_path: Path) -> None:
    work = _outside_checkout(tmp_path)
    demo = installed.bokbid("demo", "--out", "demo", "--seed", "4711", cwd=work)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "failed 0" in demo.stdout
    _passed_with_fuzzing(_report(work / "demo"))


# ---------------------------------------------------------------------------------------------
# docs/suppliers.md's CI recipes, run as written


def _recipe(title: str) -> dict[str, Any]:
    """The YAML block that follows `title` in docs/suppliers.md."""
    text = SUPPLIERS_DOC.read_text(encoding="utf-8")
    assert title in text, f"docs/suppliers.md has no {title!r}"
    block = re.search(r"```yaml\n(.*?)```", text.split(title, 1)[1], re.DOTALL)
    assert block is not None, f"no yaml block after {title!r} in docs/suppliers.md"
    return yaml.safe_load(block.group(1))


@dataclass(frozen=True)
class Recipe:
    """What a CI job of the doc does: its variables, the shell lines it runs, the files it keeps."""

    variables: dict[str, str]
    commands: list[str]
    artefacts: list[str]
    sandbox_host: str


def _github_actions() -> Recipe:
    job = _recipe("GitHub Actions (`.github/workflows/bob.yml`):")["jobs"]["certify"]
    commands, artefacts = [], []
    for step in job["steps"]:
        if "run" in step:
            commands.append(step["run"])
        elif step["uses"].startswith("actions/upload-artifact@"):
            artefacts.append(step["with"]["path"])
    variables = {k: str(v).replace("${{ github.run_number }}", "17") for k, v in job["env"].items()}
    # The job starts the sandbox on the runner itself.
    return Recipe(variables, commands, artefacts, sandbox_host="127.0.0.1")


def _gitlab_ci() -> Recipe:
    job = _recipe("GitLab CI (`.gitlab-ci.yml`):")["bob-certify"]
    variables = {k: str(v).replace("$CI_PIPELINE_IID", "17") for k, v in job["variables"].items()}
    artefacts = [*job["artifacts"]["paths"], job["artifacts"]["reports"]["junit"]]
    # The sandbox is a service, reached under its alias.
    [service] = job["services"]
    return Recipe(variables, list(job["script"]), artefacts, sandbox_host=service["alias"])


INSTALL_LINE = re.compile(r'^pip install "bokbid @ [^"]+"$', re.MULTILINE)
START_LINE = re.compile(r"^docker compose up .*\n", re.MULTILINE)


@pytest.mark.parametrize("recipe", [_github_actions, _gitlab_ci], ids=["github-actions", "gitlab-ci"])
def test_the_ci_recipe_as_written(installed: Install, tmp_path: Path, recipe: Callable[[], Recipe]) -> None:
    job = recipe()
    checkout = _outside_checkout(tmp_path / "checkout")
    sandbox = tmp_path / "sandbox"
    checkout.mkdir()
    sandbox.mkdir()

    # Substituted, and nothing else: the package install line installs the wheel built here, not the
    # doc's git URL; the sandbox ("your product", which the doc says to replace) is the installed
    # reference server, started by this test (to stop it by its pid) on a free port instead of 8080;
    # the CI's run number is 17. Every other line runs as the doc writes it.
    [install] = [c for c in job.commands if INSTALL_LINE.search(c)]
    commands = [
        INSTALL_LINE.sub(f'pip install "bokbid @ {installed.wheel.as_uri()}"', c) if c is install else c
        for c in job.commands
    ]
    commands = [START_LINE.sub("", c) for c in commands]
    assert not any("docker" in c for c in commands), "a sandbox start this test does not replace"
    base = urlsplit(job.variables["BOKBID_BASE_URL"])
    assert base.hostname == job.sandbox_host and base.path == "/v1", base
    port = _free_port()
    variables = {**job.variables, "BOKBID_BASE_URL": f"http://127.0.0.1:{port}/v1"}

    server = _start_server(installed, sandbox, port, "--db", f"sqlite:///{sandbox / 'bokbid.db'}")
    try:
        for command in commands:
            # GitHub Actions runs `run:` with `bash -e`, GitLab each script line in a shell with errexit.
            done = subprocess.run(
                ["bash", "-e", "-c", command],
                cwd=checkout,
                env=installed.env(variables),
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    finally:
        _stop_server(server)

    for artefact in job.artefacts:
        assert (checkout / artefact).exists(), f"the job keeps {artefact}, which the run did not write"
    report = _report(checkout / variables["BOKBID_REPORT_DIR"])
    assert report["seed"] == 17 and report["baseUrl"] == variables["BOKBID_BASE_URL"]
    _passed_with_fuzzing(report)
