"""Money as integer öre, and the one rounding rule of the standard.

Amounts never pass through floating point: a price of 120 kr per hour for 50 minutes is
12000 × 50 / 60 öre, computed on integers and rounded to the nearest öre with halves up, so the
same booking costs the same on every server and totals always add up.
"""

from __future__ import annotations

CURRENCY = "SEK"


def divide_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves up (both non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


def price_for_minutes(price_per_hour_ore: int, minutes: int) -> int:
    return divide_half_up(price_per_hour_ore * minutes, 60)


def percent_of(amount_ore: int, percent: int) -> int:
    return divide_half_up(amount_ore * percent, 100)


def money_json(amount_ore: int) -> dict[str, object]:
    return {"amountOre": amount_ore, "currency": CURRENCY}
