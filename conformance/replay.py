"""Replaying a failed check: its recorded exchanges, in order, against the same server or another.

A supplier with a failing run must get from the failure to a reproduced failure with one command
(`bokbid replay REPORT_DIR CHECK_ID`) and, without bokbid installed, with one script
(`replay/<check-id>.sh` in the bundle, `reports/replay_scripts.py`). Both start from what the
bundle kept, evidence.jsonl and report.json, which is not quite what was sent; so a replay puts
back what the evidence cannot or must not repeat:

- Idempotency-Keys are fresh (one fresh key wherever a recorded key repeats, so a check that
  re-sent a key on purpose still does): a server answers a key it knows with its stored first
  answer, and nothing would be reproduced.
- Tokens were redacted: each is minted again with the /test/tokens request that minted it
  (`Exchange.token_request`). A crafted token (forged, expired, foreign) cannot be: that step is
  not replayed.
- Personnummer were masked: each masked one becomes a fresh valid number with the same birth date.
- Ids the server generated differ between runs: a recorded id in a response (`Step.ids`) is
  mapped to the value at the same JSON path of the replayed response (or the same place of a
  Location) and substituted in the paths, query strings and bodies of the later steps.

The verdict compares status and problem type, the failing step's above all. What a check asserted
about a body a replay does not judge again; `bokbid certify --rerun-failed` does.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import httpx

from . import json_bodies
from .bundle import BundleError, load_report
from .evidence import BODY_LIMIT
from .http import Unreachable, receive
from .personnummer import luhn_valid

EXIT_GONE, EXIT_STILL, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3
TOKENS_PATH = "/test/tokens"
# Headers the HTTP client sets for itself; Authorization and Idempotency-Key a replay sets anew.
_NOT_REPEATED = frozenset(
    {"host", "content-length", "accept-encoding", "connection", "user-agent", "authorization", "idempotency-key"}
)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# What `personnummer.mask` leaves of a number: the date (and separator) with four stars.
_MASKED_PERSONNUMMER = re.compile(r"(?<![\w.-])(\d{6}(?:\d{2})?[-+]?)\*{4}(?![\w-])")
_CUT_BODY = re.compile(r"… \[truncated: \d+ bytes in all\]$")
_URL_WORD = re.compile(r"[^/?&=,#;]+")
_JSON_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_READING = frozenset({"GET", "HEAD", "OPTIONS"})
# Shorter values (a "1", a "42") stand in too many places that are no id to be replaced there.
_MIN_ID_LENGTH = 4


class ReplayError(Exception):
    """The bundle or the check id cannot be replayed (a usage error): the message says why."""


@dataclass(frozen=True)
class Ref:
    """A place in a request where a value of this run goes instead of the recorded one."""

    kind: Literal["id", "personnummer"]
    recorded: str


Piece = str | Ref


@dataclass(frozen=True)
class Step:
    """One recorded exchange, as a replay needs it."""

    index: int  # its place in evidence.jsonl, counting from 0
    number: int  # its place in a replay, counting from 1
    origin: str  # the check that sent it
    method: str
    target: str  # relative to the API root ('/bookings?limit=1'); the whole URL if it lay outside
    headers: dict[str, str]  # sent as recorded, less those the client or the replay sets
    body: str | None
    idempotency_key: str | None
    token_request: dict[str, Any] | None
    presents_token: bool
    body_cut: bool
    status: int
    problem_type: str | None  # the suffix of a problem's type ('booking-conflict'), if it was one
    response: Any  # the parsed body; None when it was not JSON or was cut
    location: str | None

    @property
    def unreplayable(self) -> str | None:
        """Why the evidence cannot repeat this request, if it cannot."""
        if self.presents_token and self.token_request is None:
            return "it presented a crafted token (forged, expired or foreign), which the evidence does not keep"
        if self.body_cut:
            return f"its body was larger than the evidence keeps ({BODY_LIMIT // 1024} KiB)"
        if not self.target.startswith("/"):
            return "it was sent outside the API root"
        return None

    @property
    def mints_token(self) -> bool:
        return self.method == "POST" and urlsplit(self.target).path == TOKENS_PATH

    @property
    def recorded_answer(self) -> str:
        return answer(self.status, self.problem_type)

    def sent_words(self) -> set[str]:
        """Every value this request carried (path segments, query values, body strings): a value a
        client sent is its own, not one the server generated."""
        words = set(_URL_WORD.findall(self.target))
        for text in (self.body, json.dumps(self.token_request) if self.token_request else None):
            if text:
                words |= {_unescape(m) for m in _JSON_STRING.findall(text)}
        return words

    @property
    def reads(self) -> bool:
        """A request that changes nothing, so whatever ids its answer names were made elsewhere."""
        return self.method in _READING

    def ids(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """Where the recorded response names something the server made: a string under `id`, a key
        ending in `Id` or `Ids`, a member of an `ids` map, or any UUID; with its JSON path.

        Not the items of a list that was read: their order may differ on a replay, and the same
        place would then pair an id with another's (the taxonomy's `floorball` with `tennis`)."""
        for path, value in _id_leaves(self.response, (), None, None):
            if not (self.reads and any(isinstance(part, int) for part in path)):
                yield path, value


@dataclass(frozen=True)
class Plan:
    """A check's recorded exchanges and which of them showed the failure."""

    report_dir: Path
    check_id: str
    owner: str  # whose requests these are: `check_id`, or the check that showed a verdict drawn from the whole run
    status: str  # failed or error
    message: str
    base_url: str
    steps: tuple[Step, ...]
    failing: Step | None  # None when the failure names no one response
    expected: Any
    actual: Any

    @property
    def summary(self) -> str:
        """'9 recorded requests', saying which were another check's."""
        borrowed = sorted({s.origin for s in self.steps if s.origin != self.owner})
        text = f"{len(self.steps)} recorded requests"
        if self.owner != self.check_id:
            text += f" of {self.owner}, which sent the one that showed the failure"
        if borrowed:
            text += f" (with the set-up of {', '.join(borrowed)}, which made data they use)"
        return text

    @property
    def expected_answer(self) -> str:
        """What the check expected of the failing response, as a step line would show it ('409')."""
        if isinstance(self.expected, list):
            return " or ".join(map(str, self.expected))
        return str(self.expected)

    @property
    def about_status(self) -> bool:
        """Whether the check failed on the failing response's status or problem type, the two
        things a replay judges (not on a field, a header, a list of what it held)."""
        step = self.failing
        if step is None:
            return False
        if isinstance(self.actual, int) and not isinstance(self.actual, bool) and self.actual == step.status:
            return True
        return (
            isinstance(self.actual, str) and step.problem_type is not None and self.actual.endswith(step.problem_type)
        )


