"""``faqbot config show``: every effective setting and where it came from (secrets masked)."""

from __future__ import annotations

import argparse
import os

from faqbot.config_sources import ConfigError, build, masked, sources
from faqbot.settings import ENV_FILE_VAR, BotSettings, settings_files

# Shown for a missing token: `faqbot config show` must work before the bot is set up.
_PLACEHOLDER_TOKEN = "placeholder.token.value"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("config", help="설정 보기 (config show: 실제 값과 출처)")
    config_sub = p.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    show = config_sub.add_parser("show", help="모든 설정의 실제 값과 어디서 왔는지 (비밀은 가림)")
    show.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print("설정 파일 (앞의 것이 우선; 환경 변수와 명령줄 옵션은 파일보다 우선):")
    for label, path in settings_files():
        state = "있음" if path.is_file() else "없음"
        print(f"  {label:<24} {path.expanduser().absolute()} ({state})")
    if not os.environ.get(ENV_FILE_VAR):
        print(f"  ({ENV_FILE_VAR}: 설정 안 됨)")
    token_missing = False
    try:
        settings = build(BotSettings)
    except ConfigError as exc:
        others = [line for line in exc.lines if "DISCORD_TOKEN이 없습니다" not in line]
        if others:  # the bad settings, without the token line: `config show` must work before setup
            raise ConfigError(others) from None
        token_missing = True
        settings = build(BotSettings, discord_token=_PLACEHOLDER_TOKEN)
    print()
    for entry in sources(BotSettings):
        value = getattr(settings, entry.field)
        shown = "(없음: faqbot run에 필요)" if entry.field == "discord_token" and token_missing else masked(value)
        if value in ("", None) and entry.field != "discord_token":
            shown = "(비어 있음)"
        print(f"{entry.env:<28} = {shown:<30} [{entry.source}]")
    return 0
