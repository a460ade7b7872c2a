"""Checks of the `attendance` class: reports as JSON and DAK 2.2, rule boundaries, export, statistics.

Every report is designed to sit on a rule's boundary (ages 6/7 and 25/26 by birth year, 44/45
minutes, 2/3 participants, 20/21 participants per leader, a second session on the same day, the
week's limit), and the server's evaluation is compared, session by session and person by person,
with the harness's own reading of the rules (grant_rules_oracle.py). DAK files are written by the
harness (dak_files.py) and broken one line at a time, so it knows the line every error must name.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from typing import Any

from lxml import etree

from conformance import dak_files
from conformance.context import CheckContext
from conformance.expect import ensure, expect, require
from conformance.grant_data import GrantWorld, build_world, person_number
from conformance.grant_rules_oracle import Expected, expected, statistics
from conformance.http import RecordingClient, Response
from conformance.listing import walk
from conformance.registry import check
from spec import SPEC_ROOT
from spec.reference_data import grant_rule_sets

XSD = SPEC_ROOT / "v1" / "dak" / "aktivitetskort-2.2.xsd"
BIG_FILE_SESSIONS = 10_000


class Card:
    """A närvarokort under construction: persons by birth date, sessions by day and length."""

    def __init__(self, rng: random.Random, number: int = 1) -> None:
        self.rng = rng
        self.body: dict[str, Any] = {
            "cardNumber": number,
            "activity": "Innebandy",
            "place": "Älvsjö bollhall",
            "name": f"Grupp {number} – Åsa och Örjan",
            "sessions": [],
            "participants": [],
            "leaders": [],
        }

    def person(self, role: str, born: date, sex: str | None = None, coordination: bool = False) -> str:
        ident = f"{role[0]}{len(self.body[role]) + 1}"
        self.body[role].append(
            {
                "id": ident,
                "givenName": self.rng.choice(("Åsa", "Örjan", "Märta", "Ahmed", "Elin")),
                "familyName": self.rng.choice(("Öberg", "Ärlig", "Nilsson", "Hassan")),
                "personalIdentityNumber": person_number(self.rng, born, sex, coordination),
            }
        )
        return ident

    def participants(self, *born: date, sex: str | None = None) -> list[str]:
        return [self.person("participants", b, sex) for b in born]

    def session(
        self,
        day: date,
        participants: list[str],
        leaders: list[str],
        minutes: int = 60,
        start: str = "18:00",
        disability: frozenset[str] = frozenset(),
        absent: frozenset[str] = frozenset(),
    ) -> None:
        hour, minute = (int(x) for x in start.split(":"))
        end = hour * 60 + minute + minutes
        self.body["sessions"].append(
            {
                "code": f"s-{day.isoformat()}-{start.replace(':', '')}",
                "date": day.isoformat(),
                "startTime": f"{start}:00",
                "endTime": f"{end // 60:02d}:{end % 60:02d}:00",
                "type": self.rng.choice(("training", "match")),
                "participants": [
                    {"id": p, "present": p not in absent, "disability": p in disability} for p in participants
                ],
                "leaders": [{"id": leader, "present": leader not in absent, "disability": False} for leader in leaders],
            }
        )


def attendance_report(world: GrantWorld, *cards: Card, org: str = "a") -> dict[str, Any]:
    return {
        "municipalityCode": world.code,
        "organisation": {
            "sourceId": f"F-{org}",
            "name": f"Föreningen {org}",
            "organisationNumber": world.org_numbers[org],
        },
        "cards": [c.body for c in cards],
    }


def send_report(
    client: RecordingClient, world: GrantWorld, report: Any, programme: str = "lok", xml: bool = False
) -> Response:
    params = {"programmeId": world.ids[programme]}
    if xml:
        text = report if isinstance(report, str) else dak_files.write(report)
        headers = {"Content-Type": "application/xml"}
        return client.request("POST", "/attendance-reports", params=params, content=text.encode(), headers=headers)
    return client.post("/attendance-reports", params=params, json=report)


def _world(ctx: CheckContext, index: int, **kwargs: Any) -> GrantWorld:
    return build_world(ctx, 40 + index, **kwargs)


def _judge(
    ctx: CheckContext, world: GrantWorld, report: dict[str, Any], programme: str = "lok", dak: str | None = None
) -> Expected:
    """Send the report (or `dak`, the same report as a file) and compare the server's evaluation with
    the harness's reading of the rules."""
    rules = grant_rule_sets()["lok-stod" if programme == "lok" else "kommun-jamstalld"]["rules"]
    want = expected(report, rules)
    chair = world.rep(ctx, "a")
    sent = send_report(chair, world, dak or report, programme, xml=dak is not None)
    created = require(sent, "ATT-002" if dak is not None else "ATT-001").status(201).json()  # the rules are judged
    got = {k: created["summary"][k] for k in want.summary}
    ensure(got == want.summary, "the report's summary differs from the rules", expected=want.summary, actual=got)
    sessions = walk(chair, f"/attendance-reports/{created['id']}/sessions")
    ensure(len(sessions) == len(want.verdicts), "not every session was evaluated", expected=len(want.verdicts))
    for verdict, session in zip(want.verdicts, sessions, strict=False):
        where = f"session {verdict.code} of card {verdict.card}"
        ensure(
            (session["cardNumber"], session["code"]) == (verdict.card, verdict.code),
            "sessions are not in the order date, start time, card, code",
            expected=(verdict.card, verdict.code),
            actual=(session["cardNumber"], session["code"]),
        )
        rules_named = {r["rule"] for r in session["reasons"]}
        ensure(
            session["eligible"] == verdict.eligible and rules_named == set(verdict.rules),
            f"{where}: {'counts' if session['eligible'] else 'does not count'} (reasons {sorted(rules_named)})",
            expected={"eligible": verdict.eligible, "rules": sorted(verdict.rules)},
            actual={"eligible": session["eligible"], "rules": sorted(rules_named)},
        )
        for role in ("participants", "leaders"):
            for entry in session[role]:
                key = f"{role}/{entry['id']}"
                actual = (entry["counted"], entry.get("rule"))
                wanted = (verdict.counted[key], verdict.person_rules.get(key))
                ensure(actual == wanted, f"{where}: {key} (counted, rule)", expected=wanted, actual=actual)
        ensure(
            session["amount"] == verdict.amount, f"{where}: amount", expected=verdict.amount, actual=session["amount"]
        )
    return want


