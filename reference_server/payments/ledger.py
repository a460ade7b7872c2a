"""Payments, their lines and refunds: the ledger the payments class and cancellation share.

A payment has one line per booking, and its amount is the sum of the lines, all integer öre. A
booking counts as paid while a pending, settled or invoiced payment has a line for it; a declined
payment pays nothing. When a paid booking is cancelled, its line is refunded less the
cancellation fee — never more than the line — in the same transaction as the cancellation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from reference_server import outbox, problems
from reference_server.money import money_json
from reference_server.settings import Settings
from reference_server.storage import payment_lines, payment_simulation, payments, refunds
from reference_server.timestamps import record_timestamp, utc_text

PAYING = ("pending", "settled", "invoiced")
SETTLED = ("settled", "invoiced")


def paid_statuses(settings: Settings) -> tuple[str, ...]:
    if settings.fault_active("declined-payment-marks-paid"):
        return (*PAYING, "declined")  # "a payment was attempted" taken for "paid"
    return PAYING


def is_paid(conn: Connection, booking_id: str, settings: Settings) -> bool:
    found = conn.execute(
        sa.select(payment_lines.c.booking_id)
        .join(payments, payments.c.id == payment_lines.c.payment_id)
        .where(payment_lines.c.booking_id == booking_id, payments.c.status.in_(paid_statuses(settings)))
    ).first()
    return found is not None


def simulated_outcome(conn: Connection) -> str:
    """What the sandbox's payment provider answers card and Swish payments (settled by default)."""
    outcome = conn.execute(sa.select(payment_simulation.c.outcome).where(payment_simulation.c.id == 1)).scalar()
    return str(outcome or "settled")


def set_simulated_outcome(conn: Connection, outcome: str) -> None:
    updated = conn.execute(payment_simulation.update().where(payment_simulation.c.id == 1).values(outcome=outcome))
    if updated.rowcount == 0:
        conn.execute(payment_simulation.insert().values(id=1, outcome=outcome))


@dataclass(frozen=True)
class Payer:
    person_id: str
    organisation_id: str | None


def insert_payment(
    conn: Connection,
    payer: Payer,
    municipality_code: str,
    method: str,
    lines: list[tuple[str, int]],
    now: datetime,
    settings: Settings,
) -> str:
    status = "invoiced" if method == "invoice" else simulated_outcome(conn)
    payment_id = str(uuid.uuid4())
    conn.execute(
        payments.insert().values(
            id=payment_id,
            person_id=payer.person_id,
            organisation_id=payer.organisation_id,
            municipality_code=municipality_code,
            method=method,
            status=status,
            amount_ore=sum(amount for _, amount in lines),
            settled_at=now if status in SETTLED else None,
            created_at=now,
            updated_at=now,
        )
    )
    conn.execute(
        payment_lines.insert(),
        [
            {"payment_id": payment_id, "booking_id": booking_id, "position": i, "amount_ore": amount}
            for i, (booking_id, amount) in enumerate(lines)
        ],
    )
    if status in SETTLED:
        outbox.record(conn, settings, "payment.completed", payment_id, municipality_code, now)
    return payment_id


def _settled_at(outcome: str, now: datetime, settings: Settings) -> datetime | None:
    if outcome != "settled" or settings.fault_active("late-settlement-not-exported"):
        return None
    return now


def complete(conn: Connection, payment: Row[Any], outcome: str, now: datetime, settings: Settings) -> None:
    """The provider's late answer to a pending payment: settled now, so charged in today's settlement."""
    if payment.status != "pending":
        raise problems.Problem(
            409, "invalid-state", f"The payment is {payment.status}; only a pending one can complete."
        )
    conn.execute(
        payments.update()
        .where(payments.c.id == payment.id)
        .values(status=outcome, settled_at=_settled_at(outcome, now, settings), updated_at=now)
    )
    if outcome in SETTLED:
        outbox.record(conn, settings, "payment.completed", payment.id, payment.municipality_code, now)


