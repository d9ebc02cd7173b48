"""``faqbot run``: start the Discord bot (settings from the environment and ``.env``)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="디스코드 봇 실행 (DISCORD_TOKEN 필요)")
    from faqbot.launcher import add_run_arguments

    add_run_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from faqbot.launcher import main

    return main(args)
