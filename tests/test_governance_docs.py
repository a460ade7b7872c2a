"""`bokbid spec docs`: a static, self-contained HTML reference per release and for the working spec."""

from __future__ import annotations

import base64
import hashlib
import re
from html import unescape
from pathlib import Path

from governance_docs import base, doc
from lxml import html as lxml_html
from typer.testing import CliRunner

import spec
from cli import app
from spec.governance import docs_site, releases


def _sites() -> list[tuple[str, spec.Release]]:
    """Each page of the site and the release it renders: the releases, and `working` for the spec."""
    return [(str(v), spec.Release(folder)) for v, folder in releases.releases()] + [("working", spec.WORKING)]


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _assert_self_contained(page: str, scripts: int) -> None:
    """Nothing is fetched, and the page's Content-Security-Policy admits exactly its own inline
    stylesheet and script (by hash) and nothing else, so a browser could not fetch or run more."""
    assert not [tag for tag in (" src=", "@import", "url(") if tag in page]
    assert re.findall(r"<link [^>]*>", page) == ['<link rel="icon" href="data:,">']
    styles = re.findall(r"<style>(.*?)</style>", page, re.DOTALL)
    code = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    assert len(styles) == 1 and len(code) == scripts and page.count("<script") == scripts
    policy = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    assert len(policy) == 1
    rules = dict(rule.strip().split(" ", 1) for rule in unescape(policy[0]).split(";"))
    assert rules["default-src"] == "'none'" and rules["style-src"] == _sha256(styles[0])
    assert rules["script-src"] == (_sha256(code[0]) if scripts else "'none'")


def test_site_has_a_page_per_release_and_the_working_spec(tmp_path: Path) -> None:
    index = docs_site.build(tmp_path)
    names = [name for name, _ in _sites()]
    for name in names:
        page = (tmp_path / name / "index.html").read_text(encoding="utf-8")
        assert 'id="op-getApiInfo"' in page
        assert 'id="req-CORE-001"' in page
        assert 'id="class-core"' in page
        _assert_self_contained(page, scripts=1)
    listing = index.read_text(encoding="utf-8")
    _assert_self_contained(listing, scripts=0)
    assert all(f'href="{n}/index.html"' in listing for n in names)
    assert "<td>latest release</td>" in listing and "<td>working draft</td>" in listing


def test_the_site_is_the_same_bytes_every_time(tmp_path: Path) -> None:
    docs_site.build(tmp_path / "a")
    docs_site.build(tmp_path / "b")
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)


def test_the_sidebar_lists_every_operation_grouped_by_class(tmp_path: Path) -> None:
    docs_site.build(tmp_path)
    for name, release in _sites():
        tree = lxml_html.fromstring((tmp_path / name / "index.html").read_bytes())
        groups = tree.xpath('//nav[@id="sidebar"]//section[@data-class]')
        listed = {
            group.get("data-class"): [a.get("href") for a in group.xpath(".//a[@data-kind='operation']")]
            for group in groups
        }
        expected: dict[str, list[str]] = {}
        for op in spec.operations(release):
            expected.setdefault(op.conformance_class, []).append(f"#op-{op.operation_id}")
        assert listed == expected, name
        # In the order of the conformance classes, as the operations below them.
        assert list(listed) == [c for c in spec.class_ids(release) if c in expected], name
        for group in groups:
            for link in group.xpath(".//a[@data-kind='operation']"):
                op = spec.operation(link.get("href").removeprefix("#op-"), release)
                assert link.text_content().split()[:2] == [op.method, op.path], name
        assert len(tree.xpath('//nav[@id="sidebar"]//a[@data-kind="schema"]')) == len(
            spec.openapi(release)["components"]["schemas"]
        )
        assert len(tree.xpath('//nav[@id="sidebar"]//a[@data-kind="requirement"]')) == len(spec.requirements(release))


def test_every_link_in_the_page_has_a_target_and_every_anchor_is_unique(tmp_path: Path) -> None:
    docs_site.build(tmp_path)
    for name, _ in _sites():
        tree = lxml_html.fromstring((tmp_path / name / "index.html").read_bytes())
        ids = tree.xpath("//@id")
        assert len(ids) == len(set(ids)), name
        targets = {href[1:] for href in tree.xpath("//a/@href") if href.startswith("#")}
        assert targets <= set(ids), (name, targets - set(ids))
        assert {href for href in tree.xpath("//a/@href") if not href.startswith("#")} <= {
            "../index.html",
            *(f"../{other}/index.html" for other, _ in _sites()),
        }


def test_operations_and_requirements_link_each_other_as_the_texts_say() -> None:
    html = docs_site.render_reference(spec.openapi(), spec.requirements(), spec.conformance())
    tree = lxml_html.fromstring(html)

    def requirements_of(operation_id: str) -> list[str]:
        return tree.xpath(f'//article[@id="op-{operation_id}"]//div[@class="op-reqs"]//a[@class="req-id"]/@href')

    def operations_of(requirement_id: str) -> list[str]:
        return tree.xpath(f'//tr[@id="req-{requirement_id}"]/td[4]//a/@href')

    # "GET /facilities MUST list every facility…"
    assert requirements_of("listFacilities") == ["#req-DISC-001"]
    assert operations_of("DISC-001") == ["#op-listFacilities"]
    # Three operations named in one text, a path parameter included; and one named by two requirements.
    assert operations_of("DISC-002") == ["#op-getFacility", "#op-listFacilityUnits", "#op-getUnit"]
    assert operations_of("TEST-004") == ["#op-setTestClock", "#op-getTestClock", "#op-resetTestClock"]
    assert requirements_of("createPayment") == ["#req-PAY-001", "#req-PAY-005"]
    # Another class's requirement that names an operation is listed there too.
    assert "#req-GRANT-013" in requirements_of("createTestFixtures")
    # A requirement that names no operation concerns its whole class.
    assert operations_of("CORE-003") == ["#class-core"]
    # Every requirement an operation lists is one whose text names the operation.
    for op in spec.operations():
        for href in requirements_of(op.operation_id):
            text = next(r for r in spec.requirements() if f"#req-{r['id']}" == href)["text"]["en"]
            assert f"{op.method} {op.path}" in text, (op.operation_id, href)


