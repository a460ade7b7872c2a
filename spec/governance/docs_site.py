"""`bokbid spec docs --out DIR`: a static HTML reference of every released version and the working spec.

One self-contained page per version, so it opens offline, from a file or any static host, and needs
no Node at build time. Operations are grouped by conformance class, as suppliers are certified, and
keep stable anchors other tools link to: `#op-<operationId>`, `#schema-<name>`, `#req-<id>`,
`#class-<id>`. A sidebar lists them; each operation lists the requirements whose texts name it and
each requirement links back, both derived from the texts (`GET /facilities`), never kept by hand.

The one script is a small inline filter of the sidebar and the page; without it the page is whole.
A Content-Security-Policy in the page admits that script and the page's stylesheet by their hashes
and nothing else, so a browser fetches nothing and runs nothing else whatever a template says.

Language, here and in the register of approved suppliers: English throughout; where the standard
has a Swedish term of its own (kravkatalog, konformitetsklass), it follows in parentheses. The
requirements' Swedish texts stand beside the English ones, marked `lang="sv"`.

`render_reference` renders one document; the reference server serves the same page at `/docs` with
`render_reference(spec.openapi(), spec.requirements(), spec.conformance(), operation_ids=served)`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from spec.governance import lifecycle, lint, loader, releases, walk
from spec.governance.loader import Document

_HERE = Path(__file__).parent / "templates"
_TEMPLATES = Environment(
    loader=FileSystemLoader(_HERE),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_CODE = re.compile(r"`([^`]+)`")
_EMPHASIS = re.compile(r"\*([^*\s][^*]*)\*")
_REQUIREMENT_ID = re.compile(r"\b[A-Z][A-Z0-9]*-[0-9]+\b")
# `GET /bookings/{bookingId}/cancel` in a requirement's text; a sentence's full stop or comma is not the path's.
_NAMED_ROUTE = re.compile(r"\b(GET|PUT|POST|DELETE|OPTIONS|HEAD|PATCH|TRACE) (/(?:[^\s,;:()]*[^\s,;:().])?)")
_PATH_PARAMETER = re.compile(r"\{[^{}]*\}")
# The class of an operation or a requirement that names none: a section and an anchor like any other.
UNCLASSIFIED = "unclassified"


def inline(text: Any, requirement_ids: Collection[str] = ()) -> Markup:
    """The little Markdown the spec's descriptions use (`code`, *emphasis*), on escaped text; a
    requirement id the catalogue has (`CORE-028`) becomes a link to its entry, so a reader can check it."""
    escaped = str(escape("" if text is None else text))
    marked = _EMPHASIS.sub(r"<em>\1</em>", _CODE.sub(r"<code>\1</code>", escaped))
    if requirement_ids:
        marked = _REQUIREMENT_ID.sub(
            lambda m: f'<a href="#req-{m[0]}">{m[0]}</a>' if m[0] in requirement_ids else m[0], marked
        )
    return Markup(marked)


def blocks(text: Any) -> list[tuple[str, list[str]]]:
    """A description as paragraphs (`p`, one text) and bullet lists (`ul`, the items): blank lines part
    paragraphs, a line starting `- ` starts an item and the lines after it continue it, so the conventions
    in `info.description` read as the list they are instead of paragraphs starting with a dash."""
    found: list[tuple[str, list[str]]] = []
    for chunk in re.split(r"\n\s*\n", str("" if text is None else text).strip()):
        lead: list[str] = []
        items: list[str] = []
        for line in chunk.splitlines():
            if line.startswith("- "):
                items.append(line[2:].strip())
            elif items:
                items[-1] += " " + line.strip()
            elif line.strip():
                lead.append(line.strip())
        if lead:
            found.append(("p", [" ".join(lead)]))
        if items and found and found[-1][0] == "ul" and not lead:
            found[-1][1].extend(items)
        elif items:
            found.append(("ul", items))
    return found


_TEMPLATES.filters["inline"] = inline
_TEMPLATES.filters["blocks"] = blocks
_CONSTRAINTS = (
    "format",
    "pattern",
    "minimum",
    "exclusiveMinimum",
    "maximum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
    "default",
    "const",
)


def _schema_link(ref: str) -> Markup:
    name = ref.rsplit("/", 1)[-1]
    if ref.startswith("#/components/schemas/"):
        return Markup('<a href="#schema-{0}">{1}</a>').format(name, name)
    return escape(name)


def type_html(schema: Any, document: Document, depth: int = 0) -> Markup:
    """A short reading of a schema's type with links to named schemas: `array of <a>Facility</a>`."""
    if not isinstance(schema, dict) or depth > 6:
        return Markup("any")
    if isinstance(schema.get("$ref"), str):
        return _schema_link(schema["$ref"])
    for keyword, joiner in (("allOf", " & "), ("oneOf", " | "), ("anyOf", " | ")):
        if isinstance(schema.get(keyword), list):
            return Markup(joiner).join(type_html(part, document, depth + 1) for part in schema[keyword])
    kind = schema.get("type", "any")
    if kind == "array":
        return Markup("array of ") + type_html(schema.get("items"), document, depth + 1)
    if isinstance(kind, list):
        return escape(" | ".join(str(k) for k in kind))
    return escape(str(kind))


