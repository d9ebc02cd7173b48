"""Hostile input through the real discord.py client and the local fake Discord.

One bot serves the whole module (starting one per case would dominate the run). Every case
checks what a member or admin would see: exactly one reply (or a deliberate silence), within
Discord's limits, pinging nobody (``allowed_mentions`` parses nothing, and the fake computes
``mentions == []`` and ``mention_everyone == false``), and no change to the database unless
the input was a valid write.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from bot.client import FaqBot
from bot.replies import CONTENT_LIMIT
from chat.messages import EMPTY_MENTION_TEXT
from faq.types import FaqDraft
from tests.bot.conftest import world as world
from tests.bot.helpers import (
    ANSWER_Q,
    EPHEMERAL,
    Club,
    World,
    content_of,
    forged_click,
    make_club,
    mention,
    pings_nobody,
    running_bot,
)
from tests.fakediscord import MEMBER_PERMISSIONS, FakeDiscord, RecordedCall
from tests.fakediscord.constants import CHANNEL_MESSAGE_WITH_SOURCE
from tests.fakediscord.limits import DELIVERED_CONTENT_MAX
from tests.hardening.hostile import FAQ_TEXTS, QUESTIONS, FaqText, Question, import_files, snapshot

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(60)]

# Discord delivers valid UTF-8 only: lone surrogates cannot reach the bot through the gateway.
DISCORD_QUESTIONS = [q for q in QUESTIONS if not any(0xD800 <= ord(c) <= 0xDFFF for c in q.text)]


def delivered(content: str) -> str:
    """What Discord delivers of a message: at most 4,000 characters (2,000 without Nitro).

    The 100,000-character cases keep their intent here at the longest deliverable length;
    ``test_hostile_input.py`` gives the core and the CLI the full texts.
    """
    return content[:DELIVERED_CONTENT_MAX]


DISCORD_IMPORTS = [f for f in import_files() if len(f.data) <= 2**20 and not f.replace]


class Harness:
    def __init__(self, world: World, bot: FaqBot) -> None:
        self.world, self.bot, self.fd = world, bot, world.fd
        self.a, self.b = world.a, world.b

    async def ask(self, club: Club, user: dict[str, Any], content: str) -> RecordedCall:
        sent = await self.fd.message_create(club.general, user, content)
        return await self.fd.wait_for_message(club.general, lambda c: replies_to(c, sent), timeout=10)


def replies_to(call: RecordedCall, message: dict[str, Any]) -> bool:
    return str((call.json.get("message_reference") or {}).get("message_id")) == str(message["id"])


def safe(call: RecordedCall) -> None:
    """Within Discord's limits and pinging nobody, as sent and as Discord computed it."""
    assert pings_nobody(call.json), call.json.get("allowed_mentions")
    assert len(call.json.get("content") or "") <= CONTENT_LIMIT
    assert call.response.get("mentions") == [] and not call.response.get("mention_everyone")
    assert not call.response.get("mention_roles")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    async with FakeDiscord() as fd:
        world = World(
            fd, tmp_path_factory.mktemp("discord") / "bot.db", await make_club(fd, "A"), await make_club(fd, "B")
        )
        async with running_bot(world) as bot:
            await bot.configs.add_channel(world.a.id, int(world.a.faq_channel))
            await bot.configs.set_cooldown(world.a.id, 0)
            yield Harness(world, bot)
        fd.assert_no_unmatched_calls()
        fd.assert_no_refused_calls()


@pytest.mark.parametrize("case", DISCORD_QUESTIONS, ids=lambda c: c.id)
async def test_mention(h: Harness, case: Question) -> None:
    before = snapshot(h.world.db)
    reply = await h.ask(h.a, h.a.alice, delivered(mention(h.bot, case.text)))
    safe(reply)
    if case.empty:
        assert reply.json["content"] == EMPTY_MENTION_TEXT
        assert snapshot(h.world.db) == before  # nothing to log
    else:
        assert reply.json["content"] != EMPTY_MENTION_TEXT and "오류" not in reply.json["content"]


