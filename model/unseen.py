"""Score an encoder on other clubs' FAQs exactly as the bot would answer them.

Each club's FAQs go into a real :class:`faq.index.ScopeIndex` (questions, alternates and
answer rows, the rows the bot holds under the model's row rules); every member question is searched on that
index's snapshot and decided by :func:`faq.matcher.decide`, the code path of
``FaqService.ask``. Encoding happens once per club; matching settings and thresholds can
then be swept cheaply (:meth:`ClubIndex.rank`).
"""

from __future__ import annotations

import collections
from collections.abc import Sequence
from dataclasses import dataclass

from faq.cascade import Reranking, calibrator_for
from faq.decision import Calibrator, DecisionModel
from faq.encoding import Encoder, Vectors
from faq.index import ScopeIndex, index_texts
from faq.matcher import (
    DEFAULT_ANSWER_WEIGHT,
    DEFAULT_DOCUMENT_WEIGHT,
    DEFAULT_LEXICAL_WEIGHT,
    DEFAULT_ROWS,
    RowRules,
    decide,
)
from faq.types import Candidate, Faq, Status, Thresholds
from model.clubs import ClubSet

RANK_K = 10


@dataclass(frozen=True, slots=True)
class MatchConfig:
    lexical_weight: float = DEFAULT_LEXICAL_WEIGHT
    answer_weight: float = DEFAULT_ANSWER_WEIGHT
    document_weight: float = DEFAULT_DOCUMENT_WEIGHT
    decision: DecisionModel | None = None  # calibrated confidences (faq/decision.py); thresholds on that scale
    rules: RowRules = DEFAULT_ROWS  # which rows an FAQ gets and how they make its score (the profile's)
    reranking: Reranking | None = None  # the profile's cascade with its scorer (faq/cascade.py)


@dataclass(frozen=True, slots=True)
class Ranked:
    """Candidates for every in-scope query (gold = FAQ id) and every off-topic line of one club."""

    club: ClubSet
    in_scope: tuple[tuple[Candidate, ...], ...]
    gold: tuple[int, ...]
    kinds: tuple[str, ...]
    out_of_scope: tuple[tuple[Candidate, ...], ...]

    @classmethod
    def of(cls, club: ClubSet, lists: Sequence[tuple[Candidate, ...]]) -> Ranked:
        """``lists``: the candidates of the club's member questions, then of its off-topic lines."""
        n = len(club.queries)
        return cls(
            club=club,
            in_scope=tuple(lists[:n]),
            gold=tuple(q.faq + 1 for q in club.queries),
            kinds=tuple(q.kind for q in club.queries),
            out_of_scope=tuple(lists[n:]),
        )


class ClubIndex:
    """One club's FAQs indexed as the bot indexes them, with its queries encoded once."""

    def __init__(self, club: ClubSet, encoder: Encoder) -> None:
        self.club = club
        self.faqs = [
            Faq(i + 1, club.slug, d.question, d.answer, d.alternates, "eval", "", "eval", "")
            for i, d in enumerate(club.faqs)
        ]
        self._vectors: dict[str, Vectors] = {}
        self._indexes: dict[RowRules, ScopeIndex] = {}
        self.queries = [q.text for q in club.queries]
        self.query_vectors: Vectors = encoder.encode([*self.queries, *club.out_of_scope])
        self.encoder = encoder
        self._calibrators: dict[tuple[DecisionModel, Reranking | None], Calibrator | None] = {}

    def index(self, rules: RowRules = DEFAULT_ROWS) -> ScopeIndex:
        """The club's index under ``rules``, built on first use (each text encoded once for all rules)."""
        if rules not in self._indexes:
            texts = [t for t in dict.fromkeys(index_texts(self.faqs, rules)) if t not in self._vectors]
            if texts:
                self._vectors.update(zip(texts, self.encoder.encode(texts), strict=True))
            self._indexes[rules] = ScopeIndex.build(self.encoder.dimension, self.faqs, self._vectors, rules=rules)
        return self._indexes[rules]

    def calibrator(self, decision: DecisionModel | None, reranking: Reranking | None = None) -> Calibrator | None:
        if decision is None:
            return None
        if (decision, reranking) not in self._calibrators:
            self._calibrators[decision, reranking] = calibrator_for(decision, self.encoder, reranking)
        return self._calibrators[decision, reranking]

    def rank(self, config: MatchConfig) -> Ranked:
        snapshot = self.index(config.rules).snapshot
        calibrator = self.calibrator(config.decision, config.reranking)
        texts = [*self.queries, *self.club.out_of_scope]
        ranked = [
            tuple(
                snapshot.search(
                    self.query_vectors[i],
                    text,
                    k=RANK_K,
                    lexical_weight=config.lexical_weight,
                    answer_weight=config.answer_weight,
                    document_weight=config.document_weight,
                    calibrator=calibrator,
                )
            )
            for i, text in enumerate(texts)
        ]
        return Ranked.of(self.club, ranked)


