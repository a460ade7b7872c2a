"""The harness framework against a tiny fake API: validation, privacy scan, assertions, runner, reports.

The fake serves a handful of the spec's paths over real HTTP (the harness must work against any
server, so it is tested the way it is used); each test bends one route to show one behaviour.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import spec
from conformance.context import CheckContext, RunState
from conformance.evidence import REDACTED
from conformance.expect import ensure, expect, require
from conformance.http import Credential, Recorder, RecordingClient, Unreachable
from conformance.outcomes import CheckFailure, PreconditionFailure, Skip
from conformance.personnummer import find_personnummer, luhn_valid
from conformance.progress import Bar, reporter
from conformance.registry import Check, RegistryError, build_check
from conformance.results import Result
from conformance.runner import run_certification
from conformance.validation import spec_violations
from reference_server.launcher import free_port

PNR = "19811218-9876"  # Skatteverket's example: valid date and Luhn
TOKEN = "tok-secret-abc123"
Handler = Callable[[Request], Response]


def problem(status: int, code: str, detail: str = "Something is wrong.", **extra: Any) -> Response:
    body = {"type": f"urn:bob:problem:{code}", "title": code, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def page(items: list[Any], **extra: Any) -> dict[str, Any]:
    return {"items": items, "page": 1, "limit": 20, "totalItems": len(items), "totalPages": 1, **extra}


class FakeApi:
    """A sandbox that answers correctly until a test overrides a route."""

    def __init__(self) -> None:
        self.declared = ["core", "discovery", "test-interface"]
        self.routes: dict[tuple[str, str], Handler] = {}
        self.calls: list[tuple[str, str, str | None]] = []
        self.reset()

    def reset(self) -> None:
        self.declared = ["core", "discovery", "test-interface"]
        self.calls.clear()
        self.routes = {
            ("GET", "/api-info"): lambda r: JSONResponse(
                {
                    "name": "fake",
                    "apiVersion": spec.version(),
                    "product": {"supplier": "Test AB", "name": "fake", "version": "1.0.0"},
                }
            ),
            ("GET", "/conformance"): lambda r: JSONResponse(
                {"apiVersion": spec.version(), "conformsTo": self.declared}
            ),
            ("GET", "/facilities"): lambda r: JSONResponse(page([])),
            ("GET", "/me"): self._me,
            ("POST", "/test/reset"): lambda r: Response(status_code=204),
            ("POST", "/test/tokens"): lambda r: JSONResponse(
                {
                    "accessToken": TOKEN,
                    "tokenType": "Bearer",
                    "expiresIn": 3600,
                    "expiresAt": "2026-01-01T00:00:00Z",
                },
                status_code=201,
            ),
            ("POST", "/test/fixtures"): lambda r: JSONResponse({"ids": {"hall": "h-1"}}, status_code=201),
            ("GET", "/test/clock"): lambda r: JSONResponse({"now": "2026-03-29T00:30:00Z", "frozen": True}),
            ("PUT", "/test/clock"): lambda r: JSONResponse({"now": "2026-03-29T00:30:00Z", "frozen": True}),
            ("DELETE", "/test/clock"): lambda r: Response(status_code=204),
        }

    @staticmethod
    def _me(request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            response = problem(401, "unauthorized", "No valid token.")
            response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            return response
        return JSONResponse({"persona": "citizen", "subject": "p-1", "expiresAt": "2026-01-01T00:00:00Z"})

    def route(self, method: str, path: str, handler: Handler) -> None:
        self.routes[(method, path)] = handler

    async def dispatch(self, request: Request) -> Response:
        path = "/" + request.path_params["path"]
        self.calls.append((request.method, path, request.headers.get("authorization")))
        handler = self.routes.get((request.method, path.removeprefix("/v1")))
        if not path.startswith("/v1/") or handler is None:
            return problem(404, "not-found", f"No route {path}.")
        response = handler(request)
        if "api-version" not in response.headers:
            response.headers["API-Version"] = spec.version()  # CORE-026, on every answer of the API
        response.headers.setdefault("X-Content-Type-Options", "nosniff")  # CORE-028
        response.headers.setdefault("Cache-Control", "no-store")  # CORE-029: never cached, whoever asks
        return response

    def app(self) -> Starlette:
        methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
        return Starlette(routes=[Route("/{path:path}", self.dispatch, methods=methods)])


class Served:
    """The fake API on a real port, in a thread."""

    def __init__(self, api: FakeApi) -> None:
        self.api = api
        self.port = free_port()
        config = uvicorn.Config(api.app(), host="127.0.0.1", port=self.port, log_level="error", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake API did not start")
            time.sleep(0.01)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    s = Served(FakeApi())
    yield s
    s.stop()


@pytest.fixture
def api(served: Served) -> Iterator[FakeApi]:
    served.api.reset()
    yield served.api
    served.api.reset()


@pytest.fixture
def client(served: Served, api: FakeApi) -> Iterator[RecordingClient]:
    c = RecordingClient.open(served.root, timeout=5, recorder=Recorder()).for_check("core.test")
    yield c
    c.close()


def messages(c: RecordingClient) -> list[str]:
    return [v.message for x in c.recorder.exchanges for v in x.violations]


# ---------------------------------------------------------------------------------------------
# Every response is judged against the spec


def test_a_conforming_response_has_no_violations(client: RecordingClient) -> None:
    client.get("/api-info")
    client.get("/facilities", params={"limit": 5})
    client.post("/test/reset")  # 204 without a body
    assert messages(client) == []
    assert client.recorder.exchanges[1].url.endswith("/v1/facilities?limit=5")


def test_undocumented_status_is_a_violation(client: RecordingClient, api: FakeApi) -> None:
    api.route("GET", "/facilities", lambda r: problem(500, "internal-error"))
    client.get("/facilities")
    assert messages(client) == ["status 500 is not documented for listFacilities (documented: 200, 400, 401)"]


def test_wrong_content_type_is_a_violation(client: RecordingClient, api: FakeApi) -> None:
    body = {"type": "urn:bob:problem:validation-error", "title": "t", "status": 400, "detail": "d"}
    api.route("GET", "/facilities", lambda r: JSONResponse(body, status_code=400))  # not problem+json
    client.get("/facilities")
    [message] = messages(client)
    assert message.startswith("content type application/json is not declared for status 400")


def test_schema_violation_is_reported_with_its_pointer(client: RecordingClient, api: FakeApi) -> None:
    api.route("GET", "/api-info", lambda r: JSONResponse({"name": "fake", "apiVersion": "one", "product": {}}))
    client.get("/api-info")
    found = messages(client)
    assert any(m.startswith("body /apiVersion:") for m in found), found
    assert any(m.startswith("body /product:") and "supplier" in m for m in found), found


def test_empty_or_invalid_json_bodies_are_violations(client: RecordingClient, api: FakeApi) -> None:
    api.route("GET", "/api-info", lambda r: Response("{not json", media_type="application/json"))
    api.route("GET", "/facilities", lambda r: Response(b"", media_type="application/json"))
    client.get("/api-info")
    client.get("/facilities")
    found = messages(client)
    assert found[0].startswith("body is not valid JSON")
    assert found[1] == "empty body; status 200 documents application/json"


def test_a_body_where_none_is_documented_is_a_violation() -> None:
    # HTTP servers refuse to send a body with 204, so this is judged without one.
    headers = {"content-type": "application/json", "api-version": spec.version()}
    found = spec_violations("POST", "/test/reset", 204, headers, '{"ok": true}')
    assert [v.message for v in found] == ["status 204 documents no body, yet one was sent"]


def test_unknown_path_is_a_violation_unless_declared_off_spec(client: RecordingClient) -> None:
    client.get("/no-such-thing")
    client.get("/no-such-thing", off_spec=True)  # a proper 404 problem: fine
    assert messages(client) == ["GET /no-such-thing is not an operation of the standard"]


def test_off_spec_errors_must_still_be_problems(client: RecordingClient, api: FakeApi) -> None:
    api.route("GET", "/elsewhere", lambda r: Response("nope", status_code=404, media_type="text/plain"))
    client.get("/elsewhere", off_spec=True)
    assert "content type text/plain is not declared" in messages(client)[0]


def test_connection_refused_raises_unreachable() -> None:
    c = RecordingClient.open(f"http://127.0.0.1:{free_port()}/v1", timeout=2, recorder=Recorder())
    with pytest.raises(Unreachable) as caught:
        c.get("/api-info")
    assert "GET http://127.0.0.1:" in caught.value.message
    c.close()


def test_timeout_raises_unreachable(client: RecordingClient, api: FakeApi) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.5)
        return JSONResponse(page([]))

    api.route("GET", "/facilities", slow)
    quick = RecordingClient.open(client.api_root, timeout=0.1, recorder=Recorder())
    with pytest.raises(Unreachable, match=r"no response within 0\.1 s"):
        quick.get("/facilities")
    quick.close()


# ---------------------------------------------------------------------------------------------
# Privacy scan


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ('{"p": "198112189876"}', "198112189876"),
        (f"leader {PNR}.", PNR),
        ("born 811218-9876", "811218-9876"),
        ("born 811218+9876", "811218+9876"),
    ],
)
def test_personnummer_found(text: str, found: str) -> None:
    assert find_personnummer(text) == [found]


@pytest.mark.parametrize(
    "text",
    [
        "19811218-****",  # masked, as the standard demands
        "19811218-9877",  # Luhn fails
        "19811318-9876",  # month 13
        "19811218-9876-4d2a-b7c6-5e8f9a0b1c2d",  # the head of a UUID
        "8a3c1f27-9e4b-4d2a-b7c6-198112189876",  # the tail of a UUID
        '{"longitude": 18.198112189876}',  # decimals
        "1198112189876",  # part of a longer number
        "8020001234",  # organisationsnummer
        "+46701234567",  # phone number
    ],
)
def test_not_personnummer(text: str) -> None:
    assert find_personnummer(text) == []


def test_samordningsnummer_found() -> None:
    head = "811278987"  # born on the 18th: coordination numbers add 60 to the day
    check = next(d for d in "0123456789" if luhn_valid(head + d))
    assert find_personnummer(f"19{head}{check}") == [f"19{head}{check}"]


def test_personnummer_to_anonymous_callers_is_a_violation(client: RecordingClient, api: FakeApi) -> None:
    api.route("GET", "/facilities", lambda r: JSONResponse(page([], note=f"contact {PNR}")))
    client.get("/facilities")
    client.with_credential(Credential(TOKEN)).get("/facilities")  # an identified caller may see it here
    [anonymous, identified] = client.recorder.exchanges
    assert [(v.kind, v.message) for v in anonymous.violations] == [
        ("privacy", "personnummer 19811218-**** in a response to an anonymous request")
    ]
    assert identified.violations == []


def test_test_interface_is_exempt_from_the_privacy_scan(client: RecordingClient, api: FakeApi) -> None:
    api.route("POST", "/test/fixtures", lambda r: JSONResponse({"ids": {"p": "p-1"}, "echo": PNR}, status_code=201))
    client.post("/test/fixtures", json={"persons": []})
    assert messages(client) == []


# ---------------------------------------------------------------------------------------------
# Evidence is redacted, reproducible


def test_authorization_is_redacted_and_curl_uses_a_placeholder(client: RecordingClient) -> None:
    response = client.with_credential(Credential(TOKEN, {"persona": "citizen", "personId": "p-1"})).get("/me")
    exchange = response.exchange
    assert exchange.request_headers["authorization"] == f"Bearer {REDACTED}"
    curl = exchange.curl(client.api_root)
    assert TOKEN not in curl and TOKEN not in json.dumps(exchange.to_dict())
    assert '"authorization: Bearer $TOKEN"' in curl
    mint, repeat = curl.splitlines()
    assert mint.startswith("TOKEN=$(curl") and f"{client.api_root}/test/tokens" in mint and '"personId": "p-1"' in mint
    assert repeat.startswith(f"curl -sS -i -X GET {client.api_root}/me")


def test_curl_carries_the_body_and_explicit_headers(client: RecordingClient) -> None:
    response = client.post("/test/fixtures", json={"persons": []}, headers={"Accept-Language": "sv"})
    curl = response.exchange.curl(client.api_root)
    assert "-H 'accept-language: sv'" in curl and "--data-raw '{\"persons\":[]}'" in curl
    assert "user-agent" not in curl and "TOKEN" not in curl


def test_a_reproduced_request_carries_a_fresh_idempotency_key(client: RecordingClient, api: FakeApi) -> None:
    # The recorded key would get the server's stored first answer back, not the behaviour that failed.
    keys: list[str | None] = []

    def created(request: Request) -> Response:
        keys.append(request.headers.get("idempotency-key"))
        return JSONResponse({"ids": {}}, status_code=201)

    api.route("POST", "/test/fixtures", created)
    curl = client.post("/test/fixtures", json={"persons": []}, headers={"Idempotency-Key": "k-1"}).exchange.curl(
        client.api_root
    )
    assert "k-1" not in curl
    retry = curl.splitlines()[-1]
    for script in (curl, curl, f"{curl}\n{retry}"):  # the last: the command's request, then a retry of it
        done = subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=30, check=False)
        assert done.returncode == 0 and " 201 " in done.stdout, done.stderr
    recorded, first, second, third, retried = keys
    assert recorded == "k-1"
    assert len({first, second, third}) == 3 and all(uuid.UUID(str(k)).version == 4 for k in (first, second, third))
    assert retried == third


# ---------------------------------------------------------------------------------------------
# expect(): failures carry the exchange


def test_status_failure_carries_expected_actual_and_exchange(client: RecordingClient) -> None:
    response = client.get("/facilities")
    with pytest.raises(CheckFailure) as caught:
        expect(response).status(201, 202)
    failure = caught.value
    assert failure.expected == "201 or 202" and failure.actual == 200
    assert failure.exchange is response.exchange
    assert (
        failure.message.startswith("GET http://127.0.0.1:") and "expected status 201 or 202, got 200" in failure.message
    )


def test_problem_expectations(client: RecordingClient, api: FakeApi) -> None:
    errors = [{"in": "query", "name": "limit", "detail": "too large"}]
    api.route("GET", "/facilities", lambda r: problem(400, "validation-error", "bad query", errors=errors))
    response = client.get("/facilities", params={"limit": 1000})
    expect(response).status(400).problem(status=400, type_suffix="validation-error").names_parameter("limit")
    with pytest.raises(CheckFailure, match="expected problem type …:not-found"):
        expect(response).problem(type_suffix="not-found")
    with pytest.raises(CheckFailure, match="does not name 'page'"):
        expect(response).names_parameter("page")
    with pytest.raises(CheckFailure, match="expected content type application/problem\\+json, got application/json"):
        expect(client.get("/api-info")).problem()


def test_problem_status_member_must_match(client: RecordingClient, api: FakeApi) -> None:
    api.route(
        "GET",
        "/facilities",
        lambda r: JSONResponse(
            {"type": "urn:bob:problem:x", "title": "t", "status": 422, "detail": "d"},
            status_code=400,
            media_type="application/problem+json",
        ),
    )
    with pytest.raises(CheckFailure, match="problem status differs") as caught:
        expect(client.get("/facilities")).problem()
    assert (caught.value.expected, caught.value.actual) == (400, 422)


def test_field_header_and_json(client: RecordingClient) -> None:
    info = expect(client.get("/api-info")).field("product.supplier", "Test AB").field("name")
    assert info.json()["name"] == "fake"
    with pytest.raises(CheckFailure, match=r"field product\.colour is missing"):
        info.field("product.colour")
    with pytest.raises(CheckFailure, match="field name is 'fake', expected 'other'"):
        info.field("name", "other")
    expect(client.get("/facilities")).field("items").field("totalItems", 0)
    denied = client.get("/me")
    expect(denied).status(401).header("WWW-Authenticate", startswith="Bearer")
    with pytest.raises(CheckFailure, match="header X-Missing is missing"):
        expect(denied).header("X-Missing")


def test_ensure_carries_the_response_it_is_about(client: RecordingClient) -> None:
    response = client.get("/facilities")
    ensure(True, "never raised")
    with pytest.raises(CheckFailure) as caught:
        ensure(False, "ordered wrongly", expected=["a", "b"], actual=["b", "a"], response=response)
    assert caught.value.exchange is response.exchange and caught.value.actual == ["b", "a"]


# ---------------------------------------------------------------------------------------------
# CheckContext


@pytest.fixture
def state(served: Served, api: FakeApi) -> Iterator[RunState]:
    c = RecordingClient.open(served.root, timeout=5, recorder=Recorder())
    yield RunState(client=c, seed=42)
    c.close()


def test_personas_get_cached_tokens_until_the_clock_moves(state: RunState, api: FakeApi) -> None:
    ctx = CheckContext(state, "core.a")
    me = ctx.as_persona("citizen", personId="p-1").get("/me")
    assert me.status_code == 200 and me.exchange.token_request == {"persona": "citizen", "personId": "p-1"}
    CheckContext(state, "core.b").as_persona("citizen", personId="p-1").get("/me")
    assert [c[:2] for c in api.calls].count(("POST", "/v1/test/tokens")) == 1
    token_exchange = next(x for x in state.client.recorder.exchanges if x.url.endswith("/test/tokens"))
    assert TOKEN not in token_exchange.response_body and REDACTED in token_exchange.response_body
    ctx.test.set_clock(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), frozen=True)
    ctx.as_persona("citizen", personId="p-1")
    assert [c[:2] for c in api.calls].count(("POST", "/v1/test/tokens")) == 2
    assert ctx.test.clock().frozen is True


def test_test_interface_helpers(state: RunState, api: FakeApi) -> None:
    ctx = CheckContext(state, "core.a")
    ctx.shared["facilities"] = ["f-1"]
    assert ctx.shared.get_or_create("units", lambda: ["u-1"]) == ["u-1"]
    assert ctx.shared.get_or_create("units", lambda: ["other"]) == ["u-1"]
    assert ctx.test.fixtures({"facilities": []}) == {"hall": "h-1"}
    ctx.test.reset()
    assert ctx.shared == {} and state.tokens == {}
    clock = ctx.test.set_clock(datetime(2026, 3, 29, 2, 30, tzinfo=UTC))
    assert clock.now == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    put = next(x for x in state.client.recorder.exchanges if x.method == "PUT")
    assert json.loads(put.request_body or "") == {"now": "2026-03-29T02:30:00Z", "frozen": False}
    assert state.clock_moved
    ctx.restore_clock()
    assert api.calls[-1][:2] == ("DELETE", "/v1/test/clock") and not state.clock_moved
    ctx.restore_clock()  # nothing to put back now
    assert api.calls[-1][:2] == ("DELETE", "/v1/test/clock") and len(api.calls) == 4


def test_raw_test_interface_requests_are_followed_too(state: RunState, api: FakeApi) -> None:
    ctx = CheckContext(state, "test-interface.a")
    ctx.shared["x"] = 1
    ctx.as_persona("citizen", personId="p-1")
    ctx.anonymous.put("/test/clock", json={"now": "2026-03-29T00:30:00Z"})
    assert state.clock_moved and state.tokens == {}
    ctx.anonymous.post("/test/reset")
    assert not state.clock_moved and ctx.shared == {}


def test_a_broken_test_interface_is_a_precondition_of_its_requirement(state: RunState, api: FakeApi) -> None:
    api.route("POST", "/test/fixtures", lambda r: problem(400, "validation-error"))
    with pytest.raises(
        PreconditionFailure, match=r"precondition \(TEST-002\) not met: POST .* expected status 201, got 400"
    ) as caught:
        CheckContext(state, "core.a").test.fixtures({"facilities": []})
    assert caught.value.requirement == "TEST-002" and caught.value.exchange.status == 400
    api.route("POST", "/test/tokens", lambda r: JSONResponse({"accessToken": ""}, status_code=201))
    with pytest.raises(PreconditionFailure, match="accessToken is not a string") as caught:
        CheckContext(state, "core.a").as_persona("citizen", personId="p-1")
    assert caught.value.requirement == "TEST-005"


def test_randomness_is_reproducible_per_check(state: RunState) -> None:
    def draw(check_id: str) -> list[float]:
        return [CheckContext(state, check_id).random.random() for _ in range(3)]

    assert draw("core.a") == draw("core.a")
    assert draw("core.a") != draw("core.b")


def test_finish_fails_a_check_whose_responses_break_the_spec(state: RunState, api: FakeApi) -> None:
    api.route("GET", "/facilities", lambda r: problem(500, "internal-error"))
    ctx = CheckContext(state, "core.a")
    ctx.anonymous.get("/facilities")
    with pytest.raises(CheckFailure, match=r"a response breaks the standard: GET .* -> 500: status 500 is not"):
        ctx.finish()


# ---------------------------------------------------------------------------------------------
# Registry


def _noop(ctx: CheckContext) -> None:
    pass


def test_build_check_normalises_ids_and_validates_requirements() -> None:
    made = build_check(_noop, id="api-info-anonymous", title="t", requirements=["CORE-001"], cls="core")
    assert (made.id, made.cls, made.requirements) == ("core.api-info-anonymous", "core", ("CORE-001",))
    assert build_check(_noop, id="core.x", title="t", requirements=["CORE-001"], cls="core").id == "core.x"
    with pytest.raises(RegistryError, match="unknown requirement id\\(s\\) CORE-999"):
        build_check(_noop, id="x", title="t", requirements=["CORE-999"], cls="core")
    with pytest.raises(RegistryError, match="unknown conformance class 'bookings'"):
        build_check(_noop, id="x", title="t", requirements=["CORE-001"], cls="bookings")
    with pytest.raises(RegistryError, match="pass cls="):
        build_check(_noop, id="x", title="t", requirements=["CORE-001"])
    with pytest.raises(RegistryError, match="kebab-case"):
        build_check(_noop, id="Near_Radius", title="t", requirements=["CORE-001"], cls="core")
    with pytest.raises(RegistryError, match="reserved"):
        build_check(_noop, id="responses-match-spec", title="t", requirements=["CORE-003"], cls="core")


def test_class_is_inferred_from_the_checks_module() -> None:
    def in_module(ctx: CheckContext) -> None:
        pass

    in_module.__module__ = "conformance.checks.test_interface"
    made = build_check(in_module, id="reset", title="t", requirements=["TEST-001"])
    assert made.id == "test-interface.reset" and made.cls == "test-interface"


# ---------------------------------------------------------------------------------------------
# The runner and its reports


def _check(id: str, cls: str, requirements: list[str], func: Callable[[CheckContext], None]) -> Check:
    return build_check(func, id=id, title=f"title of {id}", requirements=requirements, cls=cls)


def passes(ctx: CheckContext) -> None:
    expect(ctx.anonymous.get("/api-info")).status(200).field("name")


def fails(ctx: CheckContext) -> None:
    expect(ctx.as_persona("citizen", personId="p-1").get("/facilities")).status(201)


def skips(ctx: CheckContext) -> None:
    raise Skip("nothing to see")


def crashes(ctx: CheckContext) -> None:
    raise RuntimeError("boom")


def breaks_the_spec(ctx: CheckContext) -> None:
    ctx.anonymous.get("/facilities", params={"q": "x"})


def moves_the_clock(ctx: CheckContext) -> None:
    ctx.test.set_clock(datetime(2026, 3, 29, tzinfo=UTC))
    ensure(False, "gave up after moving the clock")


SUITE = [
    _check("passes", "core", ["CORE-001"], passes),
    _check("fails", "discovery", ["DISC-001"], fails),
    _check("skips", "discovery", ["DISC-002"], skips),
    _check("crashes", "discovery", ["DISC-003"], crashes),
    _check("breaks-the-spec", "discovery", ["DISC-008"], breaks_the_spec),
    _check("moves-the-clock", "test-interface", ["TEST-004"], moves_the_clock),
]


def certify(served: Served, tmp_path: Path, checks: list[Check], **kw: Any) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    options: dict[str, Any] = {"profile": None, "seed": 7, "timeout": 5.0, "quiet": False} | kw
    code = run_certification(
        base_url=options.pop("base_url", served.root + "/"),
        report_dir=tmp_path / "report",
        checks=checks,
        out=out,
        err=err,
        **options,
    )
    return code, out.getvalue(), err.getvalue()


def load_report(tmp_path: Path) -> dict[str, Any]:
    return json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))


def test_a_clean_run_exits_0(served: Served, api: FakeApi, tmp_path: Path) -> None:
    code, out, err = certify(served, tmp_path, [SUITE[0]])
    assert code == 0, err
    assert out.startswith("passed 7, failed 0, skipped 0, errors 0 (seed 7) — report: ")
    assert out.strip().endswith("report.html")
    assert "PASS core.passes" in err  # one line per check when stderr is not a terminal


def test_the_terminal_counts_every_result_and_ends_with_what_failed(
    served: Served, api: FakeApi, tmp_path: Path
) -> None:
    """Every result is shown as `[n/N]`, the runner's own verdicts included, so the lines add up to the
    summary; the output ends with each failure, its requirement, the reason and how to replay it."""
    api.route("GET", "/facilities", lambda r: problem(500, "internal-error"))
    code, out, err = certify(served, tmp_path, SUITE)
    summary = load_report(tmp_path)["summary"]
    shown = [line for line in err.splitlines() if re.match(r"\[\d+/\d+\] (PASS|FAIL|SKIP|ERROR) ", line)]
    total = sum(summary.values())
    assert len(shown) == total and shown[-1].startswith(f"[{total}/{total}] ")
    for label, key in (("PASS", "passed"), ("FAIL", "failed"), ("SKIP", "skipped"), ("ERROR", "errors")):
        assert sum(f"] {label} " in line for line in shown) == summary[key], label
    assert code == 1 and summary["failed"] > 0
    listed = out.splitlines()[out.splitlines().index(f"{summary['failed'] + summary['errors']} not passed:") + 1 :]
    failures = [line for line in listed if line.startswith(("  FAIL ", "  ERROR "))]
    assert len(failures) == summary["failed"] + summary["errors"]
    assert all(re.match(r"  (FAIL|ERROR) \S+ \[[A-Z]+-\d{3}(, [A-Z]+-\d{3})*\] — \S", line) for line in failures)


def test_report_json_structure(served: Served, api: FakeApi, tmp_path: Path) -> None:
    api.route(
        "GET",
        "/facilities",
        lambda r: JSONResponse(page([])) if "q" not in r.query_params else problem(500, "internal-error"),
    )
    code, _, err = certify(served, tmp_path, SUITE)
    assert code == 1
    report = load_report(tmp_path)
    stated = spec.find_release(spec.version())  # the fake states the working spec's version
    assert stated is not None and report["specVersion"] == spec.version()
    assert report["specDigest"] == spec.digest(stated) and report["specDraft"] is stated.draft
    assert report["suiteVersion"] and report["seed"] == 7 and report["baseUrl"] == served.root
    assert report["declaredClasses"] == ["core", "discovery", "test-interface"]
    assert report["startedAt"].endswith("Z") and report["durationSeconds"] >= 0
    assert report["rerun"] == f"bokbid certify --base-url {served.root} --seed 7 --spec-version {spec.version()}"
    assert report["refused"] == [] and report["profile"] is None
    statuses = {r["id"]: r["status"] for r in report["results"]}
    assert statuses == {
        "core.conformance-declaration": "passed",
        "core.passes": "passed",
        "discovery.fails": "failed",
        "discovery.skips": "skipped",
        "discovery.crashes": "error",
        "discovery.breaks-the-spec": "failed",
        "test-interface.moves-the-clock": "failed",
        "core.responses-match-spec": "failed",
        "core.no-personal-data-to-anonymous": "passed",
        "core.api-version-header": "passed",
        "core.content-type-options": "passed",
        "core.no-store": "passed",
    }
    assert report["summary"] == {"passed": 6, "failed": 4, "skipped": 1, "errors": 1}
    by_id = {r["id"]: r for r in report["results"]}
    failed = by_id["discovery.fails"]
    assert set(failed) >= {
        "id",
        "title",
        "requirements",
        "class",
        "status",
        "message",
        "durationMs",
        "failure",
    }
    assert failed["requirements"] == ["DISC-001"] and failed["class"] == "discovery"
    assert failed["failure"]["expected"] == 201 and failed["failure"]["actual"] == 200  # a status, not [201]
    assert failed["failure"]["request"]["headers"]["authorization"] == f"Bearer {REDACTED}"
    assert "$TOKEN" in failed["failure"]["curl"] and TOKEN not in json.dumps(report)
    assert failed["replay"] == {
        "command": f"bokbid replay {tmp_path / 'report'} discovery.fails",
        "script": "replay/discovery.fails.sh",
    }
    assert (tmp_path / "report" / "replay" / "discovery.fails.sh").is_file()
    # A verdict drawn from the whole run is replayed through the check whose request showed it.
    assert by_id["core.responses-match-spec"]["replay"]["script"] == "replay/core.responses-match-spec.sh"
    crashed = by_id["discovery.crashes"]
    assert crashed["message"] == "RuntimeError: boom" and "Traceback" in crashed["traceback"]
    assert crashed["replay"] is None  # it sent no request: nothing to replay
    assert by_id["core.passes"]["replay"] is None
    assert "RuntimeError: boom" in err and "Traceback" not in err
    assert "status 500 is not documented" in by_id["core.responses-match-spec"]["message"]
    assert "[discovery.breaks-the-spec] GET" in by_id["core.responses-match-spec"]["message"]
    calls = [c[:2] for c in api.calls]
    assert calls[calls.index(("PUT", "/v1/test/clock")) + 1] == ("DELETE", "/v1/test/clock")  # put back

    verdicts = {r["id"]: r for r in report["requirements"]}
    assert verdicts["CORE-001"]["verdict"] == "passed" and verdicts["CORE-001"]["checks"] == ["core.passes"]
    assert verdicts["DISC-001"]["verdict"] == "failed"
    assert verdicts["DISC-002"]["verdict"] == "skipped"
    assert verdicts["DISC-003"]["verdict"] == "inconclusive"  # an error cannot certify, nor show it broken
    assert verdicts["DISC-004"] == {
        "id": "DISC-004",
        "level": "MUST",
        "class": "discovery",
        "verdict": "not-tested",
        "checks": [],
    }
    assert verdicts["CORE-017"]["level"] == "SHOULD"
    assert {r["class"] for r in report["requirements"]} == {"core", "discovery", "test-interface"}


def test_junit_html_and_evidence(served: Served, api: FakeApi, tmp_path: Path) -> None:
    api.route(
        "GET",
        "/facilities",
        lambda r: Response("<oops>\x01 & \x1b", status_code=200, media_type="text/plain"),
    )
    certify(served, tmp_path, SUITE)
    root = ET.parse(tmp_path / "report" / "junit.xml").getroot()
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == ["core", "discovery", "test-interface"]
    assert root.get("tests") == "12"
    discovery = suites["discovery"]
    assert (
        discovery.get("tests"),
        discovery.get("failures"),
        discovery.get("errors"),
        discovery.get("skipped"),
    ) == ("4", "2", "1", "1")
    case = next(c for c in discovery.iter("testcase") if c.get("name") == "discovery.fails")
    failure = case.find("failure")
    assert failure is not None and "expected status 201, got 200" in (failure.get("message") or "")
    assert "--- response" in (failure.text or "") and "<oops>\ufffd & \ufffd" in (failure.text or "")

    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert "&lt;oops&gt;" in html and "<oops>" not in html
    assert "bokbid certify --base-url" in html and "--seed 7" in html
    assert "no check: a gap in the suite" in html and TOKEN not in html

    lines = (tmp_path / "report" / "evidence.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert records[0]["checkId"] == "core.conformance-declaration"
    assert {"request", "response", "violations", "checkId"} <= set(records[0])
    assert all(TOKEN not in line for line in lines)


def lists_facilities(ctx: CheckContext) -> None:
    """A check of the list itself: GET /facilities is its own subject."""
    expect(ctx.anonymous.get("/facilities")).status(200)


def needs_the_list(ctx: CheckContext) -> None:
    """A check that only counts facilities on the way, as a "nothing changed" probe does."""
    require(ctx.anonymous.get("/facilities", params={"limit": 1}), "DISC-001").status(200)
    ensure(False, "never reached when the precondition fails")


def needs_the_list_on_page(ctx: CheckContext) -> None:
    require(ctx.anonymous.get("/facilities", params={"page": ctx.random.randint(2, 9)}), "DISC-001").status(200)


def needs_fixtures(ctx: CheckContext) -> None:
    ctx.test.fixtures({"facilities": []})


def needs_the_list_itself(ctx: CheckContext) -> None:
    """A precondition naming a requirement the check verifies is that check's own failure."""
    require(ctx.anonymous.get("/facilities"), "DISC-001").status(200)


