"""Grant programmes in POST /test/fixtures (`grantProgrammes`): checked and planned, not yet written.

The schema has checked the shape of the rules; what it cannot see (periods in order and apart, a
minimum above its maximum, month-days that do not exist, a kommunkod that is not one of the 290)
is reported here with a pointer into the request, and then fixtures.py writes nothing at all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from reference_server.grants.periods import rules_errors
from reference_server.problems import FieldError
from reference_server.settings import Settings
from reference_server.storage import grant_programmes
from spec.identifiers import municipality_code_error


def programme(
    data: dict[str, Any], pointer: str, now: datetime, new_id: Callable[[str, str], str], settings: Settings
) -> tuple[list[tuple[sa.Table, dict[str, Any]]], list[FieldError]]:
    found = rules_errors(data["rules"], f"{pointer}/rules")
    if settings.fault_active("rule-bounds-not-compared"):
        # Only the periods' dates were thought of as able to contradict each other.
        found = [(at, message) for at, message in found if not at.endswith(("/participantAge/min", "/minAge"))]
    errors = [FieldError("body", message, pointer=at) for at, message in found]
    reason = municipality_code_error(data["municipalityCode"])
    if reason and not settings.fault_active("unknown-municipality-code-accepted"):
        errors.append(FieldError("body", reason, pointer=f"{pointer}/municipalityCode"))
    row = {
        "id": new_id(data["ref"], pointer),
        "name": data["name"],
        "kind": data["kind"],
        "municipality_code": data["municipalityCode"],
        "description": data.get("description"),
        "rules": data["rules"],
        "created_at": now,
        "updated_at": now,
    }
    return [(grant_programmes, row)], errors
