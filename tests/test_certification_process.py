"""Certification as a process: configuration, evidence bundle, re-runs, certificates, revocation and
the register of approved suppliers, end to end against the reference server and in a real browser.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from browser import dump_dom, serve
from lxml import html as lxml_html
from test_server_support import BROWSER_ORIGIN
from typer.testing import CliRunner

import spec
from cli import app
from conformance import certificates, synthetic
from conformance.bundle import bundle_digest
from conformance.config import Budget, ConfigError, load_config
from conformance.personnummer import find_personnummer
from conformance.policy import Policy, load_policy
from conformance.runner import certify, run_certification
from conformance.signing import generate_keys, load_private_key, load_public_key
from reference_server.launcher import background_server

runner = CliRunner()


PROFILE = "kommunens-processtod-utokad"
# Certificates are issued on releases only, so the shared run holds the reference server to the latest one.
RELEASE = [r for r in spec.known_releases() if not r.draft][-1]
# The shared run fuzzes at the CI budget (2 examples), with time enough to complete the phase.
LENIENT_POLICY = "[approval]\nmin_fuzz_examples = 2\n"


@pytest.fixture(scope="module")
def passing_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One full certification of the clean reference server, shared by the tests that only read it."""
    tmp = tmp_path_factory.mktemp("run")
    db = f"sqlite:///{tmp / 'db.sqlite'}"
    with background_server(db=db, spec_version=spec.version(RELEASE), cors_origins=(BROWSER_ORIGIN,)) as url:
        code = certify(
            base_url=url,
            profile=PROFILE,
            report_dir=tmp / "bundle",
            seed=31,
            quiet=True,
            budget=Budget(2, 120),
            cors_origin=BROWSER_ORIGIN,
        )
    report = json.loads((tmp / "bundle" / "report.json").read_text(encoding="utf-8"))
    assert code == 0, [(r["id"], r["message"]) for r in report["results"] if r["status"] != "passed"]
    yield tmp / "bundle"


