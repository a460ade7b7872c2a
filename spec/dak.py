"""DAK 2.2 (Digitalt aktivitetskort) as the standard defines it: our XSD, the profile rules, XML ⇄ JSON.

The attendance format is part of the standard, so its one implementation lives beside the spec:
the reference server imports files with it, `bokbid dak validate|convert` runs it for suppliers and
associations, and the tests prove its round trips. (The harness writes its DAK files itself and
judges the server's answers by its own reading; it never needs this module.)

A file is parsed safely (no DTD, no entity expansion, no network), validated against
`v1/dak/aktivitetskort-2.2.xsd`, turned into the JSON form (`AttendanceReportInput`) and then held
to the profile rules XSD cannot express. Every error carries the line and the element path.
The profile rules are written once, over the JSON form, so a JSON report meets exactly the same
rules; for a file each finding is traced back to the element it came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from typing import Any

from lxml import etree

from . import SPEC_ROOT
from .identifiers import municipality_code_error, organisation_number_error, personal_identity_number_error

NAMESPACE = "http://sverigesforeningssystem.se/importSchema.xsd"
VERSION = "2.2"
XSD_PATH = SPEC_ROOT / "v1" / "dak" / "aktivitetskort-2.2.xsd"
_NS = f"{{{NAMESPACE}}}"
TYPES_TO_JSON = {"Traening": "training", "Match": "match", "Moete": "meeting", "Oevrigt": "other"}
TYPES_TO_XML = {v: k for k, v in TYPES_TO_JSON.items()}
# Elements that repeat: their paths carry a 1-based position, e.g. Sammankomst[3].
_REPEATED = frozenset({"Naervarokort", "Sammankomst", "Deltagare", "Ledare"})
# XML 1.0 Char: what a JSON string must keep to so that every report can be written as DAK.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class DakError:
    """One finding: where (line, element path; line None when the file could not be read) and what."""

    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.path}: {self.message}"


class DakInvalid(Exception):
    def __init__(self, errors: list[DakError]) -> None:
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_PATH), _parser()))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        collect_ids=False,
        remove_blank_text=False,
    )


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def element_path(element: etree._Element) -> str:
    """/Aktivitetskort/Kommun/Foerening/Naervarokort[1]/Sammankomster/Sammankomst[2]: readable, 1-based."""
    parts = []
    node: etree._Element | None = element
    while node is not None:
        name = _local(node.tag)
        parent = node.getparent()
        if name in _REPEATED and parent is not None:
            same = [c for c in parent if c.tag == node.tag]
            name = f"{name}[{same.index(node) + 1}]"
        parts.append(name)
        node = parent
    return "/" + "/".join(reversed(parts))


def _read(data: bytes) -> etree._ElementTree:
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as exc:
        raise DakInvalid([DakError(exc.lineno, "/", f"not well-formed XML: {exc.msg}")]) from None
    if tree.docinfo.doctype:
        raise DakInvalid([DakError(1, "/", "a DOCTYPE is not allowed in a DAK file")])
    return tree


def _schema_errors(tree: etree._ElementTree) -> list[DakError]:
    schema = _schema()
    if schema.validate(tree):
        return []
    root = tree.getroot()
    by_line: dict[int, list[etree._Element]] = {}
    for element in root.iter():
        by_line.setdefault(element.sourceline or 0, []).append(element)
    found = []
    for entry in schema.error_log:
        candidates = by_line.get(entry.line, [])
        path = element_path(candidates[0]) if candidates else "/"
        message = re.sub(r"\{https?://[^}]*\}", "", entry.message)
        found.append(DakError(entry.line, path, message))
    return found


def _children(element: etree._Element) -> dict[str, etree._Element]:
    """Child elements by local name, read in one pass (a large file has hundreds of thousands)."""
    return {child.tag[len(_NS) :]: child for child in element if isinstance(child.tag, str)}


def _text(children: dict[str, etree._Element], name: str) -> str | None:
    child = children.get(name)
    return None if child is None else (child.text or "")


def _boolean(children: dict[str, etree._Element], name: str) -> bool:
    return (_text(children, name) or "").strip() in ("true", "1")


class _Locator:
    """JSON pointer → (line, element path) for every member the profile rules can complain about."""

    def __init__(self) -> None:
        self.places: dict[str, tuple[etree._Element, str]] = {}

    def note(self, pointer: str, element: etree._Element, suffix: str = "") -> None:
        # The path is worked out only for an error: computing it for every element of a large file
        # would cost time quadratic in the number of sessions.
        self.places[pointer] = (element, suffix)

    def error(self, pointer: str, message: str) -> DakError:
        if pointer not in self.places:
            return DakError(None, pointer, message)
        element, suffix = self.places[pointer]
        return DakError(element.sourceline, element_path(element) + suffix, message)


def _attendees(lista: etree._Element | None, at: str, locator: _Locator) -> list[dict[str, Any]]:
    found = []
    for i, entry in enumerate([] if lista is None else [c for c in lista if isinstance(c.tag, str)]):
        locator.note(f"{at}/{i}/id", entry, "/@id")
        children = _children(entry)
        found.append(
            {
                "id": entry.get("id"),
                "present": _boolean(children, "Naervarande"),
                "disability": _boolean(children, "Handikapp"),
            }
        )
    return found


def _persons(register: etree._Element | None, at: str, locator: _Locator) -> list[dict[str, Any]]:
    found = []
    for i, entry in enumerate([] if register is None else [c for c in register if isinstance(c.tag, str)]):
        children = _children(entry)
        person: dict[str, Any] = {
            "id": entry.get("id"),
            "givenName": _text(children, "Foernamn"),
            "familyName": _text(children, "Efternamn"),
            "personalIdentityNumber": _text(children, "Personnummer"),
        }
        if "Personnummer" in children:
            locator.note(f"{at}/{i}/personalIdentityNumber", children["Personnummer"])
        for json_name, xml_name in (("email", "Epost"), ("mobilePhone", "MobilNr")):
            value = _text(children, xml_name)
            if value is not None:
                person[json_name] = value
        found.append(person)
    return found


def _session(element: etree._Element, at: str, locator: _Locator) -> dict[str, Any]:
    children = _children(element)
    locator.note(f"{at}/code", element, "/@kod")
    session: dict[str, Any] = {
        "code": element.get("kod"),
        "date": (element.get("Datum") or "").strip(),
        "startTime": (_text(children, "StartTid") or "").strip(),
        "endTime": (_text(children, "StoppTid") or "").strip(),
    }
    if "StoppTid" in children:
        locator.note(f"{at}/endTime", children["StoppTid"])
    end_date = _text(children, "StoppDatum")
    if end_date is not None:
        session["endDate"] = end_date.strip()
        locator.note(f"{at}/endDate", children["StoppDatum"])
    for json_name, xml_name in (("activity", "Aktivitet"), ("place", "Lokal")):
        value = _text(children, xml_name)
        if value is not None:
            session[json_name] = value
    session["type"] = TYPES_TO_JSON[(_text(children, "Typ") or "").strip()]
    session["participants"] = _attendees(children.get("DeltagarLista"), f"{at}/participants", locator)
    session["leaders"] = _attendees(children.get("LedarLista"), f"{at}/leaders", locator)
    return session


def _to_json(tree: etree._ElementTree, locator: _Locator) -> dict[str, Any]:
    kommun = tree.getroot().find(_NS + "Kommun")
    foerening = kommun.find(_NS + "Foerening")
    locator.note("/municipalityCode", kommun, "/@kommunID")
    locator.note("/organisation/organisationNumber", foerening, "/@organisationsnummer")
    cards = []
    for c, card in enumerate(foerening.iterfind(_NS + "Naervarokort")):
        at = f"/cards/{c}"
        locator.note(f"{at}/cardNumber", card, "/@NaervarokortNummer")
        children = _children(card)
        sessions = [s for s in children["Sammankomster"] if isinstance(s.tag, str)]
        cards.append(
            {
                "cardNumber": int(card.get("NaervarokortNummer", "0").strip()),
                "activity": _text(children, "Aktivitet"),
                "place": _text(children, "Lokal"),
                "name": _text(children, "NamnPaaKort"),
                "sessions": [_session(s, f"{at}/sessions/{i}", locator) for i, s in enumerate(sessions)],
                "participants": _persons(children.get("DeltagarRegister"), f"{at}/participants", locator),
                "leaders": _persons(children.get("LedarRegister"), f"{at}/leaders", locator),
            }
        )
    return {
        "municipalityCode": kommun.get("kommunID"),
        "organisation": {
            "sourceId": foerening.get("foereningsID"),
            "name": foerening.get("foereningsNamn"),
            "organisationNumber": foerening.get("organisationsnummer"),
        },
        "cards": cards,
    }


def session_minutes(session: dict[str, Any]) -> int:
    """Wall-clock minutes from start to stop (StoppDatum when the session ends on a later day)."""
    start = datetime.combine(date.fromisoformat(session["date"]), time.fromisoformat(session["startTime"]))
    end_day = date.fromisoformat(session.get("endDate", session["date"]))
    end = datetime.combine(end_day, time.fromisoformat(session["endTime"]))
    return int((end - start).total_seconds() // 60)


def _strings(node: Any, pointer: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield pointer, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, f"{pointer}/{i}")


def profile_errors(doc: dict[str, Any], *, from_xml: bool = False) -> list[tuple[str, str]]:
    """(JSON pointer, message) for each profile rule a schema-valid report breaks.

    The rules the JSON Schema and the XSD share are checked by them; these are the rest: identifiers
    (kommunkod, organisationsnummer, personnummer), a stop after the start, codes unique per card,
    persons on the lists present in the card's registers, and text that XML can carry.
    """
    found: list[tuple[str, str]] = []
    reason = municipality_code_error(doc["municipalityCode"])
    if reason:
        found.append(("/municipalityCode", reason))
    reason = organisation_number_error(doc["organisation"]["organisationNumber"])
    if reason:
        found.append(("/organisation/organisationNumber", reason))
    card_numbers: set[int] = set()
    for c, card in enumerate(doc["cards"]):
        at = f"/cards/{c}"
        if card["cardNumber"] in card_numbers:
            found.append((f"{at}/cardNumber", f"NaervarokortNummer {card['cardNumber']} is used twice in the file"))
        card_numbers.add(card["cardNumber"])
        registers = {}
        for role in ("participants", "leaders"):
            ids: set[str] = set()
            for i, person in enumerate(card[role]):
                if person["id"] in ids:
                    found.append((f"{at}/{role}/{i}/id", f"id '{person['id']}' is listed twice in the register"))
                ids.add(person["id"])
                reason = personal_identity_number_error(person["personalIdentityNumber"])
                if reason:
                    found.append((f"{at}/{role}/{i}/personalIdentityNumber", reason))
            registers[role] = ids
        codes: set[str] = set()
        for s, session in enumerate(card["sessions"]):
            where = f"{at}/sessions/{s}"
            if session["code"] in codes:
                found.append((f"{where}/code", f"kod '{session['code']}' is used twice on this card"))
            codes.add(session["code"])
            found += _time_errors(session, where)
            for role in ("participants", "leaders"):
                listed: set[str] = set()
                for i, entry in enumerate(session[role]):
                    if entry["id"] in listed:
                        found.append((f"{where}/{role}/{i}/id", f"'{entry['id']}' is on this session's list twice"))
                    listed.add(entry["id"])
                    if entry["id"] not in registers[role]:
                        found.append((f"{where}/{role}/{i}/id", f"'{entry['id']}' is not in the card's register"))
    if not from_xml:  # text read from XML is XML text already
        found += [
            (pointer, "the text holds a character XML cannot carry")
            for pointer, value in _strings(doc, "")
            if _NOT_XML_CHAR.search(value)
        ]
    return found


def _time_errors(session: dict[str, Any], where: str) -> list[tuple[str, str]]:
    end_date = session.get("endDate")
    if end_date is not None and end_date < session["date"]:
        return [(f"{where}/endDate", "StoppDatum is before Datum")]
    if session_minutes(session) <= 0:
        if end_date is None:
            return [(f"{where}/endTime", "StoppTid is not after StartTid and no later StoppDatum is given")]
        return [(f"{where}/endTime", "the session ends before it starts")]
    return []


def parse(data: bytes, overlook: Callable[[str], bool] | None = None) -> dict[str, Any]:
    """A DAK 2.2 file as the JSON form (AttendanceReportInput), or DakInvalid with every error.

    `overlook` drops findings whose message it accepts; only the reference server's injected
    faults use it, to play a supplier that skips a rule.
    """
    tree = _read(data)
    errors = [e for e in _schema_errors(tree) if overlook is None or not overlook(e.message)]
    if errors:
        raise DakInvalid(errors)
    locator = _Locator()
    doc = _to_json(tree, locator)
    errors = [
        locator.error(pointer, message)
        for pointer, message in profile_errors(doc, from_xml=True)
        if overlook is None or not overlook(message)
    ]
    if errors:
        raise DakInvalid(errors)
    return doc


def _sub(parent: etree._Element, name: str, text: str | None = None, **attributes: str) -> etree._Element:
    child = etree.SubElement(parent, _NS + name, attributes)
    if text is not None:
        child.text = text
    return child


def _attendee_xml(parent: etree._Element, tag: str, entry: dict[str, Any]) -> None:
    element = _sub(parent, tag, id=entry["id"])
    _sub(element, "Handikapp", "true" if entry["disability"] else "false")
    _sub(element, "Naervarande", "true" if entry["present"] else "false")


def _session_xml(parent: etree._Element, session: dict[str, Any]) -> None:
    element = _sub(parent, "Sammankomst", Datum=session["date"], kod=session["code"])
    _sub(element, "StartTid", session["startTime"])
    _sub(element, "StoppTid", session["endTime"])
    if "endDate" in session:
        _sub(element, "StoppDatum", session["endDate"])
    if "activity" in session:
        _sub(element, "Aktivitet", session["activity"])
    if "place" in session:
        _sub(element, "Lokal", session["place"])
    _sub(element, "Typ", TYPES_TO_XML[session["type"]])
    _sub(element, "Metod", "Add")
    participants = _sub(element, "DeltagarLista")
    for entry in session["participants"]:
        _attendee_xml(participants, "Deltagare", entry)
    leaders = _sub(element, "LedarLista")
    for entry in session["leaders"]:
        _attendee_xml(leaders, "Ledare", entry)


def _person_xml(parent: etree._Element, tag: str, person: dict[str, Any]) -> None:
    element = _sub(parent, tag, id=person["id"])
    _sub(element, "Foernamn", person["givenName"])
    _sub(element, "Efternamn", person["familyName"])
    _sub(element, "Personnummer", person["personalIdentityNumber"])
    if "email" in person:
        _sub(element, "Epost", person["email"])
    if "mobilePhone" in person:
        _sub(element, "MobilNr", person["mobilePhone"])


def to_xml(doc: dict[str, Any]) -> bytes:
    """The JSON form (or an export's masked content) as a DAK 2.2 file, one element per line."""
    root = etree.Element(_NS + "Aktivitetskort", nsmap={None: NAMESPACE})
    kommun = _sub(root, "Kommun", kommunID=doc["municipalityCode"], version=VERSION)
    organisation = doc["organisation"]
    foerening = _sub(
        kommun,
        "Foerening",
        foereningsID=organisation["sourceId"],
        foereningsNamn=organisation["name"],
        organisationsnummer=organisation["organisationNumber"],
    )
    for card in doc["cards"]:
        element = _sub(foerening, "Naervarokort", NaervarokortNummer=str(card["cardNumber"]))
        _sub(element, "Aktivitet", card["activity"])
        _sub(element, "Lokal", card["place"])
        _sub(element, "NamnPaaKort", card["name"])
        sessions = _sub(element, "Sammankomster")
        for session in card["sessions"]:
            _session_xml(sessions, session)
        participants = _sub(element, "DeltagarRegister")
        for person in card["participants"]:
            _person_xml(participants, "Deltagare", person)
        leaders = _sub(element, "LedarRegister")
        for person in card["leaders"]:
            _person_xml(leaders, "Ledare", person)
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"
