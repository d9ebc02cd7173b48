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
import json
import logging
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

# Re-exported: callers and tests import these from model.train. None of these
# modules imports torch or sentence-transformers at import time.
from model.card import card_json, write_model_card
from model.fresh_static import build_static_tokenizer, default_device, new_static_model
from model.ir_check import IRMetrics, ir_evaluate, ir_inputs
from model.training_data import (
    CLUB_FAQS,
    CLUB_HELDOUT,
    CLUB_PAIRS,
    TrainingData,
    build_training_data,
    groups_from_faqs,
    heldout_eval_queries,
    load_club_faq_groups,
    read_pairs_csv,
    split_groups,
)

__all__ = [
    "IRMetrics",
    "StaticConfig",
    "TrainConfig",
    "TrainReport",
    "TrainingData",
    "TrainingRefused",
    "add_arguments",
    "build_static_tokenizer",
    "build_training_data",
    "config_from_args",
    "default_config",
    "format_report",
    "groups_from_faqs",
    "heldout_eval_queries",
    "ir_evaluate",
    "ir_inputs",
    "load_club_faq_groups",
    "main",
    "read_pairs_csv",
    "split_groups",
    "train",
    "write_model_card",
]

_new_static_model = new_static_model  # old private name, kept for callers

log = logging.getLogger(__name__)

KR_SBERT = "snunlp/KR-SBERT-V40K-klueNLI-augSTS"
STATIC = "static"

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
    augment: tuple[str, ...] = ()  # model.augment kinds: nospace, typo, particles, keywords, casual
    freeze_word_embeddings: bool = False  # keep the base's token vectors (the e5 club delta ships layers only)
    allow_worse: bool = False  # publish even when held-out metrics dropped (never when loss is non-finite)
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


class TrainingRefused(RuntimeError):
    """Training finished but the result must not replace the old model (the message says why)."""


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


# --------------------------------------------------------------------------- batching


def _trainer_class() -> type:
    from sentence_transformers.sentence_transformer import SentenceTransformerTrainer

    from model.sampler import GroupBatchSampler

    class GroupAwareTrainer(SentenceTransformerTrainer):
        """Uses :class:`GroupBatchSampler` for the training set (documented override point)."""

        row_groups: Sequence[int] | None = None

        def get_batch_sampler(self, dataset, batch_size, drop_last, valid_label_columns=None, generator=None, seed=0):  # type: ignore[no-untyped-def]
            if self.row_groups is not None and len(dataset) == len(self.row_groups):
                return GroupBatchSampler(
                    dataset,
                    batch_size,
                    drop_last,
                    valid_label_columns,
                    generator,
                    seed,
                    row_groups=self.row_groups,
                )
            return super().get_batch_sampler(dataset, batch_size, drop_last, valid_label_columns, generator, seed)

    return GroupAwareTrainer


def _route_step_logs(trainer: Any) -> None:
    """Send the trainer's per-step ``{'loss': ...}`` lines to this module's logger.

    transformers prints them to stdout (PrinterCallback, or ProgressCallback's
    ``tqdm.write``); stdout is the CLI's report. They show with ``-v``.
    """
    from transformers.trainer_callback import PrinterCallback, ProgressCallback, TrainerCallback

    class QuietProgress(ProgressCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):  # type: ignore[no-untyped-def]
            return None

    class LogSteps(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):  # type: ignore[no-untyped-def]
            if logs and state.is_world_process_zero:
                shown = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in logs.items() if k != "total_flos"}
                log.info("step %d: %s", state.global_step, shown)

    trainer.remove_callback(PrinterCallback)
    if trainer.pop_callback(ProgressCallback) is not None:
        trainer.add_callback(QuietProgress)
    trainer.add_callback(LogSteps)


def _load_base(cfg: TrainConfig, sentences: Sequence[str]) -> Any:
    from sentence_transformers.sentence_transformer import SentenceTransformer

    if cfg.is_static:
        return new_static_model(sentences, cfg)
    from model.encoder_base import EncoderLoadError

    try:
        model = SentenceTransformer(cfg.base, device=cfg.device or default_device())
    except Exception as exc:  # the library raises many types; the CLI needs one
        raise EncoderLoadError(f"기본 모델을 불러올 수 없습니다: '{cfg.base}': {exc}") from exc
    try:
        model.max_seq_length = cfg.max_seq_length
    except AttributeError:  # a trained StaticEmbedding (e.g. model/default) has no input limit
        pass
    return _as_float32(model)


def _as_float32(model: Any) -> Any:
    """Train in float32 whatever the checkpoint's dtype: float16 weights with
    float16 optimizer updates collapse MNRL (held-out acc@1 0.511 → 0.000, issue 9)."""
    import torch

    dtypes = {p.dtype for p in model.parameters() if p.is_floating_point()}
    if dtypes - {torch.float32}:
        log.info("base weights are %s; training in float32", ",".join(sorted(map(str, dtypes))))
        model.float()
    return model


