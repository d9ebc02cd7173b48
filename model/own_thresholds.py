"""Thresholds recommended from a club's own FAQs (``faqbot eval --db``).

The bundled sweep (``model.evaluate.threshold_sweep``) is measured on the sample
club's held-out queries. Another club's FAQs score differently, so here each
alternate of the database's FAQs stands in for a member's question: it is ranked
against every other row (its own row masked, as in leave-one-out), and the
DEV out-of-scope questions (``model/data/dev_out_of_scope.json``, "오늘 학식 메뉴 뭐예요?") stand in for what
should not be answered. The same sweep then picks thresholds. With few
alternates the figures are noise: :data:`MIN_QUERIES` decides when to say so.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from faq.cascade import Reranking
from faq.decision import DecisionModel
from faq.matcher import DEFAULT_ROWS, RowRules
from model.clubs import DEV_OUT_OF_SCOPE
from model.encoder import Encoder
from model.evaluate import FaqBank, Scorer, SweepRow, threshold_sweep

MIN_QUERIES = 30  # fewer alternates than this: the recommendation is printed with a warning
MIN_FAQS_WITH_ALTERNATES = 0.5


@dataclass(frozen=True, slots=True)
class OwnThresholds:
    queries: int  # alternates used as questions
    faqs: int
    faqs_with_alternates: int
    out_of_scope: int
    recommended: SweepRow | None
    warning: str | None

    def to_json(self) -> dict[str, object]:
        rec = self.recommended
        return {
            "queries": self.queries,
            "faqs": self.faqs,
            "faqs_with_alternates": self.faqs_with_alternates,
            "out_of_scope": self.out_of_scope,
            "recommended": None
            if rec is None
            else {
                "answer": rec.answer,
                "suggest": rec.suggest,
                "margin": rec.margin,
                "answer_correct": round(rec.rates.answer_correct, 4),
                "answer_precision": round(rec.rates.answer_precision, 4),
                "oos_answered": round(rec.rates.oos_answered, 4),
            },
            "warning": self.warning,
        }

    def text(self) -> str:
        lines = [
            f"이 DB의 FAQ로 측정한 추천 임계값 "
            f"(대체 질문 {self.queries}개를 질문으로, 범위 밖 질문 {self.out_of_scope}개):"
        ]
        rec = self.recommended
        if rec is None:
            lines.append("  조건(범위 밖 답변 ≤ 10%, 정밀도 ≥ 97%)을 만족하는 임계값이 없습니다.")
        else:
            r = rec.rates
            lines.append(
                f"  answer {rec.answer:g} / suggest {rec.suggest:g} / margin {rec.margin:g}"
                f"  (바로 정답 {r.answer_correct:.1%}, 정밀도 {r.answer_precision:.1%}, "
                f"범위 밖 답변 {r.oos_answered:.1%})"
            )
            lines.append(
                f"  적용: FAQBOT_ANSWER_THRESHOLD={rec.answer:g} FAQBOT_SUGGEST_THRESHOLD={rec.suggest:g} "
                f"FAQBOT_MARGIN={rec.margin:g} (또는 /faq-admin config thresholds)"
            )
        if self.warning:
            lines.append(f"  경고: {self.warning}")
        return "\n".join(lines)


def load_out_of_scope(path: Path = DEV_OUT_OF_SCOPE) -> tuple[str, ...]:
    """Off-topic lines written for choosing thresholds (never the evaluation-only held-out set)."""
    if not Path(path).exists():
        return ()
    return tuple(json.loads(Path(path).read_text(encoding="utf-8")).get("queries", []))


def recommend(
    encoder: Encoder | None,
    groups: Sequence[Sequence[str]],
    lexical_weight: float,
    out_of_scope: Sequence[str] | None = None,
    decision: DecisionModel | None = None,
    rules: RowRules = DEFAULT_ROWS,
    reranking: Reranking | None = None,
) -> OwnThresholds:
    """Sweep thresholds on ``groups`` (canonical question first, then alternates); with the model's
    ``decision`` on the calibrated scale the bot then uses, after its second look (``reranking``) where
    the bot takes one."""
    out_of_scope = load_out_of_scope() if out_of_scope is None else tuple(out_of_scope)
    with_alts = sum(len(g) >= 2 for g in groups)
    bank = FaqBank.from_groups(groups)
    canonical = _canonical_rows(bank)
    rows = [i for i in range(len(bank.rows)) if i not in canonical]
    warning = None
    if len(rows) < MIN_QUERIES or (groups and with_alts / len(groups) < MIN_FAQS_WITH_ALTERNATES):
        warning = (
            f"대체 질문이 적어({len(rows)}개, 대체 질문 있는 FAQ {with_alts}/{len(groups)}개) 믿기 어렵습니다. "
            f"FAQ마다 대체 질문을 2~3개씩 더하면(faqbot faq alt add) 측정이 정확해집니다."
        )
    if not rows:
        return OwnThresholds(0, len(groups), with_alts, len(out_of_scope), None, warning)
    weight = lexical_weight if encoder is not None else 1.0
    scorer = Scorer(bank, encoder, decision=decision, rules=rules, reranking=reranking)
    ranked = []
    for i in rows:
        with scorer.without_row(i):  # the alternate may not find itself
            ranked += scorer.rank([bank.rows[i]], weight)
    gold = [int(bank.row_faq[i]) for i in rows]
    oos = scorer.rank(list(out_of_scope), weight) if out_of_scope else []
    _, best = threshold_sweep(ranked, gold, oos)
    return OwnThresholds(len(rows), len(groups), with_alts, len(out_of_scope), best, warning)


def _canonical_rows(bank: FaqBank) -> set[int]:
    first: dict[int, int] = {}
    for i, fid in enumerate(bank.row_faq):
        first.setdefault(int(fid), i)
    return set(first.values())
