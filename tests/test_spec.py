"""The standard itself: valid OpenAPI 3.1, valid examples everywhere, a well-formed catalogue."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

import spec
from spec import webhook_signatures

HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def test_openapi_document_is_valid_openapi_3_1() -> None:
    doc = spec.openapi()
    assert doc["openapi"].startswith("3.1")
    validate(doc)


def test_every_example_validates_against_its_schema() -> None:
    examples = list(spec.iter_examples())
    assert len(examples) > 40
    failures = [(ptr, spec.schema_errors(schema, value)) for ptr, schema, value in examples]
    assert [f for f in failures if f[1]] == []


def test_schema_errors_reports_a_broken_example() -> None:
    # The example check above is only meaningful if a wrong value is caught.
    facility = spec.openapi()["components"]["schemas"]["Facility"]
    value = dict(spec.openapi()["components"]["examples"]["Facility"]["value"])
    del value["municipalityCode"]
    assert any("municipalityCode" in message for _, message in spec.schema_errors(facility, value))


def _media_types(node: dict) -> list[tuple[str, dict]]:
    return list(spec.resolve(node).get("content", {}).items())


def test_every_request_and_response_body_has_an_example() -> None:
    missing = []
    for path, item in spec.openapi()["paths"].items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            bodies = [("request", op["requestBody"])] if "requestBody" in op else []
            bodies += [(status, resp) for status, resp in op["responses"].items()]
            for where, body in bodies:
                for media, content in _media_types(body):
                    if "example" not in content and not content.get("examples"):
                        missing.append(f"{method.upper()} {path} {where} {media}")
    assert missing == []


def test_every_operation_belongs_to_a_declared_class_and_has_a_unique_id() -> None:
    classes = set(spec.class_ids())
    ids = [op.operation_id for op in spec.operations()]
    assert len(ids) == len(set(ids))
    assert {op.conformance_class for op in spec.operations()} <= classes


def test_design_rules_hold_for_paths_and_parameters() -> None:
    for op in spec.operations():
        for segment in op.path.strip("/").split("/"):
            assert segment.startswith("{") or re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", segment), op.path
        for param in op.parameters:
            if param.location == "header":
                continue  # HTTP header names keep their registered spelling (Idempotency-Key)
            assert re.fullmatch(r"[a-z][A-Za-z0-9]*", param.name), param.name
            assert "personalidentity" not in param.name.lower(), "no personnummer in URLs"
        errors = [s for s in op.responses if s.startswith(("4", "5"))]
        for status in errors:
            assert list(op.responses[status]["content"]) == [spec.PROBLEM_JSON], (op.operation_id, status)


def test_requirements_catalogue_is_well_formed() -> None:
    reqs = spec.requirements()
    ids = [r["id"] for r in reqs]
    assert len(ids) == len(set(ids))
    classes = set(spec.class_ids())
    for r in reqs:
        assert re.fullmatch(r"[A-Z]+-[0-9]{3}", r["id"]), r
        assert r["class"] in classes, r
        assert r["level"] in ("MUST", "SHOULD", "MAY"), r
        assert r["text"]["sv"].strip() and r["text"]["en"].strip(), r
        assert (" MUST " in r["text"]["en"]) == (r["level"] == "MUST"), r["id"]
        assert r.get("appliesTo", "server") in ("server", "client"), r["id"]
        presupposed = r.get("onlyWith", [])
        assert set(presupposed) <= classes - {r["class"], "core"}, r["id"]
    for op in spec.operations():
        assert set(op.only_with) <= classes - {op.conformance_class, "core"}, op.operation_id


def test_profiles_name_only_defined_classes() -> None:
    classes = set(spec.class_ids())
    for prof in spec.conformance()["profiles"]:
        assert "core" in prof["required"]
        assert set(prof["required"]) | set(prof["optional"]) <= classes


def test_activity_type_taxonomy_is_a_forest() -> None:
    types = spec.activity_types()
    ids = [t["id"] for t in types]
    assert len(ids) == len(set(ids))
    schema = spec.openapi()["components"]["schemas"]["ActivityType"]
    for t in types:
        assert spec.schema_errors(schema, t) == []
        assert t["parentId"] is None or ids.index(t["parentId"]) < ids.index(t["id"])
    assert spec.narrower_or_same("football") == {"football", "futsal"}
    assert {"football", "futsal", "floorball"} <= spec.narrower_or_same("ball-sports")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/facilities", ("/facilities", {})),
        ("/facilities/abc", ("/facilities/{facilityId}", {"facilityId": "abc"})),
        ("/facilities/abc/units", ("/facilities/{facilityId}/units", {"facilityId": "abc"})),
        ("/nowhere", None),
    ],
)
def test_paths_match_their_templates(path: str, expected: tuple | None) -> None:
    assert spec.match_path(path) == expected


def test_every_operation_with_a_body_documents_413_and_415() -> None:
    # Any body can be too large or of the wrong type; a server refusing it must stay within the spec.
    missing = [
        (op.operation_id, status)
        for op in spec.operations()
        if op.request_body
        for status in ("413", "415")
        if status not in op.responses
    ]
    assert missing == []


def test_webhook_signatures_match_the_standard_webhooks_example() -> None:
    """Server and harness sign and verify with one implementation, so a mistake in it would hide from
    both: hold it to the worked example of the Standard Webhooks specification instead."""
    secret, message_id, timestamp = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330
    body = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert webhook_signatures.sign(secret, message_id, timestamp, body) == expected
    assert webhook_signatures.verifies(secret, message_id, str(timestamp), body, f"v1,bogus= {expected}")
    assert not webhook_signatures.verifies(secret, message_id, str(timestamp), body + b" ", expected)
    assert not webhook_signatures.verifies("whsec_not base64", message_id, str(timestamp), body, expected)


def test_the_webhook_timestamp_tolerance_is_the_one_the_requirement_states() -> None:
    """The harness reads the tolerance from `x-tolerance-seconds`; the requirement's text says it to people."""
    tolerance = webhook_signatures.timestamp_tolerance()
    stating = [r for r in spec.requirements() if "x-tolerance-seconds" in r["text"]["en"]]
    assert stating and all(f"{tolerance} seconds" in r["text"]["en"] for r in stating)
    assert all(f"{tolerance} sekunder" in r["text"]["sv"] for r in stating)
