"""What a finished training run reports: :class:`TrainReport` (also written as
``train_report.json`` beside the model) and its plain-text form for the CLI."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from model.ir_check import IRMetrics


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
