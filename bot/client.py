"""The bot: dependencies come in through the constructor; ``setup_hook`` wires the rest.

What every adapter shares (service, query log, per-scope settings, limits, background jobs)
is one :class:`~chat.core.ChatCore`, ``bot.chat``; handlers reach it from an interaction
through :func:`bot.context.core_of`.

:func:`make_bot` picks the class: :class:`FaqBot` (one gateway connection) or, given a shard
count, :class:`ShardedFaqBot` (discord.py's ``AutoShardedBot`` running some or all of the shards).
The sharded one is a subclass, so every handler, check and lifecycle step is the same code.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Sequence
from typing import Any

import discord
from discord.ext import commands

from bot.replies import NO_MENTIONS, report_error
from bot.ui.answer_buttons import NoMatchButton, PickButton, VoteButton
from bot.ui.triage import FeedbackButton, UnansweredButton
from chat.core import DRAIN_TIMEOUT_S, ChatCore, drain
from chat.limits import MemberLimits
from chat.model_watch import ModelWatcher
from chat.settings import ChatSettings
from faq.activity import ActivityLog
from faq.lexical import tokenize
from faq.scope_config import ScopeConfigs
from faq.service import FaqService

log = logging.getLogger(__name__)

EXTENSIONS = ("bot.exts.answering", "bot.exts.faq_commands", "bot.exts.faq_admin")
# 👍/👎, suggestion and admin buttons: all state in the custom_id, so they survive restarts.
DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    VoteButton,
    PickButton,
    NoMatchButton,
    UnansweredButton,
    FeedbackButton,
)
# Tasks discord.py starts per event/interaction: awaited on shutdown so their writes land.
_WORK_TASK_PREFIXES = ("discord.py: on_message", "CommandTree-invoker", "discord-ui-")


def bot_intents(settings: ChatSettings) -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True  # guild, channel, thread and role cache (admin role check, FAQ channels)
    intents.guild_messages = True
    intents.message_content = True  # privileged: enable "Message Content Intent" in the portal
    intents.dm_messages = settings.dm_enabled
    return intents


class FaqBot(commands.Bot):
    def __init__(
        self,
        *,
        service: FaqService,
        activity_log: ActivityLog,
        configs: ScopeConfigs,
        settings: ChatSettings,
        dev_guild: int | None = None,
        sync_global: bool = False,
        model_watcher: ModelWatcher | None = None,
        extensions: Sequence[str] = EXTENSIONS,
        **client_options: Any,  # shard_count / shard_ids for ShardedFaqBot
    ) -> None:
        super().__init__(
            # No prefix commands: answering is a listener, everything else is a slash command.
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=bot_intents(settings),
            allowed_mentions=NO_MENTIONS,
            **client_options,
        )
        self.chat = ChatCore(
            service=service,
            activity_log=activity_log,
            configs=configs,
            settings=settings,
            model_watcher=model_watcher,
        )
        self.dev_guild = dev_guild
        self.sync_global = sync_global
        self.initial_extensions = tuple(extensions)
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]

    # The chat core's parts, under the names the cogs (and tests) use.
    @property
    def service(self) -> FaqService:
        return self.chat.service

    @property
    def activity_log(self) -> ActivityLog:
        return self.chat.activity_log

    @property
    def configs(self) -> ScopeConfigs:
        return self.chat.configs

    @property
    def settings(self) -> ChatSettings:
        return self.chat.settings

    @property
    def limits(self) -> MemberLimits:
        return self.chat.limits

    @property
    def model_watcher(self) -> ModelWatcher | None:
        return self.chat.model_watcher

    # ---- lifecycle ------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        # Kiwi (BM25 tokenizer) takes seconds to load: do it in a thread before the first
        # question instead of on the event loop in the middle of answering one.
        await asyncio.to_thread(tokenize, "동아리 회비")
        for extension in self.initial_extensions:
            await self.load_extension(extension)
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        if self.dev_guild:
            guild = discord.Object(self.dev_guild)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to dev guild %s", len(synced), self.dev_guild)
        if self.sync_global:
            synced = await self.tree.sync()
            log.info("synced %d global commands (may take up to an hour to show everywhere)", len(synced))
        self.chat.start_background()  # query-log pruning, the model watcher
        # Start-up objects (model, indexes, discord caches) live for the whole run: moving them
        # out of the GC's generations keeps a full collection from stalling the loop ~80 ms.
        gc.freeze()

    async def on_ready(self) -> None:
        shards = ""
        if isinstance(self, discord.AutoShardedClient):
            shards = f" on shards {sorted(self.shards)} of {self.shard_count}"
        log.info(
            "logged in as %s (id %s) in %d guilds%s", self.user, getattr(self.user, "id", "?"), len(self.guilds), shards
        )

    async def on_message(self, message: discord.Message, /) -> None:
        """Overridden so no prefix command runs; the answering cog listens to messages."""

    async def close(self) -> None:
        await self.chat.stop_background()
        await super().close()

    async def drain(self, limit_s: float = DRAIN_TIMEOUT_S) -> None:
        """Wait for message/interaction handlers still running (their DB writes) after close()."""
        current = asyncio.current_task()
        await drain(
            (t for t in asyncio.all_tasks() if t is not current and t.get_name().startswith(_WORK_TASK_PREFIXES)),
            limit_s,
        )

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: discord.app_commands.AppCommandError
    ) -> None:
        name = interaction.command.qualified_name if interaction.command else "?"
        await report_error(interaction, error, f"/{name}")


class ShardedFaqBot(FaqBot, commands.AutoShardedBot):
    """:class:`FaqBot` on several gateway connections (shards) in this process.

    The MRO puts ``AutoShardedClient`` before ``Client``, so connecting, routing a guild to its
    shard's websocket and closing are discord.py's sharded versions; everything else is FaqBot's.
    """


def make_bot(*, shard_count: int | None = None, shard_ids: Sequence[int] | None = None, **deps: Any) -> FaqBot:
    """The bot for these shards: ``shard_count`` None is one unsharded connection (``shard_ids`` must be None);
    ``shard_ids`` None runs every one of ``shard_count`` shards here. ``deps`` are :class:`FaqBot`'s arguments."""
    if shard_count is None:
        if shard_ids is not None:
            raise ValueError("shard_ids need a shard_count")
        return FaqBot(**deps)
    ids = list(shard_ids) if shard_ids is not None else None  # discord.py wants a list or tuple
    return ShardedFaqBot(shard_count=shard_count, shard_ids=ids, **deps)
