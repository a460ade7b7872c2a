"""When a unit is open, busy and free: opening hours turned into UTC intervals, minus bookings.

Opening hours are local Europe/Stockholm wall-clock times per date. Each date's hours are turned
into instants with the offset in force at that very time of that date, which is what makes the
23-hour day in March and the 25-hour day in October come out right (06:00 is 04:00Z on
2026-03-29 but 05:00Z on 2026-10-25). A local time in the spring gap is read with the offset
before the change and an ambiguous autumn time as its first occurrence (fold 0, as RFC 5545).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from reference_server.discovery.opening_hours import WEEKDAYS
from reference_server.settings import Settings
from reference_server.timestamps import STOCKHOLM

Interval = tuple[datetime, datetime]


def date_parameter(value: str) -> date:
    """A date query parameter. Request validation has already refused one outside
    EARLIEST_DATE..LATEST_DATE (timestamps.py), so a local midnight a day either side exists."""
    return date.fromisoformat(value)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(UTC)


def local_instant(day: date, hhmm: str, settings: Settings) -> datetime:
    """The UTC instant of local time `hhmm` on `day` (`24:00` is the next day's midnight)."""
    return _local_instant(
        day, hhmm, settings.fault_active("dst-slot-shifted"), settings.fault_active("dst-fold-second-occurrence")
    )


@lru_cache(maxsize=8192)
def _local_instant(day: date, hhmm: str, dst_slot_shifted: bool, second_occurrence: bool) -> datetime:
    """Remembered: availability asks for the same few times of the same days over and over, and
    the answer (a time-zone conversion of constants) can never change."""
    if hhmm == "24:00":
        return local_midnight(day + timedelta(days=1))
    hours, minutes = (int(part) for part in hhmm.split(":"))
    if dst_slot_shifted:
        # The offset is taken once, at the day's midnight, and the hours added to it: right on
        # every day except the two when the clocks change during the night.
        offset = datetime.combine(day, time(0), tzinfo=STOCKHOLM).utcoffset() or timedelta(0)
        return datetime.combine(day, time(hours, minutes), tzinfo=UTC) - offset
    fold = 1 if second_occurrence else 0  # 1: the gap read with the offset after it, the repeat as its second
    return datetime.combine(day, time(hours, minutes, fold=fold), tzinfo=STOCKHOLM).astimezone(UTC)


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _hours_of(hours: dict[str, Any], day: date) -> list[tuple[str, str]]:
    for exception in hours["exceptions"]:
        if exception["date"] == day.isoformat():
            return [] if exception["closed"] else [(exception["opens"], exception["closes"])]
    weekday = WEEKDAYS[day.weekday()]
    return [(w["opens"], w["closes"]) for w in hours["weekly"] if w["day"] == weekday]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping or touching intervals joined."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def open_intervals(hours: dict[str, Any], first: date, last: date, settings: Settings) -> list[Interval]:
    """The opening hours of the local dates first..last as merged UTC intervals."""
    found = []
    for day in _days(first, last):
        for opens, closes in _hours_of(hours, day):
            start, end = local_instant(day, opens, settings), local_instant(day, closes, settings)
            if start < end:
                found.append((start, end))
    return merge(found)


def subtract(intervals: list[Interval], taken: Iterable[Interval]) -> list[Interval]:
    """`intervals` minus every interval of `taken`."""
    remaining = list(intervals)
    for cut_start, cut_end in merge(taken):
        pieces: list[Interval] = []
        for start, end in remaining:
            if cut_end <= start or end <= cut_start:
                pieces.append((start, end))
                continue
            if start < cut_start:
                pieces.append((start, cut_start))
            if cut_end < end:
                pieces.append((cut_end, end))
        remaining = pieces
    return remaining


def clip(intervals: Iterable[Interval], lower: datetime, upper: datetime) -> list[Interval]:
    return [
        (max(s, lower), min(e, upper))
        for s, e in intervals
        if s < upper and e > lower and max(s, lower) < min(e, upper)
    ]


def within_one(intervals: list[Interval], start: datetime, end: datetime) -> bool:
    """Whether [start, end) lies inside a single interval of a merged list."""
    return any(s <= start and end <= e for s, e in intervals)
