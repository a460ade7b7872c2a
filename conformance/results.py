"""The outcome of a run, in the shape every report is rendered from.

The runner fills a `Run`; `reports/` only renders it. Keeping verdict logic (summary, per
requirement) here means the JSON, JUnit and HTML reports cannot disagree with each other.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import spec

from .config import Product
from .evidence import Exchange

Status = Literal["passed", "failed", "skipped", "error"]
Verdict = Literal["passed", "failed", "inconclusive", "not-tested", "skipped"]


@dataclass
class Failure:
    """What was expected and what happened; `exchange` is the request and response that showed it."""

    expected: Any
    actual: Any
    exchange: Exchange | None


@dataclass(frozen=True)
class Cause:
    """Why a check could not run: a request it only needed on the way did not answer as the
    requirement of that operation says (`expect.require`)."""

    request: str  # the request line relative to the API root: "GET /facilities?limit=1"
    operation: str  # the method and path template, the same for every request of the operation
    requirement: str  # the requirement of that operation, the one the product may break
    status: int | None
    message: str


@dataclass(frozen=True)
class RootCause:
    """The errored checks one cause kept from running: reported once, not once per check."""

    operation: str
    requirement: str
    status: int | None
    request: str  # the first such request, as an example
    checks: tuple[str, ...]

    def line(self) -> str:
        count = len(self.checks)
        return (
            f"{count} check{'' if count == 1 else 's'} could not run: "
            f"{self.request} answered {self.status} — {self.requirement}"
        )


@dataclass
class Result:
    id: str
    title: str
    requirements: tuple[str, ...]
    cls: str
    status: Status
    message: str = ""
    duration_ms: float = 0.0
    failure: Failure | None = None
    traceback: str | None = None
    cause: Cause | None = None  # for an error: the precondition that was not met
    broken: tuple[str, ...] | None = None  # for a failure: the requirements its assertion verified, if named

    @property
    def failed_requirements(self) -> tuple[str, ...]:
        """The requirements this result proves broken: those its failed assertion named, else all of
        the check's (a check of one requirement need not name it)."""
        if self.status != "failed":
            return ()
        return self.broken or self.requirements


@dataclass(frozen=True)
class RequirementVerdict:
    id: str
    level: str
    cls: str
    text: str
    verdict: Verdict
    checks: tuple[str, ...]


