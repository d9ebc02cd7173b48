"""Ranking variants of the default encoder on DEV data only (no training): which changes to row
scoring, aggregation, fusion, BM25 and answer splitting put the right FAQ first more often.

    python benchmarks/ranking_dev.py [--model ensemble] [--variants base,passage,...] [--cache DIR] [--json]

Sets: the DEV clubs (``model/data/clubs/dev_*.json``; pooled, per club and per question kind),
the bundled club's DEV split (``model.training_data.dev_split`` queries against the bundled FAQs
with their answers) and paraKQC-faq (``../shared/benchmarks``, questions only) as guards.
Evaluation-only clubs (``eval_*``) and ``club_heldout.json`` are never opened.

Each text is encoded once per encoder part (and per e5 prompt) and every variant is scored from
those vectors with numpy, reproducing ``faq.index.Snapshot.search`` for the ``base`` variant
(checked against ``model.unseen.ClubIndex`` with ``--check``). Columns: rank-1 by the fused
score ("fused"), and, for variants whose score keeps the profile's scale, after the profile's
calibrated decision reorders the top 10 as the bot does ("cal"; that decision was fitted on the
base scores, so it is only indicative for other variants).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from faq.decision import Calibrator, candidate_features  # noqa: E402
from faq.lexical import LexicalIndex, tokenize  # noqa: E402
from faq.matcher import RowRules  # noqa: E402
from faq.text import answer_passages, clean  # noqa: E402

RANK_K = 10  # as model.unseen: the decision reorders the top 10


# ---------------------------------------------------------------------------- data


@dataclass
class EvalSet:
    name: str
    questions: list[list[str]]  # per FAQ: canonical question + alternates
    answers: list[str]  # per FAQ ("" when unknown)
    queries: list[str]
    gold: np.ndarray
    kinds: list[str]
    club: bool  # a DEV club (pooled into "dev-clubs")


def _dev_clubs() -> list[EvalSet]:
    from model.clubs import Split, load_clubs

    out = []
    for c in load_clubs(Split.DEV):
        out.append(
            EvalSet(
                c.slug,
                [[f.question, *f.alternates] for f in c.faqs],
                [f.answer for f in c.faqs],
                [q.text for q in c.queries],
                np.array([q.faq for q in c.queries]),
                [q.kind for q in c.queries],
                True,
            )
        )
    return out


def _bundled_dev() -> EvalSet:
    from model.training_data import CLUB_FAQS, CLUB_PARAPHRASES, dev_split

    faqs = json.loads(CLUB_FAQS.read_text(encoding="utf-8"))
    index = {f["question"]: i for i, f in enumerate(faqs)}
    _, dev = dev_split(json.loads(CLUB_PARAPHRASES.read_text(encoding="utf-8")))
    return EvalSet(
        "bundled-dev",
        [[f["question"], *f.get("alternates", ())] for f in faqs],
        [f["answer"] for f in faqs],
        [q for q, _ in dev],
        np.array([index[f] for _, f in dev]),
        ["dev"] * len(dev),
        False,
    )


def _parakqc(benchmarks: Path) -> EvalSet | None:
    from model.eval.data import parakqc_blocks, parakqc_split

    if not (benchmarks / "paraKQC" / "paraKQC_v1.txt").exists():
        return None
    blocks = parakqc_blocks(benchmarks)
    test, _ = parakqc_split()
    queries = [(s, fid) for fid, b in enumerate(test) for s in blocks[b][1:]]
    return EvalSet(
        "paraKQC-faq",
        [[blocks[b][0]] for b in test],
        [""] * len(test),
        [q for q, _ in queries],
        np.array([f for _, f in queries]),
        ["para"] * len(queries),
        False,
    )


# ---------------------------------------------------------------------------- answer splitting

_CLAUSE = re.compile(r"(?<=[,;:])\s+|(?<=[가-힣]고)\s+(?=\S{2,})|(?<=[가-힣](?:지만|는데|면서|니까|어서|아서))\s+")


def split_answer(answer: str, how: str) -> tuple[str, ...]:
    """Answer rows for a splitting variant; ``sentence`` is the product's ``answer_passages``."""
    sentences = answer_passages(answer)
    if how == "sentence":
        return sentences
    if how == "none":
        return ()
    if how == "whole":
        whole = clean(" ".join(sentences))
        return (whole,) if whole else ()
    if how == "clause":
        out: list[str] = []
        for s in sentences:
            for part in _CLAUSE.split(s):
                part = part.strip(" ,;:")
                if len(part) >= 6 and part not in out:
                    out.append(part)
        return tuple(out)
    if how in ("window2", "sentence+window2", "sentence+window3"):
        size = 3 if how.endswith("3") else 2
        windows = tuple(" ".join(sentences[i : i + size]) for i in range(len(sentences) - size + 1)) or sentences
        return windows if how == "window2" else tuple(dict.fromkeys((*sentences, *windows)))
    if how == "sentence+whole":
        whole = clean(" ".join(sentences))
        return tuple(dict.fromkeys((*sentences, whole))) if whole else sentences
    raise ValueError(how)


