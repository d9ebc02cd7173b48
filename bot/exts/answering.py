"""Answers members' questions: when they mention the bot, and every message in FAQ channels.

- Mention (anywhere, including "reply to the bot" with ping, and the bot's own role):
  always answers; with nothing found it says so politely and who to ask.
- FAQ channel (set with ``/faq-admin config channel-add``; threads and forum posts whose
  parent is one count too): answers or suggests, stays silent when nothing fits, and
  answers one member at most once per cooldown.
- DMs: only with ``FAQBOT_DM_ENABLED``; answered like a mention from the FAQs of
  ``FAQBOT_DM_GUILD`` (or the bundled ``default`` FAQs when unset). A DM is logged (and so
  gets feedback buttons, the unanswered list, training pairs) only when its sender is a
  member of that guild: someone outside it must not write into its data.
- Per-member limits (:mod:`bot.limits`): over them a mention or DM gets a short note,
  a passive channel message silence.
- Never answers bots (itself included), webhooks or system messages.
"""

from __future__ import annotations

import logging
import re
import time

import discord
from discord.ext import commands

from bot.client import FaqBot
from bot.limits import LimitReached
from bot.replies import EMPTY_MENTION_TEXT, NO_MENTIONS, answer_log_text, error_reference
from bot.views import render_answer
from faq.activity import Source
from faq.embedder import EncodeFailed
from faq.errors import InvalidInput, StorageError
from faq.types import Answer, Status

log = logging.getLogger(__name__)

_ANSWERABLE_TYPES = (discord.MessageType.default, discord.MessageType.reply)
_COOLDOWN_SWEEP = 10_000  # forget old cooldown entries when the table grows past this


class Answering(commands.Cog):
    """멘션하거나 FAQ 채널에 올린 질문에 FAQ로 답해요."""

    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot
        self._answered_at: dict[tuple[str, int], float] = {}

    # ---- what to answer ------------------------------------------------------------------

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
        if getattr(channel, "id", None) in config.faq_channels:
            return True
        return isinstance(channel, discord.Thread) and channel.parent_id in config.faq_channels

    def _cooling_down(self, scope: str, user_id: int, cooldown_s: float) -> bool:
        last = self._answered_at.get((scope, user_id))
        return last is not None and time.monotonic() - last < cooldown_s

    def _note_answered(self, scope: str, user_id: int, cooldown_s: float) -> None:
        now = time.monotonic()
        if len(self._answered_at) > _COOLDOWN_SWEEP:
            self._answered_at = {k: t for k, t in self._answered_at.items() if now - t < cooldown_s}
        self._answered_at[(scope, user_id)] = now

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
        try:
            await self._answer(message, scope, source)
        except Exception:
            ref = error_reference()
            log.exception("answering message %s failed (오류 참조: %s)", message.id, ref)
            if source is not Source.CHANNEL:
                await self._reply(message, f"⚠️ 답변 중 오류가 발생했어요. 운영진에게 알려 주세요 (오류 참조: {ref})")

    async def _dm_sender_is_member(self, user_id: int) -> bool:
        """Whether a DM's sender belongs to the DM guild (the bundled scope belongs to no guild)."""
        guild_id = self.bot.settings.dm_guild
        if guild_id is None:
            return True
        guild = self.bot.get_guild(guild_id)
        if guild is None:
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

    async def _answer(self, message: discord.Message, scope: str, source: Source) -> None:
        passive = source is Source.CHANNEL
        text = self._strip_mentions(message) if source is Source.MENTION else message.content.strip()
        config = await self.bot.configs.get(scope)
        cooldown = config.cooldown_s if config.cooldown_s is not None else self.bot.settings.cooldown_s
        if passive and self._cooling_down(scope, message.author.id, cooldown):
            log.debug("scope %s: user on cooldown, not answering message %s", scope, message.id)
            return
        try:
            with self.bot.limits.slot(message.author.id):
                await self.bot.limits.check_question(message.author.id)
                await self._answer_within_limits(message, scope, source, text, config.admin_role, cooldown)
        except LimitReached as exc:
            log.info("scope %s: member over a limit, message %s not answered", scope, message.id)
            if not passive:
                await self._reply(message, str(exc))

    async def _answer_within_limits(
        self, message: discord.Message, scope: str, source: Source, text: str, admin_role: int | None, cooldown: float
    ) -> None:
        passive = source is Source.CHANNEL
        try:
            answer = await self.bot.service.ask(scope, text)
        except InvalidInput:  # nothing left to ask once mentions and spaces are gone
            if not passive:
                await self._reply(message, EMPTY_MENTION_TEXT)
            return
        except EncodeFailed as exc:
            log.warning("scope %s: model failed on message %s: %s", scope, message.id, exc)
            if not passive:
                await self._reply(message, f"⚠️ 지금은 답할 수 없어요: {exc} 잠시 후 다시 물어봐 주세요.")
            return
        query_id: int | None = None
        if source is Source.DM and not await self._dm_sender_is_member(message.author.id):
            log.debug("scope %s: DM sender is not a member; answering without logging", scope)
        else:
            try:
                query_id = await self.bot.activity_log.record_query(
                    scope, answer, user_id=message.author.id, source=source
                )
            except StorageError as exc:  # read-only or full disk: still answer, just without feedback buttons
                log.warning("scope %s: could not log query for message %s: %s", scope, message.id, exc)
        self._log(scope, source, answer, query_id)
        if passive and answer.status is Status.NONE:
            return  # chat in an FAQ channel that is not an FAQ question: stay quiet
        first = True
        for chunk, view in render_answer(answer, query_id, admin_role=admin_role):
            await self._reply(message, chunk, view=view, reference=first)
            first = False
        if passive:
            self._note_answered(scope, message.author.id, cooldown)

    def _log(self, scope: str, source: Source, answer: Answer, query_id: int | None) -> None:
        best = answer.best
        log.info(
            "scope %s %s query %s: %s -> %s%s",
            scope,
            source,
            query_id,
            answer_log_text(answer, include_content=self.bot.settings.log_message_content),
            answer.status,
            f" (FAQ #{best.faq_id}, {best.confidence:.2f})" if best else "",
        )

    async def _reply(
        self, message: discord.Message, content: str, *, view: discord.ui.View | None = None, reference: bool = True
    ) -> None:
        kwargs: dict[str, object] = {"allowed_mentions": NO_MENTIONS}
        if view is not None:
            kwargs["view"] = view
        if reference:
            # The question may be deleted meanwhile: still answer, just not as a reply.
            kwargs["reference"] = message.to_reference(fail_if_not_exists=False)
            kwargs["mention_author"] = False
        await message.channel.send(content, **kwargs)  # type: ignore[arg-type]


async def setup(bot: FaqBot) -> None:
    await bot.add_cog(Answering(bot))
