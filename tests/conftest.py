"""Shared fixtures: a deterministic fake encoder and a small Korean FAQ set."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from faq.embedder import ThreadedEmbedder
from faq.service import FaqService
from faq.store import FaqStore
from faq.types import FaqDraft, Thresholds
from model.fake import HashingEncoder

# The fake Discord server fixture (`fake_discord`) for end-to-end bot tests.
pytest_plugins = ["tests.fakediscord.fixtures", "tests.pg_fixtures"]

# Tests never touch a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SAMPLE_FAQS = [
    FaqDraft("회비는 얼마인가요?", "한 학기 회비는 3만 원입니다.", ("회비 금액이 궁금해요", "동아리 회비 얼마예요?")),
    FaqDraft(
        "회비는 어떻게 납부하나요?", "카카오뱅크 계좌로 이체해 주세요.", ("회비 납부 방법", "회비 어디로 보내요?")
    ),
    FaqDraft("정기 세션은 언제 하나요?", "매주 화요일 저녁 7시에 합니다.", ("세션 요일이 언제예요?", "세션 시간")),
    FaqDraft(
        "프론트엔드 파트는 무엇을 하나요?", "React로 웹 화면을 만듭니다.", ("FE 파트 뭐해요?", "프론트 파트 활동")
    ),
    FaqDraft(
        "비전공자도 지원할 수 있나요?",
        "네, 전공과 상관없이 지원할 수 있어요.",
        ("컴공 아니어도 돼요?", "비전공자 지원 가능?"),
    ),
]


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