def _monday(week: int, year: int = 2026) -> date:
    return date.fromisocalendar(year, week, 1)


@check(
    "age-by-calendar-year",
    "Participants count by birth year (7 and 25 in, 6 and 26 out), disability lifts the upper limit",
    requirements=["ATT-005"],
)
def age_by_calendar_year(ctx: CheckContext) -> None:
    world = _world(ctx, 1, organisations=("a",), roles=("chair",))
    card = Card(ctx.random)
    kids = card.participants(
        date(2019, 12, 20), date(2019, 1, 10), date(2020, 6, 1), date(2001, 3, 1), date(2000, 12, 30), date(2000, 5, 5)
    )
    exempt = card.participants(date(1999, 12, 30))[0]
    leader = card.person("leaders", date(1990, 4, 4))
    card.session(_monday(6), [*kids, exempt], [leader], disability=frozenset({kids[5], exempt}))
    card.session(_monday(7), kids, [leader])
    _judge(ctx, world, attendance_report(world, card))


@check(
    "session-length-by-rule-period",
    "A session counts from the minimum length of the rule period in force on its date (44/45, 59/60)",
    requirements=["ATT-006"],
)
def session_length_by_rule_period(ctx: CheckContext) -> None:
    world = _world(ctx, 2, organisations=("a",), roles=("chair",))
    card = Card(ctx.random)
    kids = card.participants(date(2010, 2, 2), date(2010, 5, 5), date(2011, 8, 8))
    leader = card.person("leaders", date(1985, 1, 1))
    for day, minutes in (
        (_monday(6), 44),
        (_monday(7), 45),
        (date(2023, 6, 30), 59),
        (date(2023, 6, 26), 60),
        (date(2023, 7, 3), 50),
        (date(2023, 7, 4), 44),
    ):
        card.session(day, kids, [leader], minutes=minutes)
    _judge(ctx, world, attendance_report(world, card))


