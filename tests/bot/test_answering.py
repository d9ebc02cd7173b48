"""Answering through the fake Discord: mentions, FAQ channels, threads/forums, suggest/none, limits."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from bot.replies import CONTENT_LIMIT
from chat.messages import EMPTY_MENTION_TEXT
from faq.activity import Source
from model.fake import HashingEncoder
from tests.bot.helpers import (
    ANSWER_Q,
    CALLBACK_ROUTE,
    EPHEMERAL,
    NO_PINGS,
    NONE_Q,
    PING_Q,
    SUGGEST_Q,
    World,
    click,
    content_of,
    custom_ids,
    mention,
    pings_nobody,
    quiet,
    running_bot,
)
from tests.fakediscord import fake_user
from tests.fakediscord.constants import CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
from tests.fakediscord.limits import DELIVERED_CONTENT_MAX

pytestmark = pytest.mark.timeout(30)


async def test_mention_gets_answer_as_reply_with_feedback_buttons(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        sent = await fd.message_create(a.general, a.alice, mention(bot, ANSWER_Q))
        call = await fd.wait_for_message(a.general)
        record = await bot.activity_log.get_query(a.id, int(custom_ids(call.json)[0].split(":")[-1]))
    body = call.json
    assert body["content"].startswith("**Q. 회비는 얼마인가요?**\n한 학기 회비는 3만 원입니다.")
    assert re.search(r"신뢰도 \d+% · FAQ #\d+", body["content"])
    assert str(body["message_reference"]["message_id"]) == sent["id"]
    assert body["allowed_mentions"] == NO_PINGS
    faq_id = a.faq_ids[0]
    assert custom_ids(body) == [f"faq:vote:up:{faq_id}:{record.id}", f"faq:vote:down:{faq_id}:{record.id}"]
    # The mention is stripped before asking, and the question is logged for this guild only.
    assert record.text == ANSWER_Q and record.source == Source.MENTION and record.faq_id == faq_id


async def test_faq_channel_threads_and_forum_posts(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        await bot.configs.add_channel(a.id, int(a.faq_channel))
        await bot.configs.add_channel(a.id, int(a.forum))

        await fd.message_create(a.faq_channel, a.alice, ANSWER_Q)
        call = await fd.wait_for_message(a.faq_channel)
        assert "회비는 얼마인가요?" in call.json["content"]

        thread = await fd.thread_create(a.faq_channel, "회비 질문", owner=a.bob)
        await fd.message_create(thread["id"], a.bob, ANSWER_Q)
        assert "3만 원" in (await fd.wait_for_message(thread["id"])).json["content"]

        post = await fd.thread_create(a.forum, "세션 질문", owner=fake_user(name="carol"))
        await fd.message_create(post["id"], fake_user(name="carol"), "세션 시간 알려주세요")
        assert "화요일" in (await fd.wait_for_message(post["id"])).json["content"]

        # Not an FAQ channel and no mention: ignored. Another guild's FAQ channel ids do not leak.
        await fd.message_create(a.general, a.alice, ANSWER_Q)
        await fd.message_create(world.b.faq_channel, world.b.alice, ANSWER_Q)
        await quiet(fd)
        assert fd.messages_sent(a.general) == [] and fd.messages_sent(world.b.faq_channel) == []


async def test_none_is_silent_in_faq_channel_but_polite_when_mentioned(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        await bot.configs.add_channel(a.id, int(a.faq_channel))
        await bot.configs.set_admin_role(a.id, int(a.admin_role))
        await fd.message_create(a.faq_channel, a.alice, NONE_Q)
        await quiet(fd)
        assert fd.messages_sent(a.faq_channel) == []

        await fd.message_create(a.general, a.alice, mention(bot, NONE_Q))
        call = await fd.wait_for_message(a.general)
        unanswered = await bot.activity_log.unanswered(a.id)
    assert "모르겠어요" in call.json["content"] and f"<@&{a.admin_role}>" in call.json["content"]
    assert call.json["allowed_mentions"] == NO_PINGS  # the admin role is named, not pinged
    assert call.response["mentions"] == []
    assert not call.json.get("components")
    assert [r.text for r in unanswered] == [NONE_Q, NONE_Q]


async def test_suggest_pick_and_none_of_these(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        await fd.message_create(a.general, a.alice, mention(bot, SUGGEST_Q))
        call = await fd.wait_for_message(a.general)
        ids = custom_ids(call.json)
        assert call.json["content"].startswith("🤔 혹시 이 질문인가요?")
        picks = [c for c in ids if c.startswith("faq:pick:")]
        assert 1 <= len(picks) <= 3 and ids[-1].startswith("faq:nomatch:")

        pick = await click(fd, call.response, picks[0], user=a.alice)
        cb = await pick.callback()
        assert cb.json["type"] == CHANNEL_MESSAGE_WITH_SOURCE and cb.json["data"]["flags"] == EPHEMERAL
        assert "**Q. 정기 세션은 언제 하나요?**" in content_of(cb.json)
        assert custom_ids(cb.json["data"])[0].startswith("faq:vote:up:")  # the asker may rate the pick
        assert cb.received_at - pick.sent_at < 3

        # Somebody else may read a suggestion but not speak for the asker.
        other = await click(fd, call.response, ids[-1], user=a.bob)
        assert "질문한 분만" in content_of((await other.callback()).json)
        mine = await click(fd, call.response, ids[-1], user=a.alice)
        assert "남겼어요" in content_of((await mine.callback()).json)
        unanswered = await bot.activity_log.unanswered(a.id)
    assert [r.text for r in unanswered] == [SUGGEST_Q] and unanswered[0].dismissed


async def test_bots_webhooks_and_itself_are_ignored(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        await bot.configs.add_channel(a.id, int(a.faq_channel))
        other_bot = fake_user(name="other-bot", bot=True)
        await fd.message_create(a.faq_channel, other_bot, ANSWER_Q)
        await fd.message_create(a.faq_channel, fd.bot_user, ANSWER_Q)
        await fd.message_create(a.general, other_bot, mention(bot, ANSWER_Q))
        hook = await fd.message_create(a.faq_channel, fake_user(name="hook", bot=True), ANSWER_Q)
        assert hook
        await quiet(fd)
        assert fd.messages_sent(a.faq_channel) == [] and fd.messages_sent(a.general) == []
        # A human's question still works, and the bot's own (echoed) answer is not answered again.
        await fd.message_create(a.faq_channel, a.alice, ANSWER_Q)
        await fd.wait_for_message(a.faq_channel)
        await quiet(fd)
        assert len(fd.messages_sent(a.faq_channel)) == 1


async def test_everyone_in_an_answer_never_pings(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        await fd.message_create(a.general, a.alice, mention(bot, PING_Q))
        call = await fd.wait_for_message(a.general)
    assert "@everyone @here" in call.json["content"] and "<@&2>" in call.json["content"]
    assert call.json["allowed_mentions"] == NO_PINGS
    assert call.response["mentions"] == [] and call.response["mention_everyone"] is False


async def test_passive_cooldown_per_user(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world, cooldown_s=60) as bot:
        await bot.configs.add_channel(a.id, int(a.faq_channel))
        await fd.message_create(a.faq_channel, a.alice, ANSWER_Q)
        await fd.wait_for_message(a.faq_channel)
        await fd.message_create(a.faq_channel, a.alice, "세션 시간")
        await quiet(fd)
        assert len(fd.messages_sent(a.faq_channel)) == 1  # alice is cooling down
        await fd.message_create(a.faq_channel, a.bob, "세션 시간")
        await fd.wait_for_message(a.faq_channel, lambda c: "화요일" in c.json["content"])
        # A mention is a direct request: no cooldown.
        await fd.message_create(a.faq_channel, a.alice, mention(bot, "세션 시간"))
        await fd.wait_for_message(
            a.faq_channel, lambda c: c.json.get("message_reference") and len(fd.messages_sent(a.faq_channel)) == 3
        )
        # The per-guild override applies at once.
        await bot.configs.set_cooldown(a.id, 0)
        await fd.message_create(a.faq_channel, a.bob, ANSWER_Q)
        await fd.wait_for_message(a.faq_channel, lambda c: len(fd.messages_sent(a.faq_channel)) == 4)


async def test_empty_and_huge_mentions(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        await fd.message_create(a.general, a.alice, mention(bot))
        call = await fd.wait_for_message(a.general)
        assert call.json["content"] == EMPTY_MENTION_TEXT

        await fd.message_create(a.general, a.alice, mention(bot, "   ?? ..  "))
        assert (await fd.wait_for_message(a.general, lambda c: len(fd.messages_sent(a.general)) == 2)).json[
            "content"
        ] == EMPTY_MENTION_TEXT

        # As long as Discord delivers (4,000 characters); the core/CLI suites take 100,000.
        huge = mention(bot, "회비 얼마예요? " + "정말 궁금해요 " * 1500)[:DELIVERED_CONTENT_MAX]
        await fd.message_create(a.general, a.alice, huge)
        call = await fd.wait_for_message(a.general, lambda c: len(fd.messages_sent(a.general)) == 3)
    assert len(call.json["content"]) <= CONTENT_LIMIT
    assert call.json["allowed_mentions"] == NO_PINGS


async def test_long_answer_is_split_within_limits(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        long_answer = "\n".join(f"{i}. 아주 긴 안내 문장입니다 " + "가" * 40 for i in range(30))[:1800]
        faq = await bot.service.add(a.id, __import__("faq.types").types.FaqDraft("가" * 290 + "?", long_answer), "t")
        await fd.message_create(a.general, a.alice, mention(bot, faq.question))
        await fd.wait_for_message(a.general, lambda c: bool(c.json.get("components")))
        sent = fd.messages_sent(a.general)
    assert len(sent) == 2
    assert all(len(c.json["content"]) <= CONTENT_LIMIT for c in sent)
    assert sent[0].json.get("message_reference") and not sent[0].json.get("components")
    assert custom_ids(sent[1].json)[0].startswith(f"faq:vote:up:{faq.id}:")


async def test_slow_model_never_blocks_the_event_loop(world: World) -> None:
    """Encoding runs in a worker thread: a 0.3 s encode per question leaves the loop responsive."""
    fd, a = world.fd, world.a
    encoder = HashingEncoder(delay_s=0.3)
    async with running_bot(world, encoder=encoder) as bot:
        worst = 0.0
        stop = asyncio.Event()

        async def ticker() -> None:
            nonlocal worst
            while not stop.is_set():
                before = time.perf_counter()
                await asyncio.sleep(0.01)
                worst = max(worst, time.perf_counter() - before - 0.01)

        task = asyncio.create_task(ticker())
        calls_before = len(encoder.calls)
        for user in (a.alice, a.bob, a.admin):
            await fd.message_create(a.general, user, mention(bot, ANSWER_Q))
        await fd.wait_for_message(a.general, lambda c: len(fd.messages_sent(a.general)) == 3, timeout=10)
        stop.set()
        await task
    assert len(encoder.calls) > calls_before  # the slow encoder really ran
    assert worst < 0.05, f"event loop blocked for {worst * 1000:.0f} ms"


async def test_callbacks_answer_within_three_seconds(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world, encoder=HashingEncoder(delay_s=0.3)):
        handle = await fd.interaction_slash("faq ask", {"question": ANSWER_Q}, guild_id=a.id, user=a.alice)
        cb = await handle.callback(timeout=3)
        assert cb.json["type"] == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE  # deferred before the slow encode
        followup = await handle.followup()
    assert cb.received_at - handle.sent_at < 3
    assert "회비는 얼마인가요?" in followup.json["content"]
    assert pings_nobody(followup.json)
    assert all(
        c.route in (CALLBACK_ROUTE, "/webhooks/{application_id}/{interaction_token}") for c in handle.responses()
    )


async def test_dms_off_by_default_and_answered_from_the_dm_scope_when_on(world: World) -> None:
    fd, a = world.fd, world.a
    dm = fd.dm_channel(a.alice)["id"]
    async with running_bot(world):
        await fd.message_create(dm, a.alice, ANSWER_Q)
        await quiet(fd)
        assert fd.messages_sent(dm) == []
    async with running_bot(world, dm_enabled=True, dm_guild=int(a.id)) as bot:
        assert bot.intents.dm_messages
        await fd.message_create(dm, a.alice, ANSWER_Q)
        reply = await fd.wait_for_message(dm)
        record = await bot.activity_log.get_query(a.id, int(custom_ids(reply.json)[0].split(":")[-1]))
    assert "회비는 얼마인가요?" in reply.json["content"] and record.source == Source.DM
