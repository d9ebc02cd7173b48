"""``faqbot status`` and the heartbeat it reads: database, bot processes (shards, gateways, model), last hour."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.client import FaqBot
from faq.activity import ActivityLog, Source
from faq.health import Heartbeat, processes
from faq.store import FaqStore
from faq.types import Answer, Status
from faqbot import cli
from faqbot.launcher import run_bot
from model.fake import HashingEncoder
from tests.bot.conftest import world as world
from tests.bot.helpers import World, bot_settings, mention
from tests.fakediscord import point_discord_at


async def status(*argv: str) -> int:
    return await asyncio.to_thread(cli.main, ["status", *argv])


async def test_no_bot_running_is_exit_1_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "faq.db")
    assert await status("--db", db) == 1
    out = capsys.readouterr().out
    assert "연결됨" in out and "실행 중인 봇 없음" in out


async def test_a_beating_process_and_the_last_hour_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "faq.db")
    store = await FaqStore.open(db)
    info = {
        "shards": [0, 1],
        "shard_count": 4,
        "gateways_connected": 2,
        "guilds": 7,
        "model": "abc",
        "model_loaded": True,
    }
    beat = Heartbeat(store, lambda: info)
    dead = Heartbeat(store, lambda: {**info, "shards": [2, 3]})
    try:
        await beat.beat()
        await dead.beat()
        async with store.transaction() as conn:  # the second process stopped beating two minutes ago
            await conn.execute(
                "UPDATE bot_processes SET seen_at = '2000-01-01T00:00:00+00:00' WHERE id = ?", (dead.id,)
            )
        await ActivityLog(store).record_query("g1", Answer(Status.NONE, "주차 되나요?"), user_id=1, source=Source.DM)
        assert await status("--db", db, "--json") == 0
        report = json.loads(capsys.readouterr().out)
        assert report["database"]["reachable"] and report["last_hour"] == {"questions": 1, "answered": 0}
        alive = {p["id"]: p["alive"] for p in report["processes"]}
        assert alive == {beat.id: True, dead.id: False}
        assert await status("--db", db) == 0
        out = capsys.readouterr().out
        assert "샤드 0,1/4 (게이트웨이 연결 2/2)" in out and "응답 없음" in out and "질문 1개" in out
        await beat.stop()
        assert [p.id for p in await processes(store)] == [dead.id]  # a clean stop removes its row
    finally:
        await store.close()


async def test_unreachable_database_is_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert await status("--db", "postgresql://bot:pw@127.0.0.1:1/faq") == 1
    out = capsys.readouterr().out.strip()
    assert out.startswith("데이터베이스: 연결 안 됨") and len(out.splitlines()) == 1 and ":pw@" not in out


async def test_the_running_bot_beats_with_its_gateway_and_model(world: World) -> None:
    settings = bot_settings(world.db)
    ready: asyncio.Future[FaqBot] = asyncio.get_running_loop().create_future()
    with point_discord_at(world.fd):
        task = asyncio.create_task(run_bot(settings, encoder=HashingEncoder(), started=ready.set_result))
        bot = await asyncio.wait_for(ready, 60)  # a loaded CI machine
        bot._connection.guild_ready_timeout = 0.2
        await asyncio.wait_for(bot.wait_until_ready(), 30)
        await world.fd.message_create(world.a.general, world.a.alice, mention(bot, "아무 질문"))
        await world.fd.wait_for_message(world.a.general)
        rows = await processes(bot.service.store)
        assert len(rows) == 1 and rows[0].info["model_loaded"] and rows[0].info["model"] == HashingEncoder().fingerprint
        await bot.close()
        await asyncio.wait_for(task, 15)
    store = await FaqStore.open(world.db)
    try:
        assert await processes(store) == []  # stopped cleanly: its row is gone
    finally:
        await store.close()
