"""Handlers of the class `grants`: programmes, applications and their case handling, the public
register of decisions, payouts.

An application moves draft → submitted → under-review → decided → paid, or is withdrawn before
the decision. Every transition reads and writes in one transaction with the row locked, so two
concurrent requests cannot both move it (and a payout can never include it twice).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from starlette.responses import Response

from reference_server import outbox, problems
from reference_server.auth import Identity
from reference_server.booking.bookings import require_persona
from reference_server.discovery.organisations import load_organisation, load_representatives
from reference_server.grants.periods import application_period
from reference_server.name_order import name_key
from reference_server.pagination import page_response
from reference_server.problems import FieldError, Problem
from reference_server.routing import Call, Handler, json_response
from reference_server.storage import (
    attendance_reports,
    grant_applications,
    grant_attachments,
    grant_payouts,
    grant_programmes,
    organisations,
)
from reference_server.timestamps import record_timestamp, utc_text
from reference_server.validation import unknown_municipality_code
from spec.identifiers import personal_identity_numbers_in

GRANT_ROLES = ("chair", "treasurer", "grant-contact")
READERS = ("organisation-representative", "case-officer")  # of applications and attendance reports
MAX_ATTACHMENT_BYTES = 512 * 1024
WITHDRAWABLE = ("draft", "submitted", "under-review")


def conflict(code: str, detail: str) -> Problem:
    return Problem(409, code, detail)


def narrowed(query: sa.Select[Any], call: Call, filters: dict[str, sa.ColumnElement[Any]]) -> sa.Select[Any]:
    """`query` cut down by each filter the caller gave (query parameter → the column it must equal):
    the list operations' filters combine with AND, and an absent one selects everything."""
    for name, column in filters.items():
        if name in call.query:
            query = query.where(column == call.query[name])
    return query


def municipality_filter_error(call: Call) -> None:
    error = unknown_municipality_code(call.query)
    if error is not None and not call.settings.fault_active("unknown-municipality-code-accepted"):
        raise problems.validation_error([error])


# --- programmes -----------------------------------------------------------------------------------


def programme_json(row: Row[Any], call: Call) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "kind": row.kind,
        "municipalityCode": row.municipality_code,
    }
    if row.description is not None:
        body["description"] = row.description
    return body | {
        "rules": row.rules,
        "createdAt": record_timestamp(row.created_at, call.settings),
        "updatedAt": record_timestamp(row.updated_at, call.settings),
    }


def load_programme(conn: Connection, programme_id: str) -> Row[Any] | None:
    return conn.execute(sa.select(grant_programmes).where(grant_programmes.c.id == programme_id)).first()


def _programmes_readable(call: Call) -> None:
    """Programmes are public (GRANT-001); the faulty supplier put them behind the login like the rest of the API."""
    if call.identity is None and call.settings.fault_active("grant-programmes-need-login"):
        raise problems.unauthorized("Log in to read grant programmes.", token_presented=False)


def list_grant_programmes(call: Call) -> Response:
    _programmes_readable(call)
    municipality_filter_error(call)
    g = grant_programmes
    query = narrowed(sa.select(g), call, {"municipalityCode": g.c.municipality_code, "kind": g.c.kind})
    with call.services.storage.read() as conn:
        rows = sorted(conn.execute(query), key=lambda r: (name_key(r.name), r.id))
    return page_response(call, rows, lambda r: programme_json(r, call))


def get_grant_programme(call: Call) -> Response:
    _programmes_readable(call)
    with call.services.storage.read() as conn:
        row = load_programme(conn, call.path["programmeId"])
    if row is None:
        raise problems.not_found(f"No grant programme with id {call.path['programmeId']}.")
    return json_response(programme_json(row, call))


# --- who may do what ------------------------------------------------------------------------------


def may_read(identity: Identity, organisation_id: str, municipality_code: str, settings: Any) -> bool:
    """The organisation's own representatives and the case officers of the municipality."""
    if identity.persona == "organisation-representative":
        return identity.claim("organisationId") == organisation_id or settings.fault_active(
            "other-organisation-application-readable"
        )
    if identity.persona == "case-officer":
        return identity.claim("municipalityCode") == municipality_code
    return False