@check(
    "participants-and-leaders",
    "A session needs 3 counted participants and a present leader of 13 by birth year; leaders are no participants",
    requirements=["ATT-007"],
)
def participants_and_leaders(ctx: CheckContext) -> None:
    world = _world(ctx, 3, organisations=("a",), roles=("chair",))
    card = Card(ctx.random)
    kids = card.participants(date(2012, 1, 1), date(2013, 2, 2), date(2014, 3, 3))
    adult, twelve, thirteen = (
        card.person("leaders", b) for b in (date(1990, 1, 1), date(2014, 1, 1), date(2013, 12, 31))
    )
    card.session(_monday(10), kids, [adult])
    card.session(_monday(11), kids[:2], [adult])
    card.session(_monday(12), kids, [twelve])
    card.session(_monday(13), kids, [thirteen])
    card.session(_monday(14), kids, [adult], absent=frozenset({adult}))
    card.session(_monday(15), kids, [adult], absent=frozenset({kids[0]}))
    _judge(ctx, world, attendance_report(world, card))


@check(
    "participants-per-leader",
    "At most 20 participants per counted leader: 20 count, 21 do not, 21 with two leaders do",
    requirements=["ATT-008"],
)
def participants_per_leader(ctx: CheckContext) -> None:
    world = _world(ctx, 4, organisations=("a",), roles=("chair",))
    card = Card(ctx.random)
    kids = card.participants(*(date(2008 + i % 8, 1 + i % 12, 1 + i) for i in range(21)))
    first, second = card.person("leaders", date(1980, 1, 1)), card.person("leaders", date(1981, 1, 1))
    card.session(_monday(16), kids[:20], [first])
    card.session(_monday(17), kids, [first])
    card.session(_monday(18), kids, [first, second])
    _judge(ctx, world, attendance_report(world, card))


@check(
    "day-and-week-limits",
    "A second session on the same day does not count for the same person; nor a fourth in a week at 7–9",
    requirements=["ATT-009"],
)
def day_and_week_limits(ctx: CheckContext) -> None:
    world = _world(ctx, 5, organisations=("a",), roles=("chair",))
    card, other = Card(ctx.random, 1), Card(ctx.random, 2)
    teens = card.participants(date(2011, 1, 1), date(2011, 6, 6), date(2012, 2, 2))
    young = card.participants(date(2018, 5, 5))[0]
    leader = card.person("leaders", date(1975, 3, 3))
    card.session(_monday(19), teens, [leader], start="18:00")
    card.session(_monday(19), teens, [leader], start="20:00")
    for offset in range(4):
        card.session(_monday(20) + timedelta(days=offset), [*teens, young], [leader], start="17:00")
    # The same persons on another card the same morning: evaluated first, by start time.
    other.body["participants"] = [dict(p) for p in card.body["participants"]]
    other.body["leaders"] = [dict(p) for p in card.body["leaders"]]
    other.session(_monday(19), teens, [leader], start="08:00")
    _judge(ctx, world, attendance_report(world, card, other))


@check(
    "reasons-and-amounts",
    "Each session and person names the failed rule; the amount follows the rates, by sex where given",
    requirements=["ATT-010"],
)
def reasons_and_amounts(ctx: CheckContext) -> None:
    world = _world(
        ctx, 6, organisations=("a",), roles=("chair",), programmes={"lok": "lok-stod", "jam": "kommun-jamstalld"}
    )
    card = Card(ctx.random)
    girls = card.participants(date(2014, 1, 1), date(2014, 2, 2), sex="female")
    boys = card.participants(date(2014, 3, 3), date(2013, 4, 4), sex="male")
    adult, young = card.person("leaders", date(2000, 1, 1)), card.person("leaders", date(2009, 1, 1))
    card.session(_monday(22), girls + boys, [adult])
    card.session(_monday(23), girls + boys, [young], minutes=30)
    card.session(date(1985, 1, 7), girls + boys, [adult])
    _judge(ctx, world, attendance_report(world, card), programme="jam")
    _judge(ctx, world, attendance_report(world, card), programme="lok")


