"""The model card (README.md) and train_report.json written beside a trained model.

Committed files must not hold machine paths: paths are stored relative to the
repository (or as bare names when outside it).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from model.train_config import TrainConfig
from model.train_report import TrainReport

_REPO = Path(__file__).resolve().parent.parent


def repo_relative(path: Path | str) -> str:
    """``path`` relative to the repository, or its bare name when outside it."""
    p = Path(path).resolve()
    try:
        return p.relative_to(_REPO).as_posix()
    except ValueError:
        return p.name


def card_json(config: TrainConfig, report: TrainReport) -> dict[str, Any]:
    cfg = asdict(config)
    cfg["output_dir"] = repo_relative(config.output_dir)
    cfg["pairs_csv"] = [repo_relative(p) for p in config.pairs_csv]
    cfg["faq_groups"] = len(config.faq_groups)
    cfg["feedback_pairs"] = len(config.feedback_pairs)
    cfg["eval_queries"] = len(config.eval_queries)
    cfg["learning_rate"] = config.effective_lr
    out = report.to_json()
    out["config"] = cfg
    out["output_dir"] = repo_relative(report.output_dir)  # no machine paths in committed files
    return out


def _metrics_table(report: TrainReport) -> str:
    lines = ["| | acc@1 | acc@3 | MRR@10 | NDCG@10 |", "|---|---|---|---|---|"]
    for name, m in (("before training", report.before), ("after training", report.after)):
        if m is not None:
            lines.append(
                f"| {name} | {m.accuracy_at_1:.3f} | {m.accuracy_at_3:.3f} | {m.mrr_at_10:.3f} | {m.ndcg_at_10:.3f} |"
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
        f"text of each of the {m.corpus} groups{' of their own club' if config.club_batches else ''}:"
        f"\n\n{_metrics_table(report)}"
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
