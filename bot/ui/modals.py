"""Modals: an FAQ's question, answer and alternates; an FAQ number for an unanswered question.

Both re-check admin rights in the guild they are submitted in, which must be the one they
were opened in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import discord

from bot.checks import ensure_admin
from bot.context import actor, core_of
from bot.replies import (
    DISCORD,
    MODAL_LABEL_LIMIT,
    MODAL_TEXT_LIMIT,
    MODAL_TITLE_LIMIT,
    report_error,
    send_ephemeral,
    trim,
)
from chat import flows, messages
from faq.text import MAX_ANSWER_CHARS, MAX_QUESTION_CHARS
from faq.types import FaqDraft

MODAL_ALTERNATE_FIELDS = 3  # a modal has at most 5 inputs: question, answer, then alternates

OnDone = Callable[[discord.Interaction, str, FaqDraft], Awaitable[None]]


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
        on_done: OnDone,
        question: str = "",
        answer: str = "",
        alternates: Sequence[str] = (),
    ) -> None:
        super().__init__(title=trim(title, MODAL_TITLE_LIMIT), timeout=900)
        self.scope = scope
        self._on_done = on_done
        self.question: discord.ui.TextInput[FaqModal] = discord.ui.TextInput(
            label=messages.QUESTION_LABEL,
            custom_id="question",
            max_length=MAX_QUESTION_CHARS,
            default=trim(question, MAX_QUESTION_CHARS) or None,
        )
        self.answer: discord.ui.TextInput[FaqModal] = discord.ui.TextInput(
            label=messages.ANSWER_LABEL,
            custom_id="answer",
            style=discord.TextStyle.paragraph,
            max_length=min(MAX_ANSWER_CHARS, MODAL_TEXT_LIMIT),
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
                label=messages.alternates_label(i + 1),
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
        flows.same_scope(self.scope, scope)  # opened in one guild, submitted in another
        alternates = self.hidden_alternates or alternates_from(self.alternates_text)
        draft = FaqDraft(self.question.value, self.answer.value, alternates)
        await self._on_done(interaction, scope, draft)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await report_error(interaction, error, "faq modal")


class AlternateModal(discord.ui.Modal, title=messages.ALTERNATE_MODAL_TITLE):
    def __init__(self, scope: str, query_id: int, text: str) -> None:
        super().__init__(timeout=900)
        self.scope, self.query_id, self.text = scope, query_id, text
        self.faq_number: discord.ui.TextInput[AlternateModal] = discord.ui.TextInput(
            label=trim(messages.faq_number_label(text), MODAL_LABEL_LIMIT),
            custom_id="faq_id",
            max_length=19,
            placeholder=messages.FAQ_NUMBER_PLACEHOLDER,
        )
        self.add_item(self.faq_number)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        scope = await ensure_admin(interaction)
        flows.same_scope(self.scope, scope)
        faq_id = flows.faq_number(self.faq_number.value)
        core = core_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        faq = await flows.question_as_alternate(core, scope, self.query_id, self.text, faq_id, actor(interaction.user))
        await send_ephemeral(interaction, messages.added_as_alternate(faq.id, DISCORD.member_text(self.text)))

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await report_error(interaction, error, "alternate modal")
