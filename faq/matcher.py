"""Scoring and the answer/suggest/none decision: pure functions over arrays.

Confidence of an FAQ for a query (docs/matching.md):

    row score  = (1 - w) · cosine(query, question row) + w · BM25-normalised(query, row)
    FAQ score  = best row m (canonical, alternates, answer passages), lifted by the second-best
                 row s₂ to m + v·s₂·(1 − m) when the profile says so (:class:`RowRules`)
    confidence = clip(FAQ score, 0, 1)

Without a decision model that is a similarity, not a probability. When the model's
profile carries one (faq/decision.py) the index shows as confidence the calibrated chance
of being right (reordering the top candidates by it if the decision's order says so); :func:`decide` and
:func:`suggestions` then work on that scale with the thresholds chosen for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from faq.types import Candidate, Status, Thresholds

Scores = npt.NDArray[np.float32]

DEFAULT_LEXICAL_WEIGHT = 0.3
# Answer passages score this fraction of their fused score (docs/matching.md; chosen on DEV clubs).
DEFAULT_ANSWER_WEIGHT = 1.0
# BM25 of the whole FAQ (questions + answer as one document) d lifts its best row s to s + w·d·(1 − s).
DEFAULT_DOCUMENT_WEIGHT = 0.2


@dataclass(frozen=True, slots=True)
class RowRules:
    """Which rows an FAQ gets and how they make its score, beyond the weights (docs/matching.md).

    A model's profile sets them (model/profile.py); the defaults are the rules every model had before.
    """

    #: Answer rows are the answer's sentences plus, from 2, every run of this many consecutive sentences:
    #: a detail often spans two sentences ("입금은 … 계좌로." + "입금자명은 이름+학번").
    answer_window: int = 1
    #: The FAQ's second-best row s₂ closes this share of the gap its best row m leaves: m + v·s₂·(1 − m).
    #: Two rows that agree are better evidence than one that stands alone.
    second_row_weight: float = 0.0

    def __post_init__(self) -> None:
        if not 1 <= self.answer_window <= 4:
            raise ValueError("answer_window must be 1 to 4")
        if not 0.0 <= self.second_row_weight <= 1.0:
            raise ValueError("second_row_weight must be within [0, 1]")


#: The rules every model had before row rules existed (a profile without them keeps these).
DEFAULT_ROWS = RowRules()


def fuse(dense: Scores, lexical: Scores | None, lexical_weight: float) -> Scores:
    """Row-wise weighted sum of cosine and normalised BM25 scores."""
    if lexical is None or lexical_weight <= 0.0:
        return dense.astype(np.float32, copy=False)
    return ((1.0 - lexical_weight) * dense + lexical_weight * lexical).astype(np.float32)


def best_per_faq(row_scores: Scores, row_faq_ids: npt.NDArray[np.int64], k: int) -> list[tuple[int, int, float]]:
    """Top ``k`` FAQs by their best row: ``[(faq_id, best_row, score), ...]`` high to low."""
    if row_scores.size == 0 or k <= 0:
        return []
    order = np.argsort(-row_scores, kind="stable")
    seen: set[int] = set()
    out: list[tuple[int, int, float]] = []
    for row in order:
        faq_id = int(row_faq_ids[row])
        if faq_id in seen:
            continue
        seen.add(faq_id)
        out.append((faq_id, int(row), float(row_scores[row])))
        if len(out) == k:
            break
    return out


def best_rows(row_scores: Scores, row_faq_ids: npt.NDArray[np.int64]) -> tuple[np.ndarray, np.ndarray]:
    """Every FAQ's best row, vectorised: ``(faq_ids, rows)`` ordered by that row's score, high to low.

    Ties keep row order, as :func:`best_per_faq` does. Rows scored ``-inf`` (tombstones) are skipped.
    """
    order = np.argsort(-row_scores, kind="stable")
    order = order[np.isfinite(row_scores[order])]
    ids = row_faq_ids[order]
    _, first = np.unique(ids, return_index=True)
    first.sort()
    return ids[first], order[first]


def faq_scores(
    row_scores: Scores, row_faq_ids: npt.NDArray[np.int64], second_row_weight: float = 0.0
) -> tuple[np.ndarray, np.ndarray, Scores]:
    """Every FAQ's best row and its score in [0, 1]: ``(faq_ids, rows, scores)`` in :func:`best_rows` order.

    With ``second_row_weight`` v the FAQ's second-best row s₂ lifts its best m to m + v·s₂·(1 − m)
    (both clipped to [0, 1]): never lowers a score, keeps an exact match at 1.
    """
    faq_ids, rows = best_rows(row_scores, row_faq_ids)
    best = np.clip(row_scores[rows], 0.0, 1.0).astype(np.float32)
    if second_row_weight <= 0 or len(faq_ids) == 0:
        return faq_ids, rows, best
    rest = row_scores.astype(np.float32, copy=True)
    rest[rows] = -np.inf
    by_id = np.argsort(faq_ids)
    at = np.searchsorted(faq_ids[by_id], row_faq_ids)
    at = np.minimum(at, len(faq_ids) - 1)
    keep = np.isfinite(rest) & (faq_ids[by_id][at] == row_faq_ids)
    second = np.full(len(faq_ids), -np.inf, np.float32)
    np.maximum.at(second, by_id[at[keep]], rest[keep])
    second = np.clip(np.where(np.isfinite(second), second, 0.0), 0.0, 1.0)
    return faq_ids, rows, (best + second_row_weight * second * (1.0 - best)).astype(np.float32)


def decide(ranked: Sequence[Candidate], thresholds: Thresholds) -> Status:
    """``answer`` if the best is above the answer threshold and clear of the runner-up.

    A close runner-up (within ``margin``) means the query sits between two FAQs
    ("회비 금액" vs "회비 납부"): showing both beats guessing one.
    """
    if not ranked or ranked[0].confidence < thresholds.suggest:
        return Status.NONE
    top = ranked[0].confidence
    runner_up = ranked[1].confidence if len(ranked) > 1 else 0.0
    if top >= thresholds.answer and top - runner_up >= thresholds.margin:
        return Status.ANSWER
    return Status.SUGGEST


def suggestions(
    ranked: Sequence[Candidate], thresholds: Thresholds, runner_up_floor: float | None = None
) -> tuple[Candidate, ...]:
    """The candidates worth offering for a ``suggest``: those at or above the suggest threshold
    (the best always is), so a member is never shown a 0 % guess.

    With calibrated confidences (faq/decision.py) the suggest threshold says whether the best is
    worth offering at all; once it is, a runner-up is offered from ``runner_up_floor`` (its chance
    of being the right one), never from above the suggest threshold.
    """
    floor = thresholds.suggest if runner_up_floor is None else min(runner_up_floor, thresholds.suggest)
    return tuple(c for i, c in enumerate(ranked) if c.confidence >= (thresholds.suggest if i == 0 else floor))


def clip_confidence(score: float) -> float:
    return float(min(1.0, max(0.0, score)))
