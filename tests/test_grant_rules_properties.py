"""Property-based tests: the server's rule engine against the harness's reading of the rules, and the
DAK 2.2 XML ⇄ JSON round trips of spec/dak.py."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spec
from conformance import dak_files
from conformance.grant_data import person_number
from conformance.grant_rules_oracle import expected
from reference_server.grants.rules import evaluate
from reference_server.settings import Settings
from spec import dak
from spec.reference_data import grant_rule_sets

CLEAN = Settings(db="sqlite:///unused.db")
RULE_SETS = sorted(grant_rule_sets())
NAMES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from("åäöÅÄÖ"),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() == s and s.strip())


@st.composite
def reports(draw: st.DrawFn) -> dict[str, Any]:
    """A valid report: a few persons born around the rule boundaries, sessions around the limits.

    The cards draw their registers from one pool of persons, as the cards of a DAK file share its one
    pair of registers: an id names the same person on every card."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    pool = {
        "participants": [
            {
                "id": f"p{i}",
                "givenName": draw(NAMES),
                "familyName": draw(NAMES),
                "personalIdentityNumber": person_number(
                    rng, date(draw(st.integers(1995, 2021)), draw(st.integers(1, 12)), draw(st.integers(1, 28)))
                ),
            }
            for i in range(draw(st.integers(0, 25)))
        ],
        "leaders": [
            {
                "id": f"l{i}",
                "givenName": draw(NAMES),
                "familyName": draw(NAMES),
                "personalIdentityNumber": person_number(rng, date(draw(st.integers(1970, 2015)), 6, 15)),
            }
            for i in range(draw(st.integers(0, 3)))
        ],
    }
    cards = []
    for number in range(draw(st.integers(1, 2))):
        participants, leaders = (
            [p for p in pool[role] if draw(st.booleans()) or number == 0] for role in ("participants", "leaders")
        )
        sessions = []
        for s in range(draw(st.integers(0, 12))):
            day = date(2023, 6, 20) + timedelta(days=draw(st.integers(0, 30)))
            start = draw(st.integers(6 * 60, 20 * 60))
            minutes = draw(st.sampled_from((30, 44, 45, 50, 59, 60, 61, 90)))
            end = start + minutes
            present = (
                draw(st.lists(st.sampled_from([p["id"] for p in participants]), unique=True)) if participants else []
            )
            heads = draw(st.lists(st.sampled_from([p["id"] for p in leaders]), unique=True)) if leaders else []
            sessions.append(
                {
                    "code": f"k-{number}-{s}",
                    "date": day.isoformat(),
                    "startTime": f"{start // 60:02d}:{start % 60:02d}:00",
                    "endTime": f"{end // 60:02d}:{end % 60:02d}:00",
                    "type": draw(st.sampled_from(("training", "match", "meeting", "other"))),
                    "participants": [
                        {"id": p, "present": draw(st.booleans()), "disability": draw(st.booleans())} for p in present
                    ],
                    "leaders": [{"id": p, "present": draw(st.booleans()), "disability": False} for p in heads],
                }
            )
        cards.append(
            {
                "cardNumber": draw(st.integers(-(2**31), 2**31 - 1)) if number == 0 else 2**31 - 1,
                "activity": draw(NAMES),
                "place": draw(NAMES),
                "name": draw(NAMES),
                "sessions": sessions,
                "participants": participants,
                "leaders": leaders,
            }
        )
    if len(cards) == 2 and cards[0]["cardNumber"] == cards[1]["cardNumber"]:
        cards[1]["cardNumber"] = 0
    return {
        "municipalityCode": draw(st.sampled_from(("0180", "2584", "1480"))),
        "organisation": {"sourceId": "F-1", "name": draw(NAMES), "organisationNumber": "8020001239"},
        "cards": cards,
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report=reports(), rule_set=st.sampled_from(RULE_SETS))
def test_engine_agrees_with_the_harness_reading_of_the_rules(report: dict[str, Any], rule_set: str) -> None:
    rules = grant_rule_sets()[rule_set]["rules"]
    sessions, summary = evaluate(report, rules, CLEAN)
    want = expected(report, rules)
    assert {k: summary[k] for k in want.summary} == want.summary
    for verdict, got in zip(want.verdicts, sessions, strict=True):
        assert (got["cardNumber"], got["code"]) == (verdict.card, verdict.code)
        assert got["eligible"] == verdict.eligible
        assert {r["rule"] for r in got["reasons"]} == set(verdict.rules)
        for role in ("participants", "leaders"):
            for entry in got[role]:
                key = f"{role}/{entry['id']}"
                assert (entry["counted"], entry.get("rule")) == (verdict.counted[key], verdict.person_rules.get(key))


