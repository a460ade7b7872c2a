"""`bokbid spec diff`: one small pair of documents per kind of change, each with its exact ids and levels."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from governance_docs import base, doc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from spec.governance import changes, loader
from spec.governance.diff import diff, render_json, render_markdown, render_text

Doc = dict[str, Any]
B, N, I = "breaking", "non-breaking", "informational"  # noqa: E741
TODAY = date(2026, 6, 1)
PAST, FUTURE = "2026-01-01", "2027-01-01"


def op(d: Doc, path: str = "/items", method: str = "get") -> Doc:
    return d["paths"][path][method]


def schema(d: Doc, name: str) -> Doc:
    return d["components"]["schemas"][name]


def item_get(d: Doc) -> Doc:
    return op(d, "/items/{itemId}")


def post_body(d: Doc) -> Doc:
    return op(d, "/items", "post")["requestBody"]


def deprecate(node: Doc, sunset: str | None) -> None:
    node["deprecated"] = True
    if sunset:
        node["x-sunset"] = sunset


def simple_get(operation_id: str) -> Doc:
    return {
        "operationId": operation_id,
        "summary": "x",
        "responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}, "example": {}}}}
        },
    }


def colour_param(d: Doc) -> Doc:
    return op(d)["parameters"][2]


def webhook(d: Doc, extra: Doc | None = None) -> None:
    d["webhooks"] = {
        "itemCreated": {
            "post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
                "responses": {"200": {"description": "ok"}},
                **(extra or {}),
            }
        }
    }


def nothing(_: Doc) -> None:
    """Leave the document as it is."""


Change = Callable[[Doc], object]
# name → (change to the old document, change to the new document, expected {(id, level)})
CASES: dict[str, tuple[Change, Change, set[tuple[str, str]]]] = {
    # paths and operations
    "new path": (
        nothing,
        lambda d: d["paths"].update({"/tags": {"get": simple_get("listTags")}}),
        {("endpoint-added", N)},
    ),
    "new method": (
        nothing,
        lambda d: d["paths"]["/items/{itemId}"].update(delete=simple_get("deleteItem")),
        {("endpoint-added", N)},
    ),
    "path removed": (
        nothing,
        lambda d: d["paths"].pop("/items/{itemId}"),
        {("api-path-removed-without-deprecation", B)},
    ),
    "path removed before its sunset": (
        lambda d: deprecate(item_get(d), FUTURE),
        lambda d: d["paths"].pop("/items/{itemId}"),
        {("api-path-removed-before-sunset", B)},
    ),
    "path removed after its sunset": (
        lambda d: deprecate(item_get(d), PAST),
        lambda d: d["paths"].pop("/items/{itemId}"),
        {("api-path-removed-with-deprecation", B)},
    ),
    "operation removed": (
        nothing,
        lambda d: d["paths"]["/items"].pop("post"),
        {("api-removed-without-deprecation", B)},
    ),
    "operation removed deprecated without sunset": (
        lambda d: deprecate(op(d, "/items", "post"), None),
        lambda d: d["paths"]["/items"].pop("post"),
        {("api-removed-before-sunset", B)},
    ),
    "operation removed after sunset": (
        lambda d: deprecate(op(d, "/items", "post"), PAST),
        lambda d: d["paths"]["/items"].pop("post"),
        {("api-removed-with-deprecation", B)},
    ),
    "operation deprecated": (nothing, lambda d: deprecate(item_get(d), FUTURE), {("endpoint-deprecated", N)}),
    "operation reactivated": (lambda d: deprecate(item_get(d), FUTURE), nothing, {("endpoint-reactivated", I)}),
    "sunset brought forward": (
        lambda d: deprecate(item_get(d), "2027-06-01"),
        lambda d: deprecate(item_get(d), FUTURE),
        {("api-sunset-date-changed-too-small", B)},
    ),
    "sunset postponed": (
        lambda d: deprecate(item_get(d), FUTURE),
        lambda d: deprecate(item_get(d), "2028-01-01"),
        {("api-sunset-changed", I)},
    ),
    "operationId changed": (
        nothing,
        lambda d: item_get(d).update(operationId="fetchItem"),
        {("api-operation-id-changed", B)},
    ),
    "tag added": (nothing, lambda d: item_get(d)["tags"].append("catalogue"), {("api-tag-added", I)}),
    "tag removed": (nothing, lambda d: item_get(d).update(tags=[]), {("api-tag-removed", I)}),
    "conformance class changed": (
        lambda d: item_get(d).update({"x-conformance-class": "core"}),
        lambda d: item_get(d).update({"x-conformance-class": "discovery"}),
        {("api-conformance-class-changed", B)},
    ),
    # parameters
    "required parameter added": (
        nothing,
        lambda d: op(d)["parameters"].append(
            {"name": "shop", "in": "query", "required": True, "schema": {"type": "string"}}
        ),
        {("new-required-request-parameter", B)},
    ),
    "optional parameter added": (
        nothing,
        lambda d: op(d)["parameters"].append({"name": "shop", "in": "query", "schema": {"type": "string"}}),
        {("new-optional-request-parameter", N)},
    ),
    "parameter removed": (nothing, lambda d: op(d)["parameters"].pop(2), {("request-parameter-removed", B)}),
    "parameter became required": (
        nothing,
        lambda d: colour_param(d).update(required=True),
        {("request-parameter-became-required", B)},
    ),
    "parameter became optional": (
        lambda d: colour_param(d).update(required=True),
        nothing,
        {("request-parameter-became-optional", N)},
    ),
    "parameter deprecated": (
        nothing,
        lambda d: deprecate(colour_param(d), FUTURE),
        {("request-parameter-deprecated", N)},
    ),
    "parameter serialization": (
        nothing,
        lambda d: colour_param(d).update(explode=False),
        {("request-parameter-serialization-changed", B)},
    ),
    "path parameter renamed": (
        nothing,
        lambda d: (
            d["paths"].update({"/items/{id}": d["paths"].pop("/items/{itemId}")}),
            d["paths"]["/items/{id}"]["parameters"][0].update(name="id"),
        ),
        {("request-path-parameter-renamed", I)},
    ),
    "enum value removed (request and response)": (
        nothing,
        lambda d: schema(d, "Colour")["enum"].remove("blue"),
        {
            ("request-parameter-enum-value-removed", B),
            ("request-property-enum-value-removed", B),
            ("response-property-enum-value-removed", N),
        },
    ),
    "enum value added (request and response)": (
        nothing,
        lambda d: schema(d, "Colour")["enum"].append("yellow"),
        {
            ("request-parameter-enum-value-added", N),
            ("request-property-enum-value-added", N),
            ("response-property-enum-value-added", N),
        },
    ),
    "parameter maximum lowered": (
        nothing,
        lambda d: d["components"]["parameters"]["Limit"]["schema"].update(maximum=50),
        {("request-parameter-max-decreased", B)},
    ),
    "parameter maximum raised": (
        nothing,
        lambda d: d["components"]["parameters"]["Limit"]["schema"].update(maximum=500),
        {("request-parameter-max-increased", N)},
    ),
    "parameter minimum raised": (
        nothing,
        lambda d: d["components"]["parameters"]["Page"]["schema"].update(minimum=2),
        {("request-parameter-min-increased", B)},
    ),
    "parameter default changed": (
        nothing,
        lambda d: d["components"]["parameters"]["Limit"]["schema"].update(default=50),
        {("request-parameter-default-value-changed", B)},
    ),
    "parameter type narrowed": (
        nothing,
        lambda d: d["paths"]["/items/{itemId}"]["parameters"][0]["schema"].update(type="integer"),
        {("request-parameter-type-specialized", B)},
    ),
    "parameter type widened": (
        nothing,
        lambda d: d["components"]["parameters"]["Limit"]["schema"].update(type="number"),
        {("request-parameter-type-generalized", N)},
    ),
    "parameter pattern added": (
        nothing,
        lambda d: d["paths"]["/items/{itemId}"]["parameters"][0]["schema"].update(pattern="^[a-z0-9]+$"),
        {("request-parameter-pattern-added", B)},
    ),
    "parameter maxLength lowered": (
        nothing,
        lambda d: d["paths"]["/items/{itemId}"]["parameters"][0]["schema"].update(maxLength=32),
        {("request-parameter-max-length-decreased", B)},
    ),
    "parameter became enum": (
        nothing,
        lambda d: d["paths"]["/items/{itemId}"]["parameters"][0]["schema"].update(enum=["a1", "a2"]),
        {("request-parameter-became-enum", B)},
    ),
    # request bodies
    "required request property added": (
        nothing,
        lambda d: (
            schema(d, "ItemInput")["properties"].update(size={"type": "integer"}),
            schema(d, "ItemInput")["required"].append("size"),
        ),
        {("new-required-request-property", B)},
    ),
    "optional request property added": (
        nothing,
        lambda d: schema(d, "ItemInput")["properties"].update(size={"type": "integer"}),
        {("new-optional-request-property", N)},
    ),
    "request property removed": (
        nothing,
        lambda d: schema(d, "ItemInput")["properties"].pop("colour"),
        {("request-property-removed", B)},
    ),
    "request property became required": (
        nothing,
        lambda d: schema(d, "ItemInput")["required"].append("colour"),
        {("request-property-became-required", B)},
    ),
    "request property became optional": (
        nothing,
        lambda d: schema(d, "ItemInput").update(required=[]),
        {("request-property-became-optional", N)},
    ),
    "request maxLength lowered": (
        nothing,
        lambda d: schema(d, "ItemInput")["properties"]["name"].update(maxLength=50),
        {("request-property-max-length-decreased", B)},
    ),
    "request maxLength raised": (
        nothing,
        lambda d: schema(d, "ItemInput")["properties"]["name"].update(maxLength=500),
        {("request-property-max-length-increased", N)},
    ),
    "request minLength raised": (
        nothing,
        lambda d: schema(d, "ItemInput")["properties"]["name"].update(minLength=3),
        {("request-property-min-length-increased", B)},
    ),
    "request maxLength removed": (
        nothing,
        lambda d: schema(d, "ItemInput")["properties"]["name"].pop("maxLength"),
        {("request-property-max-length-unset", N)},
    ),
    "request type changed": (
        nothing,
        lambda d: schema(d, "ItemInput")["properties"]["name"].update(type="integer"),
        {("request-property-type-changed", B)},
    ),
    "request format added": (
        nothing,
        lambda d: schema(d, "ItemInput")["properties"]["name"].update(format="email"),
        {("request-property-format-added", B)},
    ),
    "request pattern changed": (
        lambda d: schema(d, "ItemInput")["properties"]["name"].update(pattern="^[a-z]+$"),
        lambda d: schema(d, "ItemInput")["properties"]["name"].update(pattern="^[A-Z]+$"),
        {("request-property-pattern-changed", B)},
    ),
    "request pattern added": (
        nothing,
        lambda d: schema(d, "ItemInput")["properties"]["name"].update(pattern="^[a-z]+$"),
        {("request-property-pattern-added", B)},
    ),
    "request pattern removed": (
        lambda d: schema(d, "ItemInput")["properties"]["name"].update(pattern="^[a-z]+$"),
        nothing,
        {("request-property-pattern-removed", N)},
    ),
    "nested request pattern added": (
        lambda d: schema(d, "ItemInput")["properties"].update(
            size={"type": "object", "properties": {"unit": {"type": "string"}}}
        ),
        lambda d: schema(d, "ItemInput")["properties"].update(
            size={"type": "object", "properties": {"unit": {"type": "string", "pattern": "^(cm|m)$"}}}
        ),
        {("request-property-pattern-added", B)},
    ),
    "pattern added to a component used in requests and responses": (
        nothing,
        lambda d: schema(d, "Colour").update(pattern="^[a-z]+$"),
        {
            ("request-property-pattern-added", B),
            ("request-parameter-pattern-added", B),
            ("response-property-pattern-added", N),
        },
    ),
    "query parameter pattern added": (
        lambda d: op(d)["parameters"].append({"name": "q", "in": "query", "schema": {"type": "string"}}),
        lambda d: op(d)["parameters"].append(
            {"name": "q", "in": "query", "schema": {"type": "string", "pattern": "^[a-z]+$"}}
        ),
        {("request-parameter-pattern-added", B)},
    ),
    "header parameter pattern added": (
        lambda d: op(d)["parameters"].append({"name": "X-Trace", "in": "header", "schema": {"type": "string"}}),
        lambda d: op(d)["parameters"].append(
            {"name": "X-Trace", "in": "header", "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}
        ),
        {("request-parameter-pattern-added", B)},
    ),
    "read-only request property gains a pattern": (
        lambda d: schema(d, "ItemInput")["properties"].update(id={"type": "string", "readOnly": True}),
        lambda d: schema(d, "ItemInput")["properties"].update(
            id={"type": "string", "readOnly": True, "pattern": "^[a-z0-9]+$"}
        ),
        {("request-property-pattern-added", B)},
    ),
    "response pattern added": (
        nothing,
        lambda d: schema(d, "Item")["properties"]["name"].update(pattern="^[a-z]+$"),
        {("response-property-pattern-added", N)},
    ),
    "request property nullable": (
        nothing,
        lambda d: schema(d, "ItemInput")["properties"]["name"].update(type=["string", "null"]),
        {("request-property-became-nullable", N)},
    ),
    "request body optional": (
        nothing,
        lambda d: post_body(d).update(required=False),
        {("request-body-became-optional", N)},
    ),
    "request body required": (
        lambda d: post_body(d).update(required=False),
        nothing,
        {("request-body-became-required", B)},
    ),
    "request media type added": (
        nothing,
        lambda d: post_body(d)["content"].update(
            {"application/xml": {"schema": {"$ref": "#/components/schemas/ItemInput"}}}
        ),
        {("request-body-media-type-added", N)},
    ),
    "request media type replaced": (
        nothing,
        lambda d: post_body(d).update(content={"text/plain": {"schema": {"type": "string"}}}),
        {("request-body-media-type-removed", B), ("request-body-media-type-added", N)},
    ),
    "request body removed": (
        nothing,
        lambda d: op(d, "/items", "post").pop("requestBody"),
        {("request-body-removed", B)},
    ),
    "request body added": (
        lambda d: op(d, "/items", "post").pop("requestBody"),
        nothing,
        {("added-required-request-body", B)},
    ),
    "request closed to extra properties": (
        nothing,
        lambda d: schema(d, "ItemInput").update(additionalProperties=False),
        {("request-body-additional-properties-forbidden", B)},
    ),
    "request allOf part added": (
        nothing,
        lambda d: schema(d, "ItemInput").update(allOf=[{"required": ["colour"]}]),
        {("request-body-all-of-added", B)},
    ),
    "request allOf annotation added": (
        nothing,
        lambda d: schema(d, "ItemInput").update(allOf=[{"title": "An item"}]),
        {("request-body-all-of-added-annotation-only", I)},
    ),
    "request oneOf alternative added": (
        lambda d: schema(d, "ItemInput")["properties"].update(size={"oneOf": [{"type": "integer"}, {"enum": ["S"]}]}),
        lambda d: schema(d, "ItemInput")["properties"].update(
            size={"oneOf": [{"type": "integer"}, {"enum": ["S"]}, {"type": "boolean"}]}
        ),
        {("request-property-one-of-added", N)},
    ),
    "request oneOf alternative removed": (
        lambda d: schema(d, "ItemInput")["properties"].update(size={"oneOf": [{"type": "integer"}, {"enum": ["S"]}]}),
        lambda d: schema(d, "ItemInput")["properties"].update(size={"oneOf": [{"type": "integer"}]}),
        {("request-property-one-of-removed", B)},
    ),
    "request body wrapped in oneOf": (
        nothing,
        lambda d: post_body(d)["content"]["application/json"].update(
            schema={"oneOf": [{"$ref": "#/components/schemas/ItemInput"}, {"type": "string"}]}
        ),
        {("request-body-wrapped-in-one-of", B)},
    ),
    "read-only property is not part of a request": (
        nothing,
        lambda d: (
            schema(d, "ItemInput")["properties"].update(id={"type": "string", "readOnly": True}),
            schema(d, "ItemInput")["required"].append("id"),
        ),
        {("document-changed", I)},
    ),
    "request property deprecated": (
        nothing,
        lambda d: deprecate(schema(d, "ItemInput")["properties"]["colour"], FUTURE),
        {("request-property-deprecated", N)},
    ),
    # responses
    "required response property added": (
        nothing,
        lambda d: (
            schema(d, "Item")["properties"].update(size={"type": "integer"}),
            schema(d, "Item")["required"].append("size"),
        ),
        {("response-required-property-added", N)},
    ),
    "optional response property added": (
        nothing,
        lambda d: schema(d, "Item")["properties"].update(size={"type": "integer"}),
        {("response-optional-property-added", N)},
    ),
    "required response property removed": (
        nothing,
        lambda d: (schema(d, "Item")["properties"].pop("name"), schema(d, "Item")["required"].remove("name")),
        {("response-required-property-removed", B)},
    ),
    "optional response property removed": (
        nothing,
        lambda d: schema(d, "Item")["properties"].pop("colour"),
        {("response-optional-property-removed", B)},
    ),
    "response property became optional": (
        nothing,
        lambda d: schema(d, "Item")["required"].remove("createdAt"),
        {("response-property-became-optional", B)},
    ),
    "response property became required": (
        nothing,
        lambda d: schema(d, "Item")["required"].append("colour"),
        {("response-property-became-required", N)},
    ),
    "response type changed": (
        nothing,
        lambda d: schema(d, "Item")["properties"]["id"].update(type="integer"),
        {("response-property-type-changed", B)},
    ),
    "response types widened": (
        nothing,
        lambda d: schema(d, "Item")["properties"]["id"].update(type=["string", "integer"]),
        {("response-property-list-of-types-widened", B)},
    ),
    "response maxLength raised": (
        nothing,
        lambda d: schema(d, "Item")["properties"]["name"].update(maxLength=200),
        {("response-property-max-length-increased", B)},
    ),
    "response maxLength lowered": (
        nothing,
        lambda d: schema(d, "Item")["properties"]["name"].update(maxLength=50),
        {("response-property-max-length-decreased", N)},
    ),
    "response property nullable": (
        nothing,
        lambda d: schema(d, "Item")["properties"]["name"].update(type=["string", "null"]),
        {("response-property-became-nullable", B)},
    ),
    "response format changed": (
        nothing,
        lambda d: schema(d, "Item")["properties"]["createdAt"].update(format="date"),
        {("response-property-format-changed", B)},
    ),
    "response page schema closed": (
        nothing,
        lambda d: schema(d, "ItemPage").update(additionalProperties=False),
        {("response-body-additional-properties-forbidden", N)},
    ),
    "response discriminator added": (
        nothing,
        lambda d: schema(d, "Item").update(discriminator={"propertyName": "colour"}),
        {("response-body-discriminator-added", I), ("response-property-discriminator-added", I)},
    ),
    "response property deprecated": (
        nothing,
        lambda d: deprecate(schema(d, "Item")["properties"]["colour"], FUTURE),
        {("response-property-deprecated", N)},
    ),
    "success status added": (
        nothing,
        lambda d: item_get(d)["responses"].update({"202": {"description": "Accepted."}}),
        {("response-success-status-added", B)},
    ),
    "success status removed": (
        nothing,
        lambda d: op(d, "/items", "post")["responses"].pop("201"),
        {("response-success-status-removed", B)},
    ),
    "error status added": (
        nothing,
        lambda d: item_get(d)["responses"].update({"409": {"$ref": "#/components/responses/Problem"}}),
        {("response-non-success-status-added", N)},
    ),
    "error status removed": (
        nothing,
        lambda d: item_get(d)["responses"].pop("404"),
        {("response-non-success-status-removed", N)},
    ),
    "response media type added": (
        nothing,
        lambda d: item_get(d)["responses"]["200"]["content"].update({"text/csv": {"schema": {"type": "string"}}}),
        {("response-media-type-added", N)},
    ),
    "response media type removed": (
        nothing,
        lambda d: item_get(d)["responses"]["200"].pop("content"),
        {("response-media-type-removed", B)},
    ),
    "required response header removed": (
        nothing,
        lambda d: op(d, "/items", "post")["responses"]["201"].pop("headers"),
        {("required-response-header-removed", B)},
    ),
    "response header added": (
        nothing,
        lambda d: op(d, "/items", "post")["responses"]["201"]["headers"].update(
            {"X-Request-Id": {"schema": {"type": "string"}}}
        ),
        {("response-optional-header-added", N)},
    ),
    "response header became optional": (
        nothing,
        lambda d: op(d, "/items", "post")["responses"]["201"]["headers"]["Location"].update(required=False),
        {("response-header-became-optional", B)},
    ),
    "response header type changed": (
        nothing,
        lambda d: op(d, "/items", "post")["responses"]["201"]["headers"]["Location"]["schema"].update(type="integer"),
        {("response-header-type-changed", B)},
    ),
    # security
    "security alternative added": (
        nothing,
        lambda d: (
            d["components"]["securitySchemes"].update(
                oauth={
                    "type": "oauth2",
                    "flows": {"clientCredentials": {"tokenUrl": "https://id.example.org/token", "scopes": {}}},
                }
            ),
            op(d, "/items", "post").update(security=[{"bearerAuth": []}, {"oauth": []}]),
        ),
        {("api-security-added", N), ("api-security-component-added", I)},
    ),
    "security alternative removed": (
        lambda d: op(d, "/items", "post").update(security=[{"bearerAuth": []}, {"bearerAuth": [], "other": []}]),
        lambda d: op(d, "/items", "post").update(security=[{"bearerAuth": []}]),
        {("api-security-removed", B)},
    ),
    "anonymous access removed": (
        nothing,
        lambda d: op(d).update(security=[{"bearerAuth": []}]),
        {("api-anonymous-access-removed", B)},
    ),
    "anonymous access added": (
        nothing,
        lambda d: op(d, "/items", "post").update(security=[{}, {"bearerAuth": []}]),
        {("api-anonymous-access-added", N)},
    ),
    "scope added": (
        nothing,
        lambda d: op(d, "/items", "post").update(security=[{"bearerAuth": ["items:write"]}]),
        {("api-security-scope-added", B)},
    ),
    "scope removed": (
        lambda d: op(d, "/items", "post").update(security=[{"bearerAuth": ["items:write"]}]),
        nothing,
        {("api-security-scope-removed", N)},
    ),
    "security scheme changed": (
        nothing,
        lambda d: d["components"]["securitySchemes"]["bearerAuth"].update(
            type="apiKey", scheme=None, **{"in": "header", "name": "X-Key"}
        ),
        {("api-security-component-type-changed", B)},
    ),
    "security scheme removed": (
        lambda d: d["components"]["securitySchemes"].update(unused={"type": "http", "scheme": "bearer"}),
        nothing,
        {("api-security-component-removed", I)},
    ),
    # the rest of the document
    "component schema added": (
        nothing,
        lambda d: d["components"]["schemas"].update(Tag={"type": "string"}),
        {("component-schema-added", I)},
    ),
    "component schema removed": (
        lambda d: d["components"]["schemas"].update(Tag={"type": "string"}),
        nothing,
        {("component-schema-removed", I)},
    ),
    "description changed": (
        nothing,
        lambda d: schema(d, "Item").update(description="A thing."),
        {("description-changed", I)},
    ),
    "summary changed": (nothing, lambda d: item_get(d).update(summary="Read one item"), {("summary-changed", I)}),
    "example changed": (
        nothing,
        lambda d: item_get(d)["responses"]["200"]["content"]["application/json"]["example"].update(name="Table"),
        {("example-changed", I)},
    ),
    "server added": (
        nothing,
        lambda d: d["servers"].append({"url": "https://sandbox.example.org/v1"}),
        {("api-server-added", I)},
    ),
    "contact changed": (
        nothing,
        lambda d: d["info"]["contact"].update(email="api@example.org"),
        {("api-contact-changed", I)},
    ),
    "unclassified change": (nothing, lambda d: d["info"].update({"x-audience": "public"}), {("document-changed", I)}),
    "webhook added": (nothing, webhook, {("webhook-added", N)}),
    "webhook removed": (webhook, nothing, {("webhook-removed", B)}),
    "webhook changed": (webhook, lambda d: webhook(d, {"security": [{"bearerAuth": []}]}), {("webhook-changed", B)}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_change_is_reported_with_its_id_and_level(name: str) -> None:
    change_old, change_new, expected = CASES[name]
    old, new = base(), base()
    change_old(old)
    change_new(new)
    found = diff(doc(old), doc(new), TODAY)
    assert {(c.id, c.level) for c in found} == expected, [(c.id, c.where, c.detail) for c in found]
    assert all(c.pointer.startswith("#") and c.detail for c in found)


def test_there_are_at_least_sixty_kinds_of_change() -> None:
    assert len(CASES) >= 60
    assert len({i for *_, expected in CASES.values() for i, _ in expected}) >= 60


def test_every_reported_id_is_in_the_catalogue_with_its_level() -> None:
    catalogue = dict(changes.catalogue())
    for *_, expected in CASES.values():
        for change_id, level in expected:
            assert catalogue.get(change_id) == level, change_id


def test_a_change_in_a_shared_component_is_reported_where_it_is_used() -> None:
    new = base()
    schema(new, "Item")["properties"]["name"]["maxLength"] = 50
    found = diff(doc(base()), doc(new), TODAY)
    assert sorted(c.where for c in found) == [
        "GET /items › response 200 (application/json) › items[] › name",
        "GET /items/{itemId} › response 200 (application/json) › name",
        "POST /items › response 201 (application/json) › name",
    ]
    assert {c.pointer for c in found} == {"#/components/schemas/Item/properties/name/maxLength"}
    assert found[0].old == 100 and found[0].new == 50


def test_removal_after_sunset_is_marked_sanctioned() -> None:
    old, new = base(), base()
    deprecate(schema(old, "Item")["properties"]["colour"], PAST)
    schema(new, "Item")["properties"].pop("colour")
    found = diff(doc(old), doc(new), TODAY)
    assert {c.sanctioned for c in found} == {True}
    found = diff(doc(old), doc(new), date(2025, 12, 31))
    assert {c.sanctioned for c in found} == {False}


def _recursive(d: Doc) -> Doc:
    schema(d, "Item")["properties"]["children"] = {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}
    return d


def test_recursive_schemas_are_compared_without_looping() -> None:
    old, new = _recursive(base()), _recursive(base())
    assert diff(doc(old), doc(new), TODAY) == []
    schema(new, "Item")["properties"]["weight"] = {"type": "number"}
    found = diff(doc(old), doc(new), TODAY)
    assert {(c.id, c.level) for c in found} == {("response-optional-property-added", N)}
    assert "GET /items/{itemId} › response 200 (application/json)" in {c.where for c in found}


def test_mutually_recursive_schemas_report_a_change_deep_in_the_cycle() -> None:
    def tree(d: Doc) -> Doc:
        d["components"]["schemas"]["Node"] = {
            "type": "object",
            "properties": {"leaf": {"$ref": "#/components/schemas/Leaf"}, "size": {"type": "integer"}},
        }
        d["components"]["schemas"]["Leaf"] = {
            "type": "object",
            "properties": {"parent": {"$ref": "#/components/schemas/Node"}},
        }
        schema(d, "Item")["properties"]["node"] = {"$ref": "#/components/schemas/Node"}
        schema(d, "Item")["properties"]["leaf"] = {"$ref": "#/components/schemas/Leaf"}
        return d

    old, new = tree(base()), tree(base())
    new["components"]["schemas"]["Node"]["properties"]["size"]["maximum"] = 10
    found = diff(doc(old), doc(new), TODAY)
    wheres = {c.location for c in found if c.operation == "GET /items/{itemId}"}
    assert {
        "response 200 (application/json) › node › size",
        "response 200 (application/json) › leaf › parent › size",
    } <= wheres
    assert {c.id for c in found} == {"response-property-max-set"}


def test_references_across_split_files_are_followed(tmp_path: Path) -> None:
    def write(folder: Path, item: Doc) -> Path:
        folder.mkdir()
        root = base()
        root["components"]["schemas"].pop("Item")
        (folder / "schemas.yaml").write_text(yaml.safe_dump({"Item": item}))
        text = yaml.safe_dump(root).replace("'#/components/schemas/Item'", "schemas.yaml#/Item")
        (folder / "openapi.yaml").write_text(text)
        return folder / "openapi.yaml"

    item = base()["components"]["schemas"]["Item"]
    item["properties"]["colour"] = {"$ref": "openapi.yaml#/components/schemas/Colour"}
    changed = copy.deepcopy(item)
    changed["properties"]["id"]["type"] = "integer"
    old, new = loader.load(write(tmp_path / "a", item)), loader.load(write(tmp_path / "b", changed))
    assert diff(old, loader.load(tmp_path / "a" / "openapi.yaml"), TODAY) == []
    found = diff(old, new, TODAY)
    assert {(c.id, c.level) for c in found} == {("response-property-type-changed", B)}
    assert new.where(found[0].pointer) == "schemas.yaml#/Item/properties/id/type"


def test_documentation_is_compared_once_and_names_are_not_keywords() -> None:
    old, new = base(), base()
    schema(old, "Item")["properties"]["description"] = {"type": "string"}
    schema(new, "Item")["properties"]["description"] = {"type": "string", "description": "Free text."}
    found = diff(doc(old), doc(new), TODAY)
    assert [(c.id, c.pointer) for c in found] == [
        ("description-changed", "#/components/schemas/Item/properties/description/description")
    ]


def test_renderings() -> None:
    new = base()
    schema(new, "Item")["properties"].pop("colour")
    schema(new, "ItemInput")["properties"]["size"] = {"type": "integer"}
    found = diff(doc(base()), doc(new), TODAY)
    text = render_text(found)
    assert "breaking" in text and "response-optional-property-removed" in text and "1 non-breaking" in text
    data = json.loads(render_json(found))
    assert data["summary"] == {"breaking": 3, "non-breaking": 1, "informational": 0}
    assert {"id", "level", "where", "pointer", "detail"} <= set(data["changes"][0])
    markdown = render_markdown(found)
    assert markdown.startswith("| level | id | where | what |")
    assert "`new-optional-request-property`" in markdown
    assert render_text([]) == "no changes"


def test_cli_diff(tmp_path: Path) -> None:
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(yaml.safe_dump(base()))
    changed = base()
    changed["paths"].pop("/items/{itemId}")
    new.write_text(yaml.safe_dump(changed))
    runner = CliRunner()
    result = runner.invoke(app, ["spec", "diff", str(old), str(new), "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["changes"][0]["id"] == "api-path-removed-without-deprecation"
    assert runner.invoke(app, ["spec", "diff", str(old), str(new), "--fail-on-breaking"]).exit_code == 1
    assert runner.invoke(app, ["spec", "diff", str(old), str(old), "--fail-on-breaking"]).exit_code == 0
    assert "| breaking |" in runner.invoke(app, ["spec", "diff", str(old), str(new), "--format", "markdown"]).stdout
    assert runner.invoke(app, ["spec", "diff", str(old), str(new), "--at", "someday"]).exit_code == 2


# --- property: a document compared with itself (or a copy of itself) has no changes ------------

NAMES = st.sampled_from(["id", "name", "size", "colour", "tags", "owner", "createdAt"])
SCHEMA_NAMES = ["Alpha", "Beta", "Gamma"]


def schemas(depth: int = 2) -> st.SearchStrategy[Doc]:
    scalar = st.fixed_dictionaries(
        {"type": st.sampled_from(["string", "integer", "number", "boolean"])},
        optional={
            "maxLength": st.integers(0, 50),
            "minimum": st.integers(-5, 5),
            "enum": st.lists(st.text(max_size=3), max_size=3),
            "format": st.sampled_from(["date", "date-time", "email"]),
            "pattern": st.sampled_from(["^a", "b$"]),
            "nullable": st.booleans(),
            "default": st.integers(0, 3),
            "deprecated": st.booleans(),
        },
    )
    ref = st.sampled_from(SCHEMA_NAMES).map(lambda n: {"$ref": f"#/components/schemas/{n}"})
    if depth == 0:
        return st.one_of(scalar, ref)
    inner = schemas(depth - 1)
    obj = st.fixed_dictionaries(
        {"type": st.just("object"), "properties": st.dictionaries(NAMES, inner, max_size=4)},
        optional={"required": st.lists(NAMES, max_size=3, unique=True), "additionalProperties": st.booleans()},
    )
    return st.one_of(
        scalar,
        ref,
        obj,
        st.fixed_dictionaries({"type": st.just("array"), "items": inner}),
        st.fixed_dictionaries({"oneOf": st.lists(inner, min_size=1, max_size=3)}),
        st.fixed_dictionaries({"allOf": st.lists(inner, min_size=1, max_size=2)}),
    )


@st.composite
def documents(draw: st.DrawFn) -> Doc:
    d = base()
    d["components"]["schemas"].update({n: draw(schemas()) for n in SCHEMA_NAMES})  # may refer to each other
    for i in range(draw(st.integers(0, 3))):
        body = draw(schemas())
        d["paths"][f"/things-{i}"] = {
            "post": {
                "operationId": f"create{i}",
                "parameters": [
                    {
                        "name": f"p{j}",
                        "in": draw(st.sampled_from(["query", "header"])),
                        "required": draw(st.booleans()),
                        "schema": draw(schemas(1)),
                    }
                    for j in range(draw(st.integers(0, 2)))
                ],
                "requestBody": {"content": {"application/json": {"schema": body}}},
                "security": draw(
                    st.lists(st.dictionaries(st.just("bearerAuth"), st.lists(NAMES, max_size=2)), max_size=2)
                ),
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": draw(schemas())}}}
                },
            }
        }
    return d


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_a_document_compared_with_itself_has_no_changes(document: Doc) -> None:
    assert diff(doc(document), doc(document), TODAY) == []
    assert diff(doc(document), doc(copy.deepcopy(document)), TODAY) == []


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), documents())
def test_two_different_documents_never_compare_as_equal(old: Doc, new: Doc) -> None:
    # The version check relies on it: a change the diff cannot name is still reported.
    if json.dumps(old, sort_keys=True) != json.dumps(new, sort_keys=True):
        assert diff(doc(old), doc(new), TODAY) != []