def answer(status: int, problem_type: str | None) -> str:
    """'409 booking-conflict', or '201': how a step line shows an answer."""
    return f"{status} {problem_type}" if problem_type else str(status)


class Evidence:
    """A bundle's report and exchanges, read once for every replay made from it."""

    def __init__(self, directory: Path, report: dict[str, Any], records: list[dict[str, Any]]) -> None:
        self.directory = directory
        self.report = report
        self.records = records
        self.base_url = str(report.get("baseUrl") or "")
        self.exchanges = [_step(i, record, self.base_url) for i, record in enumerate(records)]
        # Each id to the first request that changed something and whose answer named it: what made it.
        self.producers: dict[str, int] = {}
        for step in self.exchanges:
            for _, value in step.ids() if not step.reads else ():
                self.producers.setdefault(value, step.index)

    @classmethod
    def read(cls, directory: Path) -> Evidence:
        """The bundle in `directory`; ReplayError when it cannot be read."""
        if not directory.is_dir():
            raise ReplayError(f"no report directory {directory}")
        try:
            report = load_report(directory)
        except BundleError as exc:
            raise ReplayError(str(exc)) from None
        return cls(directory, report, _evidence(directory))

    def plan(self, check_id: str) -> Plan:
        """The replay of `check_id`; ReplayError when there is none (unknown, passed, no requests)."""
        results = [r for r in self.report.get("results", []) if isinstance(r, dict)]
        failed = [r["id"] for r in results if r.get("status") in ("failed", "error")]
        listed = f"the failed checks: {', '.join(failed)}" if failed else "no check failed in that run"
        result = next((r for r in results if r.get("id") == check_id), None)
        if result is None:
            raise ReplayError(f"{self.directory / 'report.json'} has no check {check_id!r}; {listed}")
        if result.get("status") not in ("failed", "error"):
            raise ReplayError(f"{check_id} {result.get('status')} in that run: there is no failure to replay; {listed}")
        failure = result.get("failure") or {}
        shown = (failure.get("request"), failure.get("response"))
        shows = [i for i, record in enumerate(self.records) if _shows(record, shown)]
        own = [i for i, record in enumerate(self.records) if record.get("checkId") == check_id]
        via = None
        if shows and not set(shows) & set(own):  # a verdict drawn from the whole run, shown by another check
            via = str(self.records[shows[0]].get("checkId"))
            own = [i for i, record in enumerate(self.records) if record.get("checkId") == via]
        if not own:
            raise ReplayError(f"{check_id} sent no request of its own in that run: there is nothing to replay")
        indexes = self._with_producers(own)
        steps = tuple(replace(self.exchanges[i], number=n) for n, i in enumerate(indexes, 1))
        return Plan(
            report_dir=self.directory,
            check_id=check_id,
            owner=via or check_id,
            status=str(result["status"]),
            message=str(result.get("message") or "").split("\n")[0],
            base_url=self.base_url,
            steps=steps,
            failing=next((s for s in steps if s.index in shows), None),
            expected=failure.get("expected"),
            actual=failure.get("actual"),
        )

    def _with_producers(self, own: list[int]) -> list[int]:
        """`own` and, before them, the exchanges of other checks that made an id they use.

        A check may work on data an earlier check created (the discovery checks share one data set,
        created by whichever runs first): without its creation a replay against another server
        would look for what is not there, and report a failure gone that was never tried."""
        chosen = set(own)
        while True:
            added = set()
            for i in sorted(chosen):
                for value in self.exchanges[i].sent_words():
                    maker = self.producers.get(value)
                    if maker is not None and maker < i and maker not in chosen:
                        added.add(maker)
            if not added:
                return sorted(chosen)
            chosen |= added


