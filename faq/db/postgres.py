"""PostgreSQL engine: an asyncpg pool behind the store's SQLite-dialect SQL.

Several processes (bot shards, the CLI) share one database. Each connection carries the
process's writer id as ``application_name`` so the change triggers can say who wrote
(:mod:`faq.db.pg_schema`, :mod:`faq.db.notify_feed`). Every multi-row change is one
transaction on one pooled connection; reads take any pooled connection, so unlike SQLite
they do not queue behind each other.

Unreachable database: a write first retries getting a connection (about a second), then
refuses with :class:`~faq.errors.StorageError` — nothing is half-written, and the caller
says so. Once the database was found unreachable, further calls fail at once until a
connection succeeds again, so a bot answering from memory is not slowed by retries.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import re
import secrets
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from faq.db.pg_schema import postgres_steps
from faq.db.sqlite import newer_schema_error
from faq.db.targets import display_target
from faq.errors import StorageError
from faq.schema import SCHEMA_VERSION

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10.0
COMMAND_TIMEOUT_S = 30.0
POOL_SIZE = int(os.environ.get("FAQBOT_DB_POOL_SIZE", "8"))
WRITE_RETRY_DELAYS_S = (0.2, 0.8)  # then refuse
_MIGRATION_LOCK = 0x46415142  # "FAQB": processes starting together upgrade the schema once

#: Errors that mean "the database is not there" (as opposed to a bug in a statement).
UNREACHABLE: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.InternalClientError,  # a pooled connection the server cut mid-protocol
    asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, cannot connect now
    asyncpg.exceptions.InsufficientResourcesError,  # disk full, too many connections
    asyncpg.exceptions.ReadOnlySQLTransactionError,
)


@functools.lru_cache(maxsize=512)
def to_postgres(sql: str) -> str:
    """``?`` placeholders (outside quotes) → ``$1, $2, …``."""
    out: list[str] = []
    n = 0
    quote: str | None = None
    for ch in sql:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "?":
            n += 1
            out.append(f"${n}")
            continue
        out.append(ch)
    return "".join(out)


_RETURNS_ROWS = re.compile(r"^\s*(SELECT|WITH|VALUES|SHOW)\b|\bRETURNING\b", re.I)


class PgCursor:
    """The rows (or row count) of one statement, read like an aiosqlite cursor."""

    lastrowid = None  # PostgreSQL has none: the store uses RETURNING id

    def __init__(self, rows: list[asyncpg.Record], rowcount: int) -> None:
        self._rows = rows
        self._next = 0
        self.rowcount = rowcount

    async def fetchone(self) -> asyncpg.Record | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    async def fetchall(self) -> list[asyncpg.Record]:
        rest, self._next = self._rows[self._next :], len(self._rows)
        return rest

    async def __aiter__(self) -> AsyncIterator[asyncpg.Record]:
        while (row := await self.fetchone()) is not None:
            yield row


class _Pending:
    """``conn.execute(...)``: awaitable, or an async context manager, like aiosqlite's."""

    def __init__(self, conn: asyncpg.Connection, sql: str, params: Sequence[Any]) -> None:
        self._conn, self._sql, self._params = conn, sql, tuple(params)

    async def _run(self) -> PgCursor:
        sql = to_postgres(self._sql)
        if _RETURNS_ROWS.search(self._sql):
            rows = await self._conn.fetch(sql, *self._params)
            return PgCursor(rows, len(rows))
        status = await self._conn.execute(sql, *self._params)
        last = status.rsplit(" ", 1)[-1]
        return PgCursor([], int(last) if last.isdigit() else -1)

    def __await__(self):  # type: ignore[no-untyped-def]
        return self._run().__await__()

    async def __aenter__(self) -> PgCursor:
        return await self._run()

    async def __aexit__(self, *exc: object) -> None:
        return None


