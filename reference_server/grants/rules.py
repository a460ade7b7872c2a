"""The rule engine: a report's sessions and persons judged by a grant programme's rules (data).

Rules are a GrantRules document (rule periods, see the spec); nothing here knows LOK-stöd or any
municipality. Sessions are judged in the order the standard fixes (date, start time, card number,
code), because the per-day and per-week limits make the verdict on one session depend on the
sessions before it. A person's age is always the session's year minus the year of birth
(calendar year), never the exact age on the day.

Faults live here too, at the spot where a supplier would get each rule wrong.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from reference_server.settings import Settings
from spec.dak import session_minutes
from spec.identifiers import birth_date, legal_sex

AGE_GROUPS = (("0-6", 0, 6), ("7-12", 7, 12), ("13-16", 13, 16), ("17-20", 17, 20), ("21-25", 21, 25), ("26-", 26, 999))


def rule_period(rules: dict[str, Any], day: date, settings: Settings) -> dict[str, Any] | None:
    """The rule period in force on `day`, if any."""
    periods = rules["periods"]
    if settings.fault_active("latest-rules-for-every-date"):
        return dict(periods[-1])  # "the rules" read as the current ones, whatever the session's date
    for period in periods:
        if period["validFrom"] <= day.isoformat() and ("validTo" not in period or day.isoformat() <= period["validTo"]):
            return dict(period)
    return None


def age_on(number: str, day: date, settings: Settings) -> int:
    """Age by calendar year: the year of `day` minus the year of birth."""
    born = birth_date(number)
    if settings.fault_active("age-by-birthday"):
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    return day.year - born.year


def _participant_age_ok(period: dict[str, Any], age: int, disability: bool) -> bool:
    rule = period.get("participantAge")
    if rule is None:
        return True
    if age < rule["min"]:
        return False
    return age <= rule["max"] or (rule["disabilityExempt"] and disability)


def _weekly_limit(period: dict[str, Any], age: int) -> int | None:
    for limit in period.get("weeklyLimits", []):
        if limit["minAge"] <= age <= limit["maxAge"]:
            return int(limit["maxSessions"])
    return None


def _participant_rate(period: dict[str, Any], number: str, settings: Settings) -> int:
    rates = period.get("rates")
    if rates is None:
        return 0
    by_sex = rates.get("perParticipantSessionBySex")
    if by_sex is not None and not settings.fault_active("rate-ignores-sex"):
        return int(by_sex[legal_sex(number)])
    return int(rates["perParticipantSession"])


@dataclass
class _Limits:
    """Counted participations so far, per person and day and per person and ISO week."""

    per_day: Counter[tuple[str, date]]
    per_week: Counter[tuple[str, int, int]]


def _session_order(item: tuple[dict[str, Any], dict[str, Any]]) -> tuple[str, str, int, str]:
    card, session = item
    return (session["date"], session["startTime"], card["cardNumber"], session["code"])


def _judge_participant(
    period: dict[str, Any], number: str, entry: dict[str, Any], day: date, limits: _Limits, settings: Settings
) -> str | None:
    """The rule that keeps a present participant from counting, or None."""
    age = age_on(number, day, settings)
    if not _participant_age_ok(period, age, entry["disability"]):
        return "participant-age"
    per_day = period.get("maxSessionsPerPersonPerDay")
    if (
        per_day is not None
        and limits.per_day[(number, day)] >= per_day
        and not settings.fault_active("second-session-same-day-counted")
    ):
        return "max-sessions-per-day"
    weekly = _weekly_limit(period, age)
    year, week, _ = day.isocalendar()
    if weekly is not None and limits.per_week[(number, year, week)] >= weekly:
        return "weekly-limit"
    return None


def _session_reasons(period: dict[str, Any], minutes: int, participants: int, leaders: int, settings: Settings) -> list:
    reasons = []
    minimum = period.get("minSessionMinutes")
    if minimum is not None:
        short = minutes + 1 < minimum if settings.fault_active("short-session-accepted") else minutes < minimum
        if short:
            reasons.append(("min-session-minutes", f"{minutes} minutes; at least {minimum} are needed"))
    if period.get("minLeaders") is not None and leaders < period["minLeaders"]:
        reasons.append(("min-leaders", f"{leaders} counted leaders; at least {period['minLeaders']} are needed"))
    counted = participants + (leaders if settings.fault_active("leader-counted-as-participant") else 0)
    if period.get("minParticipants") is not None and counted < period["minParticipants"]:
        reasons.append(
            ("min-participants", f"{counted} counted participants; at least {period['minParticipants']} are needed")
        )
    cap = period.get("maxParticipantsPerLeader")
    if cap is not None and participants > cap * leaders and not settings.fault_active("per-leader-cap-ignored"):
        reasons.append(
            ("max-participants-per-leader", f"{participants} participants for {leaders} leaders; at most {cap} each")
        )
    return [{"rule": rule, "detail": detail} for rule, detail in reasons]


def _evaluate_session(
    card: dict[str, Any],
    session: dict[str, Any],
    numbers: dict[str, dict[str, str]],
    rules: dict[str, Any],
    limits: _Limits,
    settings: Settings,
) -> dict[str, Any]:
    day = date.fromisoformat(session["date"])
    minutes = session_minutes(session)
    period = rule_period(rules, day, settings)
    result: dict[str, Any] = {
        "cardNumber": card["cardNumber"],
        "code": session["code"],
        "date": session["date"],
        "startTime": session["startTime"],
        "endTime": session["endTime"],
    }
    if "endDate" in session:
        result["endDate"] = session["endDate"]
    result |= {"type": session["type"], "durationMinutes": minutes}
    people = {
        role: [{"id": e["id"], "present": e["present"], "disability": e["disability"]} for e in session[role]]
        for role in ("participants", "leaders")
    }
    if period is None:
        for entry in people["participants"] + people["leaders"]:
            entry["counted"] = False
        reason = {"rule": "no-rule-period", "detail": f"no rule period of the programme covers {session['date']}"}
        return result | {
            "eligible": False,
            "reasons": [reason],
            "countedParticipants": 0,
            "countedLeaders": 0,
            "amount": 0,
            **people,
        }
    leaders_ok = []
    for entry in people["leaders"]:
        if not entry["present"]:
            continue
        if period.get("leaderMinAge") is not None and (
            age_on(numbers["leaders"][entry["id"]], day, settings) < period["leaderMinAge"]
        ):
            entry["rule"] = "leader-age"
        else:
            leaders_ok.append(entry)
    candidates = []
    for entry in people["participants"]:
        if not entry["present"]:
            continue
        rule = _judge_participant(period, numbers["participants"][entry["id"]], entry, day, limits, settings)
        if rule is None:
            candidates.append(entry)
        else:
            entry["rule"] = rule
    reasons = _session_reasons(period, minutes, len(candidates), len(leaders_ok), settings)
    eligible = not reasons
    amount = 0
    if eligible:
        amount = int(period.get("rates", {}).get("perSession", 0))
        year, week, _ = day.isocalendar()
        for entry in candidates:
            number = numbers["participants"][entry["id"]]
            limits.per_day[(number, day)] += 1
            limits.per_week[(number, year, week)] += 1
            amount += _participant_rate(period, number, settings)
    counted_ids = {id(e) for e in candidates + leaders_ok} if eligible else set()
    for entry in people["participants"] + people["leaders"]:
        entry["counted"] = id(entry) in counted_ids
    return result | {
        "eligible": eligible,
        "reasons": reasons,
        "countedParticipants": len(candidates),
        "countedLeaders": len(leaders_ok),
        "amount": amount,
        **people,
    }


def evaluate(content: dict[str, Any], rules: dict[str, Any], settings: Settings) -> tuple[list[dict[str, Any]], dict]:
    """Every session's result (SessionResult, in evaluation order) and the report's summary."""
    limits = _Limits(Counter(), Counter())
    numbers_by_card = {
        id(card): {
            role: {p["id"]: p["personalIdentityNumber"] for p in card[role]} for role in ("participants", "leaders")
        }
        for card in content["cards"]
    }
    ordered = sorted(((card, s) for card in content["cards"] for s in card["sessions"]), key=_session_order)
    results = [_evaluate_session(card, s, numbers_by_card[id(card)], rules, limits, settings) for card, s in ordered]
    summary = {
        "sessions": len(results),
        "eligibleSessions": sum(1 for r in results if r["eligible"]),
        "participantSessions": sum(1 for r in results for p in r["participants"] if p["present"]),
        "eligibleParticipantSessions": sum(r["countedParticipants"] for r in results if r["eligible"]),
        "amount": sum(r["amount"] for r in results),
    }
    return results, summary


def age_group(age: int) -> str:
    return next(name for name, low, high in AGE_GROUPS if low <= age <= high)