def test_a_requirement_names_an_operation_by_its_route_whatever_the_parameter_is_called() -> None:
    requirements = [
        {"id": "X-001", "class": "items", "level": "MUST", "text": {"en": "GET /items/{id} MUST answer.", "sv": ""}},
        {"id": "X-002", "class": "items", "level": "MUST", "text": {"en": "Lists end in POST /items.", "sv": ""}},
        {"id": "X-003", "class": "items", "level": "MUST", "text": {"en": "GET /items/{itemId}/x is no route."}},
    ]
    named = docs_site.named_operations(requirements, docs_site.walk.operations(doc(base())))
    assert named == {"X-001": ["getItem"], "X-002": ["createItem"], "X-003": []}


def test_the_page_of_a_server_lists_only_its_operations_and_still_links_every_requirement() -> None:
    served = {op.operation_id for op in spec.operations() if op.conformance_class != "test-interface"}
    html = docs_site.render_reference(spec.openapi(), spec.requirements(), spec.conformance(), operation_ids=served)
    tree = lxml_html.fromstring(html)
    assert 'id="op-listFacilities"' in html and 'id="op-resetTestData"' not in html
    assert not tree.xpath('//nav//a[@href="#op-resetTestData"]')
    # TEST-001 names POST /test/reset, which this server leaves out: it links to its class instead.
    assert tree.xpath('//tr[@id="req-TEST-001"]/td[4]//a/@href') == ["#class-test-interface"]
    assert {h[1:] for h in tree.xpath("//a/@href") if h.startswith("#")} <= set(tree.xpath("//@id"))


def test_reference_shows_operations_schemas_examples_requirements_and_classes() -> None:
    html = docs_site.render_reference(spec.openapi(), spec.requirements(), spec.conformance())
    facility = html[html.index('id="op-getFacility"') :]
    facility = facility[: facility.index("</article>")]
    assert "/facilities/{facilityId}" in facility and "facilityId" in facility
    assert '<a href="#schema-Facility">Facility</a>' in facility
    assert "Gärdets sporthall" in html  # an example, rendered
    assert all(f'id="req-{r["id"]}"' in html for r in spec.requirements())
    assert all(f'id="class-{c}"' in html for c in spec.class_ids())
    assert all(f'id="profile-{p["id"]}"' in html for p in spec.conformance()["profiles"])
    links = set(re.findall(r'href="#schema-([A-Za-z0-9]+)"', html))
    assert links <= set(spec.openapi()["components"]["schemas"]), "every schema link has a target"
    # The conventions in info.description are a list, not paragraphs that start with a dash.
    about = lxml_html.fromstring(html).xpath('//section[@id="about"]')[0]
    assert len(about.xpath("./ul/li")) >= 4 and not [p for p in about.xpath("./p") if p.text_content().startswith("-")]


def test_a_search_box_is_there_for_the_script_and_hidden_without_it() -> None:
    tree = lxml_html.fromstring(docs_site.render_reference(spec.openapi(), spec.requirements(), spec.conformance()))
    box = tree.xpath('//nav[@id="sidebar"]//*[@id="search-box"]')
    assert len(box) == 1 and box[0].get("hidden") is not None  # the script shows it; without it, no dead box
    assert box[0].xpath('.//input[@id="search" and @type="search"]')
    assert tree.xpath('//label[@for="search"]')


def test_text_is_english_with_the_swedish_term_in_parentheses() -> None:
    tree = lxml_html.fromstring(docs_site.render_reference(spec.openapi(), spec.requirements(), spec.conformance()))
    assert tree.get("lang") == "en"
    assert tree.xpath("//title")[0].text.startswith("BoB API reference")
    headings = [h.text_content().strip() for h in tree.xpath("//main//h2")]
    assert "Requirements catalogue (kravkatalog)" in headings
    assert "Conformance classes (konformitetsklasser) and profiles" in headings
    # Swedish text is marked as such: the standard's own title and each requirement's Swedish text.
    swedish = tree.xpath('//*[@lang="sv"]')
    assert spec.openapi()["info"]["title"] in [e.text_content() for e in swedish]
    assert tree.xpath('//tr[@id="req-CORE-001"]//p[@lang="sv"]')


def test_requirement_ids_in_descriptions_link_to_the_catalogue() -> None:
    assert str(docs_site.inline("see CORE-007 and XYZ-001", frozenset({"CORE-007"}))) == (
        'see <a href="#req-CORE-007">CORE-007</a> and XYZ-001'
    )


def test_reference_escapes_what_the_document_says() -> None:
    root = base()
    root["paths"]["/items"]["get"]["summary"] = "<script>alert(1)</script>"
    html = docs_site.render_reference(doc(root))
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


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
