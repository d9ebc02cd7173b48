"""Per-member limits: what one member can make the bot store or compute.

- questions logged per hour (mentions, FAQ channels, DMs, ``/faq ask``), counted in the
  query log so a restart does not reset them;
- new 👍/👎 votes per day (changing an earlier vote is always allowed);
- ``/faq`` calls and answered messages running at once, counted in memory.

0 turns a limit off. Numbers come from :class:`~chat.settings.ChatSettings`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from chat import messages
from faq.activity import ActivityLog
from faq.errors import FaqError, StorageError

log = logging.getLogger(__name__)


class LimitReached(FaqError):
    """A member hit one of their limits; the message is shown to them as is."""


class MemberLimits:
    def __init__(
        self, activity_log: ActivityLog, *, questions_per_hour: int, feedback_per_day: int, concurrent: int
    ) -> None:
        self.activity_log = activity_log
        self.questions_per_hour = questions_per_hour
        self.feedback_per_day = feedback_per_day
        self.concurrent = concurrent
        self._running: dict[int, int] = {}  # user id → calls in flight; entries leave at 0

    async def check_question(self, user_id: int) -> None:
        """Before computing an answer: refuse once the member's hourly question budget is spent."""
        limit = self.questions_per_hour
        if not limit:
            return
        try:
            asked = await self.activity_log.questions_since(user_id, hours=1)
        except StorageError as exc:  # database away: answering from memory matters more than the count
            log.warning("hourly question limit not checked: %s", exc)
            return
        if asked >= limit:
            raise LimitReached(messages.questions_limit(limit))

    async def check_feedback(self, user_id: int, *, already_voted: bool) -> None:
        """Before a new vote: refuse once the member's daily feedback budget is spent."""
        limit = self.feedback_per_day
        if limit and not already_voted and await self.activity_log.feedback_since(user_id, hours=24) >= limit:
            raise LimitReached(messages.feedback_limit(limit))

    @contextmanager
    def slot(self, user_id: int) -> Iterator[None]:
        """One running call of the member's; :class:`LimitReached` when they already have ``concurrent``."""
        running = self._running.get(user_id, 0)
        if self.concurrent and running >= self.concurrent:
            raise LimitReached(messages.CONCURRENT_LIMIT)
        self._running[user_id] = running + 1
        try:
            yield
        finally:
            left = self._running[user_id] - 1
            if left:
                self._running[user_id] = left
            else:
                del self._running[user_id]

    def running(self) -> int:
        """Members with a call in flight (tests: the table empties when they finish)."""
        return len(self._running)
