"""Table rows as the frozen records the handlers work with.

Columns are named like the record's fields (snake_case on both sides), so one mapping serves
every record type and a new column needs only its field; what is not a column of the row (the
units of a facility, say) is given by the caller.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

from sqlalchemy import Row

T = TypeVar("T")


def record(cls: type[T], row: Row[Any], **given: Any) -> T:
    return cls(**{f.name: given[f.name] if f.name in given else getattr(row, f.name) for f in fields(cls)})  # type: ignore[arg-type]
