"""The lint rules, one module per theme; importing this package registers all of them.

Each rule yields (JSON pointer, message) pairs; the message names what is wrong and how to fix it.
"""

from spec.governance.rules import (  # noqa: F401 - imported for their @rule registrations
    data,
    documentation,
    errors,
    examples,
    naming,
    privacy,
    security,
    validity,
    versioning,
)
