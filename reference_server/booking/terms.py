"""A unit's booking terms (bokningsvillkor): prices per customer category, hold time, cancellation
rules, approval and the door-code margin.

A unit without stored terms has the defaults the spec documents (BookingTermsInput): free for
every category, 15-minute holds, free cancellation until the start, no approval, a 15-minute
door-code margin. Prices are kept as öre per hour by customer category.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reference_server.money import money_json
from reference_server.settings import Settings
from reference_server.storage import booking_terms

CUSTOMER_CATEGORIES = ("association-youth", "association-adult", "private-person", "company")


@dataclass(frozen=True)
class Terms:
    hold_minutes: int = 15
    approval_required: bool = False
    prices: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CUSTOMER_CATEGORIES, 0))
    free_until_hours_before: int = 0
    late_fee_percent: int = 0
    access_margin_minutes: int = 15


def terms_from_input(data: dict[str, Any]) -> Terms:
    """Terms as given in a fixture; a category left out of `prices` cannot book the unit."""
    default = Terms()
    cancellation = data.get("cancellation", {})
    prices = (
        {p["customerCategory"]: p["pricePerHourOre"] for p in data["prices"]} if "prices" in data else default.prices
    )
    return Terms(
        hold_minutes=data.get("holdMinutes", default.hold_minutes),
        approval_required=data.get("approvalRequired", default.approval_required),
        prices=prices,
        free_until_hours_before=cancellation.get("freeUntilHoursBefore", default.free_until_hours_before),
        late_fee_percent=cancellation.get("lateFeePercent", default.late_fee_percent),
        access_margin_minutes=data.get("accessMarginMinutes", default.access_margin_minutes),
    )


def terms_row(unit_id: str, terms: Terms) -> dict[str, Any]:
    return {
        "unit_id": unit_id,
        "hold_minutes": terms.hold_minutes,
        "approval_required": terms.approval_required,
        "prices": terms.prices,
        "free_until_hours_before": terms.free_until_hours_before,
        "late_fee_percent": terms.late_fee_percent,
        "access_margin_minutes": terms.access_margin_minutes,
    }


def load_terms(conn: Connection, unit_id: str) -> Terms:
    row = conn.execute(sa.select(booking_terms).where(booking_terms.c.unit_id == unit_id)).first()
    if row is None:
        return Terms()
    return Terms(
        hold_minutes=row.hold_minutes,
        approval_required=row.approval_required,
        prices=dict(row.prices),
        free_until_hours_before=row.free_until_hours_before,
        late_fee_percent=row.late_fee_percent,
        access_margin_minutes=row.access_margin_minutes,
    )


def terms_json(unit_id: str, terms: Terms, settings: Settings) -> dict[str, Any]:
    body: dict[str, Any] = {
        "unitId": unit_id,
        "timeZone": "Europe/Stockholm",
        "holdMinutes": terms.hold_minutes,
        "approvalRequired": terms.approval_required,
        "prices": [
            {"customerCategory": category, "pricePerHour": money_json(terms.prices[category])}
            for category in CUSTOMER_CATEGORIES
            if category in terms.prices
        ],
        "cancellation": {
            "freeUntilHoursBefore": terms.free_until_hours_before,
            "lateFeePercent": terms.late_fee_percent,
        },
        "accessMarginMinutes": terms.access_margin_minutes,
    }
    if settings.fault_active("booking-terms-omit-late-fee"):
        del body["cancellation"]["lateFeePercent"]  # "the fee is in the PDF of the terms"
    return body
