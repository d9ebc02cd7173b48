"""The bot at Discord's limits, through the strict fake (which refuses whatever Discord would).

Every case drives the largest thing the FAQ limits allow (a 1,800-character answer, 30
alternates of 300 characters, 300-character Korean questions) through the real client; the
``world`` fixture fails any test in which the fake answered a body 400/50035.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.replies import BUTTON_LABEL_LIMIT, CHOICE_NAME_LIMIT, CONTENT_LIMIT
from faq.text import MAX_ALTERNATES, MAX_ANSWER_CHARS, MAX_QUESTION_CHARS
from faq.types import FaqDraft, Thresholds
from tests.bot.helpers import World, custom_ids, mention, running_bot

pytestmark = pytest.mark.timeout(60)


def korean(prefix: str, size: int = MAX_QUESTION_CHARS) -> str:
    """``prefix`` padded with Korean syllables to exactly ``size`` characters."""
    return (prefix + " " + "가나다라마바사아자차카타파하" * 30)[: size - 1] + "?"


def accepted(call: Any) -> bool:
    return 200 <= call.status < 300


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in message.get("components") or [] for c in row["components"]]


async def test_longest_answer_with_its_confidence_footer_fits_one_message(world: World) -> None:
    fd, a = world.fd, world.a
    answer = ("회칙 제1조 동아리의 이름과 목적을 정합니다. " * 80)[: MAX_ANSWER_CHARS - 1] + "끝"
    async with running_bot(world) as bot:
        faq = await bot.service.add(a.id, FaqDraft("동아리 회칙 전문은 어디서 보나요?", answer), "test")
        assert len(faq.answer) == MAX_ANSWER_CHARS
        await fd.message_create(a.general, a.alice, mention(bot, faq.question))
        reply = await fd.wait_for_message(a.general)

        ask = await fd.interaction_slash("faq ask", {"question": faq.question}, guild_id=a.id, user=a.alice)
        followup = await ask.followup()
    for body in (reply.json, followup.json):
        assert len(body["content"]) <= CONTENT_LIMIT
        assert answer in body["content"] and "신뢰도" in body["content"] and f"FAQ #{faq.id}" in body["content"]
        assert custom_ids(body)[0].startswith(f"faq:vote:up:{faq.id}:")
    assert len(fd.messages_sent(a.general)) == 1 and accepted(followup)


ALTERNATES = [korean(f"대체 질문 {i:02d}번") for i in range(MAX_ALTERNATES)]
MANY_ALTERNATES = FaqDraft("대체 질문이 아주 많은 FAQ는?", "답변이에요.", tuple(ALTERNATES))


async def test_edit_modal_submitted_unchanged_keeps_30_alternates_of_300_characters(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        faq = await bot.service.add(
            a.id, FaqDraft("대체 질문이 아주 많은 FAQ는?", "답변이에요.", tuple(ALTERNATES)), "t"
        )
        assert faq.alternates == tuple(ALTERNATES)
        handle = await fd.interaction_slash("faq-admin edit", {"faq_id": faq.id}, guild_id=a.id, user=a.admin)
        cb = await handle.callback()
        modal = cb.json["data"]
        inputs = [row["components"][0] for row in modal["components"]]
        values = {i["custom_id"]: i.get("value") or "" for i in inputs}
        shown = [line for key, text in values.items() if key.startswith("alternates") for line in text.split("\n")]
        assert accepted(cb) and len(inputs) <= 5
        assert all(len(values[i["custom_id"]]) <= i["max_length"] for i in inputs)
        assert shown == ALTERNATES  # every alternate, whole, in order

        submit = await fd.interaction_modal_submit(modal["custom_id"], values)  # unchanged
        await submit.callback()
        assert "고쳤어요" in (await submit.followup()).json["content"]
        after = await bot.service.get(a.id, faq.id)
    assert after.alternates == tuple(ALTERNATES)


async def test_30_long_alternates_show_and_autocomplete_within_limits(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        faq = await bot.service.add(
            a.id, FaqDraft("대체 질문이 아주 많은 FAQ는?", "답변이에요.", tuple(ALTERNATES)), "t"
        )
        show = await fd.interaction_slash("faq show", {"faq_id": faq.id}, guild_id=a.id, user=a.alice)
        shown = await show.callback()
        assert accepted(shown) and len(shown.json["data"]["content"]) <= CONTENT_LIMIT

        typing = await fd.interaction_autocomplete(
            "faq-admin alt remove", {"faq_id": faq.id, "text": ""}, focused="text", guild_id=a.id, user=a.admin
        )
        cb = await typing.callback()
        choices = cb.json["data"]["choices"]
        assert accepted(cb) and len(choices) == 25
        assert all(len(c["name"]) <= CHOICE_NAME_LIMIT and len(c["value"]) <= 100 for c in choices)

        # The choice's value is the first 100 characters: removing by it removes that alternate.
        remove = await fd.interaction_slash(
            "faq-admin alt remove", {"faq_id": faq.id, "text": choices[3]["value"]}, guild_id=a.id, user=a.admin
        )
        assert "지웠어요" in (await remove.followup()).json["content"]
        after = await bot.service.get(a.id, faq.id)
    assert after.alternates == tuple(ALTERNATES[:3] + ALTERNATES[4:])


async def test_25_autocomplete_choices_of_100_characters(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        drafts = [FaqDraft(korean(f"긴 질문 {i:02d}번"), f"답변 {i}") for i in range(30)]
        await bot.service.import_drafts(a.id, drafts, "test")
        typing = await fd.interaction_autocomplete("faq show", {"faq_id": ""}, focused="faq_id", guild_id=a.id)
        cb = await typing.callback()
    choices = cb.json["data"]["choices"]
    assert accepted(cb) and len(choices) == 25
    assert max(len(c["name"]) for c in choices) == CHOICE_NAME_LIMIT


async def test_longest_korean_questions_as_the_most_suggestion_buttons(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        drafts = [FaqDraft(korean(f"신입 부원 오리엔테이션 {i}차 일정"), f"{i}차 답변") for i in range(3)]
        added = (await bot.service.import_drafts(a.id, drafts, "test")).added
        await bot.service.set_thresholds(a.id, Thresholds(1.0, 0.0, 0.0))  # always suggest
        await fd.message_create(a.general, a.alice, mention(bot, "신입 부원 오리엔테이션 일정 알려 주세요"))
        reply = await fd.wait_for_message(a.general)
        picks = [b for b in buttons(reply.json) if b["custom_id"].startswith("faq:pick:")]
        assert len(buttons(reply.json)) == 4 and len(picks) == 3  # 3 suggestions + "해당 없음"
        assert all(len(b["label"]) <= BUTTON_LABEL_LIMIT for b in picks)
        long_ids = {f.id for f in added}
        assert any(
            len(b["label"]) == BUTTON_LABEL_LIMIT and int(b["custom_id"].split(":")[2]) in long_ids for b in picks
        )
        assert len(reply.json["content"]) <= CONTENT_LIMIT

        # The clicked suggestion's answer, with the longest question, comes back within limits.
        clicked = await fd.interaction_component(picks[0]["custom_id"], message=reply.response, user=a.alice)
        assert accepted(await clicked.callback())


async def test_unanswered_list_at_five_rows_of_buttons(world: World) -> None:
    fd, a = world.fd, world.a
    async with running_bot(world) as bot:
        await bot.service.set_thresholds(a.id, Thresholds(1.0, 1.0, 0.0))  # nothing answered
        for i in range(6):
            await fd.message_create(a.general, a.alice, mention(bot, korean(f"답 없는 질문 {i}번")))
            await fd.wait_for_message(a.general, lambda c, n=i + 1: len(fd.messages_sent(a.general)) == n)
        handle = await fd.interaction_slash("faq-admin unanswered", guild_id=a.id, user=a.admin)
        cb = await handle.callback()
    rows = cb.json["data"]["components"]
    assert accepted(cb) and len(rows) == 5 and len(cb.json["data"]["content"]) <= CONTENT_LIMIT
