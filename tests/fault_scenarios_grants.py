"""What each fault of the grants and attendance classes looks like from outside (see test_server_faults.py,
which runs every scenario with its fault on and, to prove it, with the fault off, where it must fail)."""

from __future__ import annotations

import base64
import copy
import hashlib
from datetime import date, timedelta
from typing import Any

import grant_support as gs
from test_server_support import TestClient, create, organisation, person

from spec import dak

__all__ = [
    "age_by_birthday",
    "attachment_base64_unchecked",
    "attachment_digest_of_base64",
    "attachment_size_unchecked",
    "attendance_from_other_municipality_accepted",
    "calculated_amount_copies_requested",
    "case_officer_of_other_municipality_may_decide",
    "dak_card_number_overflow_accepted",
    "dak_duplicate_kod_accepted",
    "dak_export_python_booleans",
    "dak_extra_register_fields_refused",
    "dak_first_error_only",
    "dak_hyphenated_orgnr_refused",
    "dak_import_capped_at_5000_sessions",
    "dak_line_numbers_wrong",
    "dak_organisation_number_unchecked",
    "deadline_from_first_rule_period",
    "deadline_not_enforced",
    "decision_amount_unchecked",
    "grant_programmes_need_login",
    "latest_rules_for_every_date",
    "leader_counted_as_participant",
    "motivation_short_personnummer_accepted",
    "other_organisation_application_readable",
    "payout_exported_twice",
    "payout_idempotency_ignored",
    "payout_skips_partly_approved",
    "per_leader_cap_ignored",
    "personnummer_check_digit_ignored",
    "rate_ignores_sex",
    "register_leaks_personnummer",
    "report_sessions_readable_by_anyone",
    "rule_bounds_not_compared",
    "second_session_same_day_counted",
    "short_session_accepted",
    "statistics_count_everyone_present",
    "unknown_municipality_code_accepted",
    "withdraw_after_decision",
    "wrong_role_may_apply",
]


def _post(client: TestClient, report: dict[str, Any], *, xml: bytes | None = None) -> Any:
    ids = gs.setup(client)
    headers = gs.chair(client, ids)
    if xml is not None:
        headers = {**headers, "Content-Type": "application/xml"}
        return client.post("/v1/attendance-reports", params={"programmeId": ids["lok"]}, content=xml, headers=headers)
    return client.post("/v1/attendance-reports", params={"programmeId": ids["lok"]}, json=report, headers=headers)


def _summary(client: TestClient, sessions: list[dict[str, Any]], kids: list[dict[str, Any]]) -> dict[str, Any]:
    response = _post(client, gs.report(sessions, kids))
    assert response.status_code == 201, response.text
    return dict(response.json()["summary"])


def age_by_birthday(client: TestClient) -> None:
    kids = [gs.kid(0, 2019, "1220"), gs.kid(1), gs.kid(2)]  # p0 is 7 by calendar year, 6 by birthday
    assert _summary(client, [gs.session("s-1", "2026-02-03", 60, 3)], kids)["eligibleSessions"] == 0


def short_session_accepted(client: TestClient) -> None:
    kids = [gs.kid(i) for i in range(3)]
    assert _summary(client, [gs.session("s-1", "2026-02-03", 44, 3)], kids)["eligibleSessions"] == 1


def leader_counted_as_participant(client: TestClient) -> None:
    kids = [gs.kid(i) for i in range(2)]
    assert _summary(client, [gs.session("s-1", "2026-02-03", 60, 2)], kids)["eligibleSessions"] == 1


def per_leader_cap_ignored(client: TestClient) -> None:
    kids = [gs.kid(i) for i in range(21)]
    assert _summary(client, [gs.session("s-1", "2026-02-03", 60, 21)], kids)["eligibleSessions"] == 1


def second_session_same_day_counted(client: TestClient) -> None:
    kids = [gs.kid(i) for i in range(3)]
    sessions = [
        gs.session("s-1", "2026-02-03", 60, 3),
        {**gs.session("s-2", "2026-02-03", 60, 3), "startTime": "10:00:00"},
    ]
    sessions[1]["endTime"] = "11:00:00"
    assert _summary(client, sessions, kids)["eligibleSessions"] == 2