PRECONDITIONS = [
    _check("lists", "discovery", ["DISC-001"], lists_facilities),
    _check("needs-the-list", "core", ["CORE-005"], needs_the_list),
    _check("needs-the-list-on-page", "discovery", ["DISC-003"], needs_the_list_on_page),
    _check("needs-fixtures", "discovery", ["DISC-004"], needs_fixtures),
    _check("needs-the-list-itself", "discovery", ["DISC-001", "DISC-005"], needs_the_list_itself),
    _check("needs-the-list-too", "core", ["CORE-007"], needs_the_list),
    _check("passes-too", "core", ["CORE-007"], passes),
]


def test_a_failed_precondition_is_an_error_with_its_cause(served: Served, api: FakeApi, tmp_path: Path) -> None:
    api.route("GET", "/facilities", lambda r: problem(400, "validation-error", "municipalityCode is required."))
    api.route("POST", "/test/fixtures", lambda r: problem(500, "internal-error"))
    code, out, _ = certify(served, tmp_path, PRECONDITIONS)
    assert code == 1  # an error alone fails the run
    report = load_report(tmp_path)
    by_id = {r["id"]: r for r in report["results"]}
    assert by_id["discovery.lists"]["status"] == "failed" and by_id["discovery.lists"]["cause"] is None
    assert by_id["discovery.needs-the-list-itself"]["status"] == "failed"
    needs = by_id["core.needs-the-list"]
    assert needs["status"] == "error" and needs["requirements"] == ["CORE-005"]  # the check keeps its requirements
    assert needs["cause"] == {
        "request": "GET /facilities?limit=1",
        "operation": "GET /facilities",
        "requirement": "DISC-001",
        "status": 400,
        "message": needs["message"],
    }
    assert needs["message"].startswith("precondition (DISC-001) not met: GET ") and "got 400" in needs["message"]
    assert needs["failure"]["actual"] == 400 and "curl" in needs["failure"]["curl"]
    fixtures = by_id["discovery.needs-fixtures"]
    assert fixtures["status"] == "error"
    assert (fixtures["cause"]["operation"], fixtures["cause"]["requirement"]) == ("POST /test/fixtures", "TEST-002")

    verdicts = {r["id"]: r["verdict"] for r in report["requirements"]}
    assert verdicts["DISC-001"] == "failed"  # its own checks failed
    # The check also verifies DISC-005, but what failed was the list it is about (DISC-001): DISC-005 was
    # never reached, so it is not shown broken.
    assert by_id["discovery.needs-the-list-itself"]["failedRequirements"] == ["DISC-001"]
    assert verdicts["DISC-005"] == "inconclusive"
    assert verdicts["CORE-005"] == "inconclusive"  # met, as far as anyone knows: its check could not run
    assert verdicts["DISC-003"] == "inconclusive" and verdicts["DISC-004"] == "inconclusive"
    assert verdicts["CORE-007"] == "inconclusive"  # one check passed, one could not run: not certifiable

    assert report["rootCauses"] == [
        {
            "operation": "GET /facilities",
            "requirement": "DISC-001",
            "status": 400,
            "request": "GET /facilities?limit=1",
            "checks": ["core.needs-the-list", "discovery.needs-the-list-on-page", "core.needs-the-list-too"],
            "summary": "3 checks could not run: GET /facilities?limit=1 answered 400 — DISC-001",
        },
        {
            "operation": "POST /test/fixtures",
            "requirement": "TEST-002",
            "status": 500,
            "request": "POST /test/fixtures",
            "checks": ["discovery.needs-fixtures"],
            "summary": "1 check could not run: POST /test/fixtures answered 500 — TEST-002",
        },
    ]
    lines = out.splitlines()
    assert lines[1:4] == [
        "  3 checks could not run: GET /facilities?limit=1 answered 400 — DISC-001",
        "  1 check could not run: POST /test/fixtures answered 500 — TEST-002",
        f"{report['summary']['failed'] + report['summary']['errors']} not passed:",
    ]
    assert "  ERROR core.needs-the-list [" in out
    assert f"    replay: bokbid replay {tmp_path / 'report'} core.needs-the-list" in lines
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert "3 checks could not run: GET /facilities?limit=1 answered 400 — DISC-001" in html
    assert '<span class="badge inconclusive">inconclusive</span>' in html


