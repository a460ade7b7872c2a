"""Shared fixtures: databases for the reference server.

PostgreSQL tests read BOKBID_TEST_PG (default: the local server). Without a reachable server they
skip with a clear message, unless BOKBID_REQUIRE_PG=1 (CI), where a missing database is a failure.
Each test gets a database of its own, created here and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def _admin_url() -> str:
    return os.environ.get("BOKBID_TEST_PG", DEFAULT_PG)


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    admin = _admin_url()
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("BOKBID_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL required (BOKBID_REQUIRE_PG=1) but {admin} is unreachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {admin} (set BOKBID_TEST_PG): {exc}")
    name = f"bokbid_test_{uuid.uuid4().hex[:12]}"
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(admin, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file for one test."""
    return f"sqlite:///{tmp_path / 'bokbid.db'}"