def listable(call: Call, table: sa.Table, what: str) -> sa.ColumnElement[bool]:
    """The rows of `table` the caller may list, by the same parties as `may_read`: an organisation's
    representatives see its own, case officers their municipality's; anyone else 403."""
    identity = call.identity
    assert identity is not None  # the operation's security requires a token
    if identity.persona == "organisation-representative":
        return table.c.organisation_id == identity.claim("organisationId")
    if identity.persona == "case-officer":
        return table.c.municipality_code == identity.claim("municipalityCode")
    raise problems.forbidden(f"Only organisation representatives and case officers see {what}.")


def require_grant_role(call: Call, organisation_id: str | None = None) -> Identity:
    """An organisation representative with a grant role (for `organisation_id`, when given), else 403."""
    identity = call.identity
    assert identity is not None  # the operation's security requires a token
    if identity.persona != "organisation-representative":
        raise problems.forbidden("Only an organisation's representatives may do this.")
    if identity.claim("role") not in GRANT_ROLES and not call.settings.fault_active("wrong-role-may-apply"):
        raise problems.forbidden(f"Only the roles {', '.join(GRANT_ROLES)} may handle grants for an organisation.")
    if organisation_id is not None and identity.claim("organisationId") != organisation_id:
        raise problems.forbidden("This belongs to another organisation.")
    return identity


def _require_case_officer(call: Call, municipality_code: str) -> None:
    identity = call.identity
    assert identity is not None
    if identity.persona != "case-officer":
        raise problems.forbidden("Only a case officer (bidragshandläggare) may do this.")
    if identity.claim("municipalityCode") != municipality_code and not call.settings.fault_active(
        "case-officer-of-other-municipality-may-decide"
    ):
        raise problems.forbidden(f"Only case officers of municipality {municipality_code} may handle this.")


# --- applications ---------------------------------------------------------------------------------


def _attachments(conn: Connection, application_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {i: [] for i in application_ids}
    if not application_ids:
        return found
    query = (
        sa.select(grant_attachments)
        .where(grant_attachments.c.application_id.in_(application_ids))
        .order_by(grant_attachments.c.application_id, grant_attachments.c.position)
    )
    for row in conn.execute(query):
        found[row.application_id].append(attachment_json(row))
    return found


def attachment_json(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "fileName": row.file_name,
        "mediaType": row.media_type,
        "sizeBytes": row.size_bytes,
        "sha256": row.sha256,
        "createdAt": utc_text(row.created_at),
    }


def application_json(row: Row[Any], attachments: list[dict[str, Any]], call: Call) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id,
        "programmeId": row.programme_id,
        "organisationId": row.organisation_id,
        "municipalityCode": row.municipality_code,
        "applicationPeriod": row.application_period,
        "deadline": utc_text(row.deadline),
        "status": row.status,
        "requestedAmount": row.requested_amount,
    }
    if row.calculated_amount is not None:
        body["calculatedAmount"] = row.calculated_amount
    if row.description is not None:
        body["description"] = row.description
    body |= {"attendanceReportIds": row.attendance_report_ids, "attachments": attachments}
    if row.submitted_at is not None:
        body["submittedAt"] = utc_text(row.submitted_at)
    if row.decision_id is not None:
        body["decision"] = {
            "id": row.decision_id,
            "outcome": row.decision_outcome,
            "amount": row.decision_amount,
            "motivation": row.decision_motivation,
            "decidedAt": utc_text(row.decided_at),
        }
    if row.payout_id is not None:
        body["payoutId"] = row.payout_id
    return body | {
        "createdAt": record_timestamp(row.created_at, call.settings),
        "updatedAt": record_timestamp(row.updated_at, call.settings),
    }


