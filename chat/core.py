"""What a running chat adapter holds: the service, the query log, per-scope settings, limits,
and the background jobs (query-log pruning, the model watcher); and drain-then-close.

An adapter builds one :class:`ChatCore` from what the composition root (``faqbot``) hands
it, starts the background jobs once connected, and on shutdown stops them and drains the
handlers still writing (:func:`drain`) before the service and the store close.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from chat.limits import MemberLimits
from chat.model_watch import ModelWatcher
from chat.settings import ChatSettings
from faq.activity import ActivityLog
from faq.scope_config import ScopeConfigs
from faq.service import FaqService

log = logging.getLogger(__name__)

PRUNE_INTERVAL_S = 24 * 3600
DRAIN_TIMEOUT_S = 10.0


class ChatCore:
    def __init__(
        self,
        *,
        service: FaqService,
        activity_log: ActivityLog,
        configs: ScopeConfigs,
        settings: ChatSettings,
        model_watcher: ModelWatcher | None = None,
    ) -> None:
        self.service = service
        self.activity_log = activity_log
        self.configs = configs
        self.settings = settings
        self.model_watcher = model_watcher
        self.limits = MemberLimits(
            activity_log,
            questions_per_hour=settings.max_questions_per_hour,
            feedback_per_day=settings.max_feedback_per_day,
            concurrent=settings.max_concurrent_per_member,
        )
        self._background: list[asyncio.Task[None]] = []

    async def cooldown_s(self, scope: str) -> float:
        """The pause between passive answers to one member: the scope's own, else the setting."""
        config = await self.configs.get(scope)
        return config.cooldown_s if config.cooldown_s is not None else self.settings.cooldown_s

    # ---- background jobs ----------------------------------------------------------------------

    def start_background(self) -> None:
        if self.settings.query_log_days > 0:
            self._background.append(asyncio.create_task(self._prune_loop(), name="faqbot-prune"))
        if self.model_watcher is not None:
            self._background.append(self.model_watcher.start())

    async def _prune_loop(self) -> None:
        days = self.settings.query_log_days
        while True:
            try:
                removed = await self.activity_log.prune(days)
                if removed:
                    log.info("pruned %d query-log rows older than %d days", removed, days)
            except Exception:
                log.exception("pruning the query log failed")
            await asyncio.sleep(PRUNE_INTERVAL_S)

    async def stop_background(self) -> None:
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._background.clear()


async def drain(handlers: Iterable[asyncio.Task[object]], limit_s: float = DRAIN_TIMEOUT_S) -> None:
    """Wait up to ``limit_s`` for handlers still running (their database writes); cancel the late ones."""
    pending = [t for t in handlers if not t.done()]
    if pending:
        log.info("waiting for %d running handlers to finish", len(pending))
        _, late = await asyncio.wait(pending, timeout=limit_s)
        for task in late:
            task.cancel()
