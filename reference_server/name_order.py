"""The order of lists "by name" (CORE-008): Swedish alphabetical order, ignoring case.

Names are compared character by character after Unicode case folding of their NFC form, with å,
ä and ö right after z, in that order, and every other character by its code point; equal names
are then ordered by id. Lists are sorted here rather than in SQL because a database's collation
depends on how it was installed (SQLite compares code points, PostgreSQL follows the cluster's
locale), and the order a client sees must not.
"""

from __future__ import annotations

import unicodedata

# Between z and the next code point ({): å, ä, ö in the order of the Swedish alphabet.
_AFTER_Z = {"å": ord("z") + 0.25, "ä": ord("z") + 0.5, "ö": ord("z") + 0.75}


def name_key(name: str) -> tuple[float, ...]:
    """What a name sorts by; compare (name_key(name), id) to order a list by name, then id."""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())
    return tuple(_AFTER_Z.get(c, ord(c)) for c in folded)


def code_point_key(name: str) -> tuple[float, ...]:
    """A plain string comparison: capitals before small letters, Ä before Å (the usual mistake)."""
    return tuple(float(ord(c)) for c in name)