def one_of_two_broken(ctx: CheckContext) -> None:
    """A check of two requirements whose second assertion, about CORE-006, does not hold."""
    expect(ctx.anonymous.get("/api-info"), "CORE-001").status(200)
    expect(ctx.anonymous.get("/api-info"), "CORE-006").status(404)


def lists_against_the_schema(ctx: CheckContext) -> None:
    """Its own assertion holds; the response breaks the spec's schema on the way."""
    expect(ctx.anonymous.get("/facilities")).status(200)


def test_a_failure_counts_against_the_requirement_its_assertion_names(
    served: Served, api: FakeApi, tmp_path: Path
) -> None:
    api.route("GET", "/facilities", lambda r: JSONResponse({"items": "none", "page": 1}))
    checks = [
        _check("one-of-two", "core", ["CORE-001", "CORE-006"], one_of_two_broken),
        _check("lists", "discovery", ["DISC-001"], lists_against_the_schema),
    ]
    code, _, _ = certify(served, tmp_path, checks)
    assert code == 1
    report = load_report(tmp_path)
    by_id = {r["id"]: r for r in report["results"]}
    assert by_id["core.one-of-two"]["status"] == "failed"
    assert by_id["core.one-of-two"]["failedRequirements"] == ["CORE-006"]
    assert by_id["discovery.lists"]["failedRequirements"] == ["CORE-003"]
    verdicts = {r["id"]: r["verdict"] for r in report["requirements"]}
    assert verdicts["CORE-006"] == "failed" and verdicts["CORE-003"] == "failed"
    # Not reached (CORE-001 was asked first and held) or met but shown with a broken response: never "failed".
    assert verdicts["CORE-001"] == "inconclusive" and verdicts["DISC-001"] == "inconclusive"
    junit = (tmp_path / "report" / "junit.xml").read_text(encoding="utf-8")
    assert "broken: CORE-006" in junit and "broken: CORE-003" in junit


