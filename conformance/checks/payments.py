"""Checks of the `payments` class: paying confirmed bookings, the provider's outcomes, refunds on
cancellation, the finance export and who sees what; and of the simulated provider the test
interface offers for it. Every amount is checked to the öre against the harness's own sums.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from conformance import booking_data as bd
from conformance.booking_data import Venue
from conformance.context import CheckContext
from conformance.expect import ensure, ensure_status, expect, require
from conformance.far_dates import refused_or_read
from conformance.http import RecordingClient, Response
from conformance.listing import walk
from conformance.registry import check

FREE_HOURS, FEE_PERCENT = 24, 40


def _sek(amount: int) -> dict[str, Any]:
    return {"amountOre": amount, "currency": "SEK"}


def _venue(ctx: CheckContext, municipality_code: str = "0180") -> tuple[Venue, int]:
    per_hour = ctx.random.randint(100, 500) * 100 + ctx.random.choice((13, 50, 77))
    venue = bd.build_venue(
        ctx,
        municipality_code=municipality_code,
        terms={
            "prices": [
                {"customerCategory": c, "pricePerHourOre": per_hour}
                for c in ("private-person", "association-youth", "association-adult")
            ],
            "cancellation": {"freeUntilHoursBefore": FREE_HOURS, "lateFeePercent": FEE_PERCENT},
        },
    )
    return venue, per_hour


def _setup(ctx: CheckContext) -> tuple[Venue, int, date]:
    """A priced venue and a day to book it on, under a frozen clock: how every check of the class starts
    but the export, which needs a municipality of its own."""
    now = bd.frozen_now(ctx)
    venue, per_hour = _venue(ctx)
    return venue, per_hour, bd.future_day(ctx, now)


def _confirmed(
    venue: Venue, client: RecordingClient, day: date, start: str, minutes: int, category: str = "private-person"
) -> dict[str, Any]:
    response = venue.book(client, *bd.slot(day, start, minutes), category, confirm=True)
    body: dict[str, Any] = require(response, "BOOK-002").status(201).field("status", "confirmed").json()
    return body


def _pay(ctx: CheckContext, client: RecordingClient, booking_ids: list[str], method: str = "card") -> Response:
    return client.post(
        "/payments",
        json={"bookingIds": booking_ids, "method": method},
        headers={"Idempotency-Key": bd.idempotency_key(ctx.random)},
    )


@contextmanager
def _provider(ctx: CheckContext, outcome: str) -> Iterator[None]:
    """The simulated provider answers `outcome` inside the block, and settles again after it."""
    provider = ctx.anonymous.put("/test/payment-provider", json={"outcome": outcome})
    require(provider, "TEST-010").status(200).field("outcome", outcome)
    try:
        yield
    finally:
        ctx.anonymous.put("/test/payment-provider", json={"outcome": "settled"})


def _complete(ctx: CheckContext, payment_id: str, outcome: str) -> Response:
    """The simulated provider's late answer to a pending payment."""
    return ctx.anonymous.post(f"/test/payments/{payment_id}/complete", json={"outcome": outcome})


def _finance(ctx: CheckContext, municipality_code: str) -> RecordingClient:
    """The municipality's finance system, the client the export is for."""
    return ctx.as_persona(
        "system-client", clientId="ekonomisystem", scopes=["finance:read"], municipalityCode=municipality_code
    )


@check(
    "pay-bookings",
    "A payment covers the caller's confirmed bookings for the sum of their prices; others are refused",
    requirements=["PAY-001"],
)
def pay_bookings(ctx: CheckContext) -> None:
    venue, per_hour, day = _setup(ctx)
    first, second = (
        _confirmed(venue, venue.citizen(), day, "08:00", 50),
        _confirmed(venue, venue.citizen(), day, "10:00", 95),
    )
    total = bd.price(per_hour, 50) + bd.price(per_hour, 95)
    payment = (
        expect(_pay(ctx, venue.citizen(), [first["id"], second["id"]])).status(201).field("amount", _sek(total)).json()
    )
    lines = sorted((line["bookingId"], line["amount"]["amountOre"]) for line in payment.get("lines", []))
    wanted = sorted([(first["id"], bd.price(per_hour, 50)), (second["id"], bd.price(per_hour, 95))])
    ensure(lines == wanted, "the payment's lines are not one per booking at its price", expected=wanted, actual=lines)
    ensure(
        payment.get("status") == "settled",
        "a card payment the provider settles is not settled",
        expected="settled",
        actual=payment.get("status"),
    )
    expect(_pay(ctx, venue.citizen(), [second["id"]])).problem(409, "already-paid")
    booked = venue.book(venue.citizen(), *bd.slot(day, "13:00", 60), "private-person")
    held = require(booked, "BOOK-002").status(201).json()
    expect(_pay(ctx, venue.citizen(), [held["id"]])).problem(409, "invalid-state")
    others = _confirmed(venue, venue.citizen(1), day, "15:00", 60)
    expect(_pay(ctx, venue.citizen(), [others["id"]])).problem(422, "unknown-reference")
    listed = [p["id"] for p in walk(venue.citizen(), "/payments")]
    ensure(listed == [payment["id"]], "refused payments left a trace", expected=[payment["id"]], actual=listed)