@dataclass
class Run:
    base_url: str
    seed: int
    profile: str | None
    started_at: datetime
    declared_classes: list[str] = field(default_factory=list)
    certified_classes: list[str] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)  # why the run would not certify (missing classes)
    finished_at: datetime | None = None
    optional_classes: dict[str, list[str]] = field(default_factory=dict)  # the profile's: certified / notDeclared
    claimed_product: Product = field(default_factory=Product)  # what the supplier's configuration says
    served_product: dict[str, Any] = field(default_factory=dict)  # what /api-info says
    only: list[str] | None = None  # a re-run of just these checks (a partial run: never certifiable)
    rerun_of: str | None = None  # the report directory whose failed checks this run repeats
    config: dict[str, Any] = field(default_factory=dict)  # the effective configuration, for config.json
    fuzz: dict[str, Any] | None = None  # the fuzz phase's budget and what it spent; None when it did not run
    release: spec.Release = spec.WORKING  # the version of the standard the run certifies against
    cors_origin: str | None = None  # the origin the server lets browser apps call from (CORE-030), if given
    report_dir: str | None = None  # where the evidence bundle is written, for the commands that read it

    def product(self) -> dict[str, str | None]:
        """The product certified: the supplier's statement where given, else what the server says."""
        claimed = {
            "supplier": self.claimed_product.supplier,
            "name": self.claimed_product.name,
            "version": self.claimed_product.version,
        }
        return {k: v if v is not None else _text_or_none(self.served_product.get(k)) for k, v in claimed.items()}

    def product_mismatch(self) -> list[str]:
        """Where the supplier's statement contradicts /api-info: such a run certifies nothing."""
        claimed = self.product()
        return [
            f"{k}: configured {claimed[k]!r}, /api-info says {self.served_product.get(k)!r}"
            for k in claimed
            if self.served_product.get(k) is not None and claimed[k] != self.served_product.get(k)
        ]

    @property
    def duration_seconds(self) -> float:
        end = self.finished_at or self.started_at
        return round((end - self.started_at).total_seconds(), 3)

    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(("passed", "failed", "skipped", "errors"), 0)
        for r in self.results:
            counts["errors" if r.status == "error" else r.status] += 1
        return counts

    @property
    def ok(self) -> bool:
        return all(r.status in ("passed", "skipped") for r in self.results)

    def rerun_command(self) -> str:
        """The command that repeats this run with the same seed (and so the same test data)."""
        parts = ["bokbid", "certify", "--base-url", shlex.quote(self.base_url), "--seed", str(self.seed)]
        parts += ["--spec-version", spec.version(self.release)]
        if self.profile:
            parts += ["--profile", shlex.quote(self.profile)]
        if self.cors_origin:
            parts += ["--cors-origin", shlex.quote(self.cors_origin)]
        return " ".join(parts)

    def replay_command(self, check_id: str) -> str:
        """The command that replays a failed check's requests from this run's evidence (`bokbid replay`)."""
        return f"bokbid replay {shlex.quote(self.report_dir or 'REPORT_DIR')} {check_id}"

    def root_causes(self) -> list[RootCause]:
        """The errored results grouped by their cause (operation, its requirement, the status), the
        cause that kept most checks from running first."""
        groups: dict[tuple[str, str, int | None], tuple[Cause, list[str]]] = {}
        for r in self.results:
            if r.status == "error" and r.cause is not None:
                key = (r.cause.operation, r.cause.requirement, r.cause.status)
                groups.setdefault(key, (r.cause, []))[1].append(r.id)
        causes = [RootCause(c.operation, c.requirement, c.status, c.request, tuple(ids)) for c, ids in groups.values()]
        return sorted(causes, key=lambda c: -len(c.checks))

    def requirement_verdicts(self) -> list[RequirementVerdict]:
        """Each requirement of the certified classes, plus any other a result names, with its verdict.

        failed: one of its checks failed on an assertion about it; inconclusive: none did, but a
        check of it errored, or failed on a sibling requirement before reaching it, so it did not
        run through (nothing can be certified on it, nor is
        the requirement shown broken: the cause is elsewhere); passed: every check that ran passed;
        skipped: every check was skipped; not-tested: no check covers it (for a MUST, a visible gap
        in the suite). Requirements on client apps (`appliesTo: client`) are `certify-client`'s to
        judge, never a server's.
        """
        by_requirement: dict[str, list[Result]] = {}
        for r in self.results:
            for rid in dict.fromkeys((*r.requirements, *r.failed_requirements)):
                by_requirement.setdefault(rid, []).append(r)
        verdicts = []
        for req in spec.requirements(self.release):
            results = by_requirement.get(req["id"], [])
            if req.get("appliesTo") == "client" or (req["class"] not in self.certified_classes and not results):
                continue
            verdicts.append(
                RequirementVerdict(
                    id=req["id"],
                    level=req["level"],
                    cls=req["class"],
                    text=req["text"]["en"],
                    verdict=_verdict(req["id"], results),
                    checks=tuple(r.id for r in results),
                )
            )
        return verdicts


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _verdict(requirement: str, results: list[Result]) -> Verdict:
    if not results:
        return "not-tested"
    if any(requirement in r.failed_requirements for r in results):
        return "failed"
    statuses = {r.status for r in results}
    if statuses & {"failed", "error"}:
        return "inconclusive"
    if statuses == {"skipped"}:
        return "skipped"
    return "passed"