def simple_card(ctx: CheckContext, sessions: int = 3) -> Card:
    card = Card(ctx.random)
    kids = card.participants(date(2012, 1, 1), date(2013, 5, 5), date(2014, 9, 9), date(2015, 2, 2))
    leader = card.person("leaders", date(1988, 8, 8))
    for week in range(sessions):
        card.session(_monday(30 + week), kids, [leader])
    return card


@check(
    "json-and-dak-reports",
    "A grant role reports as JSON or as DAK 2.2 with the same result; other roles, personas, municipalities get 403",
    requirements=["ATT-001", "ATT-002", "CORE-011"],
)
def json_and_dak_reports(ctx: CheckContext) -> None:
    world = _world(ctx, 7)
    elsewhere = _world(ctx, 8, organisations=("z",), roles=("chair",))
    report = attendance_report(world, simple_card(ctx))
    as_json = expect(send_report(world.rep(ctx, "a"), world, report), "ATT-001").status(201).json()
    as_xml = (
        expect(send_report(world.rep(ctx, "a", "grant-contact"), world, report, xml=True), "ATT-002").status(201).json()
    )
    ensure(
        as_xml["summary"] == as_json["summary"],
        "DAK and JSON give different evaluations",
        expected=as_json["summary"],
        requirement="ATT-002",
    )
    first = walk(world.rep(ctx, "a"), f"/attendance-reports/{as_json['id']}/sessions", requirement="ATT-002")
    second = walk(world.rep(ctx, "a"), f"/attendance-reports/{as_xml['id']}/sessions", requirement="ATT-002")
    different = "DAK and JSON give different session results"
    ensure(first == second, different, expected=first, actual=second, requirement="ATT-002")
    for client in (
        world.rep(ctx, "a", "booking-contact"),
        world.rep(ctx, "a", "secretary"),
        world.officer(ctx),
        ctx.as_persona("citizen", personId=world.ids["a-chair"]),
        elsewhere.rep(ctx, "z"),
    ):
        refusal = send_report(client, world, report)
        expect(refusal, "ATT-001").status(403)
        expect(refusal, "CORE-011").problem(status=403, type_suffix="forbidden")
    # Its own report, so that nothing but the municipality is wrong: 403 cannot come from another rule.
    own = {**report, "organisation": {**report["organisation"], "organisationNumber": elsewhere.org_numbers["z"]}}
    refusal = send_report(elsewhere.rep(ctx, "z"), world, own)
    expect(refusal, "ATT-001").status(403)
    expect(refusal, "CORE-011").problem(status=403, type_suffix="forbidden")
    foreign = attendance_report(world, simple_card(ctx), org="b")
    response = send_report(world.rep(ctx, "a"), world, foreign, xml=True)
    expect(response, "ATT-002").problem(status=400, type_suffix="validation-error").names_parameter(
        "organisationsnummer"
    )


def _shared_register_report(ctx: CheckContext, world: GrantWorld) -> dict[str, Any]:
    """Two cards of one file sharing its registers, with what real files hold: codes with hyphens,
    meetings newest first, a meeting clamped to 23:59:59, empty lists, a leader without Epost and
    MobilNr, a name with an apostrophe, quotes and an ampersand."""
    first, second = Card(ctx.random, 1), Card(ctx.random, 2)
    kids = first.participants(date(2012, 1, 1), date(2013, 5, 5), date(2014, 9, 9), date(2015, 2, 2))
    coach, helper = first.person("leaders", date(1988, 8, 8)), first.person("leaders", date(1999, 3, 3))
    first.body["participants"][0]["familyName"] = 'O\'Hara & "Söner"'
    first.body["leaders"][0].update(email="tranare@example.org", mobilePhone="070-174 06 47")
    first.session(_monday(35), kids, [])
    for week in (34, 33, 32, 31):
        first.session(_monday(week), kids, [coach])
    second.session(_monday(31) + timedelta(days=2), kids[1:], [helper], start="22:30", minutes=89)
    second.session(_monday(32) + timedelta(days=2), [], [helper, coach])
    for card in (first, second):
        for session in card.body["sessions"]:
            session["code"] = f"14874-{card.body['cardNumber']}-{session['date'][5:].replace('-', '')}"
    second.body["sessions"][0]["endTime"] = "23:59:59"
    second.body["participants"] = [dict(p) for p in first.body["participants"]]
    second.body["leaders"] = [dict(p) for p in first.body["leaders"]]
    return attendance_report(world, first, second)