async def test_faq_channel_burst_of_hostile_messages(h: Harness) -> None:
    """Every hostile text posted at once in an FAQ channel: at most one reply each, none to empties."""
    fd, a = h.fd, h.a
    sent = [
        await fd.message_create(a.faq_channel, a.bob, delivered(case.text or "\u200b")) for case in DISCORD_QUESTIONS
    ]
    await asyncio.sleep(1.0)
    await fd.settle()
    replies = fd.messages_sent(a.faq_channel)
    for case, message in zip(DISCORD_QUESTIONS, sent, strict=True):
        mine = [c for c in replies if replies_to(c, message)]
        assert len(mine) <= (0 if case.empty else 1), case.id
    for call in replies:
        safe(call)


ADDABLE = [c for c in FAQ_TEXTS if c.error is None and "surrogate" not in c.id]


@pytest.mark.parametrize("case", ADDABLE, ids=lambda c: c.id)
async def test_hostile_faq_text_is_answered_without_pings(h: Harness, case: FaqText) -> None:
    faq = await h.bot.service.add(h.b.id, FaqDraft(case.question, case.answer, case.alternates), "admin")
    reply = await h.ask(h.b, h.b.alice, mention(h.bot, faq.question))
    safe(reply)
    assert f"FAQ #{faq.id}" in reply.json["content"] or "혹시" in reply.json["content"]
    await h.bot.service.remove(h.b.id, faq.id, "admin")


@pytest.mark.parametrize("case", DISCORD_IMPORTS, ids=lambda c: c.id)
async def test_import_attachment(h: Harness, case: Any) -> None:
    fd, a = h.fd, h.a
    before = snapshot(h.world.db)
    att = fd.attachment(case.name, case.data, "text/csv" if case.name.endswith(".csv") else "application/json")
    handle = await fd.interaction_slash("faq-admin import", {"file": att}, guild_id=a.id, user=a.admin)
    cb = await handle.callback()
    reply = (
        content_of(cb.json)
        if cb.json["type"] == CHANNEL_MESSAGE_WITH_SOURCE
        else (await handle.followup(timeout=10)).json["content"]
    )
    for call in handle.responses():
        body = call.json.get("data") or call.json
        assert "content" not in body or pings_nobody(body)  # a bare defer carries no text
    if case.error is None:
        assert "개 추가" in reply, reply
        added = [f for f in await h.bot.service.list(a.id) if f.created_by == f"discord:{a.admin['id']}"]
        for faq in added:  # leave guild A as it was for the next case
            await h.bot.service.remove(a.id, faq.id, "test")
    else:
        assert "가져오기 실패" in reply and "아무것도 변경되지 않았습니다" in reply, reply
        assert snapshot(h.world.db) == before


async def test_oversized_attachment_refused_before_download(h: Harness) -> None:
    fd, a = h.fd, h.a
    before = snapshot(h.world.db)
    for case in [f for f in import_files() if len(f.data) > 2**20]:
        att = fd.attachment(case.name, case.data, "text/csv")
        handle = await fd.interaction_slash("faq-admin import", {"file": att}, guild_id=a.id, user=a.admin)
        cb = await handle.callback()
        assert "너무 커요" in content_of(cb.json) and cb.json["data"]["flags"] == EPHEMERAL
    assert snapshot(h.world.db) == before


FORGED = [
    "faq:vote:up:0:0",
    "faq:vote:up:9999999999999999999:1",  # 19 digits but above int64
    "faq:vote:down:1:9999999999999999999",
    "faq:vote:up:99999999999999999999999:1",  # longer than any snowflake
    "faq:vote:sideways:1:1",
    "faq:vote:up:-1:1",
    "faq:pick:1:999999",
    "faq:pick:9999999999999999999:1",
    "faq:nomatch:0",
    "faq:nomatch:9999999999999999999",
    "faq:un:alt:1:1",
    "faq:un:new:1",
    "faq:un:skip:9999999999999999999",
    "faq:un:other:1",
    "faq:un:delete:1",
    "faq-admin:remove:1",
    "' OR 1=1 --",
    "x" * 100,
]


