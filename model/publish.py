"""Whether a trained model may replace the old one, and the swap that does it.

A model whose loss or weights are non-finite, or whose held-out acc@1 / MRR@10
dropped (unless ``allow_worse``), is refused and nothing is written. A good one is
staged beside the target with its card and report, then renamed into place, so an
interrupted run never replaces a good model.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from model.card import card_json, write_model_card
from model.train_config import TrainConfig
from model.train_report import TrainReport


class TrainingRefused(RuntimeError):
    """Training finished but the result must not replace the old model (the message says why)."""


def publish_problem(config: TrainConfig, losses: Sequence[float], before: Any, after: Any) -> str | None:
    """Why the trained model must not replace the old one, or None."""
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


def refuse_unpublishable(config: TrainConfig, losses: Sequence[float], before: Any, after: Any, target: Path) -> None:
    """Raise :class:`TrainingRefused` (saying what happens to ``target``) when :func:`publish_problem` finds one."""
    problem = publish_problem(config, losses, before, after)
    if problem:
        kept = "이전 모델을 그대로 둡니다" if target.exists() else "아무것도 쓰지 않았습니다"
        raise TrainingRefused(f"{problem} — {target} 에 {kept}")


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def publish(staged: Path, target: Path, config: TrainConfig, report: TrainReport) -> TrainReport:
    """Write the card and ``train_report.json`` into ``staged``, swap it into ``target``."""
    write_model_card(staged, config, report)
    (staged / "train_report.json").write_text(
        json.dumps(card_json(config, report), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    atomic_replace(staged, target)
    return replace(report, model_bytes=dir_bytes(target))


def atomic_replace(staged: Path, target: Path) -> None:
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