@check(
    "dak-files-as-associations-write-them",
    "DAK files in the shapes association systems write are accepted and evaluated as the JSON form",
    requirements=["ATT-002"],
)
def dak_files_as_associations_write_them(ctx: CheckContext) -> None:
    world = _world(ctx, 17, organisations=("a",), roles=("chair",))
    report = _shared_register_report(ctx, world)
    for producer in (
        dak_files.Producer(newline="\r\n", final_newline=False),
        dak_files.Producer(hyphenated=False, whitespace_lists=True, extra_fields=True, references=True, ragged=True),
    ):
        _judge(ctx, world, report, dak=dak_files.write(report, producer))


def _broken(ctx: CheckContext, world: GrantWorld, text: str, *wanted: tuple[int, str, str]) -> None:
    """Send a broken file: each (line, element, what) of `wanted` must be among the errors reported."""
    response = send_report(world.rep(ctx, "a"), world, text, xml=True)
    problem = expect(response).problem(status=400, type_suffix="validation-error").json()
    errors = problem.get("errors") or []
    for line, element, what in wanted:
        found = [e for e in errors if e.get("line") == line and element in str(e.get("pointer", ""))]
        ensure(
            bool(found),
            f"{what}: no error names line {line} and element {element}",
            expected={"line": line, "element": element},
            actual=[{k: e.get(k) for k in ("line", "pointer", "detail")} for e in errors],
            response=response,
        )


@check(
    "broken-dak-files",
    "Broken DAK files give 400 with line and element of each error, and store nothing",
    requirements=["ATT-003"],
)
def broken_dak_files(ctx: CheckContext) -> None:
    world = _world(ctx, 9, organisations=("a",), roles=("chair",))
    good = dak_files.write(attendance_report(world, simple_card(ctx)))
    before = expect(world.rep(ctx, "a").get("/attendance-reports")).status(200).json()["totalItems"]
    overflow = good.replace('NaervarokortNummer="1"', 'NaervarokortNummer="2147483648"')
    _broken(ctx, world, overflow, (dak_files.line_of(overflow, "2147483648"), "Naervarokort", "an int32 overflow"))
    lines = good.splitlines()
    codes = [i for i, s in enumerate(lines) if "<Sammankomst " in s]
    first_code = lines[codes[0]].split('kod="')[1].split('"')[0]
    second_code = lines[codes[1]].split('kod="')[1].split('"')[0]
    lines[codes[1]] = lines[codes[1]].replace(second_code, first_code)
    _broken(ctx, world, "\n".join(lines) + "\n", (codes[1] + 1, "Sammankomst", "a duplicate kod"))
    stop = good.replace("<StoppTid>19:00:00</StoppTid>", "<StoppTid>17:30:00</StoppTid>", 1)
    _broken(ctx, world, stop, (dak_files.line_of(stop, "17:30:00"), "StoppTid", "a stop before the start"))
    typ_line = dak_files.line_of(good, "<Typ>")
    typ = good.replace(good.splitlines()[typ_line - 1], "            <Typ>Fika</Typ>")
    _broken(ctx, world, typ, (typ_line, "Typ", "an unknown Typ"))
    pnr_line = dak_files.line_of(good, "<Personnummer>", 2)
    original = good.splitlines()[pnr_line - 1]
    digits = original.split(">")[1].split("<")[0]
    wrong = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    bad_pnr = good.replace(original, original.replace(digits, wrong))
    _broken(ctx, world, bad_pnr, (pnr_line, "Personnummer", "a wrong check digit"))
    unknown_line = dak_files.line_of(good, '<Deltagare id="', 2)
    unknown = good.splitlines()
    unknown[unknown_line - 1] = unknown[unknown_line - 1].split('id="')[0] + 'id="okand">'
    _broken(ctx, world, "\n".join(unknown) + "\n", (unknown_line, "Deltagare", "an id not in DeltagarRegister"))
    # Every error of a file in one answer: the schema's (Typ, the register key) and the profile's (Luhn).
    several = typ.splitlines()
    several[pnr_line - 1] = bad_pnr.splitlines()[pnr_line - 1]
    several[unknown_line - 1] = unknown[unknown_line - 1]
    _broken(
        ctx,
        world,
        "\n".join(several) + "\n",
        (typ_line, "Typ", "an unknown Typ among several errors"),
        (unknown_line, "Deltagare", "an id not in DeltagarRegister among several errors"),
        (pnr_line, "Personnummer", "a wrong check digit among several errors"),
    )
    well_formed = good.replace("</NamnPaaKort>", "</NamnPaKort>", 1)
    _broken(ctx, world, well_formed, (dak_files.line_of(good, "<NamnPaaKort>"), "/", "XML that is not well-formed"))
    after = expect(world.rep(ctx, "a").get("/attendance-reports")).status(200).json()["totalItems"]
    ensure(after == before, "a refused file was stored", expected=before, actual=after)
    expect(send_report(world.rep(ctx, "a"), world, good, xml=True)).status(201)


