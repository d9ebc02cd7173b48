"""The store, activity and service suites run against both engines: SQLite and a real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from faq.embedder import ThreadedEmbedder
from faq.service import FaqService
from faq.store import FaqStore
from model.fake import HashingEncoder


@pytest.fixture(params=["sqlite", "postgresql"])
def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "faq.db")
    return str(request.getfixturevalue("pg_schema_url"))


@pytest.fixture
async def other(db_target: str, service: FaqService) -> AsyncIterator[FaqService]:
    """Another writer on the service's database (its own connection or pool and writer id, like the
    CLI or another process), with another model. test_changes.py / test_pg_changes.py pick the engine."""
    store = await FaqStore.open(db_target)
    svc = FaqService(store, ThreadedEmbedder(HashingEncoder(tag="cli-model")))
    try:
        yield svc
    finally:
        await svc.aclose()
        await store.close()
