"""Embedders that make a burst of questions cheap: micro-batching and a query cache.

A transformer encoder spends most of a lone ``encode`` call on fixed per-call
overhead: on 2 cores a BERT-base forward pass costs ~81 ms for one sentence
but ~17 ms per sentence in a batch of 32. :class:`MicroBatchingEmbedder` turns
concurrent ``embed`` calls (from any guild) into one ``encode`` call:

- a lone question is dispatched at once (no added latency when the encoder is idle
  and nothing else is waiting);
- while the encoder is busy, new questions queue and go together in the next batch;
- when several questions are waiting, the batch may wait for more, but never past
  ``max_wait_s`` after its oldest question arrived, never beyond ``max_batch`` texts,
  and never longer than a quarter of a recent encode call (for a 0.2 ms static
  model a 5 ms wait would cost far more than it saves);
- identical texts in one batch are encoded once ("지원 마감 언제예요?" ×50).

Encoding runs on one worker thread (torch already uses every core for one batch),
so the event loop never blocks. A failed or hung batch fails only its own callers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

import numpy as np

from faq.embedder import FAILED_MESSAGE, Embedder, EncodeFailed, new_encoder_executor, timeout_message
from faq.encoding import Encoder, Vectors

log = logging.getLogger(__name__)

CLOSED_MESSAGE = "봇이 종료 중이라 질문을 처리할 수 없습니다."


@dataclass(eq=False, slots=True)
class _Request:
    texts: list[str]
    future: asyncio.Future[Vectors]
    arrived: float = field(default_factory=time.monotonic)


@dataclass(slots=True)
class BatchStats:
    """Counters for benchmarks and logs (not thread-safe: touched on the loop only)."""

    batches: int = 0
    texts: int = 0  # texts requested
    encoded: int = 0  # unique texts actually encoded
    failed_batches: int = 0
    sizes: list[int] = field(default_factory=list)  # encoded texts per batch, last 10,000

    def record(self, requested: int, encoded: int) -> None:
        self.batches += 1
        self.texts += requested
        self.encoded += encoded
        self.sizes.append(encoded)
        if len(self.sizes) > 10_000:
            del self.sizes[:5_000]


class MicroBatchingEmbedder:
    """:class:`~faq.embedder.Embedder` that coalesces concurrent ``embed`` calls."""

    def __init__(
        self,
        encoder: Encoder,
        executor: Executor | None = None,
        *,
        max_batch: int = 32,
        max_wait_s: float = 0.005,
        timeout_s: float = 60.0,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        if max_wait_s < 0 or timeout_s <= 0:
            raise ValueError("max_wait_s must be >= 0 and timeout_s > 0")
        self._encoder = encoder
        self._owns_executor = executor is None
        self._executor = executor or new_encoder_executor()
        self.max_batch = max_batch
        self.max_wait_s = max_wait_s
        self.timeout_s = timeout_s
        self.stats = BatchStats()
        self._pending: deque[_Request] = deque()
        self._pending_texts = 0
        self._task: asyncio.Task[None] | None = None
        self._arrival: asyncio.Future[None] | None = None  # set when a request joins a waiting batch
        self._encode_s: float | None = None  # moving average of one encode call
        self._closed = False

    @property
    def encoder(self) -> Encoder:
        return self._encoder

    async def embed(self, texts: Sequence[str]) -> Vectors:
        items = list(texts)
        if not items:
            return np.zeros((0, self._encoder.dimension), dtype=np.float32)
        if self._closed:
            raise EncodeFailed(CLOSED_MESSAGE)
        loop = asyncio.get_running_loop()
        request = _Request(items, loop.create_future())
        self._pending.append(request)
        self._pending_texts += len(items)
        if self._task is None or self._task.done():
            # The dispatcher lives only while there is work: no idle task to cancel,
            # and a fresh event loop (tests, CLI runs) simply starts a new one.
            self._task = loop.create_task(self._dispatch(), name="embed-batcher")
        elif self._arrival is not None and not self._arrival.done():
            self._arrival.set_result(None)
        return await request.future

    # ---- dispatcher (one task, runs on the event loop) ----------------------------

    async def _dispatch(self) -> None:
        try:
            while self._pending:
                await self._gather_more()
                batch = self._take()
                if batch:
                    await self._run_batch(batch)
        finally:
            # Only reached with work left if the task itself was cancelled (loop shutdown).
            while self._pending:
                self._fail(self._pop(), EncodeFailed(CLOSED_MESSAGE))

    async def _gather_more(self) -> None:
        """Wait briefly for more questions, but only when others are already waiting.

        A lone question goes at once. The bound is from the oldest question's arrival,
        so time already spent queued behind a busy encoder counts against it.
        """
        if self.max_wait_s <= 0:
            return
        wait_s = self.max_wait_s if self._encode_s is None else min(self.max_wait_s, self._encode_s / 4)
        loop = asyncio.get_running_loop()
        deadline = self._pending[0].arrived + wait_s
        while len(self._pending) > 1 and self._pending_texts < self.max_batch:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self._arrival = loop.create_future()
            try:
                await asyncio.wait_for(self._arrival, remaining)
            except TimeoutError:
                return
            finally:
                self._arrival = None

    def _pop(self) -> _Request:
        request = self._pending.popleft()
        self._pending_texts -= len(request.texts)
        return request

    def _take(self) -> list[_Request]:
        """Whole requests, oldest first, up to ``max_batch`` texts (always at least one)."""
        batch: list[_Request] = []
        size = 0
        while self._pending:
            head = self._pending[0]
            if head.future.done():  # the caller gave up (cancelled) before we got to it
                self._pop()
                continue
            if batch and size + len(head.texts) > self.max_batch:
                break
            batch.append(self._pop())
            size += len(head.texts)
        return batch

    async def _run_batch(self, batch: list[_Request]) -> None:
        unique = list(dict.fromkeys(t for r in batch for t in r.texts))
        requested = sum(len(r.texts) for r in batch)
        loop = asyncio.get_running_loop()
        executor = self._executor
        started = time.monotonic()
        try:
            vectors = await asyncio.wait_for(
                loop.run_in_executor(executor, self._encoder.encode, unique), self.timeout_s
            )
            if vectors.shape[0] != len(unique):
                raise RuntimeError(f"encoder returned {vectors.shape[0]} rows for {len(unique)} texts")
        except TimeoutError:
            self.stats.failed_batches += 1
            if self._owns_executor and executor is self._executor:
                # The stuck call cannot be cancelled; abandon its thread so the next
                # questions get a fresh worker instead of queueing behind it.
                log.error(
                    "encoder exceeded %.1fs on %d texts; replacing its worker thread", self.timeout_s, len(unique)
                )
                executor.shutdown(wait=False, cancel_futures=True)
                self._executor = new_encoder_executor()
            for request in batch:
                self._fail(request, EncodeFailed(timeout_message(self.timeout_s)))
            return
        except Exception as exc:
            self.stats.failed_batches += 1
            log.exception("encoder failed on a batch of %d texts (%d callers)", len(unique), len(batch))
            for request in batch:
                failure = EncodeFailed(FAILED_MESSAGE)
                failure.__cause__ = exc
                self._fail(request, failure)
            return
        except asyncio.CancelledError:
            for request in batch:
                self._fail(request, EncodeFailed(CLOSED_MESSAGE))
            raise
        self.stats.record(requested, len(unique))
        took = time.monotonic() - started
        self._encode_s = took if self._encode_s is None else 0.8 * self._encode_s + 0.2 * took
        row = {text: i for i, text in enumerate(unique)}
        for request in batch:
            if not request.future.done():
                # Fancy indexing copies: no caller shares rows with another.
                request.future.set_result(vectors[[row[t] for t in request.texts]])

    @staticmethod
    def _fail(request: _Request, error: EncodeFailed) -> None:
        if not request.future.done():
            request.future.set_exception(error)

    async def aclose(self) -> None:
        """Finish the questions already queued, then stop the worker."""
        self._closed = True
        task = self._task
        if task is not None and not task.done():
            try:
                await task
            except Exception:  # failures already went to the callers
                log.debug("batcher ended with an error", exc_info=True)
        if self._owns_executor:
            self._executor.shutdown(wait=True, cancel_futures=True)


class CachingEmbedder:
    """LRU cache of query vectors in front of another :class:`Embedder`.

    Keyed by (encoder fingerprint, text). The text is the one the model sees, which
    the service has already normalised (NFC, invisible characters dropped, spaces
    collapsed); folding case or punctuation further would change the model input,
    so a hit would no longer return the vector the model gives.
    """

    def __init__(self, inner: Embedder, size: int = 1024) -> None:
        if size < 1:
            raise ValueError("size must be at least 1")
        self._inner = inner
        self.size = size
        self._cache: OrderedDict[tuple[str, str], Vectors] = OrderedDict()
        self.hits = 0
        self.misses = 0

    @property
    def encoder(self) -> Encoder:
        return self._inner.encoder

    @property
    def inner(self) -> Embedder:
        return self._inner

    async def embed(self, texts: Sequence[str]) -> Vectors:
        items = list(texts)
        fingerprint = self._inner.encoder.fingerprint
        found: dict[str, Vectors] = {}
        for text in items:
            vector = self._cache.get((fingerprint, text))
            if vector is not None:
                self._cache.move_to_end((fingerprint, text))
                found[text] = vector
        missing = [t for t in dict.fromkeys(items) if t not in found]
        self.hits += len(items) - sum(1 for t in items if t in missing)
        self.misses += len(missing)
        if missing:
            fresh = await self._inner.embed(missing)
            for text, vector in zip(missing, fresh, strict=True):
                vector.setflags(write=False)  # shared between callers from now on
                found[text] = vector
                self._cache[(fingerprint, text)] = vector
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        if not items:
            return np.zeros((0, self._inner.encoder.dimension), dtype=np.float32)
        return np.stack([found[t] for t in items])

    async def aclose(self) -> None:
        self._cache.clear()
        await self._inner.aclose()
