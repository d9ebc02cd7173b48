"""A second look at doubtful questions: a pair scorer reads the question beside each top FAQ.

The first decision (faq/decision.py) reads only what the index holds: cosines and BM25 of
the question against each row, taken one at a time. A cross-encoder reads the question and a
whole FAQ (its question and answer) as one text, so it sees what a question only the answer
covers, or one that needs a step of reasoning, is asking ("담요 챙겨가야 돼요?" → 해커톤 밤샘).
It costs about three lone questions' encodes (docs/model.md, Round 10), so it runs only when the
first decision is unsure:

- the first decision's confidence of its best candidate is at least ``below``: its candidates stand;
- else the top :attr:`Cascade.top` FAQs by fused score are read by the :class:`PairScorer`, which
  adds two features to the first stage's (:func:`pair_features`: ``ce``, the pair's score, and
  ``ce_margin``, that minus the best other candidate's), and a second logistic decision over all
  of them (:attr:`Cascade.decision`, fitted on DEV clubs like the first: ``model.decision_fit``)
  gives their order and confidences.

The thresholds of a model with a cascade (:attr:`Cascade.thresholds`) were chosen on what the
two stages show together; a bot whose scorer cannot load keeps the first stage and its own.
``faq/`` owns the scorer's protocol; ``model/`` implements it (model/cross_encoder.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from faq.decision import Calibrator, DecisionModel, minus_best_other
from faq.encoding import Encoder
from faq.types import Candidate, Thresholds

Array = npt.NDArray[np.float32]


#: How a scorer reads a pair's answer (:attr:`PairScorer.answers`): as the admin wrote it, or its passage
#: nearest the question first (:func:`nearest_first`), as it was trained.
AS_WRITTEN, NEAREST_FIRST = "as_written", "nearest_first"
ANSWER_ORDERS = (AS_WRITTEN, NEAREST_FIRST)


@runtime_checkable
class PairScorer(Protocol):
    """Scores (question, FAQ) pairs: higher means the FAQ answers the question more likely."""

    @property
    def fingerprint(self) -> str: ...

    @property
    def answers(self) -> str:
        """One of :data:`ANSWER_ORDERS`: how the caller must give it each answer."""
        ...

    def score(self, question: str, faqs: Sequence[tuple[str, str]]) -> Array:
        """One float32 score per ``(FAQ question, answer)`` in ``faqs``; synchronous and thread-safe
        (it runs in a worker thread)."""
        ...


def nearest_first(passages: Sequence[str], similarity: npt.ArrayLike) -> str:
    """An answer as a scorer trained so reads it: its passage nearest the question first, then the others as
    written. A pair is cut to its first tokens, and the sentence a detail question needs may come last."""
    if not passages:
        return ""
    best = int(np.argmax(np.asarray(similarity, dtype=np.float32)))
    return " ".join([passages[best], *(p for i, p in enumerate(passages) if i != best)])


def pair_features(scores: npt.ArrayLike) -> dict[str, Array]:
    """The candidates' pair scores as decision features: the score, and the score minus the best other
    candidate's (faq.decision's margins, by its own function)."""
    values = np.asarray(scores, dtype=np.float32)
    return {"ce": values, "ce_margin": minus_best_other(values, np.arange(len(values)))}


@dataclass(frozen=True, slots=True)
class Cascade:
    """A model profile's second stage (module docstring)."""

    below: float  # the first decision's confidence under which the scorer reads the question
    decision: DecisionModel  # the first stage's features plus PAIR_FEATURES
    thresholds: Thresholds  # chosen on both stages' confidences together
    scorer: str  # which scorer (model.cross_encoder.load_scorer): a built-in name or a folder
    top: int = 3  # candidates (fused order) the scorer reads

    def __post_init__(self) -> None:
        if not (math.isfinite(self.below) and 0.0 <= self.below <= 1.0):
            raise ValueError("cascade 'below' must be within [0, 1]")
        if self.top < 1:
            raise ValueError("cascade 'top' must be at least 1")
        if not self.scorer:
            raise ValueError("cascade 'scorer' must name a scorer")

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Cascade:
        t = data["thresholds"]
        if not isinstance(t, Mapping):
            raise TypeError("cascade thresholds must be an object")
        decision = data["decision"]
        if not isinstance(decision, Mapping):
            raise TypeError("cascade decision must be an object")
        return cls(
            below=float(data["below"]),  # type: ignore[arg-type]
            decision=DecisionModel.from_json(decision),
            thresholds=Thresholds.from_json(t),
            scorer=str(data["scorer"]),
            top=int(data.get("top", 3)),  # type: ignore[call-overload]
        )

    def to_json(self) -> dict[str, object]:
        return {
            "below": self.below,
            "top": self.top,
            "scorer": self.scorer,
            "thresholds": asdict(self.thresholds),
            "decision": self.decision.to_json(),
        }


@dataclass(frozen=True, slots=True)
class SecondLook:
    """A cascade bound to the serving encoder (``calibrator``: its decision's, with the off-topic vectors)
    and to a loaded scorer."""

    cascade: Cascade
    calibrator: Calibrator
    scorer: PairScorer

    @property
    def top(self) -> int:
        return self.cascade.top

    def wanted(self, first_confidence: float) -> bool:
        return first_confidence < self.cascade.below

    def reorder(
        self,
        question: str,
        candidates: Sequence[Candidate],
        features: Mapping[str, Array],
        order: npt.NDArray[np.int64],
        shown: npt.NDArray[np.float64],
        answers: Callable[[int], str],
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """(order, confidence) of ``candidates`` (fused order, with their first-stage ``features``), given the
        first decision's ``order`` and ``shown``: the top :attr:`top` by fused score read beside ``question``
        by the scorer and put in the second decision's order and confidences, then the first stage's other
        candidates in its order, none shown as likelier than the one above. ``answers``: an FAQ id's answer
        as the scorer reads it (:attr:`PairScorer.answers`; faq.index.Snapshot.pair_answer)."""
        n = min(self.top, len(candidates))
        pairs = [(c.question, answers(c.faq_id)) for c in candidates[:n]]
        both = {name: values[:n] for name, values in features.items()}
        both.update(pair_features(self.scorer.score(question, pairs)))
        head, confidence = self.calibrator.confidences(both)
        rest = order >= n  # the first stage's others, in its order
        return np.concatenate([head, order[rest]]), np.minimum.accumulate(np.concatenate([confidence, shown[rest]]))


@dataclass(frozen=True)
class Reranking:
    """A profile's cascade with its scorer loaded: what a service or an evaluation is given."""

    cascade: Cascade
    scorer: PairScorer


def calibrator_for(
    decision: DecisionModel | None,
    encoder: Encoder,
    reranking: Reranking | None = None,
    vectors: Mapping[str, npt.NDArray[np.float32]] | None = None,
) -> Calibrator | None:
    """The one way to bind a profile's decision (and cascade) to an encoder; None without a decision, or
    when it does not fit the encoder (the log says why). A second decision that does not fit leaves the
    first alone."""
    if decision is None:
        return None
    first = Calibrator.build(decision, encoder, vectors)
    if first is None or reranking is None:
        return first
    second = Calibrator.build(reranking.cascade.decision, encoder, vectors)
    if second is None:
        return first
    return replace(first, second=SecondLook(reranking.cascade, second, reranking.scorer))
