"""Helpers shared by the reference server's tests (tests/test_server_*.py); holds no tests itself.

A server under test is the real application on a throw-away database: a SQLite file in the test's
temporary directory, or a fresh PostgreSQL schema (dropped afterwards) when BOKBID_TEST_PG names
a reachable server.
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from reference_server.app import create_app
from reference_server.settings import Settings

with warnings.catch_warnings():
    # Starlette 1.x prefers the httpx2 package; the httpx we have works the same for tests.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PG_URL = os.environ.get("BOKBID_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
STOCKHOLM_CENTRE = (59.3326, 18.0649)
# A municipality's web app, allowed to call the servers the tests start (CORE-030).
BROWSER_ORIGIN = "https://bokning.example.se"


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bokbid-test.db'}"


@contextmanager
def postgres_url() -> Iterator[str]:
    """A database URL whose connections use a schema of their own, removed afterwards."""
    admin_url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        admin = sa.create_engine(admin_url)
        with admin.connect():
            pass
    except sa.exc.OperationalError as exc:
        message = f"PostgreSQL at {PG_URL} (BOKBID_TEST_PG) is unreachable: {exc.orig}"
        if os.environ.get("BOKBID_REQUIRE_PG") == "1":
            pytest.fail(message)
        pytest.skip(message)
    schema = f"bob_test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@contextmanager
def client_for(db: str, **settings: Any) -> Iterator[TestClient]:
    """The application in-process; leaving the block runs its shutdown (closing the database pool)."""
    with TestClient(create_app(Settings(db=db, **settings)), base_url="http://testserver") as client:
        yield client


def person(ref: str, pnr: str = "198004120005", given: str = "Åsa", family: str = "Öberg") -> dict[str, Any]:
    return {
        "ref": ref,
        "personalIdentityNumber": pnr,
        "givenName": given,
        "familyName": family,
        "email": f"{ref}@example.org",
        "phone": "+46701234567",
    }


def organisation(ref: str, code: str = "0180", **extra: Any) -> dict[str, Any]:
    return {
        "ref": ref,
        "name": f"Förening {ref}",
        "organisationNumber": "8020001239",
        "type": "association",
        "municipalityCode": code,
        "activityTypes": ["floorball"],
        **extra,
    }


ALWAYS_OPEN = {
    "weekly": [
        {"day": d, "opens": "00:00", "closes": "24:00"}
        for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    ]
}


def facility(ref: str, name: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ref": ref,
        "name": name or f"Hall {ref}",
        "municipalityCode": "0180",
        "address": {"street": "Sandhamnsgatan 12", "postalCode": "115 28", "city": "Stockholm"},
        "position": {"latitude": STOCKHOLM_CENTRE[0], "longitude": STOCKHOLM_CENTRE[1]},
        "ownership": "owned",
        "openingHours": ALWAYS_OPEN,
    }
    body.update(extra)
    return body


def create(client: TestClient, **fixtures: list[dict[str, Any]]) -> dict[str, str]:
    response = client.post("/v1/test/fixtures", json=fixtures)
    assert response.status_code == 201, response.text
    return dict(response.json()["ids"])


def token(client: TestClient, persona: str, **claims: Any) -> str:
    response = client.post("/v1/test/tokens", json={"persona": persona, **claims})
    assert response.status_code == 201, response.text
    return str(response.json()["accessToken"])


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == f"urn:bob:problem:{code}"
    assert body["status"] == status
    assert body["title"] and body["detail"]
    return dict(body)


def error_names(problem: dict[str, Any]) -> set[str]:
    """What a validation problem's `errors` name: parameter names and body pointers."""
    return {e.get("name") or e.get("pointer") for e in problem.get("errors", [])}