# ---------------------------------------------------------------------------- query rewriting


_PREAMBLE = re.compile(r"(?<=[,.?!])\s+|(?<=(?:는데|은데|인데|해서|어서|아서|라서|니까|데요|서요))[,]?\s+")


def rewrite_query(text: str, how: str | None) -> str:
    """``tail``: a long question's asking clause (the last clause of 8+ characters after a context preamble)."""
    if not how:
        return text
    if how == "tail":
        if len(text) < 35:
            return text
        parts = [p for p in _PREAMBLE.split(text) if p.strip()]
        tail = ""
        for part in reversed(parts):
            tail = f"{part} {tail}".strip()
            if len(tail) >= 8:
                break
        return tail or text
    raise ValueError(how)


# ---------------------------------------------------------------------------- vectors


class Vectors:
    """Unit vectors per (part, prompt, text), encoded once (optionally kept on disk between runs)."""

    def __init__(self, encoder: object, cache: Path | None) -> None:
        parts = getattr(encoder, "parts", None)
        self.parts = [e for e, _ in parts] if parts else [encoder]
        self.weights = [w / sum(w for _, w in parts) for _, w in parts] if parts else [1.0]
        self.cache = cache
        self._store: dict[tuple[int, str], dict[str, np.ndarray]] = {}
        if cache is not None:
            cache.mkdir(parents=True, exist_ok=True)

    def _file(self, part: int, prompt: str) -> Path | None:
        if self.cache is None:
            return None
        key = hashlib.sha256(f"{self.parts[part].fingerprint}|{prompt}".encode()).hexdigest()[:16]
        return self.cache / f"{key}.npz"

    def _table(self, part: int, prompt: str) -> dict[str, np.ndarray]:
        table = self._store.get((part, prompt))
        if table is None:
            table = {}
            path = self._file(part, prompt)
            if path is not None and path.exists():
                with np.load(path, allow_pickle=False) as data:
                    table = dict(zip(data["texts"].tolist(), data["vectors"], strict=True))
            self._store[(part, prompt)] = table
        return table

    def get(self, part: int, texts: Sequence[str], prompt: str = "query") -> np.ndarray:
        table = self._table(part, prompt)
        missing = list(dict.fromkeys(t for t in texts if t not in table))
        if missing:
            enc = self.parts[part]
            old = getattr(enc, "_prompt", None)
            if prompt != "query":
                if old is None:
                    raise ValueError(f"part {part} has no prompt to switch")
                enc._prompt = f"{prompt}: "  # type: ignore[attr-defined]
            try:
                vecs = enc.encode(missing)
            finally:
                if old is not None:
                    enc._prompt = old  # type: ignore[attr-defined]
            table.update(zip(missing, vecs, strict=True))
            path = self._file(part, prompt)
            if path is not None:
                np.savez(path, texts=np.array(list(table)), vectors=np.stack(list(table.values())))
        dim = self.parts[part].dimension
        return np.stack([table[t] for t in texts]) if texts else np.zeros((0, dim), np.float32)

    def ensemble(self, texts: Sequence[str]) -> np.ndarray:
        """The ensemble's own vectors (parts scaled by √weight, concatenated)."""
        return np.concatenate([self.get(i, texts) * np.sqrt(w) for i, w in enumerate(self.weights)], axis=1).astype(
            np.float32
        )


# ---------------------------------------------------------------------------- variants


