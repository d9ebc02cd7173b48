from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from model.encoder import EncoderLoadError, load_encoder
from model.ensemble import MANIFEST, EnsembleEncoder
from model.fake import HashingEncoder

TEXTS = ["회비 얼마예요?", "세션은 언제 해요?", "노트북 필요해요?", "FE 파트 뭐함?"]


def test_ensemble_similarity_is_the_weighted_sum_of_cosines() -> None:
    a, b = HashingEncoder(64, tag="a"), HashingEncoder(32, tag="b")
    ens = EnsembleEncoder([(a, 0.25), (b, 0.75)])
    va, vb, ve = a.encode(TEXTS), b.encode(TEXTS), ens.encode(TEXTS)
    assert ve.shape == (4, 96) and ens.dimension == 96
    np.testing.assert_allclose(np.linalg.norm(ve, axis=1), 1.0, atol=1e-5)
    expected = 0.25 * (va @ va.T) + 0.75 * (vb @ vb.T)
    np.testing.assert_allclose(ve @ ve.T, expected, atol=1e-5)


def test_fingerprint_changes_with_parts_and_weights() -> None:
    a, b = HashingEncoder(64, tag="a"), HashingEncoder(32, tag="b")
    prints = {
        EnsembleEncoder([(a, 0.5), (b, 0.5)]).fingerprint,
        EnsembleEncoder([(a, 0.4), (b, 0.6)]).fingerprint,
        EnsembleEncoder([(a, 0.5), (HashingEncoder(32, tag="c"), 0.5)]).fingerprint,
    }
    assert len(prints) == 3


def test_input_limit_is_the_tightest_part() -> None:
    ens = EnsembleEncoder([(HashingEncoder(8, max_seq_length=128), 1), (HashingEncoder(8, max_seq_length=16), 1)])
    assert ens.max_seq_length == 16
    assert ens.count_tokens("회비 얼마") == 4


def test_bad_weights_are_refused() -> None:
    with pytest.raises(ValueError):
        EnsembleEncoder([(HashingEncoder(8), 0.0)])
    with pytest.raises(ValueError):
        EnsembleEncoder([])


def test_a_broken_manifest_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.raises(EncoderLoadError, match=MANIFEST):
        load_encoder(tmp_path)
    (tmp_path / MANIFEST).write_text(json.dumps({"parts": [{"model": "missing-dir/x"}]}), encoding="utf-8")
    with pytest.raises(EncoderLoadError):
        load_encoder(tmp_path)


def test_ensembles_alive_at_once_share_their_e5_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hot swap to a retrained ensemble must not hold e5 twice: the built-in e5 parts are shared."""
    import gc

    from model import encoder as encoder_module
    from model.encoder import DEFAULT_MODEL_DIR, resolve_model

    stand_in = tmp_path / "e5-club-stand-in"  # a small real model in the derived folder's place
    shutil.copytree(DEFAULT_MODEL_DIR, stand_in)
    monkeypatch.setattr(
        encoder_module, "resolve_model", lambda t=None: str(stand_in) if t == "e5-club" else resolve_model(t)
    )
    folders = []
    for name in ("old", "new"):
        folder = tmp_path / name
        folder.mkdir()
        parts = [{"model": "static", "weight": 0.5}, {"model": "e5-club", "weight": 0.5}]
        (folder / MANIFEST).write_text(json.dumps({"parts": parts}), encoding="utf-8")
        folders.append(folder)
    old, new = load_encoder(folders[0]), load_encoder(folders[1])
    assert old.parts[1][0] is new.parts[1][0]  # one copy of the e5 part
    assert old.parts[0][0] is not new.parts[0][0]  # the static part is small: each loads its own
    del old, new
    gc.collect()
    assert not any(key[0] == str(stand_in) for key in encoder_module._shared_parts.keys())  # freed with its ensembles
