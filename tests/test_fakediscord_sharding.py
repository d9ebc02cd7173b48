"""The fake Discord shards like the real gateway (Gateway docs, "Sharding"; tests/fakediscord/gateway.py).

IDENTIFY's ``shard: [shard_id, num_shards]`` is checked (4010 Invalid Shard), each guild's events
go only to the session of shard ``(guild_id >> 22) % num_shards``, guild-less events (DMs) only to
shard 0, READY lists only the shard's guilds, and ``GET /gateway/bot`` recommends a shard count.
Raw websocket sessions check the wire; an unmodified ``AutoShardedBot`` checks discord.py agrees.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
from discord.ext import commands

from tests.fakediscord import FakeDiscord, fake_user, member_payload, started_bot
from tests.fakediscord.gateway import (
    CLOSE_INVALID_SHARD,
    CLOSE_SHARDING_REQUIRED,
    IDENTIFY,
    GatewaySession,
    shard_of,
)
from tests.fakediscord.payloads import GuildIdGenerator

pytestmark = pytest.mark.timeout(30)

ALICE = fake_user(name="alice")


class RawSession:
    """One websocket to the fake gateway, identified by hand (no discord.py)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def dispatches(self, until: str | None = None, *, limit: float = 2.0) -> list[dict[str, Any]]:
        """DISPATCH payloads received until one of type ``until`` (None: until ``limit`` s of quiet)."""
        got: list[dict[str, Any]] = []
        while True:
            try:
                msg = await self.ws.receive(timeout=limit if until is None else 5.0)
            except TimeoutError:
                if until is None:
                    return got
                raise
            assert msg.type is aiohttp.WSMsgType.TEXT, msg
            payload = msg.json()
            if payload["op"] == 0:
                got.append(payload)
                if payload["t"] == until:
                    return got


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def identify(http: aiohttp.ClientSession, fd: FakeDiscord, shard: Any = None) -> RawSession:
    ws = await http.ws_connect(fd.gateway_url + "?v=10&encoding=json")
    hello = await ws.receive_json(timeout=5)
    assert hello["op"] == 10
    data: dict[str, Any] = {"token": "fake-token", "intents": 1 | 1 << 9 | 1 << 12 | 1 << 15, "properties": {}}
    if shard is not None:
        data["shard"] = shard
    await ws.send_json({"op": IDENTIFY, "d": data})
    return RawSession(ws)


def session_of(fd: FakeDiscord, shard_id: int, num_shards: int) -> GatewaySession:
    return fd.gateway.current[(shard_id, num_shards)]


def guild_events(session: GatewaySession, event: str) -> list[str]:
    """Ids of the guilds (None for a DM) of the ``event`` dispatches sent to ``session``."""
    key = "id" if event == "GUILD_CREATE" else "guild_id"
    return [p["d"].get(key) for p in session.history if p["t"] == event]


def test_consecutive_guild_ids_fall_on_consecutive_shards() -> None:
    make = GuildIdGenerator()
    ids = [make() for _ in range(8)]
    assert len({i >> 22 for i in ids}) == 8  # every timestamp differs: routing is exercised
    for count in (2, 3, 4):
        shards = [shard_of(i, count) for i in ids]
        assert all((b - a) % count == 1 for a, b in itertools.pairwise(shards)), (count, shards)
    pinned = [make((2, 4)) for _ in range(3)]
    assert [shard_of(i, 4) for i in pinned] == [2, 2, 2] and len(set(pinned)) == 3


@pytest.mark.parametrize("shard", [[2, 2], [0, 0], [-1, 2], [5, 4], [0], [0, 1, 2], "0,1", [True, 2], [0.0, 2]])
async def test_identify_with_an_invalid_shard_is_closed_4010(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession, shard: Any
) -> None:
    session = await identify(http, fake_discord, shard)
    msg = await session.ws.receive(timeout=5)
    assert msg.type is aiohttp.WSMsgType.CLOSE and msg.data == CLOSE_INVALID_SHARD
    assert fake_discord.gateway.identify_count == 0 and fake_discord.gateway.session is None


