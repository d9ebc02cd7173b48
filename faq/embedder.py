"""Async front of a synchronous :class:`~faq.encoding.Encoder`.

The encoder runs in a thread executor so the event loop never blocks; the
performance work (micro-batching) plugs in behind the same ``embed`` call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Protocol

from faq.encoding import Encoder, Vectors

log = logging.getLogger(__name__)


FAILED_MESSAGE = "모델이 질문을 처리하지 못했습니다."


def timeout_message(timeout_s: float) -> str:
    return f"모델 응답이 {timeout_s:g}초 안에 오지 않았습니다."  # :g, not :.0f: a 0.5 s limit is not "0초"


def new_encoder_executor() -> ThreadPoolExecutor:
    # One worker: torch already uses every core for one batch; more threads only contend.
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="encoder")


class EncodeFailed(RuntimeError):
    """The model failed on these texts; the message is safe to show."""


class Embedder(Protocol):
    @property
    def encoder(self) -> Encoder: ...

    async def embed(self, texts: Sequence[str]) -> Vectors: ...

    async def aclose(self) -> None: ...


class ThreadedEmbedder:
    """One ``encode`` call per ``embed`` call, on a dedicated worker thread."""

    def __init__(self, encoder: Encoder, executor: Executor | None = None, *, timeout_s: float = 60.0) -> None:
        self._encoder = encoder
        self._owns_executor = executor is None
        self._executor = executor or new_encoder_executor()
        self.timeout_s = timeout_s

    @property
    def encoder(self) -> Encoder:
        return self._encoder

    async def embed(self, texts: Sequence[str]) -> Vectors:
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(
                loop.run_in_executor(self._executor, self._encoder.encode, list(texts)), self.timeout_s
            )
        except TimeoutError as exc:
            if self._owns_executor:
                # The stuck call cannot be cancelled; abandon its thread so the next
                # questions get a fresh worker instead of queueing behind it.
                log.error("encoder exceeded %.1fs; replacing its worker thread", self.timeout_s)
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = new_encoder_executor()
            raise EncodeFailed(timeout_message(self.timeout_s)) from exc
        except Exception as exc:
            log.exception("encoder failed on %d texts", len(texts))
            raise EncodeFailed(FAILED_MESSAGE) from exc

    async def aclose(self) -> None:
        if self._owns_executor:
            self._executor.shutdown(wait=True, cancel_futures=True)