@dataclass(frozen=True)
class Variant:
    name: str
    lexical_weight: float = 0.2
    answer_weight: float = 1.0
    document_weight: float = 0.6
    answer_lexical_weight: float | None = None  # None: the lexical weight
    split: str = "sentence"
    answer_prompt: str = "query"  # e5 prompt of answer rows ("passage" for e5's asymmetric one)
    aggregate: str = "max"  # max | second | mean | lse
    aggregate_weight: float = 0.0  # second/mean: s = max + w·(second or mean); lse: temperature
    fusion: str = "weighted"  # weighted | z | rrf
    fusion_weights: tuple[float, ...] = (1.0, 1.0, 0.5, 0.5)  # z/rrf: static, e5, row BM25, document BM25
    k1: float = 1.2
    b: float = 0.75
    doc_k1: float | None = None
    doc_b: float | None = None
    query: str | None = None  # rewrite_query mode
    part_weights: tuple[float, ...] | None = None  # None: the encoder's own
    calibrate: bool = True

    def product_rules(self) -> RowRules | None:
        """The faq.matcher.RowRules that do what this variant does in the product, if any."""
        windows = {"sentence": 1, "sentence+window2": 2, "sentence+window3": 3}.get(self.split)
        if windows is None or self.aggregate not in ("max", "gap") or self.fusion != "weighted":
            return None
        if self.answer_prompt != "query" or self.query or self.part_weights or (self.k1, self.b) != (1.2, 0.75):
            return None
        if self.answer_lexical_weight is not None or self.doc_k1 is not None or self.doc_b is not None:
            return None
        return RowRules(windows, self.aggregate_weight if self.aggregate == "gap" else 0.0)


class BM25(LexicalIndex):
    """The product's normalised BM25 (``token_scores`` for pre-tokenised queries) with other k1/b."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float, b: float) -> None:
        self.K1, self.B = k1, b
        super().__init__([""] * len(docs), docs)


@dataclass
class Prepared:
    """Everything a set's variants need, computed once per (set, split, prompt, BM25 params)."""

    s: EvalSet
    vectors: Vectors
    off_topic: np.ndarray | None
    memo: dict = field(default_factory=dict)

    def _m(self, key: tuple, make: Callable[[], object]) -> object:
        if key not in self.memo:
            self.memo[key] = make()
        return self.memo[key]

    def queries(self, how: str | None) -> list[str]:
        return self._m(("q", how), lambda: [rewrite_query(q, how) for q in self.s.queries])  # type: ignore[return-value]

    def question_rows(self) -> tuple[list[str], np.ndarray]:
        texts = [t for g in self.s.questions for t in g]
        ids = np.array([f for f, g in enumerate(self.s.questions) for _ in g])
        return texts, ids

    def answer_rows(self, split: str) -> tuple[list[str], np.ndarray]:
        def make() -> tuple[list[str], np.ndarray]:
            rows = [split_answer(a, split) if a else () for a in self.s.answers]
            return [t for r in rows for t in r], np.array([f for f, r in enumerate(rows) for _ in r], dtype=np.int64)

        return self._m(("a", split), make)  # type: ignore[return-value]

    def cos(self, part: int, query: str | None, rows: str, split: str = "", prompt: str = "query") -> np.ndarray:
        def make() -> np.ndarray:
            qv = self.vectors.get(part, self.queries(query))
            texts = self.question_rows()[0] if rows == "q" else self.answer_rows(split)[0]
            return qv @ self.vectors.get(part, texts, prompt if rows == "a" else "query").T

        return self._m(("cos", part, query, rows, split, prompt), make)  # type: ignore[return-value]

    def bm25(self, query: str | None, rows: str, split: str, k1: float, b: float) -> np.ndarray:
        def make() -> np.ndarray:
            if rows == "q":
                texts = self.question_rows()[0]
                docs = [tokenize(t) for t in texts]
            elif rows == "a":
                docs = [tokenize(t) for t in self.answer_rows(split)[0]]
            else:  # one document per FAQ: its questions and answer passages (as the product)
                docs = [
                    [tok for t in (*g, *(answer_passages(a) if a else ())) for tok in tokenize(t)]
                    for g, a in zip(self.s.questions, self.s.answers, strict=True)
                ]
            if not docs:
                return np.zeros((len(self.s.queries), 0), np.float32)
            index = BM25(docs, k1, b)
            return np.stack([index.token_scores(tokenize(q)) for q in self.queries(query)])

        return self._m(("bm25", query, rows, split if rows == "a" else "", k1, b), make)  # type: ignore[return-value]

    def off_topic_similarity(self, query: str | None) -> np.ndarray:
        def make() -> np.ndarray:
            if self.off_topic is None or not len(self.off_topic):
                return np.zeros(len(self.s.queries), np.float32)
            return (self.vectors.ensemble(self.queries(query)) @ self.off_topic.T).max(axis=1)

        return self._m(("oos", query), make)  # type: ignore[return-value]


