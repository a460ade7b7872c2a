"""`bokbid spec changelog OLD NEW`: what changed, grouped the way a supplier plans work.

Suppliers build both sides of the standard (servers for municipalities, clients for citizens and
associations), so each entry says what clients and servers have to do, not only what changed.
"""

from __future__ import annotations

from spec.governance.changes import Change
from spec.governance.versioning import Verdict

SECTIONS = ("Breaking", "Added", "Changed", "Deprecated")


def section(change: Change) -> str:
    if change.level == "breaking":
        return "Breaking"
    if change.effect == "deprecation":
        return "Deprecated"
    if change.effect in ("addition", "widens", "relaxed") and change.level == "non-breaking":
        return "Added"
    return "Changed"


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


def render(verdict: Verdict, title: str | None = None) -> str:
    changes = verdict.changes
    lines = [f"# {title or f'Changes from {verdict.old_version} to {verdict.new_version}'}", ""]
    counts = {s: sum(1 for c in changes if section(c) == s) for s in SECTIONS}
    if not changes:
        return "\n".join([*lines, "No changes to the interface.", ""])
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
        for c in contract:
            lines.append(f"- **{c.where or 'The document'}**: {c.detail}. {action(c)} `{c.id}`")
        if docs:
            if contract:
                lines.append("")
            lines.append("Documentation only (no action):")
            lines.append("")
            lines += [f"- {c.where or 'the document'}: {c.detail} `{c.id}`" for c in docs]
        lines.append("")
    return "\n".join(lines)
