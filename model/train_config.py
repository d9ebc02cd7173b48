"""What one training run is told: :class:`TrainConfig` (every knob of the recipe), the
committed default's config, and the command-line arguments shared by
``python -m model.train`` and ``faqbot train`` that build one.

The recipe is the club model card's: KR-SBERT base, MNRL (scale 20, cosine),
batch 16, 3 epochs, lr 5e-5, linear schedule, no warm-up, seed 42, 128 tokens.
``base="static"`` means a fresh static model (:mod:`model.fresh_static`).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from model.clubs import Split, club_training_groups, load_clubs
from model.training_data import (
    CLUB_FAQS,
    CLUB_HELDOUT,
    CLUB_PAIRS,
    heldout_eval_queries,
    load_club_faq_groups,
    read_pairs_csv,
)

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
    # The club of each FAQ group ("" = the bundled club, to which the pair CSVs belong); with club_batches
    # texts merge only within a club and every batch holds one club's groups (model.sampler).
    faq_group_clubs: tuple[str, ...] = ()
    club_batches: bool = False
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


# --------------------------------------------------------------------------- default model


# Chosen on the DEV split (python -m model.dev; docs/model.md), never on club_heldout.json.
DEFAULT_AUGMENT = ("nospace", "typo", "particles", "keywords", "casual", "terms")


def default_config(output_dir: Path | None = None, *, command: str = "") -> TrainConfig:
    """The committed default: static model from the bundled club data only."""
    from model.encoder_base import DEFAULT_MODEL_DIR

    bundled = load_club_faq_groups(with_answers=True) if CLUB_FAQS.exists() else []
    trained = club_training_groups(load_clubs(Split.TRAIN))  # other chapters' own words (model/data/clubs/train_*)
    extra: list[tuple[str, str]] = []
    if CLUB_HELDOUT.exists() and CLUB_FAQS.exists():
        extra = heldout_eval_queries(CLUB_HELDOUT)
    # Static embeddings start random and the club data are small: more epochs and
    # more partners per text than the transformer recipe (measured, docs/model.md).
    return TrainConfig(
        output_dir=Path(output_dir or DEFAULT_MODEL_DIR),
        base=STATIC,
        pairs_csv=(CLUB_PAIRS,) if CLUB_PAIRS.exists() else (),
        faq_groups=(*bundled, *(group for _, group in trained)),
        faq_group_clubs=("",) * len(bundled) + tuple(club for club, _ in trained),
        # Every batch one club's FAQs: merging across chapters had chained neighbouring FAQs together.
        club_batches=True,
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


# --------------------------------------------------------------------------- CLI arguments


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
