"""`bokbid spec check-version OLD NEW`: the versioning policy of the standard, as a check.

Suppliers must be able to trust that a minor version never breaks them, so the version number is
derived from the diff, not chosen:

- a breaking change needs a major bump and a new `/vN` in the URL; while the major version is 0
  (semver's initial development, served at `/v1`) a breaking change needs at least a minor bump;
- a non-breaking change to the contract (additions, relaxations, deprecations) needs a minor bump;
- anything else (documentation) needs a patch bump; an unchanged document may keep its version;
- from 1.0.0 on, only what was deprecated with an `x-sunset` date that has passed may be removed,
  and only in a major version. During 0.x removals are reported but allowed with the bump above.

The requirements catalogue and the conformance classes beside the documents are part of the diff
(`catalogue_diff`), so a new or reworded MUST needs its minor version like a new operation does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from spec.governance import diff as differ
from spec.governance.changes import Change
from spec.governance.loader import Document
from spec.governance.semver import BUMP_ORDER, Bump, Version, url_major


@dataclass
class Verdict:
    old_version: str
    new_version: str
    required: Bump
    made: Bump | None  # None: the version went backwards or is not semver
    changes: list[Change]
    problems: list[str] = field(default_factory=list)  # why it fails
    notes: list[str] = field(default_factory=list)  # worth knowing, does not fail

    @property
    def ok(self) -> bool:
        return not self.problems


def required_bump(changes: list[Change], old: Version) -> Bump:
    levels = {c.level for c in changes}
    if "breaking" in levels:
        return "major" if old.major >= 1 else "minor"
    if "non-breaking" in levels:
        return "minor"
    return "patch" if levels else "none"


def _examples(changes: list[Change], level: str, limit: int = 8) -> list[str]:
    picked = [c for c in changes if c.level == level]
    lines = [f"  - {c.id}: {c.where or '(document)'}: {c.detail}" for c in picked[:limit]]
    if len(picked) > limit:
        lines.append(f"  - … and {len(picked) - limit} more (`bokbid spec diff` lists them all)")
    return lines


def _version_of(document: Document) -> str:
    info = document.root.get("info")
    return str(info.get("version")) if isinstance(info, dict) else "(no info.version)"


def check(old: Document, new: Document, today: date | None = None) -> Verdict:
    today = today or date.today()
    old_text, new_text = _version_of(old), _version_of(new)
    ov, nv = Version.parse(old_text), Version.parse(new_text)
    if ov is None or nv is None:
        bad = old_text if ov is None else new_text
        return Verdict(old_text, new_text, "none", None, [], [f"info.version {bad!r} is not a semantic version"])
    changes = differ.diff(old, new, today)
    verdict = Verdict(old_text, new_text, required_bump(changes, ov), ov.bump_to(nv), changes)
    worst = next(
        (level for level in ("breaking", "non-breaking", "informational") if any(c.level == level for c in changes)),
        None,
    )
    if verdict.made is None:
        verdict.problems.append(f"the version goes backwards: {ov} → {nv}")
    elif BUMP_ORDER[verdict.made] < BUMP_ORDER[verdict.required]:
        made = "no version change" if verdict.made == "none" else f"a {verdict.made} bump"
        verdict.problems.append(
            f"{ov} → {nv} is {made}, but the {worst} changes below need a {verdict.required} bump"
            + (" (a breaking change while the major version is 0)" if worst == "breaking" and ov.major == 0 else "")
            + f": {ov.bumped(verdict.required)} at least"
        )
        verdict.problems.extend(_examples(changes, worst or "informational"))
    elif verdict.made == "major" and worst != "breaking":
        verdict.notes.append(f"{ov} → {nv} is a major bump without a breaking change")
    for server in new.root.get("servers") or []:
        url = str(server.get("url", "")) if isinstance(server, dict) else ""
        if url_major(url) != nv.url_major:
            verdict.problems.append(
                f"server {url} must end in /v{nv.url_major} for version {nv}"
                + (" (a new major version is a new URL)" if nv.url_major != ov.url_major else "")
            )
    for change in changes:
        if not change.removal or change.sanctioned:
            continue
        line = (
            f"{change.where or '(document)'}: {change.detail} ({change.id}), not deprecated with an x-sunset "
            f"that has passed by {today}"
        )
        if ov.major >= 1:
            advice = (
                "keep it until its sunset has passed"
                if change.id.endswith("-before-sunset")
                else "deprecate it with `x-sunset` first, remove it in a later major version"
            )
            verdict.problems.append(f"{line}: {advice}")
        else:
            verdict.notes.append(line + " (allowed while the major version is 0)")
    return verdict


def render_text(verdict: Verdict) -> str:
    counts = differ.summary(verdict.changes)
    head = (
        f"{verdict.old_version} → {verdict.new_version}: {'OK' if verdict.ok else 'FAILED'} "
        f"(needs: {verdict.required}, made: {verdict.made or 'invalid'}; "
        + ", ".join(f"{n} {level}" for level, n in counts.items())
        + ")"
    )
    lines = [head]
    if verdict.problems:
        lines += ["", "Why:", *[p if p.startswith("  ") else f"- {p}" for p in verdict.problems]]
    if verdict.notes:
        lines += ["", "Notes:", *[f"- {n}" for n in verdict.notes]]
    return "\n".join(lines)
