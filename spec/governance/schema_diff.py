"""Compare two JSON Schemas where a request or a response uses them, keyword by keyword.

The comparison follows `$ref`s on both sides at once. A pair of referenced schemas compared once
(in one scope) is remembered, so a component used by five hundred operations costs one comparison,
and a pair met again while it is still being compared is a recursion (a tree of categories, a
linked list) and stops there. Results are relative to the schema compared (a path of property
names), so a remembered result can be placed under any operation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from spec.governance import lifecycle
from spec.governance.changes import (
    BOUNDS,
    PROPERTY_IDS,
    RULE_KEYWORDS,
    SCHEMA_PREFIXES,
    Effect,
    Level,
    other,
    schema_change,
)
from spec.governance.loader import Document
from spec.governance.pointer import join

ANNOTATIONS = frozenset(
    {
        "description",
        "title",
        "examples",
        "example",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$comment",
        "externalDocs",
        "x-sunset",
        "default",
    }
)
_Key = tuple[str, str, str, bool, bool, bool]  # old pointer, new pointer, scope, nested, old/new made nullable
_Add = Callable[..., None]  # add(suffix, pointer, detail, old=None, new=None)
_Sub = Callable[[Any, str, Any, str, str, bool], None]  # compare a pair of subschemas below this one
ANY_STRING = frozenset({"", ".*", "^.*$", "^(.*)$", "^(?:.*)$", ".*?", "^.*?$", "[\\s\\S]*", "^[\\s\\S]*$"})


@dataclass(frozen=True)
class Found:
    """A schema change, placed relative to the schema compared."""

    id: str
    level: Level
    effect: Effect
    path: tuple[str, ...]  # property names below the compared schema; "[]" for array items
    pointer: str
    detail: str
    old: Any = None
    new: Any = None
    removal: bool = False
    sanctioned: bool = False

    def under(self, step: str) -> Found:
        return replace(self, path=(step, *self.path)) if step else self


def path_text(path: tuple[str, ...]) -> str:
    """("items", "[]", "name") → "items[] › name"."""
    parts: list[str] = []
    for step in path:
        if step.startswith("[") and parts:
            parts[-1] += step
        else:
            parts.append(step)
    return " › ".join(parts)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _types(schema: dict[str, Any]) -> frozenset[str] | None:
    declared = schema.get("type")
    if isinstance(declared, str):
        return frozenset({declared}) - {"null"} or None
    if isinstance(declared, list) and declared:
        return frozenset(str(t) for t in declared) - {"null"} or None
    return None


def _may_be_array(schema: dict[str, Any]) -> bool:
    types = _types(schema)
    return types is None or "array" in types


def _nullable(schema: dict[str, Any]) -> bool:
    declared = schema.get("type")
    if declared == "null" or (isinstance(declared, list) and "null" in declared) or schema.get("nullable") is True:
        return True
    return any(
        isinstance(alt, dict) and alt.get("type") == "null"
        for key in ("oneOf", "anyOf")
        for alt in schema.get(key) or []
    )


def _bound(schema: dict[str, Any], keyword: str) -> float | None:
    """A bound with OpenAPI 3.0's boolean exclusiveMinimum/Maximum read as 3.1's numbers."""
    if keyword in ("minimum", "maximum"):
        exclusive = "exclusiveMinimum" if keyword == "minimum" else "exclusiveMaximum"
        if schema.get(exclusive) is True:
            return None
    elif schema.get(keyword) is True:
        return _number(schema.get("minimum" if keyword == "exclusiveMinimum" else "maximum"))
    return _number(schema.get(keyword))


def _number(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _pattern(schema: dict[str, Any]) -> str | None:
    value = schema.get("pattern")
    return value if isinstance(value, str) and value not in ANY_STRING else None


def _as_schema(node: Any) -> dict[str, Any]:
    if node is True or node is None:
        return {}
    if node is False:
        return {"not": {}}
    return node if isinstance(node, dict) else {}


def _annotation_only(schema: dict[str, Any]) -> bool:
    return all(k in ANNOTATIONS or k.startswith("x-") for k in schema)


def _unwrap_null(node: Any) -> tuple[Any, bool]:
    """`oneOf: [{type: 'null'}, X]` is X that may be null: compare it as X, marked nullable."""
    if not isinstance(node, dict):
        return node, False
    for keyword in ("oneOf", "anyOf"):
        alternatives = node.get(keyword)
        if (
            isinstance(alternatives, list)
            and len(alternatives) == 2
            and not set(node) - {keyword, *ANNOTATIONS}
            and any(alt == {"type": "null"} for alt in alternatives)
        ):
            inner = next(alt for alt in alternatives if alt != {"type": "null"})
            extra = {k: v for k, v in node.items() if k != keyword}
            return ({**inner, **extra} if extra and isinstance(inner, dict) else inner), True
    return node, False


class SchemaDiffer:
    """Compares schemas of two documents; one instance per diff, so remembered pairs are shared."""

    def __init__(self, old: Document, new: Document, today: date) -> None:
        self.old = old
        self.new = new
        self.today = today
        self.memo: dict[_Key, list[Found]] = {}
        self.stack: set[_Key] = set()

    def compare(self, o: Any, o_at: str, n: Any, n_at: str, scope: str, nested: bool = False) -> list[Found]:
        return self._compare(o, o_at, n, n_at, scope, nested)[0]

    def _deref(self, document: Document, node: Any, at: str) -> tuple[dict[str, Any], str, bool]:
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            target, where = document.resolve_with_pointer(node, at)
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            merged = {**_as_schema(target), **siblings} if siblings else _as_schema(target)
            return merged, where, True
        return _as_schema(node), at, False

    def _compare(
        self, o: Any, o_at: str, n: Any, n_at: str, scope: str, nested: bool
    ) -> tuple[list[Found], frozenset[_Key]]:
        if o is n:
            return [], frozenset()
        (o, o_null), (n, n_null) = _unwrap_null(o), _unwrap_null(n)
        o_res, o_ptr, o_ref = self._deref(self.old, o, o_at)
        n_res, n_ptr, n_ref = self._deref(self.new, n, n_at)
        if o_null:
            o_res = {**o_res, "nullable": True}
        if n_null:
            n_res = {**n_res, "nullable": True}
        if not (o_ref or n_ref):
            return self._compare_resolved(o_res, o_ptr, n_res, n_ptr, scope, nested)
        key = (o_ptr, n_ptr, scope, nested, o_null, n_null)
        if key in self.memo:
            return self.memo[key], frozenset()
        if key in self.stack:
            return [], frozenset({key})
        self.stack.add(key)
        try:
            found, cuts = self._compare_resolved(o_res, o_ptr, n_res, n_ptr, scope, nested)
        finally:
            self.stack.discard(key)
        cuts -= {key}
        if not cuts:  # complete: no recursion was cut short below an ancestor still being compared
            self.memo[key] = found
        return found, cuts

    def _compare_resolved(
        self, o: dict[str, Any], o_at: str, n: dict[str, Any], n_at: str, scope: str, nested: bool
    ) -> tuple[list[Found], frozenset[_Key]]:
        if o is n:
            return [], frozenset()
        out: list[Found] = []
        cuts: set[_Key] = set()

        def add(suffix: str, at: str, detail: str, old: Any = None, new: Any = None) -> None:
            change_id, level, effect = schema_change(scope, nested, suffix)
            out.append(Found(change_id, level, effect, (), at, detail, old, new))

        def sub(oo: Any, oa: str, nn: Any, na: str, step: str, below: bool) -> None:
            found, cut = self._compare(oo, oa, nn, na, scope, below)
            out.extend(f.under(step) for f in found)
            cuts.update(cut)

        if "oneOf" not in o and o and n.get("oneOf") and not set(n) - {"oneOf", "discriminator", *ANNOTATIONS}:
            add("wrapped-in-one-of", join(n_at, "oneOf"), "is now one of several alternatives (oneOf)")
            return out, frozenset()
        self._types(o, o_at, n, n_at, scope, nested, add)
        if self._scalar_to_array(o, n, scope, nested):  # the old value's rules now apply to each item
            without_type = {k: v for k, v in o.items() if k != "type"}
            items = _as_schema(self.new.resolve(n.get("items")))
            sub(without_type, o_at, {k: v for k, v in items.items() if k != "type"}, join(n_at, "items"), "[]", False)
            return out, frozenset(cuts)
        self._values(o, n, n_at, o_at, add)
        self._rules(o, o_at, n, n_at, add)
        self._combinators(o, o_at, n, n_at, add, sub)
        self._properties(o, o_at, n, n_at, scope, nested, out, sub)
        self._additional(o, o_at, n, n_at, add, sub)
        if isinstance(o.get("items"), dict | bool) and isinstance(n.get("items"), dict | bool):
            sub(o["items"], join(o_at, "items"), n["items"], join(n_at, "items"), "[]", nested)
        elif _may_be_array(o) and _may_be_array(n) and ("items" in n) != ("items" in o):
            if "items" in n:
                add("items-added", join(n_at, "items"), "array items are now constrained")
            else:
                add("items-removed", join(o_at, "items"), "array items are no longer constrained")
        return out, frozenset(cuts)

    def _types(
        self, o: dict[str, Any], o_at: str, n: dict[str, Any], n_at: str, scope: str, nested: bool, add: _Add
    ) -> None:
        ot, nt = _types(o), _types(n)
        if ot != nt:
            # In a URL or header every value is text: a parameter that becomes a string still takes them all.
            as_text = ("boolean", "integer", "number") if scope == "request-parameter" else ()

            def covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
                return all(
                    t in wide or (t == "integer" and "number" in wide) or (t in as_text and "string" in wide)
                    for t in narrow
                )

            label = f"type changed from {_show(sorted(ot) if ot else 'any')} to {_show(sorted(nt) if nt else 'any')}"
            if ot is None:
                add("type-specialized", join(n_at, "type"), label, None, sorted(nt or ()))
            elif nt is None:
                add("type-generalized", join(o_at, "type"), label, sorted(ot), None)
            elif self._scalar_to_array(o, n, scope, nested):
                add(
                    "type-generalized",
                    join(n_at, "type"),
                    label + " (a single value is still accepted)",
                    sorted(ot),
                    sorted(nt),
                )
            else:
                lists = len(ot) > 1 or len(nt) > 1
                if covers(nt, ot):
                    suffix = "list-of-types-widened" if lists else "type-generalized"
                elif covers(ot, nt):
                    suffix = "list-of-types-narrowed" if lists else "type-specialized"
                else:
                    suffix = "type-changed"
                add(suffix, join(n_at, "type"), label, sorted(ot), sorted(nt))
        if _nullable(o) != _nullable(n):
            add(
                "became-nullable" if _nullable(n) else "became-not-nullable",
                n_at,
                "may now be null" if _nullable(n) else "may no longer be null",
            )
        of, nf = o.get("format"), n.get("format")
        if of != nf:
            if of and nf:
                add("format-changed", join(n_at, "format"), f"format changed from {of} to {nf}", of, nf)
            elif nf:
                add("format-added", join(n_at, "format"), f"now has format {nf}", None, nf)
            else:
                add("format-removed", join(o_at, "format"), f"no longer has format {of}", of, None)

    def _scalar_to_array(self, o: dict[str, Any], n: dict[str, Any], scope: str, nested: bool) -> bool:
        """A query parameter that became an array of what it was: `?x=a` still means the same."""
        if (
            scope != "request-parameter"
            or nested
            or _types(n) != frozenset({"array"})
            or "array" in (_types(o) or {"array"})
        ):
            return False
        items = _types(_as_schema(self.new.resolve(n.get("items")))) or frozenset()
        return all(t in items or "string" in items for t in _types(o) or ())

    def _values(self, o: dict[str, Any], n: dict[str, Any], n_at: str, o_at: str, add: _Add) -> None:
        oe, ne = o.get("enum"), n.get("enum")
        if isinstance(oe, list) and isinstance(ne, list):
            old_values, new_values = {_key(v): v for v in oe}, {_key(v): v for v in ne}
            for k, v in old_values.items():
                if k not in new_values:
                    add("enum-value-removed", join(o_at, "enum"), f"value {_show(v)} is no longer allowed", v, None)
            for k, v in new_values.items():
                if k not in old_values:
                    add("enum-value-added", join(n_at, "enum"), f"value {_show(v)} is now allowed", None, v)
        elif isinstance(ne, list):
            add("became-enum", join(n_at, "enum"), f"is now restricted to {_show(ne)}", None, ne)
        elif isinstance(oe, list):
            add("became-not-enum", join(o_at, "enum"), f"is no longer restricted to {_show(oe)}", oe, None)
        if "const" in o or "const" in n:
            if "const" not in o:
                add("const-added", join(n_at, "const"), f"must now be {_show(n['const'])}", None, n["const"])
            elif "const" not in n:
                add("const-removed", join(o_at, "const"), f"no longer has to be {_show(o['const'])}", o["const"])
            elif _key(o["const"]) != _key(n["const"]):
                add(
                    "const-changed",
                    join(n_at, "const"),
                    f"must now be {_show(n['const'])} instead of {_show(o['const'])}",
                    o["const"],
                    n["const"],
                )
        present = o.keys() | n.keys()
        for keyword, (name, _) in BOUNDS.items():
            if keyword not in present:
                continue
            ov, nv = _bound(o, keyword), _bound(n, keyword)
            if ov == nv:
                continue
            if ov is None:
                add(f"{name}-set", join(n_at, keyword), f"{keyword} {nv:g} added", None, nv)
            elif nv is None:
                add(f"{name}-unset", join(o_at, keyword), f"{keyword} {ov:g} removed", ov, None)
            else:
                verb = "increased" if nv > ov else "decreased"
                add(f"{name}-{verb}", join(n_at, keyword), f"{keyword} {verb} from {ov:g} to {nv:g}", ov, nv)
        op, np = _pattern(o), _pattern(n)
        if op != np:
            if op is None:
                add("pattern-added", join(n_at, "pattern"), f"must now match {np}", None, np)
            elif np is None:
                add("pattern-removed", join(o_at, "pattern"), f"no longer has to match {op}", op, None)
            else:
                add("pattern-changed", join(n_at, "pattern"), f"must now match {np} instead of {op}", op, np)
        if _number(o.get("multipleOf")) != _number(n.get("multipleOf")):
            add(
                "multiple-of-changed",
                join(n_at, "multipleOf"),
                f"multipleOf changed from {o.get('multipleOf')} to {n.get('multipleOf')}",
                o.get("multipleOf"),
                n.get("multipleOf"),
            )
        if bool(o.get("uniqueItems")) != bool(n.get("uniqueItems")):
            add(
                "unique-items-set" if n.get("uniqueItems") else "unique-items-unset",
                join(n_at, "uniqueItems"),
                "items must now be unique" if n.get("uniqueItems") else "items no longer have to be unique",
            )
        if "default" in o or "default" in n:
            if "default" not in o:
                add(
                    "default-value-added",
                    join(n_at, "default"),
                    f"default {_show(n['default'])} added",
                    None,
                    n["default"],
                )
            elif "default" not in n:
                add(
                    "default-value-removed",
                    join(o_at, "default"),
                    f"default {_show(o['default'])} removed",
                    o["default"],
                )
            elif _key(o["default"]) != _key(n["default"]):
                add(
                    "default-value-changed",
                    join(n_at, "default"),
                    f"default changed from {_show(o['default'])} to {_show(n['default'])}",
                    o["default"],
                    n["default"],
                )
        od, nd = o.get("discriminator"), n.get("discriminator")
        if _key(od) != _key(nd):
            verb = "added" if od is None else "removed" if nd is None else "changed"
            add(f"discriminator-{verb}", join(n_at if nd else o_at, "discriminator"), f"discriminator {verb}", od, nd)

    def _rules(self, o: dict[str, Any], o_at: str, n: dict[str, Any], n_at: str, add: _Add) -> None:
        for keyword in RULE_KEYWORDS.keys() & (o.keys() | n.keys()):
            name = RULE_KEYWORDS[keyword]
            if keyword not in o:
                add(f"{name}-added", join(n_at, keyword), f"`{keyword}` added", None, n[keyword])
            elif keyword not in n:
                add(f"{name}-removed", join(o_at, keyword), f"`{keyword}` removed", o[keyword], None)
            elif _key(o[keyword]) != _key(n[keyword]):
                add(f"{name}-changed", join(n_at, keyword), f"`{keyword}` changed", o[keyword], n[keyword])

    def _match(
        self, olds: list[Any], news: list[Any], o_at: str, n_at: str
    ) -> tuple[list[tuple[int, int]], list[int], list[int]]:
        """Pair alternatives: same reference target, then equal content, then in order."""

        def ref(document: Document, node: Any, at: str) -> str | None:
            return document.resolve_with_pointer(node, at)[1] if isinstance(node, dict) and "$ref" in node else None

        o_left, n_left = list(range(len(olds))), list(range(len(news)))
        pairs: list[tuple[int, int]] = []

        def same_target(i: int, j: int) -> bool:
            target = ref(self.old, olds[i], o_at)
            return target is not None and target == ref(self.new, news[j], n_at)

        def same_content(i: int, j: int) -> bool:
            return _key(olds[i]) == _key(news[j])

        for same in (same_target, same_content):
            for i in list(o_left):
                j = next((j for j in n_left if same(i, j)), None)
                if j is not None:
                    pairs.append((i, j))
                    o_left.remove(i)
                    n_left.remove(j)
        refs_only = all(isinstance(x, dict) and "$ref" in x for x in [*olds, *news])
        if not refs_only:  # renamed references are different alternatives; inline ones changed in place
            while o_left and n_left:
                pairs.append((o_left.pop(0), n_left.pop(0)))
        return pairs, n_left, o_left

    def _combinators(self, o: dict[str, Any], o_at: str, n: dict[str, Any], n_at: str, add: _Add, sub: _Sub) -> None:
        for keyword, name in (("oneOf", "one-of"), ("anyOf", "any-of"), ("allOf", "all-of")):
            olds, news = o.get(keyword) or [], n.get(keyword) or []
            if not isinstance(olds, list) or not isinstance(news, list) or (not olds and not news):
                continue
            pairs, added, removed = self._match(olds, news, join(o_at, keyword), join(n_at, keyword))
            for j in added:
                part = _as_schema(self.new.resolve(news[j]))
                suffix = (
                    f"{name}-added-annotation-only"
                    if keyword == "allOf" and _annotation_only(part)
                    else f"{name}-added"
                )
                add(suffix, join(n_at, keyword, j), f"{keyword} part {j + 1} added", None, news[j])
            for i in removed:
                add(f"{name}-removed", join(o_at, keyword, i), f"{keyword} part {i + 1} removed", olds[i], None)
            for i, j in pairs:
                step = "" if keyword == "allOf" else f"[{keyword} {j + 1}]"
                sub(olds[i], join(o_at, keyword, i), news[j], join(n_at, keyword, j), step, step != "")

    def _visible(self, document: Document, node: Any, direction: str) -> bool:
        """Read-only properties are not sent in requests; write-only ones never come back in responses.

        An invisible property cannot appear, disappear or become required on that side (OpenAPI: `required`
        on a readOnly property binds responses only).
        """
        schema = _as_schema(document.resolve(node))
        flags = {**schema, **(node if isinstance(node, dict) else {})}
        return not flags.get("readOnly" if direction == "request" else "writeOnly")

    def _properties(
        self,
        o: dict[str, Any],
        o_at: str,
        n: dict[str, Any],
        n_at: str,
        scope: str,
        nested: bool,
        out: list[Found],
        sub: _Sub,
    ) -> None:
        direction = SCHEMA_PREFIXES[scope][2]
        ids = PROPERTY_IDS[scope]
        o_props = {k: v for k, v in (o.get("properties") or {}).items() if self._visible(self.old, v, direction)}
        n_props = {k: v for k, v in (n.get("properties") or {}).items() if self._visible(self.new, v, direction)}
        o_req = {r for r in o.get("required") or [] if isinstance(r, str)}
        n_req = {r for r in n.get("required") or [] if isinstance(r, str)}
        hidden = {
            k
            for k in [*(o.get("properties") or {}), *(n.get("properties") or {})]
            if k not in o_props and k not in n_props
        }

        def emit(change_id: str, at: str, detail: str, **extra: Any) -> None:
            level, effect = other(change_id)
            out.append(Found(change_id, level, effect, (), at, detail, **extra))

        for name in sorted({*o_props, *n_props, *o_req, *n_req} - hidden):
            at_new, at_old = join(n_at, "properties", name), join(o_at, "properties", name)
            if name in n_props and name not in o_props:
                required = name in n_req
                emit(
                    ids[0] if required else ids[1],
                    at_new,
                    f"new {'required' if required else 'optional'} property `{name}`",
                )
            elif name in o_props and name not in n_props and name not in n_req:
                old_node = o_props[name]
                effective = {**_as_schema(self.old.resolve(old_node)), **_as_schema(old_node)}
                required = name in o_req
                sanctioned = lifecycle.removable(effective, self.today)
                emit(
                    ids[2] if required else ids[3],
                    at_old,
                    f"{'required' if required else 'optional'} property `{name}` removed"
                    + (" after its sunset" if sanctioned else ""),
                    removal=True,
                    sanctioned=sanctioned,
                )
            else:
                if (name in o_req) != (name in n_req):
                    became = name in n_req
                    emit(
                        ids[4] if became else ids[5],
                        at_new if name in n_props else n_at,
                        f"property `{name}` is now {'required' if became else 'optional'}",
                    )
                if name in o_props and name in n_props:
                    self._lifecycle(o_props[name], n_props[name], at_new, name, scope, out)
                    sub(o_props[name], at_old, n_props[name], at_new, name, True)
        if direction == "request":
            # readOnly is an annotation (JSON Schema 2020-12): a client may still send the property, and a
            # server validating the request applies its rules. So its rules count; its presence does not.
            o_all, n_all = o.get("properties") or {}, n.get("properties") or {}
            for name in sorted(hidden & o_all.keys() & n_all.keys()):
                sub(
                    o_all[name], join(o_at, "properties", name), n_all[name], join(n_at, "properties", name), name, True
                )

    def _lifecycle(self, o: Any, n: Any, at: str, name: str, scope: str, out: list[Found]) -> None:
        was = lifecycle.is_deprecated(o) or lifecycle.is_deprecated(self.old.resolve(o))
        now = lifecycle.is_deprecated(n) or lifecycle.is_deprecated(self.new.resolve(n))
        if was != now:
            change_id, level, effect = schema_change(scope, True, "deprecated" if now else "reactivated")
            when = lifecycle.sunset(n if isinstance(n, dict) and "x-sunset" in n else self.new.resolve(n))
            detail = (
                f"property `{name}` is deprecated" + (f", sunset {when}" if when else "")
                if now
                else f"property `{name}` is no longer deprecated"
            )
            out.append(Found(change_id, level, effect, (), at, detail, new=str(when) if when else None))

    def _additional(self, o: dict[str, Any], o_at: str, n: dict[str, Any], n_at: str, add: _Add, sub: _Sub) -> None:
        oa, na = o.get("additionalProperties"), n.get("additionalProperties")
        o_closed, n_closed = oa is False, na is False
        o_schema, n_schema = isinstance(oa, dict) and bool(oa), isinstance(na, dict) and bool(na)
        if o_schema and n_schema:
            sub(oa, join(o_at, "additionalProperties"), na, join(n_at, "additionalProperties"), "{*}", True)
        elif (n_closed or n_schema) and not (o_closed or o_schema):
            add(
                "additional-properties-forbidden",
                join(n_at, "additionalProperties"),
                "no longer accepts properties beyond those listed"
                if n_closed
                else "extra properties are now constrained",
            )
        elif ((o_closed or o_schema) and not (n_closed or n_schema)) or (o_closed and n_schema):
            add(
                "additional-properties-allowed",
                join(n_at, "additionalProperties"),
                "now accepts properties beyond those listed",
            )
        elif o_schema and n_closed:
            add(
                "additional-properties-forbidden",
                join(n_at, "additionalProperties"),
                "no longer accepts properties beyond those listed",
            )
