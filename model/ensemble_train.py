"""Adapting an ensemble (the default) to one server: ``faqbot train --db`` when the current model is one.

Only the ensemble's static part is fine-tuned: on 2 CPU cores it learns a DEV club's
45–49 FAQs in 10–14 s and moved that club's member questions up; the e5 part would also
fit the time (~1 s a step at batch 16) but moved nothing and would write a 244 MB folder
per server (docs/model.md, "Adapting the default to one server"). The static half is the
one that learns a club's own words; e5 brings the general Korean. The result is a new
ensemble folder::

    models/club/
        faqbot_ensemble.json   the adapted part by its folder inside, the others as before (e5-club by name)
        faqbot_matching.json   the current ensemble's matching profile, copied
        adapted-static/        the fine-tuned static model (``train()``'s output, its card and report)
        train_report.json      the WHOLE ensemble before/after

The before/after figures are the whole ensemble's (current vs new) on the server's held-out
alternates, the split ``train()`` makes; the part's own figures are in its folder. The
publish rules are ``train()``'s, applied to the ensemble: a non-finite loss or metric never
publishes, lower acc@1 or MRR@10 only with ``--allow-worse``; the old folder stays untouched.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from faq.encoding import Encoder
from model.ensemble import MANIFEST, is_ensemble_dir, load_ensemble, part_target, read_parts
from model.ir_check import IRMetrics, ir_inputs
from model.profile import PROFILE
from model.train_inputs import TrainInputs, build_inputs

log = logging.getLogger(__name__)

#: Folder of the adapted part inside the new ensemble (not "static": that is the built-in's name).
ADAPTED = "adapted-static"


def ensemble_folder(base: str) -> Path | None:
    """The ensemble folder ``base`` (a built-in name or a path) names, or None when it is not one."""
    from model.encoder import resolve_model

    if base in {"static", "ensemble"} or Path(base).expanduser().exists():
        path = Path(resolve_model(base)).expanduser()
        return path if is_ensemble_dir(path) else None
    return None  # e5 names and hub IDs are single models (resolving e5 would derive it just to look)


def _is_static(target: str) -> bool:
    from model.encoder import DEFAULT_MODEL_DIR, resolve_model
    from model.static import static_module_dir

    if target == "static":
        target = str(DEFAULT_MODEL_DIR)
    elif target in {"e5", "e5-club", "ensemble"} and not Path(target).exists():
        return False
    path = Path(resolve_model(target)).expanduser()
    return path.is_dir() and static_module_dir(path) is not None


def adaptable_part(folder: Path) -> int:
    """Index of the part that is adapted: the first static one; an ensemble without one is refused."""
    for i, (model, _) in enumerate(read_parts(folder)):
        if _is_static(part_target(folder, model)):
            return i
    raise ValueError(f"{folder}: 이 앙상블에는 적응시킬 정적(static) 부분이 없습니다 (--base 로 모델 하나를 고르세요)")


# --------------------------------------------------------------------------- the whole ensemble's check


def dense_metrics(
    encoder: Encoder, queries: dict[str, str], corpus: dict[str, str], relevant: dict[str, set[str]]
) -> IRMetrics | None:
    """acc@1/3, MRR@10 and NDCG@10 by cosine, as ``ir_evaluate`` reports them, for any :class:`Encoder`."""
    if not queries:
        return None
    doc_ids = list(corpus)
    q_ids = list(queries)
    scores = encoder.encode([queries[q] for q in q_ids]) @ encoder.encode([corpus[d] for d in doc_ids]).T
    acc1 = acc3 = mrr = ndcg = 0.0
    for row, qid in enumerate(q_ids):
        ranked = np.argsort(-scores[row], kind="stable")[:10]
        hits = [rank for rank, doc in enumerate(ranked, start=1) if doc_ids[doc] in relevant[qid]]
        if not hits:
            continue
        first = hits[0]
        acc1 += first == 1
        acc3 += first <= 3
        mrr += 1 / first
        # NDCG@10 with binary gains over every relevant document of the query.
        ideal = sum(1 / math.log2(r + 1) for r in range(1, min(len(relevant[qid]), 10) + 1))
        ndcg += sum(1 / math.log2(r + 1) for r in hits) / ideal
    n = len(q_ids)
    return IRMetrics(acc1 / n, acc3 / n, mrr / n, ndcg / n, queries=n, corpus=len(corpus))


def heldout_inputs(config: Any, inputs: TrainInputs) -> tuple[dict[str, str], dict[str, str], dict[str, set[str]]]:
    """The held-out queries, corpus and answers ``train(config, inputs)`` evaluates on (same split)."""
    return ir_inputs(inputs.data.groups, inputs.heldout_ids, config.eval_queries, inputs.data.clubs)


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class EnsembleTrainReport:
    output_dir: Path
    current: str  # the ensemble that was adapted
    adapted: str  # its part that was fine-tuned, as the manifest named it
    parts: tuple[tuple[str, float], ...]  # the new manifest
    part: Any  # model.train.TrainReport of the adapted part (its own before/after)
    before: IRMetrics | None  # whole current ensemble
    after: IRMetrics | None  # whole new ensemble
    seconds: float
    model_bytes: int

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["output_dir"] = str(self.output_dir)
        out["part"] = self.part.to_json()
        return out


def format_ensemble_report(report: EnsembleTrainReport) -> str:
    part = report.part
    named = " + ".join(f"{w:g}·{m}" for m, w in report.parts)
    lines = [
        f"ensemble written to {report.output_dir} ({report.model_bytes / 2**20:.1f} MiB: {named}; "
        f"{part.steps} steps, {report.seconds:.0f} s on {part.device})",
        f"data: {part.groups} groups ({part.train_groups} trained, {part.heldout_groups} held out), "
        f"{part.train_pairs} pairs; adapted part: {report.adapted} → {ADAPTED}",
    ]
    for name, m in (("before", report.before), ("after ", report.after)):
        if m is not None:
            lines.append(f"{name}: {m.row()}  (whole ensemble)")
    return "\n".join(lines)


# --------------------------------------------------------------------------- training


def train_ensemble(current: Path, config: Any) -> EnsembleTrainReport:
    """Fine-tune ``current``'s static part with ``config`` (its ``base`` is ignored) and write
    the new ensemble to ``config.output_dir`` atomically, if the whole ensemble did not get worse."""
    from model.encoder import load_encoder
    from model.ensemble import EnsembleEncoder
    from model.publish import TrainingRefused, atomic_replace, dir_bytes, publish_problem
    from model.train import train

    started = time.monotonic()
    current = Path(current).resolve()
    specs = read_parts(current)
    index = adaptable_part(current)
    adapted_spec = specs[index][0]
    old = load_encoder(current)
    assert isinstance(old, EnsembleEncoder)
    inputs = build_inputs(config)  # once: train() below gets the same, so both see one split
    queries, corpus, relevant = heldout_inputs(config, inputs)
    before = dense_metrics(old, queries, corpus, relevant)
    if before:
        log.info("before (ensemble): %s", before.row())

    target = Path(config.output_dir).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        base = part_target(current, adapted_spec)
        part_config = replace(
            config,
            base=str(load_encoder_folder(base)),
            output_dir=staged / ADAPTED,
            allow_worse=True,  # the whole ensemble is judged below; a non-finite loss still refuses here
        )
        part = train(part_config, inputs)
        new_specs: list[tuple[str, float]] = []
        reuse: dict[str, Encoder] = {}
        for i, (model, weight) in enumerate(specs):
            if i == index:
                new_specs.append((ADAPTED, weight))
                continue
            source = part_target(current, model)
            if source != model:  # a folder inside the current ensemble: small (ours), copied along
                shutil.copytree(source, staged / model)
            else:  # a built-in name (e5-club) or a path: named, never copied
                reuse[model] = old.parts[i][0]
            new_specs.append((model, weight))
        manifest = {"parts": [{"model": m, "weight": w} for m, w in new_specs]}
        (staged / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if (current / PROFILE).is_file():
            shutil.copy2(current / PROFILE, staged / PROFILE)

        def load_part(spec: str, **kwargs: Any) -> Encoder:
            return reuse.get(spec) or load_encoder(spec, **kwargs)

        new = load_ensemble(staged, str(target), load_part)  # reads the manifest as written
        after = dense_metrics(new, queries, corpus, relevant)
        if after:
            log.info("after (ensemble):  %s", after.row())
        problem = publish_problem(config, [], before, after)
        if problem:
            kept = "이전 모델을 그대로 둡니다" if target.exists() else "아무것도 쓰지 않았습니다"
            raise TrainingRefused(f"{problem} (앙상블 전체) — {target} 에 {kept}")
        report = EnsembleTrainReport(
            output_dir=target,
            current=_shown(current),
            adapted=adapted_spec,
            parts=tuple(new_specs),
            part=replace(part, output_dir=target / ADAPTED),
            before=before,
            after=after,
            seconds=round(time.monotonic() - started, 1),
            model_bytes=dir_bytes(staged),
        )
        (staged / "train_report.json").write_text(
            json.dumps(_report_json(report), ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
        )
        atomic_replace(staged, target)
        return report
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def load_encoder_folder(target: str) -> Path:
    """The local folder of a part (``static`` → model/default), for ``train()`` to load as its base."""
    from model.encoder import resolve_model

    return Path(resolve_model(target)).expanduser().resolve()


def _shown(path: Path) -> str:
    from model.card import repo_relative

    return repo_relative(path)


def _report_json(report: EnsembleTrainReport) -> dict[str, Any]:
    """No machine paths in the written report (it may be shared or committed)."""
    from model.card import repo_relative

    out = report.to_json()
    out["output_dir"] = repo_relative(report.output_dir)
    out["part"]["output_dir"] = f"{repo_relative(report.output_dir)}/{ADAPTED}"
    return out
