"""Governance tools for the architects who evolve the standard: lint, diff, versioning, changelog, docs.

They work on any OpenAPI document on disk (a release, a proposed change, the working spec), never
on `spec.openapi()` alone, because governance is about comparing and judging versions. The reader
in `spec/__init__.py` stays the one source for the server and the harness; this package only reads
files and reports.
"""
