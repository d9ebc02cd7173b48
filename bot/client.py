"""The bot: dependencies come in through the constructor; ``setup_hook`` wires the rest."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Sequence

import discord
from discord.ext import commands

from bot.limits import MemberLimits
from bot.model_watch import ModelWatcher
from bot.replies import NO_MENTIONS, report_error
from bot.views import DYNAMIC_ITEMS
from faq.activity import ActivityLog
from faq.lexical import tokenize
from faq.scope_config import ScopeConfigs
from faq.service import FaqService
from faqbot.settings import BotSettings

log = logging.getLogger(__name__)

EXTENSIONS = ("bot.exts.answering", "bot.exts.faq_commands")
PRUNE_INTERVAL_S = 24 * 3600
# Tasks discord.py starts per event/interaction: awaited on shutdown so their writes land.
_WORK_TASK_PREFIXES = ("discord.py: on_message", "CommandTree-invoker", "discord-ui-")


def bot_intents(settings: BotSettings) -> discord.Intents:
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
        settings: BotSettings,
        sync_global: bool = False,
        model_watcher: ModelWatcher | None = None,
        extensions: Sequence[str] = EXTENSIONS,
    ) -> None:
        super().__init__(
            # No prefix commands: answering is a listener, everything else is a slash command.
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=bot_intents(settings),
            allowed_mentions=NO_MENTIONS,
        )
        self.service = service
        self.activity_log = activity_log
        self.configs = configs
        self.settings = settings
        self.limits = MemberLimits(
            activity_log,
            questions_per_hour=settings.max_questions_per_hour,
            feedback_per_day=settings.max_feedback_per_day,
            concurrent=settings.max_concurrent_per_member,
        )
        self.sync_global = sync_global
        self.model_watcher = model_watcher
        self.initial_extensions = tuple(extensions)
        self._background: list[asyncio.Task[None]] = []
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]

    # ---- scopes ------------------------------------------------------------------------

    def interaction_scope(self, interaction: discord.Interaction) -> str:
        """Guild → its id; DM → the configured DM scope when DMs are on."""
        if interaction.guild_id is not None:
            return str(interaction.guild_id)
        if self.settings.dm_enabled:
            return self.settings.dm_scope()
        raise discord.app_commands.NoPrivateMessage

    # ---- lifecycle ------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        # Kiwi (BM25 tokenizer) takes seconds to load: do it in a thread before the first
        # question instead of on the event loop in the middle of answering one.
        await asyncio.to_thread(tokenize, "동아리 회비")
        for extension in self.initial_extensions:
            await self.load_extension(extension)
        self.add_dynamic_items(*DYNAMIC_ITEMS)  # 👍/👎 and suggestion buttons survive restarts
        if self.settings.dev_guild:
            guild = discord.Object(self.settings.dev_guild)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to dev guild %s", len(synced), self.settings.dev_guild)
        if self.sync_global:
            synced = await self.tree.sync()
            log.info("synced %d global commands (may take up to an hour to show everywhere)", len(synced))
        if self.settings.query_log_days > 0:
            self._background.append(asyncio.create_task(self._prune_loop(), name="faqbot-prune"))
        if self.model_watcher is not None:
            self._background.append(self.model_watcher.start())
        # Start-up objects (model, indexes, discord caches) live for the whole run: moving them
        # out of the GC's generations keeps a full collection from stalling the loop ~80 ms.
        gc.freeze()

    async def _prune_loop(self) -> None:
        while True:
            try:
                removed = await self.activity_log.prune(self.settings.query_log_days)
                if removed:
                    log.info("pruned %d query-log rows older than %d days", removed, self.settings.query_log_days)
            except Exception:
                log.exception("pruning the query log failed")
            await asyncio.sleep(PRUNE_INTERVAL_S)

    async def on_ready(self) -> None:
        log.info("logged in as %s (id %s) in %d guilds", self.user, getattr(self.user, "id", "?"), len(self.guilds))

    async def on_message(self, message: discord.Message, /) -> None:
        """Overridden so no prefix command runs; the answering cog listens to messages."""

    async def close(self) -> None:
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._background.clear()
        await super().close()

    async def drain(self, limit_s: float = 10.0) -> None:
        """Wait for message/interaction handlers still running (their DB writes) after close()."""
        current = asyncio.current_task()
        pending = [
            t
            for t in asyncio.all_tasks()
            if t is not current and not t.done() and t.get_name().startswith(_WORK_TASK_PREFIXES)
        ]
        if pending:
            log.info("waiting for %d running handlers to finish", len(pending))
            _, late = await asyncio.wait(pending, timeout=limit_s)
            for task in late:
                task.cancel()

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: discord.app_commands.AppCommandError
    ) -> None:
        name = interaction.command.qualified_name if interaction.command else "?"
        await report_error(interaction, error, f"/{name}")