def _faq_reduce(rows: np.ndarray, row_faq: np.ndarray, n_faq: int, how: str, w: float) -> np.ndarray:
    """(queries, rows) → (queries, FAQs) by the aggregation rule."""
    out = np.full((rows.shape[0], n_faq), -np.inf, np.float32)
    for f in range(n_faq):
        block = rows[:, row_faq == f]
        if block.shape[1] == 0:
            continue
        best = block.max(axis=1)
        if how == "max" or (block.shape[1] == 1 and how != "lse"):
            out[:, f] = best
        elif how == "second":
            out[:, f] = best + w * np.partition(block, -2, axis=1)[:, -2]
        elif how == "gap":  # the second-best row closes part of the gap to 1, as the document does
            m = np.clip(best, 0.0, 1.0)
            out[:, f] = m + w * np.clip(np.partition(block, -2, axis=1)[:, -2], 0.0, 1.0) * (1.0 - m)
        elif how == "mean":
            out[:, f] = best + w * (block.sum(axis=1) - best) / (block.shape[1] - 1)
        elif how == "lse":  # soft max: w·log Σ exp(s/w), minus log(n) so one row equals its score
            out[:, f] = best + w * np.log(np.exp((block - best[:, None]) / w).mean(axis=1))
        else:
            raise ValueError(how)
    return out


def _zscore(x: np.ndarray) -> np.ndarray:
    mu = x.mean(axis=1, keepdims=True)
    sd = x.std(axis=1, keepdims=True)
    return (x - mu) / np.where(sd > 0, sd, 1.0)


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(-x, axis=1, kind="stable")
    r = np.empty_like(order)
    np.put_along_axis(r, order, np.arange(x.shape[1])[None, :].repeat(x.shape[0], 0), axis=1)
    return r


def score(p: Prepared, v: Variant, calibrator: Calibrator | None) -> tuple[np.ndarray, np.ndarray | None]:
    """(fused top-1 FAQ per query, calibrated top-1 per query or None)."""
    s = p.s
    n_faq = len(s.questions)
    weights = v.part_weights or tuple(p.vectors.weights)
    weights = tuple(w / sum(weights) for w in weights)
    lw = v.lexical_weight
    alw = lw if v.answer_lexical_weight is None else v.answer_lexical_weight
    aw = v.answer_weight
    _, q_faq = p.question_rows()
    a_texts, a_faq = p.answer_rows(v.split)
    use_answers = aw > 0 and len(a_texts) > 0
    parts_q = [p.cos(i, v.query, "q") for i in range(len(weights))]
    parts_a = [p.cos(i, v.query, "a", v.split, v.answer_prompt if i > 0 else "query") for i in range(len(weights))]
    lex_q = p.bm25(v.query, "q", "", v.k1, v.b)
    lex_a = p.bm25(v.query, "a", v.split, v.k1, v.b) if use_answers else None
    doc = p.bm25(v.query, "d", "", v.doc_k1 or v.k1, v.doc_b if v.doc_b is not None else v.b)
    dense_q = sum(w * c for w, c in zip(weights, parts_q, strict=True))
    rows = (1 - lw) * dense_q + lw * lex_q
    row_faq = q_faq
    part_rows = np.stack(parts_q, axis=2)
    if use_answers:
        dense_a = sum(w * c for w, c in zip(weights, parts_a, strict=True))
        rows = np.concatenate([rows, aw * ((1 - alw) * dense_a + alw * lex_a)], axis=1)
        row_faq = np.concatenate([q_faq, a_faq])
        part_rows = np.concatenate([part_rows, aw * np.stack(parts_a, axis=2)], axis=1)
    if v.fusion == "weighted":
        best = np.clip(_faq_reduce(rows, row_faq, n_faq, v.aggregate, v.aggregate_weight), 0.0, 1.0)
        totals = best + v.document_weight * doc * (1.0 - best)
    else:
        comps = [_faq_reduce(part_rows[:, :, i], row_faq, n_faq, "max", 0) for i in range(part_rows.shape[2])]
        lex_rows = lex_q if not use_answers else np.concatenate([lex_q, aw * lex_a], axis=1)
        comps += [_faq_reduce(lex_rows, row_faq, n_faq, "max", 0), doc]
        fw = v.fusion_weights
        if v.fusion == "z":
            totals = sum(w * _zscore(c) for w, c in zip(fw, comps, strict=False))
        else:
            totals = sum(w / (60.0 + _ranks(c)) for w, c in zip(fw, comps, strict=False))
    top = np.argmax(totals, axis=1)
    if calibrator is None or not v.calibrate or v.fusion != "weighted":
        return top, None
    oos = p.off_topic_similarity(v.query)
    cal = np.empty_like(top)
    faq_ids = np.arange(n_faq)
    for i in range(len(s.queries)):
        picks = np.argsort(-totals[i], kind="stable")[:RANK_K]
        feats = candidate_features(
            totals=totals[i].astype(np.float32),
            picks=picks,
            documents=doc[i],
            part_rows=part_rows[i].astype(np.float32),
            row_faq=row_faq,
            faq_ids=faq_ids,
            off_topic_similarity=float(oos[i]),
        )
        order, _ = calibrator.confidences(feats)
        cal[i] = picks[order[0]]
    return top, cal