@settings(max_examples=100, deadline=None)
@given(report=reports())
def test_an_absent_person_never_changes_the_amount(report: dict[str, Any]) -> None:
    rules = grant_rule_sets()["lok-stod"]["rules"]
    _, before = evaluate(report, rules, CLEAN)
    for card in report["cards"]:
        for session in card["sessions"]:
            session["participants"] = [p for p in session["participants"] if p["present"]]
    _, after = evaluate(report, rules, CLEAN)
    assert before["amount"] == after["amount"] and before["eligibleSessions"] == after["eligibleSessions"]


def _named(card: dict[str, Any], role: str) -> list[dict[str, Any]]:
    ids = {entry["id"] for session in card["sessions"] for entry in session[role]}
    return sorted((p for p in card[role] if p["id"] in ids), key=lambda p: str(p["id"]))


@settings(max_examples=100, deadline=None)
@given(report=reports())
def test_json_to_dak_and_back_keeps_the_cards_and_the_persons_they_name(report: dict[str, Any]) -> None:
    """A file has one pair of registers: each card comes back with the persons its sessions name."""
    assert dak.profile_errors(report) == []
    back = dak.parse(dak.to_xml(report))
    assert {k: back[k] for k in ("municipalityCode", "organisation")} == {
        k: report[k] for k in ("municipalityCode", "organisation")
    }
    for sent, got in zip(report["cards"], back["cards"], strict=True):
        assert {k: v for k, v in got.items() if k not in ("participants", "leaders")} == {
            k: v for k, v in sent.items() if k not in ("participants", "leaders")
        }
        for role in ("participants", "leaders"):
            assert sorted(got[role], key=lambda p: str(p["id"])) == _named(sent, role)
    rules = grant_rule_sets()["lok-stod"]["rules"]
    assert evaluate(back, rules, CLEAN) == evaluate(report, rules, CLEAN)


@settings(max_examples=60, deadline=None)
@given(report=reports())
def test_dak_to_json_to_dak_is_stable(report: dict[str, Any]) -> None:
    first = dak.to_xml(report)
    assert dak.to_xml(dak.parse(first)) == first


PRODUCERS = st.builds(
    dak_files.Producer,
    newline=st.sampled_from(("\n", "\r\n")),
    final_newline=st.booleans(),
    hyphenated=st.booleans(),
    whitespace_lists=st.booleans(),
    extra_fields=st.booleans(),
    references=st.booleans(),
    ragged=st.booleans(),
)


def _by_id(doc: dict[str, Any]) -> dict[str, Any]:
    cards = [
        {**card, **{role: sorted(card[role], key=lambda p: str(p["id"])) for role in ("participants", "leaders")}}
        for card in doc["cards"]
    ]
    return {**doc, "cards": cards}


@settings(max_examples=60, deadline=None)
@given(report=reports(), producer=PRODUCERS)
def test_every_producers_shape_reads_as_our_own_export(report: dict[str, Any], producer: dak_files.Producer) -> None:
    """The harness's independent writer, in every shape producers write, against spec/dak.py's reader."""
    assert _by_id(dak.parse(dak_files.write(report, producer).encode())) == _by_id(dak.parse(dak.to_xml(report)))


@settings(max_examples=60, deadline=None)
@given(report=reports())
def test_every_generated_report_validates_against_the_json_schema(report: dict[str, Any]) -> None:
    schema = spec.openapi()["components"]["schemas"]["AttendanceReportInput"]
    assert spec.schema_errors(schema, report) == []