@check(
    "provider-outcomes",
    "Card and Swish get the provider's outcome, invoices are invoiced; declined leaves bookings unpaid",
    requirements=["PAY-002"],
)
def provider_outcomes(ctx: CheckContext) -> None:
    venue, _, day = _setup(ctx)
    booking = _confirmed(venue, venue.citizen(), day, "09:00", 60)
    with _provider(ctx, "declined"):
        expect(_pay(ctx, venue.citizen(), [booking["id"]], "card")).status(201).field("status", "declined")
        other = _confirmed(venue, venue.citizen(), day, "11:00", 60)
        expect(_pay(ctx, venue.citizen(), [other["id"]], "invoice")).status(201).field("status", "invoiced")
    expect(_pay(ctx, venue.citizen(), [booking["id"]], "swish")).status(201).field("status", "settled")
    third = _confirmed(venue, venue.citizen(), day, "13:00", 60)
    with _provider(ctx, "pending"):
        pending = (
            expect(_pay(ctx, venue.citizen(), [third["id"]], "swish")).status(201).field("status", "pending").json()
        )
        expect(_pay(ctx, venue.citizen(), [third["id"]], "card")).problem(409, "already-paid")
    expect(_complete(ctx, pending["id"], "settled")).status(200)
    expect(venue.citizen().get(f"/payments/{pending['id']}")).status(200).field("status", "settled")


@check(
    "payment-provider",
    "The test interface sets the simulated provider's outcome and completes pending payments",
    requirements=["TEST-010"],
    cls="test-interface",
)
def payment_provider(ctx: CheckContext) -> None:
    venue, _, day = _setup(ctx)
    with _provider(ctx, "pending"):
        first = _confirmed(venue, venue.citizen(), day, "09:00", 60)
        second = _confirmed(venue, venue.citizen(), day, "11:00", 60)
        one = expect(_pay(ctx, venue.citizen(), [first["id"]])).status(201).field("status", "pending").json()
        two = expect(_pay(ctx, venue.citizen(), [second["id"]])).status(201).field("status", "pending").json()
    expect(_complete(ctx, one["id"], "declined")).status(200).field("status", "declined")
    expect(_complete(ctx, two["id"], "settled")).status(200).field("status", "settled")
    expect(_complete(ctx, two["id"], "declined")).problem(409, "invalid-state")
    third = _confirmed(venue, venue.citizen(), day, "13:00", 60)
    expect(_pay(ctx, venue.citizen(), [third["id"]])).status(201).field("status", "settled")


