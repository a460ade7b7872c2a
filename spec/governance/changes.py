"""What a change between two versions of the standard is, and how bad it is for a supplier.

Every change has a stable id (oasdiff's vocabulary where it has a word for it, so people who know
that tool read ours) and one of three levels:

- `breaking`: a client written against the old version can fail against a server of the new one
  (needs a major version; while the major is 0, a minor one);
- `non-breaking`: the contract changed but every existing client keeps working: additions,
  relaxed input rules, tighter output promises, deprecations (needs a minor version);
- `informational`: nothing on the wire changes: descriptions, examples, tags (needs a patch).

Schema changes are judged by what they do to the set of valid values. Narrowing what a request
may contain breaks clients that send the values now refused; widening what a response may contain
breaks clients that do not expect the new values. So one schema change has two levels, one for
where the schema is read in a request and one for a response.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any, Literal

Level = Literal["breaking", "non-breaking", "informational"]
LEVELS: tuple[Level, ...] = ("breaking", "non-breaking", "informational")
B: Level = "breaking"
N: Level = "non-breaking"
I: Level = "informational"  # noqa: E741 - the three levels read best as B, N, I in the tables below

Effect = Literal[
    "narrows",
    "widens",
    "incomparable",
    "docs",
    "addition",
    "removal",
    "deprecation",
    "reactivation",
    "tightened",
    "relaxed",
]

# suffix → (level in a request, level in a response, effect). The id is `<prefix>-<suffix>`, the prefix
# saying where the schema sits: request-body, request-property, request-parameter,
# request-parameter-property, response-body, response-property, response-header, response-header-property.
_NARROWS: tuple[Level, Level, Effect] = (B, N, "narrows")
_WIDENS: tuple[Level, Level, Effect] = (N, B, "widens")
_BOTH: tuple[Level, Level, Effect] = (B, B, "incomparable")

SCHEMA_CHANGES: dict[str, tuple[Level, Level, Effect]] = {
    "type-changed": _BOTH,
    "type-generalized": _WIDENS,
    "type-specialized": _NARROWS,
    "list-of-types-widened": _WIDENS,
    "list-of-types-narrowed": _NARROWS,
    "format-changed": _BOTH,
    "format-added": _NARROWS,
    "format-removed": _WIDENS,
    "became-nullable": _WIDENS,
    "became-not-nullable": _NARROWS,
    "became-enum": _NARROWS,
    "became-not-enum": _WIDENS,
    # Clients must tolerate unknown enum values in responses (docs/architects.md), as with oasdiff.
    "enum-value-added": (N, N, "widens"),
    "enum-value-removed": _NARROWS,
    "const-added": _NARROWS,
    "const-removed": _WIDENS,
    "const-changed": _BOTH,
    "pattern-added": _NARROWS,
    "pattern-removed": _WIDENS,
    "pattern-changed": _BOTH,
    "multiple-of-changed": _BOTH,
    "unique-items-set": _NARROWS,
    "unique-items-unset": _WIDENS,
    # Clients ignore properties they do not know (tolerant reader), so a response may gain them.
    "additional-properties-allowed": (N, N, "widens"),
    "additional-properties-forbidden": _NARROWS,
    "default-value-added": (I, I, "docs"),
    "default-value-removed": (B, I, "incomparable"),
    "default-value-changed": (B, I, "incomparable"),
    "discriminator-added": (I, I, "docs"),
    "discriminator-removed": (I, I, "docs"),
    "discriminator-changed": (I, I, "docs"),
    "one-of-added": _WIDENS,
    "one-of-removed": _NARROWS,
    "any-of-added": _WIDENS,
    "any-of-removed": _NARROWS,
    "all-of-added": _NARROWS,
    "all-of-added-annotation-only": (I, I, "docs"),
    # Removing a part of a composition drops the properties and rules it brought: breaking both ways.
    "all-of-removed": _BOTH,
    "wrapped-in-one-of": _BOTH,
    "items-added": _NARROWS,
    "items-removed": _WIDENS,
    "deprecated": (N, N, "deprecation"),
    "reactivated": (I, I, "reactivation"),
}
# Numeric bounds: raising a lower bound or lowering an upper one narrows.
BOUNDS = {
    "minLength": ("min-length", "lower"),
    "maxLength": ("max-length", "upper"),
    "minimum": ("min", "lower"),
    "maximum": ("max", "upper"),
    "exclusiveMinimum": ("exclusive-min", "lower"),
    "exclusiveMaximum": ("exclusive-max", "upper"),
    "minItems": ("min-items", "lower"),
    "maxItems": ("max-items", "upper"),
    "minProperties": ("min-properties", "lower"),
    "maxProperties": ("max-properties", "upper"),
    "minContains": ("min-contains", "lower"),
    "maxContains": ("max-contains", "upper"),
}
for _name, _side in BOUNDS.values():
    SCHEMA_CHANGES[f"{_name}-set"] = _NARROWS
    SCHEMA_CHANGES[f"{_name}-unset"] = _WIDENS
    SCHEMA_CHANGES[f"{_name}-increased"] = _NARROWS if _side == "lower" else _WIDENS
    SCHEMA_CHANGES[f"{_name}-decreased"] = _WIDENS if _side == "lower" else _NARROWS
# Keywords that add a rule of their own: adding one narrows, removing one widens, changing is unknown.
RULE_KEYWORDS = {
    "not": "not",
    "if": "if",
    "then": "then",
    "else": "else",
    "contains": "contains",
    "propertyNames": "property-names",
    "contentSchema": "content-schema",
    "dependentSchemas": "dependent-schema",
    "dependentRequired": "dependent-required",
    "patternProperties": "pattern-property",
    "unevaluatedItems": "unevaluated-items",
    "unevaluatedProperties": "unevaluated-properties",
    "prefixItems": "prefix-items",
    "contentMediaType": "content-media-type",
    "contentEncoding": "content-encoding",
}
for _name in RULE_KEYWORDS.values():
    SCHEMA_CHANGES[f"{_name}-added"] = _NARROWS
    SCHEMA_CHANGES[f"{_name}-removed"] = _WIDENS
    SCHEMA_CHANGES[f"{_name}-changed"] = _BOTH

SCHEMA_PREFIXES = {
    # scope → (prefix at the top of the schema, prefix below it, direction)
    "request-body": ("request-body", "request-property", "request"),
    "request-parameter": ("request-parameter", "request-parameter-property", "request"),
    "response-body": ("response-body", "response-property", "response"),
    "response-header": ("response-header", "response-header-property", "response"),
}

# Properties appearing and disappearing, by scope: (added required, added optional, removed required,
# removed optional, became required, became optional) ids.
PROPERTY_IDS = {
    "request-body": (
        "new-required-request-property",
        "new-optional-request-property",
        "request-property-removed",
        "request-property-removed",
        "request-property-became-required",
        "request-property-became-optional",
    ),
    "request-parameter": (
        "new-required-request-parameter-property",
        "new-optional-request-parameter-property",
        "request-parameter-property-removed",
        "request-parameter-property-removed",
        "request-parameter-property-became-required",
        "request-parameter-property-became-optional",
    ),
    "response-body": (
        "response-required-property-added",
        "response-optional-property-added",
        "response-required-property-removed",
        "response-optional-property-removed",
        "response-property-became-required",
        "response-property-became-optional",
    ),
    "response-header": (
        "response-header-required-property-added",
        "response-header-optional-property-added",
        "response-header-required-property-removed",
        "response-header-optional-property-removed",
        "response-header-property-became-required",
        "response-header-property-became-optional",
    ),
}
# Request: a new required property breaks, an optional one is an addition, a removal breaks (what a
# client sends is dropped or refused; removal goes through deprecation). Response: additions are
# compatible; removing a property a client may read breaks it, required or not.
_PROPERTY_LEVELS = {
    "request": ((B, "addition"), (N, "addition"), (B, "removal"), (B, "removal"), (B, "narrows"), (N, "widens")),
    "response": ((N, "addition"), (N, "addition"), (B, "removal"), (B, "removal"), (N, "narrows"), (B, "widens")),
}
PROPERTY_CHANGES: dict[str, tuple[Level, Effect]] = {}
for _scope, _ids in PROPERTY_IDS.items():
    for _id, _level in zip(_ids, _PROPERTY_LEVELS[SCHEMA_PREFIXES[_scope][2]], strict=True):
        PROPERTY_CHANGES[_id] = _level  # type: ignore[assignment]

# Everything that is not about a schema's values: paths, operations, parameters, bodies, responses,
# headers, security, lifecycle, documentation.
OTHER_CHANGES: dict[str, tuple[Level, Effect]] = {
    "endpoint-added": (N, "addition"),
    "api-path-removed-without-deprecation": (B, "removal"),
    "api-path-removed-before-sunset": (B, "removal"),
    "api-path-removed-with-deprecation": (B, "removal"),
    "api-removed-without-deprecation": (B, "removal"),
    "api-removed-before-sunset": (B, "removal"),
    "api-removed-with-deprecation": (B, "removal"),
    "endpoint-deprecated": (N, "deprecation"),
    "endpoint-reactivated": (I, "reactivation"),
    "api-sunset-date-changed-too-small": (B, "tightened"),
    "api-sunset-changed": (I, "docs"),
    "api-operation-id-added": (I, "docs"),
    "api-operation-id-changed": (B, "incomparable"),
    "api-operation-id-removed": (B, "removal"),
    "api-tag-added": (I, "docs"),
    "api-tag-removed": (I, "docs"),
    "api-conformance-class-changed": (B, "incomparable"),
    "new-required-request-parameter": (B, "addition"),
    "new-optional-request-parameter": (N, "addition"),
    "request-parameter-removed": (B, "removal"),
    "request-parameter-became-required": (B, "narrows"),
    "request-parameter-became-optional": (N, "widens"),
    "request-parameter-serialization-changed": (B, "incomparable"),
    "request-parameter-deprecated": (N, "deprecation"),
    "request-parameter-reactivated": (I, "reactivation"),
    "request-parameter-sunset-date-changed-too-small": (B, "tightened"),
    "request-path-parameter-renamed": (I, "docs"),
    "added-required-request-body": (B, "addition"),
    "added-optional-request-body": (N, "addition"),
    "request-body-removed": (B, "removal"),
    "request-body-became-required": (B, "narrows"),
    "request-body-became-optional": (N, "widens"),
    "request-body-media-type-added": (N, "addition"),
    "request-body-media-type-removed": (B, "removal"),
    "request-body-media-type-schema-added": (B, "narrows"),
    "request-body-media-type-schema-removed": (N, "widens"),
    "response-success-status-added": (B, "widens"),
    "response-success-status-removed": (B, "removal"),
    "response-non-success-status-added": (N, "addition"),
    "response-non-success-status-removed": (N, "narrows"),
    "response-media-type-added": (N, "addition"),
    "response-media-type-removed": (B, "removal"),
    "response-body-media-type-schema-added": (N, "narrows"),
    "response-body-media-type-schema-removed": (B, "widens"),
    "response-required-header-added": (N, "addition"),
    "response-optional-header-added": (N, "addition"),
    "required-response-header-removed": (B, "removal"),
    "optional-response-header-removed": (B, "removal"),
    "response-header-became-required": (N, "narrows"),
    "response-header-became-optional": (B, "widens"),
    "api-security-added": (N, "relaxed"),
    "api-security-removed": (B, "tightened"),
    "api-anonymous-access-added": (N, "relaxed"),
    "api-anonymous-access-removed": (B, "tightened"),
    "api-security-scope-added": (B, "tightened"),
    "api-security-scope-removed": (N, "relaxed"),
    "api-security-component-added": (I, "docs"),
    "api-security-component-removed": (I, "docs"),
    "api-security-component-type-changed": (B, "incomparable"),
    "api-security-component-flows-changed": (I, "docs"),
    "webhook-added": (N, "addition"),
    "webhook-removed": (B, "removal"),
    "webhook-changed": (B, "incomparable"),
    "component-schema-added": (I, "docs"),
    "component-schema-removed": (I, "docs"),
    "api-server-added": (I, "docs"),
    "api-server-removed": (I, "docs"),
    "api-contact-changed": (I, "docs"),
    "api-license-changed": (I, "docs"),
    "description-changed": (I, "docs"),
    "summary-changed": (I, "docs"),
    "title-changed": (I, "docs"),
    "example-changed": (I, "docs"),
    "external-docs-changed": (I, "docs"),
    "link-changed": (I, "docs"),
    "document-changed": (I, "docs"),
}

# The data released beside the OpenAPI document is part of the contract too. Requirements are what
# certification checks and what clients may count on servers to do: a new obligation (a new
# requirement, a level raised, a MUST reworded, a requirement that applies to more servers) is work
# for suppliers certifying the new version, like a new operation, so it needs a minor version; a
# removed or weakened one takes away what clients relied on, so it is breaking.
REQUIREMENT_CHANGES: dict[str, tuple[Level, Effect]] = {
    "requirement-added": (N, "addition"),
    "requirement-removed": (B, "removal"),
    "requirement-level-raised": (N, "tightened"),
    "requirement-level-lowered": (B, "relaxed"),
    "requirement-must-text-changed": (N, "incomparable"),
    "requirement-text-changed": (I, "docs"),
    "requirement-class-changed": (B, "incomparable"),
    "requirement-applies-to-changed": (B, "incomparable"),
    "requirement-only-with-added": (B, "relaxed"),
    "requirement-only-with-removed": (N, "tightened"),
}
# Conformance classes and profiles: what a certificate names and a municipality calls off.
CONFORMANCE_CHANGES: dict[str, tuple[Level, Effect]] = {
    "conformance-class-added": (N, "addition"),
    "conformance-class-removed": (B, "removal"),
    "profile-added": (N, "addition"),
    "profile-removed": (B, "removal"),
    "profile-required-class-added": (N, "tightened"),
    "profile-optional-class-added": (N, "addition"),
    "profile-class-became-required": (N, "tightened"),
    "profile-class-became-optional": (B, "relaxed"),
    "profile-required-class-removed": (B, "removal"),
    "profile-optional-class-removed": (B, "removal"),
    "profile-required-client-operation-added": (N, "tightened"),
    "profile-optional-client-operation-added": (N, "addition"),
    "profile-client-operation-became-required": (N, "tightened"),
    "profile-client-operation-became-optional": (B, "relaxed"),
    "profile-required-client-operation-removed": (B, "removal"),
    "profile-optional-client-operation-removed": (B, "removal"),
    "conformance-description-changed": (I, "docs"),
}
DATA_FILES = {"requirements.yaml": REQUIREMENT_CHANGES, "conformance.yaml": CONFORMANCE_CHANGES}
# What each level needs, in the words of a change's message (while the major is 0, breaking needs a minor).
BUMP_NEEDED = {B: "breaking: needs a major version", N: "needs a minor version", I: "needs a patch version"}


def schema_change(scope: str, nested: bool, suffix: str) -> tuple[str, Level, Effect]:
    """The id, level and effect of a schema change where the schema sits (`scope`, below its top or not)."""
    top, below, direction = SCHEMA_PREFIXES[scope]
    request_level, response_level, effect = SCHEMA_CHANGES[suffix]
    return f"{below if nested else top}-{suffix}", request_level if direction == "request" else response_level, effect


def catalogue() -> Iterator[tuple[str, Level]]:
    """Every change id the diff can report, with its level, in a stable order."""
    for scope in SCHEMA_PREFIXES:
        for suffix in SCHEMA_CHANGES:
            for nested in (False, True):
                change_id, level, _ = schema_change(scope, nested, suffix)
                yield change_id, level
    for table in (PROPERTY_CHANGES, OTHER_CHANGES, *DATA_FILES.values()):
        for change_id, (level, _) in table.items():
            yield change_id, level


@dataclass(frozen=True)
class Change:
    """One difference between two versions, where it is and what a supplier must do about it."""

    id: str
    level: Level
    effect: Effect
    operation: str  # "GET /facilities", or "" for document-wide changes
    location: str  # where inside the operation (or document), in words
    pointer: str  # JSON pointer into the new document, or the old one for removals
    detail: str  # what changed, in one sentence
    old: Any = None
    new: Any = None
    removal: bool = False  # something a client may use is gone
    sanctioned: bool = False  # …and it was deprecated with a sunset that has passed

    @property
    def file(self) -> str | None:
        """The data file released beside the OpenAPI document that this change is about (None: the document)."""
        return next((name for name, ids in DATA_FILES.items() if self.id in ids), None)

    @property
    def where(self) -> str:
        return " › ".join(part for part in (self.operation, self.location) if part)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "where": self.where, "file": self.file}


def other(change_id: str) -> tuple[Level, Effect]:
    for table in (OTHER_CHANGES, PROPERTY_CHANGES, *DATA_FILES.values()):
        if change_id in table:
            return table[change_id]
    raise KeyError(change_id)
