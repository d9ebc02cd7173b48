"""A deterministic, dependency-free encoder for unit tests and harnesses.

It hashes character bigrams of the whitespace-stripped text into a fixed
number of buckets, so texts that share syllables get similar vectors:
"회비 얼마예요" and "회비얼마" match, unrelated texts do not. Fast and the
same on every machine.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Sequence

import numpy as np

from faq.encoding import Vectors, normalize_rows
from model.encoder_base import EncoderBase


class HashingEncoder(EncoderBase):
    def __init__(
        self, dimension: int = 256, *, max_seq_length: int = 128, delay_s: float = 0.0, tag: str = "v1"
    ) -> None:
        super().__init__(
            fingerprint=f"hashing:{dimension}:{tag}", dimension=dimension, max_seq_length=max_seq_length, name="hashing"
        )
        self.delay_s = delay_s  # simulate a slow model (blocks the calling thread)
        self.calls: list[int] = []  # batch sizes seen, for micro-batching tests
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        return len("".join(text.split()))  # one "token" per non-space character

    def _bucket(self, gram: str) -> int:
        return int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=4).digest(), "little")

    def encode(self, texts: Sequence[str]) -> Vectors:
        with self._lock:
            self.calls.append(len(texts))
        if self.delay_s:
            time.sleep(self.delay_s)
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            chars = "".join(text.lower().split())
            grams = [chars[i : i + 2] for i in range(max(len(chars) - 1, 0))] or list(chars)
            for gram in grams:
                h = self._bucket(gram)
                out[row, h % self._dimension] += 1.0 if (h >> 16) & 1 else -1.0
        return normalize_rows(out)
