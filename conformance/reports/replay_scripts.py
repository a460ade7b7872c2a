"""replay/<check-id>.sh: each failed check's requests as a POSIX sh script of curl commands.

`bokbid replay` is the precise tool, but the people who must reproduce a failure (a supplier's
developer, their operations team) often do not have bokbid installed. A script of curl commands,
in order, runs anywhere with curl and python3 (for what sh cannot do: read JSON, mint a UUID,
compute a Luhn digit). It does what `conformance.replay` does, decided once when it is written
instead of answer by answer: fresh Idempotency-Keys and personnummer, a token minted for every
request that presented one, the ids the server generated read from the response that first named
them. Its own comments say where it is simpler.

Written from the bundle's own report.json and evidence.jsonl after they are redacted, so a script
holds nothing the rest of the bundle does not.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from ..bundle import REPLAY_DIR, replay_script
from ..personnummer import redact
from ..replay import TOKENS_PATH, Evidence, Piece, Plan, ReplayError, Step, at, text_pieces, url_pieces
from .text import write_text

# Helpers every script starts with; python3 does what sh cannot (JSON, UUIDs, the Luhn digit).
_HELPERS = r"""
set -u
BASE_URL="${BASE_URL:-$RECORDED_URL}"
TIMEOUT="${TIMEOUT:-10}"
WORK=$(mktemp -d) || exit 3
trap 'rm -rf "$WORK"' EXIT
DIFFERENT=""
FAILING=""
FAILING_LABEL=""

# json_at FILE KEY...: the string or number at that path of FILE's JSON ('-': standard input).
json_at() {
    python3 -c '
import json, sys
try:
    node = json.load(sys.stdin if sys.argv[1] == "-" else open(sys.argv[1], encoding="utf-8"))
    for key in sys.argv[2:]:
        node = node[int(key)] if isinstance(node, list) else node[key]
except (OSError, ValueError, LookupError, TypeError):
    node = None
if isinstance(node, (str, int, float)) and not isinstance(node, bool):
    print(node)' "$@"
}

# say TEXT...: one line (printf, not echo: echo would read backslashes in a message as escapes).
say() {
    printf '%s\n' "$*"
}

fresh_key() {
    python3 -c 'import uuid; print(uuid.uuid4())'
}

# fresh_pnr HEAD: a valid personnummer born the day HEAD (the part the evidence did not mask) says.
fresh_pnr() {
    python3 -c '
import random, sys
head = sys.argv[1]
digits = head.rstrip("-+")[-6:] + "%03d" % random.randrange(1000)
total = sum(n - 9 if n > 9 else n for n in (int(c) * (2 - i % 2) for i, c in enumerate(digits)))
print(head + digits[-3:] + str(-total % 10))' "$1"
}

