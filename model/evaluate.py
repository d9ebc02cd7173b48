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

import json
import logging
import random
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from faq.index import ScopeIndex, index_texts
from faq.lexical import LexicalIndex, tokenize
from faq.matcher import (
    DEFAULT_ANSWER_WEIGHT,
    DEFAULT_DOCUMENT_WEIGHT,
    DEFAULT_LEXICAL_WEIGHT,
    best_per_faq,
    decide,
    fuse,
)
from faq.types import Candidate, Faq, Status, Thresholds
from model.clubs import CLUBS_DIR, Split, load_clubs
from model.encoder import Encoder
from model.unseen import ClubIndex, MatchConfig, UnseenRates, ranking_top1, rates, reliability, top1_by_kind

log = logging.getLogger(__name__)

_ROOT = Path(__file__).resolve().parent.parent
CLUB_FAQS = _ROOT / "faq" / "data" / "club_faqs.json"
CLUB_HELDOUT = _ROOT / "model" / "data" / "club_heldout.json"
DEFAULT_BENCHMARKS = _ROOT.parent / "shared" / "benchmarks"

Scores = npt.NDArray[np.float32]
RELIABILITY_EDGES = (0.0, 0.6, 0.7, 0.8, 0.9)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class FaqBank:
    """FAQs flattened to rows (canonical question + alternates), as the index holds them."""

    questions: tuple[str, ...]  # canonical question per FAQ, FAQ id = position
    rows: tuple[str, ...]
    row_faq: npt.NDArray[np.int64]
    answers: tuple[str, ...] = ()  # per FAQ when known: the index adds their passages as rows

    @classmethod
    def from_groups(cls, groups: Sequence[Sequence[str]], answers: Sequence[str] = ()) -> FaqBank:
        rows: list[str] = []
        ids: list[int] = []
        for fid, group in enumerate(groups):
            for text in group:
                rows.append(text)
                ids.append(fid)
        return cls(tuple(g[0] for g in groups), tuple(rows), np.asarray(ids, dtype=np.int64), tuple(answers))

    def __len__(self) -> int:
        return len(self.questions)

    def as_faqs(self) -> list[Faq]:
        """The bank as stored FAQs (id = position + 1, since the store's ids start at 1)."""
        groups: dict[int, list[str]] = {}
        for text, fid in zip(self.rows, self.row_faq.tolist(), strict=True):
            groups.setdefault(fid, []).append(text)
        return [
            Faq(fid + 1, "eval", g[0], self.answers[fid] if self.answers else "", tuple(g[1:]), "", "", "", "")
            for fid, g in sorted(groups.items())
        ]


def load_club_bank(path: Path = CLUB_FAQS) -> FaqBank:
    """The bundled club's FAQs with their answers (what a new database is seeded with)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return FaqBank.from_groups(load_faq_groups(path), [item["answer"] for item in data])


def load_faq_groups(path: Path = CLUB_FAQS) -> list[tuple[str, ...]]:
    from model.train import groups_from_faqs

    return groups_from_faqs(json.loads(Path(path).read_text(encoding="utf-8")))


@dataclass(frozen=True)
class HeldOut:
    queries: tuple[tuple[str, int], ...]  # (query, FAQ id in the bank)
    out_of_scope: tuple[str, ...]


def load_heldout(bank: FaqBank, path: Path = CLUB_HELDOUT) -> HeldOut:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    ids = {q: i for i, q in enumerate(bank.questions)}
    queries: list[tuple[str, int]] = []
    for item in data.get("queries", []):
        fid = ids.get(item["faq"])
        if fid is None:
            log.warning("held-out query names an unknown FAQ: %r", item["faq"])
            continue
        queries.append((item["query"], fid))
    return HeldOut(tuple(queries), tuple(data.get("out_of_scope", [])))


def parakqc_blocks(benchmarks: Path) -> list[list[str]]:
    lines = (benchmarks / "paraKQC" / "paraKQC_v1.txt").read_text(encoding="utf-8").splitlines()
    sentences = [line.split("\t")[2].strip() for line in lines[:9990]]
    return [sentences[10 * i : 10 * i + 10] for i in range(999)]


def parakqc_split() -> tuple[list[int], list[int]]:
    """(TEST, TRAIN) block ids of the project's paraKQC-faq protocol."""
    ids = list(range(999))
    random.Random(42).shuffle(ids)
    return ids[:200], ids[200:]


def korsts_test(benchmarks: Path) -> list[tuple[str, str, float]]:
    out = []
    lines = (benchmarks / "KorSTS" / "sts-test.tsv").read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        parts = line.split("\t")
        if len(parts) >= 7:
            out.append((parts[5], parts[6], float(parts[4])))
    return out


# --------------------------------------------------------------------------- scoring