@dataclass(frozen=True, slots=True)
class UnseenRates:
    """What members of a club would see. Fractions of in-scope queries unless named ``oos_``."""

    queries: int
    top1: float  # the right FAQ is the answer or the first suggestion
    top3: float  # the right FAQ is among the first three candidates
    answered_right: float  # answered outright, with the right FAQ
    answered_wrong: float  # answered outright, with another FAQ
    suggested: float
    none: float
    oos_queries: int
    oos_answered: float  # off-topic lines answered outright (should be rare)
    oos_suggested: float


def rates(runs: Sequence[Ranked], thresholds: Thresholds) -> UnseenRates:
    """Pooled over every query of ``runs``."""
    n = top1 = top3 = right = wrong = suggested = none = 0
    m = oos_answered = oos_suggested = 0
    for run in runs:
        for cands, gold in zip(run.in_scope, run.gold, strict=True):
            n += 1
            status = decide(cands, thresholds)
            first = cands[0].faq_id if cands else None
            top3 += gold in [c.faq_id for c in cands[:3]]
            if status is Status.NONE:
                none += 1
                continue
            top1 += first == gold
            if status is Status.ANSWER:
                right += first == gold
                wrong += first != gold
            else:
                suggested += 1
        for cands in run.out_of_scope:
            m += 1
            status = decide(cands, thresholds)
            oos_answered += status is Status.ANSWER
            oos_suggested += status is Status.SUGGEST
    d, e = max(n, 1), max(m, 1)
    return UnseenRates(
        queries=n,
        top1=top1 / d,
        top3=top3 / d,
        answered_right=right / d,
        answered_wrong=wrong / d,
        suggested=suggested / d,
        none=none / d,
        oos_queries=m,
        oos_answered=oos_answered / e,
        oos_suggested=oos_suggested / e,
    )


def ranking_top1(runs: Sequence[Ranked]) -> float:
    """Right FAQ ranked first, whatever the decision (the retrieval quality alone)."""
    hits = total = 0
    for run in runs:
        for cands, gold in zip(run.in_scope, run.gold, strict=True):
            total += 1
            hits += bool(cands) and cands[0].faq_id == gold
    return hits / max(total, 1)


def top1_by_kind(runs: Sequence[Ranked]) -> dict[str, float]:
    hits: collections.Counter[str] = collections.Counter()
    totals: collections.Counter[str] = collections.Counter()
    for run in runs:
        for cands, gold, kind in zip(run.in_scope, run.gold, run.kinds, strict=True):
            totals[kind] += 1
            hits[kind] += bool(cands) and cands[0].faq_id == gold
    return {k: hits[k] / totals[k] for k in sorted(totals)}


def reliability(
    runs: Sequence[Ranked], thresholds: Thresholds, edges: Sequence[float]
) -> list[tuple[float, int, float]]:
    """For answers shown outright: ``(level, answers, fraction right)`` of those shown with confidence ≥ level.

    What "신뢰도 NN%" means to a member: of the answers shown with at least that confidence
    on clubs the model never saw, this fraction named the right FAQ (off-topic lines count
    as wrong when answered). Level 0 is every answer.
    """
    shown: list[tuple[float, bool]] = []
    for run in runs:
        rows = [*zip(run.in_scope, run.gold, strict=True), *((c, None) for c in run.out_of_scope)]
        for cands, gold in rows:
            if decide(cands, thresholds) is Status.ANSWER:
                shown.append((cands[0].confidence, cands[0].faq_id == gold))
    out = []
    for edge in edges:
        picked = [right for confidence, right in shown if confidence >= edge]
        out.append((edge, len(picked), sum(picked) / len(picked) if picked else float("nan")))
    return out
