"""`bokbid spec lint`: our API design rules, checked natively on any OpenAPI document.

The rules come from BRIEF §3 (the DIGG REST API profile and the Dutch API Design Rules). Each has a
stable id (so a finding can be discussed, and never renumbered), a severity (`error` fails the lint,
`warn` and `info` advise) and says how to fix what it found, at the JSON pointer of the place.
Rules live in `spec/governance/rules/`, one module per theme, registered with `@rule`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any, Literal, TypeVar

from spec.governance import walk
from spec.governance.loader import Document, LoadError

T = TypeVar("T")

Severity = Literal["error", "warn", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warn", "info")

Issue = tuple[str, str]
"""(JSON pointer, message saying what is wrong and how to fix it) as a rule yields it."""


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str  # the design rule itself, one sentence
    check: Callable[[LintContext], Iterable[Issue]]


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    pointer: str
    message: str


RULES: dict[str, Rule] = {}


def rule(rule_id: str, severity: Severity, summary: str) -> Callable[[Callable[[LintContext], Iterable[Issue]]], Any]:
    """Register a check under a stable id; ids are never reused for another rule."""

    def register(check: Callable[[LintContext], Iterable[Issue]]) -> Callable[[LintContext], Iterable[Issue]]:
        if rule_id in RULES:
            raise ValueError(f"lint rule {rule_id} registered twice")
        RULES[rule_id] = Rule(rule_id, severity, summary, check)
        return check

    return register


def all_rules() -> dict[str, Rule]:
    import spec.governance.rules  # noqa: F401 - importing the package registers every rule

    return RULES


class LintContext:
    """One document and the views on it that several rules share, computed once."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.root = document.root
        self.shared: dict[str, Any] = {}  # what rule modules compute once and share (e.g. validators)

    def resolve(self, node: Any) -> Any:
        return self.document.resolve(node)

    @cached_property
    def operations(self) -> list[walk.Operation]:
        return walk.operations(self.document)

    @cached_property
    def schemas(self) -> list[tuple[dict[str, Any], str]]:
        return list(walk.all_schemas(self.document))

    @cached_property
    def media_types(self) -> list[tuple[str, dict[str, Any], str]]:
        return list(walk.media_types(self.document))

    @cached_property
    def parameter_objects(self) -> list[tuple[dict[str, Any], str]]:
        return list(walk.parameter_objects(self.document))

    def schema_type(self, schema: Any) -> set[str]:
        """The JSON types a schema allows as declared (through `$ref` and `allOf`); empty when open."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return set()
        declared = schema.get("type")
        if isinstance(declared, str):
            return {declared}
        if isinstance(declared, list):
            return {str(t) for t in declared}
        for part in schema.get("allOf") or []:
            found = self.schema_type(part)
            if found:
                return found
        return set()

    def schema_formats(self, schema: Any, depth: int = 0) -> set[str]:
        """Formats a value of this schema is declared with (through `$ref`, allOf, oneOf, anyOf)."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict) or depth > 20:
            return set()
        found = {schema["format"]} if isinstance(schema.get("format"), str) else set()
        for key in ("allOf", "oneOf", "anyOf"):
            for part in schema.get(key) or []:
                found |= self.schema_formats(part, depth + 1)
        return found

    def properties(self, schema: Any, depth: int = 0) -> dict[str, Any]:
        """Property name → schema, through `$ref` and `allOf` (what a client sees as the object's fields)."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict) or depth > 20:
            return {}
        found: dict[str, Any] = {}
        for part in schema.get("allOf") or []:
            found.update(self.properties(part, depth + 1))
        found.update(schema.get("properties") or {})
        return found


# What a rule trips over when the document is not the shape OpenAPI prescribes (a list where a map
# belongs, a null where an object belongs).
MALFORMED = (TypeError, AttributeError, KeyError, IndexError, ValueError)
STRUCTURE_RULES = ("oas3-schema", "oas3-json-schema")


class InvalidDocument(LoadError):
    """The document is not structurally valid OpenAPI, so it cannot be compared or rendered."""


def lint(document: Document, only: Iterable[str] | None = None) -> list[Finding]:
    """Every finding of every rule (or of the rules named in `only`), errors first, then by place.

    The structure rules run first. When they find the document malformed, a rule that trips over the
    malformation reports that it could not check instead of failing the whole lint; on a well-formed
    document such a failure is a bug and is raised.
    """
    rules = all_rules()
    names = list(only) if only is not None else list(rules)
    names.sort(key=lambda name: name not in STRUCTURE_RULES)
    context = LintContext(document)
    findings: list[Finding] = []
    for name in names:
        rule = rules[name]
        try:
            issues = list(rule.check(context))
        except MALFORMED:
            if not any(f.rule in STRUCTURE_RULES for f in findings):
                raise
            issues = [("#", "could not be checked: the document is not valid OpenAPI 3.1; fix the oas3 errors first.")]
        findings += [Finding(rule.id, rule.severity, document.where(at), message) for at, message in issues]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(findings, key=lambda f: (order[f.severity], f.pointer, f.rule))


def guard(action: Callable[[], T], **documents: Document) -> T:
    """Run `action` on documents; if it trips over a malformed one, say which and why (InvalidDocument)."""
    try:
        return action()
    except MALFORMED as exc:
        problems = [
            f"{label} ({document.source or 'document'}): {f.pointer}: {f.message}"
            for label, document in documents.items()
            for f in lint(document, only=STRUCTURE_RULES)[:3]
        ]
        if not problems:
            raise
        raise InvalidDocument("not valid OpenAPI 3.1; `bokbid spec lint` shows all:\n" + "\n".join(problems)) from exc


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    found: dict[str, int] = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        found[f.severity] += 1
    return found


def _shown(findings: list[Finding], least: Severity) -> list[Finding]:
    """The findings of severity `least` and above; the summary still counts them all."""
    rank = SEVERITIES.index(least)
    return [f for f in findings if SEVERITIES.index(f.severity) <= rank]


def render_text(findings: list[Finding], source: str, least: Severity = "info") -> str:
    shown = _shown(findings, least)
    lines = [f"{f.severity:<5}  {f.rule:<28} {f.pointer}\n       {f.message}" for f in shown]
    c = counts(findings)
    summary = f"{source}: {c['error']} errors, {c['warn']} warnings, {c['info']} notes"
    hidden = len(findings) - len(shown)
    if hidden:
        summary += f" ({hidden} below {least} not shown; --min-severity info shows every finding)"
    lines.append(summary)
    return "\n".join(lines)


def render_json(findings: list[Finding], source: str, least: Severity = "info") -> str:
    shown = [asdict(f) for f in _shown(findings, least)]
    return json.dumps({"file": source, "summary": counts(findings), "findings": shown}, indent=2, ensure_ascii=False)


def catalogue() -> Iterator[Rule]:
    """The rules in id order, for `bokbid spec lint --rules` and the architects' guide."""
    yield from sorted(all_rules().values(), key=lambda r: r.id)
