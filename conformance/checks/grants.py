"""Checks of the `grants` class: programmes, applications and their flow, decisions, the public
register, payouts.

Each check builds its own small world in a municipality of its own (grant_data.build_world), so a
register or a payout batch holds exactly what the check created. Deadlines are computed here from
the rules the harness itself registered, and the clock is moved across them.
"""

from __future__ import annotations

import base64
import copy
import hashlib
from datetime import date, timedelta
from typing import Any

from conformance.context import CheckContext
from conformance.expect import ensure, expect, forbidden, require
from conformance.grant_data import GrantWorld, build_world, deadline_instant, municipality, programme_fixture, utc
from conformance.http import RecordingClient, Response
from conformance.listing import ids, walk
from conformance.registry import check
from spec.reference_data import grant_rule_sets


def _apply(world: GrantWorld, client: RecordingClient, period: str = "2026-spring", amount: int = 500000) -> Response:
    return client.post(
        "/grant-applications",
        json={"programmeId": world.ids["lok"], "applicationPeriod": period, "requestedAmount": amount},
    )


def _draft(ctx: CheckContext, world: GrantWorld, org: str = "a", amount: int = 500000) -> dict[str, Any]:
    body: dict[str, Any] = require(_apply(world, world.rep(ctx, org), amount=amount), "GRANT-002").status(201).json()
    return body


def _act(client: RecordingClient, application: dict[str, Any], action: str, body: Any = None) -> Response:
    return client.post(f"/grant-applications/{application['id']}/{action}", json=body)


def _decided(ctx: CheckContext, world: GrantWorld, org: str, outcome: str, amount: int, requested: int) -> dict:
    application = _draft(ctx, world, org, requested)
    _reviewed(ctx, world, application, org)
    decision = {"outcome": outcome, "amount": amount, "motivation": "Enligt reglerna för bidraget."}
    decided = _act(world.officer(ctx), application, "decision", decision)
    result: dict[str, Any] = require(decided, "GRANT-006").status(200).json()
    return result


def _reviewed(ctx: CheckContext, world: GrantWorld, application: dict[str, Any], org: str = "a") -> None:
    """Submit the application and start its review, on the way to what the check verifies."""
    require(_act(world.rep(ctx, org), application, "submission"), "GRANT-003").status(200)
    require(_act(world.officer(ctx), application, "review"), "GRANT-006").status(200)


def _status(
    ctx: CheckContext, world: GrantWorld, application: dict[str, Any], status: str, requirement: str | None = None
) -> None:
    response = world.officer(ctx).get(f"/grant-applications/{application['id']}")
    require(response, "GRANT-005").status(200)  # the case officer reads it; its status is what is judged
    expect(response, requirement).field("status", status)


def _spring_clock(ctx: CheckContext) -> None:
    """Before the spring 2026 deadline, so drafts can be submitted whatever the real date is."""
    ctx.test.set_clock(deadline_instant(date(2026, 8, 25)) - timedelta(days=30), frozen=True)


@check(
    "programmes-public",
    "Grant programmes are public, with their rules exactly as registered",
    requirements=["GRANT-001", "GRANT-013"],
)
def programmes_public(ctx: CheckContext) -> None:
    ctx.test.reset()  # every programme of the municipality is compared: none may be left from an earlier run
    shipped = grant_rule_sets()
    world = build_world(ctx, 1, organisations=(), programmes={name: name for name in shipped})
    listed = walk(ctx.anonymous, "/grant-programmes", {"municipalityCode": world.code}, requirement="GRANT-001")
    by_id = {item["id"]: item for item in listed}
    ensure(
        set(by_id) == {world.ids[name] for name in shipped},
        "the municipality's programmes are not the ones registered",
        expected=sorted(world.ids[name] for name in shipped),
        actual=sorted(by_id),
        requirement="GRANT-001",
    )
    for name, rule_set in shipped.items():
        response = ctx.anonymous.get(f"/grant-programmes/{world.ids[name]}")
        expect(response, "GRANT-001").status(200).field("rules", rule_set["rules"]).field(
            "municipalityCode", world.code
        )
        listed_rules = by_id[world.ids[name]]["rules"]
        ensure(
            listed_rules == rule_set["rules"],
            f"{name}: listed rules differ",
            response=response,
            requirement="GRANT-001",
        )
    overlapping = programme_fixture("overlap", world.code)
    periods = [dict(p) for p in overlapping["rules"]["periods"]]
    periods[1]["validFrom"] = periods[0]["validTo"]
    overlapping["rules"] = {"periods": periods}
    response = ctx.anonymous.post("/test/fixtures", json={"grantProgrammes": [overlapping]})
    expect(response, "GRANT-013").problem(status=400, type_suffix="validation-error").names_parameter(
        "/grantProgrammes/0/rules/periods/1/validFrom"
    )
    # The other contradiction GRANT-013 names: a minimum above its maximum (either bound may be named).
    for key, value, at in (
        ("participantAge", {"min": 26, "max": 25, "disabilityExempt": True}, "participantAge"),
        ("weeklyLimits", [{"minAge": 10, "maxAge": 9, "maxSessions": 3}], "weeklyLimits/0"),
    ):
        inverted = programme_fixture("inverted", world.code)
        periods = [dict(p) for p in inverted["rules"]["periods"]]
        periods[1][key] = value
        inverted["rules"] = {"periods": periods}
        response = ctx.anonymous.post("/test/fixtures", json={"grantProgrammes": [inverted]})
        expect(response, "GRANT-013").problem(status=400, type_suffix="validation-error").names_parameter(
            f"/grantProgrammes/0/rules/periods/1/{at}"
        )


