"""Scoring a query against an FAQ bank exactly as the service does (dense, BM25 and their fusion),
retrieval metrics, and latency."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

import numpy as np

from faq.cascade import Reranking, calibrator_for
from faq.decision import DecisionModel
from faq.index import ScopeIndex, index_texts
from faq.lexical import tokenize
from faq.matcher import (
    DEFAULT_ANSWER_WEIGHT,
    DEFAULT_DOCUMENT_WEIGHT,
    DEFAULT_ROWS,
    RowRules,
)
from faq.types import Candidate
from model.encoder import Encoder
from model.eval.data import (
    FaqBank,
    Scores,
)

log = logging.getLogger(__name__)


class Scorer:
    """Ranks FAQs for queries with a dense encoder, BM25, or both fused.

    It searches a real :class:`faq.index.ScopeIndex` built from the bank, so the
    figures are the bot's (answer passages included when the bank has answers). With a
    ``decision`` (faq/decision.py) the fused ranking is calibrated (and reordered, by its
    order) as the bot does, with the second look of a ``reranking`` (faq/cascade.py) too; 'dense'
    and 'bm25' stay the encoder's and BM25's own.
    """

    def __init__(
        self,
        bank: FaqBank,
        encoder: Encoder | None,
        lexical: bool = True,
        *,
        answer_weight: float = DEFAULT_ANSWER_WEIGHT,
        document_weight: float = DEFAULT_DOCUMENT_WEIGHT,
        decision: DecisionModel | None = None,
        rules: RowRules = DEFAULT_ROWS,
        reranking: Reranking | None = None,
    ) -> None:
        self.bank = bank
        self.encoder = encoder
        self.lexical = lexical
        self.answer_weight = answer_weight if bank.answers else 0.0
        self.document_weight = document_weight
        faqs = bank.as_faqs()
        texts = list(dict.fromkeys(index_texts(faqs, rules)))
        if encoder is not None:
            vectors = dict(zip(texts, encoder.encode(texts), strict=True))
            dimension = encoder.dimension
        else:  # BM25 only: dense scores are all zero and the fusion weight is 1
            vectors = dict.fromkeys(texts, np.zeros(1, np.float32))
            dimension = 1
        self._faqs = {f.id: f for f in faqs}
        self._vectors = vectors
        self.index = ScopeIndex.build(dimension, faqs, vectors, rules=rules)
        self.calibrator = calibrator_for(decision, encoder, reranking) if encoder is not None else None

    @contextmanager
    def without_row(self, row: int) -> Iterator[None]:
        """The index without one alternate (bank row ``row``), so it can stand in for a member's
        question without finding itself (leave-one-out); restored on exit."""
        faq = self._faqs[int(self.bank.row_faq[row]) + 1]
        text = self.bank.rows[row]
        self.index.upsert([replace(faq, alternates=tuple(a for a in faq.alternates if a != text))], self._vectors)
        try:
            yield
        finally:
            self.index.upsert([faq], self._vectors)

    def query_vectors(self, queries: Sequence[str]) -> Scores:
        if self.encoder is None:
            return np.zeros((len(queries), 1), np.float32)
        return self.encoder.encode(list(queries))

    def rank(self, queries: Sequence[str], lexical_weight: float, k: int = 10) -> list[list[Candidate]]:
        if self.encoder is None:
            lexical_weight = 1.0
        elif not self.lexical:
            lexical_weight = 0.0
        qvecs = self.query_vectors(queries)
        snapshot = self.index.snapshot
        return [
            [
                replace(c, faq_id=c.faq_id - 1)  # back to bank positions
                for c in snapshot.search(
                    qvecs[i],
                    query,
                    k=k,
                    lexical_weight=lexical_weight,
                    answer_weight=self.answer_weight,
                    document_weight=self.document_weight if lexical_weight > 0 else 0.0,  # 'dense' stays dense
                    calibrator=self.calibrator if lexical_weight > 0 else None,
                )
            ]
            for i, query in enumerate(queries)
        ]


def retrieval_metrics(ranked: Sequence[Sequence[Candidate]], gold: Sequence[int]) -> dict[str, float]:
    acc1 = acc3 = mrr = 0.0
    for cands, g in zip(ranked, gold, strict=True):
        ids = [c.faq_id for c in cands[:10]]
        if ids[:1] == [g]:
            acc1 += 1
        if g in ids[:3]:
            acc3 += 1
        if g in ids:
            mrr += 1.0 / (ids.index(g) + 1)
    n = max(len(gold), 1)
    return {"acc@1": acc1 / n, "acc@3": acc3 / n, "mrr@10": mrr / n}


def measure_latency(scorer: Scorer, queries: Sequence[str], lexical_weight: float, limit: int = 200) -> float:
    """Mean ms per query for encode + search, one query at a time, cold Kiwi cache."""
    sample = list(dict.fromkeys(queries))[:limit]
    if not sample:
        return float("nan")
    scorer.rank(sample[:1], lexical_weight)  # warm up threads and allocators
    tokenize.cache_clear()
    start = time.perf_counter()
    for q in sample:
        scorer.rank([q], lexical_weight, k=5)
    return (time.perf_counter() - start) / len(sample) * 1000
