"""The BoB reference server: a complete implementation of the classes core, discovery and test-interface.

It exists to prove the standard implementable and to give suppliers something to develop against,
so it follows `spec/v1/openapi.yaml` to the letter and carries a catalogue of deliberate faults
(`faults.py`) that the certification harness must catch. It never imports the harness.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _package_version

try:
    __version__ = _package_version("bokbid")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