def _training_prompt(model: Any) -> str | None:
    """The model's default prompt (e5: ``query: ``), so training sees what encoding sees."""
    name = getattr(model, "default_prompt_name", None)
    prompts = getattr(model, "prompts", None) or {}
    return prompts.get(name) or None if name else None


def _learning_rate(config: TrainConfig, model: Any) -> float:
    """A trained static model (e.g. the committed default) needs the static rate, not 5e-5."""
    if config.learning_rate is None and not config.is_static:
        from sentence_transformers.sentence_transformer.modules import StaticEmbedding

        if isinstance(model[0], StaticEmbedding):
            return config.static.learning_rate
    return config.effective_lr


def _freeze_word_embeddings(model: Any) -> None:
    for name, param in model.named_parameters():
        if name.endswith("word_embeddings.weight"):
            param.requires_grad_(False)


def _publish_problem(config: TrainConfig, losses: Sequence[float], before: Any, after: Any) -> str | None:
    """Why the trained model must not replace the old one, or None."""
    import math

    bad = [v for v in losses if not math.isfinite(v)]
    if bad:
        return f"학습 손실이 유한하지 않습니다 ({bad[0]}): 모델이 망가졌습니다"
    for m in (before, after):
        if m is not None and not all(math.isfinite(v) for v in (m.accuracy_at_1, m.mrr_at_10)):
            return "평가 지표가 유한하지 않습니다 (NaN): 모델이 망가졌습니다"
    if before is None or after is None or config.allow_worse:
        return None
    if after.accuracy_at_1 < before.accuracy_at_1 - 1e-9 or after.mrr_at_10 < before.mrr_at_10 - 1e-9:
        return (
            f"검증 지표가 나빠졌습니다 (acc@1 {before.accuracy_at_1:.3f} → {after.accuracy_at_1:.3f}, "
            f"MRR@10 {before.mrr_at_10:.3f} → {after.mrr_at_10:.3f})"
        )
    return None


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
    if config.augment:
        from model.augment import augment_pairs

        sources = [t for pair in pairs for t in pair] + [t for g in config.faq_groups for t in g]
        # A variant that happens to equal an evaluation query is dropped: never train on one.
        extra = augment_pairs(sources, config.augment, seed=config.seed, taken={q for q, _ in config.eval_queries})
        log.info("augmentations %s: %d variants", ",".join(config.augment), len(extra))
        pairs += extra
    data = build_training_data(
        pairs,
        config.faq_groups,
        pairs_per_text=config.pairs_per_text,
        seed=config.seed,
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
        len(data.groups),
        len(train_ids),
        len(heldout_ids),
        len(rows),
    )

    target = Path(config.output_dir).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        # Tokenizer vocabulary only from trained groups: held-out texts stay unseen.
        sentences = [t for gi in train_ids for t in data.groups[gi]]
        model = _load_base(config, sentences)
        if config.freeze_word_embeddings:
            _freeze_word_embeddings(model)
        device = str(model.device)
        queries, corpus, relevant = ir_inputs(data.groups, heldout_ids, config.eval_queries)
        before = ir_evaluate(model, queries, corpus, relevant)
        if before:
            log.info("before: %s", before.row())

        dataset = Dataset.from_dict({"anchor": [a for a, _, _ in rows], "positive": [b for _, b, _ in rows]})
        loss = MultipleNegativesRankingLoss(model, scale=config.scale, similarity_fct=cos_sim)
        use_cuda = device.startswith("cuda")
        args = SentenceTransformerTrainingArguments(
            output_dir=str(work / "checkpoints"),
            num_train_epochs=config.epochs,
            max_steps=config.max_steps,
            per_device_train_batch_size=config.batch_size,
            learning_rate=_learning_rate(config, model),
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
            prompts=_training_prompt(model),
            logging_nan_inf_filter=False,  # a NaN step must show in the loss, not be averaged away
        )
        trainer_cls = _trainer_class()
        trainer = trainer_cls(model=model, args=args, train_dataset=dataset, loss=loss)
        _route_step_logs(trainer)
        trainer.row_groups = [g for _, _, g in rows]
        result = trainer.train()
        steps = int(result.global_step)
        losses = [float(e["loss"]) for e in trainer.state.log_history if "loss" in e]
        losses.append(float(result.training_loss))
        if not all(bool(torch.isfinite(p).all()) for p in model.parameters()):
            losses.append(float("nan"))

        after = ir_evaluate(model, queries, corpus, relevant)
        if after:
            log.info("after:  %s", after.row())
        problem = _publish_problem(config, losses, before, after)
        if problem:
            kept = "이전 모델을 그대로 둡니다" if target.exists() else "아무것도 쓰지 않았습니다"
            raise TrainingRefused(f"{problem} — {target} 에 {kept}")

        staged = work / "model"
        model.save(str(staged))
        shutil.rmtree(work / "checkpoints", ignore_errors=True)
        vocab = None
        if config.is_static:
            vocab = int(model[0].num_embeddings)
        seconds = time.monotonic() - started
        report = TrainReport(
            output_dir=target,
            base=config.base,
            groups=len(data.groups),
            train_groups=len(train_ids),
            heldout_groups=len(heldout_ids),
            train_pairs=len(rows),
            steps=steps,
            seconds=round(seconds, 1),
            before=before,
            after=after,
            device=device,
            model_bytes=0,
            vocab_size=vocab,
        )
        report = replace(report, model_bytes=_dir_bytes(staged))
        write_model_card(staged, config, report)
        (staged / "train_report.json").write_text(
            json.dumps(card_json(config, report), ensure_ascii=False, indent=2), encoding="utf-8"
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


# --------------------------------------------------------------------------- default model


# Chosen on the DEV split (python -m model.dev; docs/model.md), never on club_heldout.json.
DEFAULT_AUGMENT = ("nospace", "typo", "particles", "keywords", "casual", "terms")


def default_config(output_dir: Path | None = None, *, command: str = "") -> TrainConfig:
    """The committed default: static model from the bundled club data only."""
    from model.encoder_base import DEFAULT_MODEL_DIR

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
        # One row per FAQ group in every batch: each other FAQ is an in-batch negative.
        batch_size=63,
        pairs_per_text=4,
        expand_components=True,
        augment=DEFAULT_AUGMENT,
        scale=30.0,
        learning_rate=0.1,
        # Augmented (e.g. unspaced) texts grow the BPE vocabulary: cap it to stay < 15 MB.
        static=StaticConfig(vocab_size=14000),
        holdout_fraction=0.0,  # club_heldout.json is the held-out set; train on every FAQ
        eval_queries=tuple(extra),
        device="cpu",  # bit-for-bit reproducible default
        command=command or "python -m model.train --default",
    )