def refund_on_cancellation(conn: Connection, booking_id: str, fee_ore: int, now: datetime, settings: Settings) -> None:
    """Refund a cancelled booking's paid line, less the fee; refuse while its payment is pending."""
    line = conn.execute(
        sa.select(payment_lines, payments.c.status, payments.c.amount_ore.label("payment_ore"))
        .join(payments, payments.c.id == payment_lines.c.payment_id)
        .where(payment_lines.c.booking_id == booking_id, payments.c.status.in_(PAYING))
    ).first()
    if line is None:
        return
    if line.status == "pending":
        raise problems.Problem(
            409, "payment-pending", "The booking's payment is still pending; cancel once the provider has answered."
        )
    amount = max(line.amount_ore - fee_ore, 0)
    if settings.fault_active("refund-ignores-cancellation-fee"):
        amount = line.amount_ore
    if settings.fault_active("refund-larger-than-payment"):
        amount = line.payment_ore  # the whole payment back, whichever of its bookings was cancelled
    if amount == 0:
        return
    conn.execute(
        refunds.insert().values(
            id=str(uuid.uuid4()), payment_id=line.payment_id, booking_id=booking_id, amount_ore=amount, created_at=now
        )
    )
    conn.execute(payments.update().where(payments.c.id == line.payment_id).values(updated_at=now))
    municipality = conn.execute(
        sa.select(payments.c.municipality_code).where(payments.c.id == line.payment_id)
    ).scalar_one()
    if not settings.fault_active("refund-not-announced"):
        outbox.record(conn, settings, "payment.refunded", line.payment_id, municipality, now)


def load_payment(conn: Connection, payment_id: str, condition: Any = None) -> Row[Any] | None:
    query = sa.select(payments).where(payments.c.id == payment_id)
    if condition is not None:
        query = query.where(condition)
    return conn.execute(query).first()


def payment_json(conn: Connection, row: Row[Any], settings: Settings) -> dict[str, Any]:
    lines = conn.execute(
        sa.select(payment_lines).where(payment_lines.c.payment_id == row.id).order_by(payment_lines.c.position)
    ).all()
    given = conn.execute(
        sa.select(refunds).where(refunds.c.payment_id == row.id).order_by(refunds.c.created_at, refunds.c.id)
    ).all()
    paid_by: dict[str, str] = {"personId": row.person_id}
    if row.organisation_id is not None:
        paid_by["organisationId"] = row.organisation_id
    body: dict[str, Any] = {
        "id": row.id,
        "status": row.status,
        "method": row.method,
        "amount": money_json(row.amount_ore),
        "lines": [{"bookingId": line.booking_id, "amount": money_json(line.amount_ore)} for line in lines],
        "refunds": [
            {
                "id": r.id,
                "bookingId": r.booking_id,
                "amount": money_json(r.amount_ore),
                "createdAt": utc_text(r.created_at),
            }
            for r in given
        ],
        "refundedAmount": money_json(sum(r.amount_ore for r in given)),
        "paidBy": paid_by,
        "municipalityCode": row.municipality_code,
    }
    if row.settled_at is not None:
        body["settledAt"] = utc_text(row.settled_at)
    body["createdAt"] = record_timestamp(row.created_at, settings)
    body["updatedAt"] = record_timestamp(row.updated_at, settings)
    return body


def transactions(
    conn: Connection, municipality_code: str, lower: datetime, upper: datetime, settings: Settings
) -> list[dict[str, Any]]:
    """Charges and refunds of the municipality that occurred in [lower, upper), in export order."""
    charges = conn.execute(
        sa.select(payment_lines, payments.c.method, payments.c.settled_at)
        .join(payments, payments.c.id == payment_lines.c.payment_id)
        .where(
            payments.c.municipality_code == municipality_code,
            payments.c.status.in_(SETTLED),
            payments.c.settled_at >= lower,
            payments.c.settled_at < upper,
        )
    ).all()
    entries = [
        (
            line.settled_at,
            f"charge-{line.payment_id}-{line.position}",
            "charge",
            line.payment_id,
            line.booking_id,
            line.method,
            line.amount_ore,
        )
        for line in charges
    ]
    if not settings.fault_active("settlement-omits-refunds"):
        given = conn.execute(
            sa.select(refunds, payments.c.method)
            .join(payments, payments.c.id == refunds.c.payment_id)
            .where(
                payments.c.municipality_code == municipality_code,
                refunds.c.created_at >= lower,
                refunds.c.created_at < upper,
            )
        ).all()
        entries += [
            (r.created_at, f"refund-{r.id}", "refund", r.payment_id, r.booking_id, r.method, r.amount_ore)
            for r in given
        ]
    entries.sort(key=lambda e: (e[0], e[1]))
    return [
        {
            "id": entry_id,
            "kind": kind,
            "paymentId": payment_id,
            "bookingId": booking_id,
            "method": method,
            "amount": money_json(amount),
            "occurredAt": utc_text(at),
        }
        for at, entry_id, kind, payment_id, booking_id, method, amount in entries
    ]
