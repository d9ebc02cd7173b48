"""Shared fixtures: a deterministic fake encoder and a small Korean FAQ set."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from faq.embedder import ThreadedEmbedder
from faq.service import FaqService
from faq.store import FaqStore
from faq.types import Thresholds
from model.fake import HashingEncoder
from tests.helpers import SAMPLE_FAQS

# The fake Discord and fake Slack servers (`fake_discord`, `fake_slack`) and a throw-away PostgreSQL.
pytest_plugins = ["tests.fakediscord.fixtures", "tests.fakeslack.fixtures", "tests.pg_fixtures"]

# Tests never touch a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture
def encoder() -> HashingEncoder:
    return HashingEncoder()


@pytest.fixture
def db_target(tmp_path: Path) -> str:
    """The database the ``store`` fixture opens: SQLite here; tests/faq runs both engines."""
    return str(tmp_path / "faq.db")


@pytest.fixture
async def store(db_target: str) -> AsyncIterator[FaqStore]:
    s = await FaqStore.open(db_target)
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
async def service(store: FaqStore, encoder: HashingEncoder) -> AsyncIterator[FaqService]:
    svc = FaqService(store, ThreadedEmbedder(encoder), thresholds=Thresholds(0.6, 0.35, 0.05))
    await svc.import_drafts("g1", SAMPLE_FAQS, "tester")
    try:
        yield svc
    finally:
        await svc.aclose()
