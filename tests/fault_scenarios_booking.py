"""What each fault of the booking-side classes looks like from outside (see test_server_faults.py,
which runs every scenario with its fault on and, to prove it, with the fault off, where it must fail)."""

from __future__ import annotations

import threading
from typing import Any

from test_server_support import TestClient, bearer, create, facility, organisation, person, token

__all__ = [
    "activities_to_date_exclusive",
    "activity_overbooked_under_concurrency",
    "approval_skipped",
    "availability_range_end_exclusive",
    "availability_range_off_by_one",
    "blocked_period_ignored",
    "booking_length_unchecked",
    "booking_seconds_accepted",
    "booking_terms_omit_late_fee",
    "confirm_flag_ignored",
    "declined_payment_marks_paid",
    "door_code_check_open_to_anyone",
    "door_code_for_held_bookings",
    "door_code_ignores_margin",
    "door_code_valid_after_cancellation",
    "door_code_valid_until_inclusive",
    "dst_fold_second_occurrence",
    "dst_slot_shifted",
    "duplicate_registration_accepted",
    "expired_hold_still_blocks",
    "held_booking_payable",
    "hold_never_expires",
    "idempotency_ignored",
    "idempotency_key_reuse_accepted",
    "late_cancellation_free",
    "late_settlement_not_exported",
    "my_bookings_lists_all",
    "other_customer_payment_readable",
    "other_organisation_booking_readable",
    "other_organisations_cannot_book",
    "other_person_registration_readable",
    "overlap_accepted_under_concurrency",
    "overlap_check_misses_earlier_start",
    "payment_idempotency_ignored",
    "price_ignores_category",
    "price_rounds_down",
    "refund_ignores_cancellation_fee",
    "refund_larger_than_payment",
    "registration_hidden_from_other_personas",
    "registration_idempotency_ignored",
    "registration_open_at_start",
    "season_allocation_any_municipality",
    "season_allocation_ignores_priority",
    "season_application_idempotency_ignored",
    "season_bookings_priced_per_started_hour",
    "season_deadline_ignored",
    "season_never_closes",
    "season_occurrences_in_utc",
    "settlement_export_to_inclusive_of_next_day",
    "settlement_omits_refunds",
    "waiting_list_skipped",
    "year_zero_date_500",
]

NOW = "2027-01-04T09:00:00Z"
DAY = "2027-01-12"


class Venue:
    """A unit open 06:00–22:00 every day, two citizens and an association's representative."""

    def __init__(self, client: TestClient, terms: dict[str, Any] | None = None, **unit: Any) -> None:
        self.client = client
        every_day = [
            {"day": d, "opens": "06:00", "closes": "22:00"}
            for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        ]
        unit_body = {"ref": "u", "name": "Hall A", **unit}
        if terms is not None:
            unit_body["bookingTerms"] = terms
        ids = create(
            client,
            persons=[person("p0"), person("p1", "199001011239"), person("r", "197512249876")],
            organisations=[organisation("o", representatives=[{"personRef": "r", "role": "chair"}])],
            facilities=[facility("f", openingHours={"weekly": every_day}, units=[unit_body])],
        )
        self.ids = ids
        self.unit = ids["u"]
        client.put("/v1/test/clock", json={"now": NOW, "frozen": True})

    def as_citizen(self, i: int = 0) -> dict[str, str]:
        return bearer(token(self.client, "citizen", personId=self.ids[f"p{i}"]))

    def as_association(self) -> dict[str, str]:
        return bearer(
            token(
                self.client,
                "organisation-representative",
                personId=self.ids["r"],
                organisationId=self.ids["o"],
                role="chair",
            )
        )

    def book(
        self, who: dict[str, str], start: str, end: str, category: str = "private-person", key: str = "k", **extra: Any
    ) -> Any:
        body = {"unitId": self.unit, "start": start, "end": end, "customerCategory": category, **extra}
        return self.client.post("/v1/bookings", json=body, headers={**who, "Idempotency-Key": key})

    def at(self, now: str) -> None:
        self.client.put("/v1/test/clock", json={"now": now, "frozen": True})


