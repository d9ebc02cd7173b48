"""What one training run trains on and what it holds out.

Every source of a :class:`~model.train_config.TrainConfig` (pair CSVs, feedback
pairs, augmented variants, FAQ groups) becomes groups of texts that mean the same
(:func:`model.training_data.build_training_data`); whole groups are held out for the
before/after evaluation, and the rest become (anchor, positive, group) rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from model.train_config import TrainConfig
from model.training_data import TrainingData, build_training_data, read_pairs_csv, split_groups

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainInputs:
    data: TrainingData
    train_ids: list[int]
    heldout_ids: list[int]
    rows: list[tuple[str, str, int]]  # (anchor, positive, group) from trained groups only


def build_inputs(config: TrainConfig) -> TrainInputs:
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
    if config.club_batches and len(config.faq_group_clubs) != len(config.faq_groups):
        raise ValueError("club_batches needs the club of every FAQ group (faq_group_clubs)")
    data = build_training_data(
        pairs,
        config.faq_groups,
        pairs_per_text=config.pairs_per_text,
        seed=config.seed,
        expand_components=config.expand_components,
        clubs=config.faq_group_clubs if config.club_batches else None,
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
    return TrainInputs(data, train_ids, heldout_ids, rows)
