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

import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from faq.cascade import AS_WRITTEN, nearest_first
from faq.decision import Calibrator, candidate_features
from faq.encoding import VectorPart
from faq.lexical import LexicalIndex, tokenize
from faq.matcher import DEFAULT_ROWS, RowRules, best_per_faq, clip_confidence, faq_scores, fuse
from faq.text import answer_passages, answer_windows
from faq.types import Candidate, Faq

log = logging.getLogger(__name__)

TOMBSTONE = -1


def answer_rows(answer: str, rules: RowRules) -> tuple[str, ...]:
    """An answer's rows: its passages, then (``rules.answer_window`` ≥ 2) runs of consecutive passages."""
    passages = answer_passages(answer)
    return (*passages, *answer_windows(passages, rules.answer_window))


def index_texts(faqs: Sequence[Faq], rules: RowRules = DEFAULT_ROWS) -> list[str]:
    """Every text the index needs a vector for: questions, then answer rows."""
    return [*(t for f in faqs for t in f.questions), *(p for f in faqs for p in answer_rows(f.answer, rules))]


@dataclass(frozen=True, slots=True)
class AnswerRows:
    """Answer passages of every live FAQ: evidence for questions only an answer covers.

    Kept apart from the question rows (their own matrix and BM25 statistics) because
    long answers would otherwise swamp the question rows' term statistics; scored
    with their own weight.
    """

    matrix: npt.NDArray[np.float32]
    row_faq_ids: npt.NDArray[np.int64]
    row_texts: tuple[str, ...]
    lexical: LexicalIndex

    @classmethod
    def empty(cls, dimension: int) -> AnswerRows:
        return cls(np.zeros((0, dimension), np.float32), np.zeros(0, np.int64), (), LexicalIndex([], []))

    @classmethod
    def build(cls, dimension: int, blocks: Mapping[int, _AnswerBlock]) -> AnswerRows:
        if not blocks:
            return cls.empty(dimension)
        ids = sorted(blocks)
        return cls(
            matrix=np.concatenate([blocks[i].vectors for i in ids]),
            row_faq_ids=np.concatenate([np.full(len(blocks[i].texts), i, np.int64) for i in ids]),
            row_texts=tuple(t for i in ids for t in blocks[i].texts),
            lexical=LexicalIndex(
                [t for i in ids for t in blocks[i].texts], [tok for i in ids for tok in blocks[i].tokens]
            ),
        )


@dataclass(frozen=True, slots=True)
class _AnswerBlock:
    texts: tuple[str, ...]  # passages, then windows of them (RowRules.answer_window)
    vectors: npt.NDArray[np.float32]
    tokens: tuple[tuple[str, ...], ...]
    passages: int  # the first ``passages`` texts are the passages: the FAQ's BM25 document counts only those

    @classmethod
    def of(
        cls,
        faq: Faq,
        vectors: Mapping[str, npt.NDArray[np.float32]],
        dimension: int,
        tokens: Mapping[str, Sequence[str]] | None = None,
        rules: RowRules = DEFAULT_ROWS,
    ) -> _AnswerBlock:
        passages = answer_passages(faq.answer)
        texts = (*passages, *answer_windows(passages, rules.answer_window))
        matrix = np.empty((len(texts), dimension), np.float32)
        for row, text in enumerate(texts):
            matrix[row] = vectors[text]
        known = tokens or {}
        own = [tuple(known[t]) if t in known else tokenize(t) for t in passages]
        # A window's morphemes are its passages' (no Kiwi run, nothing more to store).
        size = rules.answer_window
        own += [tuple(tok for p in own[i : i + size] for tok in p) for i in range(len(texts) - len(passages))]
        return cls(texts, matrix, tuple(own), len(passages))