def overlap_accepted_under_concurrency(client: TestClient) -> None:
    venue = Venue(client)
    customers = [venue.as_citizen(0), venue.as_citizen(1)]
    statuses: list[int] = []
    barrier = threading.Barrier(2)

    def book(i: int) -> None:
        barrier.wait()
        statuses.append(venue.book(customers[i], f"{DAY}T17:00:00Z", f"{DAY}T18:00:00Z", key=f"k{i}").status_code)

    threads = [threading.Thread(target=book, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201, 201]


def overlap_check_misses_earlier_start(client: TestClient) -> None:
    venue = Venue(client)
    venue.book(venue.as_citizen(), f"{DAY}T17:00:00Z", f"{DAY}T18:00:00Z", confirm=True)
    # Starting inside the booking is refused; starting before it and running into it is not.
    assert venue.book(venue.as_citizen(1), f"{DAY}T17:30:00Z", f"{DAY}T18:30:00Z", key="inside").status_code == 409
    assert venue.book(venue.as_citizen(1), f"{DAY}T16:30:00Z", f"{DAY}T17:30:00Z", key="before").status_code == 201


def hold_never_expires(client: TestClient) -> None:
    venue = Venue(client, {"holdMinutes": 10})
    held = venue.book(venue.as_citizen(), f"{DAY}T17:00:00Z", f"{DAY}T18:00:00Z").json()
    venue.at("2027-01-04T09:30:00Z")
    assert client.get(f"/v1/bookings/{held['id']}", headers=venue.as_citizen()).json()["status"] == "held"


def expired_hold_still_blocks(client: TestClient) -> None:
    venue = Venue(client, {"holdMinutes": 10})
    venue.book(venue.as_citizen(), f"{DAY}T17:00:00Z", f"{DAY}T18:00:00Z")
    venue.at("2027-01-04T09:30:00Z")
    assert venue.book(venue.as_citizen(1), f"{DAY}T17:00:00Z", f"{DAY}T18:00:00Z").status_code == 409


def idempotency_ignored(client: TestClient) -> None:
    venue = Venue(client)
    who = venue.as_citizen()
    first = venue.book(who, f"{DAY}T17:00:00Z", f"{DAY}T18:00:00Z")
    again = venue.book(who, f"{DAY}T17:00:00Z", f"{DAY}T18:00:00Z")
    assert first.status_code == 201 and again.status_code == 409


def idempotency_key_reuse_accepted(client: TestClient) -> None:
    venue = Venue(client)
    who = venue.as_citizen()
    first = venue.book(who, f"{DAY}T17:00:00Z", f"{DAY}T18:00:00Z")
    other = venue.book(who, f"{DAY}T19:00:00Z", f"{DAY}T20:00:00Z")
    assert other.status_code == 201 and other.json() == first.json()


def dst_slot_shifted(client: TestClient) -> None:
    venue = Venue(client)
    venue.at("2026-03-20T10:00:00Z")
    # 06:00 in Stockholm on 2026-03-29 is 04:00Z (summer time began at 02:00).
    assert venue.book(venue.as_citizen(), "2026-03-29T04:00:00Z", "2026-03-29T05:00:00Z").status_code == 422


def dst_fold_second_occurrence(client: TestClient) -> None:
    exception = {"date": "2026-10-25", "closed": False, "opens": "02:30", "closes": "05:00"}
    hours = {"weekly": [], "exceptions": [exception]}
    ids = create(client, facilities=[facility("f", openingHours=hours, units=[{"ref": "u1", "name": "Hall"}])])
    query = {"from": "2026-10-25", "to": "2026-10-25"}
    opened = client.get(f"/v1/units/{ids['u1']}/availability", params=query).json()["open"]
    assert opened[0]["start"] == "2026-10-25T01:30:00Z"  # the second 02:30; the first is 00:30Z


def other_organisation_booking_readable(client: TestClient) -> None:
    venue = Venue(client)
    booking = venue.book(venue.as_association(), f"{DAY}T17:00:00Z", f"{DAY}T18:00:00Z", "association-youth").json()
    assert client.get(f"/v1/bookings/{booking['id']}", headers=venue.as_citizen()).status_code == 200


def my_bookings_lists_all(client: TestClient) -> None:
    venue = Venue(client)
    venue.book(venue.as_association(), f"{DAY}T17:00:00Z", f"{DAY}T18:00:00Z", "association-youth")
    assert client.get("/v1/bookings", headers=venue.as_citizen()).json()["totalItems"] == 1


def late_cancellation_free(client: TestClient) -> None:
    venue = Venue(
        client,
        {
            "prices": [{"customerCategory": "private-person", "pricePerHourOre": 10000}],
            "cancellation": {"freeUntilHoursBefore": 24, "lateFeePercent": 50},
        },
    )
    booking = venue.book(venue.as_citizen(), f"{DAY}T17:00:00Z", f"{DAY}T18:00:00Z", confirm=True).json()
    venue.at(f"{DAY}T12:00:00Z")
    cancelled = client.post(f"/v1/bookings/{booking['id']}/cancel", headers=venue.as_citizen()).json()
    assert cancelled["cancellation"]["fee"]["amountOre"] == 0


def price_ignores_category(client: TestClient) -> None:
    venue = Venue(
        client,
        {
            "prices": [
                {"customerCategory": "association-youth", "pricePerHourOre": 10000},
                {"customerCategory": "private-person", "pricePerHourOre": 30000},
            ]
        },
    )
    booking = venue.book(venue.as_association(), f"{DAY}T17:00:00Z", f"{DAY}T18:00:00Z", "association-youth").json()
    assert booking["price"]["amountOre"] == 30000


def booking_length_unchecked(client: TestClient) -> None:
    venue = Venue(client)
    response = venue.book(venue.as_citizen(), f"{DAY}T09:00:00Z", "2027-02-12T09:01:00Z")  # 31 days and a minute
    assert response.status_code == 422


def price_rounds_down(client: TestClient) -> None:
    venue = Venue(client, {"prices": [{"customerCategory": "private-person", "pricePerHourOre": 10523}]})
    booking = venue.book(venue.as_citizen(), f"{DAY}T17:00:00Z", f"{DAY}T18:17:00Z").json()
    assert booking["price"]["amountOre"] == 13504  # 10523 × 77 / 60 = 13504.52, which rounds to 13505


def blocked_period_ignored(client: TestClient) -> None:
    venue = Venue(client, blockedPeriods=[{"start": f"{DAY}T16:00:00Z", "end": f"{DAY}T19:00:00Z"}])
    assert venue.book(venue.as_citizen(), f"{DAY}T17:00:00Z", f"{DAY}T18:00:00Z").status_code == 201


def approval_skipped(client: TestClient) -> None:
    venue = Venue(client, {"approvalRequired": True})
    booking = venue.book(venue.as_citizen(), f"{DAY}T17:00:00Z", f"{DAY}T18:00:00Z", confirm=True).json()
    assert booking["status"] == "confirmed"


def confirm_flag_ignored(client: TestClient) -> None:
    venue = Venue(client)
    booking = venue.book(venue.as_citizen(), f"{DAY}T17:00:00Z", f"{DAY}T18:00:00Z", confirm=True).json()
    assert booking["status"] == "held"


def booking_terms_omit_late_fee(client: TestClient) -> None:
    venue = Venue(client, {"cancellation": {"freeUntilHoursBefore": 24, "lateFeePercent": 50}})
    terms = client.get(f"/v1/units/{venue.unit}/booking-terms").json()
    assert terms["cancellation"] == {"freeUntilHoursBefore": 24}


def _code(venue: Venue) -> tuple[dict[str, Any], dict[str, str]]:
    booking = venue.book(venue.as_citizen(), f"{DAY}T17:00:00Z", f"{DAY}T18:00:00Z", confirm=True).json()
    code = venue.client.get(f"/v1/bookings/{booking['id']}/access-code", headers=venue.as_citizen()).json()
    return booking, code


def _opens(venue: Venue, code: dict[str, Any]) -> bool:
    door = bearer(token(venue.client, "system-client", clientId="lock", scopes=["access:verify"]))
    answer = venue.client.post(
        "/v1/access-codes/verify", json={"unitId": venue.unit, "code": code["code"]}, headers=door
    )
    return bool(answer.json()["valid"])


def door_code_valid_after_cancellation(client: TestClient) -> None:
    venue = Venue(client)
    booking, code = _code(venue)
    venue.at(f"{DAY}T16:55:00Z")
    client.post(f"/v1/bookings/{booking['id']}/cancel", headers=venue.as_citizen())
    assert _opens(venue, code)


def door_code_ignores_margin(client: TestClient) -> None:
    venue = Venue(client, {"accessMarginMinutes": 15})
    _, code = _code(venue)
    venue.at(f"{DAY}T12:00:00Z")
    assert _opens(venue, code)


def door_code_valid_until_inclusive(client: TestClient) -> None:
    venue = Venue(client, {"accessMarginMinutes": 15})
    _, code = _code(venue)
    venue.at(code["validUntil"])  # the first instant after [validFrom, validUntil)
    assert _opens(venue, code)


def door_code_for_held_bookings(client: TestClient) -> None:
    venue = Venue(client)
    held = venue.book(venue.as_citizen(), f"{DAY}T17:00:00Z", f"{DAY}T18:00:00Z").json()
    assert held["status"] == "held"
    assert client.get(f"/v1/bookings/{held['id']}/access-code", headers=venue.as_citizen()).status_code == 200


def door_code_check_open_to_anyone(client: TestClient) -> None:
    venue = Venue(client)
    _, code = _code(venue)
    body = {"unitId": venue.unit, "code": code["code"]}
    assert client.post("/v1/access-codes/verify", json=body, headers=venue.as_citizen()).status_code == 200


PRICED = {
    "prices": [{"customerCategory": "private-person", "pricePerHourOre": 10000}],
    "cancellation": {"freeUntilHoursBefore": 24, "lateFeePercent": 50},
}


def _paid(venue: Venue, starts: tuple[str, ...], method: str = "card") -> dict[str, Any]:
    ids = [
        venue.book(venue.as_citizen(), f"{DAY}T{s}:00Z", f"{DAY}T{s[:2]}:59:00Z", key=s, confirm=True).json()["id"]
        for s in starts
    ]
    response = venue.client.post(
        "/v1/payments",
        json={"bookingIds": ids, "method": method},
        headers={**venue.as_citizen(), "Idempotency-Key": "pay"},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def refund_larger_than_payment(client: TestClient) -> None:
    venue = Venue(client, PRICED)
    payment = _paid(venue, ("10:00", "12:00"))
    client.post(f"/v1/bookings/{payment['lines'][0]['bookingId']}/cancel", headers=venue.as_citizen())
    refunded = client.get(f"/v1/payments/{payment['id']}", headers=venue.as_citizen()).json()["refundedAmount"]
    assert refunded["amountOre"] == payment["amount"]["amountOre"]


def refund_ignores_cancellation_fee(client: TestClient) -> None:
    venue = Venue(client, PRICED)
    payment = _paid(venue, ("10:00",))
    venue.at(f"{DAY}T08:00:00Z")
    client.post(f"/v1/bookings/{payment['lines'][0]['bookingId']}/cancel", headers=venue.as_citizen())
    refunded = client.get(f"/v1/payments/{payment['id']}", headers=venue.as_citizen()).json()["refundedAmount"]
    assert refunded == payment["lines"][0]["amount"]


def declined_payment_marks_paid(client: TestClient) -> None:
    venue = Venue(client, PRICED)
    client.put("/v1/test/payment-provider", json={"outcome": "declined"})
    payment = _paid(venue, ("10:00",))
    client.put("/v1/test/payment-provider", json={"outcome": "settled"})
    again = client.post(
        "/v1/payments",
        json={"bookingIds": [payment["lines"][0]["bookingId"]], "method": "card"},
        headers={**venue.as_citizen(), "Idempotency-Key": "again"},
    )
    assert again.status_code == 409


def settlement_export_to_inclusive_of_next_day(client: TestClient) -> None:
    venue = Venue(client, PRICED)
    _paid(venue, ("10:00",))  # charged at NOW, on 2027-01-04
    finance = bearer(token(client, "facility-administrator", municipalityCode="0180"))
    export = client.get("/v1/payment-transactions", params={"from": "2027-01-01", "to": "2027-01-03"}, headers=finance)
    assert [item["kind"] for item in export.json()["items"]] == ["charge"]


def late_settlement_not_exported(client: TestClient) -> None:
    venue = Venue(client, PRICED)
    client.put("/v1/test/payment-provider", json={"outcome": "pending"})
    payment = _paid(venue, ("10:00",))
    client.post(f"/v1/test/payments/{payment['id']}/complete", json={"outcome": "settled"})
    finance = bearer(token(client, "facility-administrator", municipalityCode="0180"))
    export = client.get("/v1/payment-transactions", params={"from": "2027-01-01", "to": DAY}, headers=finance).json()
    assert export["items"] == []


def settlement_omits_refunds(client: TestClient) -> None:
    venue = Venue(client, PRICED)
    payment = _paid(venue, ("10:00",))
    client.post(f"/v1/bookings/{payment['lines'][0]['bookingId']}/cancel", headers=venue.as_citizen())
    finance = bearer(token(client, "facility-administrator", municipalityCode="0180"))
    export = client.get("/v1/payment-transactions", params={"from": "2027-01-01", "to": DAY}, headers=finance).json()
    assert [item["kind"] for item in export["items"]] == ["charge"]


def other_customer_payment_readable(client: TestClient) -> None:
    venue = Venue(client, PRICED)
    payment = _paid(venue, ("10:00",))
    assert client.get(f"/v1/payments/{payment['id']}", headers=venue.as_citizen(1)).status_code == 200


def held_booking_payable(client: TestClient) -> None:
    venue = Venue(client, PRICED)
    held = venue.book(venue.as_citizen(), f"{DAY}T10:00:00Z", f"{DAY}T11:00:00Z").json()
    response = client.post(
        "/v1/payments",
        json={"bookingIds": [held["id"]], "method": "card"},
        headers={**venue.as_citizen(), "Idempotency-Key": "pay"},
    )
    assert held["status"] == "held" and response.status_code == 201


def payment_idempotency_ignored(client: TestClient) -> None:
    venue = Venue(client, PRICED)
    payment = _paid(venue, ("10:00",))
    # The very request _paid made, retried with its key: the first payment should come back.
    again = client.post(
        "/v1/payments",
        json={"bookingIds": [payment["lines"][0]["bookingId"]], "method": "card"},
        headers={**venue.as_citizen(), "Idempotency-Key": "pay"},
    )
    assert again.status_code == 409


def _activity(client: TestClient, capacity: int) -> tuple[Venue, str]:
    lesson = {
        "ref": "a",
        "name": "Ridlektion",
        "activityType": "riding-lessons",
        "start": f"{DAY}T16:00:00Z",
        "end": f"{DAY}T17:00:00Z",
        "capacity": capacity,
    }
    venue = Venue(client, activities=[lesson])
    return venue, venue.ids["a"]


def _register(venue: Venue, who: dict[str, str], activity: str, key: str, wait: bool = False) -> Any:
    return venue.client.post(
        f"/v1/activities/{activity}/registrations",
        json={"joinWaitingList": wait},
        headers={**who, "Idempotency-Key": key},
    )


def activity_overbooked_under_concurrency(client: TestClient) -> None:
    venue, activity = _activity(client, 1)
    customers = [venue.as_citizen(0), venue.as_citizen(1)]
    statuses: list[int] = []
    barrier = threading.Barrier(2)

    def register(i: int) -> None:
        barrier.wait()
        statuses.append(_register(venue, customers[i], activity, f"k{i}").status_code)

    threads = [threading.Thread(target=register, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201, 201]


def waiting_list_skipped(client: TestClient) -> None:
    venue, activity = _activity(client, 1)
    first = _register(venue, venue.as_citizen(0), activity, "a").json()
    queued = _register(venue, venue.as_citizen(1), activity, "b", wait=True).json()
    # A third person queues behind: with the fault, they jump the queue.
    third_person = create(client, persons=[person("x", "198502022380")])["x"]
    third = bearer(token(client, "citizen", personId=third_person))
    last = _register(venue, third, activity, "c", wait=True).json()
    client.post(f"/v1/registrations/{first['id']}/cancel", headers=venue.as_citizen(0))
    assert client.get(f"/v1/registrations/{last['id']}", headers=third).json()["status"] == "registered"
    assert client.get(f"/v1/registrations/{queued['id']}", headers=venue.as_citizen(1)).json()["status"] == "waiting"


def other_person_registration_readable(client: TestClient) -> None:
    venue, activity = _activity(client, 3)
    mine = _register(venue, venue.as_citizen(0), activity, "a").json()
    assert client.get(f"/v1/registrations/{mine['id']}", headers=venue.as_citizen(1)).status_code == 200


def registration_hidden_from_other_personas(client: TestClient) -> None:
    venue, activity = _activity(client, 3)
    mine = _register(venue, venue.as_citizen(0), activity, "a").json()
    admin = bearer(token(client, "facility-administrator", municipalityCode="0180"))
    assert client.get(f"/v1/registrations/{mine['id']}", headers=admin).status_code == 404


def activities_to_date_exclusive(client: TestClient) -> None:
    venue, _ = _activity(client, 3)
    found = client.get("/v1/activities", params={"unitId": venue.unit, "from": DAY, "to": DAY}).json()["items"]
    assert found == []


def duplicate_registration_accepted(client: TestClient) -> None:
    venue, activity = _activity(client, 3)
    _register(venue, venue.as_citizen(), activity, "a")
    assert _register(venue, venue.as_citizen(), activity, "b").status_code == 201


def registration_idempotency_ignored(client: TestClient) -> None:
    venue, activity = _activity(client, 3)
    first = _register(venue, venue.as_citizen(), activity, "a")
    again = _register(venue, venue.as_citizen(), activity, "a")
    assert first.status_code == 201 and again.status_code == 409


SEASON = {
    "ref": "s",
    "municipalityCode": "0180",
    "name": "Hösttermin",
    "startDate": "2027-09-27",
    "endDate": "2027-10-10",
    "applicationDeadline": "2027-08-31T22:00:00Z",
}


def _season(client: TestClient) -> tuple[Venue, str, dict[str, str]]:
    venue = Venue(
        client,
        {
            "prices": [
                {"customerCategory": c, "pricePerHourOre": 100} for c in ("association-youth", "association-adult")
            ]
        },
    )
    season_id = create(client, seasons=[SEASON])["s"]
    venue.at("2027-08-16T09:00:00Z")
    return venue, season_id, venue.as_association()


def _apply_for(venue: Venue, season_id: str, who: dict[str, str], category: str, key: str) -> Any:
    slot = {"unitId": venue.unit, "weekday": "tuesday", "startTime": "18:00", "endTime": "19:00"}
    return venue.client.post(
        f"/v1/seasons/{season_id}/applications",
        json={"customerCategory": category, "alternatives": [slot]},
        headers={**who, "Idempotency-Key": key},
    )


def _allocate(venue: Venue, season_id: str) -> dict[str, Any]:
    admin = bearer(token(venue.client, "facility-administrator", municipalityCode="0180"))
    response = venue.client.post(f"/v1/seasons/{season_id}/allocation", headers={**admin, "Idempotency-Key": "alloc"})
    assert response.status_code == 201, response.text
    return dict(response.json())


def season_allocation_ignores_priority(client: TestClient) -> None:
    venue, season_id, rep = _season(client)
    adult = _apply_for(venue, season_id, rep, "association-adult", "a").json()
    venue.at("2027-08-16T09:01:00Z")
    _apply_for(venue, season_id, rep, "association-youth", "b")
    results = _allocate(venue, season_id)["results"]
    assert results[0]["applicationId"] == adult["id"] and results[0]["status"] == "granted"


def season_occurrences_in_utc(client: TestClient) -> None:
    venue, season_id, rep = _season(client)
    application = _apply_for(venue, season_id, rep, "association-youth", "a").json()
    _allocate(venue, season_id)
    decided = client.get(f"/v1/season-applications/{application['id']}", headers=rep).json()
    first = client.get(f"/v1/bookings/{decided['decision']['bookingIds'][0]}", headers=rep).json()
    # 18:00 on 2027-09-28 in Stockholm is 16:00Z (summer time).
    assert first["start"] == "2027-09-28T17:00:00Z"


def availability_range_end_exclusive(client: TestClient) -> None:
    venue = Venue(client, PRICED)
    response = client.get(f"/v1/units/{venue.unit}/availability", params={"from": "8999-12-30", "to": "8999-12-30"})
    assert response.status_code == 400


def season_bookings_priced_per_started_hour(client: TestClient) -> None:
    venue, season_id, rep = _season(client)
    slot = {"unitId": venue.unit, "weekday": "tuesday", "startTime": "18:00", "endTime": "19:30"}
    application = client.post(
        f"/v1/seasons/{season_id}/applications",
        json={"customerCategory": "association-youth", "alternatives": [slot]},
        headers={**rep, "Idempotency-Key": "ninety"},
    ).json()
    _allocate(venue, season_id)
    decided = client.get(f"/v1/season-applications/{application['id']}", headers=rep).json()
    first = client.get(f"/v1/bookings/{decided['decision']['bookingIds'][0]}", headers=rep).json()
    assert first["price"]["amountOre"] == 200  # two started hours at 100 öre, not the 150 of 90 minutes


def season_deadline_ignored(client: TestClient) -> None:
    venue, season_id, _ = _season(client)
    venue.at("2027-09-01T09:00:00Z")
    assert _apply_for(venue, season_id, venue.as_association(), "association-youth", "late").status_code == 201


def season_never_closes(client: TestClient) -> None:
    venue, season_id, _ = _season(client)
    venue.at("2027-09-01T09:00:00Z")
    assert client.get(f"/v1/seasons/{season_id}").json()["status"] == "open"


def season_allocation_any_municipality(client: TestClient) -> None:
    venue, season_id, _ = _season(client)
    venue.at("2027-09-01T09:00:00Z")
    stranger = bearer(token(client, "facility-administrator", municipalityCode="1480"))
    response = client.post(f"/v1/seasons/{season_id}/allocation", headers={**stranger, "Idempotency-Key": "alloc"})
    assert response.status_code == 201


def season_application_idempotency_ignored(client: TestClient) -> None:
    venue, season_id, rep = _season(client)
    first = _apply_for(venue, season_id, rep, "association-youth", "a").json()
    again = _apply_for(venue, season_id, rep, "association-youth", "a").json()
    assert again["id"] != first["id"]


def other_organisations_cannot_book(client: TestClient) -> None:
    """A public body books as company (BOOK-006); with the fault it has no category at all."""
    venue = Venue(client, {"prices": [{"customerCategory": "company", "pricePerHourOre": 50000}]})
    ids = create(
        client,
        persons=[person("pb", "198502022380")],
        organisations=[
            organisation("region", type="public-body", representatives=[{"personRef": "pb", "role": "chair"}])
        ],
    )
    region = bearer(
        token(client, "organisation-representative", personId=ids["pb"], organisationId=ids["region"], role="chair")
    )
    refused = venue.book(region, f"{DAY}T10:00:00Z", f"{DAY}T11:00:00Z", "company")
    assert refused.status_code == 422 and refused.json()["type"] == "urn:bob:problem:customer-category-not-allowed"


def year_zero_date_500(client: TestClient) -> None:
    """Year 0000 in a date query parameter crashes the server; an ordinary date, or year 0000 in a body, does not."""
    venue = Venue(client)
    finance = bearer(token(client, "facility-administrator", municipalityCode="0180"))
    far = {"from": "0000-01-01", "to": "0000-01-02"}
    for path, headers in (
        ("/v1/activities", {}),
        (f"/v1/units/{venue.unit}/availability", {}),
        ("/v1/payment-transactions", finance),
    ):
        crashed = client.get(path, params=far, headers=headers)
        assert crashed.status_code == 500, (path, crashed.text)
        assert client.get(path, params={"from": DAY, "to": DAY}, headers=headers).status_code == 200, path
    refused = client.post("/v1/test/fixtures", json={"seasons": [{**SEASON, "startDate": "0000-01-01"}]})
    assert refused.status_code == 400, refused.text


def availability_range_off_by_one(client: TestClient) -> None:
    venue = Venue(client, PRICED)
    response = client.get(f"/v1/units/{venue.unit}/availability", params={"from": "2027-01-01", "to": "2027-02-01"})
    assert response.status_code == 200


def booking_seconds_accepted(client: TestClient) -> None:
    venue = Venue(client, PRICED)
    response = venue.book(venue.as_citizen(), f"{DAY}T10:00:30Z", f"{DAY}T11:00:00Z")
    assert response.status_code == 201, response.text


def registration_open_at_start(client: TestClient) -> None:
    start = "2027-01-12T17:00:00Z"
    lesson = {
        "ref": "a",
        "name": "Simskola",
        "activityType": "swimming-lessons",
        "start": start,
        "end": "2027-01-12T18:00:00Z",
        "capacity": 5,
    }
    venue = Venue(client, PRICED, activities=[lesson])
    client.put("/v1/test/clock", json={"now": start, "frozen": True})
    response = client.post(
        f"/v1/activities/{venue.ids['a']}/registrations",
        json={},
        headers={**venue.as_citizen(), "Idempotency-Key": "r"},
    )
    assert response.status_code == 201, response.text
