"""The reference server's grants and attendance classes, in-process: the flows a supplier must support."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import grant_support as gs
import pytest
from grant_support import CHILD, ORG_NUMBER
from test_server_support import TestClient, assert_problem, client_for, create, organisation, person, sqlite_url

import spec
from spec import dak
from spec.reference_data import grant_rule_sets


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with client_for(sqlite_url(tmp_path)) as c:
        yield c


def test_programme_is_public_with_its_rules(client: TestClient) -> None:
    ids = gs.setup(client)
    body = client.get(f"/v1/grant-programmes/{ids['lok']}").json()
    assert body["rules"] == grant_rule_sets()["lok-stod"]["rules"]
    assert client.get("/v1/grant-programmes", params={"municipalityCode": "0180"}).json()["totalItems"] == 1
    assert_problem(client.get("/v1/grant-programmes", params={"municipalityCode": "9999"}), 400, "validation-error")


def test_contradictory_rules_and_unknown_municipality_are_refused(client: TestClient) -> None:
    bad = gs.lok("9999")
    bad["rules"] = {"periods": [dict(p) for p in bad["rules"]["periods"]]}
    bad["rules"]["periods"][1]["validFrom"] = "2023-06-01"
    response = client.post("/v1/test/fixtures", json={"grantProgrammes": [bad]})
    problem = assert_problem(response, 400, "validation-error")
    pointers = {e["pointer"] for e in problem["errors"]}
    assert {"/grantProgrammes/0/municipalityCode", "/grantProgrammes/0/rules/periods/1/validFrom"} <= pointers


def test_whole_flow_from_draft_to_paid(client: TestClient) -> None:
    ids = gs.setup(client)
    gs.clock(client, "2026-03-01T10:00:00Z")
    chair = gs.chair(client, ids)
    draft = client.post(
        "/v1/grant-applications",
        json={"programmeId": ids["lok"], "applicationPeriod": "2026-spring", "requestedAmount": 500000},
        headers=chair,
    )
    assert draft.status_code == 201, draft.text
    app = draft.json()
    assert app["status"] == "draft" and app["deadline"] == "2026-08-25T21:59:59Z"
    attached = client.post(
        f"/v1/grant-applications/{app['id']}/attachments",
        json={"fileName": "plan.txt", "mediaType": "text/plain", "content": base64.b64encode(b"hej").decode()},
        headers=chair,
    )
    assert attached.status_code == 201 and attached.json()["sizeBytes"] == 3
    assert client.post(f"/v1/grant-applications/{app['id']}/submission", headers=chair).json()["status"] == "submitted"
    officer = gs.officer(client)
    assert_problem(
        client.post(f"/v1/grant-applications/{app['id']}/review", headers=gs.officer(client, "2480")), 403, "forbidden"
    )
    assert client.post(f"/v1/grant-applications/{app['id']}/review", headers=officer).json()["status"] == "under-review"
    bad = client.post(
        f"/v1/grant-applications/{app['id']}/decision",
        json={"outcome": "approved", "amount": 400000, "motivation": "Beviljas."},
        headers=officer,
    )
    assert_problem(bad, 400, "validation-error")
    leak = client.post(
        f"/v1/grant-applications/{app['id']}/decision",
        json={"outcome": "approved", "amount": 500000, "motivation": f"Kontakt {CHILD}."},
        headers=officer,
    )
    assert_problem(leak, 400, "validation-error")
    decided = client.post(
        f"/v1/grant-applications/{app['id']}/decision",
        json={"outcome": "partly-approved", "amount": 400000, "motivation": "Delvis beviljat."},
        headers=officer,
    )
    assert decided.json()["status"] == "decided"
    register = client.get("/v1/grant-decisions").json()
    assert register["items"][0]["amount"] == 400000 and register["items"][0]["organisationNumber"] == ORG_NUMBER
    assert_problem(client.post(f"/v1/grant-applications/{app['id']}/withdrawal", headers=chair), 409, "invalid-state")
    first = client.post("/v1/grant-payouts", json={"idempotencyKey": "k1"}, headers=officer)
    assert first.status_code == 201 and first.json()["totalAmount"] == 400000
    again = client.post("/v1/grant-payouts", json={"idempotencyKey": "k1"}, headers=officer)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert_problem(
        client.post("/v1/grant-payouts", json={"idempotencyKey": "k2"}, headers=officer), 409, "nothing-to-pay"
    )
    assert client.get(f"/v1/grant-applications/{app['id']}", headers=chair).json()["status"] == "paid"


def test_roles_organisations_and_deadline(client: TestClient) -> None:
    ids = gs.setup(client)
    body = {"programmeId": ids["lok"], "applicationPeriod": "2026-spring", "requestedAmount": 1}
    booking = gs.token(
        client, "organisation-representative", personId=ids["bo"], organisationId=ids["ifk"], role="booking-contact"
    )
    assert_problem(client.post("/v1/grant-applications", json=body, headers=booking), 403, "forbidden")
    gs.clock(client, "2026-08-25T21:59:00Z")
    chair = gs.chair(client, ids)
    app = client.post("/v1/grant-applications", json=body, headers=chair).json()
    other = gs.token(
        client, "organisation-representative", personId=ids["bo"], organisationId=ids["other"], role="chair"
    )
    assert_problem(client.get(f"/v1/grant-applications/{app['id']}", headers=other), 403, "forbidden")
    gs.clock(client, "2026-08-25T22:00:00Z")
    chair = gs.chair(client, ids)
    assert_problem(client.post(f"/v1/grant-applications/{app['id']}/submission", headers=chair), 409, "deadline-passed")


def test_attendance_json_and_dak_agree_and_rules_apply(client: TestClient) -> None:
    ids = gs.setup(client)
    chair = gs.chair(client, ids)
    report = gs.report(
        [
            gs.session("s-45", "2026-02-03", 45, 3),
            gs.session("s-44", "2026-02-04", 44, 3),
            gs.session("s-2", "2026-02-05", 45, 2),
        ],
        [gs.kid(i) for i in range(3)],
    )
    made = client.post("/v1/attendance-reports", params={"programmeId": ids["lok"]}, json=report, headers=chair)
    assert made.status_code == 201, made.text
    assert made.json()["summary"]["eligibleSessions"] == 1
    xml = client.post(
        "/v1/attendance-reports",
        params={"programmeId": ids["lok"]},
        content=dak.to_xml(report),
        headers={**chair, "Content-Type": "application/xml"},
    )
    assert xml.status_code == 201, xml.text
    assert xml.json()["summary"] == made.json()["summary"]
    sessions = client.get(f"/v1/attendance-reports/{made.json()['id']}/sessions", headers=chair).json()["items"]
    reasons = {s["code"]: [r["rule"] for r in s["reasons"]] for s in sessions}
    assert reasons == {"s-45": [], "s-44": ["min-session-minutes"], "s-2": ["min-participants"]}
    exported = client.get(
        f"/v1/attendance-reports/{made.json()['id']}/content", headers={**chair, "Accept": "application/xml"}
    )
    assert exported.headers["content-type"].startswith("application/xml")
    assert CHILD[:8] not in exported.text or "-****" in exported.text
    stats = client.get(
        "/v1/attendance-statistics", params={"programmeId": ids["lok"], "organisationId": ids["ifk"]}, headers=chair
    ).json()
    assert stats["totals"] == {"participants": 3, "participantSessions": 6}


def test_broken_dak_file_names_line_and_element(client: TestClient) -> None:
    ids = gs.setup(client)
    chair = gs.chair(client, ids)
    text = dak.to_xml(gs.report([gs.session("s-45", "2026-02-03", 45, 1)], [gs.kid(0)])).decode()
    broken = text.replace('NaervarokortNummer="1"', 'NaervarokortNummer="2147483648"')
    response = client.post(
        "/v1/attendance-reports",
        params={"programmeId": ids["lok"]},
        content=broken.encode(),
        headers={**chair, "Content-Type": "application/xml"},
    )
    problem = assert_problem(response, 400, "validation-error")
    line = next(i for i, s in enumerate(broken.splitlines(), 1) if "2147483648" in s)
    assert problem["errors"][0]["line"] == line and "Naervarokort" in problem["errors"][0]["pointer"]
    assert client.get("/v1/attendance-reports", headers=chair).json()["totalItems"] == 0


def test_examples_of_the_dak_profile_are_valid() -> None:
    example = spec.openapi()["components"]["examples"]
    assert dak.parse(example["DakDocument"]["value"].encode()) == example["AttendanceReportInput"]["value"]


@pytest.mark.parametrize(
    ("name", "number", "municipality"),
    [("dak-one-card.xml", "8024713359", "1480"), ("dak-several-cards.xml", "8025156087", "0180")],
)
def test_files_as_association_systems_write_them_are_imported(
    client: TestClient, name: str, number: str, municipality: str
) -> None:
    data = (Path(__file__).resolve().parent.parent / "docs" / "examples" / name).read_bytes()
    ids = create(
        client,
        persons=[person("asa")],
        organisations=[
            organisation(
                "kar", municipality, organisationNumber=number, representatives=[{"personRef": "asa", "role": "chair"}]
            )
        ],
        grantProgrammes=[gs.lok(municipality)],
    )
    chair = gs.token(
        client, "organisation-representative", personId=ids["asa"], organisationId=ids["kar"], role="chair"
    )
    made = client.post(
        "/v1/attendance-reports",
        params={"programmeId": ids["lok"]},
        content=data,
        headers={**chair, "Content-Type": "application/xml"},
    )
    assert made.status_code == 201, made.text
    content = client.get(f"/v1/attendance-reports/{made.json()['id']}/content", headers=chair).json()
    want = dak.parse(data)
    for card in want["cards"]:
        for person_ in card["participants"] + card["leaders"]:
            person_["personalIdentityNumber"] = person_["personalIdentityNumber"][:8] + "-****"
    assert content == want
    exported = client.get(
        f"/v1/attendance-reports/{made.json()['id']}/content", headers={**chair, "Accept": "application/xml"}
    ).text
    assert f'organisationsnummer="{number[:6]}-{number[6:]}"' in exported
    assert exported.index("</Kommun>") < exported.index("<DeltagarRegister>")