@check(
    "municipality-codes",
    "A kommunkod outside Sweden's 290 is refused with 400 naming it",
    requirements=["GRANT-012"],
)
def municipality_codes(ctx: CheckContext) -> None:
    for path in ("/grant-programmes", "/grant-decisions"):
        for bad in ("9999", "0100", "2599"):
            expect(ctx.anonymous.get(path, params={"municipalityCode": bad})).problem(
                status=400, type_suffix="validation-error"
            ).names_parameter("municipalityCode")
        expect(ctx.anonymous.get(path, params={"municipalityCode": "2584"})).status(200)
    response = ctx.anonymous.post("/test/fixtures", json={"grantProgrammes": [programme_fixture("x", "9999")]})
    expect(response).problem(status=400, type_suffix="validation-error").names_parameter(
        "/grantProgrammes/0/municipalityCode"
    )


@check(
    "who-may-apply",
    "Only chair, treasurer and grant-contact apply, for their own organisation in its municipality",
    requirements=["GRANT-002", "CORE-011"],
)
def who_may_apply(ctx: CheckContext) -> None:
    world = build_world(ctx, 2)
    elsewhere = build_world(ctx, 3, organisations=("z",), roles=("chair",))
    _spring_clock(ctx)
    for role in ("chair", "treasurer", "grant-contact"):
        response = _apply(world, world.rep(ctx, "a", role))
        expect(response, "GRANT-002").status(201).field("status", "draft").field(
            "organisationId", world.ids["a"]
        ).field("deadline", utc(deadline_instant(date(2026, 8, 25)))).field("municipalityCode", world.code)
    for role in ("booking-contact", "secretary"):
        forbidden(_apply(world, world.rep(ctx, "a", role)), "GRANT-002")
    citizen = ctx.as_persona("citizen", personId=world.ids["a-chair"])
    for client in (citizen, world.officer(ctx), elsewhere.rep(ctx, "z")):
        forbidden(_apply(world, client), "GRANT-002")
    chair = world.rep(ctx, "a")
    _deadline_of_the_rules_in_force(ctx, world)
    unknown = chair.post(
        "/grant-applications",
        json={"programmeId": "no-such-programme", "applicationPeriod": "2026-spring", "requestedAmount": 1},
    )
    expect(unknown, "GRANT-002").problem(status=400, type_suffix="validation-error").names_parameter("programmeId")
    expect(_apply(world, chair, period="2026-winter"), "GRANT-002").problem(status=400).names_parameter(
        "applicationPeriod"
    )


def _deadline_of_the_rules_in_force(ctx: CheckContext, world: GrantWorld) -> None:
    """Rules change over the years: the deadline comes from the rule period in force on the application
    period's first day, here one whose spring deadline was moved from 25 August to another day."""
    moved = ctx.random.randint(10, 24)
    programme = copy.deepcopy(programme_fixture("moved", world.code))
    current = programme["rules"]["periods"][-1]
    for rule in current["applicationPeriods"]:
        if rule["id"] == "spring":
            rule["deadline"] = f"08-{moved:02d}"
    programme_id = ctx.test.fixtures({"grantProgrammes": [programme]})["moved"]
    body = {"programmeId": programme_id, "applicationPeriod": "2026-spring", "requestedAmount": 100000}
    response = world.rep(ctx, "a").post("/grant-applications", json=body)
    wanted = utc(deadline_instant(date(2026, 8, moved)))
    expect(response, "GRANT-002").status(201).field("deadline", wanted)


