"""Settings: lookup order of settings files, `faqbot config show`, one-line errors with exit 2."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from faqbot.cli import main
from faqbot.settings import CoreSettings, evident_path, token_problem


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("FAQBOT_DB", str(tmp_path / "x.db"))
    for name in ("FAQBOT_ENV_FILE", "FAQBOT_MODEL", "FAQBOT_ANSWER_THRESHOLD", "FAQBOT_SUGGEST_THRESHOLD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    return tmp_path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "내부 오류" not in err, err
    return code, out, err


def test_settings_files_are_looked_up_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config" / "faqbot"
    config.mkdir(parents=True)
    (config / ".env").write_text("FAQBOT_ANSWER_THRESHOLD=0.7\nFAQBOT_MARGIN=0.1\nFAQBOT_LEXICAL_WEIGHT=0.2\n")
    named = tmp_path / "named.env"
    named.write_text("FAQBOT_ANSWER_THRESHOLD=0.75\nFAQBOT_MARGIN=0.12\n")
    assert CoreSettings().answer_threshold == 0.7  # run from any folder: the config folder's file
    monkeypatch.setenv("FAQBOT_ENV_FILE", str(named))
    Path(".env").write_text("FAQBOT_ANSWER_THRESHOLD=0.8\n")
    settings = CoreSettings()
    assert (settings.answer_threshold, settings.margin, settings.lexical_weight) == (0.8, 0.12, 0.2)
    monkeypatch.setenv("FAQBOT_ANSWER_THRESHOLD", "0.9")
    assert CoreSettings().answer_threshold == 0.9  # the environment beats every file


def test_config_show_prints_values_sources_and_masks_the_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "MTIzNDU2Nzg5MDEy.GaBcDe.secret-part-of-the-token-value"
    Path(".env").write_text(f"FAQBOT_MARGIN=0.1\nDISCORD_TOKEN={token}\n")
    monkeypatch.setenv("FAQBOT_COOLDOWN_S", "12")
    code, out, _ = cli(capsys, "config", "show")
    assert code == 0 and token not in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith(("FAQBOT_", "DISCORD"))}
    assert "0.1" in lines["FAQBOT_MARGIN"] and "[./.env]" in lines["FAQBOT_MARGIN"]
    assert "12.0" in lines["FAQBOT_COOLDOWN_S"] and "[환경 변수]" in lines["FAQBOT_COOLDOWN_S"]
    assert "[기본값]" in lines["FAQBOT_ANSWER_THRESHOLD"] and "설정됨" in lines["DISCORD_TOKEN"]


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"FAQBOT_ANSWER_THRESHOLD": "abc"}, "FAQBOT_ANSWER_THRESHOLD='abc' (환경 변수): 0 이상 1 이하의 숫자"),
        ({"FAQBOT_ANSWER_THRESHOLD": "60"}, "FAQBOT_ANSWER_THRESHOLD='60' (환경 변수): 0 이상 1 이하의 숫자"),
        ({"FAQBOT_SUGGEST_THRESHOLD": "0.7"}, "FAQBOT_SUGGEST_THRESHOLD='0.7' (환경 변수)이(가) FAQBOT_ANSWER"),
        ({"FAQBOT_MODEL_BACKEND": "gpu"}, "FAQBOT_MODEL_BACKEND='gpu' (환경 변수): auto, torch, onnx, onnx-int8"),
        ({"FAQBOT_ENV_FILE": "/nonexistent/faqbot.env"}, "FAQBOT_ENV_FILE='/nonexistent/faqbot.env'"),
    ],
)
def test_a_bad_setting_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, env: dict[str, str], needle: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for argv in (["ask", "회비?"], ["faq", "list"], ["config", "show"]):
        code, _, err = cli(capsys, *argv)
        assert code == 2 and needle in err and err.count("\n") == 1, err


def test_a_bad_value_in_a_settings_file_names_the_file(capsys: pytest.CaptureFixture[str]) -> None:
    Path(".env").write_text("FAQBOT_EMBED_MAX_BATCH=lots\n")
    code, _, err = cli(capsys, "faq", "list")
    assert code == 2 and "FAQBOT_EMBED_MAX_BATCH='lots' (./.env): 1 이상 1024 이하의 정수" in err


def test_a_bad_flag_value_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["eval", "--answer", "5"])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and "--answer" in err and "0~1" in err and err.count("\n") == 1


def test_a_missing_model_folder_fails_at_once_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    code, _, err = cli(capsys, "ask", "--model", "./models/nonexistent", "회비?")
    assert code == 2 and "'./models/nonexistent' (명령줄 --model): 그런 폴더가 없습니다" in err
    assert time.monotonic() - started < 1.0


def test_what_counts_as_an_evident_path(tmp_path: Path) -> None:
    (tmp_path / "work" / "models").mkdir()
    assert evident_path("./x") and evident_path("~/m") and evident_path("/srv/m") and evident_path("a/b/c")
    assert evident_path("models/club")  # "models" is a folder here
    assert not evident_path("snunlp/KR-SBERT-V40K-klueNLI-augSTS") and not evident_path("")


@pytest.mark.parametrize(
    ("token", "needle"),
    [("abc", "형식"), ("Bot MTIz.abcd.efghijklmnop", "'Bot '"), ('"MTIzNDU2Nzg5MDEy.GaBcDe.secretvalue12"', "따옴표")],
)
def test_malformed_tokens_are_caught_before_connecting(token: str, needle: str) -> None:
    problem = token_problem(token)
    assert problem is not None and needle in problem and token not in problem
    assert token_problem("MTIzNDU2Nzg5MDEy.GaBcDe.secret-part-of-the-token") is None
