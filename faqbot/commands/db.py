"""``faqbot db``: move, back up and restore the whole database.

faqbot db migrate --to postgresql://bot:pw@db/faq   # everything from the SQLite file (--db) into PostgreSQL
faqbot db backup /backups/faq-2025-03-01.db         # SQLite: online backup API; PostgreSQL: pg_dump
faqbot db restore /backups/faq-2025-03-01.db        # into an empty database (--force: overwrite)
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from faq.db import display_target
from faq.db.backup import backup, restore
from faq.db.copy import TABLES, copy_all, counts
from faq.errors import InvalidInput, StorageError
from faqbot.app import open_store
from faqbot.commands.common import settings_from

TABLE_NAMES = {
    "faqs": "FAQ",
    "faq_questions": "질문·대체 질문",
    "faq_passages": "답변 구절",
    "embeddings": "캐시된 벡터",
    "scope_settings": "설정",
    "queries": "질문 기록",
    "feedback": "피드백",
}


def _db_option(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--db", help=f"{what} (기본: $FAQBOT_DB 또는 ~/.local/share/faqbot/faqbot.db)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="데이터베이스 옮기기·백업·복원")
    dbsub = p.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")

    m = dbsub.add_parser(
        "migrate", help="이 데이터베이스(--db)의 모든 것을 다른 데이터베이스(--to)로 복사하고 개수 확인"
    )
    _db_option(m, "옮길 원본")
    m.add_argument(
        "--to", required=True, help="대상: postgresql://사용자:비밀번호@호스트/DB (비어 있어야 함) 또는 SQLite 파일"
    )
    m.set_defaults(func=run_migrate, model=None)

    b = dbsub.add_parser(
        "backup", help="실행 중에도 일관된 백업 파일 만들기 (SQLite: 온라인 백업, PostgreSQL: pg_dump)"
    )
    _db_option(b, "백업할 데이터베이스")
    b.add_argument("path", type=Path, help="만들 백업 파일 (이미 있으면 거부)")
    b.set_defaults(func=run_backup, model=None)

    r = dbsub.add_parser("restore", help="백업 파일을 데이터베이스(--db)로 복원 (비어 있어야 함)")
    _db_option(r, "복원할 대상")
    r.add_argument("path", type=Path, help="faqbot db backup이 만든 파일")
    r.add_argument("--force", action="store_true", help="대상에 FAQ나 기록이 있어도 덮어쓰기 (봇을 먼저 멈추세요)")
    r.set_defaults(func=run_restore, model=None)


def format_counts(found: dict[str, int]) -> str:
    return ", ".join(f"{TABLE_NAMES[t]} {found[t]}" for t in TABLES)


async def _migrate(args: argparse.Namespace) -> int:
    source_target = settings_from(args).db
    if str(source_target) == args.to:
        raise InvalidInput("원본과 대상이 같습니다")
    async with open_store(source_target) as source, open_store(args.to) as target:
        report = await copy_all(source, target)
        print(f"{display_target(source.path)} → {target.path}")
        print(f"원본: {format_counts(report.source)}")
        print(f"대상: {format_counts(report.target)}")
    if not report.matches:
        raise StorageError("옮긴 개수가 원본과 다릅니다 (위 숫자 참고)")
    print("개수 일치: 다 옮겼습니다. 이제 FAQBOT_DB를 대상 주소로 바꾸세요.")
    return 0


async def _backup(args: argparse.Namespace) -> int:
    async with open_store(settings_from(args).db) as store:
        await backup(store, args.path)
        found = await counts(store)
    print(f"백업 완료: {args.path} ({args.path.stat().st_size:,} 바이트; {format_counts(found)})")
    return 0


async def _restore(args: argparse.Namespace) -> int:
    target = str(settings_from(args).db)
    await restore(args.path, target, force=args.force)
    async with open_store(target) as store:
        found = await counts(store)
    print(f"복원 완료: {args.path} → {display_target(target)} ({format_counts(found)})")
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    return asyncio.run(_migrate(args))


def run_backup(args: argparse.Namespace) -> int:
    return asyncio.run(_backup(args))


def run_restore(args: argparse.Namespace) -> int:
    return asyncio.run(_restore(args))