def latest_rules_for_every_date(client: TestClient) -> None:
    kids = [gs.kid(i, 2010) for i in range(3)]
    assert _summary(client, [gs.session("s-1", "2023-06-30", 50, 3)], kids)["eligibleSessions"] == 1


def rate_ignores_sex(client: TestClient) -> None:
    ids = create(
        client,
        persons=[person("asa")],
        organisations=[
            organisation(
                "ifk", organisationNumber=gs.ORG_NUMBER, representatives=[{"personRef": "asa", "role": "chair"}]
            )
        ],
        grantProgrammes=[{**gs.lok(), "rules": gs.grant_rule_sets()["kommun-jamstalld"]["rules"]}],
    )
    report = gs.report([gs.session("s-1", "2026-02-03", 60, 5)], [gs.kid(i * 2) for i in range(5)])
    for i, entry in enumerate(report["cards"][0]["sessions"][0]["participants"]):
        entry["id"] = f"p{i * 2}"
    response = client.post(
        "/v1/attendance-reports", params={"programmeId": ids["lok"]}, json=report, headers=gs.chair(client, ids)
    )
    assert response.json()["summary"]["amount"] == 7500 + 5 * 1000  # five girls at the flat rate, not 1200


def _xml(kids: int = 3) -> str:
    return dak.to_xml(gs.report([gs.session("s-1", "2026-02-03", 60, kids)], [gs.kid(i) for i in range(kids)])).decode()


def dak_line_numbers_wrong(client: TestClient) -> None:
    text = _xml().replace("<StoppTid>19:00:00</StoppTid>", "<StoppTid>17:00:00</StoppTid>")
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "17:00:00" in s)
    problem = _post(client, {}, xml=text.encode()).json()
    assert problem["errors"][0]["line"] != line


def dak_first_error_only(client: TestClient) -> None:
    text = _xml().replace("<StoppTid>19:00:00</StoppTid>", "<StoppTid>17:00:00</StoppTid>")
    problem = _post(client, {}, xml=text.replace("<Typ>Traening</Typ>", "<Typ>Fika</Typ>").encode()).json()
    assert len(problem["errors"]) == 1


def dak_hyphenated_orgnr_refused(client: TestClient) -> None:
    text = _xml()
    assert 'organisationsnummer="802000-1239"' in text
    assert _post(client, {}, xml=text.encode()).status_code == 400


def dak_extra_register_fields_refused(client: TestClient) -> None:
    text = _xml().replace("</Personnummer>", "</Personnummer>\n      <Postnr>123 45</Postnr>\n      <Kon>Kvinna</Kon>")
    assert _post(client, {}, xml=text.encode()).status_code == 400


def dak_duplicate_kod_accepted(client: TestClient) -> None:
    text = _xml()
    one = text[text.index("<Sammankomst ") : text.index("</Sammankomst>") + len("</Sammankomst>")]
    twice = text.replace(one, one + one.replace('Datum="2026-02-03"', 'Datum="2026-02-10"'))
    assert _post(client, {}, xml=twice.encode()).status_code == 201


def dak_card_number_overflow_accepted(client: TestClient) -> None:
    text = _xml().replace('NaervarokortNummer="1"', 'NaervarokortNummer="2147483648"')
    assert _post(client, {}, xml=text.encode()).status_code == 201


def personnummer_check_digit_ignored(client: TestClient) -> None:
    kids = [gs.kid(i) for i in range(3)]
    number = kids[0]["personalIdentityNumber"]
    kids[0]["personalIdentityNumber"] = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert _post(client, gs.report([gs.session("s-1", "2026-02-03", 60, 3)], kids)).status_code == 201


def statistics_count_everyone_present(client: TestClient) -> None:
    ids = gs.setup(client)
    chair = gs.chair(client, ids)
    report = gs.report([gs.session("s-1", "2026-02-03", 60, 4)], [gs.kid(0, 1990), *(gs.kid(i) for i in (1, 2, 3))])
    assert (
        client.post(
            "/v1/attendance-reports", params={"programmeId": ids["lok"]}, json=report, headers=chair
        ).status_code
        == 201
    )
    stats = client.get(
        "/v1/attendance-statistics", params={"programmeId": ids["lok"], "organisationId": ids["ifk"]}, headers=chair
    ).json()
    assert stats["totals"]["participantSessions"] == 4


