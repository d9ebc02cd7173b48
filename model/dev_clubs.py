"""Choose matching weights and thresholds on the DEV clubs (never on evaluation-only clubs).

    python -m model.dev_clubs [--model PATH] [--json]

For each (lexical weight, answer weight) it ranks every DEV club's queries once, then
sweeps the thresholds with the rule in :func:`choose_thresholds`. It never opens
``eval_*.json``: those are scored by ``faqbot eval`` after everything is fixed.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from faq.matcher import RowRules
from faq.types import Thresholds
from model.clubs import Split, load_clubs
from model.profile import PROFILE, MatchingProfile, load_profile, write_profile
from model.unseen import ClubIndex, MatchConfig, Ranked, UnseenRates, ranking_top1, rates

LEXICAL_WEIGHTS = (0.1, 0.2, 0.3, 0.4)
ANSWER_WEIGHTS = (0.0, 0.8, 0.9, 1.0)
DOCUMENT_WEIGHTS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6)

# What a member should experience on a club's own FAQs (issue targets, applied to DEV).
MAX_WRONG = 0.02  # in-scope questions answered outright with the wrong FAQ
MAX_OOS_ANSWERED = 0.05  # off-topic lines answered outright
MAX_NONE = 0.05  # in-scope questions left with nothing


@dataclass(frozen=True)
class Choice:
    thresholds: Thresholds
    rates: UnseenRates


#: Answer thresholds tried: on the score scale, and (finer, where calibrated probabilities crowd) on the
#: probability scale of a decision model (faq/decision.py).
SCORE_GRID = tuple(np.arange(0.40, 0.96, 0.025))
PROBABILITY_GRID = tuple(np.arange(0.50, 0.996, 0.005))


def choose_thresholds(
    runs: Sequence[Ranked], answers: Sequence[float] = SCORE_GRID, *, each_club: bool = False
) -> Choice | None:
    """Most in-scope questions answered right, within MAX_WRONG and MAX_OOS_ANSWERED (pooled over
    the clubs, or with ``each_club`` on every club's own run: a rule that must transfer to a club
    nobody has seen should not lean on another club's slack); then the highest suggest threshold
    that leaves at most MAX_NONE with nothing."""

    def breaks_rule(r: UnseenRates) -> bool:
        return r.answered_wrong > MAX_WRONG or r.oos_answered > MAX_OOS_ANSWERED

    best: Choice | None = None
    for answer, margin in itertools.product(answers, (0.0, 0.02, 0.04, 0.06, 0.08, 0.1)):
        answer = round(float(answer), 3)
        r = rates(runs, Thresholds(answer, 0.0, margin))
        if breaks_rule(r) or (
            each_club and any(breaks_rule(rates([run], Thresholds(answer, 0.0, margin))) for run in runs)
        ):
            continue
        key = (r.answered_right, -r.answered_wrong, -answer)
        if best is None or key > (best.rates.answered_right, -best.rates.answered_wrong, -best.thresholds.answer):
            best = Choice(Thresholds(answer, 0.0, margin), r)
    if best is None:
        return None
    t = best.thresholds
    for suggest in np.arange(t.answer, -0.001, -0.025):
        suggest = round(float(max(suggest, 0.0)), 3)
        r = rates(runs, Thresholds(t.answer, suggest, t.margin))
        if r.none <= MAX_NONE:
            return Choice(Thresholds(t.answer, suggest, t.margin), r)
    return best


def main(argv: Sequence[str] | None = None) -> int:
    from model.encoder import load_encoder, resolve_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model path (default: the offline default)")
    parser.add_argument("--lexical-weights", type=float, nargs="*", default=LEXICAL_WEIGHTS)
    parser.add_argument("--answer-weights", type=float, nargs="*", default=ANSWER_WEIGHTS)
    parser.add_argument("--document-weights", type=float, nargs="*", default=DOCUMENT_WEIGHTS)
    parser.add_argument(
        "--answer-window", type=int, default=None, help="row rules (faq.matcher.RowRules); default: the model's profile"
    )
    parser.add_argument("--second-row-weight", type=float, default=None)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--write",
        metavar="MODEL_DIR",
        help=f"write the best row as that model's matching profile ({PROFILE}); best = most "
        "top-1 + answered-right among rows that meet the rule",
    )
    args = parser.parse_args(argv)

    clubs = load_clubs(Split.DEV)
    if not clubs:
        print("no DEV clubs in model/data/clubs", file=sys.stderr)
        return 2
    encoder = load_encoder(args.model)
    current = load_profile(resolve_model(args.model))
    rules = current.rules if current is not None else RowRules()
    rules = RowRules(
        rules.answer_window if args.answer_window is None else args.answer_window,
        rules.second_row_weight if args.second_row_weight is None else args.second_row_weight,
    )
    indexes = [ClubIndex(club, encoder) for club in clubs]
    rows = []
    best: tuple[float, MatchingProfile] | None = None
    for lw, aw, dw in itertools.product(args.lexical_weights, args.answer_weights, args.document_weights):
        runs = [ix.rank(MatchConfig(lw, aw, dw, rules=rules)) for ix in indexes]
        choice = choose_thresholds(runs)
        row = {
            "lexical_weight": lw,
            "answer_weight": aw,
            "document_weight": dw,
            "rank1": round(ranking_top1(runs), 4),
            "choice": None if choice is None else {"thresholds": asdict(choice.thresholds), **asdict(choice.rates)},
        }
        rows.append(row)
        if choice is not None:
            merit = choice.rates.top1 + choice.rates.answered_right
            if best is None or merit > best[0]:
                chosen_on = "DEV clubs " + ", ".join(c.slug for c in clubs)
                best = (merit, MatchingProfile(lw, aw, dw, choice.thresholds, chosen_on, rules=rules))
        if not args.json:
            c = row["choice"]
            tail = (
                "no thresholds meet the rule"
                if c is None
                else f"answer {c['thresholds']['answer']:.3f} suggest {c['thresholds']['suggest']:.3f} "
                f"margin {c['thresholds']['margin']:.2f} → top-1 {c['top1']:.3f} right {c['answered_right']:.3f} "
                f"wrong {c['answered_wrong']:.3f} none {c['none']:.3f} oos-ans {c['oos_answered']:.3f}"
            )
            print(f"w_lex {lw:.2f} w_ans {aw:.2f} w_doc {dw:.2f}  rank-1 {row['rank1']:.3f}  {tail}", flush=True)
    if args.json:
        print(json.dumps({"clubs": [c.slug for c in clubs], "rows": rows}, ensure_ascii=False))
    if args.write:
        if best is None:
            print("no row meets the rule; nothing written", file=sys.stderr)
            return 1
        path = write_profile(args.write, best[1])
        print(f"wrote {path}: {best[1]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
