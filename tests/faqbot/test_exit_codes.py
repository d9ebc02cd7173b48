"""Issue 15: one error table for every front end; a model that cannot load exits 1 from the CLI and
from the bot launcher alike (the README's exit codes), with the same message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import faqbot.launcher as launcher
from chat.errors import EXIT_INTERNAL
from faqbot.cli import main as cli_main
from model.encoder import EncoderLoadError

TOKEN = "MTIzNDU2Nzg5MDEy.GhIjKl.abcdefghijklmnop"  # the shape of a bot token


def test_encoder_load_error_exits_1_from_the_launcher_as_from_the_cli(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("FAQBOT_DB", str(tmp_path / "x.db"))
    broken = tmp_path / "broken-model"
    broken.mkdir()

    async def cannot_load(*_: Any, **__: Any) -> None:
        raise EncoderLoadError(f"모델을 불러올 수 없습니다: '{broken}'")

    monkeypatch.setattr(launcher, "run_bot", cannot_load)
    assert launcher.main(argv=[]) == EXIT_INTERNAL
    bot_err = capsys.readouterr().err

    assert cli_main(["ask", "--model", str(broken), "--db", str(tmp_path / "x.db"), "회비?"]) == EXIT_INTERNAL
    cli_err = capsys.readouterr().err
    for err in (bot_err, cli_err):
        assert "broken-model" in err and "FAQBOT_MODEL 설정을 확인하세요" in err and "Traceback" not in err
