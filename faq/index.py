"""Per-scope in-memory embedding index with copy-on-write snapshots.

Readers take ``index.snapshot`` once and work on it; writers publish a new
snapshot with one attribute assignment, so a reader never sees a half-applied
change. Rows are appended into spare capacity of a shared buffer (an old
snapshot only views its own first ``n`` rows, which are never rewritten) and
removed rows become tombstones (faq id -1) until a compaction: add, edit and
remove touch only the affected rows, never re-encode, never copy the whole
matrix except when the buffer grows or is compacted.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from faq.lexical import LexicalIndex, tokenize
from faq.matcher import best_per_faq, clip_confidence, fuse
from faq.types import Candidate, Faq

log = logging.getLogger(__name__)

TOMBSTONE = -1


@dataclass(frozen=True, slots=True)
class Snapshot:
    matrix: npt.NDArray[np.float32]  # (n, dim), rows L2-normalised; tombstoned rows are stale
    row_faq_ids: npt.NDArray[np.int64]  # (n,), TOMBSTONE for removed rows
    row_texts: tuple[str, ...]
    row_tokens: tuple[tuple[str, ...], ...]
    faqs: Mapping[int, Faq]
    lexical: LexicalIndex  # over live rows only, so tombstones never skew BM25 statistics
    live: npt.NDArray[np.int64]  # row numbers of live rows, aligned with ``lexical``

    @property
    def live_rows(self) -> int:
        return len(self.live)

    def search(
        self, query_vec: npt.NDArray[np.float32], query_text: str, *, k: int, lexical_weight: float
    ) -> list[Candidate]:
        """Top ``k`` FAQs for a query; an FAQ scores the best of its question rows."""
        if len(self.row_texts) == 0:
            return []
        dense = self.matrix @ query_vec.astype(np.float32, copy=False)
        lexical = None
        if lexical_weight > 0:
            lexical = np.zeros_like(dense)
            lexical[self.live] = self.lexical.scores(query_text)
        scores = fuse(dense, lexical, lexical_weight)
        scores[self.row_faq_ids == TOMBSTONE] = -np.inf
        return [
            Candidate(faq_id, self.faqs[faq_id].question, clip_confidence(score), self.row_texts[row])
            for faq_id, row, score in best_per_faq(scores, self.row_faq_ids, k)
            if np.isfinite(score)
        ]


class ScopeIndex:
    """The index of one scope (guild). One writer at a time (any thread); readers take ``snapshot``."""

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self._buffer = np.zeros((0, dimension), dtype=np.float32)
        self.snapshot = self._publish(0, np.zeros(0, np.int64), (), (), {})

    @classmethod
    def build(
        cls,
        dimension: int,
        faqs: Sequence[Faq],
        vectors: Mapping[str, npt.NDArray[np.float32]],
        tokens: Mapping[str, Sequence[str]] | None = None,
    ) -> ScopeIndex:
        index = cls(dimension)
        index._reset(faqs, vectors, tokens or {})
        return index

    def _publish(
        self,
        n: int,
        row_faq_ids: npt.NDArray[np.int64],
        row_texts: tuple[str, ...],
        row_tokens: tuple[tuple[str, ...], ...],
        faqs: Mapping[int, Faq],
    ) -> Snapshot:
        live = np.flatnonzero(row_faq_ids != TOMBSTONE)
        snap = Snapshot(
            matrix=self._buffer[:n],
            row_faq_ids=row_faq_ids,
            row_texts=row_texts,
            row_tokens=row_tokens,
            faqs=MappingProxyType(dict(faqs)),
            lexical=LexicalIndex([row_texts[i] for i in live], [row_tokens[i] for i in live]),
            live=live,
        )
        self.snapshot = snap
        return snap

    def _reset(
        self,
        faqs: Sequence[Faq],
        vectors: Mapping[str, npt.NDArray[np.float32]],
        tokens: Mapping[str, Sequence[str]],
    ) -> None:
        texts = [text for faq in faqs for text in faq.questions]
        self._buffer = np.empty((max(len(texts) * 2, 16), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            self._buffer[row] = vectors[text]
        ids = np.fromiter((faq.id for faq in faqs for _ in faq.questions), np.int64, len(texts))
        row_tokens = tuple(tuple(tokens[t]) if t in tokens else tokenize(t) for t in texts)
        self._publish(len(texts), ids, tuple(texts), row_tokens, {f.id: f for f in faqs})

    def upsert(self, faqs: Sequence[Faq], vectors: Mapping[str, npt.NDArray[np.float32]]) -> None:
        """Add FAQs, or replace existing ones with the same id (an edit)."""
        snap = self.snapshot
        changed = {faq.id for faq in faqs}
        ids = snap.row_faq_ids.copy()
        ids[np.isin(ids, list(changed))] = TOMBSTONE
        new_texts = [text for faq in faqs for text in faq.questions]
        n_old, n_new = len(snap.row_texts), len(new_texts)
        if n_old + n_new > self._buffer.shape[0]:
            grown = np.empty((max(2 * (n_old + n_new), 16), self.dimension), dtype=np.float32)
            grown[:n_old] = self._buffer[:n_old]
            self._buffer = grown  # old snapshots keep a view of the old buffer
        for offset, text in enumerate(new_texts):
            self._buffer[n_old + offset] = vectors[text]
        new_ids = np.fromiter((f.id for f in faqs for _ in f.questions), np.int64, n_new)
        faq_map = dict(snap.faqs)
        faq_map.update({faq.id: faq for faq in faqs})
        self._publish(
            n_old + n_new,
            np.concatenate([ids, new_ids]),
            snap.row_texts + tuple(new_texts),
            snap.row_tokens + tuple(tokenize(t) for t in new_texts),
            faq_map,
        )
        self._maybe_compact()

    def remove(self, faq_ids: Sequence[int]) -> None:
        snap = self.snapshot
        ids = snap.row_faq_ids.copy()
        ids[np.isin(ids, list(faq_ids))] = TOMBSTONE
        gone = set(faq_ids)
        faq_map = {k: v for k, v in snap.faqs.items() if k not in gone}
        self._publish(len(snap.row_texts), ids, snap.row_texts, snap.row_tokens, faq_map)
        self._maybe_compact()

    def _maybe_compact(self) -> None:
        snap = self.snapshot
        dead = len(snap.row_texts) - snap.live_rows
        if dead < 64 or dead * 2 < len(snap.row_texts):
            return
        keep = np.flatnonzero(snap.row_faq_ids != TOMBSTONE)
        log.debug("compacting index: %d live of %d rows", len(keep), len(snap.row_texts))
        self._buffer = np.ascontiguousarray(snap.matrix[keep])
        n = len(keep)
        spare = np.empty((max(n * 2, 16), self.dimension), dtype=np.float32)
        spare[:n] = self._buffer
        self._buffer = spare
        self._publish(
            n,
            snap.row_faq_ids[keep],
            tuple(snap.row_texts[i] for i in keep),
            tuple(snap.row_tokens[i] for i in keep),
            snap.faqs,
        )
