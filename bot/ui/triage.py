"""Admin buttons under ``/faq-admin unanswered`` and ``/faq-admin feedback``.

Each click re-checks admin rights in the guild it came from and looks the ids up there
(another guild's id is "not found"); what it changes is :mod:`chat.flows`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord

from bot.checks import ensure_admin
from bot.context import actor, core_of
from bot.replies import DISCORD, send_ephemeral
from bot.ui.common import guarded
from bot.ui.modals import AlternateModal, FaqModal
from chat import custom_ids, flows, messages
from faq.activity import FeedbackPair, QueryRecord
from faq.errors import InvalidInput
from faq.types import FaqDraft

TRIAGE_ROWS = 5  # a message holds at most 5 rows of buttons


class UnansweredButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.TRIAGE_PATTERN):
    LABELS = messages.TRIAGE_LABELS

    def __init__(self, action: str, query_id: int, faq_id: int | None = None, *, row: int | None = None) -> None:
        style = discord.ButtonStyle.success if action == "alt" else discord.ButtonStyle.secondary
        label = self.LABELS[action].format(faq=faq_id)
        custom_id = custom_ids.triage(action, query_id, faq_id)
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
        core = core_of(interaction)
        record = await flows.unanswered_question(core, scope, self.query_id)  # another guild's id: not found
        if self.action == "skip":
            await send_ephemeral(interaction, await flows.skip(core, scope, record))
        elif self.action == "alt":
            if self.faq_id is None:
                raise InvalidInput(messages.NO_FAQ_NUMBER)
            await interaction.response.defer(ephemeral=True, thinking=True)
            faq = await flows.question_as_alternate(
                core, scope, record.id, record.text, self.faq_id, actor(interaction.user)
            )
            await send_ephemeral(interaction, messages.added_as_alternate(faq.id, DISCORD.member_text(record.text)))
        elif self.action == "other":
            await interaction.response.send_modal(AlternateModal(scope, record.id, record.text))
        else:
            modal = FaqModal(
                title=messages.NEW_FAQ_TITLE,
                scope=scope,
                on_done=_new_faq_for_query(record.id),
                question=record.text,
            )
            await interaction.response.send_modal(modal)


def _new_faq_for_query(query_id: int) -> Callable[[discord.Interaction, str, FaqDraft], Awaitable[None]]:
    async def done(interaction: discord.Interaction, scope: str, draft: FaqDraft) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        faq = await flows.question_as_new_faq(core_of(interaction), scope, query_id, draft, actor(interaction.user))
        await send_ephemeral(interaction, messages.faq_added(faq.id, DISCORD.member_text(faq.question)))

    return done


def unanswered_view(records: Sequence[QueryRecord]) -> discord.ui.View:
    """One row per question (at most 5): add to its best FAQ, another FAQ, a new FAQ, or ignore."""
    view = discord.ui.View(timeout=None)
    for row, record in enumerate(records[:TRIAGE_ROWS]):
        if record.faq_id is not None:
            view.add_item(UnansweredButton("alt", record.id, record.faq_id, row=row))
        view.add_item(UnansweredButton("other", record.id, row=row))
        view.add_item(UnansweredButton("new", record.id, row=row))
        view.add_item(UnansweredButton("skip", record.id, row=row))
    return view


class FeedbackButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.REVIEW_PATTERN):
    def __init__(self, accept: bool, feedback_id: int, *, row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=messages.review_label(feedback_id, accept=accept),
                style=discord.ButtonStyle.success if accept else discord.ButtonStyle.secondary,
                custom_id=custom_ids.review(accept, feedback_id),
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
        pair = await flows.review(
            core_of(interaction), scope, self.feedback_id, accept=self.accept, reviewer=actor(interaction.user)
        )
        text = DISCORD.member_text(pair.text, 200)
        await send_ephemeral(interaction, messages.reviewed(pair.id, text, pair.faq_id, accept=self.accept))


def feedback_view(pairs: Sequence[FeedbackPair]) -> discord.ui.View:
    """One row per 👍 pair (at most 5): accept as training data, or reject."""
    view = discord.ui.View(timeout=None)
    for row, pair in enumerate(pairs[:TRIAGE_ROWS]):
        view.add_item(FeedbackButton(True, pair.id, row=row))
        view.add_item(FeedbackButton(False, pair.id, row=row))
    return view
