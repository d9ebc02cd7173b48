"""Fit the decision model (faq/decision.py) on the DEV clubs, leave-one-club-out.

    python -m model.decision_fit [--model ensemble] [--write DIR] [--json]

Each DEV club's member questions and off-topic lines are ranked on its own FAQs with the
model's matching weights; each of the top :data:`POOL` FAQs gets its decision features. The
off-topic lines a club is scored against are the *other* DEV clubs' (never its own, and
never a line identical to the question: the evaluation-only clubs were written by someone
else, so a line shared word for word must not teach the model to trust that feature).

Leave-one-club-out: for each DEV club, a logistic model fitted on the other clubs' first
candidates predicts this club's. Those out-of-club predictions choose the order of the
candidates (reordered by the calibrated chance, or the fused score's: faq.decision.ORDERS; the one
that answers more right, then ranks more first), the runner-up recalibration and the thresholds
(``model.dev_clubs.choose_thresholds``: most answered right with ≤ 2 % answered wrong and ≤ 5 % of
off-topic lines answered on *every* DEV club, not only pooled — the decision must hold on a club
nobody has seen), and they are the transfer estimate this prints. The written model is then fitted
on all DEV clubs, its off-topic lines are every DEV club's. It never opens ``eval_*.json``.

The bundled sample club's DEV split (``model.clubs.bundled_dev_club``) is a fourth club for
the threshold rule only (``--bundled rule``, the default): the club-trained parts know that
club, so its off-topic lines score higher than on a club they never saw, and thresholds chosen
on unseen clubs alone answered them too readily. The logistic does not learn from it (its
questions are in-sample for the static part and would teach that a high score is always right).
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np
import numpy.typing as npt

from faq.cascade import Cascade, PairScorer, pair_features
from faq.decision import (
    FEATURES,
    ORDERS,
    PAIR_FEATURES,
    PART_MARGIN,
    PART_SCORE,
    DecisionModel,
    candidate_order,
    is_feature,
    shown_confidences,
)
from faq.encoding import Encoder, vector_parts
from faq.index import Snapshot
from faq.matcher import DEFAULT_ROWS, RowRules, decide, suggestions
from faq.types import Candidate, Status, Thresholds
from model.clubs import BUNDLED_DEV_SLUG, ClubSet, Split, bundled_dev_club, load_clubs
from model.dev_clubs import PROBABILITY_GRID, Choice, choose_thresholds
from model.profile import MatchingProfile, load_profile, write_profile
from model.unseen import ClubIndex, Ranked, UnseenRates, ranking_top1, rates, reliability

POOL = 3  # candidates the bot ranks (FaqService.top_k): the decision may reorder these
#: Chosen on DEV (docs/model.md, "A decision that transfers"): the nearest off-topic line and the
#: per-part margins (the ensemble's parts agreeing) helped; the document BM25 features did not.
CHOSEN = ("score", "margin", "off_topic")
CHOSEN_PER_PART = (PART_MARGIN,)
L2 = 1.0  # ridge on standardised features (sklearn's C = 1)
#: A runner-up is offered beside the best from this chance of being right: on DEV (leave-one-club-out) the
#: right FAQ is then answered or offered as often as with the fused score, in lists as long (docs/model.md).
RUNNER_UP_FLOOR = 0.05
#: Cumulative confidence levels for "of answers shown with confidence ≥ N %, M % were right".
LEVELS = (0.8, 0.85, 0.9, 0.95)


def feature_names(
    parts: int, chosen: Sequence[str] = CHOSEN, per_part: Sequence[str] = CHOSEN_PER_PART
) -> tuple[str, ...]:
    return (*chosen, *(f"{prefix}{i}" for prefix in per_part for i in range(parts)))


def fit_logistic(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.bool_], l2: float = L2, iterations: int = 100
) -> tuple[npt.NDArray[np.float64], float]:
    """(weights, intercept) of an L2-regularised logistic regression, Newton's method on standardised
    columns, returned on the raw scale. Small and deterministic; no new dependency."""
    mu = x.mean(axis=0)
    sd = x.std(axis=0)
    sd[sd == 0] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mu) / sd])
    target = y.astype(np.float64)
    beta = np.zeros(z.shape[1])
    ridge = np.full(z.shape[1], l2)
    ridge[0] = 0.0  # the intercept is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ beta, -40, 40)))
        gradient = z.T @ (p - target) + ridge * beta
        hessian = (z * (p * (1 - p))[:, None]).T @ z + np.diag(ridge) + 1e-9 * np.eye(z.shape[1])
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    weights = beta[1:] / sd
    return weights, float(beta[0] - np.sum(weights * mu))


def _logit(p: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


@dataclass
class ClubEvidence:
    """One club's top-POOL candidates per query (fused order) with their features; in-scope first."""

    club: ClubSet
    candidates: list[tuple[Candidate, ...]]
    features: list[dict[str, npt.NDArray[np.float32]]]
    gold: list[int | None]  # None: an off-topic line
    # What ranked them (collect): a pair scorer reads each answer as the bot gives it (Snapshot.pair_answer).
    snapshot: Snapshot | None = None
    vectors: npt.NDArray[np.float32] | None = None  # the queries', aligned with ``candidates``

    def matrix(self, names: Sequence[str]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """Features of each query's first candidate and whether it is right."""
        x = np.array([[f[n][0] for n in names] for f in self.features], dtype=np.float64)
        y = np.array([bool(c) and c[0].faq_id == g for c, g in zip(self.candidates, self.gold, strict=True)])
        return x, y


def collect(
    clubs: Sequence[ClubSet],
    encoder: Encoder,
    lexical_weight: float,
    answer_weight: float,
    document_weight: float,
    extra_off_topic: Sequence[str] = (),
    rules: RowRules = DEFAULT_ROWS,
) -> list[ClubEvidence]:
    parts = vector_parts(encoder)
    lines = list(dict.fromkeys([*(t for c in clubs for t in c.out_of_scope), *extra_off_topic]))
    line_vectors = dict(zip(lines, encoder.encode(lines), strict=True))
    out = []
    for club in clubs:
        index = ClubIndex(club, encoder)
        snapshot = index.index(rules).snapshot
        others = list(
            dict.fromkeys([*(t for c in clubs if c.slug != club.slug for t in c.out_of_scope), *extra_off_topic])
        )
        near = np.stack([line_vectors[t] for t in others]) if others else np.zeros((0, encoder.dimension), np.float32)
        texts = [*index.queries, *club.out_of_scope]
        gold: list[int | None] = [q.faq + 1 for q in club.queries]
        gold += [None] * len(club.out_of_scope)
        found = ClubEvidence(club, [], [], gold, snapshot, index.query_vectors)
        for vector, text in zip(index.query_vectors, texts, strict=True):
            evidence = snapshot.evidence(
                vector,
                text,
                k=POOL,
                lexical_weight=lexical_weight,
                answer_weight=answer_weight,
                document_weight=document_weight,
                parts=parts,
                off_topic_similarity=float(np.max(near @ vector)) if len(near) else 0.0,
            )
            found.candidates.append(evidence.candidates)
            found.features.append(dict(evidence.features))
        out.append(found)
    return out


def _raw(model: tuple[npt.NDArray[np.float64], float], names: Sequence[str], club: ClubEvidence) -> list[np.ndarray]:
    """P(right) of every pooled candidate of every query of ``club``."""
    weights, intercept = model
    out = []
    for f in club.features:
        x = np.stack([f[n] for n in names], axis=1).astype(np.float64) if f else np.zeros((0, len(names)))
        out.append(1.0 / (1.0 + np.exp(-np.clip(x @ weights + intercept, -40, 40))))
    return out


def _runner_up(raw: Sequence[Sequence[np.ndarray]], clubs: Sequence[ClubEvidence], order: str) -> tuple[float, float]:
    """Platt scaling on logit(p) for the candidates that are not first once put in ``order``."""
    xs, ys = [], []
    for club, probabilities in zip(clubs, raw, strict=True):
        for cands, gold, p in zip(club.candidates, club.gold, probabilities, strict=True):
            for at in candidate_order(p, order)[1:]:
                xs.append(_logit(np.array([p[at]]))[0])
                ys.append(gold is not None and cands[at].faq_id == gold)
    if len(set(ys)) < 2:
        return 1.0, 0.0
    weights, intercept = fit_logistic(np.array(xs)[:, None], np.array(ys), l2=1e-6)
    scale = float(weights[0])
    return (scale, intercept) if scale > 0 else (1.0, 0.0)


def _ranked(
    club: ClubEvidence, probabilities: Sequence[np.ndarray], runner_up: tuple[float, float], order: str
) -> Ranked:
    """The club's candidates as :meth:`faq.index.Snapshot.search` would return them with this model."""
    lists = []
    for cands, p in zip(club.candidates, probabilities, strict=True):
        at, shown = shown_confidences(p, runner_up, order)
        lists.append(tuple(replace(cands[i], confidence=float(s)) for s, i in zip(shown, at, strict=True)))
    return Ranked.of(club.club, lists)


def offered(runs: Sequence[Ranked], thresholds: Thresholds, floor: float | None) -> tuple[float, float]:
    """(share of in-scope questions whose right FAQ is answered or among the suggestions offered, mean
    suggestions offered when suggesting), with ``faq.matcher.suggestions`` over the top :data:`POOL`."""
    hits = total = 0
    lengths = []
    for run in runs:
        for cands, gold in zip(run.in_scope, run.gold, strict=True):
            total += 1
            status = decide(cands[:POOL], thresholds)
            if status is Status.ANSWER:
                hits += cands[0].faq_id == gold
            elif status is Status.SUGGEST:
                shown = suggestions(cands[:POOL], thresholds, floor)
                lengths.append(len(shown))
                hits += gold in [c.faq_id for c in shown]
    return hits / max(total, 1), float(np.mean(lengths)) if lengths else 0.0


def shown_right(runs: Sequence[Ranked], thresholds: Thresholds, levels: Sequence[float] = LEVELS) -> list[dict]:
    """Of the answers shown with confidence ≥ level (off-topic lines answered count as wrong), the share right."""
    rows = reliability(runs, thresholds, sorted({thresholds.answer, *levels}))
    return [{"at_least": level, "answers": n, "right": None if n == 0 else right} for level, n, right in rows]


@dataclass(frozen=True)
class Fit:
    names: tuple[str, ...]
    decision: DecisionModel
    thresholds: Thresholds
    loco: UnseenRates  # pooled out-of-club figures at the chosen thresholds
    loco_by_club: dict[str, UnseenRates]
    loco_rank1: float
    meaning: list[dict]
    meaning_by_club: dict[str, list[dict]]
    offered: tuple[float, float]  # right FAQ answered or among the offered suggestions; mean suggestions offered


@dataclass(frozen=True)
class Loco:
    """The leave-one-club-out choice: the order, runner-up recalibration and thresholds, and the runs they give."""

    order: str
    runner_up: tuple[float, float]
    runs: list[Ranked]
    choice: Choice


def loco(evidence: Sequence[ClubEvidence], names: Sequence[str], rule_only: Sequence[str] = ()) -> Loco | None:
    """Each club's candidates as a logistic over ``names`` fitted on the other clubs ranks them, and the
    order and thresholds chosen on those out-of-club runs (module docstring); None when no thresholds
    meet the rule. ``names`` are keys of the evidence's features: a measurement may add its own
    (``benchmarks/gpu_round.py``), which a :class:`faq.decision.DecisionModel` would refuse."""
    learn = [c for c in evidence if c.club.slug not in rule_only]
    if len(learn) < 2:
        raise ValueError("leave-one-club-out needs at least two DEV clubs")
    raw = []
    for held in evidence:
        rest = [c for c in learn if c is not held]
        x = np.vstack([c.matrix(names)[0] for c in rest])
        y = np.concatenate([c.matrix(names)[1] for c in rest])
        raw.append(_raw(fit_logistic(x, y), names, held))
    learnt = [r for r, c in zip(raw, evidence, strict=True) if c in learn]
    best = None
    for order in ORDERS:
        runner_up = _runner_up(learnt, learn, order)
        runs = [_ranked(c, p, runner_up, order) for c, p in zip(evidence, raw, strict=True)]
        choice = choose_thresholds(runs, PROBABILITY_GRID, each_club=True)
        if choice is None:
            continue
        # More answered right, then more right FAQs first; ties keep the earlier order (calibrated).
        key = (round(choice.rates.answered_right, 9), round(ranking_top1(runs), 9))
        if best is None or key > best[0]:
            best = (key, Loco(order, runner_up, runs, choice))
    return None if best is None else best[1]


def fit_all(
    evidence: Sequence[ClubEvidence], names: Sequence[str], rule_only: Sequence[str] = ()
) -> tuple[npt.NDArray[np.float64], float]:
    """The logistic over ``names`` fitted on every club it learns from (the one a profile stores)."""
    learn = [c for c in evidence if c.club.slug not in rule_only]
    x = np.vstack([c.matrix(names)[0] for c in learn])
    y = np.concatenate([c.matrix(names)[1] for c in learn])
    return fit_logistic(x, y)


def fit(
    evidence: Sequence[ClubEvidence],
    names: Sequence[str],
    rule_only: Sequence[str] = (),
    extra_off_topic: Sequence[str] = (),
) -> Fit | None:
    """``rule_only``: slugs of clubs the thresholds must hold on but the logistic never learns from.
    ``extra_off_topic``: the lines :func:`collect` was given besides the clubs' own; stored with them."""
    found = loco(evidence, names, rule_only)
    if found is None:
        return None
    order, runner_up, runs, choice = found.order, found.runner_up, found.runs, found.choice
    weights, intercept = fit_all(evidence, names, rule_only)
    decision = DecisionModel(
        weights=tuple((n, float(w)) for n, w in zip(names, weights, strict=True)),
        intercept=intercept,
        off_topic=tuple(dict.fromkeys([*(t for c in evidence for t in c.club.out_of_scope), *extra_off_topic])),
        runner_up=runner_up,
        runner_up_floor=RUNNER_UP_FLOOR,
        order=order,
    )
    return Fit(
        names=tuple(names),
        decision=decision,
        thresholds=choice.thresholds,
        loco=choice.rates,
        loco_by_club={c.club.slug: rates([r], choice.thresholds) for c, r in zip(evidence, runs, strict=True)},
        loco_rank1=ranking_top1(runs),
        meaning=shown_right(runs, choice.thresholds),
        meaning_by_club={c.club.slug: shown_right([r], choice.thresholds) for c, r in zip(evidence, runs, strict=True)},
        offered=offered(runs, choice.thresholds, RUNNER_UP_FLOOR),
    )


#: First-stage confidences below which a cascade's second look is tried (besides the first decision's
#: answer threshold): higher reads more questions twice (docs/model.md, Round 9).
CASCADE_BELOW = (0.95, 0.97, 0.99)


def add_pair_features(evidence: Sequence[ClubEvidence], scorer: PairScorer) -> None:
    """Each pooled candidate's pair-scorer features (faq.cascade.pair_features), read beside its question
    (the club's member questions, then its off-topic lines, as :func:`collect` ranked them), its answer
    given as the bot gives it (:meth:`faq.index.Snapshot.pair_answer`)."""
    for club in evidence:
        if club.snapshot is None or club.vectors is None:
            raise ValueError(f"{club.club.slug}: the evidence lacks what ranked it (collect keeps it)")
        texts = [*(q.text for q in club.club.queries), *club.club.out_of_scope]
        for text, vector, cands, features in zip(texts, club.vectors, club.candidates, club.features, strict=True):
            answer = functools.partial(club.snapshot.pair_answer, query_vec=vector, how=scorer.answers)
            faqs = [(c.question, answer(c.faq_id)) for c in cands]
            features.update(pair_features(scorer.score(text, faqs)))


def _stands(first: Sequence[Candidate], below: float) -> bool:
    """Whether the first stage's candidates stand without a second look (faq.cascade.SecondLook.wanted)."""
    return bool(first) and first[0].confidence >= below


def cascade_runs(first: Sequence[Ranked], second: Sequence[Ranked], below: float) -> list[Ranked]:
    """Per club and question, the first stage's candidates when its best is shown with at least ``below``,
    else the second stage's: what :meth:`faq.index.Snapshot.search` returns with a second look."""
    return [
        Ranked.of(
            a.club,
            [
                x if _stands(x, below) else y
                for x, y in zip([*a.in_scope, *a.out_of_scope], [*b.in_scope, *b.out_of_scope], strict=True)
            ],
        )
        for a, b in zip(first, second, strict=True)
    ]


def rescored_share(first: Sequence[Ranked], below: float) -> float:
    """Share of questions and off-topic lines the second look would read."""
    lists = [c for r in first for c in (*r.in_scope, *r.out_of_scope)]
    return sum(not _stands(c, below) for c in lists) / max(len(lists), 1)


@dataclass(frozen=True)
class CascadeFit:
    cascade: Cascade
    first: Loco  # the profile's own decision, leave-one-club-out
    second: Loco  # the second decision alone, leave-one-club-out
    levels: dict[float, tuple[float, Choice | None]]  # below → (share rescored, choice)
    runs: list[Ranked]  # the chosen cascade's out-of-club runs


def fit_cascade(
    evidence: Sequence[ClubEvidence],
    first: DecisionModel,
    scorer: str,
    rule_only: Sequence[str] = (),
    levels: Sequence[float] = CASCADE_BELOW,
) -> CascadeFit | None:
    """A second look behind ``first`` (the profile's decision): its decision over ``first``'s features and
    the pair features (which ``evidence`` must hold: :func:`add_pair_features`), and the first-stage level
    below which it reads and the thresholds, chosen on the two stages' out-of-club runs together by the
    same per-club rule: most answered right, then the fewest questions read twice. None when no level
    meets the rule."""
    names = [n for n, _ in first.weights]
    one, two = loco(evidence, names, rule_only), loco(evidence, [*names, *PAIR_FEATURES], rule_only)
    if one is None or two is None:
        return None
    tried: dict[float, tuple[float, Choice | None]] = {}
    best: tuple[tuple[float, float], float, Choice, list[Ranked]] | None = None
    for below in sorted({one.choice.thresholds.answer, *levels}):
        runs = cascade_runs(one.runs, two.runs, below)
        choice = choose_thresholds(runs, PROBABILITY_GRID, each_club=True)
        share = rescored_share(one.runs, below)
        tried[below] = (share, choice)
        if choice is not None:
            key = (round(choice.rates.answered_right, 9), -share)
            if best is None or key > best[0]:
                best = (key, below, choice, runs)
    if best is None:
        return None
    _, below, choice, runs = best
    both = [*names, *PAIR_FEATURES]
    weights, intercept = fit_all(evidence, both, rule_only)
    decision = replace(
        first,
        weights=tuple((n, float(w)) for n, w in zip(both, weights, strict=True)),
        intercept=intercept,
        runner_up=two.runner_up,
        order=two.order,
    )
    cascade = Cascade(below=below, decision=decision, thresholds=choice.thresholds, scorer=scorer, top=POOL)
    return CascadeFit(cascade, one, two, tried, runs)


def _feature(name: str) -> str:
    if not is_feature(name):
        raise argparse.ArgumentTypeError(f"unknown decision feature {name!r}")
    return name


def _line(r: UnseenRates) -> str:
    return (
        f"top-1 {r.top1:.3f} right {r.answered_right:.3f} wrong {r.answered_wrong:.3f} "
        f"none {r.none:.3f} oos-ans {r.oos_answered:.3f}"
    )


def _share(row: dict) -> str:
    return f"{'-' if row['right'] is None else format(row['right'], '.3f')} of {row['answers']}"


def main(argv: Sequence[str] | None = None) -> int:
    from model.encoder import load_encoder, resolve_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="ensemble", help="model name or folder (default: ensemble)")
    parser.add_argument(
        "--features",
        nargs="*",
        default=list(CHOSEN),
        type=_feature,
        help=f"features besides each part's margin: {', '.join(FEATURES)}, or one part's, e.g. {PART_SCORE}1 "
        f"(default: {' '.join(CHOSEN)})",
    )
    parser.add_argument("--no-parts", action="store_true", help="leave the per-part margins out")
    parser.add_argument("--ablate", action="store_true", help="also fit without each feature in turn")
    parser.add_argument("--write", metavar="MODEL_DIR", help="store the decision and thresholds in that profile")
    parser.add_argument(
        "--bundled",
        choices=("rule", "fit", "off"),
        default="rule",
        help="the sample club's DEV split: thresholds must hold on it too (rule, default), it is also "
        "fitted on (fit), or it is left out (off)",
    )
    parser.add_argument(
        "--cascade",
        metavar="SCORER",
        help="instead: fit a second look behind the profile's decision with this pair scorer "
        "(model.cross_encoder: cross-encoder, or a folder) and store it in the --write profile",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    clubs = load_clubs(Split.DEV) + ([] if args.bundled == "off" else [bundled_dev_club()])
    rule_only = (BUNDLED_DEV_SLUG,) if args.bundled == "rule" else ()
    folder = resolve_model(args.model)
    profile = load_profile(folder)
    if profile is None:
        print(
            f"{folder} has no matching profile: choose its weights first (python -m model.dev_clubs)", file=sys.stderr
        )
        return 2
    encoder = load_encoder(args.model)
    scorer = _cascade_scorer(args.cascade, profile, encoder) if args.cascade else None  # before minutes of work
    if args.cascade and scorer is None:
        return 2
    # The training clubs' off-topic lines widen the nearest-off-topic feature's reference set: they are
    # training data, so every DEV club is scored against them as well as the other DEV clubs' lines.
    extra = [t for c in load_clubs(Split.TRAIN) for t in c.out_of_scope]
    evidence = collect(
        clubs,
        encoder,
        profile.lexical_weight,
        profile.answer_weight,
        profile.document_weight,
        extra_off_topic=extra,
        rules=profile.rules,
    )
    if scorer is not None:
        return _cascade_main(args, profile, scorer, evidence, rule_only)
    parts = 0 if args.no_parts else len(vector_parts(encoder))
    names = feature_names(parts, args.features)
    variants = {"chosen": names}
    if args.ablate:
        variants |= {f"-{n}": tuple(m for m in names if m != n) for n in names}
        variants["-all parts"] = feature_names(0, args.features)
        extra_names = [*FEATURES, *feature_names(parts, (), (PART_MARGIN, PART_SCORE))]
        variants |= {f"+{n}": (*names, n) for n in extra_names if n not in names}
    results = {}
    for label, chosen in variants.items():
        result = fit(evidence, chosen, rule_only, extra)
        results[label] = result
        if not args.json:
            if result is None:
                print(f"{label:<22} no thresholds meet the rule")
                continue
            t = result.thresholds
            print(
                f"{label:<22} LOCO {_line(result.loco)} rank-1 {result.loco_rank1:.3f}  "
                f"(answer {t.answer:g} suggest {t.suggest:g} margin {t.margin:g}, {result.decision.order} order)",
                flush=True,
            )
    best = results["chosen"]
    if best is None:
        return 1
    report = {
        "model": args.model,
        "clubs": [c.slug for c in clubs],
        "features": list(best.names),
        "decision": best.decision.to_json() | {"off_topic": len(best.decision.off_topic)},
        "thresholds": asdict(best.thresholds),
        "loco": asdict(best.loco),
        "loco_rank1": best.loco_rank1,
        "loco_by_club": {k: asdict(v) for k, v in best.loco_by_club.items()},
        "meaning": best.meaning,
        "offered": best.offered,
        "meaning_by_club": best.meaning_by_club,
        "variants": {k: None if v is None else asdict(v.loco) for k, v in results.items()},
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print("\nleave-one-club-out, chosen features:")
        for slug, r in best.loco_by_club.items():
            print(f"  {slug:<14} {_line(r)}")
        print(
            "weights:",
            {n: round(w, 3) for n, w in best.decision.weights},
            "intercept",
            round(best.decision.intercept, 3),
        )
        print("order:", best.decision.order)
        print("runner-up recalibration (a, b):", tuple(round(v, 3) for v in best.decision.runner_up))
        print(
            f"right FAQ answered or offered (top {POOL}, runner-ups from {RUNNER_UP_FLOOR:.0%}): "
            f"{best.offered[0]:.3f}, {best.offered[1]:.2f} suggestions offered on average"
        )
        print("of answers shown with confidence ≥ N, share right (out-of-club):")
        for i, row in enumerate(best.meaning):
            clubs_at = "  ".join(f"{slug}: {_share(rows[i])}" for slug, rows in best.meaning_by_club.items())
            print(f"  ≥ {row['at_least']:.3f}: {_share(row)}   ({clubs_at})")
    if args.write:
        weights_note = profile.chosen_on.split("; decision:")[0]
        note = (
            f"{weights_note}; decision: logistic over {', '.join(best.names)} ({best.decision.order} order) "
            f"fitted on DEV clubs "
            f"{', '.join(c.slug for c in clubs if c.slug not in rule_only)}, thresholds by the model.dev_clubs "
            f"rule on leave-one-club-out predictions{' (also on ' + ', '.join(rule_only) + ')' if rule_only else ''}, "
            "off-topic lines of the DEV and training clubs (python -m model.decision_fit)"
        )
        # A cascade was fitted behind the old decision: it goes with it (fit it again with --cascade).
        written = replace(profile, thresholds=best.thresholds, chosen_on=note, decision=best.decision, cascade=None)
        print(f"wrote {write_profile(args.write, written)}", file=sys.stderr)
        if profile.cascade is not None:
            print(
                "the cascade fitted behind the old decision was dropped: fit it again with --cascade", file=sys.stderr
            )
    return 0


def _cascade_scorer(name: str, profile: MatchingProfile, encoder: Encoder) -> PairScorer | None:
    """``--cascade``'s scorer, or None after one line saying why it cannot be fitted."""
    from model.cross_encoder import load_scorer
    from model.encoder_base import EncoderLoadError

    if profile.decision is None:
        print("the profile has no decision to put a second look behind: fit one first", file=sys.stderr)
        return None
    try:
        return load_scorer(name, share_with=encoder)
    except EncoderLoadError as exc:
        print(exc, file=sys.stderr)
        return None


def _cascade_main(
    args: argparse.Namespace,
    profile: MatchingProfile,
    scorer: PairScorer,
    evidence: list[ClubEvidence],
    rule_only: Sequence[str],
) -> int:
    assert profile.decision is not None  # _cascade_scorer checked
    add_pair_features(evidence, scorer)
    found = fit_cascade(evidence, profile.decision, args.cascade, rule_only)
    if found is None:
        print("no cascade level meets the rule", file=sys.stderr)
        return 1
    report = {
        "first stage": asdict(found.first.choice.rates) | {"thresholds": asdict(found.first.choice.thresholds)},
        "second stage alone": asdict(found.second.choice.rates)
        | {"thresholds": asdict(found.second.choice.thresholds)},
        "levels": {
            str(below): {"rescored": share, "loco": None if c is None else asdict(c.rates)}
            | ({"thresholds": asdict(c.thresholds)} if c is not None else {})
            for below, (share, c) in found.levels.items()
        },
        "cascade": found.cascade.to_json() | {"decision": {"off_topic": len(found.cascade.decision.off_topic)}},
        "loco_by_club": {r.club.slug: asdict(rates([r], found.cascade.thresholds)) for r in found.runs},
        "meaning": shown_right(found.runs, found.cascade.thresholds),
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(f"first stage      LOCO {_line(found.first.choice.rates)}")
        print(f"second alone     LOCO {_line(found.second.choice.rates)}")
        for below, (share, c) in found.levels.items():
            line = (
                "no thresholds meet the rule" if c is None else f"LOCO {_line(c.rates)} answer {c.thresholds.answer:g}"
            )
            print(f"below {below:<10g} reads {share:.0%}  {line}")
        print("chosen:", json.dumps(report["cascade"], ensure_ascii=False))
        for slug, r in report["loco_by_club"].items():
            print(f"  {slug:<14} {_line(UnseenRates(**r))}")
    if args.write:
        note = (
            f"{profile.chosen_on}; cascade: {args.cascade} below {found.cascade.below:g}, second decision over "
            f"the first's features + {', '.join(PAIR_FEATURES)} fitted on the same DEV clubs, level and thresholds "
            "by the same rule on both stages' leave-one-club-out runs (python -m model.decision_fit --cascade)"
        )
        written = replace(profile, chosen_on=note, cascade=found.cascade)
        print(f"wrote {write_profile(args.write, written)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
