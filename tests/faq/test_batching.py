"""Micro-batching and the query cache: behaviour only, no timing thresholds."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from faq.batching import CachingEmbedder, MicroBatchingEmbedder
from faq.embedder import EncodeFailed, ThreadedEmbedder
from faq.service import FaqService
from faq.store import FaqStore
from faqbot.app import build_embedder, open_service
from faqbot.settings import CoreSettings
from model.encoder import Vectors
from model.fake import HashingEncoder

QUESTIONS = [f"질문 {i}번: 회비는 언제까지 내나요?" for i in range(40)]


class ExplodingEncoder(HashingEncoder):
    """Fails any batch that contains the text "boom"."""

    def encode(self, texts: Sequence[str]) -> Vectors:
        if "boom" in texts:
            with self._lock:
                self.calls.append(len(texts))
            raise RuntimeError("model exploded")
        return super().encode(texts)


class HangingEncoder(HashingEncoder):
    """Blocks on "hang" until released (a stuck model)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def encode(self, texts: Sequence[str]) -> Vectors:
        if "hang" in texts:
            self.release.wait(30)
        return super().encode(texts)


async def test_concurrent_questions_are_coalesced_and_answered_correctly() -> None:
    encoder = HashingEncoder(delay_s=0.02)
    embedder = MicroBatchingEmbedder(encoder, max_batch=16, max_wait_s=0.001)
    try:
        results = await asyncio.gather(*(embedder.embed([q]) for q in QUESTIONS))
    finally:
        await embedder.aclose()
    assert max(encoder.calls) > 1  # coalesced
    assert max(encoder.calls) <= 16  # never beyond max_batch
    assert sum(encoder.calls) == len(QUESTIONS)  # every text encoded exactly once
    reference = HashingEncoder()
    for question, vectors in zip(QUESTIONS, results, strict=True):
        assert vectors.shape == (1, reference.dimension)
        np.testing.assert_allclose(vectors[0], reference.encode([question])[0], rtol=0, atol=1e-6)


async def test_multi_text_requests_keep_their_order() -> None:
    encoder = HashingEncoder()
    embedder = MicroBatchingEmbedder(encoder, max_batch=64)
    try:
        a, b = await asyncio.gather(embedder.embed(QUESTIONS[:5]), embedder.embed(QUESTIONS[3:9][::-1]))
    finally:
        await embedder.aclose()
    assert encoder.calls == [9]  # one call, overlapping texts encoded once
    np.testing.assert_allclose(a, HashingEncoder().encode(QUESTIONS[:5]), atol=1e-6)
    np.testing.assert_allclose(b, HashingEncoder().encode(QUESTIONS[3:9][::-1]), atol=1e-6)


async def test_identical_questions_in_a_burst_are_encoded_once() -> None:
    encoder = HashingEncoder()
    embedder = MicroBatchingEmbedder(encoder, max_batch=32)
    try:
        results = await asyncio.gather(*(embedder.embed(["지원 마감 언제예요?"]) for _ in range(50)))
    finally:
        await embedder.aclose()
    assert encoder.calls == [1, 1]  # 32 callers, then 18: one unique text each time
    assert all(np.array_equal(r, results[0]) for r in results)
    results[0][0, 0] = 42.0  # each caller owns its rows
    assert results[1][0, 0] != 42.0


async def test_an_encoder_error_fails_only_its_batch() -> None:
    encoder = ExplodingEncoder()
    embedder = MicroBatchingEmbedder(encoder, max_batch=2)
    texts = ["a", "b", "boom", "c", "d"]  # all queued before the first dispatch: batches [a b] [boom c] [d]
    try:
        outcomes = await asyncio.gather(*(embedder.embed([t]) for t in texts), return_exceptions=True)
        after = await embedder.embed(["e"])
    finally:
        await embedder.aclose()
    assert [isinstance(o, EncodeFailed) for o in outcomes] == [False, False, True, True, False]
    assert "처리하지 못했습니다" in str(outcomes[2])
    assert isinstance(outcomes[2].__cause__, RuntimeError)
    assert embedder.stats.failed_batches == 1
    assert after.shape == (1, encoder.dimension)


async def test_a_lone_question_does_not_wait_for_max_wait() -> None:
    encoder = HashingEncoder()
    # A 60 s max wait would time the test out if a lone request ever waited for it.
    embedder = MicroBatchingEmbedder(encoder, max_batch=32, max_wait_s=60.0)
    try:
        for question in QUESTIONS[:3]:
            await asyncio.wait_for(embedder.embed([question]), timeout=10)
    finally:
        await embedder.aclose()
    assert encoder.calls == [1, 1, 1]


async def test_waiting_questions_are_held_back_at_most_max_wait() -> None:
    encoder = HashingEncoder()
    embedder = MicroBatchingEmbedder(encoder, max_batch=32, max_wait_s=60.0)
    try:
        # Two queued at once: the batch is not full, yet a full batch may fill it; the
        # wait ends as soon as max_batch is reached.
        results = await asyncio.wait_for(asyncio.gather(*(embedder.embed([q]) for q in QUESTIONS[:32])), timeout=10)
    finally:
        await embedder.aclose()
    assert len(results) == 32
    assert encoder.calls == [32]


