"""A calibrated confidence: the chance that an FAQ is the right one for a member's question.

The fused score (docs/matching.md) ranks FAQs well, but a score of 0.8 means different
things on different clubs' FAQs, so a threshold on it answers too rarely or too often
depending on the club. A model's matching profile may carry a small logistic model,
fitted on DEV clubs (``python -m model.decision_fit``), over evidence the index already
holds for each candidate FAQ ``c``:

- ``score``: its fused score ``s_c`` (what the confidence is without a decision model);
- ``margin``: ``s_c`` minus the best other FAQ's score;
- ``part_margin:i``: for an ensemble (faq.encoding.VectorPart), part ``i``'s best cosine
  for ``c`` minus its best for any other FAQ: do the parts agree on ``c``?
- ``part_score:i``: part ``i``'s best cosine for ``c`` itself (each part's own scale, which the
  fused score mixes away);
- ``document`` and ``document_margin``: BM25 of the whole FAQ ``d_c``, and ``d_c`` minus
  the best other FAQ's;
- ``off_topic``: cosine of the question and the nearest of the profile's off-topic lines
  (other clubs, school admin, chit-chat, "테스트"): the same for every candidate.

    confidence = sigmoid(intercept + Σ weight_f · feature_f)

is then "of the FAQs shown first with this confidence on clubs the model never saw, this
share was right"; candidates after the first get their own recalibration
``sigmoid(a · logit(p) + b)`` (the runner-ups' features say less), and are offered beside the
best from ``runner_up_floor`` (faq.matcher.suggestions). The model's ``order`` (chosen on DEV
with it) says whether candidates are reordered by it (``calibrated``) or keep the fused score's
order (``fused``: the logistic is fitted on the fused first candidates and ranks runner-ups it
never learned from less well than the fused score does). Either way a candidate never shows
more confidence than the one above it. Without a decision model the confidence is the fused
score, as before.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from faq.encoding import Encoder, VectorPart, Vectors, vector_parts
from faq.types import Candidate, Faq

log = logging.getLogger(__name__)

FEATURES = ("score", "margin", "document", "document_margin", "off_topic")
#: What a pair scorer adds: only a cascade's second decision reads these (faq/cascade.py).
PAIR_FEATURES = ("ce", "ce_margin")
PART_MARGIN = "part_margin:"
PART_SCORE = "part_score:"
PER_PART = (PART_MARGIN, PART_SCORE)
#: How candidates are ordered (module docstring): by the calibrated chance, or as the fused score ranked them.
ORDERS = ("calibrated", "fused")

Array = npt.NDArray[np.float32]


def is_feature(name: str) -> bool:
    """Whether a decision model can read ``name`` (module docstring)."""
    return name in FEATURES or name in PAIR_FEATURES or _part_index(name) is not None


def _part_index(name: str) -> int | None:
    """The encoder part a per-part feature (``part_margin:1``, ``part_score:0``) reads; None for others."""
    for prefix in PER_PART:
        if name.startswith(prefix):
            index = name.removeprefix(prefix)
            return int(index) if index.isdigit() else None
    return None


@dataclass(frozen=True, slots=True)
class DecisionModel:
    """Logistic weights over named features, plus the off-topic lines that ``off_topic`` needs."""

    weights: tuple[tuple[str, float], ...]
    intercept: float
    off_topic: tuple[str, ...] = ()
    runner_up: tuple[float, float] = (1.0, 0.0)  # (a, b): later candidates get sigmoid(a·logit(p) + b)
    # Offer a runner-up beside the best from this chance of being right (faq.matcher.suggestions).
    runner_up_floor: float = 0.05
    order: str = "calibrated"  # ORDERS; profiles written before the choice existed reorder

    def __post_init__(self) -> None:
        for name, weight in self.weights:
            if not is_feature(name):
                raise ValueError(f"unknown decision feature {name!r}")
            if not math.isfinite(weight):
                raise ValueError(f"decision weight of {name!r} is not finite")
        if not math.isfinite(self.intercept) or not all(math.isfinite(v) for v in self.runner_up):
            raise ValueError("decision intercept and runner-up calibration must be finite")
        if self.runner_up[0] <= 0:
            raise ValueError("runner-up scale must be positive (it keeps the order)")
        if not 0.0 <= self.runner_up_floor <= 1.0:
            raise ValueError("runner-up floor must be within [0, 1]")
        if self.order not in ORDERS:
            raise ValueError(f"decision order must be one of {', '.join(ORDERS)}")
        if any(name == "off_topic" for name, _ in self.weights) and not self.off_topic:
            raise ValueError("the off_topic feature needs off-topic lines")

    @property
    def reads_pairs(self) -> bool:
        """Whether it needs a pair scorer's features (a cascade's second stage: faq/cascade.py)."""
        return any(name in PAIR_FEATURES for name, _ in self.weights)

    @property
    def parts(self) -> int:
        """How many encoder parts the weights name (0: none)."""
        indexes = [_part_index(name) for name, _ in self.weights]
        return max((i + 1 for i in indexes if i is not None), default=0)

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> DecisionModel:
        weights = data["weights"]
        if not isinstance(weights, Mapping):
            raise TypeError("decision weights must be an object")
        runner = data.get("runner_up", {"scale": 1.0, "shift": 0.0, "floor": 0.05})
        if not isinstance(runner, Mapping):
            raise TypeError("runner_up must be an object")
        off_topic = data.get("off_topic", ())
        if not isinstance(off_topic, Sequence) or isinstance(off_topic, str):
            raise TypeError("off_topic must be a list of lines")
        return cls(
            weights=tuple((str(k), float(v)) for k, v in weights.items()),  # type: ignore[arg-type]
            intercept=float(data["intercept"]),  # type: ignore[arg-type]
            off_topic=tuple(str(t) for t in off_topic),
            runner_up=(float(runner["scale"]), float(runner["shift"])),  # type: ignore[arg-type]
            runner_up_floor=float(runner.get("floor", 0.05)),  # type: ignore[arg-type]
            order=str(data.get("order", "calibrated")),
        )

    def to_json(self) -> dict[str, object]:
        return {
            "weights": {name: round(weight, 6) for name, weight in self.weights},
            "intercept": round(self.intercept, 6),
            "runner_up": {
                "scale": round(self.runner_up[0], 6),
                "shift": round(self.runner_up[1], 6),
                "floor": self.runner_up_floor,
            },
            "order": self.order,
            "off_topic": list(self.off_topic),
        }


def _sigmoid(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40.0, 40.0)))


class SecondStage(Protocol):
    """What a calibrator's second look does (faq/cascade.py implements it; faq/index.py runs it)."""

    @property
    def top(self) -> int: ...

    def wanted(self, first_confidence: float) -> bool: ...

    def reorder(
        self,
        question: str,
        candidates: Sequence[Candidate],
        features: Mapping[str, Array],
        order: npt.NDArray[np.int64],
        shown: npt.NDArray[np.float64],
        faqs: Mapping[int, Faq],
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...


@dataclass(frozen=True)
class Calibrator:
    """A decision model bound to one encoder: its parts and its vectors of the off-topic lines; with a
    cascade (faq/cascade.py), the second look taken when it is unsure."""

    model: DecisionModel
    parts: tuple[VectorPart, ...]
    off_topic: Vectors  # (lines, dimension), L2-normalised
    second: SecondStage | None = None

    @classmethod
    def build(
        cls, model: DecisionModel, encoder: Encoder, vectors: Mapping[str, np.ndarray] | None = None
    ) -> Calibrator | None:
        """``model`` for ``encoder`` (off-topic lines from ``vectors`` or encoded now); None when
        the model names more parts than the encoder has (it was fitted for another model)."""
        parts = vector_parts(encoder)
        if model.parts > len(parts):
            log.warning(
                "decision model names %d encoder parts, %s has %d: confidences stay scores",
                model.parts,
                getattr(encoder, "name", "the encoder"),
                len(parts),
            )
            return None
        lines = list(model.off_topic)
        if vectors is not None and all(t in vectors for t in lines):
            matrix = np.stack([vectors[t] for t in lines]) if lines else np.zeros((0, encoder.dimension), np.float32)
        else:
            matrix = encoder.encode(lines) if lines else np.zeros((0, encoder.dimension), np.float32)
        return cls(model, parts, np.ascontiguousarray(matrix, dtype=np.float32))

    def off_topic_similarity(self, query_vec: Array) -> float:
        return float(np.max(self.off_topic @ query_vec)) if len(self.off_topic) else 0.0

    def probabilities(self, features: Mapping[str, Array]) -> npt.NDArray[np.float64]:
        """Raw P(right) per candidate (every candidate read as if it were first)."""
        n = len(features["score"])
        logit = np.full(n, self.model.intercept, dtype=np.float64)
        for name, weight in self.model.weights:
            logit += weight * features[name].astype(np.float64)
        return _sigmoid(logit)

    def confidences(self, features: Mapping[str, Array]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """(order, confidence): the candidates in the model's order and each one's shown confidence."""
        return shown_confidences(self.probabilities(features), self.model.runner_up, self.model.order)


def candidate_order(raw: npt.NDArray[np.float64], order: str) -> npt.NDArray[np.int64]:
    """Positions of candidates given in fused order with raw P(right) ``raw``, as ``order`` puts them."""
    return np.argsort(-raw, kind="stable") if order == "calibrated" else np.arange(len(raw))


def shown_confidences(
    raw: npt.NDArray[np.float64], runner_up: tuple[float, float], order: str
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """(order, confidence) of candidates given in fused order with raw P(right) ``raw``: ordered as
    ``order`` says (:data:`ORDERS`), runner-ups recalibrated by ``runner_up`` = (a, b), and no candidate
    shown as likelier than one above it. ``model.decision_fit`` chooses on what this returns."""
    at = candidate_order(raw, order)
    shown = raw[at].astype(np.float64, copy=True)
    if len(shown) > 1:
        a, b = runner_up
        later = np.clip(shown[1:], 1e-9, 1 - 1e-9)
        shown[1:] = _sigmoid(a * np.log(later / (1 - later)) + b)
        shown = np.minimum.accumulate(shown)
    return at, shown


def minus_best_other(values: Array, picks: npt.NDArray[np.int64]) -> Array:
    """``values[picks]`` each minus the best of the other values: the best against the second, every
    other against the best; with a single value, the value itself."""
    if len(values) < 2:
        return values[picks].astype(np.float32)
    first = int(np.argmax(values))
    rest = values.astype(np.float32, copy=True)
    rest[first] = -np.inf
    other = np.where(picks == first, rest.max(), values[first])
    return (values[picks] - other).astype(np.float32)


def candidate_features(
    *,
    totals: Array,
    picks: npt.NDArray[np.int64],
    documents: Array,
    part_rows: Array,
    row_faq: npt.NDArray[np.int64],
    faq_ids: npt.NDArray[np.int64],
    off_topic_similarity: float,
) -> dict[str, Array]:
    """Features (module docstring) of the FAQs ``faq_ids[picks]``.

    ``totals`` and ``documents`` hold every FAQ's fused score and BM25 document score
    (aligned with ``faq_ids``); ``part_rows`` each row's cosine per encoder part (rows of
    no live FAQ at ``-inf``), ``row_faq`` the FAQ of each row.
    """

    scores = np.clip(totals, 0.0, 1.0).astype(np.float32)
    out: dict[str, Array] = {
        "score": scores[picks],
        "margin": minus_best_other(scores, picks),
        "document": documents[picks].astype(np.float32),
        "document_margin": minus_best_other(documents.astype(np.float32), picks),
        "off_topic": np.full(len(picks), off_topic_similarity, np.float32),
    }
    if part_rows.shape[1]:
        # (candidate, row, part): each candidate's own rows against every other FAQ's, all parts at once.
        mine = (row_faq[None, :] == faq_ids[picks][:, None])[:, :, None]
        own = np.where(mine, part_rows[None], -np.inf).max(axis=1)
        rest = np.where(mine, -np.inf, part_rows[None]).max(axis=1)
        own = np.where(np.isfinite(own), own, 0.0)
        margins = own - np.where(np.isfinite(rest), rest, 0.0)
        for part in range(part_rows.shape[1]):
            out[f"{PART_MARGIN}{part}"] = margins[:, part].astype(np.float32)
            out[f"{PART_SCORE}{part}"] = own[:, part].astype(np.float32)
    return out
