"""Handlers of the class `payments` (paying, reading, the finance export) and the sandbox's
simulated payment provider (test interface). The ledger rules live in payment_ledger.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from starlette.responses import Response

from reference_server import problems
from reference_server.auth import Identity
from reference_server.booking import bookings as b
from reference_server.booking.availability import date_parameter, local_midnight
from reference_server.idempotency import create_once
from reference_server.money import money_json
from reference_server.pagination import page_body, page_response
from reference_server.payments import ledger
from reference_server.problems import FieldError
from reference_server.routing import Call, Handler, json_response
from reference_server.storage import payments

FINANCE_SCOPE = "finance:read"
MAX_EXPORT_DAYS = 366


def _visible(identity: Identity) -> Any:
    """Payments are seen by whoever sees the bookings they pay (the same three personas)."""
    if identity.persona == "citizen":
        return sa.and_(payments.c.person_id == identity.claim("personId"), payments.c.organisation_id.is_(None))
    if identity.persona == "organisation-representative":
        return payments.c.organisation_id == identity.claim("organisationId")
    return payments.c.municipality_code == identity.claim("municipalityCode")


def create_payment(call: Call) -> Response:
    identity = b.require_persona(call.identity, b.CUSTOMERS, "pay")
    booking_ids: list[str] = call.body["bookingIds"]
    method: str = call.body["method"]
    settings, now = call.settings, call.now()

    def create(conn: sa.Connection) -> dict[str, Any]:
        lines: list[tuple[str, int]] = []
        municipalities = set()
        for booking_id in sorted(booking_ids):
            # Lock in a fixed order, so two payments naming the same bookings queue instead of deadlocking.
            b.load_booking(conn, booking_id, lock=True)
        for i, booking_id in enumerate(booking_ids):
            try:
                row = b.visible_booking(conn, identity, booking_id)
            except problems.Problem:
                raise b.unprocessable(
                    "unknown-reference", f"bookingIds/{i}: you have no booking {booking_id}."
                ) from None
            status = b.status_of(row, now, settings)
            # The faulty way (held-booking-payable): refuse only what is over, not what is unconfirmed.
            payable = ("confirmed", "held") if settings.fault_active("held-booking-payable") else ("confirmed",)
            if status not in payable:
                raise b.conflict(
                    "invalid-state", f"Booking {booking_id} is {status}; only confirmed bookings are paid."
                )
            if ledger.is_paid(conn, booking_id, settings):
                raise b.conflict("already-paid", f"Booking {booking_id} is already paid or its payment is pending.")
            municipalities.add(row.municipality_code)
            lines.append((booking_id, row.price_ore))
        if len(municipalities) > 1:
            raise b.unprocessable(
                "mixed-municipalities", f"The bookings belong to {len(municipalities)} municipalities; pay each apart."
            )
        organisation = None if identity.persona == "citizen" else str(identity.claim("organisationId"))
        payer = ledger.Payer(str(identity.claim("personId")), organisation)
        payment_id = ledger.insert_payment(conn, payer, municipalities.pop(), method, lines, now, settings)
        row = ledger.load_payment(conn, payment_id)
        assert row is not None
        return ledger.payment_json(conn, row, settings)

    return create_once(call, create, now, keyed=not settings.fault_active("payment-idempotency-ignored"))


def list_payments(call: Call) -> Response:
    identity = b.require_persona(call.identity, b.READERS, "list payments")
    settings = call.settings
    with call.services.storage.read() as conn:
        rows = conn.execute(
            sa.select(payments).where(_visible(identity)).order_by(payments.c.created_at, payments.c.id)
        ).all()
        # Only the page's payments are rendered (each needs its lines and refunds).
        return page_response(call, rows, lambda row: ledger.payment_json(conn, row, settings))


def get_payment(call: Call) -> Response:
    identity = b.require_persona(call.identity, b.READERS, "read payments")
    payment_id = call.path["paymentId"]
    condition = None if call.settings.fault_active("other-customer-payment-readable") else _visible(identity)
    with call.services.storage.read() as conn:
        row = ledger.load_payment(conn, payment_id, condition)
        if row is None:
            raise problems.not_found(f"No payment with id {payment_id}.")
        return json_response(ledger.payment_json(conn, row, call.settings))


def _export_municipality(identity: Identity | None) -> str:
    assert identity is not None  # the operation requires a token
    code = identity.claim("municipalityCode")
    finance = identity.persona == "system-client" and FINANCE_SCOPE in (identity.claim("scopes") or [])
    if (finance or identity.persona == "facility-administrator") and isinstance(code, str):
        return code
    raise problems.forbidden(
        f"The settlement export is for finance systems (scope {FINANCE_SCOPE} and a municipalityCode) "
        "and facility administrators."
    )


def list_payment_transactions(call: Call) -> Response:
    municipality = _export_municipality(call.identity)
    first, last = date_parameter(call.query["from"]), date_parameter(call.query["to"])
    if last < first or (last - first).days >= MAX_EXPORT_DAYS:
        raise problems.validation_error(
            [FieldError("query", f"must be from `from` to at most {MAX_EXPORT_DAYS} days after it", name="to")]
        )
    after = timedelta(days=2 if call.settings.fault_active("settlement-export-to-inclusive-of-next-day") else 1)
    lower, upper = local_midnight(first), local_midnight(last + after)
    with call.services.storage.read() as conn:
        entries = ledger.transactions(conn, municipality, lower, upper, call.settings)
    charges = sum(e["amount"]["amountOre"] for e in entries if e["kind"] == "charge")
    refunded = sum(e["amount"]["amountOre"] for e in entries if e["kind"] == "refund")
    body = page_body(entries, lambda e: e, limit=call.query["limit"], page=call.query["page"], settings=call.settings)
    body["totals"] = {
        "charges": money_json(charges),
        "refunds": money_json(refunded),
        "net": money_json(charges - refunded),
    }
    return json_response(body)


def set_test_payment_provider(call: Call) -> Response:
    with call.services.storage.write() as conn:
        ledger.set_simulated_outcome(conn, call.body["outcome"])
    return json_response({"outcome": call.body["outcome"]})


def complete_test_payment(call: Call) -> Response:
    payment_id = call.path["paymentId"]
    now = call.now()
    with call.services.storage.write() as conn:
        row = ledger.load_payment(conn, payment_id)
        if row is None:
            raise problems.not_found(f"No payment with id {payment_id}.")
        outcome = call.body["outcome"]
        if call.settings.fault_active("pending-completion-always-settles"):
            outcome = "settled"  # the hook was written for the happy path and never learnt to decline
        ledger.complete(conn, row, outcome, now, call.settings)
        after = ledger.load_payment(conn, payment_id)
        assert after is not None
        return json_response(ledger.payment_json(conn, after, call.settings))


HANDLERS: dict[str, Handler] = {
    "createPayment": create_payment,
    "listPayments": list_payments,
    "getPayment": get_payment,
    "listPaymentTransactions": list_payment_transactions,
}

TEST_HANDLERS: dict[str, Handler] = {
    "setTestPaymentProvider": set_test_payment_provider,
    "completeTestPayment": complete_test_payment,
}
