"""Torch-free inference for the derived e5 folders (BERT + mean pooling + Normalize).

The e5 encoders (:mod:`model.e5_wheel`, :mod:`model.e5_club`) are plain ``BertModel``
folders; their forward pass is a dozen numpy matrix products per layer. Computing it
with ``tokenizers`` and numpy gives the vectors sentence-transformers gives
(tests/model/test_numpy_bert.py: cosine ≥ 0.99999 on the e5 test sentences) without
importing torch, transformers and sentence-transformers, which cost ~0.5 GB of memory
and ~4 s of start-up on a 2-core machine: with it the default ensemble fits the bot's
1.2 GB budget (docs/performance.md). Anything else (other architectures, Dense
layers, CLS pooling, a prompt excluded from pooling) returns None from
:func:`bert_folder`. ``load_encoder`` uses it only for the derived, sha256-verified e5
folders; every other model, and training, goes through the real library.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from faq.encoding import Vectors, normalize_rows
from model.encoder_base import EncoderBase

log = logging.getLogger(__name__)

#: Tokens per forward pass (rows × longest row). Measured on the sample club's 398 texts: 4,096 took
#: 7.9 s and +240 MB of temporaries, 1,024 6.4 s / +18 MB, 512 5.9 s / +0 MB, 256 6.1 s, 128 6.6 s.
TOKENS_PER_BATCH = 512
MAX_ROWS_PER_BATCH = 64
#: Up to this many tokens the BLAS thread count follows the machine's load: two threads win while a
#: core is free and collapse once other work holds both cores (whole-matrix products for a lone
#: question: 21 against 30 ms, but 140 against 65 ms, p90 700 against 100; docs/performance.md,
#: "The default model"). A lone question's blocked products (:func:`_linear`) run on one thread
#: either way; this is for a few questions batched together. Bigger batches keep BLAS's own count.
SMALL_BATCH_TOKENS = 512
#: OpenBLAS (numpy's wheels, x86-64) multiplies without copying the weight first ("small matrix"
#: kernels) only while rows × in × out ≤ 1e6 and, in this layout, rows × out ≤ 1200; see :func:`_linear`.
SMALL_GEMM_VOLUME = 1_000_000
SMALL_GEMM_OUTPUT = 1200

Array = npt.NDArray[np.float32]


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _module(entry: object) -> tuple[str, str]:
    if not isinstance(entry, dict):
        return "", ""
    kind = str(entry.get("type", ""))
    return (kind.rsplit(".", 1)[-1] if kind.startswith("sentence_transformers.") else ""), str(entry.get("path", ""))


def _mean_pooling(config: dict[str, object]) -> bool:
    if "pooling_mode" in config:  # sentence-transformers ≥ 5
        return config["pooling_mode"] == "mean"
    modes = {k: v for k, v in config.items() if k.startswith("pooling_mode_")}  # older folders
    return modes.get("pooling_mode_mean_tokens") is True and not any(
        v for k, v in modes.items() if "mean_tokens" not in k
    )


def bert_folder(path: Path) -> dict[str, object] | None:
    """What the numpy forward needs from ``path``, or None when it is not exactly
    Transformer(BertModel) → mean Pooling (prompt included) → Normalize."""
    modules = _read_json(path / "modules.json")
    if not isinstance(modules, list) or len(modules) != 3:
        return None
    kinds = [_module(m) for m in modules]
    if [k for k, _ in kinds] != ["Transformer", "Pooling", "Normalize"] or kinds[0][1] != "":
        return None
    pooling = _read_json(path / kinds[1][1] / "config.json")
    if not isinstance(pooling, dict) or not _mean_pooling(pooling) or not pooling.get("include_prompt", True):
        return None
    config = _read_json(path / "config.json")
    if not isinstance(config, dict) or config.get("model_type") != "bert":
        return None
    if config.get("architectures") != ["BertModel"]:
        return None
    if config.get("hidden_act") != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
        return None
    if not (path / "model.safetensors").is_file() or not (path / "tokenizer.json").is_file():
        return None
    st_config = _read_json(path / "sentence_bert_config.json")
    if not isinstance(st_config, dict) or st_config.get("do_lower_case"):
        return None
    prompts = _read_json(path / "config_sentence_transformers.json")
    prompt = ""
    if isinstance(prompts, dict) and prompts.get("default_prompt_name"):
        prompt = str((prompts.get("prompts") or {}).get(prompts["default_prompt_name"], ""))
    max_len = min(int(st_config.get("max_seq_length") or 512), int(config["max_position_embeddings"]))
    return {"config": config, "prompt": prompt, "max_seq_length": max_len}


def _linear(x: Array, weight: Array, bias: Array) -> Array:
    """``x @ weight.T + bias`` with ``weight`` stored (out, in), as the checkpoint stores it.

    For a few rows OpenBLAS's general product first copies the whole weight into its own layout,
    which costs more than the product itself; its small-matrix kernel reads the weight in place but
    runs only under SMALL_GEMM_VOLUME and SMALL_GEMM_OUTPUT. So a few rows are multiplied by blocks
    of output columns that fit both limits: a lone question's products take about a third less time
    (docs/performance.md, "The default model"). Bigger inputs keep one call (and BLAS's threads).
    """
    rows, inner = x.shape
    outputs = weight.shape[0]
    out = np.empty((rows, outputs), dtype=np.float32)
    step = min(SMALL_GEMM_VOLUME // (rows * inner), SMALL_GEMM_OUTPUT // rows)
    if step < 16 or step >= outputs:  # blocks this thin cost more in calls than they save
        np.matmul(x, weight.T, out=out)
    else:
        for start in range(0, outputs, step):
            np.matmul(x, weight[start : start + step].T, out=out[:, start : start + step])
    out += bias
    return out


def _gelu(x: Array) -> Array:
    """BERT's exact (erf) GELU; erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7, float32's own).

    With tail = poly(t)·exp(-x²/2) = 1 - erf(|x|/√2), GELU(x) = max(x, 0) - |x|·tail/2 on both
    sides of 0, which spares a masked (slow) ufunc and keeps every step a plain in-place pass.
    """
    magnitude = np.abs(x)
    t = magnitude * np.float32(0.3275911 / math.sqrt(2))
    t += 1
    np.reciprocal(t, out=t)
    tail = t * np.float32(1.061405429)
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        tail += np.float32(c)
        tail *= t
    gauss = np.square(x, out=t)  # t is no longer needed
    gauss *= np.float32(-0.5)
    tail *= np.exp(gauss, out=gauss)
    tail *= magnitude
    tail *= np.float32(0.5)
    return np.subtract(np.maximum(x, 0, out=magnitude), tail, out=tail)


def _layer_norm(x: Array, norm: tuple[Array, Array], eps: float) -> Array:
    """LayerNorm over the last axis, in ``x``'s own buffer (callers pass a temporary)."""
    weight, bias = norm
    x -= x.mean(axis=-1, keepdims=True)
    var = np.square(x).mean(axis=-1, keepdims=True)
    var += np.float32(eps)
    x /= np.sqrt(var, out=var)
    x *= weight
    x += bias
    return x