@check(
    "deadline-on-server-clock",
    "Submission is accepted until the end of the deadline day in Stockholm, refused one second later",
    requirements=["GRANT-004"],
)
def deadline_on_server_clock(ctx: CheckContext) -> None:
    world = build_world(ctx, 4, roles=("chair",))
    # Autumn 2025 closes on 2026-02-25 (winter time, UTC+1); spring 2026 on 2026-08-25 (summer time).
    for period, day in (("2025-autumn", date(2026, 2, 25)), ("2026-spring", date(2026, 8, 25))):
        last = deadline_instant(day)
        ctx.test.set_clock(last - timedelta(days=1), frozen=True)
        early, late = (expect(_apply(world, world.rep(ctx, "a"), period)).status(201).json() for _ in range(2))
        ensure(
            early["deadline"] == utc(last), f"{period}: wrong deadline", expected=utc(last), actual=early["deadline"]
        )
        ctx.test.set_clock(last - timedelta(seconds=30), frozen=True)
        expect(_act(world.rep(ctx, "a"), early, "submission")).status(200).field("status", "submitted")
        ctx.test.set_clock(last + timedelta(seconds=1), frozen=True)
        response = _act(world.rep(ctx, "a"), late, "submission")
        expect(response).problem(status=409, type_suffix="deadline-passed")
        _status(ctx, world, late, "draft")


@check(
    "status-flow",
    "An application moves draft → submitted → under-review → decided; other moves give 409 and change nothing",
    requirements=["GRANT-003"],
)
def status_flow(ctx: CheckContext) -> None:
    world = build_world(ctx, 5, roles=("chair",))
    _spring_clock(ctx)
    chair, officer = world.rep(ctx, "a"), world.officer(ctx)
    application = _draft(ctx, world)
    expect(_act(officer, application, "review")).problem(status=409, type_suffix="invalid-state")
    _status(ctx, world, application, "draft")
    expect(_act(chair, application, "submission")).status(200).field("status", "submitted").field("submittedAt")
    expect(_act(chair, application, "submission")).problem(status=409, type_suffix="invalid-state")
    decision = {"outcome": "approved", "amount": 500000, "motivation": "Beviljas."}
    expect(_act(officer, application, "decision", decision)).problem(status=409, type_suffix="invalid-state")
    expect(_act(officer, application, "review")).status(200).field("status", "under-review")
    expect(_act(officer, application, "decision", decision)).status(200).field("status", "decided").field(
        "decision.amount", 500000
    )
    expect(_act(chair, application, "withdrawal")).problem(status=409, type_suffix="invalid-state")
    _status(ctx, world, application, "decided")
    for steps in ((), ("submission",), ("submission", "review")):
        other = _draft(ctx, world)
        for step in steps:
            expect(_act(officer if step == "review" else chair, other, step)).status(200)
        expect(_act(chair, other, "withdrawal")).status(200).field("status", "withdrawn")
        expect(_act(chair, other, "submission")).problem(status=409, type_suffix="invalid-state")


@check(
    "application-read-access",
    "Only the organisation's representatives and the municipality's case officers see an application",
    requirements=["GRANT-005", "CORE-011"],
)
def application_read_access(ctx: CheckContext) -> None:
    world = build_world(ctx, 6, roles=("chair", "booking-contact"))
    elsewhere = build_world(ctx, 7, organisations=("z",), roles=("chair",))
    _spring_clock(ctx)
    application = _draft(ctx, world)
    path = f"/grant-applications/{application['id']}"
    for client in (world.rep(ctx, "a", "booking-contact"), world.officer(ctx)):
        expect(client.get(path), "GRANT-005").status(200).field("id", application["id"])
    strangers = (
        world.rep(ctx, "b"),
        elsewhere.rep(ctx, "z"),
        world.officer(ctx, elsewhere.code),
        ctx.as_persona("facility-administrator", municipalityCode=world.code),
        ctx.as_persona("citizen", personId=world.ids["a-chair"]),
    )
    for client in strangers:
        forbidden(client.get(path), "GRANT-005")
    for client, visible, wrong in (
        (world.rep(ctx, "b"), False, "another organisation lists it"),
        (world.officer(ctx), True, "the case officer does not see it"),
        (world.officer(ctx, elsewhere.code), False, "a case officer of another municipality lists it"),
    ):
        listed = ids(walk(client, "/grant-applications", requirement="GRANT-005"))
        ensure((application["id"] in listed) == visible, wrong, requirement="GRANT-005")