# step N LABEL RECORDED ROLE CURL-ARGUMENT...: send one request, say how it answered against how it
# answered in the run, keep its body in $WORK/N.body.
step() {
    n=$1 label=$2 recorded=$3 role=$4
    shift 4
    got=$(curl -sS --max-time "$TIMEOUT" -o "$WORK/$n.body" -w '%{http_code} %{content_type}' "$@") || {
        say "error: cannot reach $BASE_URL ($label)" >&2
        exit 3
    }
    answer=${got%% *}
    case ${got#* } in
        application/problem+json*)
            type=$(json_at "$WORK/$n.body" type)
            type=${type##*:}
            type=${type##*/}
            [ -n "$type" ] && answer="$answer $type"
            ;;
    esac
    mark=""
    [ "$role" = failing ] && mark="the failing request"
    if [ "$answer" != "$recorded" ]; then
        DIFFERENT="$DIFFERENT [$n] $label"
        mark="${mark:+$mark, }answers differently"
    fi
    say "[$n/$TOTAL] $label → $answer (recorded $recorded)${mark:+  ← $mark}"
    if [ "$role" = failing ]; then
        FAILING=$answer
        FAILING_LABEL=$label
    fi
    return 0
}
"""


def write_replay_scripts(directory: Path, report: dict[str, Any]) -> None:
    """replay/<check-id>.sh for every result report.json offers a replay of; scripts of an earlier
    run in the same directory are removed first (the manifest pins what is there).

    A script that cannot be written is a stand-in saying why (and exiting 2): like every other
    file of the bundle, its failure must not cost the rest."""
    folder = directory / REPLAY_DIR
    for old in folder.glob("*.sh") if folder.is_dir() else ():
        old.unlink()
    wanted = {str(r["id"]): str(r["replay"]["command"]) for r in report.get("results", []) if r.get("replay")}
    if not wanted:
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
        return
    folder.mkdir(exist_ok=True)
    evidence: Evidence | None = None
    unreadable = ""
    try:
        evidence = Evidence.read(directory)
    except Exception as exc:  # an unreadable evidence log leaves a stand-in for every script
        unreadable = _reason(exc)
    for check_id, command in wanted.items():
        text = _stand_in(check_id, unreadable)
        if evidence is not None:
            try:
                text = script(evidence.plan(check_id), command)
            except Exception as exc:  # one script that cannot be written must not cost the others
                text = _stand_in(check_id, _reason(exc))
        path = directory / replay_script(check_id)
        write_text(path, redact(text))
        path.chmod(0o755)


def _reason(exc: Exception) -> str:
    return str(exc) if isinstance(exc, ReplayError) else f"{type(exc).__name__}: {exc}"


def _stand_in(check_id: str, reason: str) -> str:
    return "\n".join(
        [
            "#!/bin/sh",
            f"# The replay script of {_comment(check_id)} could not be written: {_comment(reason)}",
            f"printf '%s\\n' {shlex.quote(f'error: no replay script for {check_id}: {reason}')} >&2",
            "exit 2",
            "",
        ]
    )


def _comment(text: str) -> str:
    """Text from a run (a message, a URL) made fit for one comment line."""
    return "".join(c if c.isprintable() else " " for c in text)


def script(plan: Plan, command: str) -> str:
    """The script that replays `plan`; `command` is the `bokbid replay` that does it more precisely."""
    total = len(plan.steps)
    failing = plan.failing
    name = replay_script(plan.check_id)
    lines = [
        "#!/bin/sh",
        f"# Replays {plan.check_id} as it ran in the certification, in order: {_comment(plan.summary)}.",
        f"# It {plan.status}: {_comment(plan.message)}",
    ]
    if failing is not None:
        lines.append(f"# The failing request is step {failing.number}, answered {failing.recorded_answer} in the run.")
    lines += [
        "#",
        f"#   sh {name}                                   # against the server certified",
        f"#   BASE_URL=http://127.0.0.1:8080/v1 sh {name}   # against another sandbox",
        "#",
        "# Exit 0: the failure no longer happens; 1: it still happens; 2: it cannot be replayed; 3: no answer.",
        "# Needs curl and python3. Each run sends fresh Idempotency-Keys (the same fresh key where the run",
        "# repeated one) and fresh personnummer (the evidence masks them), and mints its own tokens with",
        f"# POST {TOKENS_PATH} (the evidence keeps none), so the server answers it anew.",
        f"# Simpler than `{_comment(command)}`, which does the same more precisely:",
        "# - an id the server generated is read from the JSON body of the response that first named it, at",
        "#   the place it had there (else the recorded one is kept), and put into later requests as it is",
        "#   (not URL-encoded); Location headers are not read;",
        "# - a request that presented a crafted token is not sent: the evidence does not keep the token;",
        "# - requests the check sent at the same time (a race) go one after another;",
        "# - only status and problem type are compared, not what the check asserted about a body.",
    ]
    if failing is not None and failing.unreplayable is not None:
        reason = f"the failing request of {plan.check_id} cannot be replayed: {failing.unreplayable}"
        return "\n".join([*lines, "", f"printf '%s\\n' {shlex.quote(f'error: {reason}')} >&2", "exit 2", ""])
    lines += ["", f"RECORDED_URL={shlex.quote(plan.base_url)}", *_HELPERS.splitlines()]
    lines += [f"TOTAL={total}", f'say {shlex.quote(f"Replaying {plan.check_id} against")} "$BASE_URL"', ""]
    lines += _Writer(plan).body()
    lines += _verdict(plan)
    return "\n".join(lines) + "\n"


class _Writer:
    """The steps as sh: which recorded values become variables, and the command of each step."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.keys: dict[str, str] = {}  # recorded Idempotency-Key -> variable
        self.personnummer: dict[str, str] = {}  # masked -> variable
        self.tokens: dict[str, str] = {}  # canonical token request -> variable
        self.ids: dict[str, str] = {}  # recorded id -> variable, once the step that named it has run
        self.wanted = self._wanted_ids()

    def _wanted_ids(self) -> dict[str, tuple[int, tuple[str | int, ...]]]:
        """Each id the server generated that a later request carries: the step and path that named it first.

        The same rule as `Replayer._learn`: a value the check had sent itself is no server's id."""
        first: dict[str, tuple[int, tuple[str | int, ...]]] = {}
        sent: set[str] = set()
        for step in self.plan.steps:
            sent |= step.sent_words()
            for path, value in step.ids():
                if value not in first and value not in sent:
                    first[value] = (step.number, path)
        used: set[str] = set()
        for step in self.plan.steps:
            used |= {v for v in step.sent_words() if v in first and first[v][0] < step.number}
        return {value: place for value, place in first.items() if value in used}

    def body(self) -> list[str]:
        lines = []
        for step in self.plan.steps:
            if step.idempotency_key is not None and step.idempotency_key not in self.keys:
                self.keys[step.idempotency_key] = variable = f"KEY_{len(self.keys) + 1}"
                lines.append(f"{variable}=$(fresh_key)")
        for step in self.plan.steps:
            lines += self._step(step)
        masked = [f"{variable}=$(fresh_pnr {shlex.quote(m[:-4])})" for m, variable in self.personnummer.items()]
        return [*masked, *lines]

    def _step(self, step: Step) -> list[str]:
        label = self._word([f"{step.method} ", *url_pieces(step.target, self.ids)])
        if step.unreplayable is not None:
            line = f"[{step.number}/{len(self.plan.steps)}] {step.method} {step.target} — not replayed: "
            return [f"say {shlex.quote(line + step.unreplayable)}"]
        lines = []
        args = ["-X", shlex.quote(step.method)] if step.method != "HEAD" else ["--head"]
        target = self._word(url_pieces(step.target, self.ids))
        args.append(f'"$BASE_URL"{target}')
        for name, value in step.headers.items():
            args += ["-H", shlex.quote(f"{name}: {value}")]
        if step.body is not None and "content-type" not in step.headers:
            args += ["-H", shlex.quote("content-type:")]  # as sent: curl would add a form's type
        if step.idempotency_key is not None:
            args += ["-H", f'"idempotency-key: ${self.keys[step.idempotency_key]}"']
        token = None
        if step.presents_token and step.token_request is not None:
            token, mint = self._token(step.token_request)
            lines += mint
            args += ["-H", f'"authorization: Bearer ${token}"']
        if step.body is not None:
            args += ["--data-raw", self._word(text_pieces(step.body, self.ids))]
        role = "failing" if step is self.plan.failing else "-"
        expected = shlex.quote(step.recorded_answer)
        command = " ".join(["step", str(step.number), label, expected, role, *args])
        if step.origin != self.plan.owner:
            lines.append(f"# set-up by {step.origin}, which made data the check uses")
        if token is None:
            lines.append(command)
        else:
            unsent = f"[{step.number}/{len(self.plan.steps)}] {step.method} {step.target} — not replayed: "
            unsent += f"no token could be minted with POST {TOKENS_PATH}"
            lines += [f'if [ -n "${token}" ]; then', f"    {command}", "else", f"    say {shlex.quote(unsent)}", "fi"]
        lines += self._learned(step)
        return lines

    def _token(self, token_request: dict[str, Any]) -> tuple[str, list[str]]:
        """The variable holding the token for this request, and the command minting it if none has."""
        key = json.dumps(token_request, sort_keys=True)
        if key in self.tokens:
            return self.tokens[key], []
        self.tokens[key] = variable = f"TOKEN_{len(self.tokens) + 1}"
        body = self._word(text_pieces(json.dumps(token_request, ensure_ascii=False), self.ids))
        mint = (
            f'{variable}=$(curl -sS --max-time "$TIMEOUT" -X POST "$BASE_URL"{TOKENS_PATH} '
            f"-H 'content-type: application/json' --data-raw {body} | json_at - accessToken)"
        )
        return variable, [mint]

    def _learned(self, step: Step) -> list[str]:
        """After a step: the ids it named that later requests carry, and the token it minted."""
        lines = []
        if step.mints_token and step.body is not None:
            try:
                key = json.dumps(json.loads(step.body), sort_keys=True)
            except ValueError:
                key = None
            if key is not None:  # a token minted again (after the clock moved) replaces the one before
                variable = self.tokens.setdefault(key, f"TOKEN_{len(self.tokens) + 1}")
                lines.append(f'{variable}=$(json_at "$WORK/{step.number}.body" accessToken)')
        for value, (number, path) in self.wanted.items():
            if number == step.number and at(step.response, path) == value:
                self.ids[value] = variable = f"ID_{len(self.ids) + 1}"
                keys = " ".join(shlex.quote(str(part)) for part in path)
                lines.append(f'{variable}=$(json_at "$WORK/{step.number}.body" {keys})')
                lines.append(f'[ -n "${variable}" ] || {variable}={shlex.quote(value)}')
        return lines

    def _word(self, pieces: list[Piece]) -> str:
        """One shell word: literal text quoted, ids and personnummer as the variables that hold them."""
        out = []
        for piece in pieces:
            if isinstance(piece, str):
                out.append(shlex.quote(piece))
            elif piece.kind == "id":
                out.append(f'"${self.ids[piece.recorded]}"')
            else:
                variable = self.personnummer.setdefault(piece.recorded, f"PNR_{len(self.personnummer) + 1}")
                out.append(f'"${variable}"')
        return "".join(out) or "''"


def _verdict(plan: Plan) -> list[str]:
    """The last lines: the same verdict `bokbid replay` gives, and its exit code."""
    lines = ['[ -n "$DIFFERENT" ] && say "Answered differently than recorded:$DIFFERENT"']
    step = plan.failing
    if step is None:
        still = (
            "The failure still happens: every request answers as recorded (judged by status and problem type; "
            f"the check's failure names no one response: {plan.message})."
        )
        gone = "The failure no longer happens as recorded: some requests answer differently."
        return [
            *lines,
            f'[ -z "$DIFFERENT" ] && {{ say {shlex.quote(still)}; exit 1; }}',
            f"say {shlex.quote(gone)}",
            "exit 0",
        ]
    recorded = step.recorded_answer
    unsent = "Whether the failure still happens this replay cannot tell: the failing request was not sent."
    lines.append(f'[ -n "$FAILING" ] || {{ say {shlex.quote(unsent)}; exit 2; }}')
    gone = 'say "The failure no longer happens: $FAILING_LABEL answered $FAILING" ' + shlex.quote(
        f"(recorded {recorded})."
    )
    if plan.about_status:
        expected = shlex.quote(f"(the check expected {plan.expected_answer}).")
        still = f'say "The failure still happens: $FAILING_LABEL answered $FAILING again" {expected}'
    else:
        still = (
            'say "The failure still happens, as far as a replay can tell: $FAILING_LABEL answered $FAILING again," '
            + shlex.quote(
                f"but the check failed on what the response said ({plan.message}), which a replay does not judge."
            )
        )
    return [
        *lines,
        f'if [ "$FAILING" = {shlex.quote(recorded)} ]; then',
        f"    {still}",
        "    exit 1",
        "fi",
        gone,
        "exit 0",
    ]
