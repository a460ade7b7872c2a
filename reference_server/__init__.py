"""The BoB reference server: a complete implementation of every class of the standard.

It exists to prove the standard implementable and to give suppliers something to develop against,
so it follows `spec/v1/openapi.yaml` to the letter and carries a catalogue of deliberate faults
(each class's `faults.py`, gathered by `faults.py`) that the certification harness must catch. One
package per conformance class stands on a small platform layer (app, routing, validation, storage,
auth, clock, problems, settings). It never imports the harness.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _package_version

try:
    __version__ = _package_version("bokbid")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
