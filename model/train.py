"""Fine-tune a sentence encoder on FAQ paraphrases (MultipleNegativesRankingLoss).

Every knob is a :class:`TrainConfig` field (:mod:`model.train_config`, which also
holds the CLI arguments shared with ``faqbot train``). ``base="static"`` builds a
fresh :class:`StaticEmbedding` (mean of per-token vectors) over a tokenizer trained
on the training sentences themselves; that is how the committed offline default
(``model/default``) is made (``python -m model.train --default``). See
docs/model.md for the measurements behind its tokenizer and size.

One run, a module per step: the groups and held-out split (:mod:`model.train_inputs`),
the starting model in float32 (:mod:`model.base_model`), before/after retrieval
checks (:mod:`model.ir_check`), the group-aware trainer (:mod:`model.trainer`: a
batch never holds two rows of one group, tests/model/test_batches.py checks real
batches), and publishing (:mod:`model.publish`): a broken or worse model is refused,
a good one is written beside the target and renamed into place only when complete,
so an interrupted run never replaces a good model.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

# Re-exported: callers and tests import these from model.train. None of these
# modules imports torch or sentence-transformers at import time.
from model.base_model import freeze_word_embeddings, load_base
from model.card import write_model_card
from model.encoder_base import EncoderLoadError
from model.fresh_static import build_static_tokenizer, new_static_model
from model.ir_check import IRMetrics, ir_evaluate, ir_inputs
from model.publish import TrainingRefused, dir_bytes, publish, refuse_unpublishable
from model.train_config import (
    DEFAULT_AUGMENT,
    KR_SBERT,
    STATIC,
    StaticConfig,
    TrainConfig,
    add_arguments,
    config_from_args,
    default_config,
)
from model.train_inputs import TrainInputs, build_inputs
from model.train_report import TrainReport, format_report
from model.trainer import fit, trainer_class
from model.training_data import (
    TrainingData,
    build_training_data,
    groups_from_faqs,
    heldout_eval_queries,
    load_club_faq_groups,
    read_pairs_csv,
    split_groups,
)

__all__ = [
    "DEFAULT_AUGMENT",
    "KR_SBERT",
    "STATIC",
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

# Old private names, kept for callers (tests/model/test_batches.py).
_new_static_model = new_static_model
_trainer_class = trainer_class

log = logging.getLogger(__name__)


def _seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def train(config: TrainConfig, inputs: TrainInputs | None = None) -> TrainReport:
    """Train, evaluate before/after on held-out groups, and atomically write the model.

    ``inputs``: ``build_inputs(config)`` when the caller already built it (the ensemble adaptation
    scores the whole ensemble on the same held-out split)."""
    import datasets  # noqa: F401  # the [train] extra: fail before any work, not after the base model loads
    import torch

    started = time.monotonic()
    _seed_everything(config.seed)
    if inputs is None:
        inputs = build_inputs(config)
    data, train_ids, heldout_ids = inputs.data, inputs.train_ids, inputs.heldout_ids

    target = Path(config.output_dir).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        # Tokenizer vocabulary only from trained groups: held-out texts stay unseen.
        sentences = [t for gi in train_ids for t in data.groups[gi]]
        model = load_base(config, sentences)
        if config.freeze_word_embeddings:
            freeze_word_embeddings(model)
        device = str(model.device)
        # ir_evaluate is looked up here, in model.train (tests patch it on this module).
        queries, corpus, relevant = ir_inputs(data.groups, heldout_ids, config.eval_queries, data.clubs)
        before = ir_evaluate(model, queries, corpus, relevant)
        if before:
            log.info("before: %s", before.row())

        steps, losses = fit(config, model, inputs.rows, work / "checkpoints", inputs.data.clubs)

        after = ir_evaluate(model, queries, corpus, relevant)
        if after:
            log.info("after:  %s", after.row())
        refuse_unpublishable(config, losses, before, after, target)

        staged = work / "model"
        model.save(str(staged))
        shutil.rmtree(work / "checkpoints", ignore_errors=True)
        report = TrainReport(
            output_dir=target,
            base=config.base,
            groups=len(data.groups),
            train_groups=len(train_ids),
            heldout_groups=len(heldout_ids),
            train_pairs=len(inputs.rows),
            steps=steps,
            seconds=round(time.monotonic() - started, 1),
            before=before,
            after=after,
            device=device,
            model_bytes=dir_bytes(staged),
            vocab_size=int(model[0].num_embeddings) if config.is_static else None,
        )
        return publish(staged, target, config, report)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


# --------------------------------------------------------------------------- CLI


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
    except (ValueError, OSError, EncoderLoadError) as exc:  # bad data, paths or base model: one line
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except TrainingRefused as exc:
        print(f"model not written: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report.to_json(), ensure_ascii=False, default=str) if args.json else format_report(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
