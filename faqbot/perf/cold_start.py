"""Section 3: cold start from a database whose question vectors are cached."""

from __future__ import annotations

import logging
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from faq.batching import MicroBatchingEmbedder
from faq.service import FaqService
from faq.store import FaqStore
from faq.text import answer_passages, normalized_key
from faqbot.perf.measure import bench_questions
from model.encoder import Encoder, Vectors

log = logging.getLogger(__name__)


class CountingEncoder:
    """Wraps an encoder and counts the texts it is asked to encode."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.texts = 0

    @property
    def fingerprint(self) -> str:
        return self.inner.fingerprint

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    @property
    def max_seq_length(self) -> int | None:
        return self.inner.max_seq_length

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.texts += len(texts)
        return self.inner.encode(texts)


async def write_cached_db(path: Path, rows: int, encoder: Encoder, *, per_faq: int = 5) -> None:
    """A database with ``rows`` question rows whose vectors are cached for ``encoder``.

    Rows go straight into the tables (Kiwi-tokenising 30,000 texts is setup, not the
    thing measured); vectors are random unit rows of the encoder's dimension.
    """
    store = await FaqStore.open(path)
    await store.close()
    rng = np.random.default_rng(1)
    base = bench_questions()
    conn = sqlite3.connect(path)
    try:
        with conn:
            faq_rows, q_rows, p_rows, e_rows = [], [], [], []
            for faq_id in range(1, rows // per_faq + 1):
                answer = f"답변 {faq_id}번이에요."
                faq_rows.append((faq_id, "default", answer, "bench", "2025-01-01", "bench", "2025-01-01"))
                for pos, text in enumerate(answer_passages(answer)):
                    p_rows.append((faq_id, pos, "default", text, " ".join(text.split()[:6])))
                    vec = rng.standard_normal(encoder.dimension).astype(np.float32)
                    e_rows.append((text, encoder.fingerprint, encoder.dimension, (vec / np.linalg.norm(vec)).tobytes()))
                for pos in range(per_faq):
                    text = f"{base[(faq_id * per_faq + pos) % len(base)]} #{faq_id}-{pos}"
                    q_rows.append((faq_id, pos, "default", text, normalized_key(text), " ".join(text.split()[:6])))
                    vec = rng.standard_normal(encoder.dimension).astype(np.float32)
                    e_rows.append((text, encoder.fingerprint, encoder.dimension, (vec / np.linalg.norm(vec)).tobytes()))
            conn.executemany("INSERT INTO faqs VALUES (?, ?, ?, ?, ?, ?, ?)", faq_rows)
            conn.executemany(
                "INSERT INTO faq_questions (faq_id, position, scope, text, norm, tokens) VALUES (?, ?, ?, ?, ?, ?)",
                q_rows,
            )
            conn.executemany(
                "INSERT INTO faq_passages (faq_id, position, scope, text, tokens) VALUES (?, ?, ?, ?, ?)", p_rows
            )
            conn.executemany("INSERT INTO embeddings (text, fingerprint, dim, vector) VALUES (?, ?, ?, ?)", e_rows)
    finally:
        conn.close()


async def cold_start_section(encoder: Encoder, rows: int, reencode_qps: float | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="faqbot-bench-") as tmp:
        db = Path(tmp) / "cold.db"
        await write_cached_db(db, rows, encoder)
        counting = CountingEncoder(encoder)
        start = time.perf_counter()
        store = await FaqStore.open(db)
        service = FaqService(store, MicroBatchingEmbedder(counting))
        try:
            loaded = await service.load_all()
            ready = time.perf_counter() - start
        finally:
            await service.aclose()
            await store.close()
    out: dict[str, Any] = {
        "rows": loaded,
        "ready_s": round(ready, 3),
        "texts_encoded": counting.texts,
    }
    if reencode_qps:
        out["reencode_estimate_s"] = round(rows / reencode_qps, 1)
    return out
