"""Small OpenAPI documents for the governance tests: a base that passes every lint rule, and helpers.

Shared by tests/test_governance_*.py; each test copies the base and breaks or changes one thing.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

from spec.governance.loader import Document

BASE_YAML = """
openapi: 3.1.0
info:
  title: Example API
  version: 1.0.0
  description: A small API that follows every BoB design rule.
  contact: {name: Stewardship body, email: bob@example.org}
  license: {name: EUPL-1.2, identifier: EUPL-1.2}
servers:
  - url: https://api.example.org/v1
tags:
  - name: items
    description: Items.
security:
  - bearerAuth: []
paths:
  /items:
    get:
      operationId: listItems
      tags: [items]
      summary: List items
      security:
        - {}
        - bearerAuth: []
      parameters:
        - $ref: "#/components/parameters/Limit"
        - $ref: "#/components/parameters/Page"
        - name: colour
          in: query
          description: Only items of this colour.
          schema: {$ref: "#/components/schemas/Colour"}
          example: red
      responses:
        "200":
          description: A page of items.
          headers:
            API-Version: {$ref: "#/components/headers/API-Version"}
          content:
            application/json:
              schema: {$ref: "#/components/schemas/ItemPage"}
              example:
                items: [{id: a1, name: Chair, colour: red, createdAt: "2026-01-01T10:00:00Z"}]
                page: 1
                limit: 20
                totalItems: 1
        "400": {$ref: "#/components/responses/Problem"}
        "401": {$ref: "#/components/responses/Problem"}
    post:
      operationId: createItem
      tags: [items]
      summary: Create an item
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ItemInput"}
            example: {name: Chair, colour: red}
      responses:
        "201":
          description: Created.
          headers:
            API-Version: {$ref: "#/components/headers/API-Version"}
            Location:
              description: Where the item is.
              required: true
              schema: {type: string}
              example: /v1/items/a1
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Item"}
              example: {id: a1, name: Chair, colour: red, createdAt: "2026-01-01T10:00:00Z"}
        "400": {$ref: "#/components/responses/Problem"}
        "401": {$ref: "#/components/responses/Problem"}
  /items/{itemId}:
    parameters:
      - name: itemId
        in: path
        required: true
        description: Item id.
        schema: {type: string, maxLength: 64}
        example: a1
    get:
      operationId: getItem
      tags: [items]
      summary: One item
      responses:
        "200":
          description: The item.
          headers:
            API-Version: {$ref: "#/components/headers/API-Version"}
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Item"}
              example: {id: a1, name: Chair, colour: red, createdAt: "2026-01-01T10:00:00Z"}
        "400": {$ref: "#/components/responses/Problem"}
        "401": {$ref: "#/components/responses/Problem"}
        "404": {$ref: "#/components/responses/Problem"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer, bearerFormat: JWT, description: OAuth2 access token.}
  parameters:
    Limit:
      name: limit
      in: query
      description: Page size.
      schema: {type: integer, minimum: 1, maximum: 100, default: 20}
      example: 20
    Page:
      name: page
      in: query
      description: Page number, from 1.
      schema: {type: integer, minimum: 1, default: 1}
      example: 1
  headers:
    API-Version:
      description: The full version of the standard the server implements.
      required: true
      schema: {type: string}
      example: 1.0.0
  responses:
    Problem:
      description: An error.
      headers:
        API-Version: {$ref: "#/components/headers/API-Version"}
      content:
        application/problem+json:
          schema: {$ref: "#/components/schemas/Problem"}
          example:
            {type: "urn:bob:problem:not-found", title: Not found, status: 404, detail: No such item., instance: /v1/x}
  schemas:
    Colour:
      type: string
      description: A colour.
      enum: [red, green, blue]
    ItemInput:
      type: object
      description: What a client sends to create an item.
      required: [name]
      properties:
        name: {type: string, minLength: 1, maxLength: 100}
        colour: {$ref: "#/components/schemas/Colour"}
    Item:
      type: object
      description: An item.
      required: [id, name, createdAt]
      properties:
        id: {type: string}
        name: {type: string, minLength: 1, maxLength: 100}
        colour: {$ref: "#/components/schemas/Colour"}
        createdAt: {type: string, format: date-time}
    ItemPage:
      type: object
      description: A page of items.
      required: [items, page, limit, totalItems]
      properties:
        items:
          type: array
          items: {$ref: "#/components/schemas/Item"}
        page: {type: integer, minimum: 1}
        limit: {type: integer, minimum: 1}
        totalItems: {type: integer, minimum: 0}
    Problem:
      type: object
      description: RFC 9457 problem details.
      required: [type, title, status]
      properties:
        type: {type: string}
        title: {type: string}
        status: {type: integer}
        detail: {type: string}
        instance: {type: string}
"""


def base() -> dict[str, Any]:
    return copy.deepcopy(_BASE)


def doc(root: dict[str, Any]) -> Document:
    return Document(root)


_BASE: dict[str, Any] = yaml.safe_load(BASE_YAML)