@pytest.fixture(scope="module")
def lenient_policy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("policy") / "policy.toml"
    path.write_text(LENIENT_POLICY, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("keys")
    generate_keys(tmp / "bob.pem", tmp / "bob.pub.pem")
    return tmp / "bob.pem", tmp / "bob.pub.pem"


def _invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


# ----------------------------------------------------------------------------------------------
# The evidence bundle


def test_the_bundle_pins_the_run_and_hides_personal_data(passing_run: Path) -> None:
    manifest = json.loads((passing_run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["specDigest"] == spec.digest(RELEASE) and manifest["seed"] == 31
    assert manifest["specVersion"] == spec.version(RELEASE) and manifest["specDraft"] is False
    assert set(manifest["files"]) == {"report.json", "evidence.jsonl", "config.json", "junit.xml", "report.html"}
    assert bundle_digest(passing_run).startswith("sha256:")
    evidence = (passing_run / "evidence.jsonl").read_text(encoding="utf-8")
    assert "/test/fixtures" in evidence and "personalIdentityNumber" in evidence  # fixtures were sent…
    for name in manifest["files"]:
        assert find_personnummer((passing_run / name).read_text(encoding="utf-8")) == [], name  # …and masked
    assert '"authorization": "Bearer <redacted>"' in evidence
    report = json.loads((passing_run / "report.json").read_text(encoding="utf-8"))
    assert report["product"]["name"] and report["productMismatch"] == []
    fuzz = {r["id"]: r for r in report["results"] if r["id"].startswith("core.fuzz")}
    assert {r["status"] for r in fuzz.values()} == {"passed"} and "generated requests" in fuzz[
        "core.fuzz-no-server-error"
    ]["message"]


# ----------------------------------------------------------------------------------------------
# Configuration


def test_configuration_precedence_file_then_environment_then_flags(tmp_path: Path) -> None:
    file = tmp_path / "bokbid.toml"
    file.write_text(
        '[certify]\nbase_url = "http://file/v1"\nprofile = "kommunens-processtod-bas"\nseed = 1\n'
        '[product]\nsupplier = "Exempel AB"\nname = "Bokaren"\nversion = "2.3.0"\n'
        "[budget]\nfuzz_examples = 9\nfuzz_seconds = 20\n[tls]\nverify = false\n",
        encoding="utf-8",
    )
    env = {"BOKBID_BASE_URL": "http://env/v1", "BOKBID_SEED": "2", "BOKBID_FUZZ_SECONDS": "5"}
    config = load_config(file, env=env, flags={"seed": 3, "profile": None})
    assert config.base_url == "http://env/v1" and config.sources["base_url"] == "env"
    assert config.seed == 3 and config.sources["seed"] == "flag"
    assert config.profile == "kommunens-processtod-bas" and config.sources["profile"] == "file"
    assert config.product.version == "2.3.0" and config.budget.fuzz_examples == 9
    assert config.budget.fuzz_seconds == 5.0 and config.tls.verify is False and config.tls.httpx_verify() is False
    assert config.record()["settings"]["seed"] == {"value": 3, "source": "flag"}
    assert load_config(None, env={"BOKBID_CONFIG": str(file)}).base_url == "http://file/v1"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[certify]\nbase_url = 1\n", None),
        ("[certify]\nbase_urll = 'x'\n", "unknown setting certify.base_urll"),
        ("[budget]\nfuzz_examples = 'many'\n", "fuzz_examples"),
        ("[budget]\nfuzz_examples = -1\n", "negative"),
        ("[certify\n", "not valid TOML"),
    ],
)
def test_bad_configuration_is_a_usage_error(tmp_path: Path, text: str, message: str | None) -> None:
    file = tmp_path / "bokbid.toml"
    file.write_text(text, encoding="utf-8")
    if message is None:  # a number where text belongs is read as text: harmless
        assert load_config(file, env={}).base_url == "1"
        return
    with pytest.raises(ConfigError, match=message):
        load_config(file, env={})
    code, output = _invoke("certify", "--config", str(file))
    assert code == 2 and "error:" in output


def test_the_environment_alone_drives_a_ci_run(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with background_server(db=sqlite_url, production=True) as url:
        monkeypatch.setenv("BOKBID_BASE_URL", url)
        monkeypatch.setenv("BOKBID_REPORT_DIR", str(tmp_path / "env-run"))
        monkeypatch.setenv("BOKBID_SEED", "77")
        code, _ = _invoke("certify", "--quiet")
    report = json.loads((tmp_path / "env-run" / "report.json").read_text(encoding="utf-8"))
    assert code == 1 and report["seed"] == 77  # refused (production: no test interface), but configured by env
    config = json.loads((tmp_path / "env-run" / "config.json").read_text(encoding="utf-8"))
    assert config["settings"]["base_url"]["source"] == "env"


# ----------------------------------------------------------------------------------------------
# Re-running failed checks


def test_rerun_failed_repeats_only_the_failed_checks_with_the_same_seed(sqlite_url: str, tmp_path: Path) -> None:
    with background_server(db=sqlite_url, fault="search-case-sensitive") as url:
        assert certify(base_url=url, profile=None, report_dir=tmp_path / "first", seed=5, quiet=True) == 1
        first = json.loads((tmp_path / "first" / "report.json").read_text(encoding="utf-8"))
        failed = {r["id"] for r in first["results"] if r["status"] == "failed"}
        code, output = _invoke("certify", "--rerun-failed", str(tmp_path / "first"), "--quiet")
    again = json.loads((tmp_path / "first" / "rerun" / "report.json").read_text(encoding="utf-8"))
    ran = {r["id"] for r in again["results"]} - {s.id for s in synthetic.ALL}  # drawn from every run
    assert code == 1, output
    assert "discovery.free-text" in failed and ran == failed
    assert again["seed"] == 5 and again["rerunOf"] == str(tmp_path / "first") and again["onlyChecks"]


def test_rerun_of_a_clean_run_is_a_usage_error(passing_run: Path) -> None:
    code, output = _invoke("certify", "--rerun-failed", str(passing_run))
    assert code == 2 and "no failed checks" in output


# ----------------------------------------------------------------------------------------------
# Certificates, revocation and the register


def test_a_failing_run_cannot_be_certified(sqlite_url: str, tmp_path: Path, keys: tuple[Path, Path]) -> None:
    with background_server(db=sqlite_url, fault="alg-none-accepted") as url:
        certify(base_url=url, profile=None, report_dir=tmp_path / "bad", seed=2, quiet=True)
    code, output = _invoke("certificate", "issue", str(tmp_path / "bad"), "--key", str(keys[0]))
    assert code == 1 and "cannot be certified" in output and "failed" in output
    assert not (tmp_path / "bad" / "certificate.json").exists()


def test_full_flow_certify_issue_verify_register(
    passing_run: Path, keys: tuple[Path, Path], lenient_policy: Path, tmp_path: Path
) -> None:
    private, public = keys
    bundle = tmp_path / "bundle"
    shutil.copytree(passing_run, bundle)
    certs = tmp_path / "certs"
    current, old, withdrawn = certs / "current.json", certs / "old.json", certs / "withdrawn.json"
    policy = ("--policy", str(lenient_policy))
    assert _invoke("certificate", "issue", str(bundle), "--key", str(private), "--out", str(current), *policy)[0] == 0
    last_year = (date.today() - timedelta(days=400)).isoformat()
    assert _invoke("certificate", "issue", str(bundle), "--key", str(private), "--out", str(old), "--valid-from",
                   last_year, "--valid-days", "30", *policy)[0] == 0  # fmt: skip
    assert _invoke("certificate", "issue", str(bundle), "--key", str(private), "--out", str(withdrawn), *policy)[0] == 0

    code, output = _invoke(
        "certificate", "verify", str(current), "--public-key", str(public), "--evidence", str(bundle)
    )
    assert code == 0 and output.startswith("Certificate ") and " is valid until " in output.splitlines()[0]
    body = json.loads(current.read_text(encoding="utf-8"))["certificate"]
    assert body["profile"] == PROFILE and body["seed"] == 31
    assert body["fuzz"]["examplesPerOperation"] == 2 and body["fuzz"]["completed"] and body["fuzz"]["requests"] > 0
    assert body["policy"] == Policy(min_fuzz_examples=2).record() and body["policy"]["digest"].startswith("sha256:")
    assert f"  standard BoB {spec.version(RELEASE)} ({spec.digest(RELEASE)})\n" in output
    assert f"  profile {PROFILE}, seed 31\n" in output
    assert "  fuzz phase: 2 examples per operation and mode, 120 s budget" in output and "complete\n" in output
    assert f"  approval policy {body['policy']['digest']}: a profile required, at least 2 fuzz examples" in output
    report = json.loads((bundle / "report.json").read_text(encoding="utf-8"))
    assert body["evidenceDigest"] == bundle_digest(bundle) and body["specDigest"] == spec.digest(RELEASE)
    assert body["product"]["name"] == report["product"]["name"] and "test-interface" not in body["classes"]
    assert set(body["classes"]) == set(report["certifiedClasses"]) - {"test-interface"}

    code, output = _invoke("certificate", "verify", str(old), "--public-key", str(public))
    assert code == 1 and " is not valid: expired after " in output.splitlines()[0]

    revocations = certs / "revocations.json"
    code, _ = _invoke("certificate", "revoke", str(withdrawn), "--key", str(private), "--list", str(revocations),
                      "--reason", "Leverantören har dragit tillbaka produkten")  # fmt: skip
    assert code == 0
    code, output = _invoke(
        "certificate", "verify", str(withdrawn), "--public-key", str(public), "--revocations", str(revocations)
    )
    assert code == 1 and " is revoked " in output.splitlines()[0]

    site = tmp_path / "site"
    code, output = _invoke("registry", "build", str(certs), "--out", str(site), "--public-key", str(public),
                           "--revocations", str(revocations))  # fmt: skip
    assert code == 0, output
    with serve(site) as base:
        page = dump_dom(f"{base}/index.html")
        detail = dump_dom(f"{base}/certificates/{body['serial']}.html")
    row = _row(page, body["serial"])
    assert "Valid" in row and body["product"]["name"] in row and body["validUntil"] in row
    assert body["supplier"] in row and ", ".join(body["classes"]) in row and f"BoB {spec.version(RELEASE)}" in row
    assert "EXPIRED" in _row(page, _serial(old)) and "REVOKED" in _row(page, _serial(withdrawn))
    assert "1 valid, 1 expired, 1 revoked." in page
    assert "bokbid certificate verify" in detail and "public-key.pem" in detail and body["evidenceDigest"] in detail
    assert '<html lang="en">' in detail and "← register of approved suppliers" in detail
    published = site / "certificates" / f"{body['serial']}.json"
    assert _invoke("certificate", "verify", str(published), "--public-key", str(site / "public-key.pem"))[0] == 0


def test_the_register_is_in_english_with_its_swedish_name_in_parentheses(
    keys: tuple[Path, Path], tmp_path: Path
) -> None:
    """The rule of the spec site too: English throughout, a Swedish term in parentheses, marked as Swedish."""
    (tmp_path / "certs").mkdir()
    site = tmp_path / "site"
    code, output = _invoke(
        "registry", "build", str(tmp_path / "certs"), "--out", str(site), "--public-key", str(keys[1])
    )
    assert code == 0, output
    page = lxml_html.fromstring((site / "index.html").read_bytes())
    assert page.get("lang") == "en"
    title = "BoB – register of approved suppliers (register över godkända leverantörer)"
    assert page.xpath("//title")[0].text == title and page.xpath("//h1")[0].text_content() == title
    assert page.xpath('//h1//*[@lang="sv"]')[0].text == "register över godkända leverantörer"


def _serial(path: Path) -> str:
    return str(json.loads(path.read_text(encoding="utf-8"))["certificate"]["serial"])


def _row(dom: str, serial: str) -> str:
    start = dom.index(f'id="cert-{serial}"')
    return dom[start : dom.index("</tr>", start)]


def test_a_changed_byte_breaks_verification(passing_run: Path, keys: tuple[Path, Path], tmp_path: Path) -> None:
    private, public = keys
    bundle = tmp_path / "bundle"
    shutil.copytree(passing_run, bundle)
    document = certificates.issue(bundle, load_private_key(private), issuer="BoB", policy=Policy(min_fuzz_examples=2))
    key = load_public_key(public)
    assert certificates.check(document, key, evidence=bundle).ok

    tampered = json.loads(json.dumps(document))
    tampered["certificate"]["product"]["version"] += "1"
    assert certificates.check(tampered, key).status == "invalid"

    text = json.dumps(document)
    flipped = text.replace(document["signature"]["value"][:4], "AAAA" if not text.count("AAAA") else "BBBB", 1)
    assert certificates.check(json.loads(flipped), key).status == "invalid"

    evidence = bundle / "evidence.jsonl"
    raw = bytearray(evidence.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    evidence.write_bytes(bytes(raw))
    verdict = certificates.check(document, key, evidence=bundle)
    assert verdict.status == "invalid" and "evidence.jsonl was changed" in verdict.reasons[0]

    other = tmp_path / "other"
    generate_keys(other / "k.pem", other / "k.pub.pem")
    assert certificates.check(document, load_public_key(other / "k.pub.pem")).status == "invalid"


def test_a_forged_revocation_list_is_not_trusted(passing_run: Path, keys: tuple[Path, Path], tmp_path: Path) -> None:
    private, public = keys
    document = certificates.issue(
        passing_run, load_private_key(private), issuer="BoB", policy=Policy(min_fuzz_examples=2)
    )
    listed = certificates.revoke(None, document, load_private_key(private), "test")
    listed["revocations"]["entries"] = []  # someone quietly un-revokes it
    verdict = certificates.check(document, load_public_key(public), revocations=listed)
    assert verdict.status == "invalid" and "not authentic" in verdict.reasons[0]


# ----------------------------------------------------------------------------------------------
# The approval policy


def test_the_default_policy_wants_a_fuller_fuzz_phase(passing_run: Path, keys: tuple[Path, Path]) -> None:
    code, output = _invoke("certificate", "issue", str(passing_run), "--key", str(keys[0]), "--out", "/dev/null")
    assert code == 1 and "cannot be certified" in output
    assert (
        "the run used 2 fuzz examples per operation; the policy requires at least 50 — rerun with --fuzz-examples 50"
        in output
    )
    assert "profile" not in output  # the run was held to a profile: only what is missing is named


def _report(**overrides: object) -> dict[str, object]:
    fuzz = {"examplesPerOperation": 50, "seconds": 600.0, "completed": True, "requests": 5400, "operations": 90}
    return {"profile": PROFILE, "fuzz": fuzz, **overrides}


@pytest.mark.parametrize(
    ("report", "policy", "reasons"),
    [
        (_report(), Policy(), []),
        (
            _report(profile=None),
            Policy(),
            ["the run was held to no profile; the policy requires one — rerun with --profile"],
        ),
        (_report(profile=None), Policy(require_profile=False), []),
        (
            _report(specVersion="1.4.0"),
            Policy(),
            ["the run tested CORS (CORE-030) on no origin; the policy requires one — rerun with --cors-origin"],
        ),
        (_report(specVersion="1.4.0", corsOrigin="https://bokning.example.se"), Policy(), []),
        (_report(specVersion="1.4.0"), Policy(require_cors_origin=False), []),
        (_report(specVersion="1.3.0"), Policy(), []),  # a release without CORE-030
        (
            _report(fuzz=None),
            Policy(),
            ["the run had no fuzz phase; the policy requires at least 50 examples per operation"],
        ),
        (
            _report(fuzz={"examplesPerOperation": 50, "seconds": 5.0, "completed": False, "requests": 700}),
            Policy(min_fuzz_seconds=60),
            [
                "the run's fuzz time budget was 5 s; the policy requires at least 60 s — rerun with --fuzz-seconds 60",
                "the fuzz phase did not send all its examples (700 requests within 5 s); the policy requires",
            ],
        ),
        (
            _report(fuzz={"examplesPerOperation": 50, "seconds": 5.0, "completed": False, "requests": 700}),
            Policy(fuzz_must_complete=False),
            [],
        ),
    ],
)
def test_the_policy_names_what_a_run_lacks(report: dict[str, object], policy: Policy, reasons: list[str]) -> None:
    found = policy.refusals(report)
    assert len(found) == len(reasons) and all(f.startswith(r) for f, r in zip(found, reasons, strict=True)), found


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[approval]\nmin_fuzz_examples = 'many'\n", "must be a whole number"),
        ("[approval]\nmin_fuz_examples = 5\n", "unknown setting approval.min_fuz_examples"),
        ("[approval]\nmin_fuzz_seconds = -1\n", "must not be negative"),
        ("[certify]\nseed = 1\n", "one table, [approval]"),
        ("[approval\n", "not valid TOML"),
    ],
)
def test_a_bad_policy_file_is_a_usage_error(
    text: str, message: str, passing_run: Path, keys: tuple[Path, Path], tmp_path: Path
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_policy(path)
    code, output = _invoke("certificate", "issue", str(passing_run), "--key", str(keys[0]), "--policy", str(path))
    assert code == 2 and message in output
    assert load_policy(None) == Policy() and Policy().min_fuzz_examples == 50


# ----------------------------------------------------------------------------------------------
# The fuzz phase


def test_the_fuzz_phase_reports_a_server_error_with_its_request(sqlite_url: str, tmp_path: Path) -> None:
    with background_server(db=sqlite_url, fault="validation-500") as url:
        code = run_certification(
            base_url=url,
            profile=None,
            report_dir=tmp_path / "fuzzed",
            seed=8,
            timeout=10,
            quiet=True,
            checks=[],
            budget=Budget(fuzz_examples=10, fuzz_seconds=60),
        )
    report = json.loads((tmp_path / "fuzzed" / "report.json").read_text(encoding="utf-8"))
    crash = next(r for r in report["results"] if r["id"] == "core.fuzz-no-server-error")
    assert code == 1 and crash["status"] == "failed" and crash["requirements"] == ["CORE-005"]
    assert crash["failure"]["response"]["status"] == 500 and "curl -sS -i -X GET" in crash["failure"]["curl"]
