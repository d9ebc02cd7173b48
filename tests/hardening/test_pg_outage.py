"""The bot on PostgreSQL when the server goes away mid-run: it keeps answering from memory, refuses
writes with a clear message (nothing half-written, nothing lost silently), and carries on when the
server is back. At start, an unreachable server is one clear line and a non-zero exit."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from faq.errors import StorageError
from faq.types import FaqDraft
from tests.bot.conftest import world as world
from tests.bot.helpers import ANSWER_Q, World, content_of, custom_ids, mention, running_bot
from tests.pg_fixtures import start_cluster, stop_cluster

pytestmark = [pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parents[2]


async def test_answers_from_memory_and_refuses_writes_while_the_server_is_down(
    world: World, pg_schema_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    world.db = pg_schema_url  # type: ignore[assignment]
    fd, a = world.fd, world.a
    async with running_bot(world, max_questions_per_hour=30) as bot:
        await fd.message_create(a.general, a.alice, mention(bot, ANSWER_Q))
        first = await fd.wait_for_message(a.general)
        assert custom_ids(first.json)  # logged: feedback buttons
        if not stop_cluster():
            pytest.skip("the server is not this run's own (FAQBOT_TEST_PG): cannot stop it")
        try:
            with caplog.at_level(logging.WARNING):
                await fd.message_create(a.general, a.bob, mention(bot, ANSWER_Q))
                down = await fd.wait_for_message(a.general, since=first.received_at + 1e-6)
            assert down.json["content"].startswith("**Q. 회비는 얼마인가요?**")  # from memory
            assert not custom_ids(down.json)  # nothing logged, so no buttons to press
            assert any("unreachable" in r.getMessage() for r in caplog.records)
            # An admin's edit is refused, saying why; nothing is applied in memory either.
            handle = await fd.interaction_slash(
                "faq-admin config channel-add", {"channel": a.faq_channel}, guild_id=a.id, user=a.admin
            )
            responses = [content_of((await handle.callback()).json)]
            if not responses[0]:
                responses.append((await handle.followup()).json.get("content", ""))
            assert any("데이터베이스" in text for text in responses), responses
            with pytest.raises(StorageError, match="연결할 수 없습니다"):
                await bot.service.add(a.id, FaqDraft("서버가 없을 때 질문", "답"), "admin")
            assert (await bot.service.ask(a.id, ANSWER_Q)).best.faq_id == a.faq_ids[0]
        finally:
            start_cluster()
        added = await bot.service.add(a.id, FaqDraft("서버가 돌아온 뒤 질문", "답"), "admin")  # writes work again
        assert added.id > max(a.faq_ids)
        await fd.message_create(a.general, a.alice, mention(bot, ANSWER_Q))
        back = await fd.wait_for_message(a.general, since=down.received_at + 1e-6)
        assert custom_ids(back.json)


def test_run_exits_with_one_line_when_the_database_is_unreachable(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAQBOT_", "DISCORD_"))}
    env.update(
        HOME=str(tmp_path),
        PYTHONPATH=str(ROOT),
        FAQBOT_DB="postgresql://bot:s3cret@127.0.0.1:1/faq",
        DISCORD_TOKEN="MTIzNDU2Nzg5MDEyMzQ1Njc4.GAbCdE.abcdefghijklmnopqrstuvwxyz0123456789AB",
        FAQBOT_MODEL="static",  # a fast real model: the database is what fails here
    )
    done = subprocess.run(
        [sys.executable, "-m", "faqbot", "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=90
    )
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if not line.startswith(("INFO ", "DEBUG "))]
    assert len(errors) == 1, done.stderr  # one line (log lines of the start-up aside), no traceback
    assert "데이터베이스에 연결할 수 없습니다" in errors[0] and "s3cret" not in done.stderr