@dataclass(frozen=True, slots=True)
class Snapshot:
    matrix: npt.NDArray[np.float32]  # (n, dim), rows L2-normalised; tombstoned rows are stale
    row_faq_ids: npt.NDArray[np.int64]  # (n,), TOMBSTONE for removed rows
    row_texts: tuple[str, ...]
    row_tokens: tuple[tuple[str, ...], ...]
    faqs: Mapping[int, Faq]
    lexical: LexicalIndex  # over live rows only, so tombstones never skew BM25 statistics
    live: npt.NDArray[np.int64]  # row numbers of live rows, aligned with ``lexical``
    answers: AnswerRows
    documents: LexicalIndex  # one document per live FAQ (its questions and passages), aligned with document_ids
    document_ids: npt.NDArray[np.int64]  # sorted
    rules: RowRules = DEFAULT_ROWS

    @property
    def live_rows(self) -> int:
        return len(self.live)

    def search(
        self,
        query_vec: npt.NDArray[np.float32],
        query_text: str,
        *,
        k: int,
        lexical_weight: float,
        answer_weight: float = 0.0,
        document_weight: float = 0.0,
        calibrator: Calibrator | None = None,
    ) -> list[Candidate]:
        """Top ``k`` FAQs for a query (docs/matching.md).

        An FAQ scores its best row: question rows count fully, answer rows
        ``answer_weight`` times (0 leaves answers out); the index's ``rules`` may let its
        second-best row lift that (faq.matcher.faq_scores). With ``document_weight`` the
        FAQ's BM25 as one document ``d`` lifts that score ``s`` to ``s + w·d·(1 − s)``.
        With a ``calibrator`` (faq/decision.py) the top ``k`` by that score carry as confidence the
        calibrated chance of being right, and are reordered by it when the decision's order says so;
        with its second look (faq/cascade.py), a question the first decision is unsure of gets the
        second's order and confidences for its top FAQs. That runs the pair scorer: call it from a
        worker thread.
        """
        if calibrator is not None:
            second = calibrator.second
            found = self.evidence(
                query_vec,
                query_text,
                k=k if second is None else max(k, second.top),  # the second look reads its own top, whatever k
                lexical_weight=lexical_weight,
                answer_weight=answer_weight,
                document_weight=document_weight,
                parts=calibrator.parts,
                off_topic_similarity=calibrator.off_topic_similarity(query_vec),
            )
            if not found.candidates:
                return []
            order, shown = calibrator.confidences(found.features)
            if second is not None and second.wanted(float(shown[0])):
                how = second.scorer.answers
                answers = functools.partial(self.pair_answer, query_vec=query_vec, how=how)
                order, shown = second.reorder(query_text, found.candidates, found.features, order, shown, answers)
            out = []
            for p, at in zip(shown[:k], order[:k], strict=True):
                c = found.candidates[at]  # its confidence there is the fused score
                out.append(Candidate(c.faq_id, c.question, clip_confidence(float(p)), c.matched_text, c.confidence))
            return out
        if len(self.row_texts) == 0:
            return []
        scores, row_faq_ids, row_texts, _ = self._row_scores(query_vec, query_text, lexical_weight, answer_weight)
        if document_weight <= 0 and self.rules.second_row_weight <= 0:
            ranked = best_per_faq(scores, row_faq_ids, k)
        else:
            faq_ids, rows, best = faq_scores(scores, row_faq_ids, self.rules.second_row_weight)
            doc = (
                self.documents.scores(query_text)[np.searchsorted(self.document_ids, faq_ids)]
                if document_weight > 0
                else np.zeros(len(faq_ids), np.float32)
            )
            # Lexical support for the whole FAQ closes part of the gap to 1: never lowers a row's
            # score, keeps the scale in [0, 1] and an exact match at 1 (docs/matching.md).
            totals = best + document_weight * doc * (1.0 - best)
            top = np.argsort(-totals, kind="stable")[:k]
            ranked = [(int(faq_ids[i]), int(rows[i]), float(totals[i])) for i in top]
        return [
            Candidate(faq_id, self.faqs[faq_id].question, clip_confidence(score), row_texts[row])
            for faq_id, row, score in ranked
            if np.isfinite(score)
        ]

    def _row_scores(
        self, query_vec: npt.NDArray[np.float32], query_text: str, lexical_weight: float, answer_weight: float
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64], tuple[str, ...], npt.NDArray[np.float32]]:
        """Fused score of every row (question rows, then answer passages when weighted; tombstones ``-inf``),
        with each row's faq id and text, and its plain cosine (for :meth:`_part_rows`)."""
        query_vec = query_vec.astype(np.float32, copy=False)
        dense = self.matrix @ query_vec
        lexical = None
        if lexical_weight > 0:
            lexical = np.zeros_like(dense)
            lexical[self.live] = self.lexical.scores(query_text)
        scores = fuse(dense, lexical, lexical_weight)
        scores[self.row_faq_ids == TOMBSTONE] = -np.inf
        row_faq_ids, row_texts = self.row_faq_ids, self.row_texts
        answers = self.answers
        if answer_weight > 0 and len(answers.row_texts):
            a_dense = answers.matrix @ query_vec
            a_lexical = answers.lexical.scores(query_text) if lexical_weight > 0 else None
            a_scores = answer_weight * fuse(a_dense, a_lexical, lexical_weight)
            scores = np.concatenate([scores, a_scores.astype(np.float32)])
            row_faq_ids = np.concatenate([row_faq_ids, answers.row_faq_ids])
            row_texts = row_texts + answers.row_texts
            dense = np.concatenate([dense, a_dense])
        return scores, row_faq_ids, row_texts, dense

    def evidence(
        self,
        query_vec: npt.NDArray[np.float32],
        query_text: str,
        *,
        k: int,
        lexical_weight: float,
        answer_weight: float,
        document_weight: float,
        parts: tuple[VectorPart, ...],
        off_topic_similarity: float,
    ) -> Evidence:
        """The top ``k`` FAQs by fused score (the confidence of :meth:`search` without a calibrator) and
        what a decision model reads about each (faq.decision.candidate_features)."""
        if len(self.row_texts) == 0 or k <= 0:
            return Evidence((), {})
        query_vec = query_vec.astype(np.float32, copy=False)
        scores, row_faq_ids, row_texts, dense = self._row_scores(query_vec, query_text, lexical_weight, answer_weight)
        faq_ids, rows, best = faq_scores(scores, row_faq_ids, self.rules.second_row_weight)
        if len(faq_ids) == 0:
            return Evidence((), {})
        doc = self.documents.scores(query_text)[np.searchsorted(self.document_ids, faq_ids)]
        totals = best + document_weight * doc * (1.0 - best)
        picks = np.argsort(-totals, kind="stable")[:k]
        features = candidate_features(
            totals=totals,
            picks=picks,
            documents=doc,
            part_rows=self._part_rows(query_vec, parts, dense, answer_weight),
            row_faq=row_faq_ids,
            faq_ids=faq_ids,
            off_topic_similarity=off_topic_similarity,
        )
        candidates = tuple(
            Candidate(
                int(faq_ids[i]),
                self.faqs[int(faq_ids[i])].question,
                clip_confidence(float(totals[i])),
                row_texts[rows[i]],
            )
            for i in picks
        )
        return Evidence(candidates, features)

    def pair_answer(self, faq_id: int, *, query_vec: npt.NDArray[np.float32], how: str = AS_WRITTEN) -> str:
        """FAQ ``faq_id``'s answer as a pair scorer reads it (faq.cascade.ANSWER_ORDERS): for ``NEAREST_FIRST``,
        its passage whose row is nearest ``query_vec`` leads (the answer rows begin with the passages)."""
        answer = self.faqs[faq_id].answer
        if how == AS_WRITTEN:
            return answer
        passages = answer_passages(answer)
        rows = np.flatnonzero(self.answers.row_faq_ids == faq_id)[: len(passages)]
        if len(passages) < 2 or len(rows) != len(passages):  # one passage, or answers left out of the index
            return answer
        return nearest_first(passages, self.answers.matrix[rows] @ query_vec)

    def _part_rows(
        self,
        query_vec: npt.NDArray[np.float32],
        parts: tuple[VectorPart, ...],
        dense: npt.NDArray[np.float32],
        answer_weight: float,
    ) -> npt.NDArray[np.float32]:
        """Each row's cosine per encoder part (answer passages times ``answer_weight``), rows as in ``dense``
        (:meth:`_row_scores`); tombstones at ``-inf``. ``dense`` is the parts' weighted sum, so the last part
        costs no product of its own."""
        n = len(self.row_texts)
        matrices = [self.matrix]
        if len(dense) > n:
            matrices.append(self.answers.matrix)
        out = np.empty((len(dense), len(parts)), np.float32)
        rest = dense.astype(np.float32, copy=True)
        for i, part in enumerate(parts[:-1]):
            q = query_vec[part.start : part.stop]
            shared = np.concatenate([m[:, part.start : part.stop] @ q for m in matrices])
            rest -= shared
            out[:, i] = shared / part.share
        out[:, -1] = rest / parts[-1].share
        out[:n][self.row_faq_ids == TOMBSTONE] = -np.inf
        if len(dense) > n:
            out[n:] *= answer_weight
        return out


