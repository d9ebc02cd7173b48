"""Buttons, selects and modals.

Buttons under answers must keep working after a restart, so they are
:class:`discord.ui.DynamicItem` subclasses (registered in ``setup_hook``): all
their state is in the ``custom_id``. A ``custom_id`` is client-controlled, so
every callback re-derives the scope from the interaction's guild, looks the ids
up *within that scope* (another guild's id is "not found"), and admin actions
re-check :func:`~bot.checks.ensure_admin`.

Custom ids (≤ 100 characters, stable across versions):

- ``faq:vote:{up|down}:{faq_id}:{query_id}`` 👍/👎 on an answer; only the asker's vote counts, and only
  for an FAQ the bot offered for that query (recorded with it)
- ``faq:pick:{faq_id}:{query_id}``            show a suggested FAQ's answer (to the clicker only); only
  an offered FAQ
- ``faq:nomatch:{query_id}``                 the asker says none of the suggestions fit
- ``faq:un:{alt|other|new|skip}:{query_id}[:{faq_id}]`` admin actions on an unanswered question
- ``faq:fb:{accept|reject}:{feedback_id}``    admin review of a 👍 pair (training data once accepted)
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import discord

from bot.checks import ensure_admin
from bot.replies import (
    BUTTON_LABEL_LIMIT,
    NO_MENTIONS,
    answer_text,
    member_text,
    none_text,
    report_error,
    send_ephemeral,
    split_text,
    suggestion_text,
    trim,
)
from faq.activity import SHOWN_SUGGESTIONS, NotOffered
from faq.errors import InvalidInput
from faq.text import MAX_ANSWER_CHARS, MAX_QUESTION_CHARS
from faq.types import Answer, Candidate, Faq, FaqDraft, Status

if TYPE_CHECKING:
    from bot.client import FaqBot

log = logging.getLogger(__name__)

_ID = r"[0-9]{1,19}"  # a snowflake or row id; longer digit runs are forgeries (SQLite int64)
MODAL_TEXT_LIMIT = 4000  # Discord's text-input maximum
MODAL_ALTERNATE_FIELDS = 3  # a modal has at most 5 inputs: question, answer, then alternates

Handler = Callable[[discord.Interaction], Awaitable[None]]


def actor(user: discord.abc.User) -> str:
    return f"discord:{user.id}"


def bot_of(interaction: discord.Interaction) -> FaqBot:
    return interaction.client  # type: ignore[return-value]


async def guarded(interaction: discord.Interaction, handler: Handler, where: str) -> None:
    """Run a component/modal handler; errors become an ephemeral reply (dynamic items have no on_error)."""
    try:
        await handler(interaction)
    except Exception as exc:
        await report_error(interaction, exc, where)


# ---- answers: feedback, suggestions ------------------------------------------------------------


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"faq:vote:(?P<vote>up|down):(?P<faq>{_ID}):(?P<query>{_ID})",
):
    def __init__(self, up: bool, faq_id: int, query_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="도움이 됐어요" if up else "아니에요",
                emoji="👍" if up else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"faq:vote:{'up' if up else 'down'}:{faq_id}:{query_id}",
            )
        )
        self.up, self.faq_id, self.query_id = up, faq_id, query_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        return cls(match["vote"] == "up", int(match["faq"]), int(match["query"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, self._vote, "vote")

    async def _vote(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        scope = bot.interaction_scope(interaction)
        record = await bot.activity_log.get_query(scope, self.query_id)  # another guild's id: not found
        if not record.was_offered(self.faq_id):
            raise NotOffered  # a made-up id: nothing recorded
        await bot.service.get(scope, self.faq_id)  # deleted since: not found
        if await bot.activity_log.is_asker(record, interaction.user.id):
            await bot.limits.check_feedback(interaction.user.id, already_voted=record.vote is not None)
        await bot.activity_log.vote(scope, self.query_id, self.faq_id, user_id=interaction.user.id, up=self.up)
        if self.up:
            await send_ephemeral(interaction, "👍 피드백 고마워요!")
        else:
            await send_ephemeral(
                interaction, "👎 알려 줘서 고마워요. 운영진이 더 나은 답변을 준비할 수 있게 기록했어요."
            )


def answer_view(faq_id: int, query_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(VoteButton(True, faq_id, query_id))
    view.add_item(VoteButton(False, faq_id, query_id))
    return view


class PickButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"faq:pick:(?P<faq>{_ID}):(?P<query>{_ID})",
):
    def __init__(self, faq_id: int, query_id: int, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=trim(label, BUTTON_LABEL_LIMIT) or f"FAQ #{faq_id}",
                style=discord.ButtonStyle.primary,
                custom_id=f"faq:pick:{faq_id}:{query_id}",
            )
        )
        self.faq_id, self.query_id = faq_id, query_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PickButton:
        return cls(int(match["faq"]), int(match["query"]), getattr(item, "label", "") or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, self._pick, "pick")

    async def _pick(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        scope = bot.interaction_scope(interaction)
        record = await bot.activity_log.get_query(scope, self.query_id)
        if not record.was_offered(self.faq_id):
            raise NotOffered  # a made-up id: no answer shown, nothing recorded
        faq = await bot.service.get(scope, self.faq_id)
        asker = await bot.activity_log.is_asker(record, interaction.user.id)
        if asker:
            await bot.activity_log.mark_picked(scope, record.id, faq.id, user_id=interaction.user.id)
        # Shown to the clicker only: others browsing the suggestions do not flood the channel.
        chunks = split_text(answer_text(faq.question, faq.answer, faq.id, None))
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            view = answer_view(faq.id, record.id) if last and asker else discord.utils.MISSING
            await send_ephemeral(interaction, chunk, view=view)


class NoMatchButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"faq:nomatch:(?P<query>{_ID})"):
    def __init__(self, query_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="해당 없음", style=discord.ButtonStyle.secondary, custom_id=f"faq:nomatch:{query_id}"
            )
        )
        self.query_id = query_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> NoMatchButton:
        return cls(int(match["query"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, self._none, "nomatch")

    async def _none(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        scope = bot.interaction_scope(interaction)
        await bot.activity_log.mark_unanswered(scope, self.query_id, user_id=interaction.user.id)
        await send_ephemeral(
            interaction,
            "알겠어요! 운영진이 확인할 수 있도록 답하지 못한 질문으로 남겼어요. 운영진에게 직접 물어봐 주세요.",
        )


def suggestion_view(suggestions: Sequence[Candidate], query_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for c in suggestions[:SHOWN_SUGGESTIONS]:
        view.add_item(PickButton(c.faq_id, query_id, f"#{c.faq_id} {c.question}"))
    view.add_item(NoMatchButton(query_id))
    return view


# ---- admin: unanswered questions ----------------------------------------------------------------


class UnansweredButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"faq:un:(?P<action>alt|other|new|skip):(?P<query>{_ID})(?::(?P<faq>{_ID}))?",
):
    LABELS: ClassVar[dict[str, str]] = {
        "alt": "FAQ #{faq}에 대체 질문으로 추가",
        "other": "다른 FAQ에 추가…",
        "new": "새 FAQ…",
        "skip": "무시",
    }

    def __init__(self, action: str, query_id: int, faq_id: int | None = None, *, row: int | None = None) -> None:
        custom_id = f"faq:un:{action}:{query_id}" + (f":{faq_id}" if faq_id is not None else "")
        style = discord.ButtonStyle.success if action == "alt" else discord.ButtonStyle.secondary
        label = self.LABELS[action].format(faq=faq_id)
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id), row=row)
        self.action, self.query_id, self.faq_id = action, query_id, faq_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> UnansweredButton:
        faq = match["faq"]
        return cls(match["action"], int(match["query"]), int(faq) if faq else None)

    async def callback(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, self._act, f"unanswered:{self.action}")

    async def _act(self, interaction: discord.Interaction) -> None:
        scope = await ensure_admin(interaction)
        bot = bot_of(interaction)
        record = await bot.activity_log.get_query(scope, self.query_id)  # another guild's id: not found
        if self.action == "skip":
            await bot.activity_log.mark_handled(scope, record.id)
            await send_ephemeral(interaction, "목록에서 뺐어요.")
        elif self.action == "alt":
            if self.faq_id is None:
                raise InvalidInput("FAQ 번호가 없어요.")
            await interaction.response.defer(ephemeral=True, thinking=True)
            faq = await bot.service.add_alternate(scope, self.faq_id, record.text, actor(interaction.user))
            await bot.activity_log.mark_handled(scope, record.id)
            await send_ephemeral(
                interaction, f"✅ FAQ #{faq.id}에 대체 질문으로 추가했어요: {member_text(record.text)}"
            )
        elif self.action == "other":
            await interaction.response.send_modal(AlternateModal(scope, record.id, record.text))
        else:
            modal = FaqModal(
                title="새 FAQ 추가",
                scope=scope,
                on_done=_new_faq_for_query(record.id),
                question=record.text,
            )
            await interaction.response.send_modal(modal)


def _new_faq_for_query(query_id: int) -> Callable[[discord.Interaction, str, FaqDraft], Awaitable[None]]:
    async def done(interaction: discord.Interaction, scope: str, draft: FaqDraft) -> None:
        bot = bot_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        faq = await bot.service.add(scope, draft, actor(interaction.user))
        await bot.activity_log.mark_handled(scope, query_id)
        await send_ephemeral(interaction, f"✅ FAQ #{faq.id}을(를) 추가했어요: {member_text(faq.question)}")

    return done


def unanswered_view(records: Sequence[Any]) -> discord.ui.View:
    """One row per question (at most 5): add to its best FAQ, another FAQ, a new FAQ, or ignore."""
    view = discord.ui.View(timeout=None)
    for row, record in enumerate(records[:5]):
        if record.faq_id is not None:
            view.add_item(UnansweredButton("alt", record.id, record.faq_id, row=row))
        view.add_item(UnansweredButton("other", record.id, row=row))
        view.add_item(UnansweredButton("new", record.id, row=row))
        view.add_item(UnansweredButton("skip", record.id, row=row))
    return view


# ---- admin: the 👍 review queue -------------------------------------------------------------------


class FeedbackButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"faq:fb:(?P<action>accept|reject):(?P<feedback>{_ID})",
):
    def __init__(self, accept: bool, feedback_id: int, *, row: int | None = None) -> None:
        action = "accept" if accept else "reject"
        super().__init__(
            discord.ui.Button(
                label=f"#{feedback_id} 학습에 사용" if accept else f"#{feedback_id} 거절",
                style=discord.ButtonStyle.success if accept else discord.ButtonStyle.secondary,
                custom_id=f"faq:fb:{action}:{feedback_id}",
            ),
            row=row,
        )
        self.accept, self.feedback_id = accept, feedback_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FeedbackButton:
        return cls(match["action"] == "accept", int(match["feedback"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, self._review, "feedback review")

    async def _review(self, interaction: discord.Interaction) -> None:
        scope = await ensure_admin(interaction)  # another guild's id: not found
        bot = bot_of(interaction)
        (pair,) = await bot.activity_log.review(
            scope, [self.feedback_id], accept=self.accept, reviewer=actor(interaction.user)
        )
        verb = "학습 데이터로 승인했어요" if self.accept else "거절했어요 (학습에 쓰지 않아요)"
        await send_ephemeral(
            interaction, f"✅ 피드백 #{pair.id}: {member_text(pair.text, 200)} → FAQ #{pair.faq_id} {verb}."
        )


def feedback_view(pairs: Sequence[Any]) -> discord.ui.View:
    """One row per 👍 pair (at most 5): accept as training data, or reject."""
    view = discord.ui.View(timeout=None)
    for row, pair in enumerate(pairs[:5]):
        view.add_item(FeedbackButton(True, pair.id, row=row))
        view.add_item(FeedbackButton(False, pair.id, row=row))
    return view


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    VoteButton,
    PickButton,
    NoMatchButton,
    UnansweredButton,
    FeedbackButton,
)


# ---- modals ---------------------------------------------------------------------------------------


def alternates_from(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def alternate_chunks(alternates: Sequence[str], fields: int = MODAL_ALTERNATE_FIELDS) -> list[str] | None:
    """The alternates as at most ``fields`` texts of whole lines, each within a text input's limit.

    ``None`` when they do not fit: the modal must then leave them out rather than cut them,
    or an unchanged submit would store what was cut. (30 × 300 characters fit in 3 fields.)
    """
    chunks: list[str] = []
    for alt in alternates:
        if chunks and len(chunks[-1]) + 1 + len(alt) <= MODAL_TEXT_LIMIT:
            chunks[-1] += "\n" + alt
        else:
            chunks.append(alt)
    if len(chunks) > fields or any(len(c) > MODAL_TEXT_LIMIT for c in chunks):
        return None
    return chunks or [""]


class FaqModal(discord.ui.Modal):
    """Question, answer and alternates (one per line). Its custom_id is random per opening.

    Alternates that do not fit one text input (4,000 characters) continue in up to two more.
    Should they not fit at all, they are left out and kept as they are (edit them with
    ``/faq-admin alt``): a submit never stores less than the modal showed.
    """

    def __init__(
        self,
        *,
        title: str,
        scope: str,
        on_done: Callable[[discord.Interaction, str, FaqDraft], Awaitable[None]],
        question: str = "",
        answer: str = "",
        alternates: Sequence[str] = (),
    ) -> None:
        super().__init__(title=trim(title, 45), timeout=900)
        self.scope = scope
        self._on_done = on_done
        self.question: discord.ui.TextInput[FaqModal] = discord.ui.TextInput(
            label="질문",
            custom_id="question",
            max_length=MAX_QUESTION_CHARS,
            default=trim(question, MAX_QUESTION_CHARS) or None,
        )
        self.answer: discord.ui.TextInput[FaqModal] = discord.ui.TextInput(
            label="답변",
            custom_id="answer",
            style=discord.TextStyle.paragraph,
            max_length=MAX_ANSWER_CHARS,
            default=answer or None,
        )
        self.add_item(self.question)
        self.add_item(self.answer)
        chunks = alternate_chunks(alternates)
        # Not shown, so not editable here: submitted as they were.
        self.hidden_alternates: tuple[str, ...] = tuple(alternates) if chunks is None else ()
        self.alternate_inputs: list[discord.ui.TextInput[FaqModal]] = []
        for i, chunk in enumerate(chunks or []):
            field: discord.ui.TextInput[FaqModal] = discord.ui.TextInput(
                label="대체 질문 (한 줄에 하나, 선택)" if i == 0 else f"대체 질문 (이어서 {i + 1})",
                custom_id="alternates" if i == 0 else f"alternates{i + 1}",
                style=discord.TextStyle.paragraph,
                required=False,
                max_length=MODAL_TEXT_LIMIT,
                default=chunk or None,
            )
            self.alternate_inputs.append(field)
            self.add_item(field)

    @property
    def alternates_text(self) -> str:
        return "\n".join(field.value for field in self.alternate_inputs)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        scope = await ensure_admin(interaction)
        if scope != self.scope:  # opened in one guild, submitted in another
            raise InvalidInput("다른 서버에서 연 입력 창이에요.")
        alternates = self.hidden_alternates or alternates_from(self.alternates_text)
        draft = FaqDraft(self.question.value, self.answer.value, alternates)
        await self._on_done(interaction, scope, draft)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await report_error(interaction, error, "faq modal")


class AlternateModal(discord.ui.Modal, title="다른 FAQ의 대체 질문으로 추가"):
    def __init__(self, scope: str, query_id: int, text: str) -> None:
        super().__init__(timeout=900)
        self.scope, self.query_id, self.text = scope, query_id, text
        self.faq_number: discord.ui.TextInput[AlternateModal] = discord.ui.TextInput(
            label=trim(f"FAQ 번호 (질문: {text})", 45), custom_id="faq_id", max_length=19, placeholder="예: 12"
        )
        self.add_item(self.faq_number)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        scope = await ensure_admin(interaction)
        if scope != self.scope:
            raise InvalidInput("다른 서버에서 연 입력 창이에요.")
        raw = self.faq_number.value.strip().lstrip("#")
        if not raw.isdigit():
            raise InvalidInput("FAQ 번호는 숫자로 적어 주세요 (예: 12).")
        bot = bot_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        faq = await bot.service.add_alternate(scope, int(raw), self.text, actor(interaction.user))
        await bot.activity_log.mark_handled(scope, self.query_id)
        await send_ephemeral(interaction, f"✅ FAQ #{faq.id}에 대체 질문으로 추가했어요: {member_text(self.text)}")

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await report_error(interaction, error, "alternate modal")


# ---- short-lived views (ephemeral admin/member flows) -----------------------------------------


class OwnedView(discord.ui.View):
    """A view only the member who opened it may use; errors go to :func:`report_error`."""

    def __init__(self, owner_id: int, *, timeout: float = 300) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await send_ephemeral(interaction, "이 버튼은 명령을 실행한 분만 쓸 수 있어요.")
            return False
        return True

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]) -> None:
        await report_error(interaction, error, f"{type(self).__name__}")


class PageView(OwnedView):
    def __init__(self, owner_id: int, pages: Sequence[str]) -> None:
        super().__init__(owner_id, timeout=600)
        self.pages = list(pages)
        self.index = 0
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1

    def content(self) -> str:
        return f"{self.pages[self.index]}\n-# {self.index + 1}/{len(self.pages)} 페이지"

    async def _show(self, interaction: discord.Interaction) -> None:
        self._sync()
        await interaction.response.edit_message(content=self.content(), view=self, allowed_mentions=NO_MENTIONS)

    @discord.ui.button(label="이전", emoji="◀️", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button[PageView]) -> None:
        self.index = max(0, self.index - 1)
        await self._show(interaction)

    @discord.ui.button(label="다음", emoji="▶️", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[PageView]) -> None:
        self.index = min(len(self.pages) - 1, self.index + 1)
        await self._show(interaction)


class ConfirmView(OwnedView):
    """Confirm/cancel for destructive admin actions in the guild (``scope``) it was opened in.

    The click must come from that guild, and admin is re-checked there: a click carrying
    another guild's id (where the clicker may still be admin) acts on nothing.
    """

    def __init__(self, owner_id: int, scope: str, on_confirm: Handler, *, confirm_label: str = "확인") -> None:
        super().__init__(owner_id, timeout=120)
        self.scope = scope
        self._on_confirm = on_confirm
        self.confirm.label = confirm_label

    @discord.ui.button(label="확인", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button[ConfirmView]) -> None:
        if interaction.guild_id is None or str(interaction.guild_id) != self.scope:
            raise InvalidInput("다른 서버에서 연 확인 창이에요. 아무것도 바꾸지 않았어요.")
        await ensure_admin(interaction)  # in the guild it was opened in
        self.stop()
        await self._on_confirm(interaction)

    @discord.ui.button(label="취소", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button[ConfirmView]) -> None:
        self.stop()
        await interaction.response.edit_message(content="취소했어요.", view=None, allowed_mentions=NO_MENTIONS)


class DuplicateView(OwnedView):
    """A new FAQ's question means the same as FAQ #N: add it as an alternate instead?"""

    def __init__(self, owner_id: int, scope: str, draft: FaqDraft, similar: Faq) -> None:
        super().__init__(owner_id, timeout=600)
        self.scope, self.draft, self.similar = scope, draft, similar
        self.as_alternate.label = trim(f"FAQ #{similar.id}의 대체 질문으로 추가", BUTTON_LABEL_LIMIT)

    async def _checked(self, interaction: discord.Interaction) -> FaqBot:
        scope = await ensure_admin(interaction)
        if scope != self.scope:
            raise InvalidInput("다른 서버의 요청이에요.")
        self.stop()
        return bot_of(interaction)

    @discord.ui.button(label="대체 질문으로 추가", style=discord.ButtonStyle.success)
    async def as_alternate(self, interaction: discord.Interaction, button: discord.ui.Button[DuplicateView]) -> None:
        bot = await self._checked(interaction)
        await interaction.response.defer()  # encoding may take longer than Discord's 3 s
        current = await bot.service.get(self.scope, self.similar.id)
        texts = (*current.alternates, self.draft.question, *self.draft.alternates)
        faq = await bot.service.update(
            self.scope, current.id, FaqDraft(current.question, current.answer, texts), actor(interaction.user)
        )
        await interaction.edit_original_response(
            content=f"✅ FAQ #{faq.id}에 대체 질문으로 추가했어요 (답변은 기존 것을 유지했어요).",
            view=None,
            allowed_mentions=NO_MENTIONS,
        )

    @discord.ui.button(label="그래도 새 FAQ로 추가", style=discord.ButtonStyle.primary)
    async def add_anyway(self, interaction: discord.Interaction, button: discord.ui.Button[DuplicateView]) -> None:
        bot = await self._checked(interaction)
        await interaction.response.defer()
        faq = await bot.service.add(self.scope, self.draft, actor(interaction.user))
        await interaction.edit_original_response(
            content=f"✅ FAQ #{faq.id}을(를) 추가했어요: {member_text(faq.question)}",
            view=None,
            allowed_mentions=NO_MENTIONS,
        )

    @discord.ui.button(label="취소", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button[DuplicateView]) -> None:
        self.stop()
        await interaction.response.edit_message(content="취소했어요.", view=None, allowed_mentions=NO_MENTIONS)


# ---- the reply to a question ------------------------------------------------------------------


def render_answer(
    answer: Answer, query_id: int | None, *, admin_role: int | None
) -> list[tuple[str, discord.ui.View | None]]:
    """Message chunks (≤ 2000 characters each) for an answer; the last carries the buttons.

    Without a ``query_id`` (the query log could not be written) the text goes out without
    buttons: they would have nothing to record against.
    """
    if answer.status is Status.ANSWER and answer.best is not None and answer.answer is not None:
        best = answer.best
        text = answer_text(best.question, answer.answer, best.faq_id, best.confidence, truncated=answer.truncated)
        view: discord.ui.View | None = answer_view(best.faq_id, query_id) if query_id is not None else None
    elif answer.status is Status.SUGGEST and answer.suggestions:
        text = suggestion_text(answer.suggestions[:SHOWN_SUGGESTIONS])
        view = suggestion_view(answer.suggestions, query_id) if query_id is not None else None
    else:
        text, view = none_text(admin_role), None
    chunks = split_text(text)
    return [(chunk, view if i == len(chunks) - 1 else None) for i, chunk in enumerate(chunks)]
