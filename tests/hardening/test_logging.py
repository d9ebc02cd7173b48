"""What the bot writes to its log: never the token; members' text only when the operator opts in."""

from __future__ import annotations

import io
import logging

import pytest

from bot.log_policy import CONTENT_LOGGERS
from faqbot.launcher import configure_logging
from tests.bot.conftest import world as world
from tests.bot.helpers import ANSWER_Q, World, bot_settings, click, mention, running_bot, vote_id

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


@pytest.mark.parametrize("opt_in", [False, True])
async def test_debug_log_has_no_tokens_and_library_content_only_when_enabled(world: World, opt_in: bool) -> None:
    """Issue 16 #9: at DEBUG, discord.py's gateway/http/webhook and aiosqlite loggers carry members' text and
    interaction tokens. They stay at WARNING unless content logging is on; tokens are redacted at every level."""
    fd, a = world.fd, world.a
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    saved = {name: logging.getLogger(name).level for name in ("", *CONTENT_LOGGERS)}
    root.addHandler(handler)
    handles = []
    try:
        configure_logging(bot_settings(world.db, log_level="DEBUG", log_message_content=opt_in))
        async with running_bot(world, log_level="DEBUG", log_message_content=opt_in) as bot:
            await fd.message_create(a.general, a.alice, mention(bot, SECRET_QUESTION))
            await fd.wait_for_message(a.general)
            await fd.message_create(a.general, a.alice, mention(bot, ANSWER_Q))
            answer = await fd.wait_for_message(a.general, lambda c: len(fd.messages_sent(a.general)) == 2)
            vote = await click(fd, answer.response, vote_id(answer.json), user=a.alice)
            await vote.callback()
            ask = await fd.interaction_slash("faq ask", {"question": SECRET_QUESTION}, guild_id=a.id, user=a.alice)
            await ask.callback()
            await ask.followup()
            handles += [vote, ask]
    finally:
        root.removeHandler(handler)
        for name, level in saved.items():
            logging.getLogger(name or None).setLevel(level)
    text = stream.getvalue()
    assert text  # DEBUG logging really ran
    assert "fake-token" not in text
    for handle in handles:
        assert handle.token not in text
    assert ("비밀문구-7f3a" in text) is opt_in
    if opt_in:  # the library loggers did log the requests: with the token cut out
        assert "/interactions/" in text and "<redacted>" in text