@check(
    "identifiers-validated",
    "Personnummer (Luhn, date, +60), organisationsnummer and kommunkod are validated in reports",
    requirements=["ATT-004"],
)
def identifiers_validated(ctx: CheckContext) -> None:
    world = _world(ctx, 10, organisations=("a",), roles=("chair",))
    chair = world.rep(ctx, "a")
    card = simple_card(ctx, 1)
    card.body["participants"].append(
        {
            "id": "s1",
            "givenName": "Samir",
            "familyName": "Öz",
            "personalIdentityNumber": person_number(ctx.random, date(2012, 4, 20), coordination=True),
        }
    )
    expect(send_report(chair, world, attendance_report(world, card))).status(201)
    number = card.body["participants"][0]["personalIdentityNumber"]
    for wrong in (number[:-1] + str((int(number[-1]) + 1) % 10), number[:4] + "13" + number[6:]):
        bad = attendance_report(world, simple_card(ctx, 1))
        bad["cards"][0]["participants"][0]["personalIdentityNumber"] = wrong
        expect(send_report(chair, world, bad)).problem(status=400).names_parameter(
            "/cards/0/participants/0/personalIdentityNumber"
        )
    for field, value in (("organisationNumber", "8012345678"), ("organisationNumber", "8020001234")):
        bad = attendance_report(world, simple_card(ctx, 1))
        bad["organisation"][field] = value
        expect(send_report(chair, world, bad)).problem(status=400).names_parameter(f"/organisation/{field}")
    bad = attendance_report(world, simple_card(ctx, 1))
    bad["municipalityCode"] = "9999"
    expect(send_report(chair, world, bad)).problem(status=400).names_parameter("/municipalityCode")


