"""Sharded Discord in one process: the launcher picks ``AutoShardedClient`` when ``FAQBOT_SHARD_COUNT`` is set,
the bot behaves the same on every shard, and the heartbeat / ``faqbot status`` report the shards.

Several processes splitting the shards: tests/hardening/test_shard_processes.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import discord
import pytest

from bot.client import FaqBot, ShardedFaqBot, make_bot
from faq.activity import ActivityLog
from faq.health import Heartbeat, describe_client, processes
from faq.scope_config import ScopeConfigs
from faqbot.app import open_service
from faqbot.commands.status import format_report, gather
from faqbot.launcher import build_bot, run_bot
from model.fake import HashingEncoder
from tests.bot.conftest import world as world
from tests.bot.helpers import ANSWER_Q, FAQS, World, bot_settings, custom_ids, mention
from tests.fakediscord import point_discord_at, started_bot
from tests.fakediscord.gateway import shard_of

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(autouse=True)
def _no_identify_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """discord.py waits 5 s before each further shard's IDENTIFY (Discord's rate limit); the fake has none."""

    async def at_once(self: discord.Client, shard_id: int | None, *, initial: bool = False) -> None:
        return None

    monkeypatch.setattr(ShardedFaqBot, "before_identify_hook", at_once)


def deps(service: Any, **settings: Any) -> dict[str, Any]:
    return {
        "service": service,
        "activity_log": ActivityLog(service.store),
        "configs": ScopeConfigs(service.store),
        "settings": bot_settings(service.store.path, **settings),
    }


async def test_make_bot_picks_the_client_class(world: World) -> None:
    async with open_service(bot_settings(world.db), encoder=HashingEncoder()) as service:
        plain = make_bot(**deps(service))
        assert type(plain) is FaqBot and not isinstance(plain, discord.AutoShardedClient)
        sharded = make_bot(shard_count=4, shard_ids=(2, 3), **deps(service))
        assert isinstance(sharded, FaqBot) and isinstance(sharded, discord.AutoShardedClient)
        assert (sharded.shard_count, sharded.shard_ids) == (4, [2, 3])
        assert sharded.chat is not plain.chat and sharded.service is service  # FaqBot's wiring, unchanged
        with pytest.raises(ValueError, match="shard_count"):
            make_bot(shard_ids=(0,), **deps(service))
        # What the settings ask for: unset = today's client; the count alone = every shard here.
        wiring = {k: v for k, v in deps(service).items() if k != "settings"}
        assert type(build_bot(bot_settings(world.db), **wiring)) is FaqBot
        everything = build_bot(bot_settings(world.db, shard_count=3), **wiring)
        assert isinstance(everything, ShardedFaqBot) and (everything.shard_count, everything.shard_ids) == (
            3,
            [0, 1, 2],
        )
        # Not started yet: the heartbeat names the configured shards, none connected.
        info = describe_client(everything, service)
        assert (info["shards"], info["shard_count"], info["gateways_connected"]) == ([0, 1, 2], 3, 0)


async def test_the_launcher_runs_every_shard_and_answers_on_each(world: World) -> None:
    fd, a, b = world.fd, world.a, world.b
    assert {shard_of(a.id, 2), shard_of(b.id, 2)} == {0, 1}  # the two clubs on different shards
    async with open_service(bot_settings(world.db), encoder=HashingEncoder()) as service:
        for club in (a, b):
            await service.import_drafts(club.id, FAQS, "test")
    settings = bot_settings(world.db, shard_count=2)
    ready: asyncio.Future[FaqBot] = asyncio.get_running_loop().create_future()
    with point_discord_at(fd):
        task = asyncio.create_task(run_bot(settings, encoder=HashingEncoder(), started=ready.set_result))
        bot = await asyncio.wait_for(ready, 60)
        bot._connection.guild_ready_timeout = 0.2
        await asyncio.wait_for(bot.wait_until_ready(), 30)
        assert isinstance(bot, ShardedFaqBot)
        identified = [f.d["shard"] for f in fd.gateway_frames if f.direction == "recv" and f.op == 2]
        assert sorted(identified) == [[0, 2], [1, 2]]
        assert {g.id: g.shard_id for g in bot.guilds} == {int(c.id): shard_of(c.id, 2) for c in (a, b)}
        for club in (a, b):
            await fd.message_create(club.general, club.alice, mention(bot, ANSWER_Q))
            reply = await fd.wait_for_message(club.general)
            assert "회비" in reply.json["content"]
        info = describe_client(bot, bot.service)  # what the launcher's heartbeat writes every 15 s
        assert (info["shards"], info["shard_count"], info["gateways_connected"], info["guilds"]) == ([0, 1], 2, 2, 2)
        report = await gather(world.db)  # its first beat, at start
        await bot.close()
        await asyncio.wait_for(task, 15)
    [row] = report["processes"]
    assert (row["shards"], row["shard_count"]) == ([0, 1], 2)
    shown = format_report(report)
    assert "샤드 0,1/2 (게이트웨이 연결" in shown and "경고" not in shown, shown


async def test_status_warns_about_shards_nobody_runs_or_two_run(world: World) -> None:
    async with open_service(bot_settings(world.db), encoder=HashingEncoder()) as service:
        for shards in ([0, 1], [1]):
            info = {"shards": shards, "shard_count": 4, "gateways_connected": len(shards), "guilds": 1}
            await Heartbeat(service.store, lambda info=info: info).beat()
        assert len(await processes(service.store)) == 2
    shown = format_report(await gather(world.db))
    assert "경고: 샤드 2,3/4을(를) 맡은 프로세스가 없습니다" in shown
    assert "경고: 샤드 1/4을(를) 두 프로세스 이상이 맡고 있습니다" in shown


@asynccontextmanager
async def sharded_bot(world: World, shard_ids: list[int], count: int, **settings: Any) -> AsyncIterator[FaqBot]:
    async with open_service(bot_settings(world.db, **settings), encoder=HashingEncoder()) as service:
        for club in (world.a, world.b):
            if not await service.list(club.id):
                await service.import_drafts(club.id, FAQS, "test")
        bot = make_bot(shard_count=count, shard_ids=shard_ids, **deps(service, **settings))
        async with started_bot(bot, world.fd):
            yield bot


async def test_a_dm_is_logged_for_a_member_of_a_dm_guild_on_another_shard(world: World) -> None:
    """Every DM arrives on shard 0; the DM guild may live on a shard another process runs."""
    fd = world.fd
    club = next(c for c in (world.a, world.b) if shard_of(c.id, 2) == 1)
    async with sharded_bot(world, [0], 2, dm_enabled=True, dm_guild=int(club.id)) as bot:
        assert bot.get_guild(int(club.id)) is None  # not this process's guild
        dm = fd.dm_channel(club.alice)["id"]
        await fd.message_create(dm, club.alice, ANSWER_Q)
        reply = await fd.wait_for_message(dm)
        logged = await bot.activity_log.stats(club.id)
    assert "회비" in reply.json["content"]
    assert custom_ids(reply.json)[0].startswith("faq:vote:up:")  # a member's question: logged, votable
    assert logged.total == 1
