"""What each fault of the events class looks like from outside (see test_server_faults.py, which runs
every scenario with its fault on and, to prove it, with the fault off, where it must fail)."""

from __future__ import annotations

import threading
import time
from typing import Any

import grant_support as gs
from fault_scenarios_booking import DAY, PRICED, Venue, _allocate, _apply_for, _paid, _season
from fault_scenarios_grants import _decide, _stored_report
from test_server_support import TestClient, bearer, token

__all__ = [
    "attendance_report_not_announced",
    "event_carries_personal_data",
    "event_cursor_skips_under_concurrency",
    "event_duplicated_in_feed",
    "event_feed_any_municipality",
    "event_feed_ordered_by_time",
    "event_published_before_commit",
    "grant_decision_not_announced",
    "refund_not_announced",
    "season_allocation_not_announced",
]


def _reader(client: TestClient, code: str = "0180") -> dict[str, str]:
    return bearer(token(client, "system-client", clientId="lager", scopes=["events:read"], municipalityCode=code))


def _feed(client: TestClient, reader: dict[str, str], after: str | None = None) -> dict[str, Any]:
    params = {"limit": 100} | ({"after": after} if after else {})
    response = client.get("/v1/events", params=params, headers=reader)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _hour(venue: Venue, hour: int, who: int = 0, **extra: Any) -> Any:
    return venue.book(
        venue.as_citizen(who), f"{DAY}T{hour:02d}:00:00Z", f"{DAY}T{hour:02d}:30:00Z", key=f"k{hour}-{who}", **extra
    )


def event_duplicated_in_feed(client: TestClient) -> None:
    venue = Venue(client)
    booking = _hour(venue, 8).json()
    assert client.post(f"/v1/bookings/{booking['id']}/confirm", headers=venue.as_citizen()).status_code == 200
    types = [e["type"] for e in _feed(client, _reader(client))["items"]]
    assert types == ["booking.created", "booking.confirmed", "booking.confirmed"]


def event_published_before_commit(client: TestClient) -> None:
    venue = Venue(client)
    assert _hour(venue, 8).status_code == 201
    assert _hour(venue, 8, who=1).status_code == 409
    created = [e for e in _feed(client, _reader(client))["items"] if e["type"] == "booking.created"]
    assert len(created) == 2
    admin = bearer(token(client, "facility-administrator", municipalityCode="0180"))
    assert sorted(client.get(e["resource"]["href"], headers=admin).status_code for e in created) == [200, 404]


def event_carries_personal_data(client: TestClient) -> None:
    venue = Venue(client)
    assert _hour(venue, 8).status_code == 201
    assert "198004120005" in client.get("/v1/events", headers=_reader(client)).text


def event_feed_ordered_by_time(client: TestClient) -> None:
    venue = Venue(client)
    made = [_hour(venue, hour).json()["id"] for hour in range(8, 16)]
    listed = [e["resource"]["id"] for e in _feed(client, _reader(client))["items"]]
    assert sorted(listed) == sorted(made) and listed != made


def _read_into(client: TestClient, reader: dict[str, str], after: str, answers: list[dict[str, Any]]) -> None:
    answers.append(_feed(client, reader, after))


def event_cursor_skips_under_concurrency(client: TestClient) -> None:
    """A reader whose request overlaps a booking's commit continues past the booking's event."""
    venue = Venue(client)
    reader = _reader(client)
    for attempt in range(5):
        start = _feed(client, reader)["next"]
        answers: list[dict[str, Any]] = []
        polling = threading.Thread(target=_read_into, args=(client, reader, start, answers))
        polling.start()
        time.sleep(0.01)  # the reader's request is under way
        booking = _hour(venue, 8 + attempt).json()
        polling.join(timeout=30)
        followed = answers[0]["items"] + _feed(client, reader, answers[0]["next"])["items"]
        if booking["id"] not in {e["resource"]["id"] for e in followed}:
            assert booking["id"] in {e["resource"]["id"] for e in _feed(client, reader, start)["items"]}
            return
    raise AssertionError("a reader following the feed saw every booking")


def event_feed_any_municipality(client: TestClient) -> None:
    venue = Venue(client)
    assert _hour(venue, 8).status_code == 201
    assert [e["municipalityCode"] for e in _feed(client, _reader(client, "1480"))["items"]] == ["0180"]


def refund_not_announced(client: TestClient) -> None:
    venue = Venue(client, PRICED)
    booking_id = _paid(venue, ("10:00",))["lines"][0]["bookingId"]
    assert client.post(f"/v1/bookings/{booking_id}/cancel", json={}, headers=venue.as_citizen()).status_code == 200
    types = [e["type"] for e in _feed(client, _reader(client))["items"]]
    assert types == ["booking.created", "payment.completed", "booking.cancelled"]


def grant_decision_not_announced(client: TestClient) -> None:
    application = _decide(client, gs.setup(client))
    read = client.get(f"/v1/grant-applications/{application['id']}", headers=gs.officer(client)).json()
    types = [e["type"] for e in _feed(client, _reader(client))["items"]]
    assert read["status"] == "decided" and types == ["grant-application.submitted"]


def season_allocation_not_announced(client: TestClient) -> None:
    """The allocation's bookings are announced, the allocation itself is not."""
    venue, season_id, rep = _season(client)
    application = _apply_for(venue, season_id, rep, "association-youth", "a").json()
    _allocate(venue, season_id)
    decided = client.get(f"/v1/season-applications/{application['id']}", headers=rep).json()
    booked = decided["decision"]["bookingIds"]
    types = [e["type"] for e in _feed(client, _reader(client))["items"]]
    assert booked and types == ["booking.created"] * len(booked)


def attendance_report_not_announced(client: TestClient) -> None:
    _, chair, report_id = _stored_report(client)
    assert client.get(f"/v1/attendance-reports/{report_id}", headers=chair).status_code == 200
    assert _feed(client, _reader(client))["items"] == []
