"""Spotting Swedish personal identity numbers in text, for the privacy scan of anonymous responses.

A personnummer leaking to an anonymous caller is one of the worst mistakes a supplier can make
(CORE-016), and it can hide anywhere in a body: a field, a problem `detail`, an echoed query. So the
scan looks at the raw text, not at the schema. To stay free of false failures it only accepts what
is really a personnummer or samordningsnummer: a plausible birth date (coordination numbers add 60
to the day) and a valid Luhn check digit over the last ten digits; digit runs that are part of
something longer (UUIDs, decimals, longer numbers, tokens) are ignored.
"""

from __future__ import annotations

import re
from datetime import date

# Not preceded or followed by a word character, a hyphen or a decimal point: that keeps out UUID
# segments (8-4-4-4-12 hex), the fractional digits of coordinates and pieces of longer numbers.
_BEFORE = r"(?<![\w.-])"
_AFTER = r"(?![\w-]|\.\d)"
_PATTERN = re.compile(
    _BEFORE
    + r"(?:(?P<century>\d{2})(?P<yy>\d{2})(?P<mm>\d{2})(?P<dd>\d{2})-?(?P<tail>\d{4})"
    + r"|(?P<yy6>\d{2})(?P<mm6>\d{2})(?P<dd6>\d{2})[-+](?P<tail6>\d{4}))"
    + _AFTER
)


def luhn_valid(digits: str) -> bool:
    """The Luhn check used by Skatteverket, over the ten digits YYMMDDNNNC."""
    total = 0
    for i, ch in enumerate(digits):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _plausible_date(year: int, month: int, day: int) -> bool:
    if day > 60:  # samordningsnummer: the day of birth plus 60
        day -= 60
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def find_personnummer(text: str) -> list[str]:
    """Every personnummer or samordningsnummer in `text`, as written there."""
    found: list[str] = []
    for m in _PATTERN.finditer(text):
        if m["century"] is not None:
            yy, mm, dd, tail = m["yy"], m["mm"], m["dd"], m["tail"]
            centuries = [int(m["century"])] if m["century"] in ("18", "19", "20") else []
        else:
            yy, mm, dd, tail = m["yy6"], m["mm6"], m["dd6"], m["tail6"]
            centuries = [19, 20]  # the short form leaves the century open
        dated = any(_plausible_date(c * 100 + int(yy), int(mm), int(dd)) for c in centuries)
        if dated and luhn_valid(yy + mm + dd + tail):
            found.append(m.group(0))
    return found


def mask(personnummer: str) -> str:
    """Show a found number in reports without repeating the leak: the date stays, the rest is starred."""
    return re.sub(r"\d{4}$", "****", personnummer)


def redact(text: str) -> str:
    """`text` with every personnummer and samordningsnummer masked, for evidence kept and shared."""
    for number in sorted(set(find_personnummer(text)), key=len, reverse=True):
        text = text.replace(number, mask(number))
    return text
