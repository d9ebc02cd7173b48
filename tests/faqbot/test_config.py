"""Settings: lookup order of settings files, `faqbot config show`, one-line errors with exit 2."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from faqbot.cli import main
from faqbot.launcher import main as run_main
from faqbot.settings import BotSettings, CoreSettings, evident_path, token_problem
from faqbot.sharding import ShardIdsError, ShardPlan, parse_shard_ids


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("FAQBOT_DB", str(tmp_path / "x.db"))
    for name in (
        "FAQBOT_ENV_FILE",
        "FAQBOT_MODEL",
        "FAQBOT_ANSWER_THRESHOLD",
        "FAQBOT_SUGGEST_THRESHOLD",
        "FAQBOT_SHARD_COUNT",
        "FAQBOT_SHARD_IDS",
    ):
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


def test_env_example_copied_as_it_is_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    """`cp .env.example .env` plus a token: its empty lines (FAQBOT_DEV_GUILD=, FAQBOT_SHARD_COUNT=) mean unset."""
    text = (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8")
    token = "MTIzNDU2Nzg5MDEy.GaBcDe.secret-part-of-the-token-value"
    Path(".env").write_text(text.replace("\nDISCORD_TOKEN=\n", f"\nDISCORD_TOKEN={token}\n"), encoding="utf-8")
    code, out, _ = cli(capsys, "config", "show")
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("FAQBOT_")}
    assert code == 0 and "[./.env]" in lines["FAQBOT_DEV_GUILD"] and "[./.env]" in lines["FAQBOT_SHARD_IDS"]


# ---- sharding: FAQBOT_SHARD_COUNT / FAQBOT_SHARD_IDS ------------------------------------------------


def bot_settings(**values: object) -> BotSettings:
    return BotSettings(_env_file=None, discord_token="x", **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "ids"),
    [("0,1", (0, 1)), ("0-1", (0, 1)), (" 2 - 4 , 7", (2, 3, 4, 7)), ("3", (3,)), ("5,1", (5, 1))],
)
def test_shard_ids_are_lists_and_ranges(text: str, ids: tuple[int, ...]) -> None:
    assert parse_shard_ids(text) == ids


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("0,,1", "''"),
        ("a", "'a'"),
        ("-1", "'-1'"),
        ("3-1", "거꾸로"),
        ("0,0-1", "두 번"),
        ("0-999999999", "너무 큽니다"),
    ],
)
def test_unreadable_shard_ids_say_why(text: str, needle: str) -> None:
    with pytest.raises(ShardIdsError, match=needle):
        parse_shard_ids(text)


def test_sharding_plans() -> None:
    assert bot_settings().sharding() is None  # unset: today's one connection
    assert bot_settings(shard_count=4).sharding() == ShardPlan(4, (0, 1, 2, 3))  # the count alone: all here
    assert bot_settings(shard_count="4", shard_ids="2-3").sharding() == ShardPlan(4, (2, 3))
    assert bot_settings(shard_count="", shard_ids="").sharding() is None  # empty lines in .env.example


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"FAQBOT_SHARD_COUNT": "0"}, "FAQBOT_SHARD_COUNT='0' (환경 변수): 1 이상 16384 이하의 정수"),
        ({"FAQBOT_SHARD_COUNT": "many"}, "FAQBOT_SHARD_COUNT='many' (환경 변수): 1 이상 16384 이하의 정수"),
        (
            {"FAQBOT_SHARD_COUNT": "99999999999"},
            "FAQBOT_SHARD_COUNT='99999999999' (환경 변수): 1 이상 16384 이하의 정수",
        ),
        ({"FAQBOT_SHARD_IDS": "0,1"}, "FAQBOT_SHARD_IDS='0,1' (환경 변수): FAQBOT_SHARD_COUNT(전체 샤드 수) 없이는"),
        (
            {"FAQBOT_SHARD_COUNT": "4", "FAQBOT_SHARD_IDS": "2-4"},
            "FAQBOT_SHARD_IDS='2-4' (환경 변수): 샤드 4은(는) 없습니다: 번호는 0부터 3까지입니다 "
            "(FAQBOT_SHARD_COUNT='4', 환경 변수)",
        ),
        (
            {"FAQBOT_SHARD_COUNT": "4", "FAQBOT_SHARD_IDS": "1,1"},
            "FAQBOT_SHARD_IDS='1,1' (환경 변수): 샤드 1이(가) 두 번",
        ),
        (
            {"FAQBOT_SHARD_COUNT": "4", "FAQBOT_SHARD_IDS": "0;1"},
            "FAQBOT_SHARD_IDS='0;1' (환경 변수): '0;1'을(를) 읽을",
        ),
    ],
)
def test_a_bad_shard_setting_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, env: dict[str, str], needle: str
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "MTIzNDU2Nzg5MDEy.GaBcDe.secret-part-of-the-token-value")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, _, err = cli(capsys, "config", "show")
    assert code == 2 and needle in err and err.count("\n") == 1, err
    assert run_main(argv=[]) == 2  # `faqbot run` refuses before connecting, with the same line
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1, err


def test_a_shard_range_error_names_the_file_the_count_came_from(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    Path(".env").write_text("FAQBOT_SHARD_COUNT=2\n")
    monkeypatch.setenv("FAQBOT_SHARD_IDS", "1-2")
    code, _, err = cli(capsys, "config", "show")
    assert code == 2 and "FAQBOT_SHARD_IDS='1-2' (환경 변수): 샤드 2은(는) 없습니다" in err
    assert "(FAQBOT_SHARD_COUNT='2', ./.env)" in err


def test_config_show_prints_the_shards(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    Path(".env").write_text("FAQBOT_SHARD_COUNT=4\nFAQBOT_SHARD_IDS=0-1\n")
    code, out, _ = cli(capsys, "config", "show")
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("FAQBOT_")}
    assert code == 0
    assert lines["FAQBOT_SHARD_COUNT"].split()[2] == "4" and "[./.env]" in lines["FAQBOT_SHARD_COUNT"]
    assert lines["FAQBOT_SHARD_IDS"].split()[2] == "0,1" and "[./.env]" in lines["FAQBOT_SHARD_IDS"]


@pytest.mark.parametrize("name", ["static", "ensemble", "e5", "e5-club"])
def test_builtin_model_names_are_never_checked_against_the_hub(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without HF_HUB_OFFLINE (a new user's shell) a built-in name must not be taken for a hub id.
    from faqbot.config_sources import check_hub_model
    from faqbot.settings import CoreSettings

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("FAQBOT_MODEL", name)

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("asked the hub about a built-in model")

    monkeypatch.setattr("huggingface_hub.HfApi.model_info", no_network)
    monkeypatch.setattr("huggingface_hub.try_to_load_from_cache", no_network)
    check_hub_model(CoreSettings, name)  # no ConfigError, no hub call
