"""The rendered reference, opened in a real headless Chromium: what a reader sees, and no script errors.

The site is served over HTTP on 127.0.0.1 (tests/browser.py) and loaded into a probe page, in a
same-origin frame of a given size; the probe measures, after layout, whether an operation, a schema
and a requirement are displayed, where, and what text a reader sees in them (`innerText` leaves out
whatever CSS hides), whether the page scrolls sideways, and what the sidebar and the page show
after it types into the search box (sets the value, dispatches `input`); Chromium's `--dump-dom`
hands the measurements back. Console messages come from
`--enable-logging=stderr`. Only Debian's `chromium` package is needed; without it the tests skip,
unless BOKBID_REQUIRE_BROWSER=1 (CI). The test installs nothing.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from browser import FLAGS, chromium, serve

import spec
from spec.governance import docs_site, releases

PROBE = """<!doctype html>
<meta charset="utf-8"><title>probe</title>
<iframe id="page" src="{src}" style="width:{width}px;height:{height}px;border:0"></iframe>
<pre id="result"></pre>
<script>
const visible = (element) => element.getClientRects().length > 0;
const box = (element) => {{
  const r = element.getBoundingClientRect();
  return {{left: r.left, right: r.right, top: r.top, bottom: r.bottom}};
}};
window.addEventListener("load", () => {{
  const page = document.getElementById("page").contentDocument;
  const root = page.documentElement;
  const seen = {{scripts: page.scripts.length, title: page.title,
                overflow: root.scrollWidth - root.clientWidth, searches: {{}}}};
  for (const id of {ids}) {{
    const element = page.getElementById(id);
    if (element === null) {{ seen[id] = null; continue; }}
    const rect = element.getBoundingClientRect();
    const style = page.defaultView.getComputedStyle(element);
    seen[id] = {{text: element.innerText, width: rect.width, height: rect.height, box: box(element),
                display: style.display, visibility: style.visibility}};
  }}
  for (const query of {searches}) {{
    const input = page.getElementById("search");
    input.value = query;
    input.dispatchEvent(new page.defaultView.Event("input", {{bubbles: true}}));
    const shown = (selector) => Array.from(page.querySelectorAll(selector)).filter(visible);
    seen.searches[query] = {{
      sidebar: shown("#sidebar a[data-kind=operation]").map((a) => a.getAttribute("href")),
      requirements: shown("#sidebar a[data-kind=requirement]").map((a) => a.getAttribute("href")),
      operations: shown("article.operation").map((a) => a.id),
      status: page.getElementById("search-status").innerText,
    }};
  }}
  document.getElementById("result").textContent = JSON.stringify(seen);
}});
</script>
"""


def look(
    site: Path,
    page: str,
    ids: list[str],
    *,
    searches: list[str] | None = None,
    size: tuple[int, int] = (1200, 900),
) -> tuple[dict[str, Any], list[str]]:
    """What a reader sees of the elements `ids` on `page` in a viewport of `size`, then of the sidebar and
    the operations after typing each of `searches` into the search box; and the console messages logged."""
    probe = PROBE.format(
        src=page, ids=json.dumps(ids), searches=json.dumps(searches or []), width=size[0], height=size[1]
    )
    (site / "probe.html").write_text(probe, encoding="utf-8")
    with serve(site) as url, tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [
                chromium(),
                *FLAGS,
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=10000",
                "--dump-dom",
                f"{url}/probe.html",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    found = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, re.DOTALL)
    assert done.returncode == 0 and found and found[1], (
        f"chromium failed (exit {done.returncode}): {done.stderr[-2000:]}"
    )
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return json.loads(html.unescape(found[1])), console


def _displayed(seen: dict[str, Any] | None) -> bool:
    if not seen:
        return False
    return seen["width"] > 0 and seen["height"] > 0 and seen["display"] != "none" and seen["visibility"] == "visible"


def test_a_reader_sees_an_operation_a_schema_and_a_requirement(tmp_path: Path) -> None:
    docs_site.build(tmp_path)
    seen, console = look(tmp_path, "working/index.html", ["op-listFacilities", "schema-Facility", "req-CORE-001"])
    assert seen["scripts"] == 1 and seen["title"].startswith("BoB API reference")
    for element in ("op-listFacilities", "schema-Facility", "req-CORE-001"):
        assert _displayed(seen[element]), (element, seen[element])
    operation = seen["op-listFacilities"]["text"]
    assert "GET" in operation and "/facilities" in operation and "Search facilities" in operation
    assert "limit" in operation  # the parameters table is there to read, not hidden
    assert "municipalityCode" in seen["schema-Facility"]["text"]
    requirement = seen["req-CORE-001"]["text"]
    assert "CORE-001" in requirement and "MUST" in requirement and "/api-info" in requirement
    assert console == []


def test_every_release_page_opens_and_shows_its_version(tmp_path: Path) -> None:
    docs_site.build(tmp_path)
    for version, _ in releases.releases():
        seen, console = look(tmp_path, f"{version}/index.html", ["version", "op-getApiInfo"])
        assert _displayed(seen["version"]) and seen["version"]["text"] == str(version)
        assert _displayed(seen["op-getApiInfo"]) and "/api-info" in seen["op-getApiInfo"]["text"]
        assert console == []


def _operations_mentioning(word: str) -> set[str]:
    """The operations whose sidebar entry (method, path, summary) or operationId holds `word`."""
    return {
        op.operation_id
        for op in spec.operations()
        if word in f"{op.method} {op.path} {op.raw.get('summary', '')} {op.operation_id}".lower()
    }


def test_typing_in_the_search_box_filters_the_sidebar_and_the_page(tmp_path: Path) -> None:
    docs_site.build(tmp_path)
    nothing = "no-such-thing-anywhere"
    searches = ["cancel", "idempotency-key", nothing, ""]
    seen, console = look(tmp_path, "working/index.html", [], searches=searches)
    assert console == []
    found = seen["searches"]
    cancel = _operations_mentioning("cancel")
    assert 0 < len(cancel) < len(spec.operations())
    assert set(found["cancel"]["sidebar"]) == {f"#op-{i}" for i in cancel}
    assert set(found["cancel"]["operations"]) == {f"op-{i}" for i in cancel}
    assert found["cancel"]["status"].startswith(f"{len(cancel)} operations")
    # A requirement is found by its text, in either language.
    keyed = {
        r["id"] for r in spec.requirements() if "idempotency-key" in f"{r['text']['en']} {r['text']['sv']}".lower()
    }
    assert len(keyed) >= 4 and set(found["idempotency-key"]["requirements"]) == {f"#req-{i}" for i in keyed}
    assert found[nothing] == {"sidebar": [], "requirements": [], "operations": [], "status": "Nothing matches."}
    # An empty box shows everything again.
    everything = [f"#op-{op.operation_id}" for op in spec.operations()]
    assert sorted(found[""]["sidebar"]) == sorted(everything) and len(found[""]["operations"]) == len(everything)
    assert found[""]["status"] == ""


def test_sidebar_beside_the_reference_when_wide_above_it_without_overflow_when_narrow(tmp_path: Path) -> None:
    docs_site.build(tmp_path)
    wide, console = look(tmp_path, "working/index.html", ["sidebar", "content"], size=(1400, 900))
    assert console == [] and _displayed(wide["sidebar"]) and _displayed(wide["content"])
    side, main = wide["sidebar"]["box"], wide["content"]["box"]
    assert side["right"] <= main["left"] and side["top"] < main["bottom"] and main["top"] < side["bottom"]
    assert wide["overflow"] == 0

    narrow, console = look(
        tmp_path, "working/index.html", ["sidebar", "content", "toc"], searches=["cancel"], size=(390, 844)
    )
    assert console == [] and narrow["overflow"] == 0
    assert narrow["sidebar"]["box"]["bottom"] <= narrow["content"]["box"]["top"]
    # The contents fold away above the reference on a phone, and open for a search.
    assert "Contents" in narrow["toc"]["text"] and "/api-info" not in narrow["toc"]["text"]
    assert set(narrow["searches"]["cancel"]["sidebar"]) == {f"#op-{i}" for i in _operations_mentioning("cancel")}


def test_the_page_a_server_serves_works_with_only_its_operations(tmp_path: Path) -> None:
    """GET /docs renders the operations one server serves: the search works on what is there."""
    served = {op.operation_id for op in spec.operations() if op.conformance_class != "test-interface"}
    page = docs_site.render_reference(spec.openapi(), spec.requirements(), spec.conformance(), operation_ids=served)
    (tmp_path / "docs.html").write_text(page, encoding="utf-8")
    seen, console = look(tmp_path, "docs.html", ["req-TEST-001"], searches=["test", ""])
    assert console == [] and _displayed(seen["req-TEST-001"])
    assert not [href for href in seen["searches"]["test"]["sidebar"] if href.removeprefix("#op-") not in served]
    assert sorted(seen["searches"][""]["sidebar"]) == sorted(f"#op-{i}" for i in served)


def test_the_probe_notices_hidden_elements_and_script_errors(tmp_path: Path) -> None:
    # Without this, a probe that saw nothing would pass the tests above.
    (tmp_path / "broken.html").write_text(
        '<!doctype html><title>x</title><p id="shown">hello</p><p id="hidden" style="display:none">secret</p>'
        "<script>notDefinedAnywhere()</script>",
        encoding="utf-8",
    )
    seen, console = look(tmp_path, "broken.html", ["shown", "hidden", "missing"])
    assert _displayed(seen["shown"]) and seen["shown"]["text"] == "hello"
    assert not _displayed(seen["hidden"]) and seen["missing"] is None
    assert seen["scripts"] == 1
    assert any("notDefinedAnywhere" in line for line in console)
