"""Interaction bookkeeping: :class:`InteractionState` (server side) and :class:`InteractionHandle` (test side)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .constants import JSON
from .records import RecordedCall

if TYPE_CHECKING:
    from .server import FakeDiscord

CALLBACK_ROUTE = "/interactions/{interaction_id}/{interaction_token}/callback"
WEBHOOK_ROUTE = "/webhooks/{application_id}/{interaction_token}"


@dataclass
class InteractionState:
    """Server-side bookkeeping for one interaction token."""

    id: str
    token: str
    type: int
    payload: JSON
    sent_at: float
    callback_type: int | None = None
    original_id: str | None = None
    original_loading: bool = False
    followup_ids: list[str] = field(default_factory=list)
    modal: JSON | None = None
    choices: list[JSON] | None = None


@dataclass(frozen=True)
class InteractionHandle:
    """What an ``interaction_*`` helper returns: ids plus awaitables for the bot's answer."""

    fd: FakeDiscord
    id: str
    token: str
    type: int
    payload: JSON
    sent_at: float

    async def callback(self, timeout: float = 3.0) -> RecordedCall:  # noqa: ASYNC109 - test-facing API
        """The POST .../callback for this interaction (Discord's 3-second window by default)."""
        return await self.fd.wait_for_call(
            lambda c: c.route == CALLBACK_ROUTE and c.params.get("interaction_id") == self.id,
            timeout=timeout,
        )

    async def followup(self, timeout: float = 5.0, index: int = 0) -> RecordedCall:  # noqa: ASYNC109
        """The ``index``-th followup (POST /webhooks/{app}/{token})."""
        seen: list[RecordedCall] = []

        def match(c: RecordedCall) -> bool:
            if c.method == "POST" and c.route == WEBHOOK_ROUTE and c.params.get("interaction_token") == self.token:
                seen.append(c)
                return len(seen) > index
            return False

        return await self.fd.wait_for_call(match, timeout=timeout)

    async def wait_for_response(
        self,
        predicate: Callable[[RecordedCall], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - test-facing API
    ) -> RecordedCall:
        """First callback/webhook call for this interaction matching ``predicate``."""
        return await self.fd.wait_for_call(
            lambda c: self.fd._belongs_to(c, self.id, self.token) and (predicate is None or predicate(c)),
            timeout=timeout,
        )

    def responses(self) -> list[RecordedCall]:
        return self.fd.interaction_responses(self.id)

    @property
    def state(self) -> InteractionState:
        return self.fd.interactions[self.token]

    def original_message(self) -> JSON | None:
        """Current server-side copy of the original response message, if any."""
        original = self.state.original_id
        return None if original is None else self.fd.messages.get(original)
