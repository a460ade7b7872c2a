"""DAK 2.2 files written by the harness itself, one element per line, so it knows every line number.

The harness does not borrow the standard's DAK code (spec/dak.py, which the reference server
uses) to write its test files: a file written independently is what catches a reader that only
understands its own writer. Broken files are made by editing one line of a good file, and the
line number the server must report is the number of that line.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr

NAMESPACE = "http://sverigesforeningssystem.se/importSchema.xsd"
TYPES = {"training": "Traening", "match": "Match", "meeting": "Moete", "other": "Oevrigt"}


def _leaf(indent: int, name: str, value: str) -> str:
    return f"{'  ' * indent}<{name}>{escape(value)}</{name}>"


def _attendee(indent: int, tag: str, entry: dict[str, Any]) -> list[str]:
    pad = "  " * indent
    return [
        f"{pad}<{tag} id={quoteattr(entry['id'])}>",
        _leaf(indent + 1, "Handikapp", "true" if entry["disability"] else "false"),
        _leaf(indent + 1, "Naervarande", "true" if entry["present"] else "false"),
        f"{pad}</{tag}>",
    ]


def _person(indent: int, tag: str, person: dict[str, Any]) -> list[str]:
    pad = "  " * indent
    lines = [
        f"{pad}<{tag} id={quoteattr(person['id'])}>",
        _leaf(indent + 1, "Foernamn", person["givenName"]),
        _leaf(indent + 1, "Efternamn", person["familyName"]),
        _leaf(indent + 1, "Personnummer", person["personalIdentityNumber"]),
    ]
    if "email" in person:
        lines.append(_leaf(indent + 1, "Epost", person["email"]))
    if "mobilePhone" in person:
        lines.append(_leaf(indent + 1, "MobilNr", person["mobilePhone"]))
    return [*lines, f"{pad}</{tag}>"]


def _session(session: dict[str, Any]) -> list[str]:
    lines = [
        f"          <Sammankomst Datum={quoteattr(session['date'])} kod={quoteattr(session['code'])}>",
        _leaf(6, "StartTid", session["startTime"]),
        _leaf(6, "StoppTid", session["endTime"]),
    ]
    if "endDate" in session:
        lines.append(_leaf(6, "StoppDatum", session["endDate"]))
    for key, name in (("activity", "Aktivitet"), ("place", "Lokal")):
        if key in session:
            lines.append(_leaf(6, name, session[key]))
    lines += [_leaf(6, "Typ", TYPES[session["type"]]), _leaf(6, "Metod", "Add"), "            <DeltagarLista>"]
    for entry in session["participants"]:
        lines += _attendee(7, "Deltagare", entry)
    lines += ["            </DeltagarLista>", "            <LedarLista>"]
    for entry in session["leaders"]:
        lines += _attendee(7, "Ledare", entry)
    return [*lines, "            </LedarLista>", "          </Sammankomst>"]


def write(report: dict[str, Any]) -> str:
    """The JSON form of a report as DAK 2.2 text."""
    org = report["organisation"]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<Aktivitetskort xmlns="{NAMESPACE}">',
        f'  <Kommun kommunID={quoteattr(report["municipalityCode"])} version="2.2">',
        f"    <Foerening foereningsID={quoteattr(org['sourceId'])} foereningsNamn={quoteattr(org['name'])}"
        f" organisationsnummer={quoteattr(org['organisationNumber'])}>",
    ]
    for card in report["cards"]:
        lines += [
            f'      <Naervarokort NaervarokortNummer="{card["cardNumber"]}">',
            _leaf(4, "Aktivitet", card["activity"]),
            _leaf(4, "Lokal", card["place"]),
            _leaf(4, "NamnPaaKort", card["name"]),
            "        <Sammankomster>",
        ]
        for session in card["sessions"]:
            lines += _session(session)
        lines += ["        </Sammankomster>", "        <DeltagarRegister>"]
        for person in card["participants"]:
            lines += _person(5, "Deltagare", person)
        lines += ["        </DeltagarRegister>", "        <LedarRegister>"]
        for person in card["leaders"]:
            lines += _person(5, "Ledare", person)
        lines += ["        </LedarRegister>", "      </Naervarokort>"]
    lines += ["    </Foerening>", "  </Kommun>", "</Aktivitetskort>"]
    return "\n".join(lines) + "\n"


def line_of(text: str, marker: str, nth: int = 1) -> int:
    """The 1-based number of the `nth` line holding `marker`."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if marker in line]
    return hits[nth - 1]
