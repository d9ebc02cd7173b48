"""What the bot writes to its log: never the token; members' text only when the operator opts in."""

from __future__ import annotations

import logging

import pytest

from tests.bot.conftest import World, mention, running_bot
from tests.bot.conftest import world as world

pytestmark = pytest.mark.timeout(30)

SECRET_QUESTION = "회비 얼마예요 비밀문구-7f3a"


@pytest.mark.parametrize("opt_in", [False, True])
async def test_log_has_no_token_and_content_only_when_enabled(
    world: World, caplog: pytest.LogCaptureFixture, opt_in: bool
) -> None:
    fd, a = world.fd, world.a
    caplog.set_level(logging.DEBUG)
    async with running_bot(world, log_message_content=opt_in) as bot:
        await fd.message_create(a.general, a.alice, mention(bot, SECRET_QUESTION))
        await fd.wait_for_message(a.general)
        await fd.message_create(a.general, a.alice, mention(bot, "BOOM"))
        await fd.wait_for_message(a.general, lambda c: len(fd.messages_sent(a.general)) == 2)
    everything = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "fake-token" not in everything  # not even at DEBUG
    info = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert ("비밀문구-7f3a" in info) is opt_in
    assert ("<" in info and "자>" in info) is not opt_in  # lengths only by default