def load_plan(directory: Path, check_id: str) -> Plan:
    """The replay of `check_id` from the bundle in `directory`; ReplayError when there is none."""
    return Evidence.read(directory).plan(check_id)


def _evidence(directory: Path) -> list[dict[str, Any]]:
    path = directory / "evidence.jsonl"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ReplayError(f"{path} cannot be read: {exc.strerror or exc}") from None
    records = []
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except ValueError:
            raise ReplayError(f"{path}:{number} is not an exchange of the evidence log") from None
        if isinstance(record, dict) and isinstance(record.get("request"), dict):
            records.append(record)
    return records


def _shows(record: dict[str, Any], shown: tuple[Any, Any]) -> bool:
    """The record is the exchange report.json shows for a failure (the same request and response)."""
    return (record.get("request"), record.get("response")) == shown


def _step(index: int, record: dict[str, Any], base_url: str) -> Step:
    request, response = record["request"], record.get("response") or {}
    url = str(request.get("url", ""))
    sent = {str(k).lower(): str(v) for k, v in (request.get("headers") or {}).items()}
    body = request.get("body")
    received = response.get("body") or ""
    received_headers = {str(k).lower(): str(v) for k, v in (response.get("headers") or {}).items()}
    parsed = None
    if not response.get("truncated") and received:
        try:
            parsed = json_bodies.loads(received)
        except ValueError:
            parsed = None
    problem = None
    if received_headers.get("content-type", "").startswith("application/problem+json") and isinstance(parsed, dict):
        problem = problem_suffix(parsed.get("type"))
    return Step(
        index=index,
        number=index + 1,
        origin=str(record.get("checkId", "")),
        method=str(request.get("method", "GET")),
        target=url[len(base_url) :] if base_url and url.startswith(base_url + "/") else url,
        headers={k: v for k, v in sent.items() if k not in _NOT_REPEATED and (k, v) != ("accept", "*/*")},
        body=body if isinstance(body, str) else None,
        idempotency_key=sent.get("idempotency-key"),
        token_request=record.get("tokenRequest") if isinstance(record.get("tokenRequest"), dict) else None,
        presents_token="authorization" in sent,
        body_cut=isinstance(body, str) and bool(_CUT_BODY.search(body)),
        status=int(response.get("status", 0)),
        problem_type=problem,
        response=parsed,
        location=received_headers.get("location"),
    )


