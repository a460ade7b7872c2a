"""Handlers of the class `attendance`: reports as JSON or DAK 2.2, their evaluation, export, statistics.

A report is checked completely before anything is stored: the JSON Schema (or our XSD for a DAK
file), then the profile rules (spec/dak.py), then that it is the caller's organisation and the
programme's municipality. The rule engine (grant_rules.py) evaluates it once, on arrival, and
the result is stored with it, so every later read agrees with the answer to the POST.
"""

from __future__ import annotations

import copy
import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from starlette.responses import Response

from reference_server import outbox, problems
from reference_server.booking.bookings import require_persona
from reference_server.discovery.organisations import load_organisation, mask
from reference_server.grants.api import READERS, listable, load_programme, may_read, narrowed, require_grant_role
from reference_server.grants.rules import age_group, evaluate
from reference_server.pagination import page_response
from reference_server.problems import FieldError
from reference_server.routing import Call, Handler, json_response
from reference_server.settings import Settings
from reference_server.storage import attendance_reports
from reference_server.timestamps import record_timestamp
from spec import dak
from spec.identifiers import birth_date, legal_sex

SEXES = ("female", "male")
AGE_GROUP_ORDER = ("0-6", "7-12", "13-16", "17-20", "21-25", "26-")


@dataclass(frozen=True)
class LineError(FieldError):
    """A finding in a DAK file: the element path as `pointer`, and the line it is on."""

    line: int | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = super().as_json()
        if self.line is not None:
            out["line"] = self.line
        return out

    def summary(self) -> str:
        return f"line {self.line}: {self.pointer}: {self.detail}" if self.line else super().summary()


def _overlook(settings: Settings) -> Any:
    """The rules a faulty supplier skips, as a predicate over findings ("PATH: message" for a DAK file,
    the message for JSON; None: skip nothing)."""
    skipped = []
    if settings.fault_active("dak-duplicate-kod-accepted"):
        skipped += ["UnikKodPerKort", "is used twice on this card"]
    if settings.fault_active("dak-card-number-overflow-accepted"):
        skipped += ["of the atomic type 'xs:int'"]  # NaervarokortNummer, the XSD's one xs:int
    if settings.fault_active("personnummer-check-digit-ignored"):
        skipped += ["the check digit is wrong (Luhn over the last ten digits)"]
    return (lambda message: any(s in message for s in skipped)) if skipped else None


# What a supplier still validating with an XSD written before the producers' shape refuses:
# fault name -> (a line it refuses, the element path's tail, the finding).
_OLDER_SCHEMA = {
    "dak-hyphenated-orgnr-refused": (
        re.compile(rb'organisationsnummer="[0-9]{6}-[0-9]{4}"'),
        "/Aktivitetskort/Kommun/Foerening/@organisationsnummer",
        "not accepted by the pattern '[0-9]{10}'",
    ),
    "dak-extra-register-fields-refused": (
        re.compile(rb"<(Postnr|Postadress|Kommun|Kon)\s*/?>"),
        "/Aktivitetskort",
        "This element is not expected.",
    ),
}


def _older_schema_errors(body: bytes, settings: Settings) -> list[LineError]:
    found = []
    for fault, (pattern, pointer, detail) in _OLDER_SCHEMA.items():
        if settings.fault_active(fault):
            found += [
                LineError("body", detail, pointer=pointer, line=i)
                for i, line in enumerate(body.split(b"\n"), 1)
                if pattern.search(line)
            ]
    return found


def _content(call: Call) -> tuple[dict[str, Any], str]:
    """The report's content in the JSON form, from either media type, or a 400 with every error."""
    overlook = _overlook(call.settings)
    if isinstance(call.body, bytes):
        refused = _older_schema_errors(call.body, call.settings)
        if refused:
            raise problems.validation_error(refused)
        try:
            content = dak.parse(call.body, overlook)
        except dak.DakInvalid as exc:
            shift = 1 if call.settings.fault_active("dak-line-numbers-wrong") else 0
            found = exc.errors[:1] if call.settings.fault_active("dak-first-error-only") else exc.errors
            raise problems.validation_error(
                [
                    LineError("body", e.message, pointer=e.path, line=None if e.line is None else e.line + shift)
                    for e in found
                ]
            ) from None
        sessions = sum(len(card["sessions"]) for card in content["cards"])
        if sessions > 5000 and call.settings.fault_active("dak-import-capped-at-5000-sessions"):
            # A limit picked to keep the import's memory down, below what the standard asks to be accepted.
            raise problems.body_error("/Aktivitetskort", "a DAK file may hold at most 5000 sessions")
        return content, "dak-2.2"
    errors = [
        FieldError("body", message, pointer=pointer)
        for pointer, message in dak.profile_errors(call.body)
        if overlook is None or not overlook(message)
    ]
    if errors:
        raise problems.validation_error(errors)
    return call.body, "json"