@check(
    "decisions-by-case-officers",
    "Only the municipality's case officers review and decide; the amount must fit the outcome",
    requirements=["GRANT-006", "CORE-011"],
)
def decisions_by_case_officers(ctx: CheckContext) -> None:
    world = build_world(ctx, 8, roles=("chair",))
    _spring_clock(ctx)
    application = _draft(ctx, world, amount=300000)
    require(_act(world.rep(ctx, "a"), application, "submission"), "GRANT-003").status(200)
    others = (
        world.officer(ctx, municipality(9)),
        ctx.as_persona("facility-administrator", municipalityCode=world.code),
    )
    for client in (*others, world.rep(ctx, "a")):
        forbidden(_act(client, application, "review"), "GRANT-006")
    officer = world.officer(ctx)
    expect(_act(officer, application, "review"), "GRANT-006").status(200)
    wrong = (("approved", 299999), ("partly-approved", 300000), ("partly-approved", 0), ("rejected", 1))
    for outcome, amount in wrong:
        decision = {"outcome": outcome, "amount": amount, "motivation": "Motivering."}
        expect(_act(officer, application, "decision", decision), "GRANT-006").problem(status=400).names_parameter(
            "amount"
        )
    decision = {"outcome": "partly-approved", "amount": 120000, "motivation": "Två sammankomster saknade ledare."}
    for client in others:
        forbidden(_act(client, application, "decision", decision), "GRANT-006")
    expect(_act(officer, application, "decision", decision), "GRANT-006").status(200).field(
        "decision.outcome", "partly-approved"
    )


@check(
    "public-register",
    "The public register lists every decision anonymously, with no personal data",
    requirements=["GRANT-007", "CORE-016"],
)
def public_register(ctx: CheckContext) -> None:
    ctx.test.reset()  # every decision of the municipality is compared: none may be left from an earlier run
    world = build_world(ctx, 10, roles=("chair",))
    _spring_clock(ctx)
    decided = [
        _decided(ctx, world, "a", "approved", 250000, 250000),
        _decided(ctx, world, "b", "rejected", 0, 90000),
    ]
    response = ctx.anonymous.get("/grant-decisions", params={"municipalityCode": world.code})
    entries = {e["applicationId"]: e for e in expect(response, "GRANT-007").status(200).json()["items"]}
    missing = "the register does not hold the municipality's decisions"
    ensure(set(entries) == {d["id"] for d in decided}, missing, requirement="GRANT-007")
    for application in decided:
        entry = entries[application["id"]]
        org = "a" if application["organisationId"] == world.ids["a"] else "b"
        wanted = {
            "organisationId": world.ids[org],
            "organisationNumber": world.org_numbers[org],
            "programmeId": world.ids["lok"],
            "outcome": application["decision"]["outcome"],
            "amount": application["decision"]["amount"],
            "motivation": application["decision"]["motivation"],
            "municipalityCode": world.code,
        }
        actual = {k: entry.get(k) for k in wanted}
        ensure(
            actual == wanted,
            "a register entry differs from the decision",
            expected=wanted,
            actual=actual,
            response=response,
            requirement="GRANT-007",
        )
    personal = [n for n in world.numbers.values() if n in response.text or f"{n[2:8]}-{n[8:]}" in response.text]
    personal += [e for e in world.emails if e in response.text]
    leak = "the public register holds personal data"
    ensure(not personal, leak, expected="none", actual=personal, response=response, requirement="CORE-016")


@check(
    "motivation-without-personnummer",
    "A motivation holding a personnummer is refused, so none reaches the register",
    requirements=["GRANT-008"],
)
def motivation_without_personnummer(ctx: CheckContext) -> None:
    world = build_world(ctx, 11, organisations=("a",), roles=("chair",))
    _spring_clock(ctx)
    application = _draft(ctx, world)
    _reviewed(ctx, world, application)
    number = world.numbers["a-chair"]
    for written in (number, f"{number[2:8]}-{number[8:]}"):
        decision = {"outcome": "approved", "amount": 500000, "motivation": f"Kontaktperson {written} har intygat."}
        expect(_act(world.officer(ctx), application, "decision", decision)).problem(status=400).names_parameter(
            "motivation"
        )
    _status(ctx, world, application, "under-review")


