"""The model a training run starts from: a fresh static model, or a checkpoint loaded
for training in float32 (optionally with its token vectors frozen)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from model.fresh_static import new_static_model, training_device
from model.train_config import TrainConfig

log = logging.getLogger(__name__)


def load_base(cfg: TrainConfig, sentences: Sequence[str]) -> Any:
    """``sentences`` train a fresh static model's tokenizer; a checkpoint ignores them."""
    from sentence_transformers.sentence_transformer import SentenceTransformer

    if cfg.is_static:
        return new_static_model(sentences, cfg)
    from model.encoder_base import EncoderLoadError

    device = training_device(cfg.device)
    try:
        model = SentenceTransformer(cfg.base, device=device)
    except Exception as exc:  # the library raises many types; the CLI needs one
        raise EncoderLoadError(f"기본 모델을 불러올 수 없습니다: '{cfg.base}': {exc}") from exc
    try:
        model.max_seq_length = cfg.max_seq_length
    except AttributeError:  # a trained StaticEmbedding (e.g. model/default) has no input limit
        pass
    return as_float32(model)


def as_float32(model: Any) -> Any:
    """Train in float32 whatever the checkpoint's dtype: float16 weights with
    float16 optimizer updates collapse MNRL (held-out acc@1 0.511 → 0.000, issue 9)."""
    import torch

    dtypes = {p.dtype for p in model.parameters() if p.is_floating_point()}
    if dtypes - {torch.float32}:
        log.info("base weights are %s; training in float32", ",".join(sorted(map(str, dtypes))))
        model.float()
    return model


def freeze_word_embeddings(model: Any) -> None:
    for name, param in model.named_parameters():
        if name.endswith("word_embeddings.weight"):
            param.requires_grad_(False)
