"""Every requirement maps to checks, and every fault to requirements (BRIEF §4, traceability)."""

from __future__ import annotations

import spec
from conformance import client_webhooks, synthetic
from conformance.registry import all_checks
from reference_server.faults import FAULTS


def test_every_must_requirement_has_a_check() -> None:
    verified = {req for check in all_checks() for req in check.requirements}
    verified |= {s.requirement for s in synthetic.ALL}
    verified |= set(client_webhooks.REQUIREMENTS)  # judged by certify-client
    musts = {r["id"] for r in spec.requirements() if r["level"] == "MUST"}
    assert sorted(musts - verified) == []


def test_requirements_on_clients_are_judged_by_certify_client_and_only_there() -> None:
    """A client app's duties are no server's: no check of `certify` verifies them, and certify-client
    judges exactly the catalogue's requirements on webhook receivers (tests/test_client_certification.py
    shows each broken by a receiver with that flaw)."""
    on_clients = {r["id"] for r in spec.requirements() if r.get("appliesTo") == "client"}
    assert set(client_webhooks.REQUIREMENTS) == on_clients
    assert not on_clients & {req for check in all_checks() for req in check.requirements}


def test_checks_name_known_requirements_of_their_own_class_or_core() -> None:
    classes = {r["id"]: r["class"] for r in spec.requirements()}
    for check in all_checks():
        assert check.requirements, check.id
        for req in check.requirements:
            assert req in classes, (check.id, req)
            assert classes[req] in (check.cls, "core"), (check.id, req)


def test_check_ids_are_unique() -> None:
    ids = [c.id for c in all_checks()]
    assert len(ids) == len(set(ids))


def test_every_fault_names_known_requirements() -> None:
    assert len(FAULTS) >= 8
    for fault in FAULTS.values():
        assert fault.requirements and set(fault.requirements) <= spec.requirement_ids(), fault.name
        assert fault.description


def test_every_requirement_a_check_verifies_is_broken_by_a_fault() -> None:
    """A check no fault can fail has never been shown to catch anything (BRIEF §4): each requirement
    the checks verify is broken by at least one fault, which tests/test_faults.py runs the harness against."""
    verified = {req for check in all_checks() for req in check.requirements}
    broken = {req for fault in FAULTS.values() for req in fault.requirements}
    assert sorted(verified - broken) == []
