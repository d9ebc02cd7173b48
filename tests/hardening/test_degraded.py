"""A failing model and a failing disk: clear errors, bounded waits, and the bot keeps serving.

- Encoder raising or hanging: the affected questions get an error within ``embed_timeout_s``;
  the next questions are answered (the stuck worker thread is replaced, not waited on).
- Database read-only (``PRAGMA query_only``: tests run as root, so file modes would not stop
  writes) or full (``PRAGMA max_page_count``): every write raises :class:`StorageError` with a
  Korean message and changes nothing; questions, listing and showing keep working.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from faq.batching import MicroBatchingEmbedder
from faq.embedder import EncodeFailed, ThreadedEmbedder
from faq.errors import StorageError
from faq.service import FaqService
from faq.store import FaqStore
from faq.types import FaqDraft, Status, Thresholds
from model.encoder import Vectors
from model.fake import HashingEncoder
from tests.bot.conftest import world as world
from tests.bot.helpers import ANSWER_Q, World, content_of, mention, running_bot
from tests.fakediscord import RecordedCall
from tests.hardening.hostile import snapshot
from tests.helpers import SAMPLE_FAQS

pytestmark = pytest.mark.timeout(60)

SCOPE = "g1"
TIMEOUT_S = 0.5


def replies_to(call: RecordedCall, message: dict[str, Any]) -> bool:
    return str((call.json.get("message_reference") or {}).get("message_id")) == str(message["id"])


class FaultyEncoder(HashingEncoder):
    """Raises on texts containing BOOM, blocks on texts containing HANG (until released)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def encode(self, texts: Sequence[str]) -> Vectors:
        if any("BOOM" in t for t in texts):
            raise RuntimeError("simulated model crash")
        if any("HANG" in t for t in texts):
            self.release.wait(30)
        return super().encode(texts)


@pytest.fixture
def faulty() -> FaultyEncoder:
    encoder = FaultyEncoder()
    yield encoder
    encoder.release.set()  # let abandoned worker threads finish


@pytest.mark.parametrize("kind", ["threaded", "micro-batching"])
async def test_encoder_raising_or_hanging_fails_only_those_questions(
    tmp_path: Path, faulty: FaultyEncoder, kind: str
) -> None:
    store = await FaqStore.open(tmp_path / "faq.db")
    embedder = (
        ThreadedEmbedder(faulty, timeout_s=TIMEOUT_S)
        if kind == "threaded"
        else MicroBatchingEmbedder(faulty, timeout_s=TIMEOUT_S, max_wait_s=0)
    )
    service = FaqService(store, embedder, thresholds=Thresholds(0.6, 0.35, 0.05))
    try:
        await service.import_drafts(SCOPE, SAMPLE_FAQS, "tester")
        for bad in ("BOOM 회비", "HANG 회비", "HANG 세션", "BOOM 세션"):
            started = time.monotonic()
            with pytest.raises(EncodeFailed) as failed:
                await service.ask(SCOPE, bad)
            assert time.monotonic() - started < TIMEOUT_S + 1.0
            assert "모델" in str(failed.value)
            answer = await service.ask(SCOPE, "회비 얼마예요?")  # the next question is served
            assert answer.status is Status.ANSWER
        # A write whose encoding fails changes nothing.
        before = snapshot(tmp_path / "faq.db")
        with pytest.raises(EncodeFailed):
            await service.add(SCOPE, FaqDraft("HANG 새 질문?", "답"), "admin")
        assert snapshot(tmp_path / "faq.db") == before
    finally:
        faulty.release.set()
        await service.aclose()
        await store.close()


# ---- read-only database and full disk -----------------------------------------------------------


@pytest.fixture
async def svc(tmp_path: Path) -> AsyncIterator[FaqService]:
    store = await FaqStore.open(tmp_path / "faq.db")
    service = FaqService(store, ThreadedEmbedder(HashingEncoder()), thresholds=Thresholds(0.6, 0.35, 0.05))
    await service.import_drafts(SCOPE, SAMPLE_FAQS, "tester")
    try:
        yield service
    finally:
        await service.aclose()
        await store.close()


async def make_read_only(service: FaqService) -> None:
    async with service.store.reading() as conn:
        await conn.execute("PRAGMA query_only = ON")


async def make_full(service: FaqService) -> None:
    async with service.store.reading() as conn:
        await conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        async with conn.execute("PRAGMA page_count") as cur:
            row = await cur.fetchone()
        assert row is not None
        await conn.execute(f"PRAGMA max_page_count = {int(row[0])}")


