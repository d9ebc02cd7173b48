"""Several encoders as one: a weighted sum of their cosine similarities.

Each part's vector is L2-normalised and scaled by ``sqrt(w_i / Σw)``; the concatenation
is then a unit vector whose dot product with another is ``Σ w_i · cos_i / Σ w``. So the
index, the embedding cache and the matcher need nothing new: the ensemble is just an
encoder with a wider vector. Used for the offline default (a static model that knows the
club's words + a pretrained multilingual transformer that knows Korean; docs/model.md).

A folder is an ensemble when it holds ``faqbot_ensemble.json``::

    {"parts": [{"model": "static", "weight": 0.4}, {"model": "e5-club", "weight": 0.6}]}

``model`` is a path relative to that folder (or absolute, or a name ``load_encoder`` knows).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from faq.encoding import Encoder, VectorPart, Vectors
from model.encoder_base import EncoderBase, EncoderLoadError

MANIFEST = "faqbot_ensemble.json"


class EnsembleEncoder(EncoderBase):
    def __init__(
        self, parts: Sequence[tuple[Encoder, float]], *, name: str = "ensemble", part_names: Sequence[str] = ()
    ) -> None:
        if not parts or any(w <= 0 for _, w in parts):
            raise ValueError("an ensemble needs at least one part, each with a positive weight")
        total = sum(w for _, w in parts)
        self.parts = tuple(parts)
        #: each part as the manifest names it (reports; e.g. "static", "e5-club", "adapted-static")
        self.part_names = tuple(part_names) or tuple(e.name for e, _ in parts)
        self._scales = [math.sqrt(w / total) for _, w in parts]
        prints = "|".join(f"{e.fingerprint}*{w:g}" for e, w in parts)
        limits = [e.max_seq_length for e, _ in parts if e.max_seq_length]
        super().__init__(
            fingerprint="ens:" + hashlib.sha256(prints.encode()).hexdigest()[:16],
            dimension=sum(e.dimension for e, _ in parts),
            max_seq_length=min(limits) if limits else None,
            name=name,
        )

    @property
    def vector_parts(self) -> tuple[VectorPart, ...]:
        """Each part's columns and cosine share (faq.encoding.VectorPart), in manifest order."""
        out, start = [], 0
        total = sum(w for _, w in self.parts)
        for encoder, weight in self.parts:
            out.append(VectorPart(start, start + encoder.dimension, weight / total))
            start += encoder.dimension
        return tuple(out)

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        blocks = [enc.encode(texts) * scale for (enc, _), scale in zip(self.parts, self._scales, strict=True)]
        return np.ascontiguousarray(np.concatenate(blocks, axis=1), dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        """Tokens of the part with the tightest input limit (what a query is cut to)."""
        limited = [(e.max_seq_length, e) for e, _ in self.parts if e.max_seq_length]
        if not limited:
            return self.parts[0][0].count_tokens(text)
        return min(limited, key=lambda pair: pair[0])[1].count_tokens(text)


def is_ensemble_dir(path: Path) -> bool:
    return (path / MANIFEST).is_file()


def read_parts(path: Path, target: str | None = None) -> list[tuple[str, float]]:
    """``(model, weight)`` per part as the manifest names them; a broken manifest is one clear error."""
    try:
        spec = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        return [(str(p["model"]), float(p["weight"])) for p in spec["parts"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        message = f"모델을 불러올 수 없습니다: '{target or path}': {MANIFEST}이(가) 잘못되었습니다: {exc}"
        raise EncoderLoadError(message) from exc


def part_target(path: Path, model: str) -> str:
    """What a part's ``model`` names: a folder inside (or relative to) the ensemble's, else a path or built-in name."""
    local = path / model
    return str(local) if local.exists() else model


def load_ensemble(path: Path, target: str, load: Callable[..., Encoder], **load_kwargs: object) -> EnsembleEncoder:
    """The ensemble in ``path``; ``load`` (``model.encoder.load_encoder``) loads each part."""
    specs = read_parts(path, target)
    parts = [(load(part_target(path, model), **load_kwargs), weight) for model, weight in specs]
    try:
        return EnsembleEncoder(parts, name=target, part_names=[model for model, _ in specs])
    except ValueError as exc:
        raise EncoderLoadError(f"모델을 불러올 수 없습니다: '{target}': {exc}") from exc