def _application(client: TestClient, ids: dict[str, str], amount: int = 1000) -> dict[str, Any]:
    body = {"programmeId": ids["lok"], "applicationPeriod": "2026-spring", "requestedAmount": amount}
    response = client.post("/v1/grant-applications", json=body, headers=gs.chair(client, ids))
    assert response.status_code == 201, response.text
    return dict(response.json())


def _to_review(client: TestClient, ids: dict[str, str], amount: int = 1000) -> dict[str, Any]:
    gs.clock(client, "2026-03-01T10:00:00Z")
    application = _application(client, ids, amount)
    assert (
        client.post(f"/v1/grant-applications/{application['id']}/submission", headers=gs.chair(client, ids)).status_code
        == 200
    )
    assert (
        client.post(f"/v1/grant-applications/{application['id']}/review", headers=gs.officer(client)).status_code == 200
    )
    return application


def _decide(client: TestClient, ids: dict[str, str], amount: int = 1000) -> dict[str, Any]:
    application = _to_review(client, ids, amount)
    decision = {"outcome": "approved", "amount": amount, "motivation": "Beviljas."}
    response = client.post(
        f"/v1/grant-applications/{application['id']}/decision", json=decision, headers=gs.officer(client)
    )
    assert response.status_code == 200, response.text
    return application


def other_organisation_application_readable(client: TestClient) -> None:
    ids = gs.setup(client)
    gs.clock(client, "2026-03-01T10:00:00Z")
    application = _application(client, ids)
    other = gs.token(
        client, "organisation-representative", personId=ids["bo"], organisationId=ids["other"], role="chair"
    )
    assert client.get(f"/v1/grant-applications/{application['id']}", headers=other).status_code == 200


def wrong_role_may_apply(client: TestClient) -> None:
    ids = gs.setup(client)
    gs.clock(client, "2026-03-01T10:00:00Z")
    booking = gs.token(
        client, "organisation-representative", personId=ids["bo"], organisationId=ids["ifk"], role="booking-contact"
    )
    body = {"programmeId": ids["lok"], "applicationPeriod": "2026-spring", "requestedAmount": 1}
    assert client.post("/v1/grant-applications", json=body, headers=booking).status_code == 201


def deadline_from_first_rule_period(client: TestClient) -> None:
    ids = gs.setup(client)
    programme = copy.deepcopy(gs.lok())
    programme["ref"] = "moved"
    for rule in programme["rules"]["periods"][-1]["applicationPeriods"]:
        rule["deadline"] = "08-15" if rule["id"] == "spring" else rule["deadline"]
    moved = create(client, grantProgrammes=[programme])["moved"]
    gs.clock(client, "2026-03-01T10:00:00Z")
    body = {"programmeId": moved, "applicationPeriod": "2026-spring", "requestedAmount": 1}
    created = client.post("/v1/grant-applications", json=body, headers=gs.chair(client, ids)).json()
    assert created["deadline"] == "2026-08-25T21:59:59Z"  # the old rules' 25 August, not the 15th now in force


def deadline_not_enforced(client: TestClient) -> None:
    ids = gs.setup(client)
    gs.clock(client, "2026-09-01T10:00:00Z")
    application = _application(client, ids)
    response = client.post(f"/v1/grant-applications/{application['id']}/submission", headers=gs.chair(client, ids))
    assert response.status_code == 200


def withdraw_after_decision(client: TestClient) -> None:
    ids = gs.setup(client)
    application = _decide(client, ids)
    response = client.post(f"/v1/grant-applications/{application['id']}/withdrawal", headers=gs.chair(client, ids))
    assert response.status_code == 200


def case_officer_of_other_municipality_may_decide(client: TestClient) -> None:
    ids = gs.setup(client)
    application = _to_review(client, ids)
    decision = {"outcome": "approved", "amount": 1000, "motivation": "Beviljas."}
    response = client.post(
        f"/v1/grant-applications/{application['id']}/decision", json=decision, headers=gs.officer(client, "2480")
    )
    assert response.status_code == 200


