"""report.html of a failing run, opened in a real headless Chromium on a desktop and on a phone.

A report is read for its failures: the first screen must say the verdict and which check broke
which requirement and why, the page must fit a phone without sideways scrolling, the filter must
work without scripts (the report has none: it is CSS), and the request a failure is about must be
open in the sequence of requests its check sent. The report is real: the reference server with a
fault is certified on a few checks. It is loaded into a same-origin frame of a probe page, sized to
the viewport; the probe (not the report) clicks the filter and measures what is displayed, and
`--dump-dom` hands the measurements back (the technique of test_governance_browser.py). Screenshots
of both sizes are written to the test's tmp dir for a person to look at.
"""

from __future__ import annotations

import html
import io
import json
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from browser import FLAGS, chromium, serve

from conformance.config import Budget
from conformance.registry import all_checks
from conformance.runner import run_certification
from reference_server.launcher import background_server

# The overlap check books once, then tries five overlapping bookings as another customer: the fault
# lets through the one that starts earlier, the 8th of the check's 9 requests.
FAULT = "overlap-check-misses-earlier-start"
FAILING = "booking.overlap-refused"
FAILING_STEP = 8
CHECKS = {FAILING, "core.api-info", "core.me-requires-token"}
SIZES = {"desktop": (1400, 900), "phone": (390, 844)}

PROBE = """<!doctype html>
<meta charset="utf-8"><title>probe</title>
<style>body {{ margin: 0; }} iframe {{ border: 0; display: block; }}</style>
<iframe id="page" src="report.html" style="width:{width}px;height:{height}px"></iframe>
<pre id="result"></pre>
<script>
window.addEventListener("load", () => {{
  const page = document.getElementById("page").contentDocument;
  const view = page.defaultView;
  const displayed = (element) => element !== null && element.getClientRects().length > 0
    && view.getComputedStyle(element).visibility === "visible";
  const box = (selector) => {{
    const element = page.querySelector(selector);
    if (!displayed(element)) return null;
    const rect = element.getBoundingClientRect();
    return {{text: element.innerText, top: rect.top, bottom: rect.bottom}};
  }};
  const all = (selector) => [...page.querySelectorAll(selector)];
  const shown = (selector) => all(selector).filter(displayed).map((e) => e.id);
  const card = "#failure-" + CSS.escape({failing});
  const seen = {{
    scripts: page.scripts.length,
    height: view.innerHeight,
    clientWidth: page.documentElement.clientWidth,
    scrollWidth: page.documentElement.scrollWidth,
    banner: box("#verdict"),
    group: box("#what-failed .group"),
    reason: box("#what-failed .group .reason"),
    steps: all(card + " .step summary").map((s) => s.innerText.replace(/\\s+/g, " ")),
    openSteps: all(card + " .step details[open]").map((d) => d.parentElement.id),
    failingStep: box(card + " .step.failing .exchange"),
    curl: box(card + " .curl"),
    replay: box(card + " .replay"),
    filters: {{}},
  }};
  for (const choice of ["show-failed", "show-errors", "show-all"]) {{
    page.querySelector(`label[for="${{choice}}"]`).click();
    seen.filters[choice] = {{
      cards: shown(".failure"),
      checkRows: shown("#checks tbody tr"),
      requirementRows: shown("#requirements tbody tr"),
      groups: shown("#what-failed .group").length,
      noneErrored: displayed(page.querySelector(".none-errored")),
    }};
  }}
  document.getElementById("result").textContent = JSON.stringify(seen);
}});
</script>
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle of a certification of the reference server with FAULT, on a few checks."""
    tmp = tmp_path_factory.mktemp("report")
    with background_server(db=f"sqlite:///{tmp / 'db.sqlite'}", fault=FAULT) as url:
        code = run_certification(
            base_url=url,
            profile=None,
            report_dir=tmp / "bundle",
            seed=13,
            timeout=10.0,
            quiet=True,
            checks=[c for c in all_checks() if c.id in CHECKS],
            out=io.StringIO(),
            budget=Budget(0, 0),
        )
    assert code == 1
    return tmp / "bundle"


@pytest.fixture(scope="module")
def results(report: Path) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in json.loads((report / "report.json").read_text(encoding="utf-8"))["results"]}


@pytest.fixture(scope="module")
def views(report: Path) -> dict[str, dict[str, Any]]:
    """What the probe measured, per size."""
    return {size: look(report, *viewport) for size, viewport in SIZES.items()}


def _browse(bundle: Path, window: tuple[int, int], page: str, *flags: str) -> subprocess.CompletedProcess[str]:
    """Chromium run on `page` of the bundle, served over HTTP, in a window of that size."""
    with serve(bundle) as url, tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [
                chromium(),
                *FLAGS,
                "--hide-scrollbars",  # as on a phone, scroll bars take no room from the page
                f"--user-data-dir={profile}",
                f"--window-size={window[0]},{window[1]}",
                *flags,
                f"{url}/{page}",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def look(bundle: Path, width: int, height: int) -> dict[str, Any]:
    """What the probe measured of report.html in a viewport of width × height."""
    probe = PROBE.format(width=width, height=height, failing=json.dumps(FAILING))
    (bundle / "probe.html").write_text(probe, encoding="utf-8")
    done = _browse(bundle, (width + 100, height + 100), "probe.html", "--virtual-time-budget=10000", "--dump-dom")
    found = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, re.DOTALL)
    assert done.returncode == 0 and found and found[1], f"chromium failed ({done.returncode}): {done.stderr[-2000:]}"
    return json.loads(html.unescape(found[1]))


