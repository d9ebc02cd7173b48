"""SQLite engine: one long-lived aiosqlite connection behind one lock.

The connection is shared, and SQLite transactions are per connection, so two coroutines
must not interleave statements inside one transaction: all access goes through the lock.
Every multi-row change is one ``BEGIN IMMEDIATE … COMMIT``; an exception rolls it back.
The schema version lives in ``PRAGMA user_version``.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from faq.errors import StorageError
from faq.schema import SCHEMA_VERSION, STEPS

log = logging.getLogger(__name__)


def split_statements(script: str) -> list[str]:
    """The statements of ``script``; a trigger's ``BEGIN … END;`` body stays one statement."""
    statements: list[str] = []
    pending = ""
    for part in script.split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n\t;"):
                statements.append(pending.strip())
            pending = ""
    if pending.strip(" \n\t;"):
        statements.append(pending.strip())
    return statements


def newer_schema_error(version: int) -> StorageError:
    return StorageError(
        f"데이터베이스 스키마 버전 {version}이(가) 이 프로그램({SCHEMA_VERSION})보다 새롭습니다. "
        "faqbot을 업데이트하세요."
    )


class SqliteDatabase:
    engine = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path
        self.label = path
        self.created = False

    @classmethod
    async def open(cls, path: str | Path) -> SqliteDatabase:
        path = str(path)
        if path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves.
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
            await conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoint, never corrupt
            db = cls(conn, path)
            db.created = await db._migrate()
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        async with self._lock:
            await self._conn.close()

    async def _migrate(self) -> bool:
        async with self._conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise newer_schema_error(version)
        for step in range(version, SCHEMA_VERSION):
            log.info("upgrading database schema %d -> %d", step, step + 1)
            # executescript would COMMIT implicitly; run statements one by one instead.
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in split_statements(STEPS[step]):
                    await self._conn.execute(statement)
                await self._conn.execute(f"PRAGMA user_version = {step + 1}")
                await self._conn.execute("COMMIT")
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
        return version == 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Exclusive access and one write transaction; rolls back on any exception."""
        async with self._lock:
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StorageError(f"데이터베이스에 쓸 수 없습니다: {exc}") from exc
            try:
                yield self._conn
                await self._conn.execute("COMMIT")
            except BaseException as exc:
                try:
                    await self._conn.execute("ROLLBACK")
                except sqlite3.Error:  # already rolled back by SQLite (e.g. disk full)
                    log.debug("rollback after failed transaction also failed", exc_info=True)
                if isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError) and not isinstance(
                    exc, sqlite3.IntegrityError
                ):
                    raise StorageError(f"데이터베이스에 쓸 수 없습니다: {exc}") from exc
                raise

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            yield self._conn

    async def ever_held_faqs(self) -> bool:
        """False only for a database no FAQ was ever added to (AUTOINCREMENT's counter is unset)."""
        async with self.reading() as conn, conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'faqs'") as cur:
            row = await cur.fetchone()
        return bool(row and row[0])

    async def data_version(self) -> int:
        """SQLite's counter of commits by *other* connections: unchanged by our own writes."""
        async with self.reading() as conn, conn.execute("PRAGMA data_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def ping(self) -> None:
        try:
            async with self.reading() as conn, conn.execute("SELECT 1") as cur:
                await cur.fetchone()
        except (sqlite3.Error, ValueError) as exc:
            raise StorageError(f"데이터베이스를 읽을 수 없습니다: {exc}") from exc

    async def backup_to(self, target: str | Path) -> None:
        """A consistent copy of the live database (SQLite's online backup API), writers keep going."""

        async with self._lock:
            dest = await aiosqlite.connect(str(target))
            try:
                await self._conn.backup(dest)
            finally:
                await dest.close()


__all__ = ["SqliteDatabase", "newer_schema_error", "split_statements"]
