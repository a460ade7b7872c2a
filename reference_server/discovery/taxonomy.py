"""Which activity-type ids exist: the taxonomy of the release served (activity-types.yaml) decides.

The taxonomy itself, and the "this type and every narrower one" sets a search needs, come from
`spec`, which the harness reads too; this module only adds the membership test the server needs
for every filter and fixture.
"""

from __future__ import annotations

from functools import cache

import spec


@cache
def known_ids(release: spec.Release) -> frozenset[str]:
    return frozenset(t["id"] for t in spec.activity_types(release))