@dataclass(frozen=True, slots=True)
class Evidence:
    """Top FAQs by fused score and their decision features (faq/decision.py), aligned."""

    candidates: tuple[Candidate, ...]
    features: Mapping[str, npt.NDArray[np.float32]]


class ScopeIndex:
    """The index of one scope (guild). One writer at a time (any thread); readers take ``snapshot``."""

    def __init__(self, dimension: int, rules: RowRules = DEFAULT_ROWS) -> None:
        self.dimension = dimension
        self.rules = rules
        # The scope's number in ``scope_changes`` when the data was read (set by FaqService; None:
        # unknown): after a reconnect, a scope whose number has not moved need not be rebuilt.
        self.change_seq: int | None = None
        self._buffer = np.zeros((0, dimension), dtype=np.float32)
        self._answer_blocks: dict[int, _AnswerBlock] = {}
        self.snapshot = self._publish(0, np.zeros(0, np.int64), (), (), {})

    @classmethod
    def build(
        cls,
        dimension: int,
        faqs: Sequence[Faq],
        vectors: Mapping[str, npt.NDArray[np.float32]],
        tokens: Mapping[str, Sequence[str]] | None = None,
        rules: RowRules = DEFAULT_ROWS,
    ) -> ScopeIndex:
        index = cls(dimension, rules)
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
        document_ids = np.array(sorted(faqs), dtype=np.int64)
        doc_tokens: dict[int, list[str]] = {i: [] for i in faqs}
        for row in live:
            doc_tokens[int(row_faq_ids[row])].extend(row_tokens[row])
        for faq_id, block in self._answer_blocks.items():
            if faq_id in doc_tokens:
                doc_tokens[faq_id].extend(t for tokens in block.tokens[: block.passages] for t in tokens)
        snap = Snapshot(
            matrix=self._buffer[:n],
            row_faq_ids=row_faq_ids,
            row_texts=row_texts,
            row_tokens=row_tokens,
            faqs=MappingProxyType(dict(faqs)),
            lexical=LexicalIndex([row_texts[i] for i in live], [row_tokens[i] for i in live]),
            live=live,
            answers=AnswerRows.build(self.dimension, self._answer_blocks),
            documents=LexicalIndex([""] * len(document_ids), [doc_tokens[int(i)] for i in document_ids]),
            document_ids=document_ids,
            rules=self.rules,
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
        self._answer_blocks = {f.id: _AnswerBlock.of(f, vectors, self.dimension, tokens, self.rules) for f in faqs}
        self._publish(len(texts), ids, tuple(texts), row_tokens, {f.id: f for f in faqs})

    def upsert(self, faqs: Sequence[Faq], vectors: Mapping[str, npt.NDArray[np.float32]]) -> None:
        """Add FAQs, or replace existing ones with the same id (an edit)."""
        snap = self.snapshot
        blocks = {
            faq.id: _AnswerBlock.of(faq, vectors, self.dimension, rules=self.rules) for faq in faqs
        }  # fails before any change
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
        self._answer_blocks.update(blocks)
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
        for faq_id in gone:
            self._answer_blocks.pop(faq_id, None)
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
