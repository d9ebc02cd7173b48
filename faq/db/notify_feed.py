"""PostgreSQL's :class:`~faq.changes.ChangeFeed`: ``LISTEN`` for what other processes commit.

The change triggers (:mod:`faq.db.pg_schema`) ``NOTIFY`` the written scope with the writer's
``application_name`` when a transaction commits, whoever writes (a bot process, the CLI, a
script through ``faqbot``). The feed listens on its own connection, outside the pool,
ignores its own process's writes (the service applied them already) and hands the follower
the scopes others changed — usually within milliseconds of the commit.

Notifications sent while the listening connection is down are lost, so after any reconnect
the feed returns ``Change(everything=True)``: every loaded scope is reloaded from the
database. A connection that dies silently (a network cut, no FIN) is found by a ``SELECT 1``
after ``check_s`` seconds without notifications.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

from faq.changes import Change
from faq.db.pg_schema import CHANGES_CHANNEL
from faq.db.postgres import CONNECT_TIMEOUT_S, UNREACHABLE, PostgresDatabase, notification_payload

log = logging.getLogger(__name__)

CHECK_S = 5.0
RECONNECT_DELAYS_S = (0.2, 0.5, 1.0, 2.0, 5.0)  # the last repeats


class PostgresChangeFeed:
    def __init__(self, db: PostgresDatabase, *, check_s: float = CHECK_S) -> None:
        self.db = db
        self.check_s = check_s
        self.reconnects = 0  # for tests and `faqbot status`
        self._conn: asyncpg.Connection | None = None
        self._pending: set[str] = set()
        self._wake = asyncio.Event()

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def prime(self) -> None:
        """LISTEN before the indexes load: a commit after this point is never missed."""
        await self._connect()

    async def _connect(self) -> None:
        conn = await asyncpg.connect(
            self.db.dsn,
            timeout=CONNECT_TIMEOUT_S,
            server_settings={"application_name": f"{self.db.writer}:listen"},
        )
        try:
            await conn.add_listener(CHANGES_CHANNEL, self._on_notify)
        except BaseException:
            await conn.close()
            raise
        conn.add_termination_listener(lambda _conn: self._wake.set())
        self._conn = conn

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        parsed = notification_payload(payload)
        if parsed is None:
            log.warning("ignoring a malformed change notification: %.80r", payload)
            return
        scope, writer = parsed
        if writer == self.db.writer:
            return  # our own commit: the service updated its index itself
        self._pending.add(scope)
        self._wake.set()

    async def _reconnect(self) -> None:
        await self._drop()
        attempt = 0
        while True:
            try:
                await self._connect()
            except UNREACHABLE as exc:
                if attempt == 0:
                    log.warning("lost the change feed from %s (%s); reconnecting", self.db.label, exc)
                delay = RECONNECT_DELAYS_S[min(attempt, len(RECONNECT_DELAYS_S) - 1)]
                attempt += 1
                await asyncio.sleep(delay)
                continue
            self.reconnects += 1
            log.warning("change feed reconnected to %s: reloading every loaded scope", self.db.label)
            return

    async def _alive(self) -> bool:
        assert self._conn is not None
        try:
            await asyncio.wait_for(self._conn.fetchval("SELECT 1"), self.check_s)
        except (*UNREACHABLE, asyncpg.PostgresError):
            return False
        return True

    async def next_change(self) -> Change:
        """The scopes others changed, or everything after a reconnect. Cancelling loses nothing."""
        while True:
            if not self.connected:
                await self._reconnect()
                self._pending.clear()  # covered by the full reload
                return Change(everything=True)
            if self._pending:
                scopes = frozenset(self._pending)
                self._pending.clear()
                return Change(scopes)
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), self.check_s)
            except TimeoutError:
                if not await self._alive():
                    await self._drop()

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(*UNREACHABLE, asyncpg.PostgresError):
                await asyncio.wait_for(conn.close(), 2)
            if not conn.is_closed():
                conn.terminate()

    async def aclose(self) -> None:
        await self._drop()


__all__ = ["PostgresChangeFeed"]
