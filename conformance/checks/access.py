"""Checks of the `access` class: door codes of confirmed bookings, their validity window, revocation
on cancellation, and who may ask the door-lock question. The server clock is moved to the edges
of each window, so "valid from start minus margin until end plus margin" is checked to the minute.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from conformance import booking_data as bd
from conformance.booking_data import Venue, iso
from conformance.context import CheckContext
from conformance.expect import ensure, ensure_status, expect, require
from conformance.http import RecordingClient
from conformance.registry import check


def _door(ctx: CheckContext, scopes: tuple[str, ...] = ("access:verify",)) -> RecordingClient:
    return ctx.as_persona("system-client", clientId="laassystem", scopes=list(scopes))


def _verify(ctx: CheckContext, unit_id: str, code: str) -> dict[str, Any]:
    response = _door(ctx).post("/access-codes/verify", json={"unitId": unit_id, "code": code})
    body: dict[str, Any] = expect(response).status(200).json()
    return body


def _confirmed(ctx: CheckContext, margin: int) -> tuple[Venue, dict[str, Any]]:
    now = bd.frozen_now(ctx)
    venue = bd.build_venue(ctx, terms={"accessMarginMinutes": margin})
    slot = bd.slot(bd.future_day(ctx, now), "18:00", 90)
    response = venue.book(venue.citizen(), *slot, "private-person", confirm=True)
    booking: dict[str, Any] = require(response, "BOOK-002").status(201).json()
    return venue, booking


def _code(venue: Venue, booking: dict[str, Any]) -> dict[str, Any]:
    """The booking's door code as the citizen who booked it reads it."""
    body: dict[str, Any] = expect(venue.citizen().get(f"/bookings/{booking['id']}/access-code")).status(200).json()
    return body


@check(
    "code-for-confirmed-bookings",
    "A confirmed booking has a door code for whoever may read it; an unconfirmed one 409, others 404",
    requirements=["ACC-001"],
)
def code_for_confirmed_bookings(ctx: CheckContext) -> None:
    now = bd.frozen_now(ctx)
    venue = bd.build_venue(ctx)
    day = bd.future_day(ctx, now)
    slot = bd.slot(day, "18:00", 60)
    held = require(venue.book(venue.association(), *slot, "association-youth"), "BOOK-002").status(201).json()
    path = f"/bookings/{held['id']}/access-code"
    expect(venue.association().get(path)).problem(409, "invalid-state")
    confirmed = venue.association().post(f"/bookings/{held['id']}/confirm")
    require(confirmed, "BOOK-002").status(200).field("status", "confirmed")
    code = (
        expect(venue.association(1).get(path))
        .status(200)
        .field("bookingId", held["id"])
        .field("unitId", venue.unit_id)
        .json()
    )
    ensure(
        str(code.get("code", "")).isdigit(), "the door code is not digits", expected="digits", actual=code.get("code")
    )
    expect(venue.admin().get(path)).status(200).field("code", code["code"])
    for who, client in (("a citizen", venue.citizen()), ("another municipality", venue.admin("1480"))):
        ensure_status(client.get(path), 404, f"{who} could ask for another customer's door code")
    if not ctx.settled("unconfirmed-booking-has-no-code"):  # before, ACC-001 and ACC-003 said two things
        return
    # Cancelled before it was ever confirmed: it never had a code, so none to show as revoked either.
    never = expect(venue.book(venue.citizen(), *bd.slot(day, "10:00", 60), "private-person")).status(201).json()
    expect(venue.citizen().post(f"/bookings/{never['id']}/cancel")).status(200).field("status", "cancelled")
    expect(venue.citizen().get(f"/bookings/{never['id']}/access-code")).problem(409, "invalid-state")


@check(
    "validity-window",
    "A door code opens from the start minus the margin until the end plus the margin, not a minute outside",
    requirements=["ACC-002"],
)
def validity_window(ctx: CheckContext) -> None:
    margin = ctx.random.randint(5, 30)
    venue, booking = _confirmed(ctx, margin)
    start, end = bd.parse(booking["start"]), bd.parse(booking["end"])
    opens, closes = start - timedelta(minutes=margin), end + timedelta(minutes=margin)
    code = _code(venue, booking)
    ensure(
        (code.get("validFrom"), code.get("validUntil")) == (iso(opens), iso(closes)),
        f"the validity window is not the booking ± {margin} minutes",
        expected=[iso(opens), iso(closes)],
        actual=[code.get("validFrom"), code.get("validUntil")],
    )
    instants = [
        (opens - timedelta(minutes=1), False),
        (opens, True),
        (start + timedelta(minutes=30), True),
        (closes - timedelta(minutes=1), True),
        (closes + timedelta(hours=3), False),
    ]
    # At exactly validUntil: closed, the interval is half-open; "until … and invalid after" allowed both before.
    if ctx.settled("door-code-half-open"):
        instants.append((closes, False))
    for instant, valid in instants:
        ctx.test.set_clock(instant, frozen=True)
        verdict = _verify(ctx, venue.unit_id, code["code"])
        ensure(
            verdict.get("valid") is valid,
            f"at {iso(instant)} the door code should {'' if valid else 'not '}open",
            expected=valid,
            actual=verdict,
        )


@check(
    "revoked-on-cancellation",
    "Cancelling a booking revokes its door code at once",
    requirements=["ACC-003"],
)
def revoked_on_cancellation(ctx: CheckContext) -> None:
    venue, booking = _confirmed(ctx, 30)
    code = _code(venue, booking)
    # Inside the window, just before the start: the door opens, until the booking is cancelled.
    ctx.test.set_clock(bd.parse(booking["start"]) - timedelta(minutes=10), frozen=True)
    ensure(
        _verify(ctx, venue.unit_id, code["code"]).get("valid") is True,
        "the door code does not open in its window",
        expected=True,
        actual=False,
    )
    expect(venue.citizen().post(f"/bookings/{booking['id']}/cancel")).status(200).field("status", "cancelled")
    verdict = _verify(ctx, venue.unit_id, code["code"])
    ensure(
        verdict.get("valid") is False,
        "the door code still opens after the booking was cancelled",
        expected=False,
        actual=verdict,
    )
    expect(venue.citizen().get(f"/bookings/{booking['id']}/access-code")).status(200).field("status", "revoked")


@check(
    "verify-authorisation",
    "Only door-lock systems may check codes; unknown codes and other units' codes are invalid",
    requirements=["ACC-004"],
)
def verify_authorisation(ctx: CheckContext) -> None:
    venue, booking = _confirmed(ctx, 15)
    other = bd.build_venue(ctx)
    code = _code(venue, booking)["code"]
    ctx.test.set_clock(bd.parse(booking["start"]), frozen=True)
    body = {"unitId": venue.unit_id, "code": code}
    for who, client in (
        ("a citizen", venue.citizen()),
        ("a facility administrator", venue.admin()),
        ("a system client without access:verify", _door(ctx, ("finance:read",))),
    ):
        response = client.post("/access-codes/verify", json=body)
        ensure_status(response, 403, f"{who} may check door codes").problem(403, "forbidden")
    ensure(
        _verify(ctx, venue.unit_id, code).get("valid") is True, "a valid code is refused", expected=True, actual=False
    )
    ensure(
        _verify(ctx, other.unit_id, code).get("valid") is False,
        "a code opens another unit's door",
        expected=False,
        actual=True,
    )
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    ensure(
        _verify(ctx, venue.unit_id, wrong).get("valid") is False,
        "an unknown code opens the door",
        expected=False,
        actual=True,
    )
