"""The answering policy, once, without any chat platform (issue 15): when to answer, stay
silent, note a limit, and answer without buttons when the log write fails."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from chat import messages
from chat.answering import Answering, Question
from chat.core import ChatCore
from chat.settings import ChatSettings
from faq.activity import ActivityLog, Source
from faq.embedder import EncodeFailed
from faq.errors import StorageError
from faq.scope_config import ScopeConfigs
from faq.service import FaqService
from faq.types import Answer, Status

ANSWER_Q, SUGGEST_Q, NONE_Q = "회비 얼마예요?", "정기적으로 언제 모여요?", "오늘 점심 뭐 먹지"


@dataclass
class Recorder:
    """A :class:`chat.answering.Replier` that keeps what the adapter would have posted."""

    notes: list[str] = field(default_factory=list)
    answers: list[tuple[Answer, int | None, str | None]] = field(default_factory=list)

    async def note(self, text: str) -> None:
        self.notes.append(text)

    async def answer(self, answer: Answer, query_id: int | None, admin_role: str | None) -> None:
        self.answers.append((answer, query_id, admin_role))

    @property
    def silent(self) -> bool:
        return not self.notes and not self.answers


def make_core(service: FaqService, **settings: Any) -> ChatCore:
    values: dict[str, Any] = {
        "cooldown_s": 60.0,
        "max_questions_per_hour": 0,
        "max_feedback_per_day": 0,
        "max_concurrent_per_member": 0,
    }
    values.update(settings)
    return ChatCore(
        service=service,
        activity_log=ActivityLog(service.store),
        configs=ScopeConfigs(service.store),
        settings=ChatSettings(**values),
    )


async def ask(policy: Answering, text: str, source: Source = Source.MENTION, user: int = 7, **kw: Any) -> Recorder:
    recorder = Recorder()
    await policy.handle(Question("g1", user, text, source, ref="m1"), recorder, **kw)
    return recorder


async def test_direct_questions_always_get_a_reply_passive_ones_only_when_something_fits(service: FaqService) -> None:
    policy = Answering(make_core(service))
    for source in (Source.MENTION, Source.DM, Source.COMMAND):
        got = await ask(policy, NONE_Q, source)
        assert [a.status for a, _, _ in got.answers] == [Status.NONE], source
    assert (await ask(policy, NONE_Q, Source.CHANNEL)).silent  # chat in an FAQ channel: quiet
    answered = await ask(policy, ANSWER_Q, Source.CHANNEL)
    ((answer, query_id, _),) = answered.answers
    assert answer.status is Status.ANSWER and query_id is not None


async def test_passive_answers_wait_out_the_cooldown_per_member(service: FaqService) -> None:
    core = make_core(service)
    policy = Answering(core)
    assert (await ask(policy, ANSWER_Q, Source.CHANNEL, user=1)).answers
    assert (await ask(policy, ANSWER_Q, Source.CHANNEL, user=1)).silent  # within 60 s
    assert (await ask(policy, ANSWER_Q, Source.CHANNEL, user=2)).answers  # another member
    assert (await ask(policy, ANSWER_Q, Source.MENTION, user=1)).answers  # asked directly: no cooldown
    await core.configs.set_cooldown("g1", 0)  # the scope's own setting wins over the default
    assert (await ask(policy, ANSWER_Q, Source.CHANNEL, user=1)).answers


async def test_a_failed_log_write_still_answers_without_buttons(
    service: FaqService, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = make_core(service)

    async def read_only(*_: object, **__: object) -> int:
        raise StorageError("읽기 전용")

    monkeypatch.setattr(core.activity_log, "record_query", read_only)
    got = await ask(Answering(core), ANSWER_Q)
    ((answer, query_id, _),) = got.answers
    assert answer.status is Status.ANSWER and query_id is None and not got.notes


async def test_a_sender_who_may_not_log_is_answered_unlogged(service: FaqService) -> None:
    core = make_core(service)

    async def no() -> bool:
        return False

    got = await ask(Answering(core), ANSWER_Q, Source.DM, may_log=no)
    assert got.answers[0][1] is None
    assert (await core.activity_log.stats("g1")).total == 0


async def test_limits_empty_questions_and_model_failures_are_notes_when_asked_and_silence_when_passive(
    service: FaqService, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = make_core(service, max_questions_per_hour=1)
    policy = Answering(core)
    assert (await ask(policy, ANSWER_Q)).answers
    assert (await ask(policy, ANSWER_Q)).notes == [messages.questions_limit(1)]
    assert (await ask(policy, ANSWER_Q, Source.CHANNEL)).silent

    policy = Answering(make_core(service))
    assert (await ask(policy, "   ", user=8)).notes == [messages.EMPTY_MENTION_TEXT]
    assert (await ask(policy, "   ", Source.CHANNEL, user=8)).silent

    async def failing(*_: object, **__: object) -> Answer:
        raise EncodeFailed("모델 응답이 1초 안에 오지 않았습니다.")

    monkeypatch.setattr(service, "ask", failing)
    (note,) = (await ask(policy, ANSWER_Q, user=9)).notes
    assert note.startswith("⚠️ 지금은 답할 수 없어요") and note.endswith(messages.RETRY)
    assert (await ask(policy, ANSWER_Q, Source.CHANNEL, user=9)).silent


async def test_a_bug_is_a_reference_to_quote_never_a_traceback(
    service: FaqService, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = Answering(make_core(service))

    async def broken(*_: object, **__: object) -> Answer:
        raise RuntimeError("bug")

    monkeypatch.setattr(service, "ask", broken)
    (note,) = (await ask(policy, ANSWER_Q)).notes
    assert "오류 참조" in note and "bug" not in note
    assert (await ask(policy, ANSWER_Q, Source.CHANNEL, user=2)).silent
    assert policy.core.limits.running() == 0  # the member's slot is freed on every path


async def test_the_admin_group_reaches_the_none_reply(service: FaqService) -> None:
    core = make_core(service)
    await core.configs.set_admin_role("g1", "S0ADMINS")
    ((_, _, role),) = (await ask(Answering(core), NONE_Q)).answers
    assert role == "S0ADMINS"
