"""DAK 2.2 (Digitalt aktivitetskort) as association systems write it: our XSD, the profile rules, XML ⇄ JSON.

The attendance format is part of the standard, so its one implementation lives beside the spec:
the reference server imports files with it, `bokbid dak validate|convert` runs it for suppliers and
associations, and the tests prove its round trips. (The harness writes its DAK files itself and
judges the server's answers by its own reading; it never needs this module.)

A file is parsed safely (no DTD, no entity expansion, no network), validated against
`v1/dak/aktivitetskort-2.2.xsd`, and read into the *file form*: the JSON form's members, but with
the registers (`participants`, `leaders`) at the root as in the file, where one pair is shared by
every card. The profile rules XSD cannot express run over that form, also when the schema found
errors, so a file's every error is reported in one run, sorted by line; a value the schema already
refused is not judged again. A valid file then becomes the JSON form (`AttendanceReportInput`),
where each card carries the register persons its sessions name.

The rules are written once: a JSON report meets the same ones (`profile_errors`), plus those a
file's XSD keys enforce (kod unique per card, list ids in the registers) and those that let every
report be written as a file (one register: an id names one person in the whole report).
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
from .identifiers import (
    municipality_code_error,
    organisation_number_digits,
    organisation_number_error,
    organisation_number_with_hyphen,
    personal_identity_number_error,
)

NAMESPACE = "http://sverigesforeningssystem.se/importSchema.xsd"
VERSION = "2.2"
XSD_PATH = SPEC_ROOT / "v1" / "dak" / "aktivitetskort-2.2.xsd"
MAX_ERRORS = 1000
_NS = f"{{{NAMESPACE}}}"
# Producers declare the XML Schema namespaces on the root, in this order; so does our export.
_NSMAP = {
    "xsd": "http://www.w3.org/2001/XMLSchema",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    None: NAMESPACE,
}
TYPES_TO_JSON = {"Traening": "training", "Match": "match", "Moete": "meeting", "Oevrigt": "other"}
TYPES_TO_XML = {v: k for k, v in TYPES_TO_JSON.items()}
# JSON member, register element, list element, person element.
_ROLES = (
    ("participants", "DeltagarRegister", "DeltagarLista", "Deltagare"),
    ("leaders", "LedarRegister", "LedarLista", "Ledare"),
)
# Elements that repeat: their paths carry a 1-based position, e.g. Sammankomst[3].
_REPEATED = frozenset({"Naervarokort", "Sammankomst", "Deltagare", "Ledare"})
# XML 1.0 Char: what a JSON string must keep to so that every report can be written as DAK.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# libxml2 starts a finding with the element (and attribute) it is about; the path says that already.
_ABOUT = re.compile(r"Element '(?:\{[^}]*\})?([^']+)'(?:, attribute '([^']+)')?: ")
# The XSD's keys in words: constraint -> (the attribute it is about, message about its value).
_IDENTITY = re.compile(r"(?:Duplicate|No match found for) key-sequence \['(.*)'\] (?:in|of) [a-z -]+ '(\w+)'")
_IDENTITY_WORDS = {
    "UnikKodPerKort": ("/@kod", "kod '{}' is used twice on this card (UnikKodPerKort)"),
    "DeltagarId": ("/@id", "id '{}' is listed twice in DeltagarRegister (DeltagarId)"),
    "LedarId": ("/@id", "id '{}' is listed twice in LedarRegister (LedarId)"),
    "DeltagareFinnsIRegistret": ("/@id", "id '{}' is not in DeltagarRegister (DeltagareFinnsIRegistret)"),
    "LedareFinnsIRegistret": ("/@id", "id '{}' is not in LedarRegister (LedareFinnsIRegistret)"),
}


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


class _Paths:
    """/Aktivitetskort/Kommun/Foerening/Naervarokort[1]/Sammankomster/Sammankomst[2]: readable, 1-based.

    Worked out only for the errors reported, and each parent's children counted once: a file of
    10,000 broken sessions must not cost time quadratic in its size.
    """

    def __init__(self) -> None:
        self._positions: dict[etree._Element, dict[etree._Element, int]] = {}

    def _position(self, parent: etree._Element, node: etree._Element) -> int:
        if parent not in self._positions:
            counts: dict[str, int] = {}
            positions = self._positions[parent] = {}
            for child in parent.iterchildren(etree.Element):
                counts[child.tag] = positions[child] = counts.get(child.tag, 0) + 1
        return self._positions[parent][node]

    def of(self, element: etree._Element) -> str:
        parts = []
        node: etree._Element | None = element
        while node is not None:
            name = _local(node.tag)
            parent = node.getparent()
            if name in _REPEATED and parent is not None:
                name = f"{name}[{self._position(parent, node)}]"
            parts.append(name)
            node = parent
        return "/" + "/".join(reversed(parts))


def _read(data: bytes) -> etree._ElementTree:
    """The parsed file (a UTF-8 byte order mark is tolerated), or DakInvalid: nothing more can be judged."""
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as exc:
        raise DakInvalid([DakError(exc.lineno, "/", f"not well-formed XML: {exc.msg}")]) from None
    if tree.docinfo.doctype:
        raise DakInvalid([DakError(1, "/", "a DOCTYPE is not allowed in a DAK file")])
    return tree


Place = tuple[etree._Element, str]  # an element, and "/@name" for one of its attributes or "" for its content


@dataclass(frozen=True)
class _Finding:
    """A finding before its element path is worked out: only the reported ones need one.

    `about` (line, element name, "/@attribute" or "") lets a profile rule skip a value the XSD
    already refused. The element is a profile finding's own, or looked up from the XSD's `entry`;
    `tail` follows its path (or is the whole path where no element is known)."""

    line: int | None
    about: tuple[int | None, str, str]
    message: str
    tail: str
    element: etree._Element | None = None
    entry: etree._LogEntry | None = None


def _schema_errors(tree: etree._ElementTree) -> list[_Finding]:
    schema = _schema()
    if schema.validate(tree):
        return []
    found = []
    for entry in schema.error_log:
        message = re.sub(r"\{https?://[^}]*\}", "", entry.message)
        about = _ABOUT.match(message)
        name = "" if about is None else about[1]
        suffix = f"/@{about[2]}" if about and about[2] else ""
        message = message[about.end() :] if about else message
        identity = _IDENTITY.match(message)
        if identity and identity[2] in _IDENTITY_WORDS:
            suffix, words = _IDENTITY_WORDS[identity[2]]
            message = words.format(identity[1])
        found.append(_Finding(entry.line, (entry.line, name, suffix), message, suffix, entry=entry))
    return found


def _element_of(
    tree: etree._ElementTree, entry: etree._LogEntry, name: str, by_line: dict[int, list[etree._Element]]
) -> etree._Element | None:
    """The element an XSD finding is about: by its XPath, else (identity constraints) by line and name."""
    if entry.path:
        hits = tree.xpath(entry.path)
        if hits and isinstance(hits[0], etree._Element):
            return hits[0]
    if not by_line:
        for element in tree.getroot().iter(etree.Element):
            by_line.setdefault(element.sourceline or 0, []).append(element)
    candidates = by_line.get(entry.line, [])
    same_name = [e for e in candidates if _local(e.tag) == name]
    return (same_name or candidates or [None])[0]


def _elements(parent: etree._Element | None) -> list[etree._Element]:
    """The child elements (no comments or processing instructions), selected inside lxml."""
    return [] if parent is None else list(parent.iterchildren(etree.Element))


def _children(element: etree._Element | None) -> dict[str, etree._Element]:
    """Child elements by local name, read in one pass (a large file has hundreds of thousands)."""
    return {} if element is None else {c.tag[len(_NS) :]: c for c in element.iterchildren(etree.Element)}


def _text(children: dict[str, etree._Element], name: str) -> str | None:
    child = children.get(name)
    return None if child is None else (child.text or "")


def _boolean(children: dict[str, etree._Element], name: str) -> bool:
    return (_text(children, name) or "").strip() in ("true", "1")


def _integer(text: str | None) -> int | None:
    try:
        return int((text or "").strip())
    except ValueError:
        return None  # the XSD reports it


class _Locator:
    """JSON pointer (into the file form) → the place it was read from, for every value a rule can judge."""

    def __init__(self) -> None:
        self.places: dict[str, Place] = {}

    def note(self, pointer: str, element: etree._Element, suffix: str = "") -> None:
        self.places[pointer] = (element, suffix)

    def finding(self, pointer: str, message: str) -> _Finding:
        if pointer not in self.places:
            return _Finding(None, (None, "", pointer), message, pointer)
        element, suffix = self.places[pointer]
        line = element.sourceline
        return _Finding(line, (line, _local(element.tag), suffix), message, suffix, element=element)


def _attendees(lista: etree._Element | None, at: str, locator: _Locator) -> list[dict[str, Any]]:
    found = []
    for i, entry in enumerate(_elements(lista)):
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
    """A register's persons; Postnr, Postadress, Kommun and Kon are read past (BoB needs none of them)."""
    found = []
    for i, entry in enumerate(_elements(register)):
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
            if value and value.strip():  # producers write <Epost /> for "none"
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
    session["type"] = TYPES_TO_JSON.get((_text(children, "Typ") or "").strip())
    for role, _, lista, _ in _ROLES:
        session[role] = _attendees(children.get(lista), f"{at}/{role}", locator)
    return session


