"""Start-up, restart and shutdown: persistent buttons, command sync, the launcher, signals."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from bot.client import FaqBot
from faq.activity import ActivityLog
from faq.store import FaqStore
from faqbot.launcher import run_bot
from model.fake import HashingEncoder
from tests.bot.helpers import (
    ANSWER_Q,
    EPHEMERAL,
    World,
    bot_settings,
    click,
    content_of,
    mention,
    running_bot,
    vote_id,
)
from tests.fakediscord import point_discord_at
from tests.fakediscord.constants import CHANNEL_MESSAGE_WITH_SOURCE

pytestmark = pytest.mark.timeout(30)


async def test_feedback_buttons_work_after_a_restart(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        await fd.message_create(a.general, a.alice, mention(bot, ANSWER_Q))
        answer = await fd.wait_for_message(a.general)
    up = vote_id(answer.json, "up")

    # A new process: new bot instance, same database, a click on the old message's button.
    async with running_bot(world) as bot2:
        assert bot2 is not bot
        by_other = await click(fd, answer.response, up, user=a.bob)
        assert "질문한 분만" in content_of((await by_other.callback()).json)
        vote = await click(fd, answer.response, up, user=a.alice)
        cb = await vote.callback()
        pending = await bot2.activity_log.feedback_pairs(a.id)
    assert cb.json["type"] == CHANNEL_MESSAGE_WITH_SOURCE and cb.json["data"]["flags"] == EPHEMERAL
    assert "피드백 고마워요" in content_of(cb.json)
    assert [(p.text, p.faq_question) for p in pending] == [(ANSWER_Q, "회비는 얼마인가요?")]


async def test_dev_guild_sync_only_without_the_flag(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world, sync_global=False, dev_guild=int(a.id)):
        puts = fd.calls("PUT")
        handle = await fd.interaction_slash("faq show", {"faq_id": a.faq_ids[0]}, guild_id=a.id, user=a.alice)
        assert "회비" in content_of((await handle.callback()).json)
    assert [c.route for c in puts] == ["/applications/{application_id}/guilds/{guild_id}/commands"]
    assert puts[0].params["guild_id"] == a.id
    names = {c["name"] for c in puts[0].json}
    assert names == {"faq", "faq-admin"}
    admin = next(c for c in puts[0].json if c["name"] == "faq-admin")
    assert int(admin["default_member_permissions"]) == 1 << 5  # Manage Server, as the UI hint
    assert next(c for c in puts[0].json if c["name"] == "faq")["default_member_permissions"] is None


async def test_launcher_runs_and_shuts_down_cleanly_on_sigterm(world: World) -> None:
    """run_bot wires settings → store → service → bot; SIGTERM closes all and keeps the writes."""
    fd, a = world.fd, world.a
    settings = bot_settings(world.db)
    ready: asyncio.Future[FaqBot] = asyncio.get_running_loop().create_future()
    with point_discord_at(fd):
        task = asyncio.create_task(
            run_bot(settings, sync_global=True, encoder=HashingEncoder(), started=ready.set_result)
        )
        bot = await asyncio.wait_for(ready, 10)
        bot._connection.guild_ready_timeout = 0.2
        await asyncio.wait_for(bot.wait_until_ready(), 10)
        await fd.message_create(a.general, a.alice, mention(bot, "아무 질문"))
        await fd.wait_for_message(a.general)
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(task, 15)
    assert bot.is_closed()
    store = await FaqStore.open(world.db)  # the launcher closed it; the write is on disk
    try:
        stats = await ActivityLog(store).stats(a.id)
    finally:
        await store.close()
    assert stats.total == 1