def _one(conn: Connection, application_id: str, *, lock: bool = False) -> Row[Any]:
    query = sa.select(grant_applications).where(grant_applications.c.id == application_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise problems.not_found(f"No grant application with id {application_id}.")
    return row


def _respond(conn: Connection, application_id: str, call: Call, status: int = 200) -> Response:
    row = _one(conn, application_id)
    return json_response(application_json(row, _attachments(conn, [row.id])[row.id], call), status)


def _report_amounts(conn: Connection, report_ids: list[str], organisation_id: str, programme_id: str) -> int:
    total = 0
    errors = []
    for i, report_id in enumerate(report_ids):
        row = conn.execute(
            sa.select(
                attendance_reports.c.organisation_id, attendance_reports.c.programme_id, attendance_reports.c.summary
            ).where(attendance_reports.c.id == report_id)
        ).first()
        if row is None or row.organisation_id != organisation_id or row.programme_id != programme_id:
            errors.append(
                FieldError(
                    "body",
                    f"{report_id} is no attendance report of this organisation to this programme",
                    pointer=f"/attendanceReportIds/{i}",
                )
            )
        else:
            total += int(row.summary["amount"])
    if errors:
        raise problems.validation_error(errors)
    return total


def create_grant_application(call: Call) -> Response:
    identity = require_grant_role(call)
    body = call.body
    organisation_id = str(identity.claim("organisationId"))
    now = call.now()
    with call.services.storage.write() as conn:
        programme = load_programme(conn, body["programmeId"])
        if programme is None:
            raise problems.body_error("/programmeId", f"no grant programme with id {body['programmeId']}")
        organisation = load_organisation(conn, organisation_id)
        if organisation is None:
            raise problems.forbidden("The token's organisation is not in the registry.")
        if organisation.municipality_code != programme.municipality_code:
            raise problems.forbidden(
                f"The programme is for organisations of municipality {programme.municipality_code}, "
                f"not {organisation.municipality_code}."
            )
        any_period = call.settings.fault_active("deadline-from-first-rule-period")
        period = application_period(programme.rules, body["applicationPeriod"], any_period=any_period)
        if period is None:
            raise problems.body_error(
                "/applicationPeriod", f"the programme's rules have no application period {body['applicationPeriod']}"
            )
        report_ids = list(body.get("attendanceReportIds", []))
        calculated = _report_amounts(conn, report_ids, organisation_id, programme.id) if report_ids else None
        if calculated is not None and call.settings.fault_active("calculated-amount-copies-requested"):
            calculated = body["requestedAmount"]  # the reports checked for ownership, their amounts never summed
        application_id = str(uuid.uuid4())
        conn.execute(
            grant_applications.insert().values(
                id=application_id,
                programme_id=programme.id,
                organisation_id=organisation_id,
                municipality_code=programme.municipality_code,
                application_period=period.name,
                deadline=period.deadline,
                status="draft",
                requested_amount=body["requestedAmount"],
                calculated_amount=calculated,
                description=body.get("description"),
                attendance_report_ids=report_ids,
                created_at=now,
                updated_at=now,
            )
        )
        return _respond(conn, application_id, call, 201)


def list_grant_applications(call: Call) -> Response:
    a = grant_applications
    query = sa.select(a).where(listable(call, a, "grant applications")).order_by(a.c.created_at, a.c.id)
    query = narrowed(query, call, {"status": a.c.status, "programmeId": a.c.programme_id})
    with call.services.storage.read() as conn:
        rows = list(conn.execute(query))
        attached = _attachments(conn, [r.id for r in rows])
    return page_response(call, rows, lambda r: application_json(r, attached[r.id], call))


def get_grant_application(call: Call) -> Response:
    identity = require_persona(call.identity, READERS, "read grant applications")
    with call.services.storage.read() as conn:
        row = _one(conn, call.path["applicationId"])
        if not may_read(identity, row.organisation_id, row.municipality_code, call.settings):
            raise problems.forbidden(
                "Only the organisation's representatives and the municipality's case officers may read it."
            )
        return _respond(conn, row.id, call)


Check = Callable[[Row[Any], datetime], dict[str, Any] | None]
# The transitions the event feed reports (EVT-001); review and withdrawal are the applicant's and the
# case officer's own business.
_EVENTS = {"submitted": "grant-application.submitted", "decided": "grant-application.decided"}


def _move(call: Call, allowed_from: tuple[str, ...], to: str, check: Check) -> Response:
    """A transition: 404, then who may and what else must hold (`check`, which also gives the
    columns to set besides the status), then the state (409), all in one locked transaction."""
    now = call.now()
    with call.services.storage.write() as conn:
        row = _one(conn, call.path["applicationId"], lock=True)
        changes = check(row, now) or {}
        if row.status not in allowed_from:
            raise conflict("invalid-state", f"The application is {row.status}; this needs {' or '.join(allowed_from)}.")
        conn.execute(
            grant_applications.update()
            .where(grant_applications.c.id == row.id)
            .values(status=to, updated_at=now, **changes)
        )
        if to in _EVENTS and not (to == "decided" and call.settings.fault_active("grant-decision-not-announced")):
            outbox.record(conn, call.settings, _EVENTS[to], row.id, row.municipality_code, now)
        return _respond(conn, row.id, call)


def submit_grant_application(call: Call) -> Response:
    require_grant_role(call)

    def check(row: Row[Any], now: datetime) -> dict[str, Any]:
        require_grant_role(call, row.organisation_id)
        if row.status == "draft" and now > row.deadline and not call.settings.fault_active("deadline-not-enforced"):
            raise conflict(
                "deadline-passed",
                f"The deadline of {row.application_period} was {utc_text(row.deadline)} "
                "(the end of the deadline day in Europe/Stockholm).",
            )
        return {"submitted_at": now}

    return _move(call, ("draft",), "submitted", check)


def withdraw_grant_application(call: Call) -> Response:
    allowed = WITHDRAWABLE + (("decided",) if call.settings.fault_active("withdraw-after-decision") else ())

    require_grant_role(call)

    def check(row: Row[Any], now: datetime) -> None:
        require_grant_role(call, row.organisation_id)

    return _move(call, allowed, "withdrawn", check)


def start_grant_application_review(call: Call) -> Response:
    require_persona(call.identity, ("case-officer",), "review grant applications")

    def check(row: Row[Any], now: datetime) -> None:
        _require_case_officer(call, row.municipality_code)

    return _move(call, ("submitted",), "under-review", check)


def _decision_errors(body: dict[str, Any], requested: int, call: Call) -> list[FieldError]:
    errors = []
    outcome, amount = body["outcome"], body["amount"]
    if not call.settings.fault_active("decision-amount-unchecked"):
        fits = {
            "approved": amount == requested,
            "partly-approved": 0 < amount < requested,
            "rejected": amount == 0,
        }[outcome]
        if not fits:
            rule = {
                "approved": f"equal to the requested {requested}",
                "partly-approved": f"above 0 and below the requested {requested}",
                "rejected": "0",
            }[outcome]
            errors.append(FieldError("body", f"an outcome of {outcome} needs an amount {rule}", pointer="/amount"))
    found = personal_identity_numbers_in(body["motivation"])
    if call.settings.fault_active("motivation-short-personnummer-accepted"):
        found = [n for n in found if len(n) == 12]  # only the twelve-digit form was thought of
    if found:
        errors.append(
            FieldError(
                "body", "the motivation is published and may hold no personal identity number", pointer="/motivation"
            )
        )
    return errors


def decide_grant_application(call: Call) -> Response:
    require_persona(call.identity, ("case-officer",), "decide grant applications")

    def check(row: Row[Any], now: datetime) -> dict[str, Any]:
        _require_case_officer(call, row.municipality_code)
        if row.status == "under-review":
            errors = _decision_errors(call.body, row.requested_amount, call)
            if errors:
                raise problems.validation_error(errors)
        return {
            "decision_id": str(uuid.uuid4()),
            "decision_outcome": call.body["outcome"],
            "decision_amount": call.body["amount"],
            "decision_motivation": call.body["motivation"],
            "decided_at": now,
        }

    return _move(call, ("under-review",), "decided", check)


def add_grant_application_attachment(call: Call) -> Response:
    body = call.body
    if call.settings.fault_active("attachment-base64-unchecked"):
        content = base64.b64decode(body["content"], validate=True)  # trusts the client: bad base64 is a 500
    else:
        try:
            content = base64.b64decode(body["content"], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise problems.body_error("/content", f"not base64: {exc}") from exc
    if len(content) > MAX_ATTACHMENT_BYTES and not call.settings.fault_active("attachment-size-unchecked"):
        raise problems.body_error("/content", f"{len(content)} bytes; at most {MAX_ATTACHMENT_BYTES} are allowed")
    require_grant_role(call)
    now = call.now()
    with call.services.storage.write() as conn:
        row = _one(conn, call.path["applicationId"], lock=True)
        require_grant_role(call, row.organisation_id)
        if row.status != "draft":
            raise conflict("invalid-state", f"The application is {row.status}; attachments go on drafts only.")
        position = conn.execute(
            sa.select(sa.func.count())
            .select_from(grant_attachments)
            .where(grant_attachments.c.application_id == row.id)
        ).scalar_one()
        # The faulty supplier describes the request's base64 text instead of the file it encodes.
        described = body["content"].encode() if call.settings.fault_active("attachment-digest-of-base64") else content
        values = {
            "id": str(uuid.uuid4()),
            "application_id": row.id,
            "position": position,
            "file_name": body["fileName"],
            "media_type": body["mediaType"],
            "size_bytes": len(described),
            "sha256": hashlib.sha256(described).hexdigest(),
            "content": content,
            "created_at": now,
        }
        conn.execute(grant_attachments.insert().values(**values))
        conn.execute(grant_applications.update().where(grant_applications.c.id == row.id).values(updated_at=now))
        stored = conn.execute(sa.select(grant_attachments).where(grant_attachments.c.id == values["id"])).one()
    return json_response(attachment_json(stored), 201)


# --- the public register ----------------------------------------------------------------------------


def list_grant_decisions(call: Call) -> Response:
    municipality_filter_error(call)
    a, o, p = grant_applications, organisations, grant_programmes
    query = (
        sa.select(a, o.c.name.label("organisation_name"), o.c.organisation_number, p.c.name.label("programme_name"))
        .join(o, o.c.id == a.c.organisation_id)
        .join(p, p.c.id == a.c.programme_id)
        .where(a.c.decision_id.is_not(None))
        .order_by(a.c.decided_at.desc(), a.c.decision_id)
    )
    query = narrowed(
        query,
        call,
        {
            "municipalityCode": a.c.municipality_code,
            "programmeId": a.c.programme_id,
            "organisationId": a.c.organisation_id,
        },
    )
    with call.services.storage.read() as conn:
        rows = list(conn.execute(query))
        leaked = (
            {r.organisation_id: load_representatives(conn, r.organisation_id) for r in rows}
            if call.settings.fault_active("register-leaks-personnummer")
            else {}
        )

    def render(row: Row[Any]) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": row.decision_id,
            "applicationId": row.id,
            "organisationId": row.organisation_id,
            "organisationName": row.organisation_name,
            "organisationNumber": row.organisation_number,
            "programmeId": row.programme_id,
            "programmeName": row.programme_name,
            "municipalityCode": row.municipality_code,
            "outcome": row.decision_outcome,
            "amount": row.decision_amount,
            "motivation": row.decision_motivation,
            "decidedAt": utc_text(row.decided_at),
        }
        if leaked.get(row.organisation_id):
            # The applicant's contact copied from the case file into the published record.
            contact = leaked[row.organisation_id][0]
            entry["contact"] = f"{contact.given_name} {contact.family_name}, {contact.personal_identity_number}"
        return entry

    return page_response(call, rows, render)


# --- payouts --------------------------------------------------------------------------------------


def _payout_json(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "municipalityCode": row.municipality_code,
        "idempotencyKey": row.idempotency_key,
        "itemCount": len(row.items),
        "totalAmount": row.total_amount,
        "items": row.items,
        "createdAt": utc_text(row.created_at),
    }


def _existing_payout(conn: Connection, code: str, key: str) -> Row[Any] | None:
    return conn.execute(
        sa.select(grant_payouts).where(
            grant_payouts.c.municipality_code == code, grant_payouts.c.idempotency_key == key
        )
    ).first()


def _payable(conn: Connection, code: str, call: Call) -> list[Row[Any]]:
    a, o = grant_applications, organisations
    query = (
        sa.select(a, o.c.name.label("organisation_name"), o.c.organisation_number)
        .join(o, o.c.id == a.c.organisation_id)
        .where(a.c.municipality_code == code, a.c.decision_amount > 0)
        .order_by(a.c.decided_at, a.c.id)
        .with_for_update(of=a)
    )
    if call.settings.fault_active("payout-skips-partly-approved"):
        query = query.where(a.c.decision_outcome == "approved")  # "decided to pay" read as "approved"
    if call.settings.fault_active("payout-exported-twice"):
        # Selected by outcome, not by whether a batch already holds it.
        return list(conn.execute(query.where(a.c.status.in_(("decided", "paid")))))
    return list(conn.execute(query.where(a.c.status == "decided", a.c.payout_id.is_(None))))


def create_grant_payout(call: Call) -> Response:
    identity = call.identity
    assert identity is not None
    if identity.persona != "case-officer":
        raise problems.forbidden("Only a case officer creates payout batches.")
    code = str(identity.claim("municipalityCode"))
    key = call.body["idempotencyKey"]
    now = call.now()
    try:
        with call.services.storage.write() as conn:
            if not call.settings.fault_active("payout-idempotency-ignored"):
                existing = _existing_payout(conn, code, key)
                if existing is not None:
                    return json_response(_payout_json(existing), 200)
            rows = _payable(conn, code, call)
            if not rows:
                raise conflict(
                    "nothing-to-pay", f"No decided application of municipality {code} is waiting for payment."
                )
            payout_id = str(uuid.uuid4())
            items = [
                {
                    "applicationId": r.id,
                    "organisationId": r.organisation_id,
                    "organisationName": r.organisation_name,
                    "organisationNumber": r.organisation_number,
                    "programmeId": r.programme_id,
                    "amount": r.decision_amount,
                }
                for r in rows
            ]
            if call.settings.fault_active("payout-idempotency-ignored"):
                key = f"{key}:{payout_id}"  # every request its own batch
            conn.execute(
                grant_payouts.insert().values(
                    id=payout_id,
                    municipality_code=code,
                    idempotency_key=key,
                    items=items,
                    total_amount=sum(i["amount"] for i in items),
                    created_at=now,
                )
            )
            conn.execute(
                grant_applications.update()
                .where(grant_applications.c.id.in_([r.id for r in rows]))
                .values(status="paid", payout_id=payout_id, updated_at=now)
            )
            outbox.record(conn, call.settings, "grant-payout.created", payout_id, code, now)
            created = conn.execute(sa.select(grant_payouts).where(grant_payouts.c.id == payout_id)).one()
            return json_response(_payout_json(created), 201)
    except sa.exc.IntegrityError:
        # Another request with the same key won the race: its batch is the answer.
        with call.services.storage.read() as conn:
            existing = _existing_payout(conn, code, key)
        if existing is None:
            raise
        return json_response(_payout_json(existing), 200)


def get_grant_payout(call: Call) -> Response:
    identity = require_persona(call.identity, ("case-officer",), "read payout batches")
    with call.services.storage.read() as conn:
        row = conn.execute(sa.select(grant_payouts).where(grant_payouts.c.id == call.path["payoutId"])).first()
    if row is None:
        raise problems.not_found(f"No payout batch with id {call.path['payoutId']}.")
    if identity.persona != "case-officer" or identity.claim("municipalityCode") != row.municipality_code:
        raise problems.forbidden(f"Only case officers of municipality {row.municipality_code} may read this batch.")
    return json_response(_payout_json(row))


HANDLERS: dict[str, Handler] = {
    "listGrantProgrammes": list_grant_programmes,
    "getGrantProgramme": get_grant_programme,
    "listGrantApplications": list_grant_applications,
    "createGrantApplication": create_grant_application,
    "getGrantApplication": get_grant_application,
    "addGrantApplicationAttachment": add_grant_application_attachment,
    "submitGrantApplication": submit_grant_application,
    "withdrawGrantApplication": withdraw_grant_application,
    "startGrantApplicationReview": start_grant_application_review,
    "decideGrantApplication": decide_grant_application,
    "listGrantDecisions": list_grant_decisions,
    "createGrantPayout": create_grant_payout,
    "getGrantPayout": get_grant_payout,
}