def _file_form(tree: etree._ElementTree, locator: _Locator) -> dict[str, Any]:
    """The file as read, whatever the schema said of it: a missing element reads as None or empty."""
    top = _children(tree.getroot())
    kommun = top.get("Kommun")
    foerening = _children(kommun).get("Foerening")
    if kommun is not None:
        locator.note("/municipalityCode", kommun, "/@kommunID")
    if foerening is not None:
        locator.note("/organisation/organisationNumber", foerening, "/@organisationsnummer")
    cards = []
    for c, card in enumerate(e for e in _elements(foerening) if e.tag == _NS + "Naervarokort"):
        at = f"/cards/{c}"
        locator.note(f"{at}/cardNumber", card, "/@NaervarokortNummer")
        children = _children(card)
        sessions = _elements(children.get("Sammankomster"))
        cards.append(
            {
                "cardNumber": _integer(card.get("NaervarokortNummer")),
                "activity": _text(children, "Aktivitet"),
                "place": _text(children, "Lokal"),
                "name": _text(children, "NamnPaaKort"),
                "sessions": [_session(s, f"{at}/sessions/{i}", locator) for i, s in enumerate(sessions)],
            }
        )
    number = None if foerening is None else foerening.get("organisationsnummer")
    form: dict[str, Any] = {
        "municipalityCode": None if kommun is None else kommun.get("kommunID"),
        "organisation": {
            "sourceId": None if foerening is None else foerening.get("foereningsID"),
            "name": None if foerening is None else foerening.get("foereningsNamn"),
            "organisationNumber": None if number is None else organisation_number_digits(number),
        },
        "cards": cards,
    }
    for role, register, _, _ in _ROLES:
        form[role] = _persons(top.get(register), f"/{role}", locator)
    return form


