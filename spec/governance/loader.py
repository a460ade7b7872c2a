"""Read an OpenAPI document from disk, whole: YAML or JSON, one file or split across several.

Governance compares and checks documents other than the one `spec` serves (a release, a proposed
change, a file being edited), so it reads files itself. A document split over several files
(`$ref: schemas.yaml#/components/schemas/Facility`) is bundled into one self-contained document
whose `$ref`s are all local; the tools then only ever follow local references. Every bundled part
remembers the file it came from (`Document.where`), so a finding points at the file to edit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from spec.governance import pointer

_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BASE_LOADER):  # type: ignore[misc]
    """YAML as JSON sees it: `2026-12-31` stays a string and `200:` a string key, as in the JSON form."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        # YAML wants each key once; parsers keep the last silently, so an edit can vanish unnoticed.
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicated key {key!r}: a mapping may hold each key once", key_node.start_mark
                )
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        if all(isinstance(k, str) for k in mapping):
            return mapping
        return {(str(k).lower() if isinstance(k, bool) else str(k)): v for k, v in mapping.items()}


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BASE_LOADER.yaml_implicit_resolvers.items()
}

_EXTERNAL_REF = re.compile(r"""\$ref["']?\s*:(?![\s"']*#)""")  # a `$ref` whose value does not start with #


class LoadError(Exception):
    """The file cannot be read as an OpenAPI document (missing, not YAML/JSON, dangling file reference)."""


def parse(text: str, name: str = "<text>") -> Any:
    try:
        if name.endswith(".json"):
            return json.loads(text)
        return yaml.load(text, Loader=_Loader)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise LoadError(f"{name}: not valid YAML or JSON: {exc}") from exc


def read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LoadError(f"cannot read {path}: {exc.strerror}") from exc
    return parse(text, path.name)


@dataclass
class Document:
    """An OpenAPI document with only local `$ref`s, and where each bundled part was defined."""

    root: dict[str, Any]
    source: Path | None = None
    origins: dict[str, str] = field(default_factory=dict)

    def target(self, ref: str) -> Any:
        return pointer.get(self.root, ref)

    def resolve(self, node: Any) -> Any:
        """Follow `$ref`s until a node that is not a reference (a loop of references yields {})."""
        return self.resolve_with_pointer(node, "")[0]

    def resolve_with_pointer(self, node: Any, at: str) -> tuple[Any, str]:
        """The node a reference leads to and the pointer of where it is defined."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                return {}, at
            seen.add(ref)
            try:
                node, at = self.target(ref), ref
            except (KeyError, IndexError, TypeError, ValueError):
                return {}, at
        return node, at

    def where(self, at: str) -> str:
        """The pointer in the file an architect edits: `schemas.yaml#/Facility/properties/name`."""
        best = ""
        for prefix in self.origins:
            if (at == prefix or at.startswith(prefix + "/")) and len(prefix) > len(best):
                best = prefix
        return self.origins[best] + at[len(best) :] if best else at


def from_dict(root: dict[str, Any], source: Path | None = None) -> Document:
    """A document already in memory; file references are resolved against `source`'s folder."""
    if not isinstance(root, dict):
        raise LoadError(f"{source or '<document>'}: an OpenAPI document is a mapping at the top level")
    if source is None:
        return Document(root)
    bundler = _Bundler(source.resolve(), root)
    return Document(bundler.bundle(), source, bundler.origins)


def load(path: Path | str) -> Document:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LoadError(f"cannot read {path}: {exc.strerror}") from exc
    root = parse(text, path.name)
    if not isinstance(root, dict):
        raise LoadError(f"{path}: an OpenAPI document is a mapping at the top level")
    if not _EXTERNAL_REF.search(text):
        return Document(root, path)
    return from_dict(root, path)


