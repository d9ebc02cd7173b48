"""Admin commands and their security through the fake Discord: modals, checks, guild isolation."""

from __future__ import annotations

import json

import pytest

from faq.errors import NotFound
from faq.types import FaqDraft
from tests.bot.helpers import (
    ANSWER_Q,
    EPHEMERAL,
    NONE_Q,
    World,
    click,
    content_of,
    custom_ids,
    forged_click,
    mention,
    pings_nobody,
    running_bot,
)
from tests.fakediscord import MEMBER_PERMISSIONS
from tests.fakediscord.constants import (
    CHANNEL_MESSAGE_WITH_SOURCE,
    DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
    DEFERRED_UPDATE_MESSAGE,
    MODAL,
)

pytestmark = pytest.mark.timeout(30)

DENIED = "서버 관리(Manage Server) 권한이나 운영진 역할"


async def open_add_modal(world: World, user: dict, guild: str, **kwargs: object) -> tuple[object, dict]:
    handle = await world.fd.interaction_slash("faq-admin add", guild_id=guild, user=user, **kwargs)
    cb = await handle.callback()
    return handle, cb.json


async def test_add_via_modal_is_answerable_at_once(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        _, cb = await open_add_modal(world, a.admin, a.id)
        assert cb["type"] == MODAL
        modal_id = cb["data"]["custom_id"]
        submit = await fd.interaction_modal_submit(
            modal_id,
            {
                "question": "동아리방은 어디인가요?",
                "answer": "학생회관 302호예요.",
                "alternates": "동방 위치\n동아리방 어디",
            },
        )
        assert (await submit.callback()).json["type"] == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
        done = await submit.followup()
        assert done.json["content"].startswith("✅ FAQ #") and done.json["flags"] == EPHEMERAL

        await fd.message_create(a.general, a.alice, mention(bot, "동방 위치 알려주세요"))
        reply = await fd.wait_for_message(a.general)
        faqs = await bot.service.list(a.id)
    assert "학생회관 302호" in reply.json["content"]
    added = next(f for f in faqs if f.question == "동아리방은 어디인가요?")
    assert added.alternates == ("동방 위치", "동아리방 어디") and added.created_by == f"discord:{a.admin['id']}"


async def test_similar_question_offers_to_add_as_alternate(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        _, cb = await open_add_modal(world, a.admin, a.id)
        submit = await fd.interaction_modal_submit(
            cb["data"]["custom_id"], {"question": "회비가 얼마인가요?", "answer": "3만 원", "alternates": ""}
        )
        await submit.callback()
        warning = await submit.followup()
        assert "의미가 비슷한 FAQ" in warning.json["content"] and f"#{a.faq_ids[0]}" in warning.json["content"]
        buttons = custom_ids(warning.json)
        assert len(buttons) == 3
        # Only the admin who asked may press; then the question becomes an alternate of FAQ #1.
        other = await click(fd, warning.response, buttons[0], user=a.alice)
        assert "명령을 실행한 분만" in content_of((await other.callback()).json)
        press = await click(fd, warning.response, buttons[0], user=a.admin)
        assert (await press.callback()).json["type"] == DEFERRED_UPDATE_MESSAGE
        edited = await press.wait_for_response(lambda c: c.method == "PATCH")
        faq = await bot.service.get(a.id, a.faq_ids[0])
        count = len(await bot.service.list(a.id))
    assert "대체 질문으로 추가" in edited.json["content"]
    assert "회비가 얼마인가요?" in faq.alternates and count == len(a.faq_ids)


async def test_edit_modal_prefilled_and_remove_with_confirm(world: World) -> None:
    fd, a = world.fd, world.a
    faq_id = None
    async with running_bot(world) as bot:
        faq_id = a.faq_ids[2]
        handle = await fd.interaction_slash("faq-admin edit", {"faq_id": faq_id}, guild_id=a.id, user=a.admin)
        modal = (await handle.callback()).json["data"]
        values = {c["components"][0]["custom_id"]: c["components"][0].get("value") for c in modal["components"]}
        assert values["question"] == "정기 세션은 언제 하나요?" and "세션 시간" in values["alternates"]
        submit = await fd.interaction_modal_submit(
            modal["custom_id"], {**values, "answer": "이번 학기는 목요일 저녁 7시예요."}
        )
        await submit.callback()
        assert "고쳤어요" in (await submit.followup()).json["content"]
        await fd.message_create(a.general, a.alice, mention(bot, "세션 시간"))
        assert "목요일" in (await fd.wait_for_message(a.general)).json["content"]

        rm = await fd.interaction_slash("faq-admin remove", {"faq_id": faq_id}, guild_id=a.id, user=a.admin)
        ask = await rm.callback()
        assert ask.json["data"]["flags"] == EPHEMERAL and "정말 지울까요" in content_of(ask.json)
        confirm = await click(fd, rm.original_message(), custom_ids(ask.json["data"])[0], user=a.admin)
        assert "지웠어요" in content_of((await confirm.callback()).json)
        with pytest.raises(NotFound):
            await bot.service.get(a.id, faq_id)


async def test_non_admin_is_refused_everywhere(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        for command, options in [
            ("faq-admin add", {}),
            ("faq-admin remove", {"faq_id": a.faq_ids[0]}),
            ("faq-admin config channel-add", {"channel": a.general}),
            ("faq-admin unanswered", {}),
            ("faq-admin export", {}),
        ]:
            handle = await fd.interaction_slash(
                command, options, guild_id=a.id, user=a.alice, permissions=MEMBER_PERMISSIONS
            )
            cb = await handle.callback()
            assert cb.json["type"] == CHANNEL_MESSAGE_WITH_SOURCE and cb.json["data"]["flags"] == EPHEMERAL, command
            assert DENIED in content_of(cb.json), command
            assert pings_nobody(cb.json["data"])
        # The configured admin role is enough, without Manage Server.
        await bot.configs.set_admin_role(a.id, int(a.admin_role))
        _, cb = await open_add_modal(world, a.officer, a.id, permissions=MEMBER_PERMISSIONS)
        assert cb["type"] == MODAL
        # ...but not in another guild where that role means nothing.
        _, cb = await open_add_modal(world, world.b.officer, world.b.id, permissions=MEMBER_PERMISSIONS)
        assert DENIED in content_of(cb)
        assert len(await bot.service.list(a.id)) == len(a.faq_ids)


async def test_forged_admin_buttons_are_refused(world: World) -> None:
    """custom_ids are client-controlled: a non-admin, or an admin of guild B, cannot act on A's data."""
    fd, a, b = world.fd, world.a, world.b
    async with running_bot(world) as bot:
        await fd.message_create(a.general, a.alice, mention(bot, NONE_Q))
        reply = await fd.wait_for_message(a.general)
        record = (await bot.activity_log.unanswered(a.id))[0]
        forged = f"faq:un:alt:{record.id}:{a.faq_ids[0]}"

        as_member = await forged_click(fd, reply.response, forged, user=a.alice)
        assert DENIED in content_of((await as_member.callback()).json)

        await fd.message_create(b.general, b.alice, mention(bot, "아무거나"))
        b_reply = await fd.wait_for_message(b.general)
        as_other_admin = await forged_click(fd, b_reply.response, forged, user=b.admin)
        refused = content_of((await as_other_admin.callback()).json)
        assert "찾을 수 없어요" in refused
        # A forged vote in B for A's FAQ and A's query: not found either.
        vote = await forged_click(fd, b_reply.response, f"faq:vote:up:{a.faq_ids[0]}:{record.id}", user=b.alice)
        assert "찾을 수 없" in content_of((await vote.callback()).json)
        # Absurd ids do not reach SQLite.
        await forged_click(fd, b_reply.response, "faq:vote:up:99999999999999999999999:1", user=b.alice)
        await fd.settle()
        faq = await bot.service.get(a.id, a.faq_ids[0])
        still = await bot.activity_log.get_query(a.id, record.id)
    assert record.text not in faq.alternates and not still.handled and still.vote is None


async def test_guilds_cannot_see_or_change_each_other(world: World) -> None:
    fd, a, b = world.fd, world.a, world.b
    async with running_bot(world) as bot:
        extra = await bot.service.add(a.id, FaqDraft("A 서버만의 비밀 FAQ?", "A 전용 답변"), "t")
        for command in ("faq show", "faq-admin edit", "faq-admin remove"):
            handle = await fd.interaction_slash(command, {"faq_id": extra.id}, guild_id=b.id, user=b.admin)
            cb = await handle.callback()
            assert "찾을 수 없습니다" in content_of(cb.json), command
        ac = await fd.interaction_autocomplete("faq show", {"faq_id": "비밀"}, "faq_id", guild_id=b.id, user=b.alice)
        assert (await ac.callback()).json["data"]["choices"] == []
        ac = await fd.interaction_autocomplete("faq show", {"faq_id": "비밀"}, "faq_id", guild_id=a.id, user=a.alice)
        assert [c["value"] for c in (await ac.callback()).json["data"]["choices"]] == [extra.id]
        ac = await fd.interaction_autocomplete("faq show", {"faq_id": ""}, "faq_id", guild_id=b.id, user=b.alice)
        assert {c["value"] for c in (await ac.callback()).json["data"]["choices"]} == set(b.faq_ids)
        # B's member asking in B never gets A's FAQ.
        await fd.message_create(b.general, b.alice, mention(bot, "A 서버만의 비밀 FAQ?"))
        assert "A 전용" not in (await fd.wait_for_message(b.general)).json["content"]
        assert (await bot.service.get(a.id, extra.id)).answer == "A 전용 답변"


async def test_list_show_and_paging(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        await bot.service.import_drafts(a.id, [FaqDraft(f"테스트 질문 {i}번?", f"답 {i}") for i in range(25)], "t")
        handle = await fd.interaction_slash("faq list", guild_id=a.id, user=a.alice)
        cb = await handle.callback()
        assert cb.json["data"]["flags"] == EPHEMERAL and "1/3 페이지" in content_of(cb.json)
        _prev_id, next_id = custom_ids(cb.json["data"])
        page2 = await click(fd, handle.original_message(), next_id, user=a.alice)
        assert "2/3 페이지" in content_of((await page2.callback()).json)
        stranger = await click(fd, handle.original_message(), next_id, user=a.bob)
        assert "명령을 실행한 분만" in content_of((await stranger.callback()).json)

        show = await fd.interaction_slash("faq show", {"faq_id": a.faq_ids[0]}, guild_id=a.id, user=a.alice)
        body = (await show.callback()).json["data"]
    assert "**Q. 회비는 얼마인가요?**" in body["content"] and "대체 질문 2개" in body["content"]
    assert pings_nobody(body)


async def test_config_channels_via_slash_then_answers(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world):
        handle = await fd.interaction_slash(
            "faq-admin config channel-add", {"channel": a.faq_channel}, guild_id=a.id, user=a.admin
        )
        assert "FAQ 채널로 지정" in content_of((await handle.callback()).json)
        await fd.message_create(a.faq_channel, a.alice, ANSWER_Q)
        await fd.wait_for_message(a.faq_channel)
        show = await fd.interaction_slash("faq-admin config show", guild_id=a.id, user=a.admin)
        assert f"<#{a.faq_channel}>" in content_of((await show.callback()).json)
        th = await fd.interaction_slash(
            "faq-admin config thresholds", {"answer": 0.3, "suggest": 0.5}, guild_id=a.id, user=a.admin
        )
        assert "클 수 없어요" in content_of((await th.callback()).json)


async def test_import_export_stats_unanswered(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        # Same rules as the CLI: a row naming an existing FAQ (here by question) updates it in place.
        rows = "question,answer\n해커톤은 언제인가요?,8월에 해요.\n회비는 얼마인가요?,한 학기 회비는 3만 원입니다.\n"
        att = fd.attachment("faqs.csv", rows.encode(), "text/csv")
        handle = await fd.interaction_slash("faq-admin import", {"file": att}, guild_id=a.id, user=a.admin)
        await handle.callback()
        summary = (await handle.followup()).json["content"]
        assert "1개 추가, 0개 수정, 1개 그대로" in summary
        clash = "question,answer,alternates\n새 질문이에요?,답,회비는 얼마인가요?\n"
        att = fd.attachment("clash.csv", clash.encode(), "text/csv")
        handle = await fd.interaction_slash("faq-admin import", {"file": att}, guild_id=a.id, user=a.admin)
        await handle.callback()
        refused = (await handle.followup()).json["content"]
        assert "2번째 줄" in refused and f"이미 FAQ #{a.faq_ids[0]}의 질문" in refused

        big = fd.attachment("big.csv", b"x" * (2**20 + 1), "text/csv")
        handle = await fd.interaction_slash("faq-admin import", {"file": big}, guild_id=a.id, user=a.admin)
        assert "너무 커요" in content_of((await handle.callback()).json)

        bad = fd.attachment("bad.json", b'[{"question": 1}]', "application/json")
        handle = await fd.interaction_slash("faq-admin import", {"file": bad}, guild_id=a.id, user=a.admin)
        await handle.callback()
        assert "가져오기 실패" in (await handle.followup()).json["content"]

        handle = await fd.interaction_slash("faq-admin export", {"format": "json"}, guild_id=a.id, user=a.admin)
        cb = await handle.callback()
        exported = json.loads(cb.files[0].data)
        assert cb.json["data"]["flags"] == EPHEMERAL and cb.files[0].filename == f"faq-{a.id}.json"
        assert {e["question"] for e in exported} >= {"해커톤은 언제인가요?", "회비는 얼마인가요?"}

        await fd.message_create(a.general, a.alice, mention(bot, ANSWER_Q))
        answer = await fd.wait_for_message(a.general)
        down = await click(fd, answer.response, custom_ids(answer.json)[1], user=a.alice)
        await down.callback()
        await fd.message_create(a.general, a.bob, mention(bot, NONE_Q))
        await fd.wait_for_message(a.general, lambda c: "모르겠어요" in c.json["content"])

        stats = await fd.interaction_slash("faq-admin stats", guild_id=a.id, user=a.admin)
        text = content_of((await stats.callback()).json)
        assert "질문 2개" in text and "👍 0 · 👎 1" in text and "회비는 얼마인가요?" in text

        un = await fd.interaction_slash("faq-admin unanswered", guild_id=a.id, user=a.admin)
        cb = await un.callback()
        listing, buttons = content_of(cb.json), custom_ids(cb.json["data"])
        assert NONE_Q in listing and ANSWER_Q in listing and "👎" in listing
        add_alt = next(b for b in buttons if b.startswith("faq:un:alt:"))
        press = await click(fd, un.original_message(), add_alt, user=a.admin)
        await press.callback()
        assert "대체 질문으로 추가" in (await press.followup()).json["content"]
        remaining = await bot.activity_log.unanswered(a.id)
    assert len(remaining) == 1
