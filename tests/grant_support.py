"""Helpers shared by the grants and attendance tests (test_server_grants.py, fault scenarios); no tests here."""

from __future__ import annotations

from typing import Any

from test_server_support import TestClient, bearer, create, organisation, person

from conformance.dataset import luhn_digit
from spec.reference_data import grant_rule_sets

ORG_NUMBER = "8020001239"
CHILD = "201503122382"  # born 2015, a girl (even ninth digit)
LEADER = "198702113450"


def lok(municipality: str = "0180") -> dict[str, Any]:
    rules = grant_rule_sets()["lok-stod"]
    return {
        "ref": "lok",
        "name": "LOK-stöd",
        "kind": "activity",
        "municipalityCode": municipality,
        "rules": rules["rules"],
    }


def setup(client: TestClient) -> dict[str, str]:
    return create(
        client,
        persons=[person("asa"), person("bo", given="Bo")],
        organisations=[
            organisation(
                "ifk",
                organisationNumber=ORG_NUMBER,
                representatives=[{"personRef": "asa", "role": "chair"}, {"personRef": "bo", "role": "booking-contact"}],
            ),
            organisation(
                "other", organisationNumber="8024790001", representatives=[{"personRef": "bo", "role": "chair"}]
            ),
        ],
        grantProgrammes=[lok()],
    )


def token(client: TestClient, persona: str, **claims: Any) -> dict[str, str]:
    response = client.post("/v1/test/tokens", json={"persona": persona, **claims})
    assert response.status_code == 201, response.text
    return bearer(response.json()["accessToken"])


def chair(client: TestClient, ids: dict[str, str]) -> dict[str, str]:
    return token(client, "organisation-representative", personId=ids["asa"], organisationId=ids["ifk"], role="chair")


def officer(client: TestClient, code: str = "0180") -> dict[str, str]:
    return token(client, "case-officer", municipalityCode=code)


def clock(client: TestClient, now: str) -> None:
    assert client.put("/v1/test/clock", json={"now": now, "frozen": True}).status_code == 200


def report(sessions: list[dict[str, Any]], participants: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "municipalityCode": "0180",
        "organisation": {"sourceId": "F1", "name": "IFK Gärdet", "organisationNumber": ORG_NUMBER},
        "cards": [
            {
                "cardNumber": 1,
                "activity": "Innebandy",
                "place": "Hallen",
                "name": "P15",
                "sessions": sessions,
                "participants": participants,
                "leaders": [
                    {"id": "l1", "givenName": "Örjan", "familyName": "Ågren", "personalIdentityNumber": LEADER}
                ],
            }
        ],
    }


def kid(i: int, year: int = 2015, month_day: str = "0312") -> dict[str, Any]:
    """Participant p<i>, born on `month_day` of `year`; even i are girls, odd i boys."""
    body = f"{year % 100:02d}{month_day}{300 + i:03d}"
    return {
        "id": f"p{i}",
        "givenName": "Åsa",
        "familyName": "Öberg",
        "personalIdentityNumber": f"{year // 100}{body}{luhn_digit(body)}",
    }


def session(code: str, day: str, minutes: int, kids: int) -> dict[str, Any]:
    return {
        "code": code,
        "date": day,
        "startTime": "18:00:00",
        "endTime": f"{18 + minutes // 60:02d}:{minutes % 60:02d}:00",
        "type": "training",
        "participants": [{"id": f"p{i}", "present": True, "disability": False} for i in range(kids)],
        "leaders": [{"id": "l1", "present": True, "disability": False}],
    }