# ---------------------------------------------------------------------------- variants tried


def variants() -> dict[str, Variant]:
    b = Variant("base")
    vs = [
        b,
        replace(b, name="passage", answer_prompt="passage"),
        replace(b, name="no-answers", answer_weight=0.0),
        replace(b, name="ans-w0.9", answer_weight=0.9),
        replace(b, name="second.1", aggregate="second", aggregate_weight=0.1),
        replace(b, name="second.2", aggregate="second", aggregate_weight=0.2),
        replace(b, name="mean.1", aggregate="mean", aggregate_weight=0.1),
        replace(b, name="mean.2", aggregate="mean", aggregate_weight=0.2),
        replace(b, name="gap.4", aggregate="gap", aggregate_weight=0.4),
        replace(b, name="lse.02", aggregate="lse", aggregate_weight=0.02),
        replace(b, name="lse.05", aggregate="lse", aggregate_weight=0.05),
        replace(b, name="z", fusion="z"),
        replace(b, name="z-1111", fusion="z", fusion_weights=(1, 1, 1, 1)),
        replace(b, name="rrf", fusion="rrf"),
        replace(b, name="ans-lex0", answer_lexical_weight=0.0),
        replace(b, name="ans-lex.4", answer_lexical_weight=0.4),
        replace(b, name="lex.3", lexical_weight=0.3),
        replace(b, name="doc.4", document_weight=0.4),
        replace(b, name="doc.8", document_weight=0.8),
        replace(b, name="k1=1.5", k1=1.5),
        replace(b, name="k1=0.9", k1=0.9),
        replace(b, name="b=0.5", b=0.5),
        replace(b, name="b=0.3", b=0.3),
        replace(b, name="clause", split="clause"),
        replace(b, name="window2", split="window2"),
        replace(b, name="sent+window2", split="sentence+window2"),
        replace(b, name="sent+whole", split="sentence+whole"),
        replace(b, name="whole", split="whole"),
        replace(b, name="sent+window3", split="sentence+window3"),
        replace(b, name="query tail", query="tail"),
        # combinations of the single changes that won
        replace(b, name="sent+window2+gap.4", split="sentence+window2", aggregate="gap", aggregate_weight=0.4),
        replace(
            b,
            name="sent+window2+gap.4+doc.4",
            split="sentence+window2",
            aggregate="gap",
            aggregate_weight=0.4,
            document_weight=0.4,
        ),
        replace(
            b,
            name="sent+window2+second.2+doc.4",
            split="sentence+window2",
            aggregate="second",
            aggregate_weight=0.2,
            document_weight=0.4,
        ),
    ]
    return {v.name: v for v in vs}


