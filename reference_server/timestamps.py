"""Reading and writing RFC 3339 instants and dates.

The API always answers in UTC with `Z` at second precision (as in every example of the spec), so
a client comparing timestamps as strings gets what it set. Input accepts any RFC 3339 offset.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from reference_server.settings import Settings

STOCKHOLM = ZoneInfo("Europe/Stockholm")
_LEAP_SECOND = re.compile(r"(T\d\d:\d\d:)60")
# The dates the server computes with. The schema's `format: date` allows years 0000 to 9999, which
# Python's date cannot all hold (year 0) and which leave no room for a local midnight a day later
# (or earlier, in UTC); the spec lets a server refuse dates before 1970-01-02 or after 8999-12-30.
EARLIEST_DATE, LATEST_DATE = date(1970, 1, 2), date(8999, 12, 30)


def utc_text(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def record_timestamp(instant: datetime, settings: Settings) -> str:
    """createdAt / updatedAt of a stored record."""
    if settings.fault_active("local-timestamps"):
        # The server's local time leaks out, as when a supplier formats datetime.now() of the host.
        return instant.astimezone(STOCKHOLM).isoformat(timespec="seconds")
    return utc_text(instant)


def parse_instant(text: str) -> datetime:
    """An RFC 3339 date-time (already checked against the schema's format) as a UTC datetime.

    RFC 3339 allows lower-case `t`/`z` and a leap second (`:60`), which `fromisoformat` does not;
    a leap second is read as the first instant of the next minute. An instant that cannot be
    expressed in UTC and in Stockholm time (year 1 or 9999 with an offset) is refused here rather
    than overflowing later.
    """
    text = text.upper()
    leap = _LEAP_SECOND.search(text)
    if leap:
        text = _LEAP_SECOND.sub(r"\g<1>59", text)
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("an offset (Z or ±hh:mm) is required")
    try:
        instant = (value + timedelta(seconds=1) if leap else value).astimezone(UTC)
        instant.astimezone(STOCKHOLM)
    except OverflowError as exc:
        raise ValueError("the instant is out of the supported range") from exc
    return instant


def supported_date(text: str) -> bool:
    """Whether a well-formed RFC 3339 full-date lies from EARLIEST_DATE to LATEST_DATE."""
    try:
        return EARLIEST_DATE <= date.fromisoformat(text) <= LATEST_DATE
    except ValueError:  # year 0000, which the format allows and Python does not
        return False


def supported_instant(text: str) -> bool:
    """Whether a well-formed RFC 3339 date-time can be read by `parse_instant`."""
    try:
        parse_instant(text)
    except ValueError:
        return False
    return True
