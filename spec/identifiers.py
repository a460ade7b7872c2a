"""The Swedish identifiers the standard uses, and what makes one valid.

personnummer / samordningsnummer: twelve digits YYYYMMDDNNNC, a real date of birth (a
samordningsnummer adds 60 to the day), and a Luhn check digit over the last ten digits.
organisationsnummer: ten digits, Luhn over all ten, third digit at least 2 (which keeps it apart
from a personnummer); written NNNNNN-NNNN by most systems, kept as the ten digits inside BoB.
kommunkod: one of the 290 codes of `municipalities.yaml`.

Each validator returns None for a valid value and otherwise the reason, worded for a problem's
`detail`, so callers can report it against the field it came from.
"""

from __future__ import annotations

import re
from datetime import date

from .reference_data import municipalities

_TWELVE = re.compile(r"[0-9]{12}")
_TEN = re.compile(r"[0-9]{10}")
_HYPHENATED = re.compile(r"([0-9]{6})-([0-9]{4})")


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def birth_date(number: str) -> date:
    """The date of birth in a (valid) personnummer or samordningsnummer."""
    day = int(number[6:8])
    return date(int(number[:4]), int(number[4:6]), day - 60 if day > 60 else day)


def personal_identity_number_error(number: str) -> str | None:
    if not _TWELVE.fullmatch(number):
        return "a personnummer has twelve digits, YYYYMMDDNNNN"
    try:
        birth_date(number)
    except ValueError:
        return f"{number[:8]} is not a date of birth (a samordningsnummer adds 60 to the day)"
    if not luhn_valid(number[2:]):
        return "the check digit is wrong (Luhn over the last ten digits)"
    return None


def legal_sex(number: str) -> str:
    """female or male, by the parity of the ninth of the ten digits (the second last of twelve)."""
    return "male" if int(number[10]) % 2 else "female"


def organisation_number_error(number: str) -> str | None:
    if not _TEN.fullmatch(number):
        return "an organisationsnummer has ten digits"
    if int(number[2]) < 2:
        return "the third digit of an organisationsnummer is at least 2"
    if not luhn_valid(number):
        return "the check digit is wrong (Luhn)"
    return None


def organisation_number_digits(text: str) -> str:
    """NNNNNN-NNNN as its ten digits; anything else unchanged, for the validator to judge."""
    match = _HYPHENATED.fullmatch(text)
    return match[1] + match[2] if match else text


def organisation_number_with_hyphen(number: str) -> str:
    """Ten digits written NNNNNN-NNNN, as association systems write them; anything else unchanged."""
    return f"{number[:6]}-{number[6:]}" if _TEN.fullmatch(number) else number


def municipality_code_error(code: str) -> str | None:
    if code not in municipalities():
        return f"'{code}' is not one of Sweden's 290 municipality codes (kommunkoder)"
    return None


# Six or eight digits of a date, an optional - or +, four digits; not inside a longer run of digits.
_IN_TEXT = re.compile(r"(?<![0-9])(?P<date>[0-9]{8}|[0-9]{6})[-+]?(?P<tail>[0-9]{4})(?![0-9])")


def personal_identity_numbers_in(text: str) -> list[str]:
    """Every personnummer or samordningsnummer written in free text (with or without century or hyphen)."""
    found = []
    for m in _IN_TEXT.finditer(text):
        short = m["date"][-6:]
        centuries = [m["date"][:2]] if len(m["date"]) == 8 else ["19", "20"]
        for century in centuries:
            if personal_identity_number_error(century + short + m["tail"]) is None:
                found.append(m.group(0))
                break
    return found
