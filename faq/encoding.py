"""The encoder contract the core consumes.

``faq/`` only needs something that turns texts into L2-normalised float32 rows
and names its weights (the embedding cache is keyed by that name). The core owns
this small protocol; ``model/`` implements it, so imports only point down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


@runtime_checkable
class Encoder(Protocol):
    @property
    def fingerprint(self) -> str:
        """Identifies the model's weights and settings; part of the embedding-cache key."""
        ...

    @property
    def dimension(self) -> int: ...

    @property
    def max_seq_length(self) -> int | None:
        """Input limit in tokens, or None when the model has none."""
        ...

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Return an (n, dimension) float32 array of L2-normalised rows."""
        ...

    def count_tokens(self, text: str) -> int: ...


@dataclass(frozen=True, slots=True)
class VectorPart:
    """Columns ``start:stop`` of an encoder's vectors come from one sub-model.

    ``share`` is that part's share of the cosine: the dot product over these columns is
    ``share · cosine`` of the part's own unit vectors (an ensemble scales each part by
    ``sqrt(share)``; model/ensemble.py). The decision (faq/decision.py) reads per-part
    cosines this way, so an ensemble's parts can be asked whether they agree.
    """

    start: int
    stop: int
    share: float


def vector_parts(encoder: Encoder) -> tuple[VectorPart, ...]:
    """The encoder's parts (an optional ``vector_parts`` attribute); one part for a plain encoder."""
    parts = getattr(encoder, "vector_parts", None)
    if parts:
        return tuple(parts)
    return (VectorPart(0, encoder.dimension, 1.0),)


def normalize_rows(vectors: npt.ArrayLike) -> Vectors:
    arr = np.asarray(vectors, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[None, :]
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    # A zero vector (e.g. only unknown tokens) stays zero: it matches nothing.
    np.divide(arr, norms, out=arr, where=norms > 0)
    return arr
