"""Declaring checks and finding them all.

A check states up front which requirements it verifies; that link is what lets the report give a
verdict per requirement and show MUST requirements no check covers. So the registry refuses, at
import time, a check naming a requirement or class the standard does not have: a typo would
otherwise silently leave a requirement untested.
"""

from __future__ import annotations

import importlib
import itertools
import pkgutil
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import spec

from . import synthetic

if TYPE_CHECKING:
    from .context import CheckContext

CheckFunc = Callable[["CheckContext"], None]

CHECKS_PACKAGE = "conformance.checks"
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_order = itertools.count()


class RegistryError(Exception):
    """A check declaration contradicts the standard or another check."""


@dataclass(frozen=True)
class Check:
    id: str  # "<class>.<slug>", e.g. "discovery.near-radius"
    title: str
    requirements: tuple[str, ...]
    cls: str
    func: CheckFunc
    order: int  # declaration order, the order checks run in within their class


_registered: dict[str, Check] = {}


def _class_from_module(module: str) -> str | None:
    prefix = CHECKS_PACKAGE + "."
    if module.startswith(prefix) and "." not in module[len(prefix) :]:
        return module[len(prefix) :].replace("_", "-")
    return None


def build_check(func: CheckFunc, *, id: str, title: str, requirements: Sequence[str], cls: str | None = None) -> Check:
    """A validated `Check` for `func`; `check` registers what this builds.

    `id` is the slug ("near-radius") or the full id ("discovery.near-radius"); the class comes from
    `cls` or, for modules in conformance/checks/, from the module name ('_' becomes '-').
    """
    where = f"{func.__module__}.{func.__qualname__}"
    cls = cls or _class_from_module(func.__module__)
    if cls is None:
        raise RegistryError(f"{where}: pass cls= (only modules in {CHECKS_PACKAGE} imply a class)")
    if cls not in spec.class_ids():
        raise RegistryError(f"{where}: unknown conformance class {cls!r}; the standard has {spec.class_ids()}")
    slug = id.removeprefix(cls + ".")
    if not _SLUG.match(slug):
        raise RegistryError(f"{where}: check id {id!r} must be '<kebab-case slug>' or '{cls}.<slug>'")
    full_id = f"{cls}.{slug}"
    if full_id in {s.id for s in synthetic.ALL}:
        raise RegistryError(f"{where}: check id {full_id!r} is reserved for a result the runner computes")
    if not requirements:
        raise RegistryError(f"{where}: a check must name the requirements it verifies")
    unknown = [r for r in requirements if r not in spec.requirement_ids()]
    if unknown:
        raise RegistryError(f"{where}: unknown requirement id(s) {', '.join(unknown)}; see spec/v1/requirements.yaml")
    return Check(
        id=full_id,
        title=title,
        requirements=tuple(requirements),
        cls=cls,
        func=func,
        order=next(_order),
    )


def check(id: str, title: str, requirements: Sequence[str], cls: str | None = None) -> Callable[[CheckFunc], CheckFunc]:
    """Declare a check: `@check("near-radius", "…", requirements=["DISC-005"])`."""

    def register(func: CheckFunc) -> CheckFunc:
        built = build_check(func, id=id, title=title, requirements=requirements, cls=cls)
        if built.id in _registered:
            raise RegistryError(f"duplicate check id {built.id!r} ({func.__module__}.{func.__qualname__})")
        _registered[built.id] = built
        return func

    return register


def all_checks() -> list[Check]:
    """Every check in conformance/checks/, by class (in the standard's order), then declaration order."""
    package = importlib.import_module(CHECKS_PACKAGE)
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{CHECKS_PACKAGE}.{module.name}")
    class_rank = {c: i for i, c in enumerate(spec.class_ids())}
    return sorted(_registered.values(), key=lambda c: (class_rank[c.cls], c.order))
