"""`bokbid spec diff OLD NEW`: every change between two versions of the standard, classified.

Operations are matched by method and path template, with parameter names ignored in the template
(`/units/{id}` and `/units/{unitId}` are the same endpoint). Within an operation: parameters by
location and name (path parameters by position), request bodies and responses by media type,
response headers by name, and every schema through `schema_diff`. Documentation (descriptions,
summaries, examples) is compared on its own, once per place it is written, so a changed component
description is reported once and not under every operation that uses the component. The
requirements catalogue and the conformance classes beside the two documents are compared too
(`catalogue_diff`): they are part of the contract a version number stands for.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from spec.governance import catalogue_diff, lifecycle, lint, walk
from spec.governance.changes import LEVELS, Change, Level, other
from spec.governance.loader import Document
from spec.governance.pointer import join, tokens
from spec.governance.schema_diff import Found, SchemaDiffer, path_text

_TEMPLATE = re.compile(r"\{[^}]+\}")
DOC_KEYS = {
    "description": "description-changed",
    "summary": "summary-changed",
    "title": "title-changed",
    "example": "example-changed",
    "examples": "example-changed",
    "externalDocs": "external-docs-changed",
    "links": "link-changed",
}
# Maps whose keys are names chosen by the author, not OpenAPI keywords: a property called
# `description` is not a description.
NAME_MAPS = frozenset(
    {
        "properties",
        "patternProperties",
        "$defs",
        "dependentSchemas",
        "paths",
        "webhooks",
        "schemas",
        "responses",
        "parameters",
        "requestBodies",
        "headers",
        "securitySchemes",
        "callbacks",
        "pathItems",
        "content",
        "variables",
        "mapping",
        "scopes",
        "encoding",
    }
)


def _is_success(status: str) -> bool:
    return status.startswith("2")


class _Differ:
    def __init__(self, old: Document, new: Document, today: date) -> None:
        self.old, self.new, self.today = old, new, today
        self.schemas = SchemaDiffer(old, new, today)
        self.changes: list[Change] = []

    def add(
        self,
        change_id: str,
        operation: str,
        location: str,
        pointer: str,
        detail: str,
        *,
        old: Any = None,
        new: Any = None,
        removal: bool = False,
        sanctioned: bool = False,
    ) -> None:
        level, effect = other(change_id)
        self.changes.append(
            Change(change_id, level, effect, operation, location, pointer, detail, old, new, removal, sanctioned)
        )

    def add_found(self, found: list[Found], operation: str, location: str) -> None:
        for f in found:
            inside = path_text(f.path)
            where = location + inside if inside.startswith("[") else " › ".join(p for p in (location, inside) if p)
            self.changes.append(
                Change(
                    f.id,
                    f.level,
                    f.effect,
                    operation,
                    where,
                    f.pointer,
                    f.detail,
                    f.old,
                    f.new,
                    f.removal,
                    f.sanctioned,
                )
            )

    # -- paths and operations -------------------------------------------------------------------

    def run(self) -> list[Change]:
        old_ops = {(_TEMPLATE.sub("{}", op.path), op.method): op for op in walk.operations(self.old)}
        new_ops = {(_TEMPLATE.sub("{}", op.path), op.method): op for op in walk.operations(self.new)}
        old_paths = {_TEMPLATE.sub("{}", p): p for p in self.old.root.get("paths") or {}}
        new_paths = {_TEMPLATE.sub("{}", p): p for p in self.new.root.get("paths") or {}}
        for template, path in old_paths.items():
            if template not in new_paths:
                self.removed_path(path, [op for key, op in old_ops.items() if key[0] == template])
        for key, op in new_ops.items():
            if key not in old_ops:
                self.add(
                    "endpoint-added",
                    op.label,
                    "",
                    op.pointer,
                    f"new operation {op.node.get('operationId', '')}".rstrip(),
                    new=op.node.get("operationId"),
                )
        for key, op in old_ops.items():
            if key in new_ops:
                self.operation(op, new_ops[key])
            elif key[0] in new_paths:
                self.removed_operation(op)
        self.security_schemes()
        self.webhooks()
        self.components()
        self.document()
        self.documentation(self.old.root, self.new.root, "#", "")
        if not self.changes and _without_version(self.old.root) != _without_version(self.new.root):
            self.add("document-changed", "", "", "#", "the document changed in a way no specific check describes")
        return self.changes

    def _removal(self, nodes: list[dict[str, Any]], prefix: str) -> tuple[str, bool]:
        if nodes and all(lifecycle.removable(n, self.today) for n in nodes):
            return f"{prefix}-with-deprecation", True
        if nodes and all(lifecycle.is_deprecated(n) for n in nodes):
            return f"{prefix}-before-sunset", False
        return f"{prefix}-without-deprecation", False

    def removed_path(self, path: str, ops: list[walk.Operation]) -> None:
        change_id, sanctioned = self._removal([op.node for op in ops], "api-path-removed")
        self.add(
            change_id,
            path,
            "",
            join("#/paths", path),
            f"path {path} removed ({', '.join(op.method.upper() for op in ops) or 'no operations'})",
            removal=True,
            sanctioned=sanctioned,
        )

    def removed_operation(self, op: walk.Operation) -> None:
        change_id, sanctioned = self._removal([op.node], "api-removed")
        self.add(
            change_id,
            op.label,
            "",
            op.pointer,
            f"operation {op.node.get('operationId', op.label)} removed",
            removal=True,
            sanctioned=sanctioned,
        )

    def operation(self, o: walk.Operation, n: walk.Operation) -> None:
        label = n.label
        self.lifecycle(o.node, n.node, label, "", n.pointer, "endpoint", "api")
        o_id, n_id = o.node.get("operationId"), n.node.get("operationId")
        if o_id != n_id:
            change_id = (
                "api-operation-id-added"
                if not o_id
                else "api-operation-id-removed"
                if not n_id
                else ("api-operation-id-changed")
            )
            self.add(
                change_id,
                label,
                "operationId",
                join(n.pointer, "operationId"),
                f"operationId changed from {o_id} to {n_id}",
                old=o_id,
                new=n_id,
            )
        o_tags, n_tags = o.node.get("tags") or [], n.node.get("tags") or []
        for tag in n_tags:
            if tag not in o_tags:
                self.add("api-tag-added", label, "tags", join(n.pointer, "tags"), f"tag {tag} added", new=tag)
        for tag in o_tags:
            if tag not in n_tags:
                self.add("api-tag-removed", label, "tags", join(n.pointer, "tags"), f"tag {tag} removed", old=tag)
        o_class, n_class = o.node.get("x-conformance-class"), n.node.get("x-conformance-class")
        if o_class != n_class:
            self.add(
                "api-conformance-class-changed",
                label,
                "x-conformance-class",
                join(n.pointer, "x-conformance-class"),
                f"moved from conformance class {o_class} to {n_class}",
                old=o_class,
                new=n_class,
            )
        self.parameters(o, n, label)
        self.request_body(o, n, label)
        self.responses(o, n, label)
        self.security(o, n, label)

    def lifecycle(
        self, o: dict[str, Any], n: dict[str, Any], operation: str, location: str, at: str, noun: str, prefix: str
    ) -> None:
        """Deprecation, reactivation and sunset moves of an operation (`endpoint`) or a parameter."""
        was, now = lifecycle.is_deprecated(o), lifecycle.is_deprecated(n)
        deprecated_id = "endpoint-deprecated" if noun == "endpoint" else f"{prefix}-deprecated"
        reactivated_id = "endpoint-reactivated" if noun == "endpoint" else f"{prefix}-reactivated"
        if now and not was:
            when = lifecycle.sunset(n)
            self.add(
                deprecated_id,
                operation,
                location,
                at,
                f"{noun} deprecated" + (f", sunset {when}" if when else " without a sunset date"),
                new=str(when) if when else None,
            )
        elif was and not now:
            self.add(reactivated_id, operation, location, at, f"{noun} is no longer deprecated")
        elif was and now:
            before, after = lifecycle.sunset(o), lifecycle.sunset(n)
            if before != after:
                earlier = before is not None and (after is None or after < before)
                if earlier and after is not None:
                    self.add(
                        f"{prefix}-sunset-date-changed-too-small",
                        operation,
                        location,
                        join(at, lifecycle.SUNSET),
                        f"sunset brought forward from {before} to {after}",
                        old=str(before),
                        new=str(after),
                    )
                elif prefix == "api":
                    self.add(
                        "api-sunset-changed",
                        operation,
                        location,
                        join(at, lifecycle.SUNSET),
                        f"sunset changed from {before} to {after}",
                        old=str(before),
                        new=str(after),
                    )

    # -- parameters ---------------------------------------------------------------------------

    def parameters(self, o: walk.Operation, n: walk.Operation, label: str) -> None:
        def keyed(op: walk.Operation) -> dict[tuple[str, str], walk.Parameter]:
            path_names = re.findall(r"\{([^}]+)\}", op.path)
            out = {}
            for p in op.parameters:
                if p.location == "path" and p.name in path_names:
                    out[("path", str(path_names.index(p.name)))] = p
                else:
                    out[(p.location, p.name.lower() if p.location == "header" else p.name)] = p
            return out

        olds, news = keyed(o), keyed(n)
        for key, p in olds.items():
            if key not in news:
                sanctioned = lifecycle.removable(p.node, self.today)
                self.add(
                    "request-parameter-removed",
                    label,
                    f"{p.location} parameter {p.name}",
                    p.pointer,
                    f"{p.location} parameter {p.name} removed" + (" after its sunset" if sanctioned else ""),
                    removal=True,
                    sanctioned=sanctioned,
                    old=p.name,
                )
        for key, p in news.items():
            if key not in olds:
                required = p.node.get("required") is True
                self.add(
                    "new-required-request-parameter" if required else "new-optional-request-parameter",
                    label,
                    f"{p.location} parameter {p.name}",
                    p.pointer,
                    f"new {'required' if required else 'optional'} {p.location} parameter {p.name}",
                    new=p.name,
                )
            else:
                self.parameter(olds[key], p, label)

    def parameter(self, o: walk.Parameter, n: walk.Parameter, label: str) -> None:
        where = f"{n.location} parameter {n.name}"
        if o.name != n.name:
            self.add(
                "request-path-parameter-renamed",
                label,
                where,
                n.pointer,
                f"path parameter {o.name} renamed to {n.name} (the URL is unchanged)",
                old=o.name,
                new=n.name,
            )
        o_req, n_req = o.node.get("required") is True, n.node.get("required") is True
        if o_req != n_req:
            self.add(
                "request-parameter-became-required" if n_req else "request-parameter-became-optional",
                label,
                where,
                join(n.pointer, "required"),
                f"is now {'required' if n_req else 'optional'}",
            )
        self.lifecycle(o.node, n.node, label, where, n.pointer, "parameter", "request-parameter")
        if _serialization(o.node) != _serialization(n.node):
            self.add(
                "request-parameter-serialization-changed",
                label,
                where,
                n.pointer,
                f"serialization changed from {_serialization(o.node)} to {_serialization(n.node)}",
            )
        o_schema, o_at = _parameter_schema(o)
        n_schema, n_at = _parameter_schema(n)
        if o_schema is not None and n_schema is not None:
            self.add_found(self.schemas.compare(o_schema, o_at, n_schema, n_at, "request-parameter"), label, where)

    # -- request bodies -----------------------------------------------------------------------

    def request_body(self, o: walk.Operation, n: walk.Operation, label: str) -> None:
        ob, nb = o.request_body(self.old), n.request_body(self.new)
        if ob is None and nb is None:
            return
        if ob is None:
            assert nb is not None
            required = nb[0].get("required") is True
            self.add(
                "added-required-request-body" if required else "added-optional-request-body",
                label,
                "request body",
                nb[1],
                f"{'required' if required else 'optional'} request body added",
            )
            return
        if nb is None:
            self.add("request-body-removed", label, "request body", ob[1], "request body removed")
            return
        (o_body, o_at), (n_body, n_at) = ob, nb
        o_req, n_req = o_body.get("required") is True, n_body.get("required") is True
        if o_req != n_req:
            self.add(
                "request-body-became-required" if n_req else "request-body-became-optional",
                label,
                "request body",
                join(n_at, "required"),
                f"request body is now {'required' if n_req else 'optional'}",
            )
        self.content(o_body, o_at, n_body, n_at, label, "request body", "request-body")

    def content(
        self, o: dict[str, Any], o_at: str, n: dict[str, Any], n_at: str, label: str, where: str, scope: str
    ) -> None:
        """Media types of a request body or response, and the schema of each."""
        noun = "request-body" if scope == "request-body" else "response"
        o_content, n_content = o.get("content") or {}, n.get("content") or {}
        for media in o_content:
            if media not in n_content:
                self.add(
                    f"{noun}-media-type-removed",
                    label,
                    f"{where} ({media})",
                    join(o_at, "content", media),
                    f"media type {media} removed",
                    old=media,
                )
        for media in n_content:
            if media not in o_content:
                self.add(
                    f"{noun}-media-type-added",
                    label,
                    f"{where} ({media})",
                    join(n_at, "content", media),
                    f"media type {media} added",
                    new=media,
                )
                continue
            o_media, n_media = o_content[media] or {}, n_content[media] or {}
            o_media_at, n_media_at = join(o_at, "content", media), join(n_at, "content", media)
            body = "request-body" if scope == "request-body" else "response-body"
            if "schema" in n_media and "schema" not in o_media:
                self.add(
                    f"{body}-media-type-schema-added",
                    label,
                    f"{where} ({media})",
                    join(n_media_at, "schema"),
                    "a schema now constrains the body",
                )
            elif "schema" in o_media and "schema" not in n_media:
                self.add(
                    f"{body}-media-type-schema-removed",
                    label,
                    f"{where} ({media})",
                    join(o_media_at, "schema"),
                    "the body is no longer constrained by a schema",
                )
            elif "schema" in o_media:
                found = self.schemas.compare(
                    o_media["schema"], join(o_media_at, "schema"), n_media["schema"], join(n_media_at, "schema"), scope
                )
                self.add_found(found, label, f"{where} ({media})")

    # -- responses ----------------------------------------------------------------------------

    def responses(self, o: walk.Operation, n: walk.Operation, label: str) -> None:
        olds = {s: (r, at) for s, r, at in o.responses(self.old)}
        news = {s: (r, at) for s, r, at in n.responses(self.new)}
        for status, (_, at) in olds.items():
            if status not in news:
                success = _is_success(status)
                self.add(
                    "response-success-status-removed" if success else "response-non-success-status-removed",
                    label,
                    f"response {status}",
                    at,
                    f"response {status} removed",
                    old=status,
                )
        for status, (response, at) in news.items():
            if status not in olds:
                self.add(
                    "response-success-status-added" if _is_success(status) else "response-non-success-status-added",
                    label,
                    f"response {status}",
                    at,
                    f"response {status} added",
                    new=status,
                )
                continue
            (o_resp, o_at) = olds[status]
            self.content(o_resp, o_at, response, at, label, f"response {status}", "response-body")
            self.headers(o_resp, o_at, response, at, label, status)

    def headers(self, o: dict[str, Any], o_at: str, n: dict[str, Any], n_at: str, label: str, status: str) -> None:
        def keyed(response: dict[str, Any], document: Document, at: str) -> dict[str, tuple[str, dict[str, Any], str]]:
            out = {}
            for name, node in (response.get("headers") or {}).items():
                resolved, where = document.resolve_with_pointer(node, join(at, "headers", name))
                if isinstance(resolved, dict):
                    out[name.lower()] = (name, resolved, where)
            return out

        olds, news = keyed(o, self.old, o_at), keyed(n, self.new, n_at)
        for key, (name, header, at) in olds.items():
            if key not in news:
                required = header.get("required") is True
                self.add(
                    "required-response-header-removed" if required else "optional-response-header-removed",
                    label,
                    f"response {status} header {name}",
                    at,
                    f"header {name} removed",
                    removal=True,
                    old=name,
                    sanctioned=lifecycle.removable(header, self.today),
                )
        for key, (name, header, at) in news.items():
            where = f"response {status} header {name}"
            required = header.get("required") is True
            if key not in olds:
                self.add(
                    "response-required-header-added" if required else "response-optional-header-added",
                    label,
                    where,
                    at,
                    f"new {'required' if required else 'optional'} header {name}",
                    new=name,
                )
                continue
            _, o_header, o_header_at = olds[key]
            if (o_header.get("required") is True) != required:
                self.add(
                    "response-header-became-required" if required else "response-header-became-optional",
                    label,
                    where,
                    join(at, "required"),
                    f"header {name} is now {'required' if required else 'optional'}",
                )
            if "schema" in o_header and "schema" in header:
                found = self.schemas.compare(
                    o_header["schema"],
                    join(o_header_at, "schema"),
                    header["schema"],
                    join(at, "schema"),
                    "response-header",
                )
                self.add_found(found, label, where)

    # -- security -----------------------------------------------------------------------------

    def security(self, o: walk.Operation, n: walk.Operation, label: str) -> None:
        def alternatives(op: walk.Operation) -> tuple[bool, dict[frozenset[str], dict[str, set[str]]]]:
            requirements = list(op.security or [])
            anonymous = not requirements or any(not r for r in requirements)
            alts = {frozenset(r): {k: set(v or []) for k, v in r.items()} for r in requirements if r}
            return anonymous, alts

        (o_anon, o_alts), (n_anon, n_alts) = alternatives(o), alternatives(n)
        at = join(n.pointer, "security")
        if o_anon and not n_anon:
            self.add(
                "api-anonymous-access-removed",
                label,
                "security",
                at,
                "anonymous calls are no longer allowed: a token is required",
            )
        elif n_anon and not o_anon:
            self.add("api-anonymous-access-added", label, "security", at, "anonymous calls are now allowed")
        for names, scopes in o_alts.items():
            if names not in n_alts:
                if not n_anon:
                    self.add(
                        "api-security-removed",
                        label,
                        "security",
                        at,
                        f"authentication with {' + '.join(sorted(names))} is no longer accepted",
                        old=sorted(names),
                    )
                continue
            for scheme in sorted(names):
                for scope_name in sorted(n_alts[names][scheme] - scopes[scheme]):
                    self.add(
                        "api-security-scope-added",
                        label,
                        "security",
                        at,
                        f"{scheme} tokens now need scope {scope_name}",
                        new=scope_name,
                    )
                for scope_name in sorted(scopes[scheme] - n_alts[names][scheme]):
                    self.add(
                        "api-security-scope-removed",
                        label,
                        "security",
                        at,
                        f"{scheme} tokens no longer need scope {scope_name}",
                        old=scope_name,
                    )
        for names in n_alts:
            if names not in o_alts:
                self.add(
                    "api-security-added",
                    label,
                    "security",
                    at,
                    f"authentication with {' + '.join(sorted(names))} is now also accepted",
                    new=sorted(names),
                )

    def security_schemes(self) -> None:
        olds = (self.old.root.get("components") or {}).get("securitySchemes") or {}
        news = (self.new.root.get("components") or {}).get("securitySchemes") or {}
        for name in olds.keys() - news.keys():
            self.add(
                "api-security-component-removed",
                "",
                f"security scheme {name}",
                join("#/components/securitySchemes", name),
                f"security scheme {name} removed",
            )
        for name in news.keys() - olds.keys():
            self.add(
                "api-security-component-added",
                "",
                f"security scheme {name}",
                join("#/components/securitySchemes", name),
                f"security scheme {name} added",
            )
        for name in olds.keys() & news.keys():
            o, n = self.old.resolve(olds[name]), self.new.resolve(news[name])
            if not isinstance(o, dict) or not isinstance(n, dict):
                continue
            at = join("#/components/securitySchemes", name)
            kind = ("type", "scheme", "in", "name")
            if any(o.get(k) != n.get(k) for k in kind):
                self.add(
                    "api-security-component-type-changed",
                    "",
                    f"security scheme {name}",
                    at,
                    "how the credential is sent changed: "
                    + ", ".join(f"{k} {o.get(k)} → {n.get(k)}" for k in kind if o.get(k) != n.get(k)),
                )
            elif any(_key(o.get(k)) != _key(n.get(k)) for k in ("flows", "openIdConnectUrl", "bearerFormat")):
                self.add(
                    "api-security-component-flows-changed",
                    "",
                    f"security scheme {name}",
                    at,
                    "token endpoints, flows or token format changed",
                )

    # -- the rest of the document -------------------------------------------------------------

    def webhooks(self) -> None:
        olds, news = self.old.root.get("webhooks") or {}, self.new.root.get("webhooks") or {}
        for name in olds.keys() - news.keys():
            item = self.old.resolve(olds[name])
            ops = [item[m] for m in walk.METHODS if isinstance(item, dict) and isinstance(item.get(m), dict)]
            sanctioned = bool(ops) and all(lifecycle.removable(op, self.today) for op in ops)
            self.add(
                "webhook-removed",
                "",
                f"webhook {name}",
                join("#/webhooks", name),
                f"webhook {name} removed",
                removal=True,
                sanctioned=sanctioned,
            )
        for name in news.keys() - olds.keys():
            self.add("webhook-added", "", f"webhook {name}", join("#/webhooks", name), f"webhook {name} added")
        for name in olds.keys() & news.keys():
            if _key(_strip_docs(olds[name])) != _key(_strip_docs(news[name])):
                self.add(
                    "webhook-changed",
                    "",
                    f"webhook {name}",
                    join("#/webhooks", name),
                    f"the request webhook {name} sends changed",
                )

    def components(self) -> None:
        olds = (self.old.root.get("components") or {}).get("schemas") or {}
        news = (self.new.root.get("components") or {}).get("schemas") or {}
        for name in sorted(olds.keys() - news.keys()):
            self.add(
                "component-schema-removed",
                "",
                f"schema {name}",
                join("#/components/schemas", name),
                f"schema {name} removed",
            )
        for name in sorted(news.keys() - olds.keys()):
            self.add(
                "component-schema-added",
                "",
                f"schema {name}",
                join("#/components/schemas", name),
                f"schema {name} added",
            )

    def document(self) -> None:
        o_servers = [s.get("url") for s in self.old.root.get("servers") or [] if isinstance(s, dict)]
        n_servers = [s.get("url") for s in self.new.root.get("servers") or [] if isinstance(s, dict)]
        for url in n_servers:
            if url not in o_servers:
                self.add("api-server-added", "", "servers", "#/servers", f"server {url} added", new=url)
        for url in o_servers:
            if url not in n_servers:
                self.add("api-server-removed", "", "servers", "#/servers", f"server {url} removed", old=url)
        o_info, n_info = self.old.root.get("info") or {}, self.new.root.get("info") or {}
        for key, change_id in (("contact", "api-contact-changed"), ("license", "api-license-changed")):
            if _key(o_info.get(key)) != _key(n_info.get(key)):
                self.add(
                    change_id,
                    "",
                    f"info {key}",
                    join("#/info", key),
                    f"{key} changed",
                    old=o_info.get(key),
                    new=n_info.get(key),
                )

    def documentation(self, o: Any, n: Any, at: str, parent: str) -> None:
        """Walk both documents side by side and report every changed description, summary or example."""
        if isinstance(o, dict) and isinstance(n, dict):
            keywords = parent not in NAME_MAPS  # below a name map the keys are names, not keywords
            for key in sorted(o.keys() | n.keys()):
                here = join(at, key)
                if key not in o or key not in n:
                    if keywords and key in DOC_KEYS:
                        self.add(
                            DOC_KEYS[key],
                            _operation_of(here),
                            _location_of(here),
                            here,
                            f"{key} {'added' if key in n else 'removed'}",
                            old=o.get(key),
                            new=n.get(key),
                        )
                elif (
                    parent == "components"
                    and key == "examples"
                    and isinstance(o[key], dict)
                    and isinstance(n[key], dict)
                ):
                    for name in sorted(o[key].keys() | n[key].keys()):
                        if _key(o[key].get(name)) != _key(n[key].get(name)):
                            verb = "added" if name not in o[key] else "removed" if name not in n[key] else "changed"
                            self.add("example-changed", "", f"example {name}", join(here, name), f"example {verb}")
                elif keywords and key in DOC_KEYS:
                    if _key(o[key]) != _key(n[key]):
                        self.add(
                            DOC_KEYS[key],
                            _operation_of(here),
                            _location_of(here),
                            here,
                            f"{key} changed",
                            old=o[key],
                            new=n[key],
                        )
                else:
                    self.documentation(o[key], n[key], here, key)
        elif isinstance(o, list) and isinstance(n, list) and len(o) == len(n):
            for i, (a, b) in enumerate(zip(o, n, strict=True)):
                self.documentation(a, b, join(at, i), parent)


def _operation_of(at: str) -> str:
    parts = tokens(at)
    if len(parts) >= 3 and parts[0] == "paths" and parts[2] in walk.METHODS:
        return f"{parts[2].upper()} {parts[1]}"
    if len(parts) >= 2 and parts[0] == "paths":
        return parts[1]
    return ""


_COMPONENT_NOUNS = {
    "schemas": "schema",
    "parameters": "parameter",
    "responses": "response",
    "headers": "header",
    "requestBodies": "request body",
    "securitySchemes": "security scheme",
    "examples": "example",
}


def _location_of(at: str) -> str:
    """`#/components/schemas/Item/description` → `schema Item › description`."""
    parts = tokens(at)
    if parts and parts[0] == "paths":
        parts = parts[3:] if len(parts) >= 3 and parts[2] in walk.METHODS else parts[2:]
    elif len(parts) >= 3 and parts[0] == "components":
        parts = [f"{_COMPONENT_NOUNS.get(parts[1], parts[1])} {parts[2]}", *parts[3:]]
    return " › ".join(parts)


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _strip_docs(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_docs(v) for k, v in node.items() if k not in DOC_KEYS}
    if isinstance(node, list):
        return [_strip_docs(v) for v in node]
    return node


def _without_version(root: dict[str, Any]) -> str:
    info = {k: v for k, v in (root.get("info") or {}).items() if k != "version"}
    return _key({**root, "info": info})


def _serialization(param: dict[str, Any]) -> tuple[str, bool]:
    location = param.get("in")
    style = param.get("style") or ("form" if location in ("query", "cookie") else "simple")
    explode = param.get("explode", style == "form")
    return str(style), bool(explode)


def _parameter_schema(p: walk.Parameter) -> tuple[Any, str]:
    if "schema" in p.node:
        return p.node["schema"], join(p.pointer, "schema")
    for media, node in (p.node.get("content") or {}).items():
        if isinstance(node, dict) and "schema" in node:
            return node["schema"], join(p.pointer, "content", media, "schema")
    return None, p.pointer


def diff(old: Document, new: Document, today: date | None = None) -> list[Change]:
    """Every change from `old` to `new`, and to the requirements and conformance classes beside them.

    `today` decides whether a removed element's sunset has passed.
    """
    changes = lint.guard(_Differ(old, new, today or date.today()).run, old=old, new=new)
    changes += catalogue_diff.diff(old, new)
    order = {level: i for i, level in enumerate(LEVELS)}
    return sorted(changes, key=lambda c: (order[c.level], c.operation, c.location, c.id))


def breaking(changes: list[Change]) -> bool:
    return any(c.level == "breaking" for c in changes)


def summary(changes: list[Change]) -> dict[Level, int]:
    found: dict[Level, int] = {level: 0 for level in LEVELS}
    for c in changes:
        found[c.level] += 1
    return found


def render_text(changes: list[Change]) -> str:
    if not changes:
        return "no changes"
    lines = [f"{c.level:<13} {c.id:<48} {c.where}\n{'':14}{c.detail}  [{c.pointer}]" for c in changes]
    counts = summary(changes)
    lines.append(", ".join(f"{n} {level}" for level, n in counts.items()))
    return "\n".join(lines)


def render_json(changes: list[Change]) -> str:
    return json.dumps(
        {"summary": summary(changes), "changes": [c.to_json() for c in changes]},
        indent=2,
        ensure_ascii=False,
        default=str,
    )


def render_markdown(changes: list[Change]) -> str:
    if not changes:
        return "No changes.\n"
    rows = ["| level | id | where | what |", "|---|---|---|---|"]
    rows += [f"| {c.level} | `{c.id}` | {_md(c.where) or '(document)'} | {_md(c.detail)} |" for c in changes]
    counts = summary(changes)
    return "\n".join([*rows, "", ", ".join(f"{n} {level}" for level, n in counts.items()), ""])


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
