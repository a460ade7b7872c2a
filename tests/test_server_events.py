"""The event feed of the reference server (class events): what each change writes, who reads it, the
cursor, and that numbering follows commit order under concurrent writers on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import grant_support as gs
import httpx
import pytest
from fault_scenarios_booking import DAY, PRICED, Venue, _activity, _allocate, _apply_for, _paid, _register, _season
from fault_scenarios_grants import _decide
from test_server_support import TestClient, assert_problem, bearer, client_for, sqlite_url, token

from reference_server.launcher import background_server
from reference_server.storage import Storage, event_sequence, events


def _reader(client: TestClient, code: str = "0180") -> dict[str, str]:
    return bearer(token(client, "system-client", clientId="lager", scopes=["events:read"], municipalityCode=code))


def _feed(client: TestClient, reader: dict[str, str], after: str | None = None) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"limit": 100} | ({"after": after} if after else {})
    response = client.get("/v1/events", params=params, headers=reader)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def _changes(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["type"], e["resource"]["id"]) for e in items]


def _book(venue: Venue, hour: int, who: int = 0, **extra: Any) -> Any:
    return venue.book(
        venue.as_citizen(who), f"{DAY}T{hour:02d}:00:00Z", f"{DAY}T{hour:02d}:30:00Z", key=f"k{hour}-{who}", **extra
    )


def test_each_booking_change_is_one_event_and_refusals_none(tmp_path: Path) -> None:
    with client_for(sqlite_url(tmp_path)) as client:
        venue = Venue(client, {"approvalRequired": False})
        held = _book(venue, 8).json()
        assert client.post(f"/v1/bookings/{held['id']}/confirm", headers=venue.as_citizen()).status_code == 200
        cancelled = _book(venue, 10, confirm=True).json()
        assert client.post(f"/v1/bookings/{cancelled['id']}/cancel", json={}, headers=venue.as_citizen()).status_code
        assert _book(venue, 8, who=1).status_code == 409
        expiring = _book(venue, 12).json()
        venue.at("2027-01-04T09:30:00Z")
        items = _feed(client, _reader(client))
    assert _changes(items) == [
        ("booking.created", held["id"]),
        ("booking.confirmed", held["id"]),
        ("booking.created", cancelled["id"]),
        ("booking.cancelled", cancelled["id"]),
        ("booking.created", expiring["id"]),
        ("booking.expired", expiring["id"]),
    ]
    assert items[-1]["occurredAt"] == expiring["holdExpiresAt"]
    assert {e["occurredAt"] for e in items[:-1]} == {"2027-01-04T09:00:00Z"}
    assert items[0]["resource"] == {"type": "booking", "id": held["id"], "href": f"/v1/bookings/{held['id']}"}
    assert set(items[0]) == {"id", "type", "occurredAt", "municipalityCode", "resource", "cursor"}


def test_an_expiry_is_reported_once_however_often_the_feed_is_read(tmp_path: Path) -> None:
    with client_for(sqlite_url(tmp_path)) as client:
        venue = Venue(client)
        _book(venue, 8)
        venue.at("2027-01-04T10:00:00Z")
        reader = _reader(client)
        for _ in range(3):
            items = _feed(client, reader)
    assert [e["type"] for e in items] == ["booking.created", "booking.expired"]


def test_approval_and_rejection(tmp_path: Path) -> None:
    with client_for(sqlite_url(tmp_path)) as client:
        venue = Venue(client, {"approvalRequired": True})
        admin = bearer(token(client, "facility-administrator", municipalityCode="0180"))
        approved, rejected = _book(venue, 8, confirm=True).json(), _book(venue, 9, confirm=True).json()
        assert client.post(f"/v1/bookings/{approved['id']}/approve", headers=admin).status_code == 200
        reject = client.post(f"/v1/bookings/{rejected['id']}/reject", json={"reason": "Stängt"}, headers=admin)
        assert reject.status_code == 200
        types = [e["type"] for e in _feed(client, _reader(client))]
    assert types == ["booking.created", "booking.created", "booking.confirmed", "booking.rejected"]


def test_payments_and_refunds(tmp_path: Path) -> None:
    with client_for(sqlite_url(tmp_path)) as client:
        venue = Venue(client, PRICED)
        payment = _paid(venue, ("10:00",))
        booking_id = payment["lines"][0]["bookingId"]
        assert client.post(f"/v1/bookings/{booking_id}/cancel", json={}, headers=venue.as_citizen()).status_code
        changes = _changes(_feed(client, _reader(client)))
    assert changes == [
        ("booking.created", booking_id),
        ("payment.completed", payment["id"]),
        ("booking.cancelled", booking_id),
        ("payment.refunded", payment["id"]),
    ]


def test_a_change_rolled_back_leaves_no_event(tmp_path: Path) -> None:
    """Cancelling a booking whose payment is pending is refused after the cancellation was recorded:
    its event goes with the rollback."""
    with client_for(sqlite_url(tmp_path)) as client:
        venue = Venue(client, PRICED)
        client.put("/v1/test/payment-provider", json={"outcome": "pending"})
        payment = _paid(venue, ("10:00",))
        booking_id = payment["lines"][0]["bookingId"]
        refused = client.post(f"/v1/bookings/{booking_id}/cancel", json={}, headers=venue.as_citizen())
        assert_problem(refused, 409, "payment-pending")
        assert [e["type"] for e in _feed(client, _reader(client))] == ["booking.created"]


def test_registrations_and_the_waiting_list(tmp_path: Path) -> None:
    with client_for(sqlite_url(tmp_path)) as client:
        venue, activity = _activity(client, 1)
        first = _register(venue, venue.as_citizen(0), activity, "a").json()
        queued = _register(venue, venue.as_citizen(1), activity, "b", wait=True).json()
        assert client.post(f"/v1/registrations/{first['id']}/cancel", headers=venue.as_citizen(0)).status_code == 200
        changes = _changes(_feed(client, _reader(client)))
    assert changes == [
        ("registration.created", first["id"]),
        ("registration.created", queued["id"]),
        ("registration.moved-from-waiting-list", queued["id"]),
    ]


def test_grant_payout_and_attendance_events_are_the_case_officers(tmp_path: Path) -> None:
    with client_for(sqlite_url(tmp_path)) as client:
        ids = gs.setup(client)
        application = _decide(client, ids)
        payout = client.post("/v1/grant-payouts", json={"idempotencyKey": "a"}, headers=gs.officer(client)).json()
        report = gs.report([gs.session("s-1", "2026-02-03", 60, 5)], [gs.kid(i) for i in range(5)])
        sent = client.post(
            "/v1/attendance-reports", params={"programmeId": ids["lok"]}, json=report, headers=gs.chair(client, ids)
        )
        assert sent.status_code == 201, sent.text
        expected = [
            ("grant-application.submitted", application["id"]),
            ("grant-application.decided", application["id"]),
            ("grant-payout.created", payout["id"]),
            ("attendance-report.evaluated", sent.json()["id"]),
        ]
        assert _changes(_feed(client, _reader(client))) == expected
        assert _changes(_feed(client, gs.officer(client))) == expected
        assert _feed(client, bearer(token(client, "facility-administrator", municipalityCode="0180"))) == []
        assert _feed(client, gs.officer(client, "1480")) == []


def test_season_allocation_reports_its_bookings_and_itself(tmp_path: Path) -> None:
    with client_for(sqlite_url(tmp_path)) as client:
        venue, season_id, rep = _season(client)
        application = _apply_for(venue, season_id, rep, "association-youth", "a").json()
        _allocate(venue, season_id)
        decided = client.get(f"/v1/season-applications/{application['id']}", headers=rep).json()
        changes = _changes(_feed(client, _reader(client)))
    booked = [("booking.created", booking_id) for booking_id in decided["decision"]["bookingIds"]]
    assert booked and changes == [*booked, ("season.allocated", season_id)]


def test_who_may_read_and_what_a_cursor_is(tmp_path: Path) -> None:
    with client_for(sqlite_url(tmp_path)) as client:
        venue = Venue(client)
        assert _book(venue, 8).status_code == 201
        for refused in (
            venue.as_citizen(),
            venue.as_association(),
            bearer(token(client, "system-client", clientId="x", scopes=["finance:read"], municipalityCode="0180")),
            bearer(token(client, "system-client", clientId="x", scopes=["events:read"])),
        ):
            assert_problem(client.get("/v1/events", headers=refused), 403, "forbidden")
        assert client.get("/v1/events").status_code == 401
        reader = _reader(client)
        for junk in ("x", "ZXZ0Oi0x", "ZXZ0OjE5OTk5OTk5OTk5OTk5OTk5OTk5", "é"):
            response = client.get("/v1/events", params={"after": junk}, headers=reader)
            assert_problem(response, 400, "validation-error")
            assert [e["name"] for e in response.json()["errors"]] == ["after"]
        first = client.get("/v1/events", headers=reader).json()
        assert first["next"] == first["items"][-1]["cursor"]
        assert client.get("/v1/events", params={"after": first["next"]}, headers=reader).json() == {
            "items": [],
            "next": first["next"],
        }
        assert _feed(client, _reader(client, "1480")) == []


def test_a_reset_keeps_the_numbering(tmp_path: Path) -> None:
    """A cursor handed out before POST /test/reset never points into the events written after it."""
    with client_for(sqlite_url(tmp_path)) as client:
        venue = Venue(client)
        _book(venue, 8)
        before = client.get("/v1/events", headers=_reader(client)).json()["next"]
        assert client.post("/v1/test/reset").status_code == 204
        venue = Venue(client)
        booking = _book(venue, 8).json()
        assert _changes(_feed(client, _reader(client), before)) == [("booking.created", booking["id"])]


def _follow_during_bookings(root: str, bookings: int) -> tuple[list[str], list[str]]:
    """Book `bookings` slots at once while a consumer follows the feed; what it saw, and what one read
    from the same starting cursor lists afterwards."""
    with httpx.Client(base_url=root, timeout=30) as http:
        venue = _HttpVenue(http, bookings)
        reader = venue.token("system-client", clientId="lager", scopes=["events:read"], municipalityCode="0180")
        start = http.get("/events", headers=reader).json()["next"]
    done = threading.Event()
    seen: list[str] = []

    def follow() -> None:
        after, deadline = start, time.monotonic() + 60
        with httpx.Client(base_url=root, timeout=30) as http:
            while time.monotonic() < deadline:
                finishing = done.is_set()
                body = http.get("/events", params={"after": after, "limit": 100}, headers=reader).json()
                seen.extend(e["id"] for e in body["items"])
                after = body["next"]
                if finishing and len(body["items"]) < 100:
                    return

    barrier = threading.Barrier(bookings)
    statuses: list[int] = []

    def book(i: int) -> None:
        with httpx.Client(base_url=root, timeout=60) as http:
            http.get("/api-info")
            barrier.wait(timeout=30)
            statuses.append(venue.book(http, i).status_code)

    follower = threading.Thread(target=follow)
    follower.start()
    threads = [threading.Thread(target=book, args=(i,)) for i in range(bookings)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done.set()
    follower.join(timeout=90)
    assert statuses == [201] * bookings
    with httpx.Client(base_url=root, timeout=30) as http:
        whole = http.get("/events", params={"after": start, "limit": 100}, headers=reader).json()["items"]
    return seen, [e["id"] for e in whole]


class _HttpVenue:
    """The fixtures of `Venue` over HTTP, for a server in another process: a unit open all day and one
    citizen per booking."""

    def __init__(self, http: httpx.Client, citizens: int) -> None:
        from test_server_support import facility, person

        self.http = http
        body = {
            "persons": [person(f"p{i}") for i in range(citizens)],
            "facilities": [facility("f", units=[{"ref": "u", "name": "Hall A"}])],
        }
        response = http.post("/test/fixtures", json=body)
        assert response.status_code == 201, response.text
        self.ids = response.json()["ids"]
        http.put("/test/clock", json={"now": "2027-01-04T09:00:00Z", "frozen": True})
        self.citizens = [self.token("citizen", personId=self.ids[f"p{i}"]) for i in range(citizens)]

    def token(self, persona: str, **claims: Any) -> dict[str, str]:
        response = self.http.post("/test/tokens", json={"persona": persona, **claims})
        assert response.status_code == 201, response.text
        return bearer(response.json()["accessToken"])

    def book(self, http: httpx.Client, i: int) -> httpx.Response:
        start = f"{DAY}T{i // 2:02d}:{30 * (i % 2):02d}:00Z"
        end = f"{DAY}T{i // 2:02d}:{30 * (i % 2) + 29:02d}:00Z"
        body = {"unitId": self.ids["u"], "start": start, "end": end, "customerCategory": "private-person"}
        return http.post("/bookings", json=body, headers={**self.citizens[i], "Idempotency-Key": f"k{i}"})


@pytest.mark.timeout(300)
def test_a_consumer_following_the_feed_misses_nothing_with_four_workers_on_sqlite(sqlite_url: str) -> None:
    with background_server(db=sqlite_url, workers=4) as root:
        seen, whole = _follow_during_bookings(root, 20)
    assert len(whole) == 20 and seen == whole


@pytest.mark.postgres
@pytest.mark.timeout(300)
def test_a_consumer_following_the_feed_misses_nothing_with_four_workers_on_postgresql(pg_url: str) -> None:
    with background_server(db=pg_url, workers=4) as root:
        seen, whole = _follow_during_bookings(root, 20)
        storage = Storage(pg_url)
        try:
            with storage.read() as conn:
                numbers = [row.seq for row in conn.execute(events.select().order_by(events.c.seq))]
                last = conn.execute(event_sequence.select()).one().last
        finally:
            storage.dispose()
    assert len(whole) == 20 and seen == whole
    assert numbers == list(range(1, last + 1))  # no number lost to a rollback, none given twice
