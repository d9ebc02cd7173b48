"""Options every sub-command shares (``--db``, ``--guild``) and how they become settings."""

from __future__ import annotations

import argparse
from pathlib import Path

from faq.types import DEFAULT_SCOPE
from faqbot.settings import CoreSettings


def scope_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--db", type=Path, help="SQLite 파일 (기본: $FAQBOT_DB 또는 ~/.local/share/faqbot/faqbot.db)")
    parent.add_argument("--guild", default=DEFAULT_SCOPE, help="범위: Discord 서버 ID (기본: default)")
    parent.add_argument("--model", help="sentence-transformers 모델 경로/허브 ID (기본: $FAQBOT_MODEL 또는 내장 모델)")
    return parent


def settings_from(args: argparse.Namespace) -> CoreSettings:
    overrides: dict[str, object] = {}
    if getattr(args, "db", None):
        overrides["db"] = args.db
    if getattr(args, "model", None):
        overrides["model"] = args.model
    return CoreSettings(**overrides)
