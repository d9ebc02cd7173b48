"""Issue 16 ("security, round two"): each attack that got through, replayed through the fake Discord.

Every test here failed before the fix it is named after; docs/security.md lists them all.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import discord
import pytest

from bot.ui.answer_buttons import render_answer
from faq.types import Answer, Candidate, FaqDraft, Status
from model.fake import HashingEncoder
from tests.bot.helpers import (
    ANSWER_Q,
    EPHEMERAL,
    FAQS,
    NONE_Q,
    SUGGEST_Q,
    World,
    click,
    content_of,
    custom_ids,
    forged_click,
    mention,
    running_bot,
    vote_id,
)
from tests.fakediscord import MEMBER_PERMISSIONS, FakeDiscord, fake_user, member_payload, role_payload, text_channel
from tests.fakediscord.constants import CHANNEL_MESSAGE_WITH_SOURCE, MESSAGE_COMPONENT, MODAL
from tests.hardening.hostile import snapshot

pytestmark = pytest.mark.timeout(30)

DENIED_WORDS = "서버 관리(Manage Server) 권한이나 운영진 역할"


def refused(cb: Any, words: str) -> None:
    assert cb.json["type"] == CHANNEL_MESSAGE_WITH_SOURCE and cb.json["data"]["flags"] == EPHEMERAL
    assert words in content_of(cb.json), content_of(cb.json)


# ---- 1. forged 👍 / pick --------------------------------------------------------------------------


async def test_forged_vote_and_pick_for_an_unoffered_faq_change_nothing(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        # An off-topic mention: no answer, so no buttons.
        await fd.message_create(a.general, a.alice, mention(bot, NONE_Q))
        nothing = await fd.wait_for_message(a.general)
        assert not nothing.json.get("components")
        (record,) = await bot.activity_log.unanswered(a.id)
        # An answered one: buttons for FAQ 1 only.
        await fd.message_create(a.general, a.alice, mention(bot, ANSWER_Q))
        answered = await fd.wait_for_message(a.general, lambda c: len(fd.messages_sent(a.general)) == 2)
        answered_id = int(vote_id(answered.json).split(":")[-1])
        before = snapshot(world.db)
        forged = [
            (nothing, f"faq:vote:up:{a.faq_ids[0]}:{record.id}"),
            (nothing, f"faq:vote:down:{a.faq_ids[2]}:{record.id}"),
            (nothing, f"faq:pick:{a.faq_ids[0]}:{record.id}"),
            (answered, f"faq:vote:up:{a.faq_ids[2]}:{answered_id}"),
            (answered, f"faq:pick:{a.faq_ids[2]}:{answered_id}"),
        ]
        for message, custom_id in forged:
            handle = await forged_click(fd, message.response, custom_id, user=a.alice)
            cb = await handle.callback()
            refused(cb, "제시된 FAQ가 아니에요")
            assert not custom_ids(cb.json["data"])  # no real vote buttons handed out
        assert snapshot(world.db) == before
        assert [r.id for r in await bot.activity_log.unanswered(a.id)] == [record.id]  # still listed

        # The real button still works, and its 👍 waits for review instead of training at once.
        ok = await click(fd, answered.response, vote_id(answered.json), user=a.alice)
        assert "고마워요" in content_of((await ok.callback()).json)
        assert await bot.activity_log.positive_pairs(a.id) == []
        assert [p.text for p in await bot.activity_log.feedback_pairs(a.id)] == [ANSWER_Q]


async def test_admin_reviews_feedback_in_discord(world: World) -> None:
    fd, a, b = world.fd, world.a, world.b
    async with running_bot(world) as bot:
        await fd.message_create(a.general, a.alice, mention(bot, ANSWER_Q))
        answered = await fd.wait_for_message(a.general)
        await (await click(fd, answered.response, vote_id(answered.json), user=a.alice)).callback()

        member = await fd.interaction_slash("faq-admin feedback", guild_id=a.id, user=a.alice, permissions=0)
        assert "권한" in content_of((await member.callback()).json)
        handle = await fd.interaction_slash("faq-admin feedback", guild_id=a.id, user=a.admin)
        cb = await handle.callback()
        listing = content_of(cb.json)
        assert ANSWER_Q in listing and "회비는 얼마인가요?" in listing
        ids = custom_ids(cb.json["data"])
        accept = next(i for i in ids if i.startswith("faq:fb:accept:"))
        message = handle.original_message()

        # Another guild's admin clicking a copy of the button: not found, nothing changes.
        in_b = await _b_message(fd, bot, b)
        before = snapshot(world.db)
        other = await forged_click(fd, in_b.response, accept, user=b.admin)
        assert "찾을 수 없어요" in content_of((await other.callback()).json)
        assert snapshot(world.db) == before

        done = await click(fd, message, accept, user=a.admin)
        assert "승인" in content_of((await done.callback()).json)
        assert await bot.activity_log.positive_pairs(a.id) == [(ANSWER_Q, "회비는 얼마인가요?")]
        empty = await fd.interaction_slash("faq-admin feedback", guild_id=a.id, user=a.admin)
        assert "없어요" in content_of((await empty.callback()).json)


async def _b_message(fd: Any, bot: Any, b: Any) -> Any:
    await fd.message_create(b.general, b.bob, mention(bot, ANSWER_Q))
    return await fd.wait_for_message(b.general)


# ---- 2. per-member limits --------------------------------------------------------------------------


async def test_questions_per_hour_limit_stops_storing_and_computing(world: World) -> None:
    fd, a = world.fd, world.a
    encoder = HashingEncoder()
    async with running_bot(world, encoder=encoder, max_questions_per_hour=3) as bot:
        for i in range(3):
            await fd.message_create(a.general, a.alice, mention(bot, f"{ANSWER_Q} {i}"))
            await fd.wait_for_message(a.general, lambda c, n=i + 1: len(fd.messages_sent(a.general)) == n)
        calls = len(encoder.calls)
        await fd.message_create(a.general, a.alice, mention(bot, ANSWER_Q))
        over = await fd.wait_for_message(a.general, lambda c: len(fd.messages_sent(a.general)) == 4)
        assert "한 시간에 3개" in over.json["content"] and not over.json.get("components")
        handle = await fd.interaction_slash("faq ask", {"question": SUGGEST_Q}, guild_id=a.id, user=a.alice)
        refused(await handle.callback(), "한 시간에 3개")
        assert len(encoder.calls) == calls  # nothing computed
        assert await bot.activity_log.questions_since(a.alice["id"], hours=1) == 3
        # Another member is unaffected.
        await fd.message_create(a.general, a.bob, mention(bot, ANSWER_Q))
        bob = await fd.wait_for_message(a.general, lambda c: len(fd.messages_sent(a.general)) == 5)
        assert "회비는 얼마인가요?" in bob.json["content"]


async def test_feedback_per_day_limit(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world, max_feedback_per_day=1) as bot:
        answers = []
        for i in range(2):
            await fd.message_create(a.general, a.alice, mention(bot, f"{ANSWER_Q} {i}"))
            answers.append(
                await fd.wait_for_message(a.general, lambda c, n=i + 1: len(fd.messages_sent(a.general)) == n)
            )
        first = await click(fd, answers[0].response, vote_id(answers[0].json), user=a.alice)
        assert "고마워요" in content_of((await first.callback()).json)
        second = await click(fd, answers[1].response, vote_id(answers[1].json), user=a.alice)
        refused(await second.callback(), "하루 1개")
        again = await click(fd, answers[0].response, vote_id(answers[0].json, "down"), user=a.alice)
        assert "알려 줘서" in content_of((await again.callback()).json)  # changing a vote is fine
        assert len(await bot.activity_log.feedback_pairs(a.id, review=None)) == 0  # the 👍 became 👎
        assert await bot.activity_log.feedback_since(a.alice["id"], hours=24) == 1


async def test_concurrent_calls_per_member(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world, encoder=HashingEncoder(delay_s=0.5), max_concurrent_per_member=1) as bot:
        first = await fd.interaction_slash("faq ask", {"question": ANSWER_Q}, guild_id=a.id, user=a.alice)
        await asyncio.sleep(0.1)
        second = await fd.interaction_slash("faq ask", {"question": ANSWER_Q}, guild_id=a.id, user=a.alice)
        refused(await second.callback(), "앞의 질문을 아직 처리하고 있어요")
        await first.callback()
        assert "회비는 얼마인가요?" in (await first.followup()).json["content"]
        assert bot.limits.running() == 0
        third = await fd.interaction_slash("faq ask", {"question": ANSWER_Q}, guild_id=a.id, user=a.alice)
        await third.callback()
        assert "회비는 얼마인가요?" in (await third.followup()).json["content"]


# ---- 5. confirmation views pinned to their guild ------------------------------------------------------


async def click_from_guild(
    fd: FakeDiscord, message: dict[str, Any], custom_id: str, guild: str, channel: str, user: Any
) -> Any:
    """A click on ``message`` whose interaction names another guild and channel (a modified client)."""
    payload = fd._interaction_base(
        MESSAGE_COMPONENT, guild_id=guild, channel_id=channel, user=user, member=None, permissions=None, locale=None
    )
    payload["data"] = {"custom_id": custom_id, "component_type": 2}
    payload["message"] = dict(fd.messages.get(str(message["id"]), message))
    return await fd._send_interaction(payload)


async def test_confirm_acts_only_in_the_guild_it_was_opened_in(world: World) -> None:
    fd = world.fd
    # One officer in two guilds, holding each guild's admin role.
    officer = fake_user(name="두-서버-운영진")
    guilds = []
    for name in ("C", "D"):
        role, channel = role_payload("운영진", MEMBER_PERMISSIONS), text_channel("general")
        guild = await fd.guild_create(
            name=name, channels=[channel], roles=[role], members=[member_payload(officer, roles=[role["id"]])]
        )
        guilds.append((str(guild["id"]), channel["id"], int(role["id"])))
    (c, _, c_role), (d, d_channel, d_role) = guilds
    async with running_bot(world) as bot:
        (faq,) = (await bot.service.import_drafts(c, FAQS[:1], "test")).added
        for scope, role_id in ((c, c_role), (d, d_role)):
            await bot.configs.set_admin_role(scope, role_id)
        csv = fd.attachment("new.csv", "question,answer,alternates\n새 질문,새 답변,\n".encode(), "text/csv")
        for command, options in [
            ("faq-admin remove", {"faq_id": faq.id}),
            ("faq-admin import", {"file": csv, "replace": True}),
        ]:
            await bot.configs.set_admin_role(c, c_role)
            opened = await fd.interaction_slash(command, options, guild_id=c, user=officer)
            first = await opened.callback()
            if first.json["type"] == CHANNEL_MESSAGE_WITH_SOURCE:
                body, message = first.json["data"], opened.original_message()
            else:  # deferred while the file is read: the confirmation is a followup
                followup = await opened.followup()
                body, message = followup.json, followup.response
            confirm = custom_ids(body)[0]
            # The officer loses admin in C, then clicks with D's guild id, where they are still admin.
            await bot.configs.set_admin_role(c, None)
            before = snapshot(world.db)
            handle = await click_from_guild(fd, message, confirm, d, d_channel, officer)
            refused(await handle.callback(), "다른 서버에서 연 확인 창")
            assert snapshot(world.db) == before, command
            # From C itself: admin is re-checked there, and they are no longer one.
            again = await click(fd, message, confirm, user=officer)
            assert DENIED_WORDS in content_of((await again.callback()).json)
            assert snapshot(world.db) == before, command
        assert [f.id for f in await bot.service.list(c)] == [faq.id]


# ---- 8. admin rights come from the guild, not a channel overwrite --------------------------------------


async def test_channel_overwrite_granting_manage_server_is_not_admin(world: World) -> None:
    fd, a = world.fd, world.a
    overwrite = discord.Permissions(int(MEMBER_PERMISSIONS))
    overwrite.manage_guild = True  # what Discord reports in a channel whose overwrite grants it
    async with running_bot(world) as bot:
        handle = await fd.interaction_slash("faq-admin add", guild_id=a.id, user=a.alice, permissions=overwrite.value)
        cb = await handle.callback()
        assert cb.json["type"] == CHANNEL_MESSAGE_WITH_SOURCE and DENIED_WORDS in content_of(cb.json)
        handle = await fd.interaction_slash(
            "faq-admin remove", {"faq_id": a.faq_ids[0]}, guild_id=a.id, user=a.alice, permissions=overwrite.value
        )
        assert DENIED_WORDS in content_of((await handle.callback()).json)
        # The guild owner (all permissions at guild level) and the configured role still work.
        owner = await fd.interaction_slash("faq-admin add", guild_id=a.id, user=a.admin, permissions=MEMBER_PERMISSIONS)
        assert (await owner.callback()).json["type"] == MODAL
        await bot.configs.set_admin_role(a.id, int(a.admin_role))
        officer = await fd.interaction_slash(
            "faq-admin add", guild_id=a.id, user=a.officer, permissions=MEMBER_PERMISSIONS
        )
        assert (await officer.callback()).json["type"] == MODAL


# ---- 6. DMs write into the DM guild only for its members -----------------------------------------------


async def test_dm_from_a_non_member_is_answered_but_not_logged(world: World) -> None:
    fd, a, b = world.fd, world.a, world.b
    async with running_bot(world, dm_enabled=True, dm_guild=int(a.id)) as bot:
        before = snapshot(world.db)
        for text in (NONE_Q, ANSWER_Q):  # unanswered-list material, then 👍 material
            dm = fd.dm_channel(b.alice)["id"]
            await fd.message_create(dm, b.alice, text)
            count = 1 if text == NONE_Q else 2
            reply = await fd.wait_for_message(dm, lambda c, d=dm, n=count: len(fd.messages_sent(d)) == n)
            assert not reply.json.get("components")  # nothing to vote on or pick
        assert "회비는 얼마인가요?" in reply.json["content"]  # still answered from A's FAQs
        assert snapshot(world.db) == before
        assert await bot.activity_log.unanswered(a.id) == []
        # A member of A gets the buttons, and their question is A's to review.
        mine = fd.dm_channel(a.alice)["id"]
        await fd.message_create(mine, a.alice, ANSWER_Q)
        reply = await fd.wait_for_message(mine)
        assert custom_ids(reply.json)[0].startswith("faq:vote:up:")


# ---- 7. members' text is escaped on every render path --------------------------------------------------

LINK_Q = "[디스코드 공식 인증](https://evil.example/login) 여기서 멤버 인증 완료하기 zq"
MARKUP_Q = "**긴급** ||몰래|| ```지원서 https://evil.example/apply 제출 xv"
MASKED_LINK = re.compile(r"(?<!\\)\[[^\]\n]*\]\(\s*<?https?://")


def bot_texts(fd: FakeDiscord) -> list[str]:
    """The content of everything the bot sent: messages, interaction responses, followups, edits."""
    texts = []
    for call in fd.calls():
        body = call.json if isinstance(call.json, dict) else {}
        content = body.get("content") or (body.get("data") or {}).get("content")
        if content:
            texts.append(content)
    return texts


async def submit(fd: FakeDiscord, opened: Any, values: dict[str, str]) -> str:
    modal = (await opened.callback()).json["data"]
    done = await fd.interaction_modal_submit(modal["custom_id"], values, source=opened)
    first = await done.callback()
    return content_of(first.json) or (await done.followup()).json["content"]


def modal_values(modal: dict[str, Any]) -> dict[str, str]:
    return {c["components"][0]["custom_id"]: c["components"][0].get("value") or "" for c in modal["components"]}


async def test_hostile_markdown_is_escaped_on_every_render_path(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        for text in (LINK_Q, MARKUP_Q):
            await fd.message_create(a.general, a.alice, mention(bot, text))
        await fd.wait_for_message(a.general, lambda c: len(fd.messages_sent(a.general)) == 2)
        un = await fd.interaction_slash("faq-admin unanswered", guild_id=a.id, user=a.admin)
        listing = await un.callback()
        assert "\\[디스코드 공식 인증\\]" in content_of(listing.json)
        records = {r.text: r.id for r in await bot.activity_log.unanswered(a.id)}
        message = un.original_message()

        # The link question becomes an alternate of FAQ 1 ("다른 FAQ에 추가…"), the other a new FAQ.
        other = await click(fd, message, f"faq:un:other:{records[LINK_Q]}", user=a.admin)
        assert "대체 질문으로 추가" in await submit(fd, other, {"faq_id": str(a.faq_ids[0])})
        new = await click(fd, message, f"faq:un:new:{records[MARKUP_Q]}", user=a.admin)
        assert "추가했어요" in await submit(fd, new, {"question": MARKUP_Q, "answer": "지원서는 공식 폼으로 내요."})
        new_id = next(f.id for f in await bot.service.list(a.id) if f.question == MARKUP_Q)

        for command, options in [
            ("faq show", {"faq_id": a.faq_ids[0], "ephemeral": False}),  # public
            ("faq show", {"faq_id": new_id}),
            ("faq list", {}),
        ]:
            await (await fd.interaction_slash(command, options, guild_id=a.id, user=a.bob)).callback()

        # Asked again: answered with the new FAQ, rated 👍, reviewed, counted in the stats.
        await fd.message_create(a.general, a.bob, mention(bot, MARKUP_Q))
        answer = await fd.wait_for_message(a.general, lambda c: len(fd.messages_sent(a.general)) == 3)
        await (await click(fd, answer.response, vote_id(answer.json), user=a.bob)).callback()
        review = await fd.interaction_slash("faq-admin feedback", guild_id=a.id, user=a.admin)
        ids = custom_ids((await review.callback()).json["data"])
        await (await click(fd, review.original_message(), ids[0], user=a.admin)).callback()
        await (await fd.interaction_slash("faq-admin stats", guild_id=a.id, user=a.admin)).callback()

        # Admin flows that echo a question: edit, duplicate warning, import (a row naming an existing
        # question updates that FAQ in place, issue 10), remove.
        edit = await fd.interaction_slash("faq-admin edit", {"faq_id": new_id}, guild_id=a.id, user=a.admin)
        modal = (await edit.callback()).json["data"]
        done = await fd.interaction_modal_submit(modal["custom_id"], modal_values(modal), source=edit)
        await done.callback()
        assert "고쳤어요" in (await done.followup()).json["content"]
        add = await fd.interaction_slash("faq-admin add", guild_id=a.id, user=a.admin)
        warned = await submit(fd, add, {"question": f"{MARKUP_Q}!", "answer": "중복"})
        assert "비슷한 FAQ" in warned or "추가했어요" in warned
        csv = f"question,answer,alternates\n{LINK_Q},답,\n".encode()
        imp = await fd.interaction_slash(
            "faq-admin import", {"file": fd.attachment("x.csv", csv, "text/csv")}, guild_id=a.id, user=a.admin
        )
        await imp.callback()
        assert "1개 수정" in (await imp.followup()).json["content"]
        rm = await fd.interaction_slash("faq-admin remove", {"faq_id": new_id}, guild_id=a.id, user=a.admin)
        ask = await rm.callback()
        confirm = await click(fd, rm.original_message(), custom_ids(ask.json["data"])[0], user=a.admin)
        assert "지웠어요" in content_of((await confirm.callback()).json)
        await fd.settle()

    texts = bot_texts(fd)
    # Suggestions are hard to force with the fake encoder: render one directly.
    suggestion = Answer(
        Status.SUGGEST, "x", best=Candidate(1, MARKUP_Q, 0.5), suggestions=(Candidate(1, MARKUP_Q, 0.5),)
    )
    texts += [chunk for chunk, _ in render_answer(suggestion, 1, admin_role=None)]
    hostile = [t for t in texts if "디스코드 공식 인증" in t or "긴급" in t]
    assert len(hostile) >= 14, len(hostile)
    for text in hostile:
        assert not MASKED_LINK.search(text), text
        assert "```" not in text and "||" not in text and "**긴급**" not in text, text
        assert not re.search(r"(?<!<)https://evil", text), text  # bare links wrapped: no preview card


# ---- 3. /faq list page sets: one per member, bounded bytes in all ----------------------------------------


async def test_faq_list_pages_are_bounded_per_member_and_in_total(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        extra = [FaqDraft(f"{i}번 추가 질문 주제 {i}", f"{i}번 답", ()) for i in range(40)]
        await bot.service.import_drafts(a.id, extra, "test")
        pages = bot.get_cog("FaqCommands")._pages  # type: ignore[union-attr]

        async def open_list(user: dict[str, Any]) -> tuple[Any, str]:
            handle = await fd.interaction_slash("faq list", guild_id=a.id, user=user)
            cb = await handle.callback()
            return handle.original_message(), custom_ids(cb.json["data"])[1]  # ◀️, ▶️

        first, first_next = await open_list(a.alice)
        second, second_next = await open_list(a.alice)  # the same member again: the first list closes
        assert len(pages) == 1
        stale = await click(fd, first, first_next, user=a.alice)
        with pytest.raises(TimeoutError):
            await stale.callback(timeout=0.5)  # no longer listened to
        live = await click(fd, second, second_next, user=a.alice)
        assert "2/" in content_of((await live.callback()).json)

        # All lists together stay within the byte budget: the oldest closes first.
        one_set = pages.bytes
        pages.max_bytes = 2 * one_set
        for user in (a.bob, a.officer, a.admin):
            await open_list(user)
        assert len(pages) == 2 and pages.bytes <= pages.max_bytes
