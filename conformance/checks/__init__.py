"""Checks, one module per conformance class (`discovery.py` holds the checks of `discovery`).

Each module declares its checks with `conformance.registry.check`; `registry.all_checks()` imports
every module here, so adding a module is all it takes to add checks.
"""