def decision_amount_unchecked(client: TestClient) -> None:
    ids = gs.setup(client)
    application = _to_review(client, ids)
    decision = {"outcome": "partly-approved", "amount": 5000, "motivation": "Mer än sökt."}
    response = client.post(
        f"/v1/grant-applications/{application['id']}/decision", json=decision, headers=gs.officer(client)
    )
    assert response.status_code == 200


def register_leaks_personnummer(client: TestClient) -> None:
    ids = gs.setup(client)
    _decide(client, ids)
    assert "198004120005" in client.get("/v1/grant-decisions").text


def payout_exported_twice(client: TestClient) -> None:
    ids = gs.setup(client)
    _decide(client, ids)
    officer = gs.officer(client)
    assert client.post("/v1/grant-payouts", json={"idempotencyKey": "a"}, headers=officer).status_code == 201
    assert client.post("/v1/grant-payouts", json={"idempotencyKey": "b"}, headers=officer).status_code == 201


def payout_idempotency_ignored(client: TestClient) -> None:
    ids = gs.setup(client)
    _decide(client, ids)
    officer = gs.officer(client)
    assert client.post("/v1/grant-payouts", json={"idempotencyKey": "a"}, headers=officer).status_code == 201
    assert client.post("/v1/grant-payouts", json={"idempotencyKey": "a"}, headers=officer).status_code != 200


def unknown_municipality_code_accepted(client: TestClient) -> None:
    assert client.get("/v1/grant-programmes", params={"municipalityCode": "9999"}).status_code == 200


def grant_programmes_need_login(client: TestClient) -> None:
    ids = gs.setup(client)
    assert client.get("/v1/grant-programmes").status_code == 401
    assert client.get(f"/v1/grant-programmes/{ids['lok']}").status_code == 401


def rule_bounds_not_compared(client: TestClient) -> None:
    programme = gs.lok()
    periods = [dict(p) for p in programme["rules"]["periods"]]
    periods[1]["participantAge"] = {"min": 26, "max": 25, "disabilityExempt": True}
    body = {"grantProgrammes": [{**programme, "rules": {"periods": periods}}]}
    assert client.post("/v1/test/fixtures", json=body).status_code == 201


def motivation_short_personnummer_accepted(client: TestClient) -> None:
    ids = gs.setup(client)
    application = _to_review(client, ids)
    path = f"/v1/grant-applications/{application['id']}/decision"
    for written, status in ((gs.LEADER, 400), (f"{gs.LEADER[2:8]}-{gs.LEADER[8:]}", 200)):
        decision = {"outcome": "approved", "amount": 1000, "motivation": f"Kontaktperson {written} har intygat."}
        assert client.post(path, json=decision, headers=gs.officer(client)).status_code == status


def payout_skips_partly_approved(client: TestClient) -> None:
    ids = gs.setup(client)
    application = _to_review(client, ids)
    decision = {"outcome": "partly-approved", "amount": 500, "motivation": "Hälften."}
    path = f"/v1/grant-applications/{application['id']}/decision"
    assert client.post(path, json=decision, headers=gs.officer(client)).status_code == 200
    response = client.post("/v1/grant-payouts", json={"idempotencyKey": "a"}, headers=gs.officer(client))
    assert response.status_code == 409 and response.json()["type"].endswith("nothing-to-pay")


def attachment_base64_unchecked(client: TestClient) -> None:
    ids = gs.setup(client)
    gs.clock(client, "2026-03-01T10:00:00Z")
    application = _application(client, ids)
    body = {"fileName": "v.txt", "mediaType": "text/plain", "content": "Verksamhetsberättelse 2025!"}
    response = client.post(
        f"/v1/grant-applications/{application['id']}/attachments", json=body, headers=gs.chair(client, ids)
    )
    assert response.status_code == 500


def attachment_size_unchecked(client: TestClient) -> None:
    ids = gs.setup(client)
    gs.clock(client, "2026-03-01T10:00:00Z")
    application = _application(client, ids)
    content = base64.b64encode(b"x" * (512 * 1024 + 1)).decode()
    body = {"fileName": "big.bin", "mediaType": "application/octet-stream", "content": content}
    response = client.post(
        f"/v1/grant-applications/{application['id']}/attachments", json=body, headers=gs.chair(client, ids)
    )
    assert response.status_code == 201