class Scorer:
    """Ranks FAQs for queries with a dense encoder, BM25, or both fused.

    It searches a real :class:`faq.index.ScopeIndex` built from the bank, so the
    figures are the bot's (answer passages included when the bank has answers).
    """

    def __init__(
        self,
        bank: FaqBank,
        encoder: Encoder | None,
        lexical: bool = True,
        *,
        answer_weight: float = DEFAULT_ANSWER_WEIGHT,
        document_weight: float = DEFAULT_DOCUMENT_WEIGHT,
    ) -> None:
        self.bank = bank
        self.encoder = encoder
        self.lexical = lexical
        self.answer_weight = answer_weight if bank.answers else 0.0
        self.document_weight = document_weight
        faqs = bank.as_faqs()
        texts = list(dict.fromkeys(index_texts(faqs)))
        if encoder is not None:
            vectors = dict(zip(texts, encoder.encode(texts), strict=True))
            dimension = encoder.dimension
        else:  # BM25 only: dense scores are all zero and the fusion weight is 1
            vectors = dict.fromkeys(texts, np.zeros(1, np.float32))
            dimension = 1
        self._faqs = {f.id: f for f in faqs}
        self._vectors = vectors
        self.index = ScopeIndex.build(dimension, faqs, vectors)

    @contextmanager
    def without_row(self, row: int) -> Iterator[None]:
        """The index without one alternate (bank row ``row``), so it can stand in for a member's
        question without finding itself (leave-one-out); restored on exit."""
        faq = self._faqs[int(self.bank.row_faq[row]) + 1]
        text = self.bank.rows[row]
        self.index.upsert([replace(faq, alternates=tuple(a for a in faq.alternates if a != text))], self._vectors)
        try:
            yield
        finally:
            self.index.upsert([faq], self._vectors)

    def query_vectors(self, queries: Sequence[str]) -> Scores:
        if self.encoder is None:
            return np.zeros((len(queries), 1), np.float32)
        return self.encoder.encode(list(queries))

    def rank(self, queries: Sequence[str], lexical_weight: float, k: int = 10) -> list[list[Candidate]]:
        if self.encoder is None:
            lexical_weight = 1.0
        elif not self.lexical:
            lexical_weight = 0.0
        qvecs = self.query_vectors(queries)
        snapshot = self.index.snapshot
        return [
            [
                replace(c, faq_id=c.faq_id - 1)  # back to bank positions
                for c in snapshot.search(
                    qvecs[i],
                    query,
                    k=k,
                    lexical_weight=lexical_weight,
                    answer_weight=self.answer_weight,
                    document_weight=self.document_weight if lexical_weight > 0 else 0.0,  # 'dense' stays dense
                )
            ]
            for i, query in enumerate(queries)
        ]


def retrieval_metrics(ranked: Sequence[Sequence[Candidate]], gold: Sequence[int]) -> dict[str, float]:
    acc1 = acc3 = mrr = 0.0
    for cands, g in zip(ranked, gold, strict=True):
        ids = [c.faq_id for c in cands[:10]]
        if ids[:1] == [g]:
            acc1 += 1
        if g in ids[:3]:
            acc3 += 1
        if g in ids:
            mrr += 1.0 / (ids.index(g) + 1)
    n = max(len(gold), 1)
    return {"acc@1": acc1 / n, "acc@3": acc3 / n, "mrr@10": mrr / n}


def measure_latency(scorer: Scorer, queries: Sequence[str], lexical_weight: float, limit: int = 200) -> float:
    """Mean ms per query for encode + search, one query at a time, cold Kiwi cache."""
    sample = list(dict.fromkeys(queries))[:limit]
    if not sample:
        return float("nan")
    scorer.rank(sample[:1], lexical_weight)  # warm up threads and allocators
    tokenize.cache_clear()
    start = time.perf_counter()
    for q in sample:
        scorer.rank([q], lexical_weight, k=5)
    return (time.perf_counter() - start) / len(sample) * 1000


# --------------------------------------------------------------------------- reports


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
    reliability: tuple[tuple[float, int, float], ...] = ()  # (confidence from, answers, fraction right)


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
            f"{self.thresholds.suggest:g} / margin {self.thresholds.margin:g}",
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
                lines.append(f"         answers right by confidence shown: {shown or '-'}")
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


# --------------------------------------------------------------------------- decisions


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
) -> list[MethodResult]:
    results = []
    texts = [q for q, _ in queries]
    gold = [g for _, g in queries]
    weights = {"answer_weight": answer_weight, "document_weight": document_weight}
    lexical_scorer = Scorer(bank, None, **weights)
    dense_scorer = Scorer(bank, encoder, **weights) if encoder is not None else None
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
) -> list[MethodResult]:
    blocks = parakqc_blocks(benchmarks)
    test, _ = parakqc_split()
    ids = list(range(999)) if full else test
    bank = FaqBank.from_groups([[blocks[b][0]] for b in ids])
    queries = [(s, fid) for fid, b in enumerate(ids) for s in blocks[b][1:]]
    name = "paraKQC-faq-full" if full else "paraKQC-faq"
    return evaluate_bank(name, encoder, bank, queries, weight, latency=latency, document_weight=document_weight)


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
) -> EvalReport:
    """Evaluate ``encoder`` (``None`` = BM25 only) on every data set that is present."""
    thresholds = thresholds or Thresholds()
    results: list[MethodResult] = []
    notes: list[str] = []
    decisions = None
    rows: list[SweepRow] = []
    recommended = None
    weight_rows: list[tuple[float, float, float]] = []

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
        )
        scorer = Scorer(bank, encoder, answer_weight=answer_weight, document_weight=document_weight)
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
        results += parakqc_faq(encoder, Path(benchmarks), lexical_weight, document_weight=document_weight)
        if parakqc_full:
            results += parakqc_faq(
                encoder, Path(benchmarks), lexical_weight, full=True, latency=False, document_weight=document_weight
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
        config = MatchConfig(lexical_weight, answer_weight, document_weight)
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