@pytest.mark.parametrize("custom_id", FORGED)
@pytest.mark.parametrize("who", ["member", "other-guild-admin"])
async def test_forged_custom_id(h: Harness, custom_id: str, who: str) -> None:
    """A made-up button: refused with a clear ephemeral message, or ignored; never acted on."""
    club = h.a if who == "member" else h.b
    user = club.alice if who == "member" else club.admin
    reply = await h.ask(club, club.bob, mention(h.bot, ANSWER_Q))
    before = snapshot(h.world.db)
    handle = await forged_click(h.fd, reply.response, custom_id, user=user, permissions=MEMBER_PERMISSIONS)
    try:
        cb = await handle.callback(timeout=0.4)
    except TimeoutError:
        cb = None  # discord.py drops ids that match no persistent item: Discord shows "interaction failed"
    if cb is not None:
        body = cb.json.get("data") or {}
        assert cb.json["type"] == CHANNEL_MESSAGE_WITH_SOURCE and body.get("flags") == EPHEMERAL
        assert pings_nobody(body)
        assert "예상하지 못한 오류" not in content_of(cb.json), content_of(cb.json)
    assert snapshot(h.world.db) == before


OTHER_GUILD_COMMANDS = [
    ("faq show", {}),
    ("faq-admin edit", {}),
    ("faq-admin remove", {}),
    ("faq-admin alt add", {"text": "다른 서버에서 넣는 대체 질문"}),
    ("faq-admin alt remove", {"text": "회비 금액이 궁금해요"}),
]


@pytest.mark.parametrize(("command", "extra"), OTHER_GUILD_COMMANDS, ids=[c for c, _ in OTHER_GUILD_COMMANDS])
async def test_other_guild_admin_cannot_reach_faq(h: Harness, command: str, extra: dict[str, Any]) -> None:
    before = snapshot(h.world.db)
    handle = await h.fd.interaction_slash(command, {"faq_id": h.a.faq_ids[0], **extra}, guild_id=h.b.id, user=h.b.admin)
    cb = await handle.callback()
    text = content_of(cb.json) or (await handle.followup()).json["content"]
    assert "찾을 수 없" in text
    assert snapshot(h.world.db) == before


# ---- gateway disconnect / resume: no duplicate replies ---------------------------------------------


async def replies_per_message(fd: FakeDiscord, channel: str, sent: list[dict[str, Any]]) -> list[int]:
    await asyncio.sleep(0.5)
    await fd.settle()
    calls = fd.messages_sent(channel)
    return [sum(1 for c in calls if replies_to(c, m)) for m in sent]


@pytest.mark.asyncio(loop_scope="function")
async def test_disconnect_and_resume_answer_each_message_exactly_once(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        sent = [await fd.message_create(a.general, a.alice, mention(bot, ANSWER_Q))]
        await fd.wait_for_message(a.general, lambda c: replies_to(c, sent[0]))
        for round_number, how in enumerate(["drop", "close-4000", "reconnect-op7", "drop-mid-answer"]):
            frames = len(fd.gateway_frames)
            if how == "drop-mid-answer":  # the question is in flight when the connection dies
                sent.append(await fd.message_create(a.general, a.bob, mention(bot, f"세션 시간 {round_number}")))
                await fd.disconnect(drop=True)
            elif how == "reconnect-op7":
                sent.append(await fd.message_create(a.general, a.bob, mention(bot, f"회비 납부 방법 {round_number}")))
                await fd.send_reconnect()
            else:
                await fd.disconnect(drop=how == "drop", code=4000)
                # Dispatched while the bot is away: replayed by the RESUME, answered once.
                for user in (a.alice, a.bob):
                    sent.append(await fd.message_create(a.general, user, mention(bot, f"회비 얼마예요 {round_number}")))
            await fd.wait_for_resumed(timeout=15, start=frames)
        counts = await replies_per_message(fd, a.general, sent)
    assert counts == [1] * len(sent), counts