# --------------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Shared by ``python -m model.train`` and ``faqbot train``."""
    parser.add_argument(
        "--default",
        action="store_true",
        help="rebuild the committed offline default (model/default) from bundled club data",
    )
    parser.add_argument(
        "--base", default=None, help=f"model path or hub ID to fine-tune, or '{STATIC}' (default: {KR_SBERT})"
    )
    parser.add_argument(
        "--pairs", type=Path, action="append", default=[], help="CSV with sentence_0,sentence_1 (repeatable)"
    )
    parser.add_argument(
        "--faqs-json",
        type=Path,
        action="append",
        default=[],
        help="FAQ JSON file (question + alternates) as groups (repeatable)",
    )
    parser.add_argument(
        "--feedback",
        type=Path,
        default=None,
        help="CSV of confirmed (query, FAQ question) pairs, sentence_0,sentence_1",
    )
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
    parser.add_argument(
        "--allow-worse", action="store_true", help="write the model even if held-out acc@1/MRR@10 dropped"
    )
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def config_from_args(
    args: argparse.Namespace, *, faq_groups: Sequence[Sequence[str]] = (), command: str = ""
) -> TrainConfig:
    """Build a :class:`TrainConfig`; ``faq_groups`` lets the caller add groups from a DB."""
    static = StaticConfig()
    overrides = {
        k: v
        for k, v in (("tokenizer", args.static_tokenizer), ("vocab_size", args.static_vocab), ("dim", args.static_dim))
        if v is not None
    }
    static = replace(static, **overrides)
    if args.default:
        cfg = default_config(args.output, command=command or "python -m model.train --default")
        return replace(cfg, static=replace(cfg.static, **overrides), show_progress=not args.no_progress)
    groups = [tuple(g) for g in faq_groups]
    for path in args.faqs_json:
        groups += load_club_faq_groups(path)
    feedback: list[tuple[str, str]] = read_pairs_csv(args.feedback) if args.feedback else []
    if args.output is None:
        raise ValueError("--output is required (or use --default)")
    return TrainConfig(
        output_dir=args.output,
        base=args.base or KR_SBERT,
        pairs_csv=tuple(args.pairs),
        faq_groups=tuple(groups),
        feedback_pairs=tuple(feedback),
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        lr_scheduler=args.scheduler,
        warmup_ratio=args.warmup_ratio,
        scale=args.scale,
        seed=args.seed,
        max_seq_length=args.max_seq_length,
        max_steps=args.max_steps,
        holdout_fraction=args.holdout,
        static=static,
        device=args.device,
        show_progress=not args.no_progress,
        allow_worse=args.allow_worse,
        command=command,
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
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and per-step loss (stderr)")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    command = "python -m model.train " + " ".join(sys.argv[1:] if argv is None else argv)
    try:
        report = train(config_from_args(args, command=command.strip()))
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except TrainingRefused as exc:
        print(f"model not written: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report.to_json(), ensure_ascii=False, default=str) if args.json else format_report(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
