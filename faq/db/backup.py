"""Backups of a live database and their restore: SQLite's online backup API, pg_dump/pg_restore.

- SQLite: :meth:`sqlite3.Connection.backup` copies the live file page by page under the store's
  lock (a consistent copy; a running bot only waits for it). The backup is itself a SQLite file.
- PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot, writers keep going) and
  ``pg_restore --single-transaction`` into an empty database (``--force``: ``--clean`` first).
  A password in the URL is handed over in ``PGPASSWORD``, not on the command line.

A backup of one engine restores only into the same engine; ``faqbot db migrate`` moves between them.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from faq.db import is_postgres
from faq.db.pg_schema import faqbot_tables
from faq.errors import InvalidInput, StorageError
from faq.store import FaqStore

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


def find_tool(name: str) -> str:
    """``pg_dump``/``pg_restore``: PATH first, then Debian's versioned folders (newest)."""
    if found := shutil.which(name):
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(Path(p).parts[-3]))
    if candidates:
        return candidates[-1]
    raise StorageError(f"{name}이(가) 없습니다: PostgreSQL 클라이언트를 설치하세요 (apt-get install postgresql-client)")


def libpq_url(url: str) -> tuple[str, dict[str, str]]:
    """``url`` without its password, and the environment that carries it."""
    parts = urlsplit(url)
    env: dict[str, str] = {}
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
        user = parts.username or ""
        host = parts.hostname or ""
        netloc = f"{user}@" if user else ""
        netloc += f"[{host}]" if ":" in host else host
        netloc += f":{parts.port}" if parts.port else ""
        url = urlunsplit(parts._replace(netloc=netloc))
    return url.replace("postgres://", "postgresql://", 1), env


async def _run_tool(*argv: str, env: dict[str, str]) -> None:
    proc = await asyncio.create_subprocess_exec(
        *argv,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await proc.communicate()
    if proc.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines() or ["(no message)"]
        first = next((line for line in lines if "error" in line.lower()), lines[-1])
        raise StorageError(f"{Path(argv[0]).name} 실패 (종료 코드 {proc.returncode}): {first}")


async def backup(store: FaqStore, path: Path) -> None:
    """A consistent copy of ``store``'s database at ``path`` (refuses to overwrite a file)."""
    if path.exists():
        raise InvalidInput(f"이미 있는 파일입니다: {path} (다른 이름을 쓰거나 먼저 지우세요)")
    path.parent.mkdir(parents=True, exist_ok=True)
    if store.engine == "sqlite":
        await store.db.backup_to(path)  # type: ignore[attr-defined]
        return
    url, env = libpq_url(store.db.dsn)  # type: ignore[attr-defined]
    await _run_tool(find_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={path}", url, env=env)


def backup_engine(path: Path) -> str:
    if not path.is_file():
        raise InvalidInput(f"백업 파일이 없습니다: {path}")
    with path.open("rb") as f:
        head = f.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise InvalidInput(f"faqbot 백업 파일이 아닙니다 (SQLite 파일도 pg_dump 파일도 아님): {path}")


async def restore(path: Path, target: str, *, force: bool = False) -> None:
    """Put the backup ``path`` into the database ``target`` (empty, unless ``force``)."""
    engine = backup_engine(path)
    target_engine = "postgresql" if is_postgres(target) else "sqlite"
    if engine != target_engine:
        raise InvalidInput(
            f"{engine} 백업은 {engine} 데이터베이스로만 복원할 수 있습니다 "
            "(엔진을 바꾸려면 복원한 뒤 faqbot db migrate --to …)"
        )
    if not force:
        await _refuse_non_empty(target)
    if engine == "sqlite":
        await asyncio.to_thread(_sqlite_restore, path, Path(target))
    else:
        url, env = libpq_url(target)
        argv = [find_tool("pg_restore"), "--no-owner", "--single-transaction", "--exit-on-error", f"--dbname={url}"]
        if force:
            argv += ["--clean", "--if-exists"]
        await _run_tool(*argv, str(path), env=env)
    store = await FaqStore.open(target)  # upgrades a backup made by an older faqbot
    await store.close()


async def _refuse_non_empty(target: str) -> None:
    if not is_postgres(target) and not Path(target).exists():
        return
    store = await FaqStore.open(target)
    try:
        faqs = sum((await store.scope_counts()).values())
        async with store.reading() as conn, conn.execute("SELECT COUNT(*) FROM queries") as cur:
            queries = int((await cur.fetchone())[0])
        if faqs or queries:
            raise InvalidInput(
                f"복원할 데이터베이스가 비어 있지 않습니다 (FAQ {faqs}개, 질문 기록 {queries}개): "
                "덮어쓰려면 --force (봇을 먼저 멈추세요)"
            )
    finally:
        await store.close()
    if is_postgres(target):  # an empty faqbot schema: pg_restore needs it gone
        await _drop_faqbot_schema(target)


async def _drop_faqbot_schema(target: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(target)
    try:
        async with conn.transaction():
            for table in faqbot_tables():
                await conn.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
            await conn.execute("DROP FUNCTION IF EXISTS faqbot_scope_changed() CASCADE")
            await conn.execute("DROP SEQUENCE IF EXISTS scope_changes_counter")
    finally:
        await conn.close()


def _sqlite_restore(path: Path, target: Path) -> None:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "faqs" not in tables:
            raise InvalidInput(f"faqbot 데이터베이스 백업이 아닙니다 (faqs 표가 없음): {path}")
        target.parent.mkdir(parents=True, exist_ok=True)
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)  # page by page, replacing the target's content in one go
        finally:
            dest.close()
    finally:
        source.close()


__all__ = ["backup", "backup_engine", "find_tool", "libpq_url", "restore"]
