"""Query log, asker-only feedback, unanswered list, stats, training pairs, their review and retention."""

from __future__ import annotations

import pytest

from faq.activity import ActivityLog, FeedbackNotFound, NotAsker, NotOffered, QueryNotFound, Review, Source
from faq.errors import InvalidInput
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
    assert await log.positive_pairs("g1") == []  # a 👍 waits for review
    (pending,) = await log.feedback_pairs("g1")
    await log.review("g1", [pending.id], accept=True, reviewer="admin")
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
    (pending,) = await log.feedback_pairs("g1")
    await log.review("g1", [pending.id], accept=True, reviewer="admin")
    async with service.store.transaction() as conn:
        await conn.execute("UPDATE queries SET asked_at = '2000-01-01T00:00:00+00:00'")
    assert await log.prune(30) == 1
    with pytest.raises(QueryNotFound):
        await log.get_query("g1", qid)
    assert await log.positive_pairs("g1") == [("회비 얼마예요?", "회비는 얼마인가요?")]
    assert await log.prune(0) == 0  # 0 = keep forever


async def test_scope_config_is_per_scope_and_cached(service: FaqService) -> None:
    configs = ScopeConfigs(service.store)
    await configs.add_channel("a", "10")
    await configs.add_channel("a", "11")
    await configs.set_admin_role("a", "99")
    await configs.set_cooldown("a", 5)
    fresh = ScopeConfigs(service.store)  # read back from the database
    got = await fresh.get("a")
    assert got.faq_channels == {"10", "11"} and got.admin_role == "99" and got.cooldown_s == 5
    assert (await fresh.get("b")).faq_channels == frozenset()
    await fresh.remove_channel("a", "10")
    assert (await ScopeConfigs(service.store).get("a")).faq_channels == {"11"}


async def test_scope_config_ids_are_strings_of_any_platform(service: FaqService) -> None:
    """Issue 15: a Slack channel id (``C0123…``) is kept, not dropped for not being all digits;
    a Discord id stored as a number by an older version reads back as the same string."""
    configs = ScopeConfigs(service.store)
    await configs.add_channel("slack:T1", "C0123ABCD")
    await configs.set_admin_role("slack:T1", "S0456EFGH")
    await service.store.set_setting("old", "faq_channels", [123456789012345678])
    await service.store.set_setting("old", "admin_role", 987654321098765432)
    fresh = ScopeConfigs(service.store)
    slack = await fresh.get("slack:T1")
    assert slack.faq_channels == {"C0123ABCD"} and slack.admin_role == "S0456EFGH"
    old = await fresh.get("old")
    assert old.faq_channels == {"123456789012345678"} and old.admin_role == "987654321098765432"
    with pytest.raises(InvalidInput):
        await configs.add_channel("a", "<#1> 채널")


async def _feedback_rows(log: ActivityLog) -> list[tuple[object, ...]]:
    async with log.store.reading() as conn, conn.execute("SELECT query_id, faq_id, vote FROM feedback") as cur:
        return [tuple(r) for r in await cur.fetchall()]


async def test_vote_and_pick_only_for_an_offered_faq(service: FaqService) -> None:
    """Issue 16 #1: a made-up vote/pick id cannot attach the asker's text to any FAQ."""
    log = ActivityLog(service.store)
    faqs = {f.question: f.id for f in await service.list("g1")}
    unknown = await ask(service, log, "오늘 점심 뭐 먹지")  # no answer, so no buttons were shown
    answered = await ask(service, log, "회비 얼마예요?")
    record = await log.get_query("g1", answered)
    assert (await log.get_query("g1", unknown)).offered == () and record.offered == (record.faq_id,)
    other = faqs["정기 세션은 언제 하나요?"]
    for query_id, faq_id in [(unknown, other), (unknown, faqs["회비는 얼마인가요?"]), (answered, other)]:
        for up in (True, False):
            with pytest.raises(NotOffered):
                await log.vote("g1", query_id, faq_id, user_id=1, up=up)
        with pytest.raises(NotOffered):
            await log.mark_picked("g1", query_id, faq_id, user_id=1)
    assert await _feedback_rows(log) == []
    assert (await log.get_query("g1", unknown)).resolved_faq_id is None
    assert [r.id for r in await log.unanswered("g1")] == [unknown]  # still listed for admins

    suggested = await ask(service, log, "세션 언제 해요?")
    shown = (await log.get_query("g1", suggested)).offered
    assert 1 <= len(shown) <= 3
    with pytest.raises(NotAsker):
        await log.mark_picked("g1", suggested, shown[0], user_id=2)
    picked = await log.mark_picked("g1", suggested, shown[0], user_id=1)
    assert picked.resolved_faq_id == shown[0]


