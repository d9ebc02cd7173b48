"""The torch-free BERT forward gives sentence-transformers' vectors (the e5 part of the default runs on it)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from model.numpy_bert import NumpyBertEncoder, bert_folder

TEXTS = [
    "회비는 얼마인가요?",
    "How much is the membership fee?",
    "  앞뒤에 공백이 있는 질문  ",
    "",
    "세션몇시에끝나? ㅠㅠ 😂",
    "회비 " * 400,  # longer than the input limit: cut as the library cuts it
    "FE 파트랑 BE 파트 차이가 뭐예요",
]


def _library_vectors(folder: Path, texts: list[str]) -> np.ndarray:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(folder), device="cpu")
    return model.encode(texts, normalize_embeddings=True, convert_to_numpy=True), model


def _check_parity(folder: Path) -> None:
    ours = NumpyBertEncoder(folder, fingerprint="x", name=str(folder))
    vectors = ours.encode(TEXTS)
    reference, model = _library_vectors(folder, TEXTS)
    assert vectors.dtype == np.float32 and vectors.shape == reference.shape
    assert np.abs(vectors - reference).max() < 1e-5
    assert ((vectors * reference).sum(axis=1)).min() > 0.99999
    # one at a time == in a batch of mixed lengths (padding never leaks into a row)
    alone = np.stack([ours.encode([t])[0] for t in TEXTS])
    assert np.abs(alone - vectors).max() < 1e-5
    for text in TEXTS[:3]:
        assert ours.count_tokens(text) == len(model.tokenizer(text, add_special_tokens=True)["input_ids"])
    assert ours.encode([]).shape == (0, ours.dimension)
    assert ours.max_seq_length == model.max_seq_length


def test_matches_the_library_on_a_bert_folder(minilm_path: Path) -> None:
    assert bert_folder(minilm_path) is not None
    _check_parity(minilm_path)


@pytest.mark.slow
def test_matches_the_library_on_the_derived_e5_club(first_use, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from model.e5_club import club_model_dir
    from model.encoder import load_encoder

    monkeypatch.setenv("FAQBOT_CACHE_DIR", str(first_use.cache))
    folder = club_model_dir()
    _check_parity(folder)
    assert isinstance(load_encoder("e5-club", backend="torch"), NumpyBertEncoder)  # what the default's e5 part runs on


def test_only_bert_mean_pooling_folders_qualify(minilm_path: Path, tmp_path: Path) -> None:
    from model.encoder import DEFAULT_MODEL_DIR

    assert bert_folder(DEFAULT_MODEL_DIR) is None  # static
    cls = tmp_path / "cls"
    shutil.copytree(minilm_path, cls)
    pooling = cls / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text(encoding="utf-8"))
    pooling.write_text(json.dumps({**config, "pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}))
    assert bert_folder(cls) is None
    pooling.write_text(json.dumps({"pooling_mode": "mean", "include_prompt": False}))
    assert bert_folder(cls) is None  # the prompt would have to be left out of the mean


def test_other_bert_folders_keep_the_library(minilm_path: Path) -> None:
    from model.encoder import SentenceTransformerEncoder, load_encoder

    assert isinstance(load_encoder(minilm_path), SentenceTransformerEncoder)  # not derived here: not verified


@pytest.mark.parametrize("rows", [1, 14, 23, 40, 41, 75, 76, 300])
def test_blocked_products_equal_one_product(rows: int) -> None:
    """A lone question's products run in column blocks (model.numpy_bert._linear); any row count gives x @ w.T + b."""
    from model.numpy_bert import _linear

    rng = np.random.default_rng(rows)
    for inner, outputs in ((384, 1152), (384, 384), (384, 1536), (1536, 384), (100, 50)):
        x = rng.standard_normal((rows, inner), dtype=np.float32)
        weight = rng.standard_normal((outputs, inner), dtype=np.float32)
        bias = rng.standard_normal(outputs, dtype=np.float32)
        expected = x.astype(np.float64) @ weight.T.astype(np.float64) + bias
        got = _linear(x, weight, bias)
        assert got.dtype == np.float32 and got.shape == (rows, outputs)
        assert np.abs(got - expected).max() < 1e-3 * np.abs(expected).max()


def test_gelu_is_the_exact_erf_gelu() -> None:
    import math

    from model.numpy_bert import _gelu

    x = np.concatenate([np.linspace(-12, 12, 4801), [0.0, -0.0, 1e-8, -1e-8, 40.0, -40.0]]).astype(np.float32)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.astype(np.float64)])
    got = _gelu(x.reshape(1, -1).copy()).ravel()
    assert got.dtype == np.float32
    assert np.abs(got - exact).max() < 2e-6
    assert (got[x <= -10] <= 0).all() and np.allclose(got[x >= 10], x[x >= 10])
