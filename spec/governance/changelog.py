"""`bokbid spec changelog OLD NEW`: what changed, grouped the way a supplier plans work.

Suppliers build both sides of the standard (servers for municipalities, clients for citizens and
associations), so each entry says what clients and servers have to do, not only what changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from spec.governance.changes import Change
from spec.governance.versioning import Verdict

REQUIREMENTS_FILE = "requirements.yaml"

SECTIONS = ("Breaking", "Added", "Changed", "Deprecated")
REPEATED = 3  # this many places with the same change are listed under one entry


def section(change: Change) -> str:
    if change.level == "breaking":
        return "Breaking"
    if change.effect == "deprecation":
        return "Deprecated"
    if change.effect in ("addition", "widens", "relaxed") and change.level == "non-breaking":
        return "Added"
    return "Changed"


def _grouped(changes: list[Change]) -> list[list[Change]]:
    """Changes with the same id and wording, in order of first appearance.

    One edit to a shared schema (say a property added to the problem details) shows up in every
    response that uses it; a supplier should read that as one change listing its places, not as
    a hundred entries that hide the others.
    """
    groups: dict[tuple[str, str], list[Change]] = {}
    for change in changes:
        groups.setdefault((change.id, change.detail), []).append(change)
    return list(groups.values())


def _in_request(change: Change) -> bool:
    return "request" in change.id


def action(change: Change) -> str:
    """What clients and servers do about a change, in one or two short sentences."""
    effect = change.effect
    if effect == "narrows":
        return (
            "Clients: send only values the new rule accepts. Servers: refuse the rest."
            if _in_request(change)
            else "Servers: return only what the narrower rule allows. Clients: no action."
        )
    if effect == "widens":
        return (
            "Servers: accept the wider input. Clients: no action; use it when you need it."
            if _in_request(change)
            else "Clients: handle the new values before talking to servers of this version. Servers: may return them."
        )
    if effect == "incomparable":
        return "Clients and servers: move to the new definition."
    if effect == "addition":
        if change.level == "breaking":
            return "Clients: send it from this version on. Servers: require it."
        return "Servers: implement it. Clients: use it when you need it."
    if effect == "removal":
        return "Clients: stop relying on it. Servers: may drop it."
    if effect == "deprecation":
        when = f" before its sunset ({change.new})" if change.new else ""
        return f"Clients: move away from it{when}. Servers: keep it working until then."
    if effect == "tightened":
        return "Clients: obtain the credentials or scopes now needed. Servers: enforce them."
    if effect == "relaxed":
        return "Servers: accept the additional way of calling. Clients: no action."
    return "No action."


def _catalogue(folder: Path | None) -> dict[str, dict[str, Any]] | None:
    path = folder / REQUIREMENTS_FILE if folder is not None else None
    if path is None or not path.is_file():
        return None
    return {r["id"]: r for r in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("requirements", [])}


def requirement_changes(old_folder: Path | None, new_folder: Path | None) -> list[str]:
    """What changed in the requirements catalogue beside the two OpenAPI files (empty without both).

    The OpenAPI diff cannot see these, yet they decide certification: a new MUST is work for every
    server supplier that wants a certificate for the new version.
    """
    old, new = _catalogue(old_folder), _catalogue(new_folder)
    if old is None or new is None:
        return []
    lines = []
    for rid, req in new.items():
        label = f"**{rid}** ({req['level']}, {req['class']})"
        if rid not in old:
            todo = "Servers: implement it to be certified for this version." if req["level"] == "MUST" else ""
            lines.append(f"- {label}, new: {req['text']['en']} {todo}".rstrip())
            continue
        was = old[rid]
        changed = [
            f"{key} {was.get(key)} → {req.get(key)}"
            for key in ("level", "class", "onlyWith")
            if was.get(key) != req.get(key)
        ]
        if was["text"] != req["text"]:
            changed.append(f"now reads: {req['text']['en']}")
        if changed:
            lines.append(f"- {label}: " + "; ".join(changed))
    lines += [
        f"- **{rid}** ({req['level']}, {req['class']}) removed: no longer checked."
        for rid, req in old.items()
        if rid not in new
    ]
    return lines


def render(verdict: Verdict, title: str | None = None, requirements: list[str] | None = None) -> str:
    changes = verdict.changes
    lines = [f"# {title or f'Changes from {verdict.old_version} to {verdict.new_version}'}", ""]
    counts = {s: sum(1 for c in changes if section(c) == s) for s in SECTIONS}
    catalogue = ["## Requirements", "", *(requirements or []), ""] if requirements else []
    if not changes:
        return "\n".join([*lines, "No changes to the interface.", "", *catalogue])
    lines += [
        f"Version {verdict.new_version} (from {verdict.old_version}): "
        + ", ".join(f"{n} {s.lower()}" for s, n in counts.items() if n)
        + "."
        + ("" if verdict.ok else " **This version does not pass `bokbid spec check-version`.**"),
        "",
    ]
    for name in SECTIONS:
        picked = [c for c in changes if section(c) == name]
        if not picked:
            continue
        lines += [f"## {name}", ""]
        contract = [c for c in picked if c.effect != "docs"]
        docs = [c for c in picked if c.effect == "docs"]
        for group in _grouped(contract):
            c = group[0]
            if len(group) < REPEATED:
                lines += [f"- **{g.where or 'The document'}**: {g.detail}. {action(g)} `{g.id}`" for g in group]
                continue
            lines.append(f"- **{len(group)} places**: {c.detail}. {action(c)} `{c.id}`")
            lines += [f"  - {g.where or 'the document'}" for g in group]
        if docs:
            if contract:
                lines.append("")
            lines.append("Documentation only (no action):")
            lines.append("")
            lines += [f"- {c.where or 'the document'}: {c.detail} `{c.id}`" for c in docs]
        lines.append("")
    return "\n".join([*lines, *catalogue])