def test_a_met_precondition_changes_nothing(served: Served, api: FakeApi, tmp_path: Path) -> None:
    code, out, _ = certify(served, tmp_path, [PRECONDITIONS[2], PRECONDITIONS[6]])
    assert code == 0 and len(out.splitlines()) == 1
    report = load_report(tmp_path)
    assert report["rootCauses"] == [] and all(r["cause"] is None for r in report["results"])
    assert {r["id"]: r["verdict"] for r in report["requirements"]}["DISC-003"] == "passed"


def test_unreachable_server_exits_3(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = run_certification(
        base_url=f"http://127.0.0.1:{free_port()}/v1",
        profile=None,
        report_dir=tmp_path,
        seed=1,
        timeout=2.0,
        quiet=True,
        checks=[],
        out=out,
        err=err,
    )
    assert code == 3
    assert err.getvalue().startswith("error: cannot reach http://127.0.0.1:") and err.getvalue().count("\n") == 1


def test_usage_errors_exit_2(served: Served, tmp_path: Path) -> None:
    code, _, err = certify(served, tmp_path, [], profile="no-such-profile")
    assert code == 2 and "kommunens-processtod-bas" in err
    code, _, err = certify(served, tmp_path, [], base_url="localhost:8000/v1")
    assert code == 2 and "http(s) URL" in err


def test_profile_with_undeclared_classes_is_refused(served: Served, api: FakeApi, tmp_path: Path) -> None:
    api.declared = ["core", "test-interface"]
    code, _, err = certify(served, tmp_path, SUITE, profile="kommunens-processtod-bas")
    assert code == 1
    assert "refused: profile kommunens-processtod-bas requires the discovery class" in err
    report = load_report(tmp_path)
    discovery = [r for r in report["results"] if r["class"] == "discovery"]
    assert len(discovery) == 4 and {r["status"] for r in discovery} == {"failed"}
    assert "requires the discovery class" in discovery[0]["message"]
    assert not any(r["id"] == "core.passes" for r in report["results"])  # refused: nothing else ran


def test_a_server_without_test_interface_is_refused(served: Served, api: FakeApi, tmp_path: Path) -> None:
    api.declared = ["core", "discovery"]
    code, _, err = certify(served, tmp_path, SUITE)
    assert code == 1 and "certification needs a sandbox that exposes the test-interface class" in err
    assert load_report(tmp_path)["refused"][0].startswith("certification needs a sandbox")
    assert "Certification refused." in (tmp_path / "report" / "report.html").read_text(encoding="utf-8")


def test_a_refusal_stands_even_without_checks_for_the_missing_class(
    served: Served, api: FakeApi, tmp_path: Path
) -> None:
    api.declared = ["core"]
    code, _, _ = certify(served, tmp_path, SUITE[:1])
    assert code == 1 and len(load_report(tmp_path)["refused"]) == 1


def test_without_profile_only_declared_classes_run(served: Served, api: FakeApi, tmp_path: Path) -> None:
    api.declared = ["core", "test-interface"]
    code, _, _ = certify(served, tmp_path, SUITE[:1] + SUITE[2:3])
    assert code == 0
    assert "discovery.skips" not in {r["id"] for r in load_report(tmp_path)["results"]}


def test_undefined_declared_classes_fail_core_002(served: Served, api: FakeApi, tmp_path: Path) -> None:
    api.declared = ["core", "test-interface", "teleportation"]
    code, _, _ = certify(served, tmp_path, SUITE[:1])
    assert code == 1
    [declaration] = [r for r in load_report(tmp_path)["results"] if r["id"] == "core.conformance-declaration"]
    assert declaration["status"] == "failed" and declaration["requirements"] == ["CORE-002"]
    assert "teleportation" in declaration["message"]


def test_a_broken_conformance_endpoint_fails_core_002(served: Served, api: FakeApi, tmp_path: Path) -> None:
    api.route("GET", "/conformance", lambda r: problem(503, "internal-error"))
    code, _, _ = certify(served, tmp_path, SUITE)
    assert code == 1
    results = {r["id"]: r for r in load_report(tmp_path)["results"]}
    assert set(results) == {
        "core.conformance-declaration",
        "core.responses-match-spec",
        "core.no-personal-data-to-anonymous",
        "core.api-version-header",
        "core.content-type-options",
        "core.no-store",
    }
    assert results["core.conformance-declaration"]["message"].startswith("GET /conformance answered 503")


def test_anonymous_personnummer_fails_core_016(served: Served, api: FakeApi, tmp_path: Path) -> None:
    api.route(
        "GET",
        "/api-info",
        lambda r: JSONResponse(
            {
                "name": f"fake {PNR}",
                "apiVersion": spec.version(),
                "product": {"supplier": "Test AB", "name": "fake", "version": "1.0.0"},
            }
        ),
    )
    code, _, _ = certify(served, tmp_path, SUITE[:1])
    assert code == 1
    results = {r["id"]: r for r in load_report(tmp_path)["results"]}
    privacy = results["core.no-personal-data-to-anonymous"]
    assert privacy["status"] == "failed" and privacy["requirements"] == ["CORE-016"]
    assert "19811218-****" in privacy["message"] and PNR not in privacy["message"]
    assert results["core.passes"]["status"] == "failed"  # the check that saw it fails as well


def test_a_server_that_goes_away_mid_run_exits_3(tmp_path: Path) -> None:
    own = Served(FakeApi())

    def stop_server(ctx: CheckContext) -> None:
        own.stop()
        ctx.anonymous.get("/api-info")

    suite = [
        _check("stops", "core", ["CORE-001"], stop_server),
        _check("after", "core", ["CORE-001"], passes),
    ]
    code, _, err = certify(own, tmp_path, suite)
    assert code == 3 and "the server stopped responding" in err
    results = {r["id"]: r for r in load_report(tmp_path)["results"]}
    assert results["core.stops"]["status"] == "error"
    assert results["core.after"]["message"].startswith("not run: the server stopped responding")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_at_a_terminal_silence_when_quiet(served: Served, api: FakeApi, tmp_path: Path) -> None:
    terminal = _Terminal()
    bar = reporter(quiet=False, stream=terminal)
    assert isinstance(bar, Bar)
    bar.plan(1, [])
    bar.begin("core.passes")
    bar.done(Result("core.fails", "t", ("CORE-001",), "core", "failed", "expected status 200, got 500\nmore"))
    bar.stop()
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", terminal.getvalue())  # without colours
    assert "FAIL core.fails — expected status 200, got 500" in shown
    assert "more" not in terminal.getvalue()
    code, out, err = certify(served, tmp_path, [SUITE[0]], quiet=True)
    assert code == 0 and err == "" and out.startswith("passed 7")
