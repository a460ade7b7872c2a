"""Deprecation and sunset: what is on its way out, and from which date it may be removed.

A deprecated element carries `x-sunset` with an RFC 3339 date (or date-time); removing it is only
allowed once that date has passed (see versioning.py). The lint, the diff and the version check
read these markers the same way through this module.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

SUNSET = "x-sunset"


def is_deprecated(node: Any) -> bool:
    return isinstance(node, dict) and node.get("deprecated") is True


def sunset(node: Any) -> date | None:
    """The sunset date of a node; None when absent or not a date."""
    value = node.get(SUNSET) if isinstance(node, dict) else None
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return (
            date.fromisoformat(value)
            if len(value) == 10
            else datetime.fromisoformat(value.replace("Z", "+00:00")).date()
        )
    except ValueError:
        return None


def removable(node: Any, today: date) -> bool:
    """Deprecated, with a sunset that has passed: it may go."""
    when = sunset(node)
    return is_deprecated(node) and when is not None and when <= today
