"""PostgreSQL's :class:`~faq.changes.ChangeFeed`: ``LISTEN`` for what other processes commit.

The change triggers (:mod:`faq.db.pg_schema`) ``NOTIFY`` the written scope with the writer's
``application_name`` when a transaction commits, whoever writes (a bot process, the CLI, a
script through ``faqbot``). The feed listens on its own connection, outside the pool,
ignores its own process's writes (the service applied them already) and hands the follower
the scopes others changed — usually within milliseconds of the commit.

Notifications sent while the listening connection is down are lost, so after any reconnect
the feed returns ``Change(everything=True)``: every loaded scope is reloaded from the
database. That takes seconds for a hundred clubs, so the change also names the scopes to
reload first: those the change log (``scope_changes``, bumped by the same triggers) shows
written since the feed last read it, plus those heard but not yet handed over. The feed reads
the log's newest number on connecting and every ``check_s`` seconds, which doubles as the
probe that finds a connection that died silently (a network cut, no FIN). A commit whose
number was drawn before such a read but landed after it, while disconnected, is not named;
the full reload still covers it.

While the server is down the feed tries to reconnect every second at most, so commits made
once it is back (other processes' pools reconnect on their first write) wait little.
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
RECONNECT_DELAYS_S = (0.1, 0.25, 0.5, 1.0)  # the last repeats: a refused connect costs nothing
_CHANGED_SINCE = "SELECT scope, seq FROM scope_changes WHERE seq > $1"
_NEWEST = "SELECT COALESCE(MAX(seq), 0) FROM scope_changes"


class PostgresChangeFeed:
    def __init__(self, db: PostgresDatabase, *, check_s: float = CHECK_S) -> None:
        self.db = db
        self.check_s = check_s
        self.reconnects = 0  # for tests and `faqbot status`
        self._conn: asyncpg.Connection | None = None
        self._pending: set[str] = set()
        self._wake = asyncio.Event()
        self._seen_seq = 0  # the change log's newest number when last read while listening
        self._read_at = 0.0  # monotonic time of that read

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def prime(self) -> None:
        """LISTEN before the indexes load: a commit after this point is never missed."""
        await self._connect()

    async def _connect(self) -> frozenset[str]:
        """LISTEN on a new connection; returns the scopes written since the change log was last read."""
        conn = await asyncpg.connect(
            self.db.dsn,
            timeout=CONNECT_TIMEOUT_S,
            server_settings={"application_name": f"{self.db.writer}:listen"},
        )
        try:
            await conn.add_listener(CHANGES_CHANNEL, self._on_notify)
            # After LISTEN: a later commit is heard, an earlier one is in these rows.
            rows = await conn.fetch(_CHANGED_SINCE, self._seen_seq)
        except BaseException:
            await conn.close()
            raise
        conn.add_termination_listener(lambda _conn: self._wake.set())
        self._conn = conn
        self._seen_seq = max([self._seen_seq, *(int(r["seq"]) for r in rows)])
        self._read_at = asyncio.get_running_loop().time()
        return frozenset(str(r["scope"]) for r in rows)

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

    async def _reconnect(self) -> frozenset[str]:
        await self._drop()
        attempt = 0
        while True:
            try:
                missed = await self._connect()
            except UNREACHABLE as exc:
                if attempt == 0:
                    log.warning("lost the change feed from %s (%s); reconnecting", self.db.label, exc)
                delay = RECONNECT_DELAYS_S[min(attempt, len(RECONNECT_DELAYS_S) - 1)]
                attempt += 1
                await asyncio.sleep(delay)
                continue
            self.reconnects += 1
            log.warning(
                "change feed reconnected to %s: reloading every loaded scope (%d written meanwhile first)",
                self.db.label,
                len(missed),
            )
            return missed

    async def _read_log(self) -> bool:
        """Note the change log's newest number; False when the connection does not answer."""
        assert self._conn is not None
        try:
            seq = await asyncio.wait_for(self._conn.fetchval(_NEWEST), self.check_s)
        except (*UNREACHABLE, asyncpg.PostgresError):
            return False
        self._seen_seq = max(self._seen_seq, int(seq))
        self._read_at = asyncio.get_running_loop().time()
        return True

    async def next_change(self) -> Change:
        """The scopes others changed, or everything after a reconnect. Cancelling loses nothing."""
        while True:
            if not self.connected:
                missed = await self._reconnect()
                first = missed | self._pending  # heard but not handed over, or written while away
                self._pending.clear()
                return Change(first, everything=True)
            if self._pending:
                return Change(self.take_pending())
            if asyncio.get_running_loop().time() - self._read_at >= self.check_s:
                if not await self._read_log():
                    await self._drop()
                continue
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), self.check_s)
            except TimeoutError:
                pass  # time to read the change log (and so check the connection)

    def take_pending(self) -> frozenset[str]:
        scopes = frozenset(self._pending)
        self._pending.clear()
        return scopes

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