@check(
    "refund-on-cancellation",
    "Cancelling a paid booking refunds its line less the fee, never more; not while the payment is pending",
    requirements=["PAY-003"],
)
def refund_on_cancellation(ctx: CheckContext) -> None:
    venue, per_hour, day = _setup(ctx)
    early, late = (
        _confirmed(venue, venue.citizen(), day, "08:00", 60),
        _confirmed(venue, venue.citizen(), day, "12:00", 75),
    )
    payment = expect(_pay(ctx, venue.citizen(), [early["id"], late["id"]], "swish")).status(201).json()
    expect(venue.citizen().post(f"/bookings/{early['id']}/cancel")).status(200)
    ctx.test.set_clock(bd.parse(late["start"]) - timedelta(hours=FREE_HOURS - 1), frozen=True)
    expect(venue.citizen().post(f"/bookings/{late['id']}/cancel")).status(200)
    price_late = bd.price(per_hour, 75)
    wanted = sorted(
        [(early["id"], bd.price(per_hour, 60)), (late["id"], price_late - bd.share(price_late, FEE_PERCENT))]
    )
    served = expect(venue.citizen().get(f"/payments/{payment['id']}")).status(200).json()
    refunds = sorted((r.get("bookingId"), r.get("amount", {}).get("amountOre")) for r in served.get("refunds", []))
    ensure(
        refunds == wanted, "the refunds are not each line less its cancellation fee", expected=wanted, actual=refunds
    )
    total = sum(amount for _, amount in wanted)
    ensure(
        served.get("refundedAmount") == _sek(total),
        "refundedAmount is not the sum of the refunds",
        expected=_sek(total),
        actual=served.get("refundedAmount"),
    )
    ensure(
        total <= payment["amount"]["amountOre"], "more was refunded than paid", expected=payment["amount"], actual=total
    )
    with _provider(ctx, "pending"):
        booking = _confirmed(venue, venue.citizen(), day, "16:00", 60)
        pending = expect(_pay(ctx, venue.citizen(), [booking["id"]])).status(201).field("status", "pending").json()
    expect(venue.citizen().post(f"/bookings/{booking['id']}/cancel")).problem(409, "payment-pending")
    expect(venue.citizen().get(f"/bookings/{booking['id']}")).status(200).field("status", "confirmed")
    _complete(ctx, pending["id"], "settled")


@check(
    "settlement-export",
    "The finance export lists every charge and refund of the municipality, with totals that add up",
    requirements=["PAY-004"],
)
def settlement_export(ctx: CheckContext) -> None:
    now = bd.frozen_now(ctx)
    code = ctx.random.choice(("2584", "2583", "2582"))  # municipalities no other check uses
    venue, per_hour = _venue(ctx, code)
    day = bd.future_day(ctx, now)
    a, b = _confirmed(venue, venue.citizen(), day, "08:00", 60), _confirmed(venue, venue.citizen(), day, "10:00", 45)
    c = _confirmed(venue, venue.association(), day, "12:00", 90, "association-youth")
    d = _confirmed(venue, venue.citizen(1), day, "15:00", 30)
    card = expect(_pay(ctx, venue.citizen(), [a["id"], b["id"]], "card")).status(201).json()
    invoice = expect(_pay(ctx, venue.association(), [c["id"]], "invoice")).status(201).json()
    with _provider(ctx, "declined"):
        expect(_pay(ctx, venue.citizen(1), [d["id"]], "card")).status(201).field("status", "declined")
    # Charged when the provider settles it: a pending payment that settles later is a charge too.
    e = _confirmed(venue, venue.citizen(1), day, "18:00", 60)
    with _provider(ctx, "pending"):
        late = expect(_pay(ctx, venue.citizen(1), [e["id"]], "swish")).status(201).field("status", "pending").json()
    expect(_complete(ctx, late["id"], "settled")).status(200).field("status", "settled").field("settledAt")
    cancelled_at = bd.parse(b["start"]) - timedelta(hours=1)
    ctx.test.set_clock(cancelled_at, frozen=True)
    expect(venue.citizen().post(f"/bookings/{b['id']}/cancel")).status(200)
    price_b = bd.price(per_hour, 45)
    expected = sorted(
        [
            ("charge", card["id"], a["id"], bd.price(per_hour, 60)),
            ("charge", card["id"], b["id"], price_b),
            ("charge", invoice["id"], c["id"], bd.price(per_hour, 90)),
            ("charge", late["id"], e["id"], bd.price(per_hour, 60)),
            ("refund", card["id"], b["id"], price_b - bd.share(price_b, FEE_PERCENT)),
        ]
    )
    finance = _finance(ctx, code)
    period = {"from": now.astimezone(bd.STOCKHOLM).date().isoformat(), "to": day.isoformat()}
    items = walk(finance, "/payment-transactions", period, limit=2)
    served = sorted(
        (i.get("kind"), i.get("paymentId"), i.get("bookingId"), i.get("amount", {}).get("amountOre")) for i in items
    )
    ensure(
        served == expected,
        "the export does not hold exactly the municipality's charges and refunds",
        expected=expected,
        actual=served,
    )
    # `to` is the last day counted, to its local midnight: the refund, made the day after, is not in it.
    before_refund = {**period, "to": (cancelled_at.astimezone(bd.STOCKHOLM).date() - timedelta(days=1)).isoformat()}
    until = sorted(
        (i.get("kind"), i.get("paymentId"), i.get("bookingId"), i.get("amount", {}).get("amountOre"))
        for i in walk(finance, "/payment-transactions", before_refund)
    )
    ensure(
        until == [e for e in expected if e[0] == "charge"],
        f"the export to {before_refund['to']} does not hold exactly the charges made by then",
        expected=[e for e in expected if e[0] == "charge"],
        actual=until,
    )
    charges = sum(e[3] for e in expected if e[0] == "charge")
    refunds = sum(e[3] for e in expected if e[0] == "refund")
    response = finance.get("/payment-transactions", params={**period, "limit": 1})
    totals = expect(response).status(200).json().get("totals")
    wanted = {"charges": _sek(charges), "refunds": _sek(refunds), "net": _sek(charges - refunds)}
    ensure(totals == wanted, "the export's totals do not add up", expected=wanted, actual=totals, response=response)
    foreign = {i.get("paymentId") for i in walk(_finance(ctx, "0380"), "/payment-transactions", period)}
    ensure(
        not foreign & {card["id"], invoice["id"]},
        "another municipality's export shows these payments",
        expected=[],
        actual=sorted(foreign),
    )


