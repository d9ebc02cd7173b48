"""Real training batches never hold two rows of one FAQ group (MNRL false negatives)."""

from __future__ import annotations

from pathlib import Path

from model.sampler import GroupBatchSampler
from model.train import StaticConfig, TrainConfig, build_training_data


def test_sampler_batches_have_distinct_groups_and_texts(tmp_path: Path) -> None:
    from datasets import Dataset
    from sentence_transformers.sentence_transformer import (
        SentenceTransformer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    from model.train import _new_static_model, _trainer_class

    groups = [tuple(f"주제{g} 질문 {i}" for i in range(3 + g % 5)) for g in range(20)]
    data = build_training_data([], groups, pairs_per_text=3, seed=0)
    rows = list(data.pairs)
    cfg = TrainConfig(output_dir=tmp_path, base="static", static=StaticConfig(dim=8))
    model: SentenceTransformer = _new_static_model([t for g in groups for t in g], cfg)
    ds = Dataset.from_dict({"anchor": [a for a, _, _ in rows], "positive": [b for _, b, _ in rows]})
    args = SentenceTransformerTrainingArguments(
        output_dir=str(tmp_path / "ck"),
        per_device_train_batch_size=8,
        report_to="none",
        use_cpu=True,
        seed=3,
    )
    trainer = _trainer_class()(model=model, args=args, train_dataset=ds, loss=MultipleNegativesRankingLoss(model))
    trainer.row_groups = [g for _, _, g in rows]
    loader = trainer.get_train_dataloader()
    assert isinstance(loader.batch_sampler, GroupBatchSampler)
    seen = 0
    used: set[int] = set()
    group_of = {t: gi for gi, g in enumerate(data.groups) for t in g}
    for batch_idx in loader.batch_sampler:
        texts = [t for i in batch_idx for t in (rows[i][0], rows[i][1])]
        batch_groups = [rows[i][2] for i in batch_idx]
        assert len(set(batch_groups)) == len(batch_groups)
        assert len(set(texts)) == len(texts)
        assert {group_of[t] for t in texts} == set(batch_groups)
        seen += len(batch_idx)
        used.update(batch_idx)
    assert seen == len(used)  # no pair twice in an epoch
    # Only a tail from one single group may be left (it has no in-batch negatives).
    assert len({rows[i][2] for i in range(len(rows)) if i not in used}) <= 1
