"""Options every sub-command shares (``--db``, ``--guild``, ``--model``), how they become
settings, and which store and scope a command works on.

Scope choice: ``--guild SCOPE`` when given, else ``default``. A read-only command with no
``--guild`` on a database no FAQ was ever added to (a fresh machine) answers from the
bundled sample club instead, with a notice on stderr; ``--guild sample`` asks the sample
on purpose. The sample is never written to a database (:mod:`faq.seed`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from faq.errors import InvalidInput
from faq.seed import SAMPLE_SCOPE, open_sample_store
from faq.service import FaqService
from faq.store import FaqStore
from faq.types import DEFAULT_SCOPE
from faqbot.app import open_service, open_store
from faqbot.config_sources import build, check_hub_model
from faqbot.settings import CoreSettings


def scope_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--db", help="SQLite 파일 또는 postgresql://… (기본: $FAQBOT_DB 또는 ~/.local/share/faqbot/faqbot.db)"
    )
    parent.add_argument("--guild", help="범위: Discord 서버 ID (기본: default; 'sample' = 내장 예시 동아리, 읽기 전용)")
    parent.add_argument("--model", help="sentence-transformers 모델 경로/허브 ID (기본: $FAQBOT_MODEL 또는 내장 모델)")
    return parent


def bounded_int(low: int, high: int):  # type: ignore[no-untyped-def]
    """An argparse type: an integer in [low, high], else a one-line error naming the range."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"정수여야 합니다: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{low}~{high} 사이여야 합니다: {value}")
        return value

    return parse


def _flags(args: argparse.Namespace) -> dict[str, tuple[object, str]]:
    flags: dict[str, tuple[object, str]] = {}
    if getattr(args, "db", None):
        flags["db"] = (args.db, "명령줄 --db")
    if getattr(args, "model", None):
        flags["model"] = (args.model, "명령줄 --model")
    return flags


def settings_from(args: argparse.Namespace) -> CoreSettings:
    return build(CoreSettings, _flags(args))


def warn(text: str) -> None:
    print(f"경고: {text}", file=sys.stderr)


def _scope_list(counts: dict[str, int]) -> str:
    shown = ", ".join(f"{scope} ({n}개)" for scope, n in list(counts.items())[:8])
    return shown + (" …" if len(counts) > 8 else "") if shown else "없음"


@asynccontextmanager
async def scoped_store(
    args: argparse.Namespace,
    *,
    write: bool = False,
    settings: CoreSettings | None = None,
    sample_fallback: bool = True,
) -> AsyncIterator[FaqStore]:
    """The store a command works on; sets ``args.guild`` to the scope it chose."""
    settings = settings or settings_from(args)
    chosen = args.guild
    if chosen == SAMPLE_SCOPE:
        if write:
            raise InvalidInput(
                "'sample' 범위는 내장 예시 동아리라 바꿀 수 없습니다. 다른 --guild를 쓰세요 "
                "(예시를 내 범위로 복사: faqbot faq export --guild sample s.csv && faqbot faq import s.csv)"
            )
        async with _sample() as store:
            yield store
        return
    args.guild = chosen or DEFAULT_SCOPE
    async with open_store(settings.db) as store:
        if write:
            yield store
            return
        counts = await store.scope_counts()
        if sample_fallback and not counts and chosen is None and not await store.ever_held_faqs():
            print(
                f"알림: 이 데이터베이스({store.path})에 FAQ가 아직 없어 내장 예시 동아리 FAQ로 답합니다. "
                "우리 동아리 FAQ 넣기: faqbot faq import 파일.csv",
                file=sys.stderr,
            )
            args.guild = SAMPLE_SCOPE
            async with _sample() as sample:
                yield sample
            return
        if args.guild not in counts:
            warn(f"범위 {args.guild!r}에 FAQ가 없습니다 (--guild 확인; 이 DB의 범위: {_scope_list(counts)})")
        yield store


@asynccontextmanager
async def _sample() -> AsyncIterator[FaqStore]:
    store = await open_sample_store()
    try:
        yield store
    finally:
        await store.close()


@asynccontextmanager
async def scoped_service(args: argparse.Namespace, *, write: bool = False) -> AsyncIterator[FaqService]:
    settings = settings_from(args)
    check_hub_model(CoreSettings, settings.model, _flags(args))
    async with (
        scoped_store(args, write=write, settings=settings) as store,
        open_service(settings, store=store) as service,
    ):
        yield service
