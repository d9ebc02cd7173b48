"""Button flows without a platform: votes and picks only for offered FAQs, triage, merge as alternate."""

from __future__ import annotations

import pytest

from chat import flows, messages
from chat.answering import Answering, Question
from chat.core import ChatCore
from faq.activity import NotOffered, QueryNotFound, Source
from faq.errors import InvalidInput
from faq.service import FaqService
from faq.types import FaqDraft
from tests.chat.test_answering import ANSWER_Q, NONE_Q, Recorder, make_core


async def asked(service: FaqService, text: str, user: int = 7) -> tuple[ChatCore, int]:
    core = make_core(service)
    recorder = Recorder()
    await Answering(core).handle(Question("g1", user, text, Source.MENTION), recorder)
    ((_, query_id, _),) = recorder.answers
    assert query_id is not None
    return core, query_id


async def test_vote_and_pick_count_only_for_offered_faqs_and_only_the_asker(service: FaqService) -> None:
    core, query_id = await asked(service, ANSWER_Q)
    record = await core.activity_log.get_query("g1", query_id)
    offered, other = record.faq_id, record.faq_id % 5 + 1
    assert await flows.vote(core, "g1", query_id, offered, user_id=7, up=True) == messages.VOTE_UP_THANKS
    with pytest.raises(NotOffered):
        await flows.vote(core, "g1", query_id, other, user_id=7, up=False)
    with pytest.raises(QueryNotFound):
        await flows.pick(core, "g2", query_id, offered, user_id=7)  # another scope
    picked = await flows.pick(core, "g1", query_id, offered, user_id=8)
    assert picked.faq.id == offered and not picked.asker


async def test_triage_turns_an_unanswered_question_into_an_alternate(service: FaqService) -> None:
    core, query_id = await asked(service, NONE_Q)
    record = await flows.unanswered_question(core, "g1", query_id)
    faq = await flows.question_as_alternate(core, "g1", record.id, record.text, 1, "admin")
    assert NONE_Q in faq.alternates
    assert await core.activity_log.unanswered("g1") == []
    assert flows.faq_number(" #12 ") == 12
    with pytest.raises(InvalidInput):
        flows.faq_number("열둘")
    with pytest.raises(InvalidInput, match="다른 서버"):
        flows.same_scope("g1", "g2")


async def test_merge_as_alternate_keeps_the_old_answer(service: FaqService) -> None:
    core = make_core(service)
    before = await service.get("g1", 1)
    draft = FaqDraft("회비 얼마 내요?", "다른 답", ("회비 금액",))
    merged = await flows.merge_as_alternate(core, "g1", 1, draft, "admin")
    assert merged.answer == before.answer and merged.question == before.question
    assert merged.alternates[-2:] == ("회비 얼마 내요?", "회비 금액")