def _report_json(row: Row[Any], call: Call) -> dict[str, Any]:
    return {
        "id": row.id,
        "programmeId": row.programme_id,
        "organisationId": row.organisation_id,
        "municipalityCode": row.municipality_code,
        "format": row.format,
        "cards": [
            {"cardNumber": c["cardNumber"], "name": c["name"], "sessions": len(c["sessions"])}
            for c in row.content["cards"]
        ],
        "summary": row.summary,
        "createdAt": record_timestamp(row.created_at, call.settings),
        "updatedAt": record_timestamp(row.updated_at, call.settings),
    }


def create_attendance_report(call: Call) -> Response:
    identity = require_grant_role(call)
    organisation_id = str(identity.claim("organisationId"))
    content, source = _content(call)
    with call.services.storage.read() as conn:
        programme = load_programme(conn, call.query["programmeId"])
        organisation = load_organisation(conn, organisation_id)
    if programme is None:
        raise problems.validation_error(
            [FieldError("query", f"no grant programme with id {call.query['programmeId']}", name="programmeId")]
        )
    elsewhere = organisation is not None and organisation.municipality_code != programme.municipality_code
    if organisation is None or (
        elsewhere and not call.settings.fault_active("attendance-from-other-municipality-accepted")
    ):
        raise problems.forbidden(f"The programme is for organisations of municipality {programme.municipality_code}.")
    errors = []
    # The faulty supplier trusts a DAK file's header: it came from the association's own system.
    trusted = source == "dak-2.2" and call.settings.fault_active("dak-organisation-number-unchecked")
    if content["organisation"]["organisationNumber"] != organisation.organisation_number and not trusted:
        errors.append(
            ("/organisation/organisationNumber", "Kommun/Foerening@organisationsnummer", "organisation number")
        )
    if content["municipalityCode"] != programme.municipality_code:
        errors.append(("/municipalityCode", "Kommun@kommunID", "municipality code"))
    if errors:
        raise problems.validation_error(
            [
                FieldError(
                    "body",
                    f"the report's {what} is not the {'caller' if 'organisation' in at else 'programme'}'s",
                    pointer=at if source == "json" else f"/Aktivitetskort/{xml.replace('@', '/@')}",
                )
                for at, xml, what in errors
            ]
        )
    sessions, summary = evaluate(content, programme.rules, call.settings)
    now = call.now()
    report_id = str(uuid.uuid4())
    with call.services.storage.write() as conn:
        conn.execute(
            attendance_reports.insert().values(
                id=report_id,
                programme_id=programme.id,
                organisation_id=organisation_id,
                municipality_code=programme.municipality_code,
                format=source,
                content=content,
                sessions=sessions,
                summary=summary,
                created_at=now,
                updated_at=now,
            )
        )
        if not call.settings.fault_active("attendance-report-not-announced"):
            outbox.record(
                conn, call.settings, "attendance-report.evaluated", report_id, programme.municipality_code, now
            )
        row = _load(conn, report_id)
    return json_response(_report_json(row, call), 201)


def _load(conn: Connection, report_id: str) -> Row[Any]:
    row = conn.execute(sa.select(attendance_reports).where(attendance_reports.c.id == report_id)).first()
    if row is None:
        raise problems.not_found(f"No attendance report with id {report_id}.")
    return row


def _readable(call: Call, *, checked: bool = True) -> Row[Any]:
    identity = call.identity
    assert identity is not None  # the operation's security requires a token
    if checked:  # a persona that reads no report is told so before any report is looked up (CORE-027)
        require_persona(identity, READERS, "read attendance reports")
    with call.services.storage.read() as conn:
        row = _load(conn, call.path["reportId"])
    if checked and not may_read(identity, row.organisation_id, row.municipality_code, call.settings):
        raise problems.forbidden("Only the organisation's representatives and the municipality's case officers may.")
    return row


