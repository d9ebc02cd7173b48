"""When and how to answer a member's question, whatever the platform.

- Asked directly (a mention, a DM, a command): always answered; with nothing found the
  reply says so and who to ask; over a limit, an empty question or a failing model get a
  short note.
- Passive (every message in an FAQ channel): answers or suggests, stays silent when nothing
  fits, over a limit or on error, and answers one member at most once per cooldown.
- Every question is logged (feedback buttons, the unanswered list, training pairs need the
  row) unless the adapter says its sender may not write into the scope's data; when the log
  write fails the answer still goes out, without buttons.

The adapter decides *whether* a message is a question for the bot and where it is from
(:class:`Question`), and renders what this decides through a :class:`Replier`.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from chat import messages
from chat.core import ChatCore
from chat.limits import LimitReached
from chat.replies import answer_log_text
from faq.activity import Source
from faq.embedder import EncodeFailed
from faq.errors import InvalidInput, StorageError
from faq.types import Answer, Status

log = logging.getLogger(__name__)

COOLDOWN_SWEEP = 10_000  # forget old cooldown entries when the table grows past this


def error_reference() -> str:
    """A short code a member quotes to the admins, logged with the traceback."""
    return secrets.token_hex(3)


@dataclass(frozen=True, slots=True)
class Question:
    scope: str
    user_id: int
    text: str
    source: Source
    ref: object = None  # the platform's message id, for the log

    @property
    def passive(self) -> bool:
        return self.source is Source.CHANNEL


class Replier(Protocol):
    """The adapter's side: post a short note, or the reply to an answer (with its buttons)."""

    async def note(self, text: str) -> None: ...

    async def answer(self, answer: Answer, query_id: int | None, admin_role: str | None) -> None: ...


class Answering:
    def __init__(self, core: ChatCore) -> None:
        self.core = core
        self._answered_at: dict[tuple[str, int], float] = {}

    # ---- cooldown (passive answers only) ------------------------------------------------------

    def cooling_down(self, scope: str, user_id: int, cooldown_s: float) -> bool:
        last = self._answered_at.get((scope, user_id))
        return last is not None and time.monotonic() - last < cooldown_s

    def note_answered(self, scope: str, user_id: int, cooldown_s: float) -> None:
        now = time.monotonic()
        if len(self._answered_at) > COOLDOWN_SWEEP:
            self._answered_at = {k: t for k, t in self._answered_at.items() if now - t < cooldown_s}
        self._answered_at[(scope, user_id)] = now

    # ---- one question --------------------------------------------------------------------------

    async def handle(
        self, question: Question, replier: Replier, *, may_log: Callable[[], Awaitable[bool]] | None = None
    ) -> None:
        """Answer ``question`` (or stay silent) through ``replier``; ``may_log`` False: answer without logging."""
        try:
            await self._handle(question, replier, may_log)
        except Exception:
            ref = error_reference()
            log.exception("answering message %s failed (오류 참조: %s)", question.ref, ref)
            if not question.passive:
                await replier.note(messages.answering_failed(ref))

    async def _handle(self, q: Question, replier: Replier, may_log: Callable[[], Awaitable[bool]] | None) -> None:
        config = await self.core.configs.get(q.scope)
        cooldown = config.cooldown_s if config.cooldown_s is not None else self.core.settings.cooldown_s
        if q.passive and self.cooling_down(q.scope, q.user_id, cooldown):
            log.debug("scope %s: user on cooldown, not answering message %s", q.scope, q.ref)
            return
        limits = self.core.limits
        try:
            with limits.slot(q.user_id):
                await limits.check_question(q.user_id)
                await self._answer(q, replier, may_log, config.admin_role, cooldown)
        except LimitReached as exc:
            log.info("scope %s: member over a limit, message %s not answered", q.scope, q.ref)
            if not q.passive:
                await replier.note(str(exc))

    async def _answer(
        self,
        q: Question,
        replier: Replier,
        may_log: Callable[[], Awaitable[bool]] | None,
        admin_role: str | None,
        cooldown: float,
    ) -> None:
        try:
            answer = await self.core.service.ask(q.scope, q.text)
        except InvalidInput:  # nothing left to ask once mentions and spaces are gone
            if not q.passive:
                await replier.note(messages.EMPTY_MENTION_TEXT)
            return
        except EncodeFailed as exc:
            log.warning("scope %s: model failed on message %s: %s", q.scope, q.ref, exc)
            if not q.passive:
                await replier.note(messages.model_unavailable(exc))
            return
        query_id: int | None = None
        if may_log is not None and not await may_log():
            log.debug("scope %s: sender may not write into this scope; answering without logging", q.scope)
        else:
            try:
                query_id = await self.core.activity_log.record_query(
                    q.scope, answer, user_id=q.user_id, source=q.source
                )
            except StorageError as exc:  # read-only or full disk: still answer, just without feedback buttons
                log.warning("scope %s: could not log query for message %s: %s", q.scope, q.ref, exc)
        self._log(q, answer, query_id)
        if q.passive and answer.status is Status.NONE:
            return  # chat in an FAQ channel that is not an FAQ question: stay quiet
        await replier.answer(answer, query_id, admin_role)
        if q.passive:
            self.note_answered(q.scope, q.user_id, cooldown)

    def _log(self, q: Question, answer: Answer, query_id: int | None) -> None:
        best = answer.best
        log.info(
            "scope %s %s query %s: %s -> %s%s",
            q.scope,
            q.source,
            query_id,
            answer_log_text(answer, include_content=self.core.settings.log_message_content),
            answer.status,
            f" (FAQ #{best.faq_id}, {best.confidence:.2f})" if best else "",
        )
