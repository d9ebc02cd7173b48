"""What every encoder implementation shares: its self-description and the one load error.

Kept apart from :mod:`model.encoder` (which picks and loads an implementation) so the
implementations (static, ONNX, ensemble, the hashing fake) import this, not their loader.
"""

from __future__ import annotations

from pathlib import Path

#: Committed offline Korean default (built by ``faqbot train --default``). Here, below the loaders,
#: so training code can name it without importing the loading code (which imports training's builders).
DEFAULT_MODEL_DIR = Path(__file__).with_name("default")


class EncoderLoadError(RuntimeError):
    """The configured model could not be loaded; the message names the path or ID."""


class EncoderBase:
    """What every encoder reports about itself; subclasses add ``encode`` and ``count_tokens``."""

    def __init__(self, *, fingerprint: str, dimension: int, max_seq_length: int | None, name: str) -> None:
        self._fingerprint = fingerprint
        self._dimension = dimension
        self._max_seq_length = max_seq_length
        self.name = name

    @property
    def fingerprint(self) -> str:
        return self._fingerprint

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def max_seq_length(self) -> int | None:
        return self._max_seq_length
