"""Measure an encoder the way the bot uses it: dense, BM25-over-Kiwi and their fusion.

Data sets (each skipped, with a note, when absent):

- club held-out (``model/data/club_heldout.json``) against the bundled FAQs:
  acc@1/3, MRR@10, answer/suggest/none rates, out-of-scope answered rate, and a
  threshold sweep that shows where the default thresholds come from;
- a given list of FAQs, leave-one-alternate-out (the "my own DB" case);
- paraKQC-faq and KorSTS test from ``../shared/benchmarks`` (path configurable).

Every figure is reported beside the BM25-over-Kiwi baseline (faq.lexical).
Scoring goes through faq.matcher (``fuse`` + ``best_per_faq`` + ``decide``), the
same functions the service uses, so numbers here are the bot's numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from faq.cascade import Reranking
from faq.decision import DecisionModel
from faq.lexical import LexicalIndex
from faq.matcher import (
    DEFAULT_ANSWER_WEIGHT,
    DEFAULT_DOCUMENT_WEIGHT,
    DEFAULT_LEXICAL_WEIGHT,
    DEFAULT_ROWS,
    RowRules,
    best_per_faq,
    fuse,
)
from faq.types import Candidate, Thresholds
from model.clubs import CLUBS_DIR, Split, load_clubs
from model.encoder import Encoder
from model.eval.data import (
    CLUB_FAQS,
    CLUB_HELDOUT,
    DEFAULT_BENCHMARKS,
    RELIABILITY_EDGES,
    FaqBank,
    HeldOut,
    Scores,
    korsts_test,
    load_club_bank,
    load_faq_groups,
    load_heldout,
    parakqc_blocks,
    parakqc_split,
)
from model.eval.report import DecisionRates, EvalReport, MethodResult, SweepRow, UnseenResult
from model.eval.scoring import Scorer, measure_latency, retrieval_metrics
from model.eval.sweep import decision_rates, threshold_sweep
from model.unseen import ClubIndex, MatchConfig, ranking_top1, rates, reliability, top1_by_kind

log = logging.getLogger(__name__)

# The data, scoring, report and sweep parts live in model/eval/; their names stay importable from here.
__all__ = [
    "CLUB_FAQS",
    "CLUB_HELDOUT",
    "DEFAULT_BENCHMARKS",
    "RELIABILITY_EDGES",
    "DecisionRates",
    "EvalReport",
    "FaqBank",
    "HeldOut",
    "MethodResult",
    "Scorer",
    "Scores",
    "SweepRow",
    "UnseenResult",
    "decision_rates",
    "evaluate",
    "evaluate_bank",
    "korsts_spearman",
    "korsts_test",
    "leave_one_out",
    "load_club_bank",
    "load_faq_groups",
    "load_heldout",
    "measure_latency",
    "parakqc_blocks",
    "parakqc_faq",
    "parakqc_split",
    "retrieval_metrics",
    "spearman",
    "threshold_sweep",
    "unseen_result",
]


# --------------------------------------------------------------------------- evaluations


def _methods(encoder: Encoder | None, weight: float) -> list[tuple[str, bool, float]]:
    """(label, use encoder, lexical weight)."""
    out = [("bm25", False, 1.0)]
    if encoder is not None:
        out += [("dense", True, 0.0), (f"hybrid {weight:g}", True, weight)]
    return out


def evaluate_bank(
    name: str,
    encoder: Encoder | None,
    bank: FaqBank,
    queries: Sequence[tuple[str, int]],
    weight: float,
    *,
    latency: bool = True,
    answer_weight: float = DEFAULT_ANSWER_WEIGHT,
    document_weight: float = DEFAULT_DOCUMENT_WEIGHT,
    decision: DecisionModel | None = None,
    rules: RowRules = DEFAULT_ROWS,
    reranking: Reranking | None = None,
) -> list[MethodResult]:
    results = []
    texts = [q for q, _ in queries]
    gold = [g for _, g in queries]
    weights = {"answer_weight": answer_weight, "document_weight": document_weight}
    lexical_scorer = Scorer(bank, None, **weights, rules=rules)
    dense_scorer = (
        Scorer(bank, encoder, **weights, decision=decision, rules=rules, reranking=reranking)
        if encoder is not None
        else None
    )
    for label, use_enc, w in _methods(encoder, weight):
        scorer = dense_scorer if use_enc else lexical_scorer
        assert scorer is not None
        ranked = scorer.rank(texts, w)
        m = retrieval_metrics(ranked, gold)
        ms = measure_latency(scorer, texts, w) if latency else None
        results.append(MethodResult(name, label, len(texts), m["acc@1"], m["acc@3"], m["mrr@10"], ms))
    return results


def leave_one_out(
    encoder: Encoder | None, groups: Sequence[Sequence[str]], weight: float, name: str = "faqs leave-one-out"
) -> list[MethodResult]:
    """Each alternate (and each canonical question) is a query with itself removed from the bank.

    BM25 statistics are rebuilt without the query row, so it gets no credit for
    finding itself; the dense side simply masks that row.
    """
    bank = FaqBank.from_groups(groups)
    queries = [(i, text) for i, text in enumerate(bank.rows) if int(np.sum(bank.row_faq == bank.row_faq[i])) >= 2]
    if not queries:
        return []
    gold = [int(bank.row_faq[i]) for i, _ in queries]
    out = []
    vecs = encoder.encode(list(bank.rows)) if encoder is not None else None
    for label, use_enc, w in _methods(encoder, weight):
        ranked = []
        for i, text in queries:
            keep = np.arange(len(bank.rows)) != i
            sub_rows = [r for j, r in enumerate(bank.rows) if j != i]
            lex = LexicalIndex(sub_rows).scores(text) if w > 0 else None
            if use_enc:
                assert vecs is not None
                scores = fuse(vecs[keep] @ vecs[i], lex, w)
            else:
                scores = lex if lex is not None else np.zeros(len(sub_rows), np.float32)
            ranked.append(
                [Candidate(fid, bank.questions[fid], s) for fid, _, s in best_per_faq(scores, bank.row_faq[keep], 10)]
            )
        m = retrieval_metrics(ranked, gold)
        out.append(MethodResult(name, label, len(queries), m["acc@1"], m["acc@3"], m["mrr@10"]))
    return out


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic)


def korsts_spearman(encoder: Encoder, pairs: Sequence[tuple[str, str, float]]) -> float:
    left = encoder.encode([p[0] for p in pairs])
    right = encoder.encode([p[1] for p in pairs])
    return spearman(np.sum(left * right, axis=1).tolist(), [p[2] for p in pairs])


def parakqc_faq(
    encoder: Encoder | None,
    benchmarks: Path,
    weight: float,
    *,
    full: bool = False,
    latency: bool = True,
    document_weight: float = DEFAULT_DOCUMENT_WEIGHT,
    decision: DecisionModel | None = None,
    rules: RowRules = DEFAULT_ROWS,
    reranking: Reranking | None = None,
) -> list[MethodResult]:
    blocks = parakqc_blocks(benchmarks)
    test, _ = parakqc_split()
    ids = list(range(999)) if full else test
    bank = FaqBank.from_groups([[blocks[b][0]] for b in ids])
    queries = [(s, fid) for fid, b in enumerate(ids) for s in blocks[b][1:]]
    name = "paraKQC-faq-full" if full else "paraKQC-faq"
    return evaluate_bank(
        name,
        encoder,
        bank,
        queries,
        weight,
        latency=latency,
        document_weight=document_weight,
        decision=decision,
        rules=rules,
        reranking=reranking,
    )


def evaluate(
    encoder: Encoder | None,
    *,
    name: str = "",
    lexical_weight: float = DEFAULT_LEXICAL_WEIGHT,
    thresholds: Thresholds | None = None,
    faqs_path: Path | None = CLUB_FAQS,
    heldout_path: Path | None = CLUB_HELDOUT,
    faq_groups: Sequence[Sequence[str]] | None = None,
    benchmarks: Path | None = DEFAULT_BENCHMARKS,
    parakqc_full: bool = False,
    sweep: bool = True,
    weights: Sequence[float] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7),
    answer_weight: float = DEFAULT_ANSWER_WEIGHT,
    document_weight: float = DEFAULT_DOCUMENT_WEIGHT,
    clubs_dir: Path | None = CLUBS_DIR,
    decision: DecisionModel | None = None,
    rules: RowRules = DEFAULT_ROWS,
    reranking: Reranking | None = None,
) -> EvalReport:
    """Evaluate ``encoder`` (``None`` = BM25 only) on every data set that is present.

    With a ``decision`` (the model's profile, faq/decision.py) the hybrid ranking and every
    decision use calibrated confidences, and ``thresholds`` are on that scale, as in the bot;
    a ``reranking`` (faq/cascade.py) adds its second look wherever the decision serves.
    """
    thresholds = thresholds or Thresholds()
    results: list[MethodResult] = []
    notes: list[str] = []
    decisions = None
    rows: list[SweepRow] = []
    recommended = None
    weight_rows: list[tuple[float, float, float]] = []
    if reranking is not None and decision is not None and encoder is not None:
        c = reranking.cascade
        notes.append(f"second look (faq/cascade.py): {c.scorer} reads the top {c.top} below confidence {c.below:g}")

    if faqs_path and heldout_path and Path(faqs_path).exists() and Path(heldout_path).exists():
        bank = load_club_bank(Path(faqs_path))
        held = load_heldout(bank, Path(heldout_path))
        results += evaluate_bank(
            "club held-out",
            encoder,
            bank,
            list(held.queries),
            lexical_weight,
            answer_weight=answer_weight,
            document_weight=document_weight,
            decision=decision,
            rules=rules,
            reranking=reranking,
        )
        scorer = Scorer(
            bank,
            encoder,
            answer_weight=answer_weight,
            document_weight=document_weight,
            decision=decision,
            rules=rules,
            reranking=reranking,
        )
        texts = [q for q, _ in held.queries]
        gold = [g for _, g in held.queries]
        if encoder is not None:
            for w in weights:
                m = retrieval_metrics(scorer.rank(texts, w), gold)
                weight_rows.append((w, round(m["acc@1"], 4), round(m["mrr@10"], 4)))
        w_used = lexical_weight if encoder is not None else 1.0
        ranked = scorer.rank(texts, w_used)
        oos = scorer.rank(list(held.out_of_scope), w_used)
        decisions = decision_rates(ranked, gold, oos, thresholds)
        if sweep:
            rows, recommended = threshold_sweep(ranked, gold, oos)
    else:
        notes.append("club held-out skipped: faq/data/club_faqs.json or model/data/club_heldout.json missing")

    if faq_groups:
        results += leave_one_out(encoder, faq_groups, lexical_weight)

    if benchmarks is not None and (Path(benchmarks) / "paraKQC" / "paraKQC_v1.txt").exists():
        results += parakqc_faq(
            encoder,
            Path(benchmarks),
            lexical_weight,
            document_weight=document_weight,
            decision=decision,
            rules=rules,
            reranking=reranking,
        )
        if parakqc_full:
            results += parakqc_faq(
                encoder,
                Path(benchmarks),
                lexical_weight,
                full=True,
                latency=False,
                document_weight=document_weight,
                decision=decision,
                rules=rules,
                reranking=reranking,
            )
    else:
        notes.append(f"paraKQC-faq skipped: {benchmarks}/paraKQC not found")
    if encoder is not None and benchmarks is not None and (Path(benchmarks) / "KorSTS").exists():
        pairs = korsts_test(Path(benchmarks))
        results.append(
            MethodResult(
                "KorSTS test",
                "dense",
                len(pairs),
                float("nan"),
                float("nan"),
                float("nan"),
                spearman=korsts_spearman(encoder, pairs),
            )
        )
    elif encoder is not None:
        notes.append(f"KorSTS skipped: {benchmarks}/KorSTS not found")

    unseen: list[UnseenResult] = []
    if encoder is not None and clubs_dir is not None and Path(clubs_dir).is_dir():
        config = MatchConfig(lexical_weight, answer_weight, document_weight, decision, rules, reranking)
        for split in (Split.DEV, Split.EVAL):
            clubs = load_clubs(split, Path(clubs_dir))
            if clubs:
                unseen.append(unseen_result(encoder, clubs, config, thresholds))
    elif encoder is not None:
        notes.append(f"unseen clubs skipped: {clubs_dir} not found")

    return EvalReport(
        encoder=name or ("bm25 only" if encoder is None else getattr(encoder, "name", "encoder")),
        lexical_weight=lexical_weight,
        thresholds=thresholds,
        results=tuple(results),
        decisions=decisions,
        sweep=tuple(rows),
        recommended=recommended,
        weight_sweep=tuple(weight_rows),
        unseen=tuple(unseen),
        answer_weight=answer_weight,
        document_weight=document_weight,
        calibrated=decision is not None and encoder is not None,
        notes=tuple(notes),
    )


def unseen_result(encoder: Encoder, clubs: Sequence[Any], config: MatchConfig, thresholds: Thresholds) -> UnseenResult:
    runs = [ClubIndex(club, encoder).rank(config) for club in clubs]
    return UnseenResult(
        split=clubs[0].split.value,
        clubs=tuple(c.slug for c in clubs),
        faqs=sum(len(c.faqs) for c in clubs),
        ranked_first=ranking_top1(runs),
        rates=rates(runs, thresholds),
        top1_by_kind=top1_by_kind(runs),
        reliability=tuple(reliability(runs, thresholds, RELIABILITY_EDGES)),
    )
