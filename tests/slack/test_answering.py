"""Asking on Slack, end to end through the real slack-bolt and the fake Slack."""

from __future__ import annotations

from tests.slack.helpers import (
    ANSWER_Q,
    NONE_Q,
    PING_Q,
    SUGGEST_Q,
    SlackWorld,
    action_ids,
    quiet,
    replies_in_thread,
    running_slack,
    text_of,
)


async def test_answer_suggest_none_in_the_thread(world: SlackWorld) -> None:
    fs, a = world.fs, world.a
    async with running_slack(world):
        posted, _ = await fs.mention(a.alice, ANSWER_Q)
        (reply,) = await replies_in_thread(fs, posted)
        text = text_of(reply.blocks)
        assert "Q. 회비는 얼마인가요?" in text and "3만 원" in text
        assert f"FAQ #{a.faq_ids[0]}" in text and "신뢰도" in text
        ids = action_ids(reply)
        assert len(ids) == 2 and ids[0].startswith(f"faq:vote:up:{a.faq_ids[0]}:")
        call = fs.calls("chat.postMessage")[-1]
        assert "link_names" not in call.args
        assert all(b["text"].get("verbatim") for b in reply.blocks if b["type"] == "section")

        posted, _ = await fs.mention(a.alice, SUGGEST_Q)
        (reply,) = await replies_in_thread(fs, posted)
        ids = action_ids(reply)
        assert any(i.startswith("faq:pick:") for i in ids) and ids[-1].startswith("faq:nomatch:")

        posted, _ = await fs.mention(a.alice, NONE_Q)
        (reply,) = await replies_in_thread(fs, posted)
        assert "운영진" in text_of(reply.blocks) and action_ids(reply) == []


async def test_reply_in_an_existing_thread_goes_to_that_thread(world: SlackWorld) -> None:
    fs, a = world.fs, world.a
    async with running_slack(world):
        parent, _ = await fs.send_message(a.bob, "아무 이야기")
        posted, _ = await fs.mention(a.alice, ANSWER_Q, thread_ts=parent.ts)
        await fs.wait_for_call("chat.postMessage", lambda c: c.args.get("thread_ts") == parent.ts)
        assert not fs.bot_messages(posted.channel, thread_ts=posted.ts)


async def test_twins_and_retries_get_one_answer(world: SlackWorld) -> None:
    fs, a = world.fs, world.a
    async with running_slack(world):
        posted, deliveries = await fs.mention(a.alice, ANSWER_Q)
        assert len(deliveries) == 2  # message + app_mention
        await replies_in_thread(fs, posted)
        for d in deliveries:
            await fs.redeliver(d)  # Slack retrying both (retry_attempt 1)
        await quiet(fs)
        assert len(fs.bot_messages(posted.channel, thread_ts=posted.ts)) == 1


async def test_dm_is_answered_and_bots_are_not(world: SlackWorld) -> None:
    fs, a = world.fs, world.a
    async with running_slack(world):
        dm = fs.im(a.alice)
        posted, _ = await fs.send_message(a.alice, ANSWER_Q, dm)
        (reply,) = await replies_in_thread(fs, posted)
        assert "3만 원" in text_of(reply.blocks)
        other_bot = fs.add_user(a.team_id, "otherbot", bot=True)
        event = {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "B999",
            "channel": dm.id,
            "ts": "1.5",
            "text": ANSWER_Q,
            "user": other_bot.id,
            "channel_type": "im",
            "team": a.team_id,
        }
        await fs.send_event(a.team_id, event)
        await quiet(fs)
        assert len(fs.bot_messages(dm.id)) == 1


async def test_faq_channel_answers_without_mention_with_cooldown(world: SlackWorld) -> None:
    fs, a = world.fs, world.a
    async with running_slack(world) as adapter:
        await adapter.core.configs.add_channel(a.scope, a.general.id)
        posted, _ = await fs.send_message(a.alice, ANSWER_Q)
        await replies_in_thread(fs, posted)
        again, _ = await fs.send_message(a.alice, ANSWER_Q)  # within the cooldown
        chatter, _ = await fs.send_message(a.bob, NONE_Q)  # passive: no answer for chat
        await quiet(fs)
        assert not fs.bot_messages(a.general.id, thread_ts=again.ts)
        assert not fs.bot_messages(a.general.id, thread_ts=chatter.ts)


async def test_channel_ping_in_an_answer_is_escaped(world: SlackWorld) -> None:
    fs, a = world.fs, world.a
    async with running_slack(world):
        posted, _ = await fs.mention(a.alice, PING_Q)
        (reply,) = await replies_in_thread(fs, posted)
        text = text_of(reply.blocks)
        assert "&lt;!channel&gt;" in text and "&lt;!subteam^S1&gt;" in text and "&amp; 끝" in text
        assert fs.pinged == []  # assert_clean checks it too


async def test_two_workspaces_are_isolated(world: SlackWorld) -> None:
    fs, a, b = world.fs, world.a, world.b
    async with running_slack(world) as adapter:
        await adapter.core.service.update(
            b.scope, b.faq_ids[0], type(FAQ0)(FAQ0.question, "B 워크스페이스 회비: 5만 원", FAQ0.alternates), "t"
        )
        pa, _ = await fs.mention(a.alice, ANSWER_Q)
        pb, _ = await fs.mention(b.alice, ANSWER_Q, b.general)
        (ra,) = await replies_in_thread(fs, pa)
        (rb,) = await replies_in_thread(fs, pb)
        assert "3만 원" in text_of(ra.blocks) and "5만 원" not in text_of(ra.blocks)
        assert "5만 원" in text_of(rb.blocks)


from tests.slack.helpers import FAQS  # noqa: E402

FAQ0 = FAQS[0]