@check(
    "report-read-access",
    "Reports, sessions, content and statistics are for the organisation and the municipality's case officers",
    requirements=["ATT-011", "CORE-011"],
)
def report_read_access(ctx: CheckContext) -> None:
    world = _world(ctx, 11, roles=("chair", "booking-contact"))
    elsewhere = _world(ctx, 12, organisations=("z",), roles=("chair",))
    sent = send_report(world.rep(ctx, "a"), world, attendance_report(world, simple_card(ctx, 1)))
    created = require(sent, "ATT-001").status(201).json()
    paths = [f"/attendance-reports/{created['id']}{tail}" for tail in ("", "/sessions", "/content")]
    stats = {"programmeId": world.ids["lok"], "organisationId": world.ids["a"]}
    for client in (world.rep(ctx, "a", "booking-contact"), world.officer(ctx)):
        for path in paths:
            expect(client.get(path), "ATT-011").status(200)
        expect(client.get("/attendance-statistics", params=stats), "ATT-011").status(200)
    for client in (
        world.rep(ctx, "b"),
        elsewhere.rep(ctx, "z"),
        world.officer(ctx, elsewhere.code),
        ctx.as_persona("facility-administrator", municipalityCode=world.code),
    ):
        for response in [*(client.get(path) for path in paths), client.get("/attendance-statistics", params=stats)]:
            expect(response, "ATT-011").status(403)
            expect(response, "CORE-011").problem(status=403, type_suffix="forbidden")


def _masked(report: dict[str, Any]) -> dict[str, Any]:
    out = {**report, "cards": []}
    for card in report["cards"]:
        copy = {**card}
        for role in ("participants", "leaders"):
            copy[role] = [
                {**p, "personalIdentityNumber": p["personalIdentityNumber"][:8] + "-****"} for p in card[role]
            ]
        out["cards"].append(copy)
    return out


@check(
    "export-json-and-dak",
    "A report exports as JSON and as DAK 2.2 valid against the XSD, as sent but with personnummer masked",
    requirements=["ATT-012", "CORE-015"],
)
def export_json_and_dak(ctx: CheckContext) -> None:
    world = _world(ctx, 13, organisations=("a",), roles=("chair",))
    report = attendance_report(world, simple_card(ctx, 2))
    created = require(send_report(world.rep(ctx, "a"), world, report, xml=True), "ATT-002").status(201).json()
    path = f"/attendance-reports/{created['id']}/content"
    as_json = world.rep(ctx, "a").get(path)
    expect(as_json, "ATT-012").status(200)
    for card in report["cards"]:
        for session in card["sessions"]:
            session.setdefault("type", "training")
    differs = "the JSON export differs from what was sent"
    ensure(as_json.json() == _masked(report), differs, expected=_masked(report), requirement="ATT-012")
    as_xml = world.rep(ctx, "a").get(path, headers={"Accept": "application/xml"})
    not_xml = "the DAK export is not application/xml"
    ensure(as_xml.media_type == "application/xml", not_xml, actual=as_xml.media_type, requirement="ATT-012")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    document = etree.fromstring(as_xml.text.encode(), parser)
    schema = etree.XMLSchema(etree.parse(str(XSD), parser))
    broken = "the DAK export breaks the XSD"
    ensure(schema.validate(document), broken, actual=str(schema.error_log), response=as_xml, requirement="ATT-012")
    ns = {"d": dak_files.NAMESPACE}
    numbers = sorted(document.xpath("//d:Personnummer/text()", namespaces=ns))
    wanted = sorted(
        p["personalIdentityNumber"] for c in _masked(report)["cards"] for r in ("participants", "leaders") for p in c[r]
    )
    unmasked = "the DAK export's personnummer are not the masked ones"
    ensure(numbers == wanted, unmasked, expected=wanted, actual=numbers, requirement="CORE-015")
    codes = sorted(document.xpath("//d:Sammankomst/@kod", namespaces=ns))
    sent = sorted(s["code"] for s in report["cards"][0]["sessions"])
    ensure(codes == sent, "the DAK export lost sessions", expected=sent, actual=codes, requirement="ATT-012")