@pytest.mark.parametrize("size", SIZES)
def test_the_first_screen_says_what_failed_and_why(
    views: dict[str, dict[str, Any]], results: dict[str, dict[str, Any]], size: str
) -> None:
    seen = views[size]
    reason = results[FAILING]["message"].splitlines()[0]
    assert results[FAILING]["status"] == "failed" and "expected status 409, got 201" in reason
    assert seen["scripts"] == 0
    banner, group = seen["banner"], seen["group"]
    assert banner and banner["bottom"] <= seen["height"]
    assert "Failed: 1 check failed" in banner["text"] and re.search(r"failed\s*1", banner["text"], re.I)
    assert group and "BOOK-004" in group["text"] and FAILING in group["text"] and reason in group["text"]
    assert seen["reason"] and seen["reason"]["bottom"] <= seen["height"], (seen["reason"], seen["height"])


@pytest.mark.parametrize("size", SIZES)
def test_nothing_is_wider_than_the_screen(views: dict[str, dict[str, Any]], size: str) -> None:
    seen = views[size]
    assert seen["clientWidth"] == SIZES[size][0]
    assert seen["scrollWidth"] <= seen["clientWidth"], seen["scrollWidth"]


@pytest.mark.parametrize("size", SIZES)
def test_the_filter_works_without_scripts(
    views: dict[str, dict[str, Any]], results: dict[str, dict[str, Any]], size: str
) -> None:
    failed, errors, everything = (views[size]["filters"][k] for k in ("show-failed", "show-errors", "show-all"))
    assert failed["cards"] == [f"failure-{FAILING}"] and failed["checkRows"] == [f"check-{FAILING}"]
    assert failed["requirementRows"] == ["req-BOOK-004"] and failed["groups"] == 1
    assert errors["cards"] == [] and errors["checkRows"] == [] and errors["groups"] == 0
    assert errors["noneErrored"] and not failed["noneErrored"]  # no errors: the page says so
    assert everything["cards"] == [f"failure-{FAILING}"] and everything["checkRows"] == [f"check-{r}" for r in results]
    assert len(everything["requirementRows"]) > len(failed["requirementRows"])


@pytest.mark.parametrize("size", SIZES)
def test_the_failing_request_is_open_in_its_sequence(views: dict[str, dict[str, Any]], size: str) -> None:
    seen = views[size]
    assert len(seen["steps"]) == 9
    assert seen["openSteps"] == [f"failure-{FAILING}-step-{FAILING_STEP}"]
    step = seen["failingStep"]
    assert step and "POST http://" in step["text"] and "HTTP 201" in step["text"], step


def test_each_step_says_why_the_harness_sent_it(views: dict[str, dict[str, Any]]) -> None:
    steps = views["desktop"]["steps"]
    assert "set-up" in steps[0] and "PUT /test/clock" in steps[0] and "Move the server clock" in steps[0]
    assert "frozen" in steps[0]
    assert "set-up" in steps[1] and "POST /test/fixtures" in steps[1] and "Create test data" in steps[1]
    assert "POST /test/tokens" in steps[2] and "for persona organisation-representative" in steps[2]
    assert "createBooking" in steps[3] and "as organisation-representative" in steps[3]  # the booking overlapped
    assert "POST /test/tokens" in steps[4] and "for persona citizen" in steps[4]
    for step in steps[5:8]:
        assert "createBooking POST /bookings" in step and "Book a unit" in step and "as citizen" in step
    assert "409" in steps[5] and "409" in steps[6] and "201" in steps[7]
    assert [i for i, s in enumerate(steps, start=1) if "the request that failed" in s] == [FAILING_STEP]
    assert "clean-up" in steps[8] and "DELETE /test/clock" in steps[8]


def test_the_reproduce_command_draws_a_fresh_idempotency_key(views: dict[str, dict[str, Any]]) -> None:
    seen = views["desktop"]
    recorded = re.search(r"idempotency-key: ([0-9a-f-]{36})", seen["failingStep"]["text"])
    curl = seen["curl"]["text"]
    assert recorded and recorded[1] not in curl and '"idempotency-key: $IDEMPOTENCY_KEY"' in curl
    assert "IDEMPOTENCY_KEY=$(python3 -c" in curl and '"authorization: Bearer $TOKEN"' in curl


def test_the_whole_sequence_can_be_replayed_in_one_command(views: dict[str, dict[str, Any]], report: Path) -> None:
    shown = views["desktop"]["replay"]["text"]
    assert shown.startswith(f"bokbid replay {report}") and (report / "replay").is_dir()


@pytest.mark.parametrize("size", SIZES)
def test_screenshots(report: Path, size: str, tmp_path: Path) -> None:
    width, height = SIZES[size]
    path = tmp_path / f"report-{size}.png"
    done = _browse(report, (width, height), "report.html", f"--screenshot={path}")
    assert done.returncode == 0, done.stderr[-2000:]
    png = path.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (width, height)
