"""The store, activity and service suites run against both engines: SQLite and a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "faq.db")
    return str(request.getfixturevalue("pg_schema_url"))
