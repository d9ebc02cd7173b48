"""Short-lived views only the member who opened them may use: list pages, confirmations, the
"means the same as FAQ #N" choice. Errors go to :func:`~bot.replies.report_error`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from bot.checks import ensure_admin
from bot.context import actor, core_of
from bot.replies import BUTTON_LABEL_LIMIT, DISCORD, NO_MENTIONS, report_error, send_ephemeral, trim
from bot.ui.common import Handler
from chat import flows, messages
from chat.core import ChatCore
from faq.errors import InvalidInput
from faq.types import Faq, FaqDraft


class OwnedView(discord.ui.View):
    """A view only the member who opened it may use; errors go to :func:`report_error`."""

    def __init__(self, owner_id: int, *, timeout: float = 300) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await send_ephemeral(interaction, messages.OWNER_ONLY)
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
        return f"{self.pages[self.index]}\n{DISCORD.subtext(messages.page_footer(self.index + 1, len(self.pages)))}"

    async def _show(self, interaction: discord.Interaction) -> None:
        self._sync()
        await interaction.response.edit_message(content=self.content(), view=self, allowed_mentions=NO_MENTIONS)

    @discord.ui.button(label=messages.PREVIOUS_LABEL, emoji="◀️", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button[PageView]) -> None:
        self.index = max(0, self.index - 1)
        await self._show(interaction)

    @discord.ui.button(label=messages.NEXT_LABEL, emoji="▶️", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[PageView]) -> None:
        self.index = min(len(self.pages) - 1, self.index + 1)
        await self._show(interaction)


class ConfirmView(OwnedView):
    """Confirm/cancel for destructive admin actions in the guild (``scope``) it was opened in.

    The click must come from that guild, and admin is re-checked there: a click carrying
    another guild's id (where the clicker may still be admin) acts on nothing.
    """

    def __init__(
        self, owner_id: int, scope: str, on_confirm: Handler, *, confirm_label: str = messages.CONFIRM_LABEL
    ) -> None:
        super().__init__(owner_id, timeout=120)
        self.scope = scope
        self._on_confirm = on_confirm
        self.confirm.label = confirm_label

    @discord.ui.button(label=messages.CONFIRM_LABEL, style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button[ConfirmView]) -> None:
        if interaction.guild_id is None or str(interaction.guild_id) != self.scope:
            raise InvalidInput(messages.OTHER_SERVER_CONFIRM)
        await ensure_admin(interaction)  # in the guild it was opened in
        self.stop()
        await self._on_confirm(interaction)

    @discord.ui.button(label=messages.CANCEL_LABEL, style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button[ConfirmView]) -> None:
        self.stop()
        await interaction.response.edit_message(content=messages.CANCELLED, view=None, allowed_mentions=NO_MENTIONS)


class DuplicateView(OwnedView):
    """A new FAQ's question means the same as FAQ #N: add it as an alternate instead?"""

    def __init__(self, owner_id: int, scope: str, draft: FaqDraft, similar: Faq) -> None:
        super().__init__(owner_id, timeout=600)
        self.scope, self.draft, self.similar = scope, draft, similar
        self.as_alternate.label = trim(messages.as_alternate_label(similar.id), BUTTON_LABEL_LIMIT)

    async def _checked(self, interaction: discord.Interaction) -> ChatCore:
        scope = await ensure_admin(interaction)
        flows.same_scope(self.scope, scope, messages.OTHER_SERVER_REQUEST)
        self.stop()
        return core_of(interaction)

    @discord.ui.button(label=messages.AS_ALTERNATE_LABEL, style=discord.ButtonStyle.success)
    async def as_alternate(self, interaction: discord.Interaction, button: discord.ui.Button[DuplicateView]) -> None:
        core = await self._checked(interaction)
        await interaction.response.defer()  # encoding may take longer than Discord's 3 s
        faq = await flows.merge_as_alternate(core, self.scope, self.similar.id, self.draft, actor(interaction.user))
        await interaction.edit_original_response(
            content=messages.merged_as_alternate(faq.id), view=None, allowed_mentions=NO_MENTIONS
        )

    @discord.ui.button(label=messages.ADD_ANYWAY_LABEL, style=discord.ButtonStyle.primary)
    async def add_anyway(self, interaction: discord.Interaction, button: discord.ui.Button[DuplicateView]) -> None:
        core = await self._checked(interaction)
        await interaction.response.defer()
        faq = await core.service.add(self.scope, self.draft, actor(interaction.user))
        await interaction.edit_original_response(
            content=messages.faq_added(faq.id, DISCORD.member_text(faq.question)),
            view=None,
            allowed_mentions=NO_MENTIONS,
        )

    @discord.ui.button(label=messages.CANCEL_LABEL, style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button[DuplicateView]) -> None:
        self.stop()
        await interaction.response.edit_message(content=messages.CANCELLED, view=None, allowed_mentions=NO_MENTIONS)