def _json_form(form: dict[str, Any]) -> dict[str, Any]:
    """A valid file's JSON form: each card carries the register persons its sessions name, in register order."""
    cards = []
    for card in form["cards"]:
        named = {role: {e["id"] for s in card["sessions"] for e in s[role]} for role, *_ in _ROLES}
        cards.append({**card, **{role: [p for p in form[role] if p["id"] in named[role]] for role, *_ in _ROLES}})
    return {"municipalityCode": form["municipalityCode"], "organisation": form["organisation"], "cards": cards}


def _registers(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The file's one pair of registers for a JSON report: every person a session names, first seen first."""
    registers: dict[str, list[dict[str, Any]]] = {}
    for role, *_ in _ROLES:
        seen: set[str] = set()
        registers[role] = []
        for card in doc["cards"]:
            named = {e["id"] for s in card["sessions"] for e in s[role]}
            for person in card[role]:
                if person["id"] in named and person["id"] not in seen:
                    seen.add(person["id"])
                    registers[role].append(person)
    return registers


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


Finding = tuple[str, str]  # JSON pointer, message


def _header_errors(doc: dict[str, Any]) -> list[Finding]:
    found = []
    code, number = doc["municipalityCode"], doc["organisation"]["organisationNumber"]
    reason = None if code is None else municipality_code_error(code)
    if reason:
        found.append(("/municipalityCode", reason))
    reason = None if number is None else organisation_number_error(number)
    if reason:
        found.append(("/organisation/organisationNumber", reason))
    return found


def _register_errors(persons: list[dict[str, Any]], at: str, *, unique_ids: bool) -> list[Finding]:
    """Personnummer, and (where no XSD key does it) an id at most once in the register."""
    found = []
    ids: set[str] = set()
    for i, person in enumerate(persons):
        if unique_ids and person["id"] in ids:
            found.append((f"{at}/{i}/id", f"id '{person['id']}' is listed twice in the register"))
        ids.add(person["id"])
        number = person["personalIdentityNumber"]
        reason = None if number is None else personal_identity_number_error(number)
        if reason:
            found.append((f"{at}/{i}/personalIdentityNumber", reason))
    return found


def _card_errors(cards: list[dict[str, Any]], registers: list[dict[str, set[str]]] | None) -> list[Finding]:
    """Card numbers unique in the report, sessions' times, a person once per list; for a JSON report
    (`registers`: each card's register ids) also what a file's XSD keys check: kod unique per card,
    everyone on a list in the card's register."""
    found: list[Finding] = []
    card_numbers: set[int] = set()
    for c, card in enumerate(cards):
        at = f"/cards/{c}"
        number = card["cardNumber"]
        if number in card_numbers:
            found.append((f"{at}/cardNumber", f"NaervarokortNummer {number} is used twice in the file"))
        if number is not None:
            card_numbers.add(number)
        codes: set[str] = set()
        for s, session in enumerate(card["sessions"]):
            where = f"{at}/sessions/{s}"
            if registers is not None and session["code"] in codes:
                found.append((f"{where}/code", f"kod '{session['code']}' is used twice on this card"))
            codes.add(session["code"])
            found += _time_errors(session, where)
            for role, *_ in _ROLES:
                listed: set[str] = set()
                for i, entry in enumerate(session[role]):
                    if entry["id"] in listed:
                        found.append((f"{where}/{role}/{i}/id", f"'{entry['id']}' is on this session's list twice"))
                    listed.add(entry["id"])
                    if registers is not None and entry["id"] not in registers[c][role]:
                        found.append((f"{where}/{role}/{i}/id", f"'{entry['id']}' is not in the card's register"))
    return found


def _one_register_errors(cards: list[dict[str, Any]]) -> list[Finding]:
    """A file has one register for all its cards, so in a JSON report an id names one person throughout."""
    found = []
    for role, *_ in _ROLES:
        first: dict[str, tuple[int, dict[str, Any]]] = {}
        for c, card in enumerate(cards):
            for i, person in enumerate(card[role]):
                seen_on, seen = first.setdefault(person["id"], (c, person))
                if seen_on != c and seen != person:
                    found.append(
                        (
                            f"/cards/{c}/{role}/{i}",
                            f"id '{person['id']}' is another person on card {cards[seen_on]['cardNumber']}; "
                            "an id names one person in the whole report (a DAK file has one register)",
                        )
                    )
    return found


def profile_errors(doc: dict[str, Any]) -> list[Finding]:
    """(JSON pointer, message) for each profile rule a schema-valid JSON report breaks.

    The rules the JSON Schema checks are left to it; these are the rest: identifiers (kommunkod,
    organisationsnummer, personnummer), a stop after the start, card numbers unique, codes unique per
    card, persons on the lists present in the card's registers and named once, an id naming one
    person throughout, and text that XML can carry.
    """
    found = _header_errors(doc)
    registers = []
    for c, card in enumerate(doc["cards"]):
        for role, *_ in _ROLES:
            found += _register_errors(card[role], f"/cards/{c}/{role}", unique_ids=True)
        registers.append({role: {p["id"] for p in card[role]} for role, *_ in _ROLES})
    found += _one_register_errors(doc["cards"])
    found += _card_errors(doc["cards"], registers)
    found += [
        (pointer, "the text holds a character XML cannot carry")
        for pointer, value in _strings(doc, "")
        if _NOT_XML_CHAR.search(value)
    ]
    return found


def _file_errors(form: dict[str, Any]) -> list[Finding]:
    """The profile rules over a file form (its ids, kod values and lists are the XSD keys' to judge)."""
    found = _header_errors(form)
    for role, *_ in _ROLES:
        found += _register_errors(form[role], f"/{role}", unique_ids=False)
    return found + _card_errors(form["cards"], None)


def _time_errors(session: dict[str, Any], where: str) -> list[Finding]:
    try:
        minutes = session_minutes(session)
    except (TypeError, ValueError):
        return []  # a date or time the schema refuses
    end_date = session.get("endDate")
    if end_date is not None and end_date < session["date"]:
        return [(f"{where}/endDate", "StoppDatum is before Datum")]
    if minutes <= 0:
        if end_date is None:
            return [(f"{where}/endTime", "StoppTid is not after StartTid and no later StoppDatum is given")]
        return [(f"{where}/endTime", "the session ends before it starts")]
    return []


def parse(data: bytes, overlook: Callable[[str], bool] | None = None) -> dict[str, Any]:
    """A DAK 2.2 file as the JSON form (AttendanceReportInput), or DakInvalid with every error by line.

    `overlook` drops findings whose "PATH: message" it accepts; only the reference server's
    injected faults use it, to play a supplier that skips a rule.
    """
    tree = _read(data)
    schema = _schema_errors(tree)
    judged = {f.about for f in schema}
    locator = _Locator()
    form = _file_form(tree, locator)
    profile = [locator.finding(pointer, message) for pointer, message in _file_errors(form)]
    findings = sorted(schema + [f for f in profile if f.about not in judged], key=lambda f: f.line or 0)
    paths, by_line = _Paths(), {}
    errors: list[DakError] = []
    rest = 0
    for finding in findings:
        if len(errors) == MAX_ERRORS and overlook is None:
            rest += 1
            continue
        element = finding.element
        if finding.entry is not None:
            element = _element_of(tree, finding.entry, finding.about[1], by_line)
        path = finding.tail if element is None else paths.of(element) + finding.tail
        error = DakError(finding.line, path, finding.message)
        if overlook is not None and overlook(f"{error.path}: {error.message}"):
            continue
        if len(errors) < MAX_ERRORS:
            errors.append(error)
        else:
            rest += 1
    if rest:
        errors.append(DakError(None, "/", f"{rest} more errors are not listed"))
    if errors:
        raise DakInvalid(errors)
    return _json_form(form)


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
    for role, _, lista, tag in _ROLES:
        entries = _sub(element, lista)
        for entry in session[role]:
            _attendee_xml(entries, tag, entry)


def _person_xml(parent: etree._Element, tag: str, person: dict[str, Any]) -> None:
    element = _sub(parent, tag, id=person["id"])
    _sub(element, "Foernamn", person["givenName"])
    _sub(element, "Efternamn", person["familyName"])
    _sub(element, "Personnummer", person["personalIdentityNumber"])
    # Producers always write a leader's Epost and MobilNr, empty when unknown.
    if tag == "Ledare" or "email" in person:
        _sub(element, "Epost", person.get("email"))
    if tag == "Ledare" or "mobilePhone" in person:
        _sub(element, "MobilNr", person.get("mobilePhone"))


def to_xml(doc: dict[str, Any]) -> bytes:
    """The JSON form (or an export's masked content) as a DAK 2.2 file in the shape producers write:
    the registers at the root, the organisation number with its hyphen, empty lists self-closing."""
    root = etree.Element(_NS + "Aktivitetskort", nsmap=_NSMAP)
    kommun = _sub(root, "Kommun", kommunID=doc["municipalityCode"], version=VERSION)
    organisation = doc["organisation"]
    foerening = _sub(
        kommun,
        "Foerening",
        foereningsID=organisation["sourceId"],
        foereningsNamn=organisation["name"],
        organisationsnummer=organisation_number_with_hyphen(organisation["organisationNumber"]),
    )
    for card in doc["cards"]:
        element = _sub(foerening, "Naervarokort", NaervarokortNummer=str(card["cardNumber"]))
        _sub(element, "Aktivitet", card["activity"])
        _sub(element, "Lokal", card["place"])
        _sub(element, "NamnPaaKort", card["name"])
        sessions = _sub(element, "Sammankomster")
        for session in card["sessions"]:
            _session_xml(sessions, session)
    registers = _registers(doc)
    for role, register, _, tag in _ROLES:
        persons = _sub(root, register)
        for person in registers[role]:
            _person_xml(persons, tag, person)
    etree.indent(root, space="  ")
    # libxml2 escapes every ">" in text and attributes, so "/>" only ever closes an empty element.
    body = etree.tostring(root, encoding="UTF-8").replace(b"/>", b" />")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body + b"\n"
