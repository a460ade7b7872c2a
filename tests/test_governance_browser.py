"""The rendered reference, opened in a real headless Chromium: what a reader sees, and no script errors.

The site is served over HTTP on 127.0.0.1 (tests/browser.py) and loaded into a probe page, in a
same-origin frame; the probe measures, after layout, whether an operation, a schema and a
requirement are displayed and what text a reader sees in them (`innerText` leaves out whatever CSS
hides), and Chromium's `--dump-dom` hands the measurements back. Console messages come from
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

from spec.governance import docs_site, releases

PROBE = """<!doctype html>
<meta charset="utf-8"><title>probe</title>
<iframe id="page" src="{src}" style="width:1200px;height:900px"></iframe>
<pre id="result"></pre>
<script>
window.addEventListener("load", () => {{
  const page = document.getElementById("page").contentDocument;
  const seen = {{scripts: page.scripts.length, title: page.title}};
  for (const id of {ids}) {{
    const element = page.getElementById(id);
    if (element === null) {{ seen[id] = null; continue; }}
    const box = element.getBoundingClientRect();
    const style = page.defaultView.getComputedStyle(element);
    seen[id] = {{text: element.innerText, width: box.width, height: box.height,
                display: style.display, visibility: style.visibility}};
  }}
  document.getElementById("result").textContent = JSON.stringify(seen);
}});
</script>
"""


def look(site: Path, page: str, ids: list[str]) -> tuple[dict[str, Any], list[str]]:
    """What a reader sees of the elements `ids` on `page`, and the console messages Chromium logged."""
    (site / "probe.html").write_text(PROBE.format(src=page, ids=json.dumps(ids)), encoding="utf-8")
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
    assert seen["scripts"] == 0 and seen["title"].startswith("BoB")
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
