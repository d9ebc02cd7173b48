"""`faqbot train --db` on an ensemble (the default): its static part is adapted into a new ensemble
folder, judged as a whole, published only when the whole did not get worse."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest

from faqbot.cli import main
from model import ensemble_train
from model.encoder import DEFAULT_MODEL_DIR, ENSEMBLE_DIR, load_encoder
from model.ensemble import MANIFEST, EnsembleEncoder
from model.ir_check import IRMetrics
from model.profile import PROFILE, load_profile
from model.static import StaticEncoder
from tests.faqbot.test_train_command import _db_with_feedback

pytestmark = pytest.mark.slow  # trains (seconds each, on the 5 test FAQs)


@pytest.fixture(scope="module")
def club_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("db") / "bot.db"
    asyncio.run(_db_with_feedback(db))
    return db


@pytest.fixture
def current(tmp_path: Path, minilm_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The model the bot runs now: an ensemble of the built-in static model and a transformer by path."""
    folder = tmp_path / "current"
    folder.mkdir()
    parts = {"parts": [{"model": "static", "weight": 0.5}, {"model": str(minilm_path), "weight": 0.5}]}
    (folder / MANIFEST).write_text(json.dumps(parts), encoding="utf-8")
    (folder / PROFILE).write_text((ENSEMBLE_DIR / PROFILE).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FAQBOT_MODEL", str(folder))
    return folder


def train(club_db: Path, out: Path, *extra: str) -> int:
    return main(["train", "--db", str(club_db), "--guild", "g1", "-o", str(out), "--no-progress", *extra])


def test_db_alone_adapts_the_current_ensemble(  # type: ignore[no-untyped-def]
    club_db: Path, current: Path, minilm_path: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "club"
    assert train(club_db, out) == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert "before:" in printed and "after :" in printed and printed.count("(whole ensemble)") == 2
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    # the static part adapted inside the folder; the transformer named by its path, never copied
    assert [p["model"] for p in manifest["parts"]] == [ensemble_train.ADAPTED, str(minilm_path)]
    assert (out / PROFILE).read_bytes() == (current / PROFILE).read_bytes()
    assert sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) < 20 * 2**20
    report = json.loads((out / "train_report.json").read_text(encoding="utf-8"))
    assert report["before"]["queries"] == report["after"]["queries"] == report["part"]["before"]["queries"] > 0
    assert str(tmp_path) not in json.dumps(report)  # no machine paths
    new, old = load_encoder(out), load_encoder(current)
    assert isinstance(new, EnsembleEncoder) and isinstance(new.parts[0][0], StaticEncoder)
    assert new.fingerprint != old.fingerprint  # the bot re-encodes its FAQs with the new model
    assert new.parts[1][0].fingerprint == old.parts[1][0].fingerprint
    assert load_profile(out) == load_profile(current)


def test_a_worse_ensemble_is_not_published_and_the_old_folder_stays(
    club_db: Path, current: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "club"
    out.mkdir()
    (out / "keep.txt").write_text("old model", encoding="utf-8")
    real = ensemble_train.dense_metrics
    calls: list[IRMetrics | None] = []

    def worse_after(*args, **kwargs):  # type: ignore[no-untyped-def]
        m = real(*args, **kwargs)
        calls.append(m)
        return m if len(calls) == 1 else IRMetrics(0.0, 0.0, 0.0, 0.0, m.queries, m.corpus)

    monkeypatch.setattr(ensemble_train, "dense_metrics", worse_after)
    assert train(club_db, out, "--max-steps", "1") == 1
    err = capsys.readouterr().err
    assert "모델을 저장하지 않았습니다" in err and "앙상블 전체" in err and "이전 모델을 그대로 둡니다" in err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert not list(tmp_path.glob(".club.tmp-*"))  # no staging left behind


def test_a_non_finite_ensemble_is_never_published(
    club_db: Path, current: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    real = ensemble_train.dense_metrics
    calls: list[int] = []

    def nan_after(*args, **kwargs):  # type: ignore[no-untyped-def]
        m = real(*args, **kwargs)
        calls.append(1)
        return m if len(calls) == 1 else IRMetrics(float("nan"), 0.0, float("nan"), 0.0, m.queries, m.corpus)

    monkeypatch.setattr(ensemble_train, "dense_metrics", nan_after)
    assert train(club_db, tmp_path / "club", "--max-steps", "1", "--allow-worse") == 1
    assert "NaN" in capsys.readouterr().err and not (tmp_path / "club").exists()


def test_an_ensemble_without_a_static_part_is_one_clear_line(
    club_db: Path, tmp_path: Path, minilm_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "only-transformer"
    folder.mkdir()
    (folder / MANIFEST).write_text(json.dumps({"parts": [{"model": str(minilm_path), "weight": 1}]}))
    monkeypatch.setenv("FAQBOT_MODEL", str(folder))
    assert train(club_db, tmp_path / "club") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("오류:") and "정적(static)" in err


def test_dense_metrics_agree_with_the_trainers_evaluator() -> None:
    from sentence_transformers import SentenceTransformer

    from model.ir_check import ir_evaluate, ir_inputs
    from model.training_data import load_club_faq_groups

    groups = load_club_faq_groups()[:20]
    queries, corpus, relevant = ir_inputs(groups, list(range(0, 20, 3)))
    ours = ensemble_train.dense_metrics(load_encoder("static"), queries, corpus, relevant)
    theirs = ir_evaluate(SentenceTransformer(str(DEFAULT_MODEL_DIR), device="cpu"), queries, corpus, relevant)
    assert ours is not None and theirs is not None
    for field in ("accuracy_at_1", "accuracy_at_3", "mrr_at_10", "ndcg_at_10"):
        assert np.isclose(getattr(ours, field), getattr(theirs, field), atol=1e-6), field


def test_the_default_is_adapted_without_copying_e5(
    first_use, club_db: Path, tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FAQBOT_CACHE_DIR", str(first_use.cache))
    monkeypatch.delenv("FAQBOT_MODEL", raising=False)  # the shipped default: the built-in ensemble
    out = tmp_path / "club"
    assert train(club_db, out, "--max-steps", "2", "--allow-worse") == 0, capsys.readouterr().err
    parts = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["parts"]
    shipped = json.loads((ENSEMBLE_DIR / MANIFEST).read_text(encoding="utf-8"))["parts"]
    assert shipped[0]["model"] == "static" and shipped[1]["model"] == "e5-club"
    # The static part is replaced by the adapted one; the weights and the named e5 part stay.
    assert parts == [{"model": ensemble_train.ADAPTED, "weight": shipped[0]["weight"]}, shipped[1]]
    assert sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) < 20 * 2**20  # e5 stays in the cache
    assert load_profile(out) == load_profile(ENSEMBLE_DIR)
    assert isinstance(load_encoder(out), EnsembleEncoder)
