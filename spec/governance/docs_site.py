"""`bokbid spec docs --out DIR`: a static HTML reference of every released version and the working spec.

One self-contained page per version (no scripts, no fonts or styles fetched from elsewhere), so it
opens offline, from a file or any static host, and needs no Node at build time. `render_reference`
renders one document; the reference server can serve the same page at `/docs` with
`render_reference(spec.openapi(), spec.requirements(), spec.conformance(), operation_ids=served)`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from spec.governance import lifecycle, lint, loader, releases, walk
from spec.governance.loader import Document

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_CODE = re.compile(r"`([^`]+)`")
_EMPHASIS = re.compile(r"\*([^*\s][^*]*)\*")


def inline(text: Any) -> Markup:
    """The little Markdown the spec's descriptions use (`code`, *emphasis*), on escaped text."""
    escaped = str(escape("" if text is None else text))
    return Markup(_EMPHASIS.sub(r"<em>\1</em>", _CODE.sub(r"<code>\1</code>", escaped)))


_TEMPLATES.filters["inline"] = inline
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


def _operation(op: walk.Operation, document: Document) -> dict[str, Any]:
    body = op.request_body(document)
    security = op.security or ()
    return {
        "id": op.node.get("operationId") or f"{op.method}-{op.path}",
        "method": op.method.upper(),
        "path": op.path,
        "summary": op.node.get("summary", ""),
        "description": op.node.get("description", ""),
        "cls": op.node.get("x-conformance-class", ""),
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


def render_reference(
    document: Document | dict[str, Any],
    requirements: list[dict[str, Any]] | tuple[dict[str, Any], ...] | None = None,
    conformance: dict[str, Any] | None = None,
    *,
    label: str | None = None,
    operation_ids: set[str] | None = None,
    versions: list[tuple[str, str]] | None = None,
) -> str:
    """The HTML reference of one document; `operation_ids` limits the operations shown (e.g. to those served)."""
    doc = document if isinstance(document, Document) else Document(document)
    return lint.guard(lambda: _render(doc, requirements, conformance, label, operation_ids, versions), document=doc)


def _render(
    document: Document,
    requirements: list[dict[str, Any]] | tuple[dict[str, Any], ...] | None,
    conformance: dict[str, Any] | None,
    label: str | None,
    operation_ids: set[str] | None,
    versions: list[tuple[str, str]] | None,
) -> str:
    root = document.root
    selected = [
        op for op in walk.operations(document) if operation_ids is None or op.node.get("operationId") in operation_ids
    ]
    views = [(_operation(op, document), (op.node.get("tags") or [""])[0]) for op in selected]
    tags = [
        {"name": t["name"], "description": t.get("description", "")}
        for t in root.get("tags") or []
        if isinstance(t, dict) and "name" in t
    ]
    groups = [{**t, "operations": [view for view, tag in views if tag == t["name"]]} for t in tags]
    untagged = [view for view, tag in views if tag not in {t["name"] for t in tags}]
    if untagged:
        groups.append({"name": "other", "description": "", "operations": untagged})
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
    reqs = list(requirements or [])
    classes = list((conformance or {}).get("classes") or [])
    order = [c.get("id") for c in classes]
    by_class = sorted(
        {str(r.get("class", "")) for r in reqs}, key=lambda c: order.index(c) if c in order else len(order)
    )
    return _TEMPLATES.get_template("reference.html.j2").render(
        info=root.get("info") or {},
        about=[p for p in str((root.get("info") or {}).get("description") or "").split("\n\n") if p.strip()],
        label=label or str((root.get("info") or {}).get("version", "")),
        servers=root.get("servers") or [],
        groups=[g for g in groups if g["operations"]],
        schemas=schemas,
        requirements=reqs,
        requirement_classes=by_class,
        classes=classes,
        profiles=list((conformance or {}).get("profiles") or []),
        versions=versions or [],
    )


def _read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None


def build(out: Path, release_root: Path = releases.RELEASES, working: Path = releases.WORKING) -> Path:
    """Write `out/<version>/index.html` for each release, `out/working/index.html`, and `out/index.html`."""
    found = [(str(version), folder) for version, folder in releases.releases(release_root)]
    sites = [*found, ("working", working)]
    nav = [(name, f"../{name}/index.html") for name, _ in sites]
    entries = []
    for name, folder in sites:
        document = loader.load(folder / "openapi.yaml")
        catalogue = _read_yaml(folder / "requirements.yaml") or {}
        version = str((document.root.get("info") or {}).get("version", ""))
        label = f"working draft ({version})" if name == "working" else version
        html = render_reference(
            document,
            catalogue.get("requirements") or [],
            _read_yaml(folder / "conformance.yaml"),
            label=label,
            versions=nav,
        )
        (out / name).mkdir(parents=True, exist_ok=True)
        (out / name / "index.html").write_text(html, encoding="utf-8")
        entries.append(
            {
                "name": name,
                "label": label,
                "href": f"{name}/index.html",
                "title": (document.root.get("info") or {}).get("title", ""),
            }
        )
    latest = found[-1][0] if found else None
    index = out / "index.html"
    index.write_text(_TEMPLATES.get_template("index.html.j2").render(entries=entries, latest=latest), encoding="utf-8")
    return index
