"""DAK 2.2 files written by the harness itself, one element per line, so it knows every line number.

The harness does not borrow the standard's DAK code (spec/dak.py, which the reference server
uses) to write its test files: a file written independently is what catches a reader that only
understands its own writer. The files have the shape association systems write (BRIEF §2): the
registers at the root after Kommun, shared by every card; the organisation number with its hyphen;
Epost and MobilNr on every leader, empty when unknown; empty lists self-closing. A `Producer`
varies what real producers vary: line ends, a final newline, the hyphen, how an empty list looks,
extra register fields, character references, ragged indentation. Broken files are made by editing
one line of a good file, and the line number the server must report is the number of that line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

NAMESPACE = "http://sverigesforeningssystem.se/importSchema.xsd"
_ROOT = (
    '<Aktivitetskort xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="{NAMESPACE}">'
)
TYPES = {"training": "Traening", "match": "Match", "meeting": "Moete", "other": "Oevrigt"}
ROLES = (
    ("participants", "DeltagarRegister", "DeltagarLista", "Deltagare"),
    ("leaders", "LedarRegister", "LedarLista", "Ledare"),
)
# Fields some producers add to a participant of the register; a server needs none but must accept them.
EXTRA_FIELDS = (("Postnr", "123 45"), ("Postadress", "Storgatan 1"), ("Kommun", "1480"), ("Kon", "Kvinna"))


@dataclass(frozen=True)
class Producer:
    """How one association system writes its files; every combination occurs in real files."""

    newline: str = "\n"
    final_newline: bool = True
    hyphenated: bool = True  # organisationsnummer NNNNNN-NNNN rather than ten digits
    whitespace_lists: bool = False  # an empty list as <X>, a blank line, </X> rather than <X />
    extra_fields: bool = False  # Postnr, Postadress, Kommun, Kon on every participant of the register
    references: bool = False  # ' and " written &#39;, &quot; (text) and &#34; (attributes)
    ragged: bool = False  # indentation that is not the nesting, whitespace-only lines


def _text(value: str, producer: Producer) -> str:
    return escape(value, {"'": "&#39;", '"': "&quot;"} if producer.references else {})


def _attribute(value: str, producer: Producer) -> str:
    return '"' + escape(value, {'"': "&#34;" if producer.references else "&quot;"}) + '"'


class _Lines:
    def __init__(self, producer: Producer) -> None:
        self.producer = producer
        self.lines: list[str] = []

    def add(self, depth: int, text: str) -> None:
        if self.producer.ragged:
            depth = (depth * 3) % 5
            if len(self.lines) % 7 == 3:
                self.lines.append(" " * depth)
        self.lines.append("  " * depth + text)

    def leaf(self, depth: int, name: str, value: str | None) -> None:
        self.add(depth, f"<{name} />" if not value else f"<{name}>{_text(value, self.producer)}</{name}>")

    def empty(self, depth: int, name: str) -> None:
        if self.producer.whitespace_lists:
            self.add(depth, f"<{name}>")
            self.lines.append("  " * (depth + 1))
            self.add(depth, f"</{name}>")
        else:
            self.add(depth, f"<{name} />")


def _attendees(out: _Lines, name: str, tag: str, entries: list[dict[str, Any]]) -> None:
    if not entries:
        out.empty(6, name)
        return
    out.add(6, f"<{name}>")
    for entry in entries:
        out.add(7, f"<{tag} id={_attribute(entry['id'], out.producer)}>")
        out.leaf(8, "Handikapp", "true" if entry["disability"] else "false")
        out.leaf(8, "Naervarande", "true" if entry["present"] else "false")
        out.add(7, f"</{tag}>")
    out.add(6, f"</{name}>")


def _session(out: _Lines, session: dict[str, Any]) -> None:
    p = out.producer
    out.add(5, f"<Sammankomst Datum={_attribute(session['date'], p)} kod={_attribute(session['code'], p)}>")
    out.leaf(6, "StartTid", session["startTime"])
    out.leaf(6, "StoppTid", session["endTime"])
    if "endDate" in session:
        out.leaf(6, "StoppDatum", session["endDate"])
    for key, name in (("activity", "Aktivitet"), ("place", "Lokal")):
        if key in session:
            out.leaf(6, name, session[key])
    out.leaf(6, "Typ", TYPES[session["type"]])
    out.leaf(6, "Metod", "Add")
    for role, _, lista, tag in ROLES:
        _attendees(out, lista, tag, session[role])
    out.add(5, "</Sammankomst>")


def _person(out: _Lines, tag: str, person: dict[str, Any]) -> None:
    out.add(2, f"<{tag} id={_attribute(person['id'], out.producer)}>")
    out.leaf(3, "Foernamn", person["givenName"])
    out.leaf(3, "Efternamn", person["familyName"])
    out.leaf(3, "Personnummer", person["personalIdentityNumber"])
    if tag == "Ledare" or "email" in person:
        out.leaf(3, "Epost", person.get("email"))
    if tag == "Ledare" or "mobilePhone" in person:
        out.leaf(3, "MobilNr", person.get("mobilePhone"))
    if out.producer.extra_fields and tag == "Deltagare":
        for name, value in EXTRA_FIELDS:
            out.leaf(3, name, value)
    out.add(2, f"</{tag}>")


def registers(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The file's one pair of registers: every card's persons, each id once (it must name one person)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for role, *_ in ROLES:
        by_id: dict[str, dict[str, Any]] = {}
        for card in report["cards"]:
            for person in card[role]:
                if by_id.setdefault(person["id"], person) != person:
                    raise ValueError(f"{role} id {person['id']} names two persons; a file has one register")
        found[role] = list(by_id.values())
    return found


def write(report: dict[str, Any], producer: Producer = Producer()) -> str:
    """The JSON form of a report as DAK 2.2 text, as `producer` writes it."""
    org = report["organisation"]
    number = org["organisationNumber"]
    if producer.hyphenated:
        number = f"{number[:6]}-{number[6:]}"
    out = _Lines(producer)
    out.lines += ['<?xml version="1.0" encoding="utf-8"?>', _ROOT]
    out.add(1, f'<Kommun kommunID={_attribute(report["municipalityCode"], producer)} version="2.2">')
    out.add(
        2,
        f"<Foerening foereningsID={_attribute(org['sourceId'], producer)} "
        f"foereningsNamn={_attribute(org['name'], producer)} organisationsnummer={_attribute(number, producer)}>",
    )
    for card in report["cards"]:
        out.add(3, f'<Naervarokort NaervarokortNummer="{card["cardNumber"]}">')
        out.leaf(4, "Aktivitet", card["activity"])
        out.leaf(4, "Lokal", card["place"])
        out.leaf(4, "NamnPaaKort", card["name"])
        out.add(4, "<Sammankomster>")
        for session in card["sessions"]:
            _session(out, session)
        out.add(4, "</Sammankomster>")
        out.add(3, "</Naervarokort>")
    out.add(2, "</Foerening>")
    out.add(1, "</Kommun>")
    shared = registers(report)
    for role, register, _, tag in ROLES:
        persons = shared[role]
        if not persons:
            out.empty(1, register)
            continue
        out.add(1, f"<{register}>")
        for person in persons:
            _person(out, tag, person)
        out.add(1, f"</{register}>")
    out.lines.append("</Aktivitetskort>")
    return producer.newline.join(out.lines) + (producer.newline if producer.final_newline else "")


def line_of(text: str, marker: str, nth: int = 1) -> int:
    """The 1-based number of the `nth` line holding `marker`."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if marker in line]
    return hits[nth - 1]
