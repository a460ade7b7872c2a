"""`bokbid spec docs`: a static, script-free HTML reference per release and for the working spec."""

from __future__ import annotations

import re
from pathlib import Path

from governance_docs import base, doc
from typer.testing import CliRunner

import spec
from cli import app
from spec.governance import docs_site, releases


def test_site_has_a_page_per_release_and_the_working_spec(tmp_path: Path) -> None:
    index = docs_site.build(tmp_path)
    names = [str(v) for v, _ in releases.releases()] + ["working"]
    for name in names:
        page = (tmp_path / name / "index.html").read_text(encoding="utf-8")
        assert 'id="op-listFacilities"' in page
        assert 'id="schema-Facility"' in page
        assert 'id="req-CORE-001"' in page
        assert 'id="class-discovery"' in page
        # Offline and script-free: nothing is fetched (the favicon is an empty data URL) or run.
        assert not [tag for tag in ("<script", " src=", "@import", "url(") if tag in page]
        assert re.findall(r"<link [^>]*>", page) == ['<link rel="icon" href="data:,">']
    listing = index.read_text(encoding="utf-8")
    assert all(f'href="{n}/index.html"' in listing for n in names)
    assert "(latest release)" in listing


def test_reference_shows_operations_schemas_examples_requirements_and_classes() -> None:
    html = docs_site.render_reference(spec.openapi(), spec.requirements(), spec.conformance())
    facility = html[html.index('id="op-getFacility"') :]
    facility = facility[: facility.index("</article>")]
    assert "/facilities/{facilityId}" in facility and "facilityId" in facility
    assert '<a href="#schema-Facility">Facility</a>' in facility
    assert "Gärdets sporthall" in html  # an example, rendered
    assert all(f'id="req-{r["id"]}"' in html for r in spec.requirements())
    assert all(f'id="class-{c}"' in html for c in spec.class_ids())
    links = set(re.findall(r'href="#schema-([A-Za-z0-9]+)"', html))
    assert links <= set(spec.openapi()["components"]["schemas"]), "every schema link has a target"


def test_reference_can_show_only_the_operations_a_server_serves() -> None:
    served = {op.operation_id for op in spec.operations() if op.conformance_class != "test-interface"}
    html = docs_site.render_reference(spec.openapi(), spec.requirements(), spec.conformance(), operation_ids=served)
    assert 'id="op-listFacilities"' in html and 'id="op-resetTestData"' not in html


def test_reference_escapes_what_the_document_says() -> None:
    root = base()
    root["paths"]["/items"]["get"]["summary"] = "<script>alert(1)</script>"
    html = docs_site.render_reference(doc(root))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_cli_docs(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["spec", "docs", "--out", str(tmp_path / "site")])
    assert result.exit_code == 0, result.stdout
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "working" / "index.html").is_file()


def test_descriptions_render_code_and_emphasis_but_no_html() -> None:
    assert str(docs_site.inline("use `limit` with *care* <b>now</b>")) == (
        "use <code>limit</code> with <em>care</em> &lt;b&gt;now&lt;/b&gt;"
    )
    assert str(docs_site.inline("`<script>`")) == "<code>&lt;script&gt;</code>"
