"""Torch-free inference for sentence-transformers ``StaticEmbedding`` models.

A static model is a token-embedding table averaged over the tokens of a text
(``nn.EmbeddingBag`` in mean mode). Computing that with ``tokenizers`` and
numpy gives the same vectors (tests/model/test_static.py checks it against
sentence-transformers) without importing torch and sentence-transformers,
which take ~9 s on a 2-core machine: the CLI answers in about a second and the
bot is ready sooner. Training still goes through sentence-transformers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from faq.encoding import Vectors, normalize_rows
from model.encoder_base import EncoderBase

log = logging.getLogger(__name__)


def _is_module(entry: object, class_name: str) -> bool:
    # The module path moved between sentence-transformers versions; the class name did not.
    kind = entry.get("type", "") if isinstance(entry, dict) else ""
    return isinstance(kind, str) and kind.startswith("sentence_transformers.") and kind.endswith("." + class_name)


def static_module_dir(path: Path) -> Path | None:
    """The StaticEmbedding module folder if ``path`` is a static-only model, else None."""
    try:
        modules = json.loads((path / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(modules, list) or not modules:
        return None
    first, rest = modules[0], modules[1:]
    if not _is_module(first, "StaticEmbedding"):
        return None
    if not all(_is_module(m, "Normalize") for m in rest):
        return None  # extra layers (Dense, …) need the real library
    folder = path / str(first.get("path", ""))
    if not (folder / "tokenizer.json").is_file() or not (folder / "model.safetensors").is_file():
        return None
    return folder


class StaticEncoder(EncoderBase):
    """:class:`~model.encoder.Encoder` over a StaticEmbedding folder, numpy only."""

    def __init__(self, folder: Path, fingerprint: str, name: str) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        tensors = load_file(str(folder / "model.safetensors"))
        weights = tensors.get("embedding.weight")
        if weights is None or weights.ndim != 2:
            raise ValueError(f"{folder}: no 2-D 'embedding.weight' tensor")
        self._weights = np.ascontiguousarray(weights, dtype=np.float32)
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        # A bag of tokens has no length limit.
        super().__init__(fingerprint=fingerprint, dimension=int(weights.shape[1]), max_seq_length=None, name=name)

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def encode(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        for row, enc in enumerate(encodings):
            if enc.ids:  # an empty bag stays zero, as in nn.EmbeddingBag
                out[row] = self._weights[enc.ids].mean(axis=0)
        return normalize_rows(out)
