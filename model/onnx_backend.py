"""ONNX Runtime inference for Transformer + Pooling sentence-transformers models.

sentence-transformers' own ``backend="onnx"`` needs ``optimum-onnx``, whose
releases pin ``transformers<4.58`` and cannot be installed beside this
project's transformers 5 / sentence-transformers 6. So the transformer is
exported here with ``torch.onnx.export`` (once, cached per model fingerprint),
optionally int8-quantised with ``onnxruntime.quantization.quantize_dynamic``,
and pooling + normalisation are done in numpy. Needs the ``[onnx]`` extra.

After loading, only the tokenizer and the ONNX session are kept: the torch
weights are dropped, so the process does not hold the model twice.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from faq.encoding import Vectors, normalize_rows
from model.encoder_base import EncoderBase, EncoderLoadError

log = logging.getLogger(__name__)

BACKENDS = ("auto", "torch", "onnx", "onnx-int8")
_OPSET = 17
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "faqbot" / "onnx"


def onnx_available() -> bool:
    return importlib.util.find_spec("onnxruntime") is not None


def _require_onnxruntime() -> Any:
    try:
        import onnxruntime
    except ImportError as exc:
        raise EncoderLoadError(
            "ONNX 백엔드에는 onnxruntime이 필요합니다: pip install 'faqbot[onnx]' (또는 FAQBOT_MODEL_BACKEND=torch)"
        ) from exc
    return onnxruntime


def _export(model: Any, target: Path) -> None:
    """Export the model's transformer (token embeddings out) to ``target``."""
    import torch

    transformer = model[0]

    class _TokenEmbeddings(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    wrapper = _TokenEmbeddings(transformer.auto_model).eval()
    # Two rows of different lengths, so the traced graph carries a real padding mask.
    sample = transformer.tokenizer(["회비는 얼마인가요?", "세션"], padding=True, return_tensors="pt")
    args = tuple(sample.get(name, torch.zeros_like(sample["input_ids"])) for name in _INPUTS)
    axes = {name: {0: "batch", 1: "sequence"} for name in (*_INPUTS, "last_hidden_state")}
    with torch.no_grad(), warnings.catch_warnings():
        # Tracer warnings are about branches on shapes that are constant for BERT given a mask.
        warnings.simplefilter("ignore")
        # The TorchScript exporter (dynamo=False) handles BERT's dynamic axes without onnxscript rewrites.
        torch.onnx.export(
            wrapper,
            args,
            str(target),
            input_names=list(_INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=_OPSET,
            dynamo=False,
        )


def _quantize(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Dynamic quantisation: int8 weights, activations quantised per call; no calibration data needed.
    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)


def _cached_file(folder: Path, name: str, build: Any) -> Path:
    path = folder / name
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=folder))
    try:
        build(staging / name)
        (staging / name).replace(path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return path


class OnnxEncoder(EncoderBase):
    """:class:`~model.encoder.Encoder` over an ONNX export of a Transformer + Pooling model."""

    def __init__(
        self,
        session: Any,
        tokenizer: Any,
        *,
        pooling: str,
        dimension: int,
        max_seq_length: int | None,
        fingerprint: str,
        name: str,
        batch_size: int = 64,
    ) -> None:
        super().__init__(fingerprint=fingerprint, dimension=dimension, max_seq_length=max_seq_length, name=name)
        self._session = session
        self._tokenizer = tokenizer
        self._pooling = pooling
        self._wanted = {i.name for i in session.get_inputs()}
        self.batch_size = batch_size

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer(text, add_special_tokens=True)["input_ids"])

    def encode(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        if not texts:
            return out
        # Like sentence-transformers: sort by length so each chunk pads little.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            out[rows] = self._encode_chunk([texts[i] for i in rows])
        return normalize_rows(out)

    def _encode_chunk(self, texts: list[str]) -> Vectors:
        enc = self._tokenizer(
            texts,
            padding=True,
            truncation=self._max_seq_length is not None,
            max_length=self._max_seq_length,
            return_tensors="np",
        )
        feed = {name: np.asarray(enc[name], dtype=np.int64) for name in self._wanted if name in enc}
        if "token_type_ids" in self._wanted and "token_type_ids" not in feed:
            feed["token_type_ids"] = np.zeros_like(feed["input_ids"])
        hidden = self._session.run(None, feed)[0]
        mask = feed["attention_mask"][..., None].astype(np.float32)
        if self._pooling == "cls":
            return hidden[:, 0]
        if self._pooling == "max":
            return np.where(mask > 0, hidden, -np.inf).max(axis=1)
        return (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)


def onnx_encoder_from(
    model: Any, *, fingerprint: str, name: str, quantize: bool, cache_dir: Path | None = None
) -> OnnxEncoder:
    """Export (once) and load ``model`` — a loaded SentenceTransformer — on ONNX Runtime."""
    ort = _require_onnxruntime()
    kinds = [type(m).__name__ for m in model]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]):
        raise EncoderLoadError(f"ONNX 백엔드는 Transformer + Pooling 모델만 지원합니다 ({name}: {' + '.join(kinds)})")
    pooling = str(model[1].get_config_dict().get("pooling_mode", "mean"))
    if pooling not in {"mean", "cls", "max"}:
        raise EncoderLoadError(f"ONNX 백엔드가 지원하지 않는 pooling입니다: {pooling} ({name})")
    # One folder per source model: the int8 file is made from the fp32 export beside it.
    base = fingerprint.removesuffix(":onnx-int8").removesuffix(":onnx")
    folder = (cache_dir or default_cache_dir()) / base.replace(":", "-")
    try:
        path = _cached_file(folder, "model.onnx", lambda target: _export(model, target))
        if quantize:
            path = _cached_file(folder, "model-int8.onnx", lambda target: _quantize(folder / "model.onnx", target))
    except EncoderLoadError:
        raise
    except Exception as exc:
        raise EncoderLoadError(f"ONNX 변환에 실패했습니다 ({name}): {type(exc).__name__}: {exc}") from exc
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle intra-op threads spin by default; on a 2-core box that steals the event loop's core.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    limit = getattr(model, "max_seq_length", None)
    dimension = model.get_embedding_dimension()
    log.info("loaded %s on ONNX Runtime (%s)", name, path.name)
    return OnnxEncoder(
        session,
        model[0].tokenizer,
        pooling=pooling,
        dimension=int(dimension),
        max_seq_length=int(limit) if limit and limit != float("inf") else None,
        fingerprint=fingerprint,
        name=name,
    )
