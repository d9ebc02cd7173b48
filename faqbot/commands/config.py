"""``faqbot config show``: every effective setting and where it came from (secrets masked)."""

from __future__ import annotations

import argparse
import os

from chat import cli_messages as say
from chat import messages
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
    print(say.SETTINGS_FILES_HEADING)
    for label, path in settings_files():
        print(f"  {label:<24} {path.expanduser().absolute()} ({say.file_state(path.is_file())})")
    if not os.environ.get(ENV_FILE_VAR):
        print(say.env_file_unset(ENV_FILE_VAR))
    token_missing = False
    try:
        settings = build(BotSettings)
    except ConfigError as exc:
        others = [line for line in exc.lines if line != messages.TOKEN_MISSING]
        if others:  # the bad settings, without the token line: `config show` must work before setup
            raise ConfigError(others) from None
        token_missing = True
        settings = build(BotSettings, discord_token=_PLACEHOLDER_TOKEN)
    print()
    for entry in sources(BotSettings):
        value = getattr(settings, entry.field)
        shown = say.TOKEN_NOT_SET if entry.field == "discord_token" and token_missing else masked(value)
        if value in ("", None) and entry.field != "discord_token":
            shown = say.EMPTY_VALUE
        print(f"{entry.env:<28} = {shown:<30} [{entry.source}]")
    return 0
