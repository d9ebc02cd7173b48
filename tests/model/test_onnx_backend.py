"""ONNX Runtime backend of load_encoder, on a tiny random BERT built locally."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from model.encoder import EncoderLoadError, load_encoder
from model.shaped import build_shaped_model

pytestmark = pytest.mark.slow

TINY = {"num_hidden_layers": 2, "hidden_size": 32, "num_attention_heads": 2, "intermediate_size": 64}
TEXTS = ["회비는 얼마인가요?", "세션", "비전공자도 지원할 수 있나요? 컴공 아니어도 돼요?", "FE 파트 뭐해요?"]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_shaped_model(tmp_path_factory.mktemp("shaped"), shape=TINY, name="tiny")


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # exports never land in $HOME


def test_onnx_matches_torch_and_fingerprints_differ(tiny_model: Path) -> None:
    torch_enc = load_encoder(tiny_model)  # positional, backend defaults to torch
    onnx_enc = load_encoder(tiny_model, backend="onnx")
    int8_enc = load_encoder(tiny_model, backend="onnx-int8")
    fingerprints = {torch_enc.fingerprint, onnx_enc.fingerprint, int8_enc.fingerprint}
    assert len(fingerprints) == 3
    assert onnx_enc.fingerprint == f"{torch_enc.fingerprint}:onnx"
    assert int8_enc.fingerprint.endswith(":onnx-int8")
    reference = torch_enc.encode(TEXTS)
    for enc, tolerance in ((onnx_enc, 1e-4), (int8_enc, 0.2)):
        assert enc.dimension == torch_enc.dimension
        assert enc.max_seq_length == torch_enc.max_seq_length
        vectors = enc.encode(TEXTS)
        assert vectors.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
        assert np.abs(vectors - reference).max() < tolerance
        # Padding must not leak into a row: alone == in a batch of different lengths.
        np.testing.assert_allclose(enc.encode(TEXTS[2:3])[0], vectors[2], atol=1e-4)
    assert onnx_enc.count_tokens(TEXTS[0]) == torch_enc.count_tokens(TEXTS[0])
    assert onnx_enc.encode([]).shape == (0, torch_enc.dimension)


def test_auto_prefers_onnx_when_installed(tiny_model: Path) -> None:
    assert load_encoder(tiny_model, backend="auto").fingerprint.endswith(":onnx")


def test_unknown_backend_is_refused(tiny_model: Path) -> None:
    with pytest.raises(EncoderLoadError, match="백엔드"):
        load_encoder(tiny_model, backend="tensorrt")


def test_static_model_ignores_the_backend() -> None:
    plain = load_encoder("static")
    assert load_encoder("static", backend="onnx").fingerprint == plain.fingerprint
