"""Opening hours (öppettider): weekly hours in Europe/Stockholm local time, with exceptions per date.

The rule (OpeningHours in the spec): on a local date, an exception for that date replaces the
weekly hours entirely (closed, or open from `opens` to `closes`); otherwise the weekly entries for
that weekday apply. Open means opens <= local wall-clock time < closes, with `24:00` the end of
the day. Judging by the local wall clock is what makes the daylight-saving days come out right:
on the last Sunday of March no instant has a local time between 02:00 and 03:00, and on the last
Sunday of October two different instants share each local time in that hour.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reference_server.settings import Settings
from reference_server.timestamps import STOCKHOLM

TIME_ZONE = "Europe/Stockholm"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _covers(opens: str, closes: str, seconds_into_day: float, settings: Settings) -> bool:
    if settings.fault_active("open-at-misses-opening-minute"):
        return _minutes(opens) * 60 < seconds_into_day < _minutes(closes) * 60
    return _minutes(opens) * 60 <= seconds_into_day < _minutes(closes) * 60


def is_open_at(hours: dict[str, Any], instant: datetime, settings: Settings) -> bool:
    # With the fault, the supplier forgot the zone and reads the wall clock of a UTC host.
    zone = UTC if settings.fault_active("openat-in-utc") else STOCKHOLM
    local = instant.astimezone(zone)
    seconds = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
    if not settings.fault_active("openat-ignores-exceptions"):
        for exception in hours["exceptions"]:
            if exception["date"] == local.date().isoformat():
                return not exception["closed"] and _covers(exception["opens"], exception["closes"], seconds, settings)
    weekday = WEEKDAYS[local.weekday()]
    return any(w["day"] == weekday and _covers(w["opens"], w["closes"], seconds, settings) for w in hours["weekly"])


def _reversed(opens: str, closes: str, settings: Settings) -> bool:
    """Whether an entry closes at or before it opens: never allowed, since every entry lies within its own
    date (hours past midnight are two entries). The faulty supplier took such an entry for 'past midnight'."""
    return _minutes(opens) >= _minutes(closes) and not settings.fault_active("opening-hours-past-midnight-accepted")


def input_errors(hours: dict[str, Any], pointer: str, settings: Settings) -> list[tuple[str, str]]:
    """What the schema cannot say about an OpeningHoursInput, as (JSON pointer, detail)."""
    errors: list[tuple[str, str]] = []
    for i, entry in enumerate(hours["weekly"]):
        if _reversed(entry["opens"], entry["closes"], settings):
            errors.append(
                (
                    f"{pointer}/weekly/{i}/closes",
                    f"closes ({entry['closes']}) must be later than opens ({entry['opens']})",
                )
            )
    first_index: dict[str, int] = {}
    for i, exception in enumerate(hours.get("exceptions", [])):
        at = f"{pointer}/exceptions/{i}"
        if exception["date"] in first_index:
            errors.append(
                (
                    f"{at}/date",
                    f"{exception['date']} already has an exception at "
                    f"{pointer}/exceptions/{first_index[exception['date']]}",
                )
            )
        first_index.setdefault(exception["date"], i)
        if exception["closed"]:
            continue
        missing = [name for name in ("opens", "closes") if name not in exception]
        for name in missing:
            errors.append((f"{at}/{name}", f"{name} is required when closed is false"))
        if not missing and _reversed(exception["opens"], exception["closes"], settings):
            errors.append(
                (
                    f"{at}/closes",
                    f"closes ({exception['closes']}) must be later than opens ({exception['opens']})",
                )
            )
    return errors


def stored_form(hours: dict[str, Any]) -> dict[str, Any]:
    """The input as kept: exactly the entries given, with exceptions defaulting to none."""
    return {"weekly": list(hours["weekly"]), "exceptions": list(hours.get("exceptions", []))}


def representation(stored: dict[str, Any]) -> dict[str, Any]:
    return {"timeZone": TIME_ZONE, "weekly": stored["weekly"], "exceptions": stored["exceptions"]}
