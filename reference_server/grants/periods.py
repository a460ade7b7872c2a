"""Application periods and deadlines, read from a programme's rules (data), and the rules' own sanity.

An application names a period as `YYYY-<id>`. The rule period in force on the period's first day
says which days it covers and its deadline: the first `deadline` day after the period's last day,
until the end of that day in Europe/Stockholm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from reference_server.timestamps import STOCKHOLM

_PERIOD_ID = re.compile(r"^(?P<year>[0-9]{4})-(?P<id>[a-z][a-z0-9-]*)$")
# A month-day must exist in every year, so 02-29 is refused: a deadline would vanish in three of four.
_COMMON_YEAR = 2001


@dataclass(frozen=True)
class ApplicationPeriod:
    name: str
    first_day: date
    last_day: date
    deadline_day: date

    @property
    def deadline(self) -> datetime:
        """The last second of the deadline day in Stockholm, in UTC."""
        end = datetime.combine(self.deadline_day + timedelta(days=1), time(0, 0), STOCKHOLM)
        return end.astimezone(UTC) - timedelta(seconds=1)


def _month_day(year: int, text: str) -> date:
    month, day = (int(part) for part in text.split("-"))
    return date(year, month, day)


def month_day_error(text: str) -> str | None:
    try:
        _month_day(_COMMON_YEAR, text)
    except ValueError:
        return f"{text} is not a day of every year"
    return None


def application_period(rules: dict[str, Any], name: str, *, any_period: bool = False) -> ApplicationPeriod | None:
    """The period `YYYY-<id>` under the rules in force on its first day, or None if there is none
    (`any_period`: under the first rule period that names it, in force or not: the fault
    deadline-from-first-rule-period)."""
    m = _PERIOD_ID.match(name)
    if m is None:
        return None
    year = int(m["year"])
    for period in rules["periods"]:
        for rule in period["applicationPeriods"]:
            if rule["id"] != m["id"]:
                continue
            first = _month_day(year, rule["from"])
            in_force = period["validFrom"] <= first.isoformat() and (
                "validTo" not in period or first.isoformat() <= period["validTo"]
            )
            if not (in_force or any_period):
                continue
            last = _month_day(year, rule["to"])
            deadline = _month_day(year, rule["deadline"])
            if deadline <= last:
                deadline = _month_day(year + 1, rule["deadline"])
            return ApplicationPeriod(name, first, last, deadline)
    return None


def rules_errors(rules: dict[str, Any], pointer: str) -> list[tuple[str, str]]:
    """(pointer, message) for rules that contradict themselves (GRANT-013)."""
    found: list[tuple[str, str]] = []
    previous_end: str | None = None
    periods = rules["periods"]
    for i, period in enumerate(periods):
        at = f"{pointer}/periods/{i}"
        if "validTo" in period and period["validTo"] < period["validFrom"]:
            found.append((f"{at}/validTo", "validTo is before validFrom"))
        if i > 0 and (previous_end is None or period["validFrom"] <= previous_end):
            found.append((f"{at}/validFrom", "the rule periods overlap or are out of date order"))
        previous_end = period.get("validTo")
        age = period.get("participantAge")
        if age is not None and age["min"] > age["max"]:
            found.append((f"{at}/participantAge/min", "min is above max"))
        for j, limit in enumerate(period.get("weeklyLimits", [])):
            if limit["minAge"] > limit["maxAge"]:
                found.append((f"{at}/weeklyLimits/{j}/minAge", "minAge is above maxAge"))
        ids: set[str] = set()
        for j, rule in enumerate(period["applicationPeriods"]):
            where = f"{at}/applicationPeriods/{j}"
            if rule["id"] in ids:
                found.append((f"{where}/id", f"the period id '{rule['id']}' is used twice"))
            ids.add(rule["id"])
            bad = [(name, month_day_error(rule[name])) for name in ("from", "to", "deadline")]
            found += [(f"{where}/{name}", message) for name, message in bad if message]
            if not any(message for _, message in bad) and rule["from"] > rule["to"]:
                found.append((f"{where}/to", "the period ends before it starts"))
    return found
