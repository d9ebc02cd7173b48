"""PostgreSQL's change feed: LISTEN/NOTIFY between two stores (two writer ids stand in for two processes).

tests/hardening/test_pg_processes.py runs the same with three real processes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from faq.changes import Change, KnowledgeFollower
from faq.db.notify_feed import PostgresChangeFeed
from faq.scope_config import ScopeConfigs
from faq.service import FaqService
from faq.types import Status
from tests.faq.test_changes import MASCOT, answered, eventually


@pytest.fixture
def db_target(pg_schema_url: str) -> str:
    return pg_schema_url


@pytest.fixture
async def follower(service: FaqService) -> AsyncIterator[KnowledgeFollower]:
    feed = PostgresChangeFeed(service.store.db, check_s=0.5)  # type: ignore[arg-type]
    follower = KnowledgeFollower(service, feed)
    await follower.start()
    try:
        yield follower
    finally:
        await follower.stop()


async def test_another_process_commit_reaches_answers_within_a_second(
    service: FaqService, other: FaqService, follower: KnowledgeFollower
) -> None:
    assert not await answered(service, MASCOT.question)
    start = time.monotonic()
    faq = await other.add("g1", MASCOT, "cli")
    await eventually(lambda: answered(service, MASCOT.question), timeout_s=1.0)
    took = time.monotonic() - start
    await other.remove("g1", faq.id, "cli")
    await eventually(lambda: _not(answered(service, MASCOT.question)), timeout_s=1.0)
    assert took < 1.0


async def _not(check: asyncio.Future[bool] | object) -> bool:
    return not await check  # type: ignore[misc]


async def test_own_writes_and_the_query_log_reload_nothing(service: FaqService, follower: KnowledgeFollower) -> None:
    await service.add("g1", MASCOT, "me")
    await service.edit("g1", 1, "me", answer="바뀐 답")
    await asyncio.sleep(0.3)
    assert follower.reloads == 0


async def test_settings_changed_elsewhere_reach_the_cached_configs(
    service: FaqService, other: FaqService, follower: KnowledgeFollower
) -> None:
    configs = ScopeConfigs(service.store)
    service.on_settings_changed(configs.forget)
    assert (await configs.get("g1")).cooldown_s is None
    await ScopeConfigs(other.store).set_cooldown("g1", 7)

    async def seen() -> bool:
        return (await configs.get("g1")).cooldown_s == 7

    await eventually(seen, timeout_s=1.0)


async def test_after_a_lost_connection_every_loaded_scope_reloads(
    service: FaqService, other: FaqService, follower: KnowledgeFollower
) -> None:
    feed = follower.feed
    assert isinstance(feed, PostgresChangeFeed)
    await service.index("g1")
    before = (await service.index("g1")).snapshot
    async with other.store.reading() as conn:  # the listening backend dies: its notifications are lost
        killed = await conn.raw.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
            f"{service.store.db.writer}:listen",
        )
    assert killed == 1
    await eventually(lambda: _true(feed.reconnects == 1), timeout_s=3.0)
    await eventually(lambda: _true(service._indexes["g1"].snapshot is not before), timeout_s=3.0)
    # and it listens again
    await other.add("g1", MASCOT, "cli")
    await eventually(lambda: answered(service, MASCOT.question), timeout_s=1.0)


async def test_a_reconnect_names_the_scopes_written_while_away(service: FaqService, other: FaqService) -> None:
    """Notifications sent while the feed was away are lost; the change log says which scopes to reload first."""
    feed = PostgresChangeFeed(service.store.db)  # type: ignore[arg-type]
    await feed.prime()
    try:
        await feed._drop()  # as a restarted server or a network cut leaves it
        await other.add("g7", MASCOT, "cli")
        change = await asyncio.wait_for(feed.next_change(), 5)
        assert change == Change(frozenset({"g7"}), everything=True)  # g1, written before, is not named
        await other.add("g8", MASCOT, "cli")
        assert await asyncio.wait_for(feed.next_change(), 5) == Change(frozenset({"g8"}))
    finally:
        await feed.aclose()


async def _true(value: bool) -> bool:
    return value


async def test_a_change_waits_for_commit(service: FaqService, other: FaqService) -> None:
    """NOTIFY is transactional: nothing is heard before the commit, and a rolled-back write is never heard."""
    feed = PostgresChangeFeed(service.store.db)  # type: ignore[arg-type]
    await feed.prime()
    try:
        with pytest.raises(RuntimeError):
            async with other.store.transaction() as conn:
                await conn.execute("INSERT INTO scope_settings (scope, key, value) VALUES ('g9', 'k', '1')")
                raise RuntimeError("rolled back")
        await other.store.set_setting("g8", "k", 1)
        change = await asyncio.wait_for(feed.next_change(), 2)
        assert change == Change(frozenset({"g8"}))
        assert (await service.ask("g1", "회비 얼마예요?")).status is Status.ANSWER
    finally:
        await feed.aclose()