def attachment_digest_of_base64(client: TestClient) -> None:
    ids = gs.setup(client)
    gs.clock(client, "2026-03-01T10:00:00Z")
    application = _application(client, ids)
    encoded = base64.b64encode("Verksamhetsberättelse 2025".encode()).decode()
    body = {"fileName": "v.txt", "mediaType": "text/plain", "content": encoded}
    response = client.post(
        f"/v1/grant-applications/{application['id']}/attachments", json=body, headers=gs.chair(client, ids)
    )
    assert response.status_code == 201, response.text
    shown = response.json()
    assert (shown["sizeBytes"], shown["sha256"]) == (len(encoded), hashlib.sha256(encoded.encode()).hexdigest())


def attendance_from_other_municipality_accepted(client: TestClient) -> None:
    ids = create(
        client,
        persons=[person("asa")],
        organisations=[
            organisation(
                "far", "2480", organisationNumber=gs.ORG_NUMBER, representatives=[{"personRef": "asa", "role": "chair"}]
            )
        ],
        grantProgrammes=[gs.lok("0180")],
    )
    chair = gs.token(
        client, "organisation-representative", personId=ids["asa"], organisationId=ids["far"], role="chair"
    )
    report = gs.report([gs.session("s-1", "2026-02-03", 60, 3)], [gs.kid(i) for i in range(3)])
    response = client.post("/v1/attendance-reports", params={"programmeId": ids["lok"]}, json=report, headers=chair)
    assert response.status_code == 201


def dak_organisation_number_unchecked(client: TestClient) -> None:
    report = gs.report([gs.session("s-1", "2026-02-03", 60, 3)], [gs.kid(i) for i in range(3)])
    report["organisation"]["organisationNumber"] = "8024790001"  # the other organisation's
    assert _post(client, {}, xml=dak.to_xml(report)).status_code == 201


def _stored_report(client: TestClient) -> tuple[dict[str, str], dict[str, str], str]:
    """A report of ifk to LOK-stöd: the ids, the chair's headers and the report's id."""
    ids = gs.setup(client)
    chair = gs.chair(client, ids)
    report = gs.report([gs.session("s-1", "2026-02-03", 60, 3)], [gs.kid(i) for i in range(3)])
    response = client.post("/v1/attendance-reports", params={"programmeId": ids["lok"]}, json=report, headers=chair)
    assert response.status_code == 201, response.text
    return ids, chair, str(response.json()["id"])


def report_sessions_readable_by_anyone(client: TestClient) -> None:
    ids, _, report_id = _stored_report(client)
    other = gs.token(
        client, "organisation-representative", personId=ids["bo"], organisationId=ids["other"], role="chair"
    )
    assert client.get(f"/v1/attendance-reports/{report_id}", headers=other).status_code == 403
    assert client.get(f"/v1/attendance-reports/{report_id}/sessions", headers=other).status_code == 200


def dak_export_python_booleans(client: TestClient) -> None:
    _, chair, report_id = _stored_report(client)
    headers = {**chair, "Accept": "application/xml"}
    text = client.get(f"/v1/attendance-reports/{report_id}/content", headers=headers).text
    assert "<Naervarande>True</Naervarande>" in text and "<Handikapp>False</Handikapp>" in text


def calculated_amount_copies_requested(client: TestClient) -> None:
    ids, chair, report_id = _stored_report(client)
    body = {
        "programmeId": ids["lok"],
        "applicationPeriod": "2026-spring",
        "requestedAmount": 1,
        "attendanceReportIds": [report_id],
    }
    response = client.post("/v1/grant-applications", json=body, headers=chair)
    assert response.status_code == 201, response.text
    assert response.json()["calculatedAmount"] == 1


def dak_import_capped_at_5000_sessions(client: TestClient) -> None:
    first = date(2024, 1, 1)
    sessions = []
    for i in range(5001):  # four a day, three hours apart, so every one is a session of its own
        session = gs.session(f"s-{i}", (first + timedelta(days=i // 4)).isoformat(), 60, 3)
        start = 8 + (i % 4) * 3
        sessions.append({**session, "startTime": f"{start:02d}:00:00", "endTime": f"{start + 1:02d}:00:00"})
    xml = dak.to_xml(gs.report(sessions, [gs.kid(i) for i in range(3)]))
    assert _post(client, {}, xml=xml).status_code == 400
