"""``/faq``: what every member may do: ask, list the FAQs, show one.

Guild-only, and works on the FAQs of the guild it was used in. Admin commands are in
:mod:`bot.exts.faq_admin`.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import FaqBot
from bot.context import scope_of
from bot.faq_choices import ChoiceIndex, FaqAutocomplete
from bot.paging import LivePages
from bot.replies import CONTENT_LIMIT, DISCORD, NO_MENTIONS, PAGE_CHARS, send_ephemeral
from bot.ui.answer_buttons import render_answer
from bot.ui.owned import PageView
from chat import listing, messages
from faq.activity import Source
from faq.types import Faq


def faq_pages(faqs: list[Faq]) -> list[str]:
    """The FAQ list as Discord pages (:func:`chat.listing.faq_pages`)."""
    return listing.faq_pages(faqs, DISCORD, page_chars=PAGE_CHARS)


def faq_details(faq: Faq) -> str:
    return listing.faq_details(faq, DISCORD, limit=CONTENT_LIMIT)


class FaqCommands(FaqAutocomplete, commands.Cog):
    """FAQ 검색 명령 (/faq)."""

    faq = app_commands.Group(name="faq", description="동아리 FAQ 검색", guild_only=True)

    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot
        self._choices = ChoiceIndex()
        self._pages = LivePages()

    @faq.command(name="ask")
    @app_commands.describe(question="궁금한 내용", ephemeral="나에게만 보이기 (기본: 예)")
    async def ask(self, interaction: discord.Interaction, question: str, ephemeral: bool = True) -> None:
        """FAQ에서 답을 찾아요."""
        scope = scope_of(interaction)
        with self.bot.limits.slot(interaction.user.id):
            await self.bot.limits.check_question(interaction.user.id)
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
            answer = await self.bot.service.ask(scope, question)
            query_id = await self.bot.activity_log.record_query(
                scope, answer, user_id=interaction.user.id, source=Source.COMMAND
            )
        config = await self.bot.configs.get(scope)
        for chunk, view in render_answer(answer, query_id, admin_role=config.admin_role):
            kwargs: dict[str, object] = {"ephemeral": ephemeral, "allowed_mentions": NO_MENTIONS}
            if view is not None:
                kwargs["view"] = view
            await interaction.followup.send(chunk, **kwargs)  # type: ignore[arg-type]

    @faq.command(name="list")
    async def list_faqs(self, interaction: discord.Interaction) -> None:
        """이 서버의 FAQ 목록을 봐요."""
        scope = scope_of(interaction)
        faqs = await self.bot.service.list(scope)
        if not faqs:
            await send_ephemeral(interaction, messages.NO_FAQS)
            return
        view = PageView(interaction.user.id, faq_pages(faqs))
        self._pages.add(interaction.user.id, view)  # one list per member, bounded bytes in all
        await interaction.response.send_message(view.content(), view=view, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @faq.command(name="show")
    @app_commands.describe(faq_id="FAQ 번호", ephemeral="나에게만 보이기 (기본: 예)")
    @app_commands.autocomplete(faq_id=FaqAutocomplete.faq_id_autocomplete)
    async def show(self, interaction: discord.Interaction, faq_id: int, ephemeral: bool = True) -> None:
        """FAQ 하나를 자세히 봐요."""
        faq = await self.bot.service.get(scope_of(interaction), faq_id)
        await interaction.response.send_message(faq_details(faq), ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)


async def setup(bot: FaqBot) -> None:
    await bot.add_cog(FaqCommands(bot))


__all__ = ["FaqCommands", "faq_details", "faq_pages", "setup"]
