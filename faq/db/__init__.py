"""Database engines behind :class:`faq.store.FaqStore`: SQLite (embedded default) and PostgreSQL.

The store and the modules beside it (``activity``, ``scope_config``) write one SQL dialect: SQLite's
``?`` placeholders and the syntax both engines share (``ON CONFLICT … DO UPDATE``, ``RETURNING``,
``CASE`` instead of boolean sums, aliased subqueries). Each engine hands out connections with
aiosqlite's small API (``execute`` → cursor with ``fetchone``/``fetchall``/``rowcount``,
``executemany``); the PostgreSQL one rewrites placeholders to ``$n`` (:mod:`faq.db.postgres`).

``FAQBOT_DB`` (or ``--db``) picks the engine: ``postgresql://…`` (or ``postgres://…``) is
PostgreSQL, anything else a SQLite file path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Protocol

from faq.db.targets import display_target, is_postgres


class Cursor(Protocol):
    rowcount: int

    async def fetchone(self) -> Any: ...

    async def fetchall(self) -> list[Any]: ...

    def __aiter__(self) -> AsyncIterator[Any]: ...


class Connection(Protocol):
    """What the store's SQL runs on (aiosqlite's API; the PostgreSQL engine imitates it)."""

    def execute(self, sql: str, params: Any = ...) -> Any: ...

    def executemany(self, sql: str, rows: Any) -> Awaitable[Any]: ...


class Database(Protocol):
    engine: str  # "sqlite" | "postgresql"
    label: str  # where it is, safe to print (no password)
    created: bool  # the open made a fresh database

    def transaction(self) -> AbstractAsyncContextManager[Connection]: ...

    def reading(self) -> AbstractAsyncContextManager[Connection]: ...

    async def ever_held_faqs(self) -> bool: ...

    async def ping(self) -> None:
        """Raise :class:`~faq.errors.StorageError` when the database cannot be reached."""

    async def close(self) -> None: ...


async def open_database(target: str | Path) -> Database:
    """Open (creating and upgrading if needed) the database ``target`` names."""
    if is_postgres(target):
        try:
            from faq.db.postgres import PostgresDatabase
        except ImportError as exc:
            from faq.errors import StorageError

            raise StorageError(
                f"PostgreSQL를 쓰려면 asyncpg가 필요합니다: pip install 'faqbot[postgres]' ({exc.name} 없음)"
            ) from None

        return await PostgresDatabase.open(str(target))
    from faq.db.sqlite import SqliteDatabase

    return await SqliteDatabase.open(target)


__all__ = ["Connection", "Cursor", "Database", "display_target", "is_postgres", "open_database"]