@check(
    "payout-batches",
    "A payout batch pays each decided application once, with totals that add up, idempotently",
    requirements=["GRANT-009", "GRANT-010"],
)
def payout_batches(ctx: CheckContext) -> None:
    world = build_world(ctx, 12, roles=("chair",))
    _spring_clock(ctx)
    officer = world.officer(ctx)
    paid = [_decided(ctx, world, "a", "approved", 410000, 410000), _decided(ctx, world, "b", "partly-approved", 5, 90)]
    _decided(ctx, world, "a", "rejected", 0, 1000)
    first = officer.post("/grant-payouts", json={"idempotencyKey": "run-1"})
    batch = expect(first, "GRANT-009").status(201).json()
    items = {i["applicationId"]: i["amount"] for i in batch["items"]}
    ensure(
        items == {a["id"]: a["decision"]["amount"] for a in paid},
        "the batch holds the wrong applications",
        response=first,
        requirement="GRANT-009",
    )
    totals = batch["totalAmount"] == 410005 and batch["itemCount"] == 2
    ensure(totals, "the totals do not add up", response=first, requirement="GRANT-009")
    expect(officer.get(f"/grant-payouts/{batch['id']}"), "GRANT-009").status(200).field("items", batch["items"])
    for application in paid:
        _status(ctx, world, application, "paid", "GRANT-009")
    again = officer.post("/grant-payouts", json={"idempotencyKey": "run-1"})
    expect(again, "GRANT-010").status(200).field("id", batch["id"]).field("items", batch["items"])
    expect(officer.post("/grant-payouts", json={"idempotencyKey": "run-2"}), "GRANT-009").problem(
        status=409, type_suffix="nothing-to-pay"
    )
    late = _decided(ctx, world, "b", "approved", 7000, 7000)
    second = expect(officer.post("/grant-payouts", json={"idempotencyKey": "run-3"}), "GRANT-009").status(201).json()
    ensure(
        [i["applicationId"] for i in second["items"]] == [late["id"]],
        "a later batch pays an application again",
        expected=[late["id"]],
        actual=[i["applicationId"] for i in second["items"]],
        requirement="GRANT-010",
    )
    expect(world.officer(ctx, municipality(13)).get(f"/grant-payouts/{batch['id']}"), "GRANT-009").problem(status=403)


@check(
    "attachment-not-base64",
    "An attachment whose content is not base64 gives 400 naming content, and nothing is attached",
    requirements=["CORE-005"],
)
def attachment_not_base64(ctx: CheckContext) -> None:
    world = build_world(ctx, 14, roles=("chair",))
    _spring_clock(ctx)
    chair = world.rep(ctx, "a")
    application = _draft(ctx, world)
    body = {"fileName": "verksamhet.txt", "mediaType": "text/plain", "content": "Verksamhetsberättelse 2025!"}
    response = chair.post(f"/grant-applications/{application['id']}/attachments", json=body)
    expect(response).problem(400, "validation-error").names_parameter("content")
    shown = expect(chair.get(f"/grant-applications/{application['id']}")).status(200).json().get("attachments")
    ensure(not shown, "a refused attachment was attached", expected=[], actual=shown)


@check(
    "attachments",
    "Drafts take attachments (name, type, size, sha256) of up to 512 KiB; submitted applications do not",
    requirements=["GRANT-011"],
)
def attachments(ctx: CheckContext) -> None:
    world = build_world(ctx, 14, roles=("chair",))
    _spring_clock(ctx)
    chair = world.rep(ctx, "a")
    application = _draft(ctx, world)
    content = "Verksamhetsberättelse för Ängby IF, 2025 – åäö".encode()
    body = {"fileName": "verksamhet.txt", "mediaType": "text/plain", "content": base64.b64encode(content).decode()}
    expect(world.rep(ctx, "b").post(f"/grant-applications/{application['id']}/attachments", json=body)).problem(
        status=403
    )
    response = chair.post(f"/grant-applications/{application['id']}/attachments", json=body)
    expect(response).status(201).field("sizeBytes", len(content)).field("sha256", hashlib.sha256(content).hexdigest())
    # The limit is on the decoded file: 512 KiB is allowed, one byte more is not (both have the same base64 length).
    limit = 512 * 1024
    largest = {**body, "fileName": "largest.bin", "mediaType": "application/octet-stream"}
    for size, wanted in ((limit, 201), (limit + 1, 400)):
        largest["content"] = base64.b64encode(ctx.random.randbytes(size)).decode()
        response = chair.post(f"/grant-applications/{application['id']}/attachments", json=largest)
        if wanted == 201:
            expect(response).status(201).field("sizeBytes", size)
        else:
            expect(response).problem(400, "validation-error").names_parameter("content")
    shown = expect(chair.get(f"/grant-applications/{application['id']}")).status(200).json()["attachments"]
    names = [a["fileName"] for a in shown]
    ensure(names == ["verksamhet.txt", "largest.bin"], "the attachments are not on the application", actual=names)
    expect(_act(chair, application, "submission")).status(200)
    late = chair.post(f"/grant-applications/{application['id']}/attachments", json=body)
    expect(late).problem(status=409, type_suffix="invalid-state")
