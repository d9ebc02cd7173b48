"""Catching up with what other processes commit to the knowledge base.

The CLI (or a second bot process) writes to the same database as a running bot. One seam
says "the knowledge base changed elsewhere": a :class:`ChangeFeed` waits until another
process committed a change and names the scopes it touched. :class:`KnowledgeFollower`
applies each change to a :class:`~faq.service.FaqService` — the changed scopes' indexes
are rebuilt from the database off the event loop and swapped in whole, cached settings are
dropped — and retries a scope whose reload failed.

- :class:`SqliteChangeFeed` polls ``PRAGMA data_version`` on the store's own connection
  (a counter SQLite bumps only for commits by *other* connections, so the service's own
  writes cost nothing) and, when it moved, reads ``scope_changes`` (bumped by triggers on
  every write, schema step 3) for the scopes changed since the last poll.
- The PostgreSQL feed (:mod:`faq.db.notify_feed`) listens (``LISTEN``) on a channel the writers
  ``NOTIFY`` with the scope, ignoring its own process's notifications, and returns
  ``Change(everything=True)`` after a reconnect, since notifications sent while
  disconnected are lost — naming the scopes the change log says were written meanwhile,
  which the follower reloads first.

After a reconnect the follower rebuilds only the loaded scopes written since their index read
the database: each index keeps the scope's ``scope_changes`` number from that moment, and every
write gives a scope a number never used before (a hundred club-sized scopes rebuilt for nothing
took 30 s of CPU on a shared 2-core box). Between two rebuilds it asks the feed for changes heard
meanwhile (:meth:`ChangeFeed.take_pending`) and applies them at once, so an edit committed just
after a reconnect is not held up behind the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Protocol

from faq.service import FaqService
from faq.store import FaqStore

log = logging.getLogger(__name__)

DEFAULT_POLL_S = 0.5
RETRY_S = 5.0  # a scope whose reload failed (e.g. the model timed out) is tried again this often


@dataclass(frozen=True, slots=True)
class Change:
    """Scopes whose FAQs or settings another process committed."""

    scopes: frozenset[str] = frozenset()  # with ``everything``: the ones to reload first
    everything: bool = False  # changes may have been missed (a reconnect): reload every loaded scope


class ChangeFeed(Protocol):
    async def prime(self) -> None:
        """Take the database as it is now as seen; call before the indexes are loaded."""

    async def next_change(self) -> Change:
        """Wait until another process committed a change. Cancelling it loses no change."""

    def take_pending(self) -> frozenset[str]:
        """Scopes already heard to have changed, without waiting (handed over: not returned again)."""

    async def aclose(self) -> None: ...


class SqliteChangeFeed:
    """Polls the store's connection: one ``PRAGMA data_version`` per poll while nothing changes."""

    def __init__(self, store: FaqStore, interval_s: float = DEFAULT_POLL_S) -> None:
        self.store = store
        self.interval_s = interval_s
        self._version: int | None = None
        self._seq = 0

    async def prime(self) -> None:
        version = await self.store.data_version()
        seq = await self.store.change_seq()  # after the version: a commit in between is seen twice, not lost
        self._version, self._seq = version, seq

    async def poll(self) -> Change | None:
        """One check; None when no other process committed a change to any scope."""
        if self._version is None:
            await self.prime()
            return None
        version = await self.store.data_version()
        if version == self._version:
            return None
        changed = await self.store.scopes_changed_since(self._seq)
        # State moves only after both reads, so a cancelled poll is simply repeated.
        self._version = version
        if not changed:  # e.g. only the query log or the embedding cache was written
            return None
        self._seq = max(changed.values())
        return Change(frozenset(changed))

    async def next_change(self) -> Change:
        while True:
            await asyncio.sleep(self.interval_s)
            change = await self.poll()
            if change is not None:
                return change

    def take_pending(self) -> frozenset[str]:
        return frozenset()  # nothing is heard between polls

    async def aclose(self) -> None:
        """Nothing to release: the feed borrows the store's connection."""


class KnowledgeFollower:
    """Applies a feed's changes to a service, in a background task."""

    def __init__(self, service: FaqService, feed: ChangeFeed, *, retry_s: float = RETRY_S) -> None:
        self.service = service
        self.feed = feed
        self.retry_s = retry_s
        self.reloads = 0  # scope indexes rebuilt (for tests and the benchmark)
        self._failed: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    async def apply(self, change: Change) -> None:
        """Reload the changed scopes; a scope that fails keeps its old index and is retried."""
        if change.everything:
            self.service.forget_settings(None)
            loaded = set(self.service.loaded_scopes())
            try:  # the scopes written since their index was read; the rest is as in the database
                behind = set(await self.service.scopes_behind())
            except Exception:
                log.warning("could not read the change log after a reconnect: reloading every loaded scope")
                behind = loaded
            queue = [*sorted(change.scopes & loaded), *sorted(behind - change.scopes)]
        else:
            queue = sorted(change.scopes)
        queue += sorted(self._failed - set(queue))
        began = time.perf_counter()
        while queue:
            heard = self.feed.take_pending() if change.everything else frozenset()
            if heard:  # committed during a long full reload: now, not after it
                for scope in sorted(heard):
                    await self._reload(scope)
                queue = [scope for scope in queue if scope not in heard]
                continue
            await self._reload(queue.pop(0))
        if change.everything:  # how long answers may have lagged behind the database after a reconnect
            took_ms = (time.perf_counter() - began) * 1000
            log.info(
                "reloaded %d of %d scopes after a reconnect in %.0f ms (the others had not changed)",
                len(behind | (change.scopes & loaded)),
                len(loaded),
                took_ms,
            )

    async def _reload(self, scope: str) -> None:
        start = time.perf_counter()
        try:
            if await self.service.reload(scope):
                self.reloads += 1
                took_ms = (time.perf_counter() - start) * 1000
                log.info("scope %s changed elsewhere: reloaded in %.0f ms", scope, took_ms)
        except Exception:
            if scope not in self._failed:
                log.exception("reloading scope %s after a change elsewhere failed; retrying", scope)
            self._failed.add(scope)
        else:
            if scope in self._failed:
                log.info("scope %s reloaded after an earlier failure", scope)
            self._failed.discard(scope)

    async def _next(self) -> Change:
        if not self._failed:
            return await self.feed.next_change()
        try:
            return await asyncio.wait_for(self.feed.next_change(), self.retry_s)
        except TimeoutError:
            return Change()  # just the retries

    async def run(self) -> None:
        while True:
            try:
                change = await self._next()
                await self.apply(change)
            except Exception:  # never let the follower die: the next poll may succeed
                log.exception("following changes to the database failed")
                await asyncio.sleep(self.retry_s)

    async def start(self) -> None:
        """Prime the feed (before the indexes are loaded) and start following."""
        await self.feed.prime()
        self._task = asyncio.create_task(self.run(), name="faqbot-knowledge-follower")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.feed.aclose()


__all__ = ["Change", "ChangeFeed", "KnowledgeFollower", "SqliteChangeFeed"]
