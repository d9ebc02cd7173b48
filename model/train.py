"""Fine-tune a sentence encoder on FAQ paraphrases (MultipleNegativesRankingLoss).

The recipe is the club model card's: KR-SBERT base, MNRL (scale 20, cosine),
batch 16, 3 epochs, lr 5e-5, linear schedule, no warm-up, seed 42, 128 tokens.
Every knob is a :class:`TrainConfig` field.

``base="static"`` builds a fresh :class:`StaticEmbedding` (mean of per-token
vectors) over a tokenizer trained on the training sentences themselves; that is
how the committed offline default (``model/default``) is made
(``python -m model.train --default``). See docs/model.md for the measurements
behind its tokenizer and size.

Training data are *groups* of texts that mean the same (one FAQ's question and
alternates, or the connected components of a pair CSV). In-batch negatives are
the other rows of a batch, so a batch must never hold two rows of one group:
:class:`model.sampler.GroupBatchSampler` guarantees that (tests/model/test_batches.py checks
real batches). Whole groups are held out for the before/after evaluation.

The model is written to a temporary folder beside the target and renamed into
place only when complete, so an interrupted run never replaces a good model.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

KR_SBERT = "snunlp/KR-SBERT-V40K-klueNLI-augSTS"
STATIC = "static"

_MODEL_DIR = Path(__file__).resolve().parent
CLUB_PAIRS = _MODEL_DIR / "data" / "club_pairs.csv"
CLUB_FAQS = _MODEL_DIR.parent / "faq" / "data" / "club_faqs.json"
CLUB_HELDOUT = _MODEL_DIR / "data" / "club_heldout.json"

# Every precomposed Hangul syllable (U+AC00..U+D7A3), printable ASCII and the
# compatibility jamo (ㅋㅋ, ㅠㅠ): seeded into the tokenizer's alphabet so no Korean
# text becomes [UNK], whatever the training sentences happened to contain.
HANGUL_SYLLABLES = [chr(c) for c in range(0xAC00, 0xD7A4)]
BASE_ALPHABET = [chr(c) for c in range(0x21, 0x7F)] + [chr(c) for c in range(0x3131, 0x3164)]


# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class StaticConfig:
    """Shape of a fresh static model (chosen by measurement, docs/model.md)."""

    tokenizer: str = "bpe"  # bpe | wordpiece | unigram (BPE: same accuracy, half WordPiece's size)
    vocab_size: int = 16000  # includes the 11,172 Hangul syllables (WordPiece adds ## twins)
    dim: int = 256
    learning_rate: float = 0.05  # fresh embeddings need far more than a transformer's 5e-5
    min_frequency: int = 2


@dataclass(frozen=True)
class TrainConfig:
    output_dir: Path
    base: str = KR_SBERT
    pairs_csv: tuple[Path, ...] = ()
    faq_groups: tuple[tuple[str, ...], ...] = ()
    feedback_pairs: tuple[tuple[str, str], ...] = ()
    epochs: float = 3.0
    batch_size: int = 16
    learning_rate: float | None = None  # None: 5e-5 for transformers, static.learning_rate for static
    lr_scheduler: str = "linear"
    warmup_ratio: float = 0.0
    scale: float = 20.0
    seed: int = 42
    max_seq_length: int = 128
    max_steps: int = -1  # > 0 caps the run (tests)
    holdout_fraction: float = 0.2  # of groups, never trained on, for the before/after evaluation
    eval_queries: tuple[tuple[str, str], ...] = ()  # extra (query, group text) checks, never trained
    pairs_per_text: int = 2  # positives drawn per text when pairs come from groups
    expand_components: bool = False  # also draw pairs_per_text partners inside CSV components
    static: StaticConfig = field(default_factory=StaticConfig)
    device: str | None = None  # None: cuda when available, else cpu
    show_progress: bool = True
    command: str = ""  # recorded in the model card

    @property
    def is_static(self) -> bool:
        return self.base == STATIC

    @property
    def effective_lr(self) -> float:
        if self.learning_rate is not None:
            return self.learning_rate
        return self.static.learning_rate if self.is_static else 5e-5


@dataclass(frozen=True)
class IRMetrics:
    accuracy_at_1: float
    accuracy_at_3: float
    mrr_at_10: float
    ndcg_at_10: float
    queries: int
    corpus: int

    def row(self) -> str:
        return (
            f"acc@1 {self.accuracy_at_1:.3f}  acc@3 {self.accuracy_at_3:.3f}  "
            f"MRR@10 {self.mrr_at_10:.3f}  NDCG@10 {self.ndcg_at_10:.3f}  "
            f"({self.queries} queries, {self.corpus} texts)"
        )


@dataclass(frozen=True)
class TrainReport:
    output_dir: Path
    base: str
    groups: int
    train_groups: int
    heldout_groups: int
    train_pairs: int
    steps: int
    seconds: float
    before: IRMetrics | None
    after: IRMetrics | None
    device: str
    model_bytes: int
    vocab_size: int | None = None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["output_dir"] = str(self.output_dir)
        return out


# --------------------------------------------------------------------------- data


def read_pairs_csv(path: Path) -> list[tuple[str, str]]:
    """``sentence_0,sentence_1`` rows (header required); blank rows skipped."""
    with Path(path).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"sentence_0", "sentence_1"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: expected columns sentence_0,sentence_1")
        out = []
        for row in reader:
            a, b = (row["sentence_0"] or "").strip(), (row["sentence_1"] or "").strip()
            if a and b:
                out.append((a, b))
        return out


def groups_from_faqs(faqs: Iterable[object]) -> list[tuple[str, ...]]:
    """One group per FAQ: its question and alternates are positives for each other.

    Takes anything with ``questions`` (``faq.types.Faq``) or ``question`` +
    ``alternates`` attributes, or the club JSON's dicts, so the store is not needed.
    """
    out: list[tuple[str, ...]] = []
    for faq in faqs:
        if isinstance(faq, dict):
            texts = (faq["question"], *faq.get("alternates", ()))
        elif hasattr(faq, "questions"):
            texts = tuple(faq.questions)  # type: ignore[attr-defined]
        else:
            texts = (faq.question, *faq.alternates)  # type: ignore[attr-defined]
        cleaned = tuple(dict.fromkeys(t.strip() for t in texts if t and t.strip()))
        if cleaned:
            out.append(cleaned)
    return out


def load_club_faq_groups(path: Path = CLUB_FAQS, *, with_answers: bool = False) -> list[tuple[str, ...]]:
    """Groups from an FAQ JSON file; ``with_answers`` adds each answer's sentences as
    members, which teaches words users ask with but FAQ questions lack ("코딩 테스트",
    "15분")."""
    faqs = json.loads(Path(path).read_text(encoding="utf-8"))
    groups = groups_from_faqs(faqs)
    if not with_answers:
        return groups
    out = []
    for group, faq in zip(groups, faqs, strict=True):
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", faq.get("answer", ""))]
        out.append(tuple(dict.fromkeys([*group, *(s for s in sentences if len(s) >= 4)])))
    return out


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass(frozen=True)
class TrainingData:
    groups: tuple[tuple[str, ...], ...]  # connected components; texts in first-seen order
    pairs: tuple[tuple[str, str, int], ...]  # (anchor, positive, group index)


def build_training_data(
    pairs: Sequence[tuple[str, str]],
    groups: Sequence[Sequence[str]],
    *,
    pairs_per_text: int,
    seed: int,
    expand_components: bool = False,
) -> TrainingData:
    """Merge pairs and groups into connected components and list training pairs.

    A text lives in exactly one component (union-find), so "different group"
    also means "different text": a batch of distinct groups has no duplicates.
    Group members are paired with ``pairs_per_text`` random other members
    (the canonical question always among them) rather than all n·(n-1)
    combinations, which would let big FAQs swamp small ones.
    """
    uf = _UnionFind()
    order: dict[str, int] = {}
    for a, b in pairs:
        order.setdefault(a, len(order))
        order.setdefault(b, len(order))
        uf.union(a, b)
    for group in groups:
        for text in group:
            order.setdefault(text, len(order))
            uf.union(group[0], text)
    members: dict[str, list[str]] = {}
    for text in order:  # dict order = first seen, so the result is deterministic
        members.setdefault(uf.find(text), []).append(text)
    comps = [tuple(m) for m in members.values() if len(m) >= 2]
    index = {text: gi for gi, comp in enumerate(comps) for text in comp}

    rng = random.Random(seed)
    seen: set[tuple[str, str]] = set()
    out: list[tuple[str, str, int]] = []

    def add(a: str, b: str) -> None:
        if a != b and (a, b) not in seen and (b, a) not in seen:
            seen.add((a, b))
            out.append((a, b, index[a]))

    for a, b in pairs:
        if a in index:
            add(a, b)
    # Components of the pair graph count as groups too: a CSV lists each paraphrase
    # with one or two partners; drawing more partners per text multiplies the
    # positives without inventing data.
    all_groups = list(groups) + (list(comps) if expand_components else [])
    for group in all_groups:
        texts = [t for t in dict.fromkeys(group) if t in index]
        for i, text in enumerate(texts):
            others = [t for t in texts if t != text]
            if not others:
                continue
            picks = [texts[0]] if i else []
            rest = [t for t in others if t not in picks]
            picks += rng.sample(rest, min(len(rest), max(pairs_per_text - len(picks), 0)))
            for other in picks:
                add(text, other)
    return TrainingData(tuple(comps), tuple(out))


def split_groups(n_groups: int, fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """(train, held-out) group indices; whole groups only."""
    ids = list(range(n_groups))
    random.Random(seed).shuffle(ids)
    k = round(n_groups * fraction) if fraction > 0 else 0
    if fraction > 0 and n_groups >= 4:
        k = max(k, 2)
    return sorted(ids[k:]), sorted(ids[:k])


# --------------------------------------------------------------------------- batching


def _trainer_class() -> type:
    from sentence_transformers.sentence_transformer import SentenceTransformerTrainer

    from model.sampler import GroupBatchSampler

    class GroupAwareTrainer(SentenceTransformerTrainer):
        """Uses :class:`GroupBatchSampler` for the training set (documented override point)."""

        row_groups: Sequence[int] | None = None

        def get_batch_sampler(self, dataset, batch_size, drop_last, valid_label_columns=None,
                              generator=None, seed=0):  # type: ignore[no-untyped-def]
            if self.row_groups is not None and len(dataset) == len(self.row_groups):
                return GroupBatchSampler(
                    dataset, batch_size, drop_last, valid_label_columns, generator, seed,
                    row_groups=self.row_groups,
                )
            return super().get_batch_sampler(
                dataset, batch_size, drop_last, valid_label_columns, generator, seed
            )

    return GroupAwareTrainer


# --------------------------------------------------------------------------- model


def build_static_tokenizer(
    sentences: Sequence[str], kind: str = "wordpiece", vocab_size: int = 16000, min_frequency: int = 2
) -> Any:
    """A tokenizer trained on ``sentences`` whose alphabet holds every Hangul syllable.

    NFKC + lower-case; words split on whitespace and punctuation. For WordPiece the
    ``##`` twin of every syllable is added too, otherwise a word whose inner
    syllable was never seen mid-word in training would become a whole-word [UNK].
    """
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    specials = ["[PAD]", "[UNK]"]
    alphabet = HANGUL_SYLLABLES + BASE_ALPHABET
    if kind == "wordpiece":
        tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=64))
        trainer = trainers.WordPieceTrainer(
            vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=specials,
            initial_alphabet=alphabet, limit_alphabet=len(alphabet) + 1000, show_progress=False,
        )
        tok.decoder = decoders.WordPiece()
    elif kind == "bpe":
        tok = Tokenizer(models.BPE(unk_token="[UNK]"))
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=specials,
            initial_alphabet=alphabet, limit_alphabet=len(alphabet) + 1000, show_progress=False,
        )
    elif kind == "unigram":
        tok = Tokenizer(models.Unigram())
        trainer = trainers.UnigramTrainer(
            vocab_size=vocab_size, special_tokens=specials, unk_token="[UNK]",
            initial_alphabet=alphabet, show_progress=False,
        )
    else:
        raise ValueError(f"unknown tokenizer kind {kind!r} (wordpiece, bpe, unigram)")
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Whitespace(), pre_tokenizers.Digits(individual_digits=False)]
    )
    tok.train_from_iterator(list(sentences), trainer=trainer)
    if kind == "wordpiece":
        vocab = tok.get_vocab()
        missing = [f"##{s}" for s in alphabet if f"##{s}" not in vocab]
        if missing:
            # WordPiece cannot be extended with add_tokens (those bypass the model), so
            # rebuild the model with the enlarged vocabulary.
            merged = dict(vocab)
            for piece in missing:
                merged[piece] = len(merged)
            model = models.WordPiece(vocab=merged, unk_token="[UNK]", max_input_chars_per_word=64)
            tok.model = model
    return tok


def _new_static_model(sentences: Sequence[str], cfg: TrainConfig) -> Any:
    import torch
    from sentence_transformers.sentence_transformer import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    tokenizer = build_static_tokenizer(
        sentences, cfg.static.tokenizer, cfg.static.vocab_size, cfg.static.min_frequency
    )
    gen = torch.Generator().manual_seed(cfg.seed)
    weights = torch.randn(tokenizer.get_vocab_size(), cfg.static.dim, generator=gen)
    weights[tokenizer.token_to_id("[PAD]")] = 0.0
    module = StaticEmbedding(tokenizer, embedding_weights=weights)
    return SentenceTransformer(modules=[module], device=cfg.device or _default_device())


def _default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _load_base(cfg: TrainConfig, sentences: Sequence[str]) -> Any:
    from sentence_transformers.sentence_transformer import SentenceTransformer

    if cfg.is_static:
        return _new_static_model(sentences, cfg)
    from model.encoder import EncoderLoadError

    try:
        model = SentenceTransformer(cfg.base, device=cfg.device or _default_device())
    except Exception as exc:  # the library raises many types; the CLI needs one
        raise EncoderLoadError(f"기본 모델을 불러올 수 없습니다: '{cfg.base}': {exc}") from exc
    model.max_seq_length = cfg.max_seq_length
    return model


# --------------------------------------------------------------------------- evaluation


def ir_inputs(
    groups: Sequence[Sequence[str]], heldout: Sequence[int], extra: Sequence[tuple[str, str]] = ()
) -> tuple[dict[str, str], dict[str, str], dict[str, set[str]]]:
    """Queries = held-out groups' non-first texts; corpus = every group's first text.

    Every group is in the corpus, so trained groups act as distractors: the
    held-out query must beat all of them, as in the bot.
    """
    corpus = {f"g{gi}": group[0] for gi, group in enumerate(groups)}
    text_to_id = {text: f"g{gi}" for gi, group in enumerate(groups) for text in group}
    queries: dict[str, str] = {}
    relevant: dict[str, set[str]] = {}
    for gi in heldout:
        for j, text in enumerate(groups[gi][1:]):
            qid = f"q{gi}_{j}"
            queries[qid] = text
            relevant[qid] = {f"g{gi}"}
    for j, (query, target) in enumerate(extra):
        cid = text_to_id.get(target)
        if cid is None:
            continue
        queries[f"x{j}"] = query
        relevant[f"x{j}"] = {cid}
    return queries, corpus, relevant


def ir_evaluate(model: Any, queries: dict[str, str], corpus: dict[str, str],
                relevant: dict[str, set[str]]) -> IRMetrics | None:
    if not queries:
        return None
    from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator

    evaluator = InformationRetrievalEvaluator(
        queries, corpus, relevant, accuracy_at_k=[1, 3], precision_recall_at_k=[1],
        mrr_at_k=[10], ndcg_at_k=[10], map_at_k=[10], write_csv=False, name="heldout",
        batch_size=64,
    )
    scores = evaluator(model)

    def pick(suffix: str) -> float:
        for key, value in scores.items():
            if key.endswith(suffix) and "cosine" in key:
                return float(value)
        raise KeyError(suffix)

    return IRMetrics(
        accuracy_at_1=pick("accuracy@1"), accuracy_at_3=pick("accuracy@3"),
        mrr_at_10=pick("mrr@10"), ndcg_at_10=pick("ndcg@10"),
        queries=len(queries), corpus=len(corpus),
    )


# --------------------------------------------------------------------------- training


def _seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def train(config: TrainConfig) -> TrainReport:
    """Train, evaluate before/after on held-out groups, and atomically write the model."""
    import torch
    from datasets import Dataset
    from sentence_transformers.sentence_transformer import SentenceTransformerTrainingArguments
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from sentence_transformers.util import cos_sim

    started = time.monotonic()
    _seed_everything(config.seed)
    pairs: list[tuple[str, str]] = []
    for path in config.pairs_csv:
        pairs += read_pairs_csv(path)
    pairs += list(config.feedback_pairs)
    data = build_training_data(
        pairs, config.faq_groups, pairs_per_text=config.pairs_per_text, seed=config.seed,
        expand_components=config.expand_components,
    )
    if not data.pairs:
        raise ValueError("no training pairs: give --pairs CSV rows, FAQ groups with alternates, or feedback")
    train_ids, heldout_ids = split_groups(len(data.groups), config.holdout_fraction, config.seed)
    train_set = set(train_ids)
    rows = [p for p in data.pairs if p[2] in train_set]
    if not rows:
        raise ValueError("every group was held out; lower holdout_fraction")
    log.info(
        "training data: %d groups (%d train, %d held out), %d pairs",
        len(data.groups), len(train_ids), len(heldout_ids), len(rows),
    )

    target = Path(config.output_dir).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        # Tokenizer vocabulary only from trained groups: held-out texts stay unseen.
        sentences = [t for gi in train_ids for t in data.groups[gi]]
        model = _load_base(config, sentences)
        device = str(model.device)
        queries, corpus, relevant = ir_inputs(data.groups, heldout_ids, config.eval_queries)
        before = ir_evaluate(model, queries, corpus, relevant)
        if before:
            log.info("before: %s", before.row())

        dataset = Dataset.from_dict(
            {"anchor": [a for a, _, _ in rows], "positive": [b for _, b, _ in rows]}
        )
        loss = MultipleNegativesRankingLoss(model, scale=config.scale, similarity_fct=cos_sim)
        use_cuda = device.startswith("cuda")
        args = SentenceTransformerTrainingArguments(
            output_dir=str(work / "checkpoints"),
            num_train_epochs=config.epochs,
            max_steps=config.max_steps,
            per_device_train_batch_size=config.batch_size,
            learning_rate=config.effective_lr,
            lr_scheduler_type=config.lr_scheduler,
            warmup_steps=config.warmup_ratio,  # a float < 1 is a ratio (transformers v5)
            seed=config.seed,
            data_seed=config.seed,
            save_strategy="no",
            eval_strategy="no",
            report_to="none",
            logging_steps=500,
            disable_tqdm=not config.show_progress,
            dataloader_drop_last=False,
            use_cpu=not use_cuda,
            fp16=False,
            batch_sampler="no_duplicates",  # replaced by GroupBatchSampler in the trainer
        )
        trainer_cls = _trainer_class()
        trainer = trainer_cls(model=model, args=args, train_dataset=dataset, loss=loss)
        trainer.row_groups = [g for _, _, g in rows]
        result = trainer.train()
        steps = int(result.global_step)

        after = ir_evaluate(model, queries, corpus, relevant)
        if after:
            log.info("after:  %s", after.row())

        staged = work / "model"
        model.save(str(staged))
        shutil.rmtree(work / "checkpoints", ignore_errors=True)
        vocab = None
        if config.is_static:
            vocab = int(model[0].num_embeddings)
        seconds = time.monotonic() - started
        report = TrainReport(
            output_dir=target, base=config.base, groups=len(data.groups),
            train_groups=len(train_ids), heldout_groups=len(heldout_ids), train_pairs=len(rows),
            steps=steps, seconds=round(seconds, 1), before=before, after=after, device=device,
            model_bytes=0, vocab_size=vocab,
        )
        report = replace(report, model_bytes=_dir_bytes(staged))
        write_model_card(staged, config, report)
        (staged / "train_report.json").write_text(
            json.dumps(_card_json(config, report), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        _atomic_replace(staged, target)
        return replace(report, model_bytes=_dir_bytes(target))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def _atomic_replace(staged: Path, target: Path) -> None:
    """Swap ``staged`` into ``target``; the old model survives until the new one is in place."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        os.replace(target, old)
    try:
        os.replace(staged, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _card_json(config: TrainConfig, report: TrainReport) -> dict[str, Any]:
    cfg = asdict(config)
    cfg["output_dir"] = str(config.output_dir)
    cfg["pairs_csv"] = [str(p) for p in config.pairs_csv]
    cfg["faq_groups"] = len(config.faq_groups)
    cfg["feedback_pairs"] = len(config.feedback_pairs)
    cfg["eval_queries"] = len(config.eval_queries)
    cfg["learning_rate"] = config.effective_lr
    out = report.to_json()
    out["config"] = cfg
    out["output_dir"] = Path(report.output_dir).name  # no machine paths in committed files
    return out


def _metrics_table(report: TrainReport) -> str:
    lines = ["| | acc@1 | acc@3 | MRR@10 | NDCG@10 |", "|---|---|---|---|---|"]
    for name, m in (("before training", report.before), ("after training", report.after)):
        if m is not None:
            lines.append(
                f"| {name} | {m.accuracy_at_1:.3f} | {m.accuracy_at_3:.3f} | "
                f"{m.mrr_at_10:.3f} | {m.ndcg_at_10:.3f} |"
            )
    return "\n".join(lines)


def write_model_card(path: Path, config: TrainConfig, report: TrainReport) -> None:
    """README.md with the real numbers (replaces the library's generic card)."""
    m = report.after or report.before
    evaluation = (
        f"InformationRetrievalEvaluator (dense only) on {m.queries} queries "
        f"({'from ' + str(report.heldout_groups) + ' held-out groups' if report.heldout_groups else ''}"
        f"{' + ' if report.heldout_groups and config.eval_queries else ''}"
        f"{'club_heldout.json' if config.eval_queries else ''}; never trained on) against one "
        f"text of each of the {m.corpus} groups:\n\n{_metrics_table(report)}"
        if m
        else "No held-out groups (holdout_fraction 0): see `faqbot eval` for held-out club queries."
    )
    if config.is_static:
        s = config.static
        arch = (
            f"Fresh `StaticEmbedding` (mean of token vectors), {s.tokenizer} tokenizer trained on the "
            f"training sentences, {report.vocab_size} tokens incl. all 11,172 Hangul syllables, "
            f"{s.dim} dimensions. No base model: runs offline, ~1 ms per query on a CPU."
        )
    else:
        arch = f"Fine-tuned from `{config.base}`, max_seq_length {config.max_seq_length}."
    sources = [str(Path(p).name) for p in config.pairs_csv]
    if config.faq_groups:
        sources.append(f"{len(config.faq_groups)} FAQ groups")
    if config.feedback_pairs:
        sources.append(f"{len(config.feedback_pairs)} feedback pairs")
    text = f"""# faqbot sentence encoder

{arch}

## Training
- Data: {", ".join(sources)} → {report.groups} groups ({report.train_groups} trained,
  {report.heldout_groups} held out whole), {report.train_pairs} (anchor, positive) pairs.
- Loss: MultipleNegativesRankingLoss(scale={config.scale}, similarity=cos_sim).
- Batches: {config.batch_size}, every row from a different group (GroupBatchSampler: no
  in-batch false negatives, no duplicate texts).
- Epochs {config.epochs:g}, lr {config.effective_lr:g}, {config.lr_scheduler} schedule,
  warm-up ratio {config.warmup_ratio:g}, seed {config.seed}, {report.steps} steps,
  {report.seconds:.0f} s on {report.device}.
- Size on disk: {report.model_bytes / 2**20:.1f} MiB.

## Evaluation
{evaluation}

## Reproduce
```
{config.command or "(programmatic call to model.train.train)"}
```
"""
    (path / "README.md").write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- default model


def default_config(output_dir: Path | None = None, *, command: str = "") -> TrainConfig:
    """The committed default: static model from the bundled club data only."""
    from model.encoder import DEFAULT_MODEL_DIR

    extra: list[tuple[str, str]] = []
    if CLUB_HELDOUT.exists() and CLUB_FAQS.exists():
        extra = heldout_eval_queries(CLUB_HELDOUT)
    # Static embeddings start random and the club data are small: more epochs and
    # more partners per text than the transformer recipe (measured, docs/model.md).
    return TrainConfig(
        output_dir=Path(output_dir or DEFAULT_MODEL_DIR),
        base=STATIC,
        pairs_csv=(CLUB_PAIRS,) if CLUB_PAIRS.exists() else (),
        faq_groups=tuple(load_club_faq_groups(with_answers=True)) if CLUB_FAQS.exists() else (),
        epochs=10.0,
        pairs_per_text=4,
        expand_components=True,
        holdout_fraction=0.0,  # club_heldout.json is the held-out set; train on every FAQ
        eval_queries=tuple(extra),
        device="cpu",  # bit-for-bit reproducible default
        command=command or "python -m model.train --default",
    )


def heldout_eval_queries(path: Path = CLUB_HELDOUT) -> list[tuple[str, str]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [(q["query"], q["faq"]) for q in data.get("queries", [])]


# --------------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Shared by ``python -m model.train`` and ``faqbot train``."""
    parser.add_argument("--default", action="store_true",
                        help="rebuild the committed offline default (model/default) from bundled club data")
    parser.add_argument("--base", default=None,
                        help=f"model path or hub ID to fine-tune, or '{STATIC}' (default: {KR_SBERT})")
    parser.add_argument("--pairs", type=Path, action="append", default=[],
                        help="CSV with sentence_0,sentence_1 (repeatable)")
    parser.add_argument("--faqs-json", type=Path, action="append", default=[],
                        help="FAQ JSON file (question + alternates) as groups (repeatable)")
    parser.add_argument("--feedback", type=Path, default=None,
                        help="CSV of confirmed (query, FAQ question) pairs, sentence_0,sentence_1")
    parser.add_argument("--output", "-o", type=Path, default=None, help="output model folder")
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--scheduler", default="linear")
    parser.add_argument("--warmup-ratio", type=float, default=0.0)
    parser.add_argument("--scale", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--max-seq-length", type=int, default=128)
    parser.add_argument("--max-steps", type=int, default=-1)
    parser.add_argument("--holdout", type=float, default=0.2, help="fraction of groups held out")
    parser.add_argument("--static-tokenizer", choices=["wordpiece", "bpe", "unigram"], default=None)
    parser.add_argument("--static-vocab", type=int, default=None)
    parser.add_argument("--static-dim", type=int, default=None)
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:1 … (default: cuda if available)")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def config_from_args(
    args: argparse.Namespace, *, faq_groups: Sequence[Sequence[str]] = (), command: str = ""
) -> TrainConfig:
    """Build a :class:`TrainConfig`; ``faq_groups`` lets the caller add groups from a DB."""
    static = StaticConfig()
    overrides = {
        k: v for k, v in (("tokenizer", args.static_tokenizer), ("vocab_size", args.static_vocab),
                          ("dim", args.static_dim)) if v is not None
    }
    static = replace(static, **overrides)
    if args.default:
        cfg = default_config(args.output, command=command or "python -m model.train --default")
        return replace(cfg, static=static, show_progress=not args.no_progress)
    groups = [tuple(g) for g in faq_groups]
    for path in args.faqs_json:
        groups += load_club_faq_groups(path)
    feedback: list[tuple[str, str]] = read_pairs_csv(args.feedback) if args.feedback else []
    if args.output is None:
        raise ValueError("--output is required (or use --default)")
    return TrainConfig(
        output_dir=args.output, base=args.base or KR_SBERT, pairs_csv=tuple(args.pairs),
        faq_groups=tuple(groups), feedback_pairs=tuple(feedback), epochs=args.epochs,
        batch_size=args.batch_size, learning_rate=args.lr, lr_scheduler=args.scheduler,
        warmup_ratio=args.warmup_ratio, scale=args.scale, seed=args.seed,
        max_seq_length=args.max_seq_length, max_steps=args.max_steps,
        holdout_fraction=args.holdout, static=static, device=args.device,
        show_progress=not args.no_progress, command=command,
    )


def format_report(report: TrainReport) -> str:
    lines = [
        f"model written to {report.output_dir} ({report.model_bytes / 2**20:.1f} MiB, "
        f"{report.steps} steps, {report.seconds:.0f} s on {report.device})",
        f"data: {report.groups} groups ({report.train_groups} trained, "
        f"{report.heldout_groups} held out), {report.train_pairs} pairs",
    ]
    for name, m in (("before", report.before), ("after ", report.after)):
        if m is not None:
            lines.append(f"{name}: {m.row()}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.train", description=__doc__.split("\n")[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    command = "python -m model.train " + " ".join(sys.argv[1:] if argv is None else argv)
    try:
        report = train(config_from_args(args, command=command.strip()))
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report.to_json(), ensure_ascii=False, default=str) if args.json
          else format_report(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
