"""The harness's own reading of the grant rules: what a server must answer for a report (ATT-005…ATT-010).

Written from the requirements, not from any implementation: sessions are taken in the order
date, start time, card number, code; ages are by calendar year; a participant counts when old
enough (or exempt), under the day and week limits, and the session itself counts (length,
leaders, participants, participants per leader); only a counted session uses up the limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Verdict:
    """One session as the harness expects it."""

    card: int
    code: str
    eligible: bool
    rules: frozenset[str]  # the session-level rules that failed
    counted: dict[str, bool]  # "participants/<id>" and "leaders/<id>" → counted
    person_rules: dict[str, str]  # "participants/<id>" → the rule that kept a present person out
    amount: int


@dataclass
class Expected:
    verdicts: list[Verdict] = field(default_factory=list)
    counted_participations: list[tuple[str, date]] = field(default_factory=list)  # (personnummer, day)

    @property
    def summary(self) -> dict[str, int]:
        return {
            "eligibleSessions": sum(v.eligible for v in self.verdicts),
            "eligibleParticipantSessions": len(self.counted_participations),
            "amount": sum(v.amount for v in self.verdicts),
        }


def _in_force(rules: dict[str, Any], day: str) -> dict[str, Any] | None:
    matching = [p for p in rules["periods"] if p["validFrom"] <= day <= p.get("validTo", "9999-12-31")]
    return matching[0] if matching else None


def _minutes(session: dict[str, Any]) -> int:
    start = datetime.fromisoformat(f"{session['date']}T{session['startTime']}")
    end = datetime.fromisoformat(f"{session.get('endDate', session['date'])}T{session['endTime']}")
    return int((end - start).total_seconds()) // 60


def _age(number: str, day: str) -> int:
    return int(day[:4]) - int(number[:4])


def _sex(number: str) -> str:
    return "female" if int(number[10]) % 2 == 0 else "male"


def expected(report: dict[str, Any], rules: dict[str, Any]) -> Expected:
    out = Expected()
    per_day: dict[tuple[str, str], int] = {}
    per_week: dict[tuple[str, tuple[int, int]], int] = {}
    todo = sorted(
        ((card, s) for card in report["cards"] for s in card["sessions"]),
        key=lambda cs: (cs[1]["date"], cs[1]["startTime"], cs[0]["cardNumber"], cs[1]["code"]),
    )
    for card, session in todo:
        numbers = {
            f"{role}/{p['id']}": p["personalIdentityNumber"] for role in ("participants", "leaders") for p in card[role]
        }
        day = session["date"]
        week = tuple(date.fromisoformat(day).isocalendar())[:2]
        period = _in_force(rules, day)
        counted = {f"{role}/{e['id']}": False for role in ("participants", "leaders") for e in session[role]}
        if period is None:
            out.verdicts.append(
                Verdict(card["cardNumber"], session["code"], False, frozenset({"no-rule-period"}), counted, {}, 0)
            )
            continue
        person_rules: dict[str, str] = {}
        leaders = []
        for entry in session["leaders"]:
            key = f"leaders/{entry['id']}"
            if entry["present"]:
                if _age(numbers[key], day) >= period.get("leaderMinAge", 0):
                    leaders.append(key)
                else:
                    person_rules[key] = "leader-age"
        participants = []
        for entry in session["participants"]:
            key = f"participants/{entry['id']}"
            if not entry["present"]:
                continue
            number, age = numbers[key], _age(numbers[key], day)
            limits = period.get("participantAge")
            weekly = [w["maxSessions"] for w in period.get("weeklyLimits", []) if w["minAge"] <= age <= w["maxAge"]]
            if limits and not (
                age >= limits["min"] and (age <= limits["max"] or (limits["disabilityExempt"] and entry["disability"]))
            ):
                person_rules[key] = "participant-age"
            elif (
                "maxSessionsPerPersonPerDay" in period
                and per_day.get((number, day), 0) >= period["maxSessionsPerPersonPerDay"]
            ):
                person_rules[key] = "max-sessions-per-day"
            elif weekly and per_week.get((number, week), 0) >= weekly[0]:
                person_rules[key] = "weekly-limit"
            else:
                participants.append(key)
        failed = set()
        if _minutes(session) < period.get("minSessionMinutes", 0):
            failed.add("min-session-minutes")
        if len(leaders) < period.get("minLeaders", 0):
            failed.add("min-leaders")
        if len(participants) < period.get("minParticipants", 0):
            failed.add("min-participants")
        if "maxParticipantsPerLeader" in period and len(participants) > period["maxParticipantsPerLeader"] * len(
            leaders
        ):
            failed.add("max-participants-per-leader")
        amount = 0
        if not failed:
            rates = period.get("rates", {"perSession": 0, "perParticipantSession": 0})
            amount = rates["perSession"]
            for key in participants:
                number = numbers[key]
                per_day[(number, day)] = per_day.get((number, day), 0) + 1
                per_week[(number, week)] = per_week.get((number, week), 0) + 1
                by_sex = rates.get("perParticipantSessionBySex")
                amount += by_sex[_sex(number)] if by_sex else rates["perParticipantSession"]
                out.counted_participations.append((number, date.fromisoformat(day)))
            for key in participants + leaders:
                counted[key] = True
        out.verdicts.append(
            Verdict(card["cardNumber"], session["code"], not failed, frozenset(failed), counted, person_rules, amount)
        )
    return out


AGE_GROUPS = (("0-6", 0, 6), ("7-12", 7, 12), ("13-16", 13, 16), ("17-20", 17, 20), ("21-25", 21, 25), ("26-", 26, 200))


def statistics(expectation: Expected) -> dict[str, Any]:
    """The statistics a server must give (ATT-013) for these counted participations."""
    groups: dict[tuple[str, str], list[str]] = {}
    for number, day in expectation.counted_participations:
        age = day.year - int(number[:4])
        group = next(name for name, low, high in AGE_GROUPS if low <= age <= high)
        groups.setdefault((_sex(number), group), []).append(number)
    order = [name for name, _, _ in AGE_GROUPS]
    return {
        "groups": [
            {"sex": sex, "ageGroup": group, "participants": len(set(found)), "participantSessions": len(found)}
            for (sex, group), found in sorted(groups.items(), key=lambda kv: (kv[0][0], order.index(kv[0][1])))
        ],
        "totals": {
            "participants": len({n for n, _ in expectation.counted_participations}),
            "participantSessions": len(expectation.counted_participations),
        },
    }
