"""Typed values that cross layers (store → index → matcher → adapters)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

DEFAULT_SCOPE = "default"


class Status(StrEnum):
    ANSWER = "answer"  # confident, unambiguous match
    SUGGEST = "suggest"  # plausible but low or ambiguous: show top candidates
    NONE = "none"  # nothing plausible


@dataclass(frozen=True, slots=True)
class FaqDraft:
    """An FAQ as written by an admin or an import file, before it has an id."""

    question: str
    answer: str
    alternates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Faq:
    id: int
    scope: str
    question: str
    answer: str
    alternates: tuple[str, ...]
    created_by: str
    created_at: str  # ISO 8601 UTC
    updated_by: str
    updated_at: str

    @property
    def questions(self) -> tuple[str, ...]:
        """Canonical question first, then alternates: the texts the index embeds."""
        return (self.question, *self.alternates)

    def draft(self) -> FaqDraft:
        return FaqDraft(self.question, self.answer, self.alternates)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One FAQ scored against a query."""

    faq_id: int
    question: str  # the FAQ's canonical question
    confidence: float  # in [0, 1]; see docs/matching.md ("What the confidence means")
    matched_text: str = ""  # which of its questions scored best
    score: float | None = None  # the fused score, when the confidence is a calibrated probability (faq/decision.py)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Decision thresholds on the confidence scale (see docs/matching.md)."""

    # Chosen on the DEV split for the offline default model (docs/model.md, "Thresholds").
    answer: float = 0.60
    suggest: float = 0.35
    margin: float = 0.08

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Thresholds:
        """From ``{"answer": …, "suggest": …, "margin": …}`` (a model profile's); checked as any."""
        return cls(float(data["answer"]), float(data["suggest"]), float(data["margin"]))  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        if not (0.0 <= self.suggest <= self.answer <= 1.0):
            raise ValueError("thresholds must satisfy 0 <= suggest <= answer <= 1")
        if not (0.0 <= self.margin <= 1.0):
            raise ValueError("margin must be within [0, 1]")


@dataclass(frozen=True, slots=True)
class Answer:
    """The matcher's decision for one query."""

    status: Status
    query: str
    best: Candidate | None = None
    answer: str | None = None  # the best FAQ's answer (None when status is NONE)
    suggestions: tuple[Candidate, ...] = field(default_factory=tuple)
    truncated: bool = False  # the query was cut to the model's input limit

    def to_json(self) -> dict[str, object]:
        best = None if self.status is Status.NONE else self.best
        return {
            "status": self.status.value,
            "faq_id": best.faq_id if best else None,
            "question": best.question if best else None,
            "answer": self.answer if best else None,
            "confidence": round(best.confidence, 4) if best else None,
            "suggestions": [
                {"faq_id": c.faq_id, "question": c.question, "confidence": round(c.confidence, 4)}
                for c in self.suggestions
            ],
        }
