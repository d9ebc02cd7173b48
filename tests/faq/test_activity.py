"""Query log, asker-only feedback, unanswered list, stats, training pairs and retention."""

from __future__ import annotations

import pytest

from faq.activity import ActivityLog, NotAsker, QueryNotFound, Source
from faq.scope_config import ScopeConfigs
from faq.service import FaqService
from faq.types import Status


async def ask(service: FaqService, log: ActivityLog, text: str, user: int = 1, scope: str = "g1") -> int:
    return await log.record_query(scope, await service.ask(scope, text), user_id=user, source=Source.MENTION)


async def test_votes_pairs_stats_and_unanswered(service: FaqService) -> None:
    log = ActivityLog(service.store)
    answered = await ask(service, log, "회비 얼마예요?", user=1)
    unknown = await ask(service, log, "오늘 점심 뭐 먹지", user=2)
    record = await log.get_query("g1", answered)
    assert record.status is Status.ANSWER and record.user_hash != "1" and len(record.user_hash) == 32

    with pytest.raises(NotAsker):
        await log.vote("g1", answered, record.faq_id or 0, user_id=2, up=True)
    with pytest.raises(QueryNotFound):
        await log.vote("other-guild", answered, record.faq_id or 0, user_id=1, up=True)
    await log.vote("g1", answered, record.faq_id or 0, user_id=1, up=False)
    assert [r.id for r in await log.unanswered("g1")] == [unknown, answered]
    await log.vote("g1", answered, record.faq_id or 0, user_id=1, up=True)  # changed their mind
    assert [r.id for r in await log.unanswered("g1")] == [unknown]
    assert await log.positive_pairs("g1") == [("회비 얼마예요?", "회비는 얼마인가요?")]
    assert await log.positive_pairs("other-guild") == []

    stats = await log.stats("g1")
    assert (stats.total, stats.answered, stats.unanswered, stats.askers) == (2, 1, 1, 2)
    assert (stats.up_votes, stats.down_votes) == (1, 0)
    assert stats.top[0].question == "회비는 얼마인가요?" and stats.rate(stats.answered) == 0.5

    await log.mark_handled("g1", unknown)
    assert await log.unanswered("g1") == []
    with pytest.raises(QueryNotFound):
        await log.mark_handled("other-guild", unknown)


async def test_prune_keeps_positive_pairs_without_user_link(service: FaqService) -> None:
    log = ActivityLog(service.store)
    qid = await ask(service, log, "회비 얼마예요?")
    faq_id = (await log.get_query("g1", qid)).faq_id or 0
    await log.vote("g1", qid, faq_id, user_id=1, up=True)
    async with service.store.transaction() as conn:
        await conn.execute("UPDATE queries SET asked_at = '2000-01-01T00:00:00+00:00'")
    assert await log.prune(30) == 1
    with pytest.raises(QueryNotFound):
        await log.get_query("g1", qid)
    assert await log.positive_pairs("g1") == [("회비 얼마예요?", "회비는 얼마인가요?")]
    assert await log.prune(0) == 0  # 0 = keep forever


async def test_scope_config_is_per_scope_and_cached(service: FaqService) -> None:
    configs = ScopeConfigs(service.store)
    await configs.add_channel("a", 10)
    await configs.add_channel("a", 11)
    await configs.set_admin_role("a", 99)
    await configs.set_cooldown("a", 5)
    fresh = ScopeConfigs(service.store)  # read back from the database
    got = await fresh.get("a")
    assert got.faq_channels == {10, 11} and got.admin_role == 99 and got.cooldown_s == 5
    assert (await fresh.get("b")).faq_channels == frozenset()
    await fresh.remove_channel("a", 10)
    assert (await ScopeConfigs(service.store).get("a")).faq_channels == {11}