async def writes_refused(service: FaqService, db: Path, *, growing_only: bool = False) -> list[str]:
    """Try every kind of write; each must raise StorageError and leave the database as it was.

    ``growing_only``: a full disk still lets a delete or a tiny update reuse free pages, so
    only the writes that need new pages are tried.
    """
    first = (await service.list(SCOPE))[0]
    big = "긴 답변 " * 200
    attempts = [
        service.add(SCOPE, FaqDraft("새로 추가하는 질문?", big, tuple(f"대체 질문 {i}" for i in range(30))), "admin"),
        service.import_drafts(SCOPE, [FaqDraft(f"가져오기 질문 {i}?", big) for i in range(200)], "admin"),
        service.edit(SCOPE, first.id, "admin", answer=big, alternates=[f"수정 대체 {i}" for i in range(30)]),
    ]
    if not growing_only:
        attempts += [
            service.import_drafts(SCOPE, [FaqDraft("바꿔치기 질문?", "답")], "admin", replace=True),
            service.remove(SCOPE, first.id, "admin"),
            service.set_thresholds(SCOPE, Thresholds(0.7, 0.4, 0.05)),
        ]
    before = snapshot(db)
    messages = []
    for attempt in attempts:
        with pytest.raises(StorageError) as refused:
            await attempt
        messages.append(str(refused.value))
    assert snapshot(db) == before
    return messages


@pytest.mark.parametrize("fault", ["read-only", "disk-full"])
async def test_storage_faults_refuse_writes_and_keep_reads(svc: FaqService, tmp_path: Path, fault: str) -> None:
    faqs = await svc.list(SCOPE)
    await (make_read_only if fault == "read-only" else make_full)(svc)
    messages = await writes_refused(svc, tmp_path / "faq.db", growing_only=fault == "disk-full")
    assert all(m.startswith("데이터베이스에 쓸 수 없습니다") for m in messages)
    # Reads keep working: answer, list, show, and the index still matches the database.
    assert (await svc.ask(SCOPE, "회비 얼마예요?")).status is Status.ANSWER
    assert await svc.list(SCOPE) == faqs
    assert (await svc.get(SCOPE, faqs[0].id)) == faqs[0]
    assert (await svc.index(SCOPE)).snapshot.live_rows == sum(len(f.questions) for f in faqs)


# ---- the same faults seen through the bot --------------------------------------------------------


async def test_bot_answers_mentions_through_a_raising_and_a_hanging_model(world: World, faulty: FaultyEncoder) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world, encoder=faulty, embed_timeout_s=TIMEOUT_S) as bot:
        for bad in ("BOOM 회비 얼마예요?", "HANG 회비 얼마예요?", "HANG 세션 시간"):
            sent = await fd.message_create(a.general, a.alice, mention(bot, bad))
            started = time.monotonic()
            reply = await fd.wait_for_message(a.general, lambda c, s=sent: replies_to(c, s))
            assert time.monotonic() - started < TIMEOUT_S + 1.5
            text = reply.json["content"]
            assert "지금은 답할 수 없어요" in text and ("0.5초" in text or "처리하지" in text), text
            good = await fd.message_create(a.general, a.bob, mention(bot, ANSWER_Q))
            ok = await fd.wait_for_message(a.general, lambda c, s=good: replies_to(c, s))
            assert "회비는 얼마인가요?" in ok.json["content"]


async def test_bot_slash_ask_with_a_hanging_model_gets_the_model_message(world: World, faulty: FaultyEncoder) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world, encoder=faulty, embed_timeout_s=TIMEOUT_S):
        handle = await fd.interaction_slash("faq ask", {"question": "HANG 세션"}, guild_id=a.id, user=a.alice)
        await handle.callback(timeout=3)
        followup = await handle.followup(timeout=TIMEOUT_S + 3)
        assert "모델" in followup.json["content"]


@pytest.mark.parametrize(
    "fault",
    [
        "read-only",
        "disk-full",
    ],
)
async def test_bot_storage_fault_admin_message_and_members_still_answered(world: World, fault: str) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        await (make_read_only if fault == "read-only" else make_full)(bot.service)
        handle = await fd.interaction_slash(
            "faq-admin alt add", {"faq_id": a.faq_ids[0], "text": "회비 새 대체 질문"}, guild_id=a.id, user=a.admin
        )
        cb = await handle.callback()
        text = content_of(cb.json) or (await handle.followup()).json["content"]
        assert "데이터베이스에 쓸 수 없습니다" in text
        sent = await fd.message_create(a.general, a.alice, mention(bot, ANSWER_Q))
        reply = await fd.wait_for_message(a.general, lambda c: replies_to(c, sent))
        show = await fd.interaction_slash("faq show", {"faq_id": a.faq_ids[0]}, guild_id=a.id, user=a.alice)
        shown = content_of((await show.callback()).json)
    assert "회비는 얼마인가요?" in shown
    assert "한 학기 회비는 3만 원" in reply.json["content"], reply.json["content"]


async def test_read_only_is_refused_at_open_for_a_newer_schema(tmp_path: Path) -> None:
    """A database from a newer faqbot is refused with a clear message, not half-upgraded."""
    db = tmp_path / "new.db"
    store = await FaqStore.open(db)
    async with store.reading() as conn:
        await conn.execute("PRAGMA user_version = 999")
    await store.close()
    before = snapshot(db)
    with pytest.raises(StorageError, match="새롭습니다"):
        await FaqStore.open(db)
    assert snapshot(db) == before
    await asyncio.sleep(0)