def _norm(t: _Tensors, name: str) -> tuple[Array, Array]:
    return t[f"{name}.weight"].astype(np.float32), t[f"{name}.bias"].astype(np.float32)


@lru_cache(maxsize=1)
def _blas_controller() -> object | None:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # optional: without it small batches use BLAS's own thread count
        return None
    return ThreadpoolController()


def _machine_busy() -> bool:
    """Whether other work holds every core (1-minute load average ≥ the core count)."""
    try:
        return os.getloadavg()[0] >= (os.cpu_count() or 1)
    except OSError:  # no load average on this platform: be the polite one
        return True


def _one_blas_thread() -> AbstractContextManager[object]:
    controller = _blas_controller()
    return controller.limit(limits=1, user_api="blas") if controller is not None else nullcontext()  # type: ignore[attr-defined]


class _Tensors:
    """A safetensors file read one tensor at a time (``t[name]``), as :class:`_Layer` asks for them."""

    def __init__(self, stored: object) -> None:
        self._stored = stored

    def __getitem__(self, name: str) -> np.ndarray:
        return self._stored.get_tensor(name)  # type: ignore[attr-defined,no-any-return]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b))


class _Layer:
    __slots__ = ("attn_b", "attn_w", "ffn_in_b", "ffn_in_w", "ffn_out_b", "ffn_out_w", "ln1", "ln2", "qkv_b", "qkv_w")

    def __init__(self, t: _Tensors, prefix: str) -> None:
        def w(name: str) -> Array:  # kept (out, in): _linear multiplies by its transpose
            return np.ascontiguousarray(t[f"{prefix}{name}.weight"], dtype=np.float32)

        def b(name: str) -> Array:
            return t[f"{prefix}{name}.bias"].astype(np.float32)

        names = ("attention.self.query", "attention.self.key", "attention.self.value")
        self.qkv_w = np.concatenate([w(n) for n in names])  # one product for the three
        self.qkv_b = np.concatenate([b(n) for n in names])
        self.attn_w, self.attn_b = w("attention.output.dense"), b("attention.output.dense")
        self.ln1 = _norm(t, f"{prefix}attention.output.LayerNorm")
        self.ffn_in_w, self.ffn_in_b = w("intermediate.dense"), b("intermediate.dense")
        self.ffn_out_w, self.ffn_out_b = w("output.dense"), b("output.dense")
        self.ln2 = _norm(t, f"{prefix}output.LayerNorm")


