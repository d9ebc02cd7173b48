"""Answer/suggest/none rates at given thresholds, and the sweep that shows where the defaults come from."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from faq.matcher import (
    decide,
)
from faq.types import Candidate, Status, Thresholds
from model.eval.report import DecisionRates, SweepRow

log = logging.getLogger(__name__)


def decision_rates(
    in_scope: Sequence[Sequence[Candidate]],
    gold: Sequence[int],
    oos: Sequence[Sequence[Candidate]],
    thresholds: Thresholds,
) -> DecisionRates:
    n = max(len(in_scope), 1)
    answered = correct = suggested = none = 0
    for cands, g in zip(in_scope, gold, strict=True):
        status = decide(cands, thresholds)
        if status is Status.ANSWER:
            answered += 1
            correct += cands[0].faq_id == g
        elif status is Status.SUGGEST:
            suggested += 1
        else:
            none += 1
    oos_status = [decide(c, thresholds) for c in oos]
    m = max(len(oos), 1)
    return DecisionRates(
        answer=answered / n,
        answer_correct=correct / n,
        answer_precision=correct / answered if answered else 1.0,
        suggest=suggested / n,
        none=none / n,
        oos_answered=sum(s is Status.ANSWER for s in oos_status) / m if oos else 0.0,
        oos_none=sum(s is Status.NONE for s in oos_status) / m if oos else 1.0,
    )


def threshold_sweep(
    in_scope: Sequence[Sequence[Candidate]],
    gold: Sequence[int],
    oos: Sequence[Sequence[Candidate]],
    *,
    max_oos_answered: float = 0.10,
    min_precision: float = 0.97,
    max_in_scope_none: float = 0.05,
) -> tuple[list[SweepRow], SweepRow | None]:
    """Grid over (answer, margin, suggest); recommend the row that answers most in-scope
    queries correctly while out-of-scope answered ≤ ``max_oos_answered`` and precision ≥
    ``min_precision``; suggest is then the highest value that leaves at most
    ``max_in_scope_none`` of in-scope queries with nothing."""
    rows: list[SweepRow] = []
    best: SweepRow | None = None
    answers = [round(a, 2) for a in np.arange(0.30, 0.91, 0.05)]
    margins = [0.0, 0.02, 0.05, 0.08, 0.1]
    suggests = [round(s, 2) for s in np.arange(0.10, 0.61, 0.05)]
    for a in answers:
        for mg in margins:
            # suggest does not change what is answered: pick it per (answer, margin)
            chosen: SweepRow | None = None
            for s in suggests:
                if s > a:
                    break
                rates = decision_rates(in_scope, gold, oos, Thresholds(a, s, mg))
                if rates.none <= max_in_scope_none:
                    chosen = SweepRow(a, s, mg, rates)
            if chosen is None:
                s = suggests[0]
                chosen = SweepRow(a, s, mg, decision_rates(in_scope, gold, oos, Thresholds(a, s, mg)))
            rows.append(chosen)
            r = chosen.rates
            ok = r.oos_answered <= max_oos_answered and r.answer_precision >= min_precision
            if ok and (
                best is None
                or (r.answer_correct, r.oos_none, -a) > (best.rates.answer_correct, best.rates.oos_none, -best.answer)
            ):
                best = chosen
    return rows, best