class PgConnection:
    """An asyncpg connection that takes the store's SQL (``?`` placeholders) and API."""

    def __init__(self, raw: asyncpg.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Pending:
        return _Pending(self.raw, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            await self.raw.executemany(to_postgres(sql), rows)


def unreachable(label: str, exc: BaseException) -> StorageError:
    detail = str(exc).strip() or type(exc).__name__
    return StorageError(f"데이터베이스에 연결할 수 없습니다: {label}: {detail}")


class PostgresDatabase:
    engine = "postgresql"

    def __init__(self, pool: asyncpg.Pool, dsn: str, writer: str) -> None:
        self._pool = pool
        self.dsn = dsn
        self.writer = writer  # this process's application_name: its own change notifications carry it
        self.label = display_target(dsn)
        self.created = False
        self.unreachable_since: float | None = None

    @staticmethod
    def new_writer_id() -> str:
        return f"faqbot:{os.getpid()}:{secrets.token_hex(4)}"

    @classmethod
    async def open(cls, dsn: str, *, pool_size: int = POOL_SIZE) -> PostgresDatabase:
        writer = cls.new_writer_id()
        label = display_target(dsn)
        try:
            pool = await asyncpg.create_pool(
                dsn,
                min_size=1,
                max_size=max(2, pool_size),
                timeout=CONNECT_TIMEOUT_S,
                command_timeout=COMMAND_TIMEOUT_S,
                server_settings={"application_name": writer},
            )
        except (*UNREACHABLE, asyncpg.PostgresError, ValueError) as exc:
            raise unreachable(label, exc) from None
        db = cls(pool, dsn, writer)
        try:
            db.created = await db._migrate()
        except BaseException:
            await pool.close()
            raise
        return db

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self._pool.close(), 10)
        except (TimeoutError, *UNREACHABLE):
            self._pool.terminate()

    async def _migrate(self) -> bool:
        steps = postgres_steps()
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
            await conn.execute("CREATE TABLE IF NOT EXISTS faqbot_schema (version INTEGER NOT NULL)")
            version = await conn.fetchval("SELECT version FROM faqbot_schema")
            if version is None:
                await conn.execute("INSERT INTO faqbot_schema (version) VALUES (0)")
                version = 0
            if version > SCHEMA_VERSION:
                raise newer_schema_error(version)
            for step in range(version, SCHEMA_VERSION):
                log.info("upgrading database schema %d -> %d", step, step + 1)
                for statement in steps[step]:
                    await conn.execute(statement)
                await conn.execute("UPDATE faqbot_schema SET version = $1", step + 1)
        return version == 0

    # ---- connections ------------------------------------------------------------

    async def _acquire(self, *, retry: bool) -> asyncpg.Connection:
        delays = WRITE_RETRY_DELAYS_S if retry and self.unreachable_since is None else ()
        for attempt in range(len(delays) + 1):
            try:
                conn = await self._pool.acquire(timeout=CONNECT_TIMEOUT_S)
            except UNREACHABLE as exc:
                if attempt < len(delays):
                    await asyncio.sleep(delays[attempt])
                    continue
                self._went_away(exc)
                raise unreachable(self.label, exc) from None
            if self.unreachable_since is not None:
                log.warning("database %s is reachable again", self.label)
                self.unreachable_since = None
            return conn
        raise AssertionError("unreachable")

    def _went_away(self, exc: BaseException) -> None:
        if self.unreachable_since is None:
            self.unreachable_since = asyncio.get_running_loop().time()
            log.warning(
                "database %s is unreachable (%s): answering from memory; writes are refused until it is back",
                self.label,
                exc,
            )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgConnection]:
        """One transaction on one connection; rolls back on any exception."""
        conn = await self._acquire(retry=True)
        try:
            try:
                tx = conn.transaction()
                await tx.start()
            except UNREACHABLE as exc:
                self._went_away(exc)
                raise unreachable(self.label, exc) from None
            try:
                yield PgConnection(conn)
            except BaseException as exc:
                try:
                    await tx.rollback()
                except (*UNREACHABLE, asyncpg.PostgresError):
                    log.debug("rollback after failed transaction also failed", exc_info=True)
                if isinstance(exc, UNREACHABLE):
                    self._went_away(exc)
                    raise StorageError(f"데이터베이스에 쓸 수 없습니다: {exc}") from exc
                raise
            try:
                await tx.commit()
            except UNREACHABLE as exc:
                self._went_away(exc)
                raise StorageError(
                    f"데이터베이스에 저장되었는지 확인할 수 없습니다 (커밋 중 연결이 끊김: {exc}). "
                    "확인 후 다시 시도하세요."
                ) from exc
        finally:
            await self._release(conn)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[PgConnection]:
        conn = await self._acquire(retry=False)
        try:
            yield PgConnection(conn)
        except UNREACHABLE as exc:
            self._went_away(exc)
            raise unreachable(self.label, exc) from exc
        finally:
            await self._release(conn)

    async def _release(self, conn: asyncpg.Connection) -> None:
        try:
            await self._pool.release(conn)
        except UNREACHABLE:
            log.debug("releasing a broken connection", exc_info=True)

    # ---- engine specifics ---------------------------------------------------------

    async def ever_held_faqs(self) -> bool:
        """False only for a database no FAQ was ever added to (the id sequence was never used)."""
        async with self.reading() as conn:
            return bool(await conn.raw.fetchval("SELECT pg_sequence_last_value('faqs_id_seq'::regclass)"))

    async def ping(self) -> None:
        async with self.reading() as conn:
            await conn.raw.fetchval("SELECT 1")


def notification_payload(payload: str) -> tuple[str, str] | None:
    """(scope, writer) from a change notification, or None for a malformed one."""
    try:
        data = json.loads(payload)
        return str(data["scope"]), str(data.get("writer", ""))
    except (ValueError, KeyError, TypeError):
        return None


__all__ = ["UNREACHABLE", "PgConnection", "PostgresDatabase", "notification_payload", "to_postgres"]