class NumpyBertEncoder(EncoderBase):
    """:class:`~model.encoder.Encoder` over a BERT mean-pooling folder, numpy only."""

    def __init__(
        self,
        path: Path,
        fingerprint: str,
        name: str,
        prompt: str | None = None,
        share_with: NumpyBertEncoder | None = None,
    ) -> None:
        """``prompt``: put before every text (None: the folder's default prompt, as the library does).
        ``share_with``: another such encoder whose token table and tokenizer this one uses where they are
        the same as its folder's (two folders derived from one base with the table frozen): ~170 MB less."""
        import filecmp

        from safetensors import safe_open
        from tokenizers import Tokenizer

        spec = bert_folder(path)
        if spec is None:
            raise ValueError(f"{path}: not a BERT mean-pooling folder")
        config: dict[str, object] = spec["config"]  # type: ignore[assignment]
        self._prompt = str(spec["prompt"]) if prompt is None else prompt
        self._heads = int(config["num_attention_heads"])  # type: ignore[arg-type]
        self._eps = float(config.get("layer_norm_eps", 1e-12))  # type: ignore[arg-type]
        # Tensor by tensor, so only one layer's stored copy is held beside what is kept.
        with safe_open(str(path / "model.safetensors"), framework="np") as stored:
            t = _Tensors(stored)
            # The token table stays in its stored dtype (float16: 80 MB instead of 160); rows are cast when looked up.
            self._words = t["embeddings.word_embeddings.weight"]
            if share_with is not None and _same(share_with._words, self._words):
                self._words = share_with._words
            self._positions = t["embeddings.position_embeddings.weight"].astype(np.float32)
            self._type0 = t["embeddings.token_type_embeddings.weight"][0].astype(np.float32)
            self._ln0 = _norm(t, "embeddings.LayerNorm")
            layers = int(config["num_hidden_layers"])  # type: ignore[arg-type]
            self._layers = [_Layer(t, f"encoder.layer.{i}.") for i in range(layers)]
        self._tokenizer_file = path / "tokenizer.json"
        if share_with is not None and filecmp.cmp(share_with._tokenizer_file, self._tokenizer_file, shallow=False):
            self._tokenizer = share_with._tokenizer  # ~90 MB each; encoding with it is thread-safe
        else:
            self._tokenizer = Tokenizer.from_file(str(self._tokenizer_file))
            self._tokenizer.no_padding()
            self._tokenizer.no_truncation()
        self._bos, self._eos = self._specials(path)
        hidden = int(self._words.shape[1])
        super().__init__(
            fingerprint=fingerprint,
            dimension=hidden,
            max_seq_length=int(spec["max_seq_length"]),
            name=name,  # type: ignore[arg-type]
        )

    def shares_with(self, other: NumpyBertEncoder) -> bool:
        """Whether this encoder holds ``other``'s token table and tokenizer rather than copies."""
        return self._words is other._words and self._tokenizer is other._tokenizer

    @staticmethod
    def _specials(path: Path) -> tuple[int, int]:
        """The ids the tokenizer wraps a single text in (``<s> A </s>``); anything else is refused."""
        tok = _read_json(path / "tokenizer.json")
        post = tok.get("post_processor") if isinstance(tok, dict) else None
        single = post.get("single") if isinstance(post, dict) else None
        try:
            first, middle, last = single  # type: ignore[misc]
            assert middle["Sequence"]["id"] == "A"
            specials = post["special_tokens"]  # type: ignore[index]
            bos, eos = (specials[end["SpecialToken"]["id"]]["ids"] for end in (first, last))
            return int(bos[0]), int(eos[0])
        except (TypeError, ValueError, KeyError, AssertionError) as exc:
            raise ValueError(f"{path}: unexpected tokenizer post-processor") from exc

    def _ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids as sentence-transformers makes them: prompt + text, wrapped, cut to the input limit."""
        limit = int(self._max_seq_length or 512) - 2
        encoded = self._tokenizer.encode_batch([self._prompt + t for t in texts], add_special_tokens=False)
        return [[self._bos, *e.ids[:limit], self._eos] for e in encoded]

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=True).ids)

    def encode(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        ids = self._ids(texts)
        if sum(len(row) for row in ids) <= SMALL_BATCH_TOKENS and _machine_busy():
            with _one_blas_thread():
                return self._encode_ids(ids, out)
        return self._encode_ids(ids, out)

    def _encode_ids(self, ids: list[list[int]], out: Array) -> Vectors:
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))  # similar lengths share a batch: little padding
        start = 0
        while start < len(order):
            end = start + 1
            while (
                end < len(order)
                and end - start < MAX_ROWS_PER_BATCH
                and (end - start + 1) * len(ids[order[end]]) <= TOKENS_PER_BATCH
            ):
                end += 1
            rows = order[start:end]
            out[rows] = self._forward([ids[i] for i in rows])
            start = end
        return normalize_rows(out)

    def _forward(self, batch: Sequence[Sequence[int]]) -> Array:
        """Mean of the last hidden states over each row's tokens (not normalised)."""
        n, length = len(batch), max(len(r) for r in batch)
        ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for i, row in enumerate(batch):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1.0
        x = self._words[ids].astype(np.float32) + self._positions[:length] + self._type0
        x = _layer_norm(x.reshape(n * length, -1), self._ln0, self._eps)
        hidden = x.shape[1]
        head = hidden // self._heads
        scale = np.float32(1 / math.sqrt(head))
        # Padding keys get -1e9: exp() makes them exactly 0, as the library's large negative does.
        bias = ((mask - 1.0) * np.float32(1e9))[:, None, None, :]
        for layer in self._layers:
            qkv = _linear(x, layer.qkv_w, layer.qkv_b).reshape(n, length, 3, self._heads, head)
            q = qkv[:, :, 0].transpose(0, 2, 1, 3)
            k = qkv[:, :, 1].transpose(0, 2, 3, 1)
            v = qkv[:, :, 2].transpose(0, 2, 1, 3)
            scores = q @ k
            scores *= scale
            scores += bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n * length, hidden)
            attended = _linear(context, layer.attn_w, layer.attn_b)
            attended += x
            x = _layer_norm(attended, layer.ln1, self._eps)
            inner = _gelu(_linear(x, layer.ffn_in_w, layer.ffn_in_b))
            out = _linear(inner, layer.ffn_out_w, layer.ffn_out_b)
            out += x
            x = _layer_norm(out, layer.ln2, self._eps)
        states = x.reshape(n, length, hidden)
        summed = (states * mask[:, :, None]).sum(axis=1)
        return summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
