"""Bot settings: required token with a clear message, no token leaks, .env.example complete."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from faqbot.launcher import load_settings, main, settings_problem
from faqbot.settings import BotSettings, CoreSettings

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "MTIzNDU2Nzg5.secret-token-value.abcdef"


def env_name(name: str) -> str:
    return "DISCORD_TOKEN" if name == "discord_token" else f"FAQBOT_{name.upper()}"


def test_env_example_lists_every_setting() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?\s*([A-Z_]+)=", text, flags=re.MULTILINE))
    fields = set(CoreSettings.model_fields) | set(BotSettings.model_fields)
    assert {env_name(f) for f in fields} <= listed
    for name in listed:  # each one has a comment line right above it
        before = text.split(f"{name}=")[0].rstrip("#").rstrip().splitlines()
        assert before and before[-1].startswith("#"), name


def test_missing_token_is_a_clear_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("FAQBOT_DISCORD_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    with pytest.raises(ValidationError) as info:
        load_settings()
    assert "DISCORD_TOKEN이 없습니다" in settings_problem(info.value)


def test_run_without_token_exits_2_without_traceback(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "FAQBOT_DB": str(tmp_path / "x.db")}
    proc = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "DISCORD_TOKEN" in proc.stderr and "Traceback" not in proc.stderr


def test_token_never_in_repr_dump_or_errors(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    settings = BotSettings(_env_file=None)  # type: ignore[call-arg]
    assert settings.discord_token.get_secret_value() == TOKEN
    for text in (repr(settings), str(settings), str(settings.model_dump()), settings.model_dump_json()):
        assert TOKEN not in text
    monkeypatch.setenv("FAQBOT_COOLDOWN_S", "not-a-number")
    with pytest.raises(ValidationError) as info:
        BotSettings(_env_file=None)  # type: ignore[call-arg]
    assert TOKEN not in settings_problem(info.value)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("settings: %s", settings)
    assert TOKEN not in caplog.text


def test_bad_value_is_reported_per_field(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("FAQBOT_LOG_LEVEL", "LOUD")
    monkeypatch.chdir(ROOT / "tests")
    assert main(argv=[]) == 2
    err = capsys.readouterr().err
    assert "FAQBOT_LOG_LEVEL='LOUD' (환경 변수)" in err and "DEBUG, INFO" in err and TOKEN not in err
    assert err.count("\n") == 1  # one line per bad setting


def test_dm_scope_defaults_to_bundled_faqs() -> None:
    assert BotSettings(_env_file=None, discord_token="x").dm_scope() == "default"  # type: ignore[call-arg]
    assert BotSettings(_env_file=None, discord_token="x", dm_guild="42").dm_scope() == "42"  # type: ignore[call-arg]