class _Bundler:
    """Copy a document, pulling every referenced part of another file in.

    A target under `components/<kind>/<name>` of another file becomes `components/<kind>/<name>` of
    the bundle (renamed on a clash); any other target is copied in place, unless it refers to
    itself, in which case it becomes a schema component so the recursion survives.
    """

    def __init__(self, root_path: Path, root: dict[str, Any]) -> None:
        self.root_path = root_path
        self.root = root
        self.files: dict[Path, Any] = {root_path: root}
        self.assigned: dict[tuple[Path, str], str] = {}
        self.inlining: set[tuple[Path, str]] = set()
        self.collected: dict[str, dict[str, Any]] = {}
        self.taken = {
            (kind, name)
            for kind, group in (root.get("components") or {}).items()
            if isinstance(group, dict)
            for name in group
        }
        self.origins: dict[str, str] = {}

    def bundle(self) -> dict[str, Any]:
        out: dict[str, Any] = self.rewrite(self.root, self.root_path, "#")
        if self.collected:
            components = out.setdefault("components", {})
            for kind, group in self.collected.items():
                components.setdefault(kind, {}).update(group)
        return out

    def rewrite(self, node: Any, file: Path, at: str) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                target_file, _, fragment = ref.partition("#")
                path = (file.parent / target_file).resolve() if target_file else file
                if path == self.root_path and not target_file:
                    return dict(node)
                return self.external(node, path, "#" + fragment, at)
            return {k: self.rewrite(v, file, pointer.join(at, k)) for k, v in node.items()}
        if isinstance(node, list):
            return [self.rewrite(v, file, pointer.join(at, i)) for i, v in enumerate(node)]
        return node

    def _file(self, path: Path) -> Any:
        if path not in self.files:
            self.files[path] = read(path)
        return self.files[path]

    def _label(self, path: Path, at: str) -> str:
        try:
            name = path.relative_to(self.root_path.parent).as_posix()
        except ValueError:
            name = path.as_posix()
        return f"{name}{at}" if at != "#" else name

    def _free_name(self, kind: str, name: str, path: Path) -> str:
        candidate, n = name, 1
        while (kind, candidate) in self.taken:
            n += 1
            candidate = f"{name}{path.stem.title().replace('-', '').replace('_', '')}{'' if n == 2 else n}"
        self.taken.add((kind, candidate))
        return candidate

    def external(self, node: dict[str, Any], path: Path, at_target: str, at: str) -> Any:
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        key = (path, at_target)
        if key in self.assigned:
            return {**siblings, "$ref": self.assigned[key]}
        if path == self.root_path:
            return {**siblings, "$ref": at_target}
        try:
            target = pointer.get(self._file(path), at_target)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise LoadError(f"{node['$ref']!r} (at {at}) does not resolve") from exc
        parts = pointer.tokens(at_target)
        if len(parts) == 3 and parts[0] == "components":
            kind, name = parts[1], self._free_name(parts[1], parts[2], path)
            local = self.assigned[key] = pointer.join("#/components", kind, name)
            self.origins[local] = self._label(path, at_target)
            self.collected.setdefault(kind, {})[name] = self.rewrite(target, path, local)
            return {**siblings, "$ref": local}
        if key in self.inlining:
            name = self._free_name("schemas", path.stem.title().replace("-", "").replace("_", ""), path)
            local = self.assigned[key] = pointer.join("#/components/schemas", name)
            self.origins[local] = self._label(path, at_target)
            return {**siblings, "$ref": local}
        self.inlining.add(key)
        content = self.rewrite(target, path, at)
        self.inlining.discard(key)
        if key in self.assigned:  # it referred to itself while being copied: keep it as a component
            local = self.assigned[key]
            self.collected.setdefault("schemas", {})[pointer.tokens(local)[-1]] = self.rewrite(target, path, local)
            return {**siblings, "$ref": local}
        self.origins[at] = self._label(path, at_target)
        return {**siblings, **content} if isinstance(content, dict) else content