async def test_ready_and_startup_guilds_are_the_shards_own(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    fd = fake_discord
    guilds = [(await fd.guild_create(name=f"club{i}"))["id"] for i in range(4)]
    by_shard = {s: [g for g in guilds if shard_of(g, 2) == s] for s in (0, 1)}
    assert len(by_shard[0]) == len(by_shard[1]) == 2  # consecutive ids alternate
    for shard_id in (0, 1):
        session = await identify(http, fd, [shard_id, 2])
        ready, *creates = await session.dispatches()
        assert ready["t"] == "READY" and ready["d"]["shard"] == [shard_id, 2]
        assert [g["id"] for g in ready["d"]["guilds"]] == by_shard[shard_id]
        assert [c["t"] for c in creates] == ["GUILD_CREATE", "GUILD_CREATE"]
        assert [c["d"]["id"] for c in creates] == by_shard[shard_id]
    assert fd.gateway.identify_count == 2


async def test_guild_events_reach_only_their_shard_and_dms_only_shard_0(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    fd = fake_discord
    on_0 = await fd.guild_create(name="zero", shard=(0, 2), members=[member_payload(ALICE)])
    on_1 = await fd.guild_create(name="one", shard=(1, 2), members=[member_payload(ALICE)])
    raw = {s: await identify(http, fd, [s, 2]) for s in (0, 1)}
    for session in raw.values():
        await session.dispatches("GUILD_CREATE")
    await fd.message_create(fd.default_channel_id(on_1["id"]), ALICE, "on shard one")
    await fd.message_create(fd.default_channel_id(on_0["id"]), ALICE, "on shard zero")
    await fd.message_create(fd.dm_channel(ALICE)["id"], ALICE, "a DM")
    await fd.thread_create(fd.default_channel_id(on_1["id"]), "스레드")
    for guild in (on_0, on_1):
        await fd.dispatch("INTERACTION_CREATE", {"id": "1", "type": 2, "guild_id": guild["id"]})
    await fd.dispatch("INTERACTION_CREATE", {"id": "2", "type": 2})  # in a DM: no guild_id
    await fd.dispatch("ENTITLEMENT_CREATE", {"id": "3"})  # no guild: "only sent to the first shard"
    late = await fd.guild_create(name="joined later", shard=(1, 2))

    zero, one = session_of(fd, 0, 2), session_of(fd, 1, 2)
    assert guild_events(zero, "MESSAGE_CREATE") == [on_0["id"], None]  # its guild's message, and the DM
    assert guild_events(one, "MESSAGE_CREATE") == [on_1["id"]]
    assert guild_events(zero, "INTERACTION_CREATE") == [on_0["id"], None]
    assert guild_events(one, "INTERACTION_CREATE") == [on_1["id"]]
    assert guild_events(zero, "THREAD_CREATE") == [] and guild_events(one, "THREAD_CREATE") == [on_1["id"]]
    assert [p["t"] for p in zero.history].count("ENTITLEMENT_CREATE") == 1
    assert "ENTITLEMENT_CREATE" not in [p["t"] for p in one.history]
    assert guild_events(zero, "GUILD_CREATE") == [on_0["id"]]
    assert guild_events(one, "GUILD_CREATE") == [on_1["id"], late["id"]]
    # On the wire, too: shard 1 got exactly its own events, in order.
    wire = [(p["t"], p["d"].get("content")) for p in await raw[1].dispatches(limit=0.5)]
    assert wire == [
        ("MESSAGE_CREATE", "on shard one"),
        ("THREAD_CREATE", None),
        ("INTERACTION_CREATE", None),
        ("GUILD_CREATE", None),
    ]


async def test_a_guild_on_a_shard_nobody_runs_arrives_when_it_identifies(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    fd = fake_discord
    zero = await identify(http, fd, [0, 2])
    await zero.dispatches("READY")
    orphan = await fd.guild_create(name="no shard yet", shard=(1, 2))
    assert await fd.dispatch("MESSAGE_CREATE", {"id": "9", "guild_id": orphan["id"]}) == 0  # dropped
    one = await identify(http, fd, [1, 2])
    ready, create = await one.dispatches("GUILD_CREATE")
    assert [g["id"] for g in ready["d"]["guilds"]] == [orphan["id"]] and create["d"]["id"] == orphan["id"]
    assert guild_events(session_of(fd, 0, 2), "GUILD_CREATE") == []


async def test_too_many_guilds_for_one_shard_is_closed_4011(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    fd = fake_discord
    fd.gateway.max_guilds_per_shard = 2  # Discord's 2,500, scaled down
    for i in range(3):
        await fd.guild_create(name=f"club{i}")
    unsharded = await identify(http, fd)
    msg = await unsharded.ws.receive(timeout=5)
    assert msg.type is aiohttp.WSMsgType.CLOSE and msg.data == CLOSE_SHARDING_REQUIRED
    sharded = await identify(http, fd, [0, 2])  # two of the three
    ready = (await sharded.dispatches("READY"))[-1]
    assert len(ready["d"]["guilds"]) == 2


async def test_gateway_bot_recommends_a_shard_count(fake_discord: FakeDiscord, http: aiohttp.ClientSession) -> None:
    fd = fake_discord

    async def recommended() -> int:
        async with http.get(f"{fd.api_base}/gateway/bot", headers={"Authorization": "Bot fake-token"}) as resp:
            body = await resp.json()
        assert body["url"] == fd.gateway_url and body["session_start_limit"]["max_concurrency"] == 1
        return int(body["shards"])

    assert await recommended() == 1
    for _ in range(1001):  # only counted: no need for whole guilds
        gid = str(fd.guild_snowflake())
        fd.guilds[gid] = {"id": gid}
    assert await recommended() == 2
    fd.recommended_shards = 5
    assert await recommended() == 5


class ShardedEcho(commands.AutoShardedBot):
    """An unmodified AutoShardedBot that echoes with the shard it heard on."""

    def __init__(self, **options: Any) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(command_prefix="!", intents=intents, **options)
        self.heard: list[tuple[str, int | None]] = []

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No 5 s wait between shards: the fake has no identify rate limit."""

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        shard = message.guild.shard_id if message.guild else None
        self.heard.append((message.content, shard))
        await message.channel.send(f"echo: {message.content}")


@pytest.mark.parametrize("configured", [True, False], ids=["shard_count-given", "from-gateway-bot"])
async def test_an_auto_sharded_discord_py_bot_gets_each_guild_on_its_shard(
    fake_discord: FakeDiscord, configured: bool
) -> None:
    fd = fake_discord
    guilds = [await fd.guild_create(name=f"club{i}", members=[member_payload(ALICE)]) for i in range(4)]
    if not configured:
        fd.recommended_shards = 2  # discord.py asks GET /gateway/bot when shard_count is None
    bot = ShardedEcho(shard_count=2 if configured else None)
    async with started_bot(bot, fd):
        assert sorted(bot.shards) == [0, 1] and bot.shard_count == 2
        assert {g.id: g.shard_id for g in bot.guilds} == {int(g["id"]): shard_of(g["id"], 2) for g in guilds}
        for guild in guilds:
            await fd.message_create(fd.default_channel_id(guild["id"]), ALICE, f"hi {guild['name']}")
        await fd.message_create(fd.dm_channel(ALICE)["id"], ALICE, "dm")
        for guild in guilds:
            await fd.wait_for_message(fd.default_channel_id(guild["id"]))
        await fd.wait_for_message(fd.dm_channel(ALICE)["id"])
        await asyncio.sleep(0.2)
    assert sorted(bot.heard, key=str) == sorted(
        [(f"hi {g['name']}", shard_of(g["id"], 2)) for g in guilds] + [("dm", None)], key=str
    )
    assert sorted(s.key for s in fd.gateway.current.values()) == [(0, 2), (1, 2)]
    assert fd.gateway.identify_count == 2