def problem_suffix(problem_type: Any) -> str | None:
    """The code at the end of a problem type: `urn:bob:problem:not-found` and `…/not-found` alike."""
    if not isinstance(problem_type, str) or not problem_type:
        return None
    return re.split(r"[:/]", problem_type)[-1] or problem_type


def _id_leaves(
    node: Any, path: tuple[str | int, ...], key: str | int | None, parent: str | int | None
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _id_leaves(v, (*path, k), k, key)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _id_leaves(v, (*path, i), key, parent)  # the items of `unitIds` are ids too
    elif isinstance(node, str) and len(node) >= _MIN_ID_LENGTH:
        named = isinstance(key, str) and (key == "id" or key.endswith(("Id", "Ids")))
        if named or parent == "ids" or _UUID.fullmatch(node):
            yield path, node


def at(node: Any, path: tuple[str | int, ...]) -> Any:
    """The value at `path` of a parsed body, None when there is none."""
    for part in path:
        listed = isinstance(part, int) and isinstance(node, list) and part < len(node)
        if not (listed or (isinstance(part, str) and isinstance(node, dict) and part in node)):
            return None
        node = node[part]
    return node


def _unescape(text: str) -> str:
    try:
        return str(json.loads(f'"{text}"'))
    except ValueError:
        return text


def url_pieces(target: str, ids: Iterable[str]) -> list[Piece]:
    """`target` cut where a known id stands as a path segment or query value, or a masked personnummer."""
    lookup = {quote(value, safe=""): value for value in ids}
    return _cut(target, _URL_WORD, 0, lookup)


def text_pieces(text: str, ids: Iterable[str]) -> list[Piece]:
    """A body cut where a known id is a whole JSON string, or a masked personnummer stands."""
    lookup = {json.dumps(value, ensure_ascii=False)[1:-1]: value for value in ids}
    return _cut(text, _JSON_STRING, 1, lookup)


def _cut(text: str, pattern: re.Pattern[str], group: int, lookup: dict[str, str]) -> list[Piece]:
    pieces: list[Piece] = []
    last = 0
    for match in pattern.finditer(text) if lookup else ():
        value = lookup.get(match.group(group))
        if value is not None:
            start, end = match.span(group)
            pieces += [text[last:start], Ref("id", value)]
            last = end
    pieces.append(text[last:])
    out: list[Piece] = []
    for piece in pieces:
        if isinstance(piece, Ref):
            out.append(piece)
            continue
        last = 0
        for match in _MASKED_PERSONNUMMER.finditer(piece):
            out += [piece[last : match.start()], Ref("personnummer", match.group(0))]
            last = match.end()
        out.append(piece[last:])
    return [p for p in out if p != ""]


def fresh_personnummer(masked: str, rng: random.Random) -> str:
    """A valid personnummer born the day the masked one was: a fresh birth number and check digit."""
    head = masked.removesuffix("****")
    ten = head.rstrip("-+")[-6:] + f"{rng.randrange(1000):03d}"
    check = next(d for d in "0123456789" if luhn_valid(ten + d))
    return f"{head}{ten[-3:]}{check}"


@dataclass
class Replayed:
    """How a step answered on the replay, or why it was not sent."""

    step: Step
    target: str  # as sent: with this replay's ids
    status: int | None = None
    problem_type: str | None = None
    skipped: str | None = None

    @property
    def answer(self) -> str:
        return answer(self.status or 0, self.problem_type)

    @property
    def diverged(self) -> bool:
        return self.skipped is None and (self.status, self.problem_type) != (self.step.status, self.step.problem_type)


@dataclass
class Replayer:
    """Sends a plan's steps one by one, carrying fresh keys, tokens and ids from step to step."""

    http: httpx.Client
    base_url: str
    rng: random.Random = field(default_factory=random.SystemRandom)
    ids: dict[str, str] = field(default_factory=dict)  # recorded id -> the one of this replay
    keys: dict[str, str] = field(default_factory=dict)  # recorded Idempotency-Key -> fresh one
    personnummer: dict[str, str] = field(default_factory=dict)  # masked -> fresh
    tokens: dict[str, str] = field(default_factory=dict)  # canonical token request -> token
    sent: set[str] = field(default_factory=set)  # every value the recorded requests so far carried

    def test_interface(self) -> bool:
        """Whether the target declares the test interface, without which no replay sets up its data
        (and which a production server does not have)."""
        got = self._send(self.http.build_request("GET", self._url("/conformance")))
        declared = got.body.get("conformsTo") if isinstance(got.body, dict) else None
        return 200 <= got.status < 300 and isinstance(declared, list) and "test-interface" in declared

    def replay(self, step: Step) -> Replayed:
        """Send `step` with this replay's values; Unreachable when there is no answer."""
        if step.unreplayable is not None:
            return Replayed(step, step.target, skipped=step.unreplayable)
        headers = dict(step.headers)
        if step.idempotency_key is not None:
            headers["idempotency-key"] = self.keys.setdefault(step.idempotency_key, str(uuid.uuid4()))
        if step.presents_token:
            token, refused = self._token(step.token_request or {})
            if token is None:
                return Replayed(
                    step, step.target, skipped=f"no token could be minted: POST {TOKENS_PATH} answered {refused}"
                )
            headers["authorization"] = f"Bearer {token}"
        body = None if step.body is None else self._render(text_pieces(step.body, self.ids), url=False)
        target = self._render(url_pieces(step.target, self.ids), url=True)
        got = self._send(self.http.build_request(step.method, self._url(target), headers=headers, content=body))
        if step.mints_token and body is not None and isinstance(got.body, dict):
            token = got.body.get("accessToken")
            if isinstance(token, str) and token:
                self.tokens[_canonical(body)] = token
        self._learn(step, got.body, got.location)
        return Replayed(step, target, got.status, got.problem_type)

    def _token(self, token_request: dict[str, Any]) -> tuple[str | None, int | None]:
        """The token for this request: the one its replayed /test/tokens step minted, else a new one."""
        body = self._render(text_pieces(json.dumps(token_request, ensure_ascii=False), self.ids), url=False)
        key = _canonical(body)
        if key not in self.tokens:
            headers = {"content-type": "application/json"}
            got = self._send(self.http.build_request("POST", self._url(TOKENS_PATH), headers=headers, content=body))
            token = got.body.get("accessToken") if isinstance(got.body, dict) else None
            if got.status != 201 or not isinstance(token, str) or not token:
                return None, got.status
            self.tokens[key] = token
        return self.tokens[key], None

    def _learn(self, step: Step, replayed: Any, location: str | None) -> None:
        """Map the ids the recorded response named to those at the same places of the replayed one.

        A mapping, once made, stands (a later echo cannot undo it), and a value the check itself
        had sent is no server's id to map."""
        self.sent |= step.sent_words()
        for path, recorded in step.ids():
            now = at(replayed, path)
            if recorded not in self.ids and recorded not in self.sent and isinstance(now, str) and now:
                self.ids[recorded] = now
        if step.location and location:
            before, after = urlsplit(step.location).path.split("/"), urlsplit(location).path.split("/")
            if len(before) == len(after):
                for old, new in zip(before, after, strict=True):
                    if len(old) >= _MIN_ID_LENGTH and old != new and old not in self.ids:
                        self.ids[old] = new

    def _render(self, pieces: list[Piece], *, url: bool) -> str:
        out = []
        for piece in pieces:
            if isinstance(piece, str):
                out.append(piece)
            elif piece.kind == "id":
                value = self.ids[piece.recorded]
                out.append(quote(value, safe="") if url else json.dumps(value, ensure_ascii=False)[1:-1])
            else:
                out.append(self.personnummer.setdefault(piece.recorded, fresh_personnummer(piece.recorded, self.rng)))
        return "".join(out)

    def _url(self, target: str) -> str:
        return self.base_url + target

    def _send(self, request: httpx.Request) -> _Answer:
        """The answer, read as the harness reads one (bounded in size and time)."""
        received = receive(self.http, request)
        try:
            parsed = json_bodies.loads(received.content)
        except ValueError:
            parsed = None
        problem = None
        if received.headers.get("content-type", "").startswith("application/problem+json") and isinstance(parsed, dict):
            problem = problem_suffix(parsed.get("type"))
        return _Answer(received.status_code, parsed, problem, received.headers.get("location"))


@dataclass(frozen=True)
class _Answer:
    status: int
    body: Any  # parsed JSON, None when it is not
    problem_type: str | None
    location: str | None


def _canonical(body: str) -> str:
    """One key for equal token requests, whatever order their claims were written in."""
    try:
        return json.dumps(json.loads(body), sort_keys=True)
    except ValueError:
        return body


def run(plan: Plan, base_url: str, *, timeout: float, say: Callable[[str], None], err: Callable[[str], None]) -> int:
    """Replay `plan` against `base_url`, saying a line per step and a verdict (`err`: why it cannot); the exit code."""
    if plan.failing is not None and plan.failing.unreplayable is not None:
        err(
            f"error: the failing request of {plan.check_id} ({plan.failing.method} {plan.failing.target}) "
            f"cannot be replayed: {plan.failing.unreplayable}; "
            f"re-run the check instead: bokbid certify --rerun-failed {plan.report_dir}"
        )
        return EXIT_USAGE
    with httpx.Client(timeout=timeout, follow_redirects=False) as http:
        replayer = Replayer(http, base_url.rstrip("/"))
        try:
            if not replayer.test_interface():
                err(
                    f"error: {base_url} has no test interface (GET /conformance does not list test-interface): "
                    "a replay sets up its data through it, and is never sent to a production server; "
                    "give the URL of a sandbox with --base-url"
                )
                return EXIT_USAGE
            say(f"Replaying {plan.check_id} ({plan.status}: {plan.message})")
            say(f"{plan.summary}, sent to {base_url} (the run was against {plan.base_url})")
            outcomes = []
            for step in plan.steps:
                outcome = replayer.replay(step)
                outcomes.append(outcome)
                say(_line(outcome, plan))
        except Unreachable as exc:
            err(f"error: cannot reach {base_url}: {exc.message}")
            return EXIT_UNREACHABLE
    return _verdict(plan, outcomes, say)


def _line(outcome: Replayed, plan: Plan) -> str:
    step = outcome.step
    where = f"[{step.number}/{len(plan.steps)}] {step.method} {outcome.target}"
    if outcome.skipped is not None:
        return f"{where} — not replayed: {outcome.skipped}"
    marks = [f"set-up by {step.origin}"] if step.origin != plan.owner else []
    marks += ["the failing request"] if step is plan.failing else []
    marks += ["answers differently"] if outcome.diverged else []
    mark = f"  ← {', '.join(marks)}" if marks else ""
    return f"{where} → {outcome.answer} (recorded {step.recorded_answer}){mark}"


def _verdict(plan: Plan, outcomes: list[Replayed], say: Callable[[str], None]) -> int:
    diverged = [o for o in outcomes if o.diverged]
    if diverged:
        say(
            "Answered differently than recorded: "
            + ", ".join(f"[{o.step.number}] {o.step.method} {o.target}" for o in diverged)
        )
    step = plan.failing
    if step is None:
        if diverged:
            say(
                f"The failure no longer happens as recorded: {len(diverged)} of {len(outcomes)} requests answer "
                f"differently (judged by status and problem type; the check's failure names no one response)."
            )
            return EXIT_GONE
        say(
            "The failure still happens: every request answers as recorded (judged by status and problem type; "
            f"the check's failure names no one response: {plan.message})."
        )
        return EXIT_STILL
    failing = next(o for o in outcomes if o.step is step)
    request = f"{step.method} {failing.target}"
    if failing.skipped is not None:
        say(f"Whether the failure still happens this replay cannot tell: {request} was not sent ({failing.skipped}).")
        return EXIT_USAGE
    if failing.diverged:
        say(f"The failure no longer happens: {request} answered {failing.answer} (recorded {step.recorded_answer}).")
        return EXIT_GONE
    if plan.about_status:
        say(
            f"The failure still happens: {request} answered {failing.answer} again "
            f"(the check expected {plan.expected_answer})."
        )
    else:
        say(
            f"The failure still happens, as far as a replay can tell: {request} answered {failing.answer} again, "
            f"but the check failed on what the response said ({plan.message}), which a replay does not judge; "
            f"re-run the check to know: bokbid certify --rerun-failed {plan.report_dir}"
        )
    return EXIT_STILL