def constraints(schema: Any, document: Document) -> list[str]:
    schema = document.resolve(schema) if isinstance(schema, dict) and "$ref" in schema and len(schema) == 1 else schema
    if not isinstance(schema, dict):
        return []
    found = [f"{name}: {json.dumps(schema[name], ensure_ascii=False)}" for name in _CONSTRAINTS if name in schema]
    if isinstance(schema.get("enum"), list):
        found.append("one of: " + ", ".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"]))
    items = schema.get("items")
    if isinstance(items, dict) and isinstance(document.resolve(items), dict) and "enum" in document.resolve(items):
        found.append("items one of: " + ", ".join(str(v) for v in document.resolve(items)["enum"]))
    return found


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _example(owner: dict[str, Any], document: Document) -> str | None:
    if "example" in owner:
        return _pretty(owner["example"])
    for example in (owner.get("examples") or {}).values():
        resolved = document.resolve(example)
        if isinstance(resolved, dict) and "value" in resolved:
            return _pretty(resolved["value"])
    return None


def _properties(schema: Any, document: Document, depth: int = 0) -> list[dict[str, Any]]:
    """Rows for a schema's properties, those brought in by `allOf` included."""
    schema = document.resolve(schema)
    if not isinstance(schema, dict) or depth > 10:
        return []
    rows = []
    for part in schema.get("allOf") or []:
        rows += _properties(part, document, depth + 1)
    required = set(schema.get("required") or [])
    for name, prop in (schema.get("properties") or {}).items():
        resolved = document.resolve(prop)
        rows.append(
            {
                "name": name,
                "type": type_html(prop, document),
                "required": name in required,
                "constraints": constraints(prop, document),
                "description": (prop.get("description") if isinstance(prop, dict) else None)
                or (resolved.get("description", "") if isinstance(resolved, dict) else ""),
                "deprecated": lifecycle.is_deprecated(prop) or lifecycle.is_deprecated(resolved),
            }
        )
    return rows


def _content(owner: dict[str, Any], document: Document) -> list[dict[str, Any]]:
    return [
        {"media": media, "type": type_html(node.get("schema"), document), "example": _example(node, document)}
        for media, node in (owner.get("content") or {}).items()
        if isinstance(node, dict)
    ]


def _operation_id(op: walk.Operation) -> str:
    return str(op.node.get("operationId") or f"{op.method}-{op.path}")


def _text(value: Any) -> str:
    """A string from the document or the catalogue, or "" where it holds something else."""
    return value if isinstance(value, str) else ""


def _operation(op: walk.Operation, document: Document) -> dict[str, Any]:
    body = op.request_body(document)
    security = op.security or ()
    return {
        "id": _operation_id(op),
        "method": op.method.upper(),
        "path": op.path,
        "summary": op.node.get("summary", ""),
        "description": op.node.get("description", ""),
        "cls": _text(op.node.get("x-conformance-class")) or UNCLASSIFIED,
        "deprecated": lifecycle.is_deprecated(op.node),
        "sunset": lifecycle.sunset(op.node),
        "access": "anonymous or token"
        if any(not r for r in security) and any(security)
        else "anonymous"
        if not any(security)
        else "token: " + ", ".join(sorted({k for r in security for k in r})),
        "parameters": [
            {
                "name": p.name,
                "in": p.location,
                "required": p.node.get("required") is True,
                "type": type_html(p.node.get("schema"), document),
                "constraints": constraints(p.node.get("schema"), document),
                "description": p.node.get("description", ""),
                "example": json.dumps(p.node["example"], ensure_ascii=False) if "example" in p.node else "",
            }
            for p in op.parameters
        ],
        "body": None
        if body is None
        else {
            "required": body[0].get("required") is True,
            "description": body[0].get("description", ""),
            "content": _content(body[0], document),
        },
        "responses": [
            {"status": status, "description": response.get("description", ""), "content": _content(response, document)}
            for status, response, _ in op.responses(document)
        ],
    }


def _route(method: str, path: str) -> tuple[str, str]:
    """What a text and the document must share to be the same operation: `GET /units/{id}` names
    `GET /units/{unitId}`, since a requirement may call a path parameter by a shorter name."""
    return method.upper(), _PATH_PARAMETER.sub("{}", path)


def named_operations(
    requirements: Iterable[dict[str, Any]], operations: Iterable[walk.Operation]
) -> dict[str, list[str]]:
    """Requirement id → the operationIds its texts name as `METHOD /path`, in either language, in the
    order named. Read from the texts, so a new requirement or operation is linked without a list to keep."""
    routes = {_route(op.method, op.path): _operation_id(op) for op in operations}
    found: dict[str, list[str]] = {}
    for requirement in requirements:
        texts = requirement.get("text")
        named = found.setdefault(str(requirement.get("id")), [])
        for text in texts.values() if isinstance(texts, dict) else [texts]:
            for method, path in _NAMED_ROUTE.findall(_text(text)):
                operation_id = routes.get(_route(method, path))
                if operation_id is not None and operation_id not in named:
                    named.append(operation_id)
    return found


def _requirement(requirement: dict[str, Any]) -> dict[str, Any]:
    text = requirement.get("text")
    return {
        "id": str(requirement.get("id")),
        "cls": _text(requirement.get("class")) or UNCLASSIFIED,
        "level": _text(requirement.get("level")),
        "en": _text(text.get("en")) if isinstance(text, dict) else _text(text),
        "sv": _text(text.get("sv")) if isinstance(text, dict) else "",
    }


def _classes(
    conformance: dict[str, Any], operations: list[dict[str, Any]], requirements: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The conformance classes in the catalogue's order, then any other class an operation, a
    requirement or a profile names, each with its operations, requirements and the profiles that name it: a
    section for every class a link can point to, even one whose operations this page leaves out."""
    declared = {str(c["id"]): c for c in conformance.get("classes") or [] if isinstance(c, dict) and "id" in c}
    profiles = [p for p in conformance.get("profiles") or [] if isinstance(p, dict)]
    named = [str(cls) for p in profiles for cls in [*(p.get("required") or []), *(p.get("optional") or [])]]
    order = dict.fromkeys([*declared, *(o["cls"] for o in operations), *(r["cls"] for r in requirements), *named])
    return [
        {
            "id": cls,
            "title": _text(declared.get(cls, {}).get("title")) or cls,
            "description": declared.get(cls, {}).get("description", ""),
            "operations": [o for o in operations if o["cls"] == cls],
            "requirements": [r for r in requirements if r["cls"] == cls],
            "general": [r for r in requirements if r["cls"] == cls and not r["names"]],
            "required_by": [p for p in profiles if cls in (p.get("required") or [])],
            "optional_in": [p for p in profiles if cls in (p.get("optional") or [])],
        }
        for cls in order
    ]


def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _page_assets(script: bool) -> dict[str, Any]:
    """The stylesheet, the script (if the page has one) and the Content-Security-Policy admitting
    exactly those two by hash: the browser then refuses every fetch and every other script."""
    style = _TEMPLATES.get_template("style.css.j2").render()
    code = (_HERE / "search.js").read_text(encoding="utf-8") if script else ""
    scripts = _digest(code) if script else "'none'"
    policy = (
        f"default-src 'none'; img-src data:; style-src {_digest(style)}; script-src {scripts}; "
        "base-uri 'none'; form-action 'none'"
    )
    return {"style": Markup(style), "script": Markup(code), "policy": policy}


def render_reference(
    document: Document | dict[str, Any],
    requirements: list[dict[str, Any]] | tuple[dict[str, Any], ...] | None = None,
    conformance: dict[str, Any] | None = None,
    *,
    label: str | None = None,
    operation_ids: set[str] | None = None,
    versions: list[tuple[str, str, bool]] | None = None,
) -> str:
    """The HTML reference of one document; `operation_ids` limits the operations shown (e.g. to those
    served); `versions` (name, href, whether it is this page) links the other versions of a site."""
    doc = document if isinstance(document, Document) else Document(document)
    return lint.guard(lambda: _render(doc, requirements, conformance, label, operation_ids, versions), document=doc)


def _render(
    document: Document,
    requirements: list[dict[str, Any]] | tuple[dict[str, Any], ...] | None,
    conformance: dict[str, Any] | None,
    label: str | None,
    operation_ids: set[str] | None,
    versions: list[tuple[str, str, bool]] | None,
) -> str:
    root = document.root
    every = walk.operations(document)
    shown = [op for op in every if operation_ids is None or op.node.get("operationId") in operation_ids]
    operations = [_operation(op, document) for op in shown]
    by_id = {o["id"]: o for o in operations}
    catalogue = [r for r in requirements or [] if isinstance(r, dict)]
    names = named_operations(catalogue, every)
    reqs = []
    for requirement in catalogue:
        view = _requirement(requirement)
        view["names"] = names[view["id"]]
        view["operations"] = [by_id[i] for i in view["names"] if i in by_id]
        reqs.append(view)
    for operation in operations:
        operation["requirements"] = [r for r in reqs if operation["id"] in r["names"]]
    schemas = [
        {
            "name": name,
            "type": type_html(schema, document),
            "description": schema.get("description", "") if isinstance(schema, dict) else "",
            "constraints": constraints(schema, document),
            "properties": _properties(schema, document),
            "examples": [_pretty(v) for v in (schema.get("examples") or [])] if isinstance(schema, dict) else [],
        }
        for name, schema in ((root.get("components") or {}).get("schemas") or {}).items()
    ]
    info = root.get("info") or {}
    return _TEMPLATES.get_template("reference.html.j2").render(
        info=info,
        label=label or str(info.get("version", "")),
        servers=root.get("servers") or [],
        classes=_classes(conformance or {}, operations, reqs),
        schemas=schemas,
        requirements=reqs,
        requirement_ids=frozenset(r["id"] for r in reqs),
        profiles=[p for p in (conformance or {}).get("profiles") or [] if isinstance(p, dict)],
        versions=versions or [],
        **_page_assets(script=True),
    )


def _read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None


def build(out: Path, release_root: Path = releases.RELEASES, working: Path = releases.WORKING) -> Path:
    """Write `out/<version>/index.html` for each release, `out/working/index.html`, and `out/index.html`."""
    found = [(str(version), folder) for version, folder in releases.releases(release_root)]
    sites = [*found, ("working", working)]
    latest = found[-1][0] if found else None
    entries = []
    for name, folder in sites:
        document = loader.load(folder / "openapi.yaml")
        catalogue = (_read_yaml(folder / "requirements.yaml") or {}).get("requirements") or []
        conformance = _read_yaml(folder / "conformance.yaml") or {}
        version = str((document.root.get("info") or {}).get("version", ""))
        label = f"working draft ({version})" if name == "working" else version
        html = render_reference(
            document,
            catalogue,
            conformance,
            label=label,
            versions=[(other, f"../{other}/index.html", other == name) for other, _ in sites],
        )
        (out / name).mkdir(parents=True, exist_ok=True)
        (out / name / "index.html").write_text(html, encoding="utf-8")
        entries.append(
            {
                "name": name,
                "label": label,
                "href": f"{name}/index.html",
                "status": "working draft" if name == "working" else "latest release" if name == latest else "release",
                "operations": len(walk.operations(document)),
                "requirements": len(catalogue),
                "classes": len(conformance.get("classes") or []),
            }
        )
    index = out / "index.html"
    page = _TEMPLATES.get_template("index.html.j2").render(entries=entries, **_page_assets(script=False))
    index.write_text(page, encoding="utf-8")
    return index
