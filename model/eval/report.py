"""What an evaluation reports: per-method results, decision rates, sweep rows, the report itself."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from faq.types import Thresholds
from model.unseen import UnseenRates

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MethodResult:
    dataset: str
    method: str  # dense | bm25 | hybrid(w)
    queries: int
    acc_at_1: float
    acc_at_3: float
    mrr_at_10: float
    ms_per_query: float | None = None
    spearman: float | None = None


@dataclass(frozen=True)
class DecisionRates:
    answer: float  # in-scope queries answered
    answer_correct: float  # in-scope queries answered with the right FAQ (coverage)
    answer_precision: float  # right FAQ among answered
    suggest: float
    none: float
    oos_answered: float  # out-of-scope queries answered (should be rare)
    oos_none: float


@dataclass(frozen=True)
class SweepRow:
    answer: float
    suggest: float
    margin: float
    rates: DecisionRates


@dataclass(frozen=True)
class UnseenResult:
    """Other clubs' FAQs, answered as the bot would (model/unseen.py); one row per split."""

    split: str  # dev (used to choose settings) | eval (evaluation-only)
    clubs: tuple[str, ...]
    faqs: int
    ranked_first: float  # right FAQ ranked first, whatever the decision
    rates: UnseenRates
    top1_by_kind: dict[str, float]
    reliability: tuple[tuple[float, int, float], ...] = ()  # (confidence ≥ level, answers, fraction right)


@dataclass(frozen=True)
class EvalReport:
    encoder: str
    lexical_weight: float
    thresholds: Thresholds
    results: tuple[MethodResult, ...] = ()
    decisions: DecisionRates | None = None
    sweep: tuple[SweepRow, ...] = ()
    recommended: SweepRow | None = None
    weight_sweep: tuple[tuple[float, float, float], ...] = ()  # (w, club acc@1, club MRR)
    unseen: tuple[UnseenResult, ...] = ()
    answer_weight: float = 0.0
    document_weight: float = 0.0
    calibrated: bool = False  # confidences are the decision model's probabilities (faq/decision.py)
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["thresholds"] = {
            "answer": self.thresholds.answer,
            "suggest": self.thresholds.suggest,
            "margin": self.thresholds.margin,
        }
        return _finite(out)

    def table(self) -> str:
        lines = [
            f"encoder: {self.encoder}   lexical_weight: {self.lexical_weight:g}   "
            f"thresholds: answer {self.thresholds.answer:g} / suggest "
            f"{self.thresholds.suggest:g} / margin {self.thresholds.margin:g}"
            + ("   confidence: calibrated (decision model; thresholds on that scale)" if self.calibrated else ""),
            "",
        ]
        if self.results:
            head = f"{'dataset':<26}{'method':<14}{'n':>6}{'acc@1':>8}{'acc@3':>8}{'MRR@10':>8}{'ms/q':>8}"
            lines += [head, "-" * len(head)]
            for r in self.results:
                if r.spearman is not None:
                    lines.append(f"{r.dataset:<26}{r.method:<14}{r.queries:>6}   Spearman {r.spearman:.4f}")
                    continue
                ms = f"{r.ms_per_query:.2f}" if r.ms_per_query is not None else "-"
                lines.append(
                    f"{r.dataset:<26}{r.method:<14}{r.queries:>6}{r.acc_at_1:>8.3f}"
                    f"{r.acc_at_3:>8.3f}{r.mrr_at_10:>8.3f}{ms:>8}"
                )
        if self.weight_sweep:
            lines += [
                "",
                "lexical weight sweep (club held-out, hybrid):",
                "  " + "  ".join(f"w={w:g}: {a:.3f}/{m:.3f}" for w, a, m in self.weight_sweep),
            ]
        if self.decisions:
            d = self.decisions
            lines += [
                "",
                "decisions at these thresholds (club held-out):",
                f"  answered {d.answer:.1%} (precision {d.answer_precision:.1%}, correct "
                f"{d.answer_correct:.1%}), suggest {d.suggest:.1%}, none {d.none:.1%}; "
                f"out-of-scope answered {d.oos_answered:.1%}, none {d.oos_none:.1%}",
            ]
        if self.sweep:
            lines += [
                "",
                "threshold sweep (club held-out + out-of-scope), '*' = recommended:",
                f"  {'answer':>6} {'sugg':>5} {'margin':>6} {'precision':>9} {'coverage':>8}"
                f" {'in-none':>7} {'oos-ans':>7} {'oos-none':>8}",
            ]
            for row in self.sweep:
                r = row.rates
                star = "*" if row == self.recommended else " "
                lines.append(
                    f"{star} {row.answer:>6.2f} {row.suggest:>5.2f} {row.margin:>6.2f} "
                    f"{r.answer_precision:>9.3f} {r.answer_correct:>8.3f} {r.none:>7.3f}"
                    f" {r.oos_answered:>7.3f} {r.oos_none:>8.3f}"
                )
        if self.unseen:
            lines += [
                "",
                f"unseen clubs (their own FAQs, never trained on; answer weight {self.answer_weight:g}, "
                f"document weight {self.document_weight:g}):",
                f"  {'split':<6}{'clubs':>6}{'FAQs':>6}{'n':>6}{'top-1':>8}{'right':>8}{'wrong':>8}"
                f"{'suggest':>8}{'none':>7}{'oos-ans':>8}{'rank-1':>8}",
            ]
            for u in self.unseen:
                r = u.rates
                lines.append(
                    f"  {u.split:<6}{len(u.clubs):>6}{u.faqs:>6}{r.queries:>6}{r.top1:>8.3f}{r.answered_right:>8.3f}"
                    f"{r.answered_wrong:>8.3f}{r.suggested:>8.3f}{r.none:>7.3f}{r.oos_answered:>8.3f}"
                    f"{u.ranked_first:>8.3f}"
                )
                kinds = "  ".join(f"{k} {v:.2f}" for k, v in u.top1_by_kind.items())
                lines.append(f"         rank-1 by kind: {kinds}")
                shown = "  ".join(f"≥{edge:.0%}: {right:.0%} of {n}" for edge, n, right in u.reliability if n)
                lines.append(f"         answers shown with confidence ≥ N, share right: {shown or '-'}")
            lines.append(
                "  top-1 = right FAQ answered or suggested first; right/wrong = answered outright; "
                "oos-ans = off-topic answered"
            )
        for note in self.notes:
            lines.append(f"note: {note}")
        return "\n".join(lines)


def _finite(obj: Any) -> Any:
    """NaN/inf become None so --json is strict JSON."""
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj
