"""The sentence-transformers trainer as a run uses it: MNRL over in-batch negatives,
batches that never hold two rows of one group (:class:`model.sampler.GroupBatchSampler`),
per-step losses to the log rather than stdout, and every loss kept for the publish check.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from model.train_config import TrainConfig

log = logging.getLogger(__name__)


def trainer_class() -> type:
    from sentence_transformers.sentence_transformer import SentenceTransformerTrainer

    from model.sampler import GroupBatchSampler

    class GroupAwareTrainer(SentenceTransformerTrainer):
        """Uses :class:`GroupBatchSampler` for the training set (documented override point)."""

        row_groups: Sequence[int] | None = None
        row_clubs: Sequence[str] | None = None  # one club per row: batches from one club only

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
                    row_clubs=self.row_clubs,
                )
            return super().get_batch_sampler(dataset, batch_size, drop_last, valid_label_columns, generator, seed)

    return GroupAwareTrainer


def route_step_logs(trainer: Any) -> None:
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


def training_prompt(model: Any) -> str | None:
    """The model's default prompt (e5: ``query: ``), so training sees what encoding sees."""
    name = getattr(model, "default_prompt_name", None)
    prompts = getattr(model, "prompts", None) or {}
    return prompts.get(name) or None if name else None


def learning_rate(config: TrainConfig, model: Any) -> float:
    """A trained static model (e.g. the committed default) needs the static rate, not 5e-5."""
    if config.learning_rate is None and not config.is_static:
        from sentence_transformers.sentence_transformer.modules import StaticEmbedding

        if isinstance(model[0], StaticEmbedding):
            return config.static.learning_rate
    return config.effective_lr


def fit(
    config: TrainConfig,
    model: Any,
    rows: Sequence[tuple[str, str, int]],
    checkpoints: Path,
    group_clubs: Sequence[str] = (),
) -> tuple[int, list[float]]:
    """Train ``model`` in place on (anchor, positive, group) rows: (steps, every logged loss).
    ``group_clubs`` (each group's club, ``TrainingData.clubs``): batches hold one club's rows.

    A non-finite weight after training adds a NaN loss, so the publish check sees it.
    """
    import torch
    from datasets import Dataset
    from sentence_transformers.sentence_transformer import SentenceTransformerTrainingArguments
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from sentence_transformers.util import cos_sim

    dataset = Dataset.from_dict({"anchor": [a for a, _, _ in rows], "positive": [b for _, b, _ in rows]})
    loss = MultipleNegativesRankingLoss(model, scale=config.scale, similarity_fct=cos_sim)
    use_cuda = str(model.device).startswith("cuda")
    args = SentenceTransformerTrainingArguments(
        output_dir=str(checkpoints),
        num_train_epochs=config.epochs,
        max_steps=config.max_steps,
        per_device_train_batch_size=config.batch_size,
        learning_rate=learning_rate(config, model),
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
        prompts=training_prompt(model),
        logging_nan_inf_filter=False,  # a NaN step must show in the loss, not be averaged away
    )
    trainer = trainer_class()(model=model, args=args, train_dataset=dataset, loss=loss)
    route_step_logs(trainer)
    trainer.row_groups = [g for _, _, g in rows]
    trainer.row_clubs = [group_clubs[g] for _, _, g in rows] if group_clubs else None
    result = trainer.train()
    losses = [float(e["loss"]) for e in trainer.state.log_history if "loss" in e]
    losses.append(float(result.training_loss))
    if not all(bool(torch.isfinite(p).all()) for p in model.parameters()):
        losses.append(float("nan"))
    return int(result.global_step), losses