async def test_a_hung_encoder_fails_its_batch_and_the_next_question_is_served() -> None:
    encoder = HangingEncoder()
    embedder = MicroBatchingEmbedder(encoder, timeout_s=0.2)
    try:
        with pytest.raises(EncodeFailed, match="초 안에 오지 않았습니다"):
            await asyncio.wait_for(embedder.embed(["hang"]), timeout=10)
        served = await asyncio.wait_for(embedder.embed(["회비 얼마예요?"]), timeout=10)
        assert served.shape == (1, encoder.dimension)
    finally:
        encoder.release.set()
        await embedder.aclose()


async def test_a_cancelled_caller_does_not_disturb_the_others() -> None:
    encoder = HashingEncoder(delay_s=0.05)
    embedder = MicroBatchingEmbedder(encoder, max_batch=4)
    try:
        first = asyncio.create_task(embedder.embed(["먼저"]))
        await asyncio.sleep(0)  # dispatched alone; the rest queue behind it
        doomed = asyncio.create_task(embedder.embed(["취소될 질문"]))
        kept = asyncio.create_task(embedder.embed(["남는 질문"]))
        await asyncio.sleep(0)
        doomed.cancel()
        assert (await kept).shape == (1, encoder.dimension)
        assert (await first).shape == (1, encoder.dimension)
    finally:
        await embedder.aclose()
    assert doomed.cancelled()


async def test_closed_embedder_refuses_new_work() -> None:
    embedder = MicroBatchingEmbedder(HashingEncoder())
    assert (await embedder.embed([])).shape == (0, 256)
    await embedder.aclose()
    with pytest.raises(EncodeFailed):
        await embedder.embed(["늦은 질문"])


async def test_cache_hit_does_not_call_the_encoder() -> None:
    encoder = HashingEncoder()
    embedder = CachingEmbedder(MicroBatchingEmbedder(encoder), size=2)
    try:
        first = await embedder.embed(["회비 얼마예요?"])
        again = await embedder.embed(["회비 얼마예요?"])
        assert encoder.calls == [1]
        np.testing.assert_array_equal(first, again)
        await embedder.embed(["세션 언제?", "면접 있나요?"])  # evicts the oldest entry (size 2)
        await embedder.embed(["회비 얼마예요?"])
        assert encoder.calls == [1, 2, 1]
        assert (embedder.hits, embedder.misses) == (1, 4)
    finally:
        await embedder.aclose()


async def test_cache_is_keyed_by_encoder_fingerprint() -> None:
    class Switchable(ThreadedEmbedder):
        pass

    old, new = HashingEncoder(tag="v1"), HashingEncoder(tag="v2")
    inner = Switchable(old)
    embedder = CachingEmbedder(inner)
    try:
        await embedder.embed(["회비 얼마예요?"])
        inner._encoder = new  # as if the model changed under the cache
        await embedder.embed(["회비 얼마예요?"])
        assert old.calls == [1] and new.calls == [1]
    finally:
        await embedder.aclose()


async def test_service_answers_a_burst_through_the_batcher(store: FaqStore) -> None:
    from tests.helpers import SAMPLE_FAQS

    encoder = HashingEncoder(delay_s=0.01)
    service = FaqService(store, MicroBatchingEmbedder(encoder, max_batch=32))
    try:
        await service.import_drafts("g1", SAMPLE_FAQS, "tester")
        await service.import_drafts("g2", SAMPLE_FAQS[:2], "tester")
        encoder.calls.clear()
        asks = [service.ask("g1" if i % 2 else "g2", "회비 얼마예요?") for i in range(20)]
        asks += [service.ask("g1", "세션 언제 해요?") for _ in range(10)]
        answers = await asyncio.gather(*asks)
    finally:
        await service.aclose()
    assert all(a.best is not None for a in answers)
    assert {a.best.question for a in answers[20:]} == {"정기 세션은 언제 하나요?"}
    assert max(encoder.calls) > 1  # guilds share batches


def test_build_embedder_follows_settings(tmp_path: Path) -> None:
    encoder = HashingEncoder()
    plain = build_embedder(
        CoreSettings(db=tmp_path / "x.db", embed_max_batch=8, embed_max_wait_ms=2, query_cache_size=0), encoder
    )
    assert isinstance(plain, MicroBatchingEmbedder)
    assert (plain.max_batch, plain.max_wait_s) == (8, 0.002)
    cached = build_embedder(CoreSettings(db=tmp_path / "x.db"), encoder)  # cache on by default
    assert isinstance(cached, CachingEmbedder) and isinstance(cached.inner, MicroBatchingEmbedder)
    assert cached.size == 1024


async def test_open_service_uses_the_batcher_by_default(tmp_path: Path) -> None:
    async with open_service(CoreSettings(db=tmp_path / "bot.db"), encoder=HashingEncoder()) as service:
        assert isinstance(service.embedder, CachingEmbedder)
        assert isinstance(service.embedder.inner, MicroBatchingEmbedder)
        answer = await service.ask("default", "회비 얼마예요?")
        assert answer.query == "회비 얼마예요?"
