"""What a benchmark run measures (:class:`BenchPlan`) and how its models are loaded."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.encoder import Encoder
from model.profile import MatchingProfile

log = logging.getLogger(__name__)


SHAPED = "bert-base-shaped"
DEFAULT = "default"
FAKE = "hashing-fake"


@dataclass(frozen=True)
class BenchPlan:
    """What to run; ``quick`` fits in about a minute, ``smoke`` in a few seconds."""

    models: tuple[str, ...] = (SHAPED, DEFAULT)
    backends: tuple[str, ...] = ("torch",)  # for the shaped model; torch is the naive baseline
    levels: tuple[int, ...] = (1, 8, 32, 128)
    rounds: int = 3  # closed-loop requests per worker (at least 16 requests per level)
    repeats: int = 2  # runs per mode and level, best kept (1 or an even number)
    lone_samples: int = 20
    match_rows: tuple[int, ...] = (100, 1_000, 10_000, 30_000, 100_000)
    cold_rows: int = 30_000
    change_rows: tuple[int, ...] = (1_000, 10_000)  # scope sizes for the reload latency
    rss: bool = True
    cache: bool = True
    max_batch: int = 32
    max_wait_s: float = 0.005
    cache_dir: Path | None = None

    @classmethod
    def quick(cls, **kw: Any) -> BenchPlan:
        kw.setdefault("rss", False)  # fresh processes importing torch do not fit in a minute
        return cls(
            rounds=1,
            repeats=1,
            lone_samples=8,
            match_rows=(100, 1_000, 10_000, 100_000),
            cache=False,
            change_rows=(1_000,),
            **kw,
        )

    @classmethod
    def full(cls, **kw: Any) -> BenchPlan:
        from model.onnx_backend import onnx_available

        kw.setdefault("backends", ("torch", "onnx", "onnx-int8") if onnx_available() else ("torch",))
        return cls(**kw)

    @classmethod
    def smoke(cls, **kw: Any) -> BenchPlan:
        return cls(
            models=(FAKE,),
            levels=(1, 8, 32),
            rounds=1,
            repeats=1,
            lone_samples=5,
            match_rows=(100, 1_000),
            cold_rows=1_000,
            change_rows=(200,),
            **{"rss": False, **kw},
        )


def load_model(model: str, backend: str = "torch", cache_dir: Path | None = None) -> Encoder:
    from model.encoder import load_encoder
    from model.fake import HashingEncoder

    if model == FAKE:
        return HashingEncoder(delay_s=0.002)
    if model == SHAPED:
        from model.shaped import build_shaped_model

        return load_encoder(build_shaped_model(cache_dir), backend=backend)
    if model == DEFAULT:  # what an empty FAQBOT_MODEL loads (model.encoder.DEFAULT_ENCODER)
        return load_encoder(None, backend=backend)
    return load_encoder(model, backend=backend)


def model_profile_of(model: str) -> MatchingProfile | None:
    """The matching profile a bench model runs with in the bot (model/profile.py), if any."""
    from model.encoder import BUILTIN_MODELS, resolve_model
    from model.profile import load_profile

    if model in (SHAPED, FAKE) or model in {"e5", "e5-club"}:  # no profile; e5 is not derived just to look
        return None
    if model == DEFAULT:
        return load_profile(resolve_model(None))
    return load_profile(resolve_model(model) if model in BUILTIN_MODELS else model)