async def test_pairs_wait_for_review_and_reviews_stay_in_their_scope(service: FaqService) -> None:
    log = ActivityLog(service.store)
    qid = await ask(service, log, "회비 얼마예요?")
    faq_id = (await log.get_query("g1", qid)).faq_id or 0
    await log.vote("g1", qid, faq_id, user_id=1, up=True)
    (pair,) = await log.feedback_pairs("g1")
    assert (pair.text, pair.faq_question, pair.review) == ("회비 얼마예요?", "회비는 얼마인가요?", Review.PENDING)
    assert await log.positive_pairs("g1") == []
    with pytest.raises(FeedbackNotFound):
        await log.review("other-guild", [pair.id], accept=True, reviewer="x")
    with pytest.raises(FeedbackNotFound):  # one bad id: none of them changes
        await log.review("g1", [pair.id, 9999999999999999999], accept=True, reviewer="x")
    assert (await log.feedback_pairs("g1"))[0].review is Review.PENDING
    (rejected,) = await log.review("g1", [pair.id], accept=False, reviewer="admin")
    assert rejected.review is Review.REJECTED and await log.positive_pairs("g1") == []
    assert await log.feedback_pairs("g1") == []
    (accepted,) = await log.review("g1", [pair.id], accept=True, reviewer="admin")
    assert accepted.review is Review.ACCEPTED
    assert await log.positive_pairs("g1") == [("회비 얼마예요?", "회비는 얼마인가요?")]


async def test_member_flood_is_pruned_and_counted_once(service: FaqService) -> None:
    """Issue 16 #2: 120 👍 pairs from one member do not outlive retention; stats count members."""
    log = ActivityLog(service.store)
    for _ in range(12):
        qid = await ask(service, log, "회비 얼마예요?", user=7)
        await log.vote("g1", qid, (await log.get_query("g1", qid)).faq_id or 0, user_id=7, up=True)
    other = await ask(service, log, "회비 얼마예요?", user=8)
    await log.vote("g1", other, (await log.get_query("g1", other)).faq_id or 0, user_id=8, up=True)
    stats = await log.stats("g1")
    assert (stats.total, stats.askers, stats.up_votes) == (13, 2, 2)
    assert stats.top[0].count == 2  # two members used the FAQ, not 13 clicks
    assert await log.questions_since(7, hours=1) == 12 and await log.feedback_since(7, hours=24) == 12
    assert await log.questions_since(9, hours=1) == 0

    (first, *_) = await log.feedback_pairs("g1")
    await log.review("g1", [first.id], accept=True, reviewer="admin")
    async with service.store.transaction() as conn:
        await conn.execute("UPDATE queries SET asked_at = '2000-01-01T00:00:00+00:00'")
        await conn.execute("UPDATE feedback SET voted_at = '2000-01-01T00:00:00+00:00'")
    assert await log.prune(90) == 13
    assert await _feedback_rows(log) == [(None, first.faq_id, 1)]  # only the accepted pair, unlinked
    assert await log.positive_pairs("g1") == [("회비 얼마예요?", "회비는 얼마인가요?")]
