"""The requirements catalogue and the conformance classes beside two OpenAPI documents, compared.

`requirements.yaml` and `conformance.yaml` are released with the OpenAPI document and certification
is judged by them, so changing them needs a version bump just as changing the API does. They are
read from the folder of each document compared (a release, the working spec); a side without the
file has none, so a catalogue that appears is all new and one that disappears is all removed.
Each difference is a `Change` with the id and level `changes` gives it and a message that names
the requirement, class or profile and the version bump it needs; its pointer names the file
(`requirements.yaml#/requirements/14`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from spec.governance import loader
from spec.governance.changes import BUMP_NEEDED, Change, other
from spec.governance.loader import Document, LoadError
from spec.governance.pointer import join

REQUIREMENTS = "requirements.yaml"
CONFORMANCE = "conformance.yaml"
STRENGTH = {"MAY": 0, "SHOULD": 1, "MUST": 2}
_Entries = dict[str, tuple[int, dict[str, Any]]]  # id → (index in the file, entry)


def _entries(document: Document, name: str, key: str) -> _Entries:
    """The entries of `key` in the file `name` beside `document`, by id (none when there is no such file)."""
    path = document.source.parent / name if document.source is not None else None
    data = loader.read(path) if path is not None and path.is_file() else {}
    listed = data.get(key) if isinstance(data, dict) else None
    if listed is None:
        return {}
    if not isinstance(listed, list) or not all(isinstance(e, dict) and isinstance(e.get("id"), str) for e in listed):
        raise LoadError(f"{path}: `{key}` must be a list of entries, each with a string `id`")
    return {e["id"]: (i, e) for i, e in enumerate(listed)}


def _change(change_id: str, location: str, pointer: str, what: str, old: Any = None, new: Any = None) -> Change:
    level, effect = other(change_id)
    return Change(change_id, level, effect, "", location, pointer, f"{what}; {BUMP_NEEDED[level]}", old, new)


def _names(values: Any) -> set[str]:
    return {str(v) for v in values} if isinstance(values, list) else set()


def _languages(o: Any, n: Any) -> list[str]:
    """Which translations of a text differ (`text` itself when it is not given per language)."""
    if not (isinstance(o, dict) and isinstance(n, dict)):
        return ["text"]
    return sorted(str(k) for k in o.keys() | n.keys() if o.get(k) != n.get(k))


# -- requirements.yaml ----------------------------------------------------------------------------


def _requirements(old: _Entries, new: _Entries) -> Iterator[Change]:
    for rid, (i, req) in old.items():
        if rid not in new:
            where = join(f"{REQUIREMENTS}#/requirements", i)
            what = f"requirement {rid} ({req.get('level')}, class {req.get('class')}) removed"
            yield _change("requirement-removed", f"requirement {rid}", where, what, old=req)
    for rid, (i, req) in new.items():
        where = join(f"{REQUIREMENTS}#/requirements", i)
        if rid not in old:
            what = f"new {req.get('level')} requirement {rid} (class {req.get('class')})"
            yield _change("requirement-added", f"requirement {rid}", where, what, new=req)
        else:
            yield from _requirement(rid, old[rid][1], req, where)


def _requirement(rid: str, o: dict[str, Any], n: dict[str, Any], at: str) -> Iterator[Change]:
    location = f"requirement {rid}"
    was, now = o.get("level"), n.get("level")
    if was != now:
        raised = STRENGTH.get(str(now), -1) > STRENGTH.get(str(was), -1)
        what = f"requirement {rid} {'raised' if raised else 'lowered'} from {was} to {now}"
        change_id = "requirement-level-raised" if raised else "requirement-level-lowered"
        yield _change(change_id, location, join(at, "level"), what, o, n)
    o_text, n_text = o.get("text"), n.get("text")
    if o_text != n_text:
        must = "MUST" in (was, now)
        what = (
            f"the text of {'MUST' if must else now} requirement {rid} changed ({', '.join(_languages(o_text, n_text))})"
        )
        change_id = "requirement-must-text-changed" if must else "requirement-text-changed"
        yield _change(change_id, location, join(at, "text"), what, o, n)
    if o.get("class") != n.get("class"):
        what = f"requirement {rid} moved from class {o.get('class')} to {n.get('class')}"
        yield _change("requirement-class-changed", location, join(at, "class"), what, o, n)
    was_for, now_for = o.get("appliesTo", "server"), n.get("appliesTo", "server")
    if was_for != now_for:
        what = f"requirement {rid} now binds {now_for}s instead of {was_for}s"
        yield _change("requirement-applies-to-changed", location, join(at, "appliesTo"), what, o, n)
    o_with, n_with = _names(o.get("onlyWith")), _names(n.get("onlyWith"))
    if n_with - o_with:
        what = f"requirement {rid} now applies only to servers that also implement {', '.join(sorted(n_with - o_with))}"
        yield _change("requirement-only-with-added", location, join(at, "onlyWith"), what, o, n)
    if o_with - n_with:
        what = f"requirement {rid} no longer presupposes {', '.join(sorted(o_with - n_with))}"
        yield _change("requirement-only-with-removed", location, join(at, "onlyWith"), what, o, n)


# -- conformance.yaml -----------------------------------------------------------------------------

# How a class (or a client operation) stands in a profile before and after → the change id's pattern.
_TRANSITIONS = {
    (None, "required"): "profile-required-{}-added",
    (None, "optional"): "profile-optional-{}-added",
    ("optional", "required"): "profile-{}-became-required",
    ("required", "optional"): "profile-{}-became-optional",
    ("required", None): "profile-required-{}-removed",
    ("optional", None): "profile-optional-{}-removed",
}


def _standing(lists: Any) -> dict[str, str]:
    """`{required: [a], optional: [b]}` → {a: required, b: optional} (required wins if listed twice)."""
    lists = lists if isinstance(lists, dict) else {}
    return {
        **dict.fromkeys(_names(lists.get("optional")), "optional"),
        **dict.fromkeys(_names(lists.get("required")), "required"),
    }


def _described(kind: str, key: str, o: _Entries, n: _Entries) -> Iterator[Change]:
    """Entries added and removed, and changed titles or descriptions, of `classes` or `profiles`."""
    noun = "conformance class" if key == "classes" else "profile"
    for name, (i, entry) in o.items():
        if name not in n:
            where = join(f"{CONFORMANCE}#/{key}", i)
            yield _change(f"{kind}-removed", f"{noun} {name}", where, f"{noun} {name} removed", old=entry)
    for name, (i, entry) in n.items():
        where = join(f"{CONFORMANCE}#/{key}", i)
        if name not in o:
            yield _change(f"{kind}-added", f"{noun} {name}", where, f"new {noun} {name}", new=entry)
            continue
        was = o[name][1]
        edited = [k for k in ("title", "description") if was.get(k) != entry.get(k)]
        if edited:
            what = f"{' and '.join(edited)} of {noun} {name} changed"
            yield _change("conformance-description-changed", f"{noun} {name}", where, what, was, entry)


def _profiles(o: _Entries, n: _Entries) -> Iterator[Change]:
    for name, (i, profile) in n.items():
        if name not in o:
            continue
        was, at = o[name][1], join(f"{CONFORMANCE}#/profiles", i)
        for noun, before, after in (
            ("class", _standing(was), _standing(profile)),
            (
                "client-operation",
                _standing(was.get("clientOperations")),
                _standing(profile.get("clientOperations")),
            ),
        ):
            for member in sorted(before.keys() | after.keys()):
                step = (before.get(member), after.get(member))
                if step[0] == step[1]:
                    continue
                words = noun.replace("-", " ")
                what = f"{words} {member}: {step[0] or 'not listed'} → {step[1] or 'not listed'} in profile {name}"
                change_id = _TRANSITIONS[step].format(noun)
                yield _change(change_id, f"profile {name} › {words} {member}", at, what, step[0], step[1])


def diff(old: Document, new: Document) -> list[Change]:
    """Every change to the requirements and the conformance classes beside `old` and `new`."""
    o_req, n_req = (_entries(d, REQUIREMENTS, "requirements") for d in (old, new))
    o_classes, n_classes = (_entries(d, CONFORMANCE, "classes") for d in (old, new))
    o_profiles, n_profiles = (_entries(d, CONFORMANCE, "profiles") for d in (old, new))
    return [
        *_requirements(o_req, n_req),
        *_described("conformance-class", "classes", o_classes, n_classes),
        *_described("profile", "profiles", o_profiles, n_profiles),
        *_profiles(o_profiles, n_profiles),
    ]
