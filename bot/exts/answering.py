"""Answers members' questions on Discord: which messages are questions, and how replies are posted.

- Mention (anywhere, including "reply to the bot" with ping, and the bot's own role):
  asked directly.
- FAQ channel (set with ``/faq-admin config channel-add``; threads and forum posts whose
  parent is one count too): passive.
- DMs: only with ``FAQBOT_DM_ENABLED``; answered like a mention from the FAQs of
  ``FAQBOT_DM_GUILD`` (or the bundled ``default`` FAQs when unset). A DM is logged (and so
  gets feedback buttons, the unanswered list, training pairs) only when its sender is a
  member of that guild: someone outside it must not write into its data.
- Never answers bots (itself included), webhooks or system messages.

When to answer, stay silent or note a limit is the chat layer's policy (:mod:`chat.answering`).
"""

from __future__ import annotations

import logging
import re

import discord
from discord.ext import commands

from bot.client import FaqBot
from bot.replies import NO_MENTIONS
from bot.ui.answer_buttons import render_answer
from chat.answering import Answering as AnsweringPolicy
from chat.answering import Question
from faq.activity import Source
from faq.types import Answer

log = logging.getLogger(__name__)

_ANSWERABLE_TYPES = (discord.MessageType.default, discord.MessageType.reply)


class ChannelReplier:
    """Posts the policy's notes and answers as replies to ``message`` (the first chunk references it)."""

    def __init__(self, message: discord.Message) -> None:
        self.message = message

    async def note(self, text: str) -> None:
        await self._send(text)

    async def answer(self, answer: Answer, query_id: int | None, admin_role: str | None) -> None:
        first = True
        for chunk, view in render_answer(answer, query_id, admin_role=admin_role):
            await self._send(chunk, view=view, reference=first)
            first = False

    async def _send(self, content: str, *, view: discord.ui.View | None = None, reference: bool = True) -> None:
        kwargs: dict[str, object] = {"allowed_mentions": NO_MENTIONS}
        if view is not None:
            kwargs["view"] = view
        if reference:
            # The question may be deleted meanwhile: still answer, just not as a reply.
            kwargs["reference"] = self.message.to_reference(fail_if_not_exists=False)
            kwargs["mention_author"] = False
        await self.message.channel.send(content, **kwargs)  # type: ignore[arg-type]


class Answering(commands.Cog):
    """멘션하거나 FAQ 채널에 올린 질문에 FAQ로 답해요."""

    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot
        self.policy = AnsweringPolicy(bot.chat)

    # ---- what is a question ------------------------------------------------------------------

    def _mentions_me(self, message: discord.Message) -> bool:
        me = self.bot.user
        if me is None:
            return False
        if me.id in message.raw_mentions or any(u.id == me.id for u in message.mentions):
            return True
        role = message.guild.self_role if message.guild else None
        return role is not None and role.id in message.raw_role_mentions

    def _strip_mentions(self, message: discord.Message) -> str:
        me = self.bot.user
        text = message.content
        if me is not None:
            text = re.sub(rf"<@!?{me.id}>", " ", text)
        role = message.guild.self_role if message.guild else None
        if role is not None:
            text = text.replace(f"<@&{role.id}>", " ")
        return text.strip()

    async def _is_faq_channel(self, scope: str, channel: discord.abc.Messageable) -> bool:
        config = await self.bot.configs.get(scope)
        if not config.faq_channels:
            return False
        if str(getattr(channel, "id", None)) in config.faq_channels:
            return True
        return isinstance(channel, discord.Thread) and str(channel.parent_id) in config.faq_channels

    # ---- the listener ------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None or message.type not in _ANSWERABLE_TYPES:
            return
        if message.guild is None:
            if not self.bot.settings.dm_enabled:
                return
            scope, source = self.bot.settings.dm_scope(), Source.DM
        else:
            scope = str(message.guild.id)
            if self._mentions_me(message):
                source = Source.MENTION
            elif await self._is_faq_channel(scope, message.channel):
                source = Source.CHANNEL
            else:
                return
        text = self._strip_mentions(message) if source is Source.MENTION else message.content.strip()
        question = Question(scope, message.author.id, text, source, ref=message.id)

        async def may_log() -> bool:
            return await self._dm_sender_is_member(message.author.id)

        await self.policy.handle(question, ChannelReplier(message), may_log=may_log if source is Source.DM else None)

    async def _dm_sender_is_member(self, user_id: int) -> bool:
        """Whether a DM's sender belongs to the DM guild (the bundled scope belongs to no guild)."""
        guild_id = self.bot.settings.dm_guild
        if guild_id is None:
            return True
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            # Not cached: the bot is not in it, or (sharded) it is on another process's shard, since
            # every DM arrives on shard 0 whatever guild answers it. Ask Discord.
            try:
                guild = await self.bot.fetch_guild(guild_id)
            except (discord.NotFound, discord.Forbidden):
                return False
            except discord.HTTPException as exc:
                log.warning("could not look up DM guild %s: %s", guild_id, exc)
                return False
        if guild.get_member(user_id) is not None:
            return True
        try:  # no members intent: ask Discord (one REST call per DM; DMs are rare)
            await guild.fetch_member(user_id)
        except discord.NotFound:
            return False
        except discord.HTTPException as exc:
            log.warning("could not check DM sender's membership in guild %s: %s", guild_id, exc)
            return False
        return True


async def setup(bot: FaqBot) -> None:
    await bot.add_cog(Answering(bot))