@check(
    "idempotency",
    "POST /payments needs an Idempotency-Key; a replay returns the first payment, another body 422",
    requirements=["PAY-005"],
)
def idempotency(ctx: CheckContext) -> None:
    venue, _, day = _setup(ctx)
    first, second = (
        _confirmed(venue, venue.citizen(), day, "08:00", 60),
        _confirmed(venue, venue.citizen(), day, "10:00", 60),
    )
    body = {"bookingIds": [first["id"]], "method": "swish"}
    other = {"bookingIds": [second["id"]], "method": "swish"}
    created = bd.idempotent_create(ctx, venue.citizen(), "/payments", body, other, "payment")
    listed = [p["id"] for p in walk(venue.citizen(), "/payments")]
    ensure(listed == [created["id"]], "replays created payments", expected=[created["id"]], actual=listed)


@check(
    "authorisation",
    "Payments are seen only by who sees their bookings (404 otherwise); the export only by finance and staff (403)",
    requirements=["PAY-006"],
)
def authorisation(ctx: CheckContext) -> None:
    venue, _, day = _setup(ctx)
    booking = _confirmed(venue, venue.association(0), day, "08:00", 60, "association-adult")
    payment = expect(_pay(ctx, venue.association(0), [booking["id"]])).status(201).json()
    path = f"/payments/{payment['id']}"
    expect(venue.association(1).get(path)).status(200).field("id", payment["id"])
    expect(venue.admin().get(path)).status(200)
    for who, client in (
        ("a citizen", venue.citizen()),
        ("another organisation", venue.company()),
        ("another municipality", venue.admin("1480")),
    ):
        ensure_status(client.get(path), 404, f"{who} can read the payment").problem(404, "not-found")
    period = {"from": day.isoformat(), "to": day.isoformat()}
    for who, client in (
        ("a citizen", venue.citizen()),
        ("a case officer", ctx.as_persona("case-officer", municipalityCode=venue.municipality_code)),
        (
            "a system client without finance:read",
            ctx.as_persona(
                "system-client", clientId="x", scopes=["access:verify"], municipalityCode=venue.municipality_code
            ),
        ),
    ):
        ensure_status(client.get("/payment-transactions", params=period), 403, f"{who} can read the finance export")
    expect(venue.admin().get("/payment-transactions", params=period)).status(200)


@check(
    "far-dates",
    "The finance export for dates at the ends of the calendar gives 400 naming from, or an empty period",
    requirements=["CORE-005"],
)
def far_dates(ctx: CheckContext) -> None:
    """`from` may be refused before 1970-01-02 or after 8999-12-30 (its description); a period that is
    taken holds nothing then, since no payment is made in year 0 or 9999."""
    finance = _finance(ctx, "0180")
    empty = {"charges": _sek(0), "refunds": _sek(0), "net": _sek(0)}

    def normal(body: Any) -> str | None:
        if not isinstance(body, dict):
            return "the body is no object"
        if body.get("items") != [] or body.get("totals") != empty:
            return f"items {body.get('items')} and totals {body.get('totals')} for a period without payments"
        return None

    for first, last in (("0000-01-01", "0000-01-02"), ("9999-12-30", "9999-12-31")):
        response = finance.get("/payment-transactions", params={"from": first, "to": last})
        refused_or_read(response, "from", normal)
