"""Which bot processes are running, and how they are: a heartbeat row per process in the database.

Every running bot writes its row every :data:`BEAT_S` seconds (shards, connected gateways, loaded
model, guilds) and deletes it on a clean stop; ``faqbot status`` reads the rows from any machine
that reaches the database, with the database's own health and the last hour's questions. A row not
refreshed for :data:`STALE_S` seconds is a process that died (``kill -9``, a lost machine).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from faq.errors import StorageError
from faq.store import FaqStore, utcnow

log = logging.getLogger(__name__)

BEAT_S = 15.0
STALE_S = 60.0
FORGET_AFTER = timedelta(days=1)  # dead processes' rows are pruned by the living


@dataclass(frozen=True, slots=True)
class ProcessRow:
    id: str
    host: str
    pid: int
    started_at: str
    seen_at: str
    info: dict[str, object]

    def age_s(self, now: datetime | None = None) -> float:
        now = now or datetime.now(UTC)
        return (now - datetime.fromisoformat(self.seen_at)).total_seconds()

    @property
    def alive(self) -> bool:
        return self.age_s() <= STALE_S


class Heartbeat:
    """Writes this process's row while it runs; ``describe`` says how the process is right now."""

    def __init__(self, store: FaqStore, describe: Callable[[], dict[str, object]], *, beat_s: float = BEAT_S) -> None:
        self.store = store
        self.describe = describe
        self.beat_s = beat_s
        self.id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.started_at = utcnow()
        self._task: asyncio.Task[None] | None = None

    async def beat(self) -> None:
        now = utcnow()
        forget = (datetime.now(UTC) - FORGET_AFTER).isoformat(timespec="seconds")
        async with self.store.transaction() as conn:
            await conn.execute(
                "INSERT INTO bot_processes (id, host, pid, started_at, seen_at, info) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at, info = excluded.info",
                (self.id, socket.gethostname(), os.getpid(), self.started_at, now, json.dumps(self.describe())),
            )
            await conn.execute("DELETE FROM bot_processes WHERE seen_at < ?", (forget,))

    async def _run(self) -> None:
        while True:
            try:
                await self.beat()
            except StorageError as exc:  # the database away: the bot answers on; status will show it stale
                log.debug("heartbeat not written: %s", exc)
            except Exception:
                log.exception("heartbeat failed")
            await asyncio.sleep(self.beat_s)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="faqbot-heartbeat")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(StorageError):
            async with self.store.transaction() as conn:
                await conn.execute("DELETE FROM bot_processes WHERE id = ?", (self.id,))


async def processes(store: FaqStore) -> list[ProcessRow]:
    async with (
        store.reading() as conn,
        conn.execute("SELECT id, host, pid, started_at, seen_at, info FROM bot_processes ORDER BY host, pid") as cur,
    ):
        rows = await cur.fetchall()
    return [ProcessRow(r[0], r[1], int(r[2]), r[3], r[4], json.loads(r[5] or "{}")) for r in rows]


async def answered_since(store: FaqStore, hours: float = 1.0) -> tuple[int, int]:
    """(questions, answered outright) over the last ``hours``, every scope."""
    since = (datetime.now(UTC) - timedelta(hours=hours)).isoformat(timespec="seconds")
    async with (
        store.reading() as conn,
        conn.execute(
            "SELECT COUNT(*), SUM(CASE WHEN status = 'answer' THEN 1 ELSE 0 END) FROM queries WHERE asked_at >= ?",
            (since,),
        ) as cur,
    ):
        row = await cur.fetchone()
    return int(row[0] or 0), int(row[1] or 0)


def describe_client(client: object, service: object) -> dict[str, object]:
    """The heartbeat's ``info`` for a discord.py client (sharded or not) serving ``service``."""
    shards = getattr(client, "shards", None)
    if isinstance(shards, dict):  # AutoShardedClient: a ShardInfo per launched shard
        count = getattr(client, "shard_count", None) or 1
        # Before its shards connect (and while they do) the configured ids say which are ours; None = all.
        configured = getattr(client, "shard_ids", None)
        shard_ids = list(configured) if configured is not None else list(range(count))
        connected = sum(1 for s in shards.values() if not s.is_closed())
    else:  # one gateway connection
        count = 1
        shard_ids = [getattr(client, "shard_id", None) or 0]
        is_ready = getattr(client, "is_ready", lambda: False)
        is_closed = getattr(client, "is_closed", lambda: True)
        connected = 1 if is_ready() and not is_closed() else 0
    encoder = getattr(getattr(service, "embedder", None), "encoder", None)
    return {
        "shards": sorted(int(i) for i in shard_ids),
        "shard_count": count,
        "gateways_connected": connected,
        "guilds": len(getattr(client, "guilds", ())),
        "model": getattr(encoder, "fingerprint", None),
        "model_loaded": encoder is not None,
    }


__all__ = ["BEAT_S", "STALE_S", "Heartbeat", "ProcessRow", "answered_since", "describe_client", "processes"]