@check(
    "statistics-by-sex-and-age",
    "Statistics give counted participant-sessions and participants by sex and age group",
    requirements=["ATT-013"],
)
def statistics_by_sex_and_age(ctx: CheckContext) -> None:
    world = _world(ctx, 14, organisations=("a",), roles=("chair",))
    card = Card(ctx.random)
    people = [
        *card.participants(date(2019, 3, 3), date(2014, 4, 4), sex="female"),
        *card.participants(date(2011, 5, 5), date(2007, 6, 6), date(2002, 7, 7), sex="male"),
        *card.participants(date(1990, 1, 1), sex="female"),
    ]
    leader = card.person("leaders", date(1979, 9, 9))
    card.session(_monday(40), people, [leader])
    card.session(_monday(41), people[:4], [leader])
    want = expected(attendance_report(world, card), grant_rule_sets()["lok-stod"]["rules"])
    require(send_report(world.rep(ctx, "a"), world, attendance_report(world, card)), "ATT-001").status(201)
    params = {"programmeId": world.ids["lok"], "organisationId": world.ids["a"]}
    response = world.rep(ctx, "a").get("/attendance-statistics", params=params)
    body = expect(response).status(200).json()
    got = {"groups": body["groups"], "totals": body["totals"]}
    ensure(
        got == statistics(want),
        "the statistics differ from the counted participations",
        expected=statistics(want),
        actual=got,
    )


@check(
    "application-amount-from-reports",
    "An application's calculatedAmount is the sum of its attendance reports' amounts",
    requirements=["ATT-014"],
)
def application_amount_from_reports(ctx: CheckContext) -> None:
    world = _world(ctx, 15, roles=("chair",))
    ctx.test.set_clock(date_to_instant(date(2026, 7, 1)), frozen=True)
    amounts, report_ids = [], []
    for _ in range(2):
        sent = send_report(world.rep(ctx, "a"), world, attendance_report(world, simple_card(ctx)))
        created = require(sent, "ATT-001").status(201).json()
        amounts.append(created["summary"]["amount"])
        report_ids.append(created["id"])
    # Not the sum: the calculated amount must come from the reports, not be copied from the request.
    requested = sum(amounts) + ctx.random.randint(1, 99) * 100
    body = {"programmeId": world.ids["lok"], "applicationPeriod": "2026-spring", "requestedAmount": requested}
    response = world.rep(ctx, "a").post("/grant-applications", json={**body, "attendanceReportIds": report_ids})
    expect(response).status(201).field("calculatedAmount", sum(amounts)).field("requestedAmount", requested)
    theirs_sent = send_report(world.rep(ctx, "b"), world, attendance_report(world, simple_card(ctx), org="b"))
    theirs = require(theirs_sent, "ATT-001").status(201).json()
    response = world.rep(ctx, "a").post("/grant-applications", json={**body, "attendanceReportIds": [theirs["id"]]})
    expect(response).problem(status=400).names_parameter("/attendanceReportIds/0")


def date_to_instant(day: date) -> Any:
    from conformance.grant_data import deadline_instant

    return deadline_instant(day)


@check(
    "ten-thousand-sessions",
    "A DAK file of 10,000 sessions is accepted and evaluated as the rules say, within 10 s",
    requirements=["ATT-001", "ATT-015"],
)
def ten_thousand_sessions(ctx: CheckContext) -> None:
    world = _world(ctx, 16, organisations=("a",), roles=("chair",))
    card = Card(ctx.random)
    kids = card.participants(date(2012, 1, 1), date(2013, 2, 2), date(2014, 3, 3))
    leader = card.person("leaders", date(1980, 10, 10))
    first = date(2024, 1, 1)
    for i in range(BIG_FILE_SESSIONS):
        card.session(first + timedelta(days=i // 4), kids, [leader], start=f"{8 + (i % 4) * 3:02d}:00")
    report = attendance_report(world, card)
    text = dak_files.write(report)
    started = time.perf_counter()
    response = send_report(world.rep(ctx, "a"), world, text, xml=True)
    elapsed = time.perf_counter() - started
    created = expect(response, "ATT-015").status(201).json()
    want = expected(report, grant_rule_sets()["lok-stod"]["rules"]).summary
    got = {k: created["summary"][k] for k in want}
    wrong = "the large file is evaluated wrongly"
    ensure(got == want, wrong, expected=want, actual=got, response=response, requirement="ATT-001")
    slow = f"importing {BIG_FILE_SESSIONS} sessions took {elapsed:.1f} s"
    ensure(elapsed < 10, slow, expected="< 10 s", actual=elapsed, requirement="ATT-015")
