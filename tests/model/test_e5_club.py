"""The club-tuned e5 ships as a delta and is rebuilt bit-identically, checksum-verified."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from model import e5_club
from model.e5_wheel import WheelError


def _weights(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "embeddings.word_embeddings.weight": rng.standard_normal((50, 8)).astype(np.float16).astype(np.float32),
        "embeddings.position_embeddings.weight": rng.standard_normal((16, 8)).astype(np.float32),
        "encoder.layer.0.attention.self.query.weight": rng.standard_normal((8, 8)).astype(np.float32),
        "encoder.layer.0.attention.self.query.bias": rng.standard_normal(8).astype(np.float32),
        "pooler.dense.weight": np.zeros((8, 8), np.float32),
    }


def test_delta_round_trip_keeps_embeddings_and_small_tensors_exact() -> None:
    rng = np.random.default_rng(0)
    base = _weights(rng)
    tuned = {k: v.copy() for k, v in base.items()}
    step = 0.01 * rng.standard_normal((8, 8)).astype(np.float32)
    tuned["encoder.layer.0.attention.self.query.weight"] += step
    tuned["embeddings.position_embeddings.weight"] += 0.5
    delta = e5_club.make_delta(tuned, base)
    assert "embeddings.word_embeddings.weight" not in delta  # the wheel's, never shipped
    assert delta["encoder.layer.0.attention.self.query.weight.q"].dtype == np.int8
    rebuilt = e5_club.apply_delta(base, delta)
    name = "encoder.layer.0.attention.self.query.weight"
    err = np.abs(rebuilt[name] - tuned[name]).max(axis=1)
    assert (err <= delta[f"{name}.scale"] * 0.5 + 1e-7).all()  # int8 rounding only
    assert np.array_equal(
        rebuilt["embeddings.position_embeddings.weight"], tuned["embeddings.position_embeddings.weight"]
    )
    assert np.array_equal(rebuilt["embeddings.word_embeddings.weight"], base["embeddings.word_embeddings.weight"])


def test_changed_token_embeddings_are_refused() -> None:
    rng = np.random.default_rng(1)
    base = _weights(rng)
    tuned = {k: v + 1 for k, v in base.items()}
    with pytest.raises(ValueError, match="freeze_word_embeddings"):
        e5_club.make_delta(tuned, base)


@pytest.fixture(scope="module")
def cache(first_use) -> Path:  # type: ignore[no-untyped-def]
    """The cache the default's first use filled from empty: base + committed delta, both sha256-checked."""
    return first_use.cache


@pytest.mark.slow
def test_committed_delta_rebuilds_the_checksummed_model(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from model.encoder import load_encoder

    monkeypatch.setenv("FAQBOT_CACHE_DIR", str(cache))
    folder = e5_club.club_model_dir()
    assert (folder / ".verified").exists()
    assert e5_club.DELTA_FILE.stat().st_size < 30 * 2**20  # the repository's budget per model version
    enc = load_encoder(str(folder))
    vecs = enc.encode(["회비 얼마예요?", "회비는 얼마인가요?", "노트북 꼭 있어야 하나요?"])
    assert np.isfinite(vecs).all() and vecs.shape == (3, 384)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2]


def test_tampered_delta_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    delta = tmp_path / "delta.safetensors"
    shutil.copy2(e5_club.DELTA_FILE, delta)
    with delta.open("r+b") as fh:
        fh.seek(-1, 2)
        last = fh.read(1)
        fh.seek(-1, 2)
        fh.write(bytes([last[0] ^ 0xFF]))
    manifest = tmp_path / "manifest.json"
    manifest.write_text(e5_club.MANIFEST.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(e5_club, "DELTA_FILE", delta)
    monkeypatch.setattr(e5_club, "MANIFEST", manifest)
    monkeypatch.setenv("FAQBOT_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(WheelError, match="체크섬"):
        e5_club.club_model_dir()
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").glob("e5-club-*"))
    assert json.loads(manifest.read_text())["delta.safetensors"]


def test_write_manifest_checks_a_delta_made_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A delta trained on another machine (a GPU box) gets its checksums from this machine's base."""
    from safetensors.numpy import save_file

    from model.e5_wheel import file_sha256

    rng = np.random.default_rng(2)
    base = _weights(rng)
    base_dir = tmp_path / "base"
    base_dir.mkdir()
    save_file({k: v.astype(np.float16) for k, v in base.items()}, str(base_dir / "model.safetensors"))
    (base_dir / "config.json").write_text("{}", encoding="utf-8")
    tuned = {k: v.astype(np.float16).astype(np.float32) for k, v in base.items()}
    tuned["encoder.layer.0.attention.self.query.weight"] += 0.02
    tuned_dir = tmp_path / "tuned"
    tuned_dir.mkdir()
    save_file(tuned, str(tuned_dir / "model.safetensors"))
    delta_file = e5_club.write_delta(tuned_dir, tmp_path / "out" / "delta.safetensors", base_dir)
    monkeypatch.setattr(e5_club, "MANIFEST", tmp_path / "out" / "manifest.json")
    manifest = e5_club.write_manifest(delta_file, base_dir)
    assert json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8")) == manifest
    assert manifest["delta.safetensors"] == file_sha256(delta_file)
    rebuilt = e5_club._rebuild(tmp_path / "rebuilt", base_dir, delta_file)
    assert manifest["model.safetensors"] == file_sha256(rebuilt / "model.safetensors")


def test_second_round_keeps_the_clubs_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(e5_club, "base_model_dir", lambda: tmp_path / "base")
    cfg = e5_club.continue_config(tmp_path / "round1", tmp_path / "round2")
    assert cfg.base == str(tmp_path / "round1")
    assert cfg.club_batches and len(cfg.faq_group_clubs) == len(cfg.faq_groups)
    assert cfg.pairs_csv == () and cfg.eval_queries == ()  # the held-out set is never scored while training
    assert (cfg.epochs, cfg.learning_rate, cfg.freeze_word_embeddings) == (3.0, 1e-4, True)


def test_a_round_over_named_clubs_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(e5_club, "base_model_dir", lambda: tmp_path / "base")
    every = e5_club.continue_config(tmp_path / "r1", tmp_path / "r2")
    two = sorted({c for c in every.faq_group_clubs if c})[:2]
    cfg = e5_club.continue_config(tmp_path / "r1", tmp_path / "r2", clubs=[two[0], two[1].removeprefix("train_")])
    assert set(cfg.faq_group_clubs) == set(two)  # the bundled club too only when named
    assert len(cfg.faq_groups) == sum(c in two for c in every.faq_group_clubs)
    assert cfg.command.endswith(f"--clubs {two[0]} {two[1].removeprefix('train_')}")
    with_bundled = e5_club.continue_config(tmp_path / "r1", tmp_path / "r2", clubs=["bundled"])
    assert set(with_bundled.faq_group_clubs) == {""}
    with pytest.raises(ValueError, match="no such training club: nosuch"):
        e5_club.continue_config(tmp_path / "r1", tmp_path / "r2", clubs=["nosuch"])


def test_an_unknown_club_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert e5_club.main(["continue", str(tmp_path / "r1"), "-o", str(tmp_path / "r2"), "--clubs", "nosuch"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == "오류: no such training club: nosuch" and not (tmp_path / "r2").exists()
