"""The catalogue of injectable faults: one realistic supplier mistake each.

A fault is only a name here. The code that misbehaves asks `settings.fault_active(NAME)` at the
exact place where a real supplier would have made the mistake, so reading that spot shows both
the right behaviour and the wrong one. The harness's own tests start the server with each fault
and assert that certification fails on the listed requirements, which is what keeps the harness
honest (no false passes).
"""

from __future__ import annotations

from dataclasses import dataclass

from reference_server.access import faults as access
from reference_server.activities import faults as activities
from reference_server.attendance import faults as attendance
from reference_server.booking import faults as booking
from reference_server.core import faults as core
from reference_server.discovery import faults as discovery
from reference_server.events import faults as events
from reference_server.grants import faults as grants
from reference_server.payments import faults as payments
from reference_server.season_allocation import faults as season_allocation
from reference_server.test_interface import faults as test_interface


@dataclass(frozen=True)
class Fault:
    name: str
    requirements: tuple[str, ...]
    description: str
    # The optional classes the faulty server implements (None: every class), for a mistake that only
    # shows on a product offering part of the standard.
    classes: tuple[str, ...] | None = None


_CLASSES = (
    core,
    discovery,
    booking,
    access,
    payments,
    activities,
    season_allocation,
    grants,
    attendance,
    events,
    test_interface,
)

FAULTS: dict[str, Fault] = {entry[0]: Fault(*entry) for cls in _CLASSES for entry in cls.FAULTS}
