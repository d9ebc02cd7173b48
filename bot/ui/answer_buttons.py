"""The reply to a question as Discord messages, and the buttons under it: 👍/👎, suggestions, none fit.

Every callback re-derives the scope from the interaction (another guild's id is "not
found"); what a click changes is :mod:`chat.flows`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import discord

from bot.context import core_of, interaction_scope
from bot.replies import BUTTON_LABEL_LIMIT, DISCORD, send_ephemeral, split_text, trim
from bot.ui.common import guarded
from chat import custom_ids, flows, messages
from chat.replies import Buttons, answer_text, reply_content
from faq.activity import SHOWN_SUGGESTIONS
from faq.types import Answer, Candidate


class VoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.VOTE_PATTERN):
    def __init__(self, up: bool, faq_id: int, query_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=messages.VOTE_UP_LABEL if up else messages.VOTE_DOWN_LABEL,
                emoji="👍" if up else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=custom_ids.vote(up, faq_id, query_id),
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
        scope = interaction_scope(interaction)
        thanks = await flows.vote(
            core_of(interaction), scope, self.query_id, self.faq_id, user_id=interaction.user.id, up=self.up
        )
        await send_ephemeral(interaction, thanks)


def answer_view(faq_id: int, query_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(VoteButton(True, faq_id, query_id))
    view.add_item(VoteButton(False, faq_id, query_id))
    return view


class PickButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.PICK_PATTERN):
    def __init__(self, faq_id: int, query_id: int, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=trim(label, BUTTON_LABEL_LIMIT) or f"FAQ #{faq_id}",
                style=discord.ButtonStyle.primary,
                custom_id=custom_ids.pick(faq_id, query_id),
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
        scope = interaction_scope(interaction)
        picked = await flows.pick(core_of(interaction), scope, self.query_id, self.faq_id, user_id=interaction.user.id)
        faq = picked.faq
        # Shown to the clicker only: others browsing the suggestions do not flood the channel.
        chunks = split_text(answer_text(DISCORD, faq.question, faq.answer, faq.id, None))
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            view = answer_view(faq.id, picked.query_id) if last and picked.asker else discord.utils.MISSING
            await send_ephemeral(interaction, chunk, view=view)


class NoMatchButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.NO_MATCH_PATTERN):
    def __init__(self, query_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=messages.NO_MATCH_LABEL,
                style=discord.ButtonStyle.secondary,
                custom_id=custom_ids.no_match(query_id),
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
        scope = interaction_scope(interaction)
        noted = await flows.no_match(core_of(interaction), scope, self.query_id, user_id=interaction.user.id)
        await send_ephemeral(interaction, noted)


def suggestion_view(suggestions: Sequence[Candidate], query_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for c in suggestions[:SHOWN_SUGGESTIONS]:
        view.add_item(PickButton(c.faq_id, query_id, f"#{c.faq_id} {c.question}"))
    view.add_item(NoMatchButton(query_id))
    return view


def render_answer(
    answer: Answer, query_id: int | None, *, admin_role: str | None
) -> list[tuple[str, discord.ui.View | None]]:
    """Message chunks (≤ 2000 characters each) for an answer; the last carries the buttons.

    Without a ``query_id`` (the query log could not be written) the text goes out without
    buttons: they would have nothing to record against.
    """
    reply = reply_content(answer, query_id, DISCORD, admin_role=admin_role)
    view: discord.ui.View | None = None
    if reply.buttons is Buttons.VOTE and reply.faq_id is not None and query_id is not None:
        view = answer_view(reply.faq_id, query_id)
    elif reply.buttons is Buttons.PICK and query_id is not None:
        view = suggestion_view(reply.suggestions, query_id)
    chunks = split_text(reply.text)
    return [(chunk, view if i == len(chunks) - 1 else None) for i, chunk in enumerate(chunks)]
