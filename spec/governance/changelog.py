"""`bokbid spec changelog OLD NEW`: what changed, grouped the way a supplier plans work.

Suppliers build both sides of the standard (servers for municipalities, clients for citizens and
associations), so each entry says what clients and servers have to do, not only what changed.
"""

from __future__ import annotations

from typing import Any

from spec.governance.catalogue_diff import CONFORMANCE, REQUIREMENTS
from spec.governance.changes import Change
from spec.governance.semver import Version
from spec.governance.versioning import Verdict

SECTIONS = ("Breaking", "Added", "Changed", "Deprecated")
# The data files released beside the OpenAPI document each get a section of their own, after the API's.
DATA_SECTIONS = {REQUIREMENTS: "Requirements catalogue", CONFORMANCE: "Conformance classes and profiles"}
# What suppliers do about a change to a requirement, a class or a profile, by its effect.
_OBLIGATION = "Servers it applies to: meet it to be certified for this version. Clients: may rely on it."
DATA_ACTIONS = {
    "addition": _OBLIGATION,
    "tightened": _OBLIGATION,
    "removal": "Clients: stop relying on it. Servers: it is no longer certified.",
    "relaxed": "Clients: rely on it only where it still applies. Servers: it is certified in fewer cases.",
    "incomparable": "Servers: meet the new definition to be certified. Clients: rely on what it now says.",
    "docs": "No action.",
}
# The same for a requirement on client apps (`appliesTo: client`): the apps act, servers need not.
_CLIENT_OBLIGATION = "Client apps it applies to: meet it to be certified for this version. Servers: no action."
CLIENT_DATA_ACTIONS = {
    "addition": _CLIENT_OBLIGATION,
    "tightened": _CLIENT_OBLIGATION,
    "removal": "Client apps: it is no longer certified. Servers: do not count on it.",
    "relaxed": "Client apps: it is certified in fewer cases. Servers: count on it only where it still applies.",
    "incomparable": "Client apps: meet the new definition to be certified. Servers: count on what it now says.",
    "docs": "No action.",
}
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


def _binds_client_apps(change: Change) -> bool:
    """A requirement that is a client app's duty, before or after the change."""
    return any(isinstance(r, dict) and r.get("appliesTo") == "client" for r in (change.old, change.new))


def _in_request(change: Change) -> bool:
    return "request" in change.id


def action(change: Change) -> str:
    """What clients and servers do about a change, in one or two short sentences."""
    effect = change.effect
    if change.file is not None:
        return (CLIENT_DATA_ACTIONS if _binds_client_apps(change) else DATA_ACTIONS)[effect]
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


def _reads(change: Change) -> str:
    """The wording of a requirement the change is about, so a supplier need not open the catalogue."""

    def text(entry: Any) -> str:
        wording = entry.get("text") if isinstance(entry, dict) else None
        return str(wording.get("en") if isinstance(wording, dict) else wording or "")

    if change.id == "requirement-added":
        return f" It reads: {text(change.new)}"
    if change.id == "requirement-removed":
        return f" It read: {text(change.old)}"
    if change.id in ("requirement-must-text-changed", "requirement-text-changed"):
        return f" It now reads: {text(change.new)}"
    return ""


def _title(verdict: Verdict) -> list[str]:
    """The heading, and why the version is missing when the new side still has the old one's number."""
    old, new = verdict.old_version, verdict.new_version
    if verdict.made != "none":
        return [f"# Changes from {old} to {new}", ""]
    if not verdict.changes:
        return [f"# No changes since {old}", ""]
    version = Version.parse(old)
    target = f": {version.bumped(verdict.required)} at least" if version is not None else ""
    return [
        f"# Changes since {old}, not yet versioned",
        "",
        f"`info.version` still says {new}; these changes need a {verdict.required} bump{target}.",
        "",
    ]


def _entries(changes: list[Change]) -> list[str]:
    lines = []
    for group in _grouped(changes):
        c = group[0]
        if len(group) < REPEATED:
            lines += [f"- **{g.where or 'The document'}**: {g.detail}.{_reads(g)} {action(g)} `{g.id}`" for g in group]
            continue
        lines.append(f"- **{len(group)} places**: {c.detail}. {action(c)} `{c.id}`")
        lines += [f"  - {g.where or 'the document'}" for g in group]
    return lines


def render(verdict: Verdict, title: str | None = None) -> str:
    api = [c for c in verdict.changes if c.file is None]
    data = {name: [c for c in verdict.changes if c.file == name] for name in DATA_SECTIONS}
    lines = [f"# {title}", ""] if title else _title(verdict)
    counts = {s: sum(1 for c in api if section(c) == s) for s in SECTIONS}
    parts = [f"{n} {s.lower()}" for s, n in counts.items() if n]
    parts += [
        f"{len(data[name])} change{'s' if len(data[name]) > 1 else ''} to the {heading[0].lower()}{heading[1:]}"
        for name, heading in DATA_SECTIONS.items()
        if data[name]
    ]
    if parts:
        lead = (
            f"Version {verdict.new_version} (from {verdict.old_version})"
            if verdict.made != "none"
            else f"Since {verdict.old_version}"
        )
        lines += [
            f"{lead}: "
            + ", ".join(parts)
            + "."
            + ("" if verdict.ok else " **This version does not pass `bokbid spec check-version`.**"),
            "",
        ]
    if not api:
        lines += ["No changes to the interface.", ""]
    for name in SECTIONS:
        picked = [c for c in api if section(c) == name]
        if not picked:
            continue
        lines += [f"## {name}", ""]
        contract = [c for c in picked if c.effect != "docs"]
        docs = [c for c in picked if c.effect == "docs"]
        lines += _entries(contract)
        if docs:
            if contract:
                lines.append("")
            lines.append("Documentation only (no action):")
            lines.append("")
            lines += [f"- {c.where or 'the document'}: {c.detail} `{c.id}`" for c in docs]
        lines.append("")
    for name, heading in DATA_SECTIONS.items():
        if data[name]:
            lines += [f"## {heading}", "", *_entries(data[name]), ""]
    return "\n".join(lines)