# ---------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="ensemble")
    parser.add_argument("--variants", default="", help="comma-separated names (default: all)")
    parser.add_argument("--benchmarks", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--cache", type=Path, default=None, help="keep vectors here between runs")
    parser.add_argument("--no-guards", action="store_true", help="DEV clubs only")
    parser.add_argument("--check", action="store_true", help="compare 'base' with model.unseen.ClubIndex")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from faq.encoding import vector_parts
    from model.encoder import load_encoder, resolve_model
    from model.profile import load_profile

    encoder = load_encoder(args.model)
    profile = load_profile(resolve_model(args.model))
    vectors = Vectors(encoder, args.cache)
    calibrator = None
    off_topic = None
    if profile is not None and profile.decision is not None:
        lines = list(profile.decision.off_topic)
        off_topic = vectors.ensemble(lines)
        # faq.encoding.vector_parts: one part for a single model, which has no ``vector_parts`` of its own.
        calibrator = Calibrator(profile.decision, vector_parts(encoder), off_topic)
    sets = _dev_clubs()
    if not args.no_guards:
        sets.append(_bundled_dev())
        para = _parakqc(args.benchmarks)
        if para is not None:
            sets.append(para)
    prepared = [Prepared(s, vectors, off_topic) for s in sets]
    table = variants()
    chosen = [table[n] for n in args.variants.split(",") if n] if args.variants else list(table.values())
    if profile is not None:
        chosen = [
            replace(v, lexical_weight=profile.lexical_weight)
            if v.name == "base" and v.lexical_weight != profile.lexical_weight
            else v
            for v in chosen
        ]
    results = []
    for v in chosen:
        started = time.perf_counter()
        row: dict[str, object] = {"variant": v.name}
        club_hits, club_cal, kinds = [], [], {}
        for p in prepared:
            top, cal = score(p, v, calibrator)
            hit = top == p.s.gold
            row[p.s.name] = float(hit.mean())
            if cal is not None:
                row[p.s.name + ":cal"] = float((cal == p.s.gold).mean())
            if p.s.club:
                club_hits.append(hit)
                if cal is not None:
                    club_cal.append(cal == p.s.gold)
                for kind in set(p.s.kinds):
                    mask = np.array([k == kind for k in p.s.kinds])
                    kinds.setdefault(kind, []).extend(hit[mask].tolist())
        row["dev-clubs"] = float(np.concatenate(club_hits).mean())
        if club_cal:
            row["dev-clubs:cal"] = float(np.concatenate(club_cal).mean())
        row["kinds"] = {k: float(np.mean(x)) for k, x in sorted(kinds.items())}
        row["seconds"] = round(time.perf_counter() - started, 1)
        results.append(row)
        if not args.json:
            _print_row(row, sets, header=len(results) == 1)
    if args.check:
        _check(encoder, profile, results, chosen)
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
    return 0


def _print_row(row: dict, sets: list[EvalSet], *, header: bool) -> None:
    clubs = [s.name for s in sets if s.club]
    guards = [s.name for s in sets if not s.club]
    cols = ["dev-clubs", *clubs, *guards]
    kinds = list(row["kinds"])
    if header:
        sizes = {s.name: len(s.queries) for s in sets}
        sizes["dev-clubs"] = sum(len(s.queries) for s in sets if s.club)
        names = [f"{c} ({sizes[c]})" for c in cols]
        print("| variant | " + " | ".join([*names, "dev-clubs cal", *kinds]) + " |")
        print("|---" * (len(names) + len(kinds) + 2) + "|")
    cells = [f"{row[c]:.3f}" for c in cols]
    cal = row.get("dev-clubs:cal")
    cells.append("–" if cal is None else f"{cal:.3f}")
    cells += [f"{row['kinds'][k]:.2f}" for k in kinds]
    print(f"| {row['variant']} | " + " | ".join(cells) + " |", flush=True)


def _check(encoder: object, profile: object, results: list[dict], chosen: list[Variant]) -> None:
    """Rows the product can do (Variant.product_rules) against the product path (model.unseen) on the DEV clubs."""
    from model.clubs import Split, load_clubs
    from model.unseen import ClubIndex, MatchConfig, ranking_top1

    if profile is None:
        return
    indexes = [ClubIndex(club, encoder) for club in load_clubs(Split.DEV)]  # type: ignore[arg-type]
    for v, row in zip(chosen, results, strict=True):
        rules = v.product_rules()
        if rules is None:
            continue
        cfg = MatchConfig(v.lexical_weight, v.answer_weight, v.document_weight, rules=rules)
        for ix in indexes:
            slug = ix.club.slug
            fused = ranking_top1([ix.rank(cfg)])
            cal = ranking_top1([ix.rank(replace(cfg, decision=profile.decision))])  # type: ignore[attr-defined]
            print(
                f"check {v.name} {slug}: product fused {fused:.3f} (here {row[slug]:.3f}), "
                f"product cal {cal:.3f} (here {row.get(slug + ':cal', float('nan')):.3f})"
            )


if __name__ == "__main__":
    raise SystemExit(main())