def list_attendance_reports(call: Call) -> Response:
    r = attendance_reports
    query = sa.select(r).where(listable(call, r, "attendance reports")).order_by(r.c.created_at, r.c.id)
    query = narrowed(query, call, {"programmeId": r.c.programme_id})
    with call.services.storage.read() as conn:
        rows = list(conn.execute(query))
    return page_response(call, rows, lambda row: _report_json(row, call))


def get_attendance_report(call: Call) -> Response:
    return json_response(_report_json(_readable(call), call))


def masked(content: dict[str, Any]) -> dict[str, Any]:
    """The content with every personnummer masked (CORE-015), for either export."""
    out = copy.deepcopy(content)
    for card in out["cards"]:
        for role in ("participants", "leaders"):
            for person in card[role]:
                person["personalIdentityNumber"] = mask(person["personalIdentityNumber"])
    return out


def export_attendance_report(call: Call) -> Response:
    content = masked(_readable(call).content)
    if "application/xml" in call.request.headers.get("accept", ""):
        xml = dak.to_xml(content)
        if call.settings.fault_active("dak-export-python-booleans"):
            xml = xml.replace(b">true<", b">True<").replace(b">false<", b">False<")  # written with str(bool)
        return Response(xml, media_type="application/xml")
    return json_response(content)


def list_attendance_report_sessions(call: Call) -> Response:
    # The faulty supplier's sub-resource loads the report but forgot the access check.
    row = _readable(call, checked=not call.settings.fault_active("report-sessions-readable-by-anyone"))
    return page_response(call, row.sessions, dict)


def _counted(row: Row[Any], settings: Settings) -> list[tuple[str, date]]:
    """(personnummer, session date) of every counted participant-session of one report."""
    numbers = {
        card["cardNumber"]: {p["id"]: p["personalIdentityNumber"] for p in card["participants"]}
        for card in row.content["cards"]
    }
    everyone = settings.fault_active("statistics-count-everyone-present")
    found = []
    for session in row.sessions:
        for entry in session["participants"]:
            if entry["counted"] or (everyone and entry["present"]):
                found.append((numbers[session["cardNumber"]][entry["id"]], date.fromisoformat(session["date"])))
    return found


def get_attendance_statistics(call: Call) -> Response:
    identity = call.identity
    assert identity is not None
    programme_id, organisation_id = call.query["programmeId"], call.query["organisationId"]
    with call.services.storage.read() as conn:
        programme = load_programme(conn, programme_id)
        if programme is None:
            raise problems.not_found(f"No grant programme with id {programme_id}.")
        if not may_read(identity, organisation_id, programme.municipality_code, call.settings):
            raise problems.forbidden(
                "Only the organisation's representatives and the municipality's case officers may."
            )
        rows = list(
            conn.execute(
                sa.select(attendance_reports).where(
                    attendance_reports.c.programme_id == programme_id,
                    attendance_reports.c.organisation_id == organisation_id,
                )
            )
        )
    sessions: dict[tuple[str, str], int] = {}
    people: dict[tuple[str, str], set[str]] = {}
    everyone: set[str] = set()
    total = 0
    for row in rows:
        for number, day in _counted(row, call.settings):
            key = (legal_sex(number), age_group(day.year - birth_date(number).year))
            sessions[key] = sessions.get(key, 0) + 1
            people.setdefault(key, set()).add(number)
            everyone.add(number)
            total += 1
    groups = [
        {
            "sex": sex,
            "ageGroup": group,
            "participants": len(people[(sex, group)]),
            "participantSessions": sessions[(sex, group)],
        }
        for sex in SEXES
        for group in AGE_GROUP_ORDER
        if (sex, group) in sessions
    ]
    return json_response(
        {
            "programmeId": programme_id,
            "organisationId": organisation_id,
            "groups": groups,
            "totals": {"participants": len(everyone), "participantSessions": total},
        }
    )


HANDLERS: dict[str, Handler] = {
    "createAttendanceReport": create_attendance_report,
    "listAttendanceReports": list_attendance_reports,
    "getAttendanceReport": get_attendance_report,
    "exportAttendanceReport": export_attendance_report,
    "listAttendanceReportSessions": list_attendance_report_sessions,
    "getAttendanceStatistics": get_attendance_statistics,
}
