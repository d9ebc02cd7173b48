"""Test-facing queries over the recorded REST calls: ``calls()``, ``wait_for_call()``, ``wait_for_message()``..."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .records import RecordedCall
from .state import FakeDiscordState

MESSAGES_ROUTE = "/channels/{channel_id}/messages"


def _is_message_sent(call: RecordedCall, channel_id: str) -> bool:
    """A successful POST /channels/{channel_id}/messages."""
    return (
        call.method == "POST"
        and call.route == MESSAGES_ROUTE
        and call.params["channel_id"] == channel_id
        and 200 <= call.status < 300
    )


class CallLogMixin(FakeDiscordState):
    def calls(
        self,
        method: str | None = None,
        path_contains: str | None = None,
        *,
        route: str | None = None,
    ) -> list[RecordedCall]:
        """Recorded REST calls, optionally filtered by method, path substring, route template."""
        return [
            c
            for c in self._calls
            if (method is None or c.method == method.upper())
            and (path_contains is None or path_contains in c.path)
            and (route is None or c.route == route)
        ]

    async def wait_for_call(
        self,
        predicate: Callable[[RecordedCall], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - test-facing API
        *,
        since: float | None = None,
    ) -> RecordedCall:
        """First call (already recorded or future) matching ``predicate``.

        ``since`` (a ``time.monotonic()`` value) ignores calls received earlier.
        """

        def match(c: RecordedCall) -> bool:
            return (since is None or c.received_at >= since) and predicate(c)

        try:
            async with asyncio.timeout(timeout):
                call = await self._calls.wait_for(match)
        except TimeoutError:
            recent = "\n".join(f"  {c.method} {c.path} -> {c.status}" for c in self._calls.items[-15:])
            raise TimeoutError(
                f"no matching REST call within {timeout}s; recent calls:\n{recent or '  (none)'}"
            ) from None
        await self.settle()
        return call

    async def settle(self, max_rounds: int = 200) -> None:
        """Let the bot (same event loop) finish reacting to what it has already received.

        Yields until a loop iteration, including a zero-timeout poll of the sockets, leaves no
        ready callbacks.  ``wait_for_call`` does this after a match, so the bot has consumed
        the response (e.g. stored a View under the new message id) before the test sends the
        next event.  Work in executor threads is not covered: await its observable effect.
        """
        loop = asyncio.get_running_loop()
        ready = getattr(loop, "_ready", None)  # asyncio's run queue; absent on uvloop
        idle = 0
        for _ in range(max_rounds):
            await asyncio.sleep(0)
            idle = idle + 1 if ready is not None and not ready else 0
            if idle >= 3:
                return

    def messages_sent(self, channel_id: int | str) -> list[RecordedCall]:
        """Successful POST /channels/{channel_id}/messages calls, oldest first."""
        cid = str(channel_id)
        return [c for c in self._calls if _is_message_sent(c, cid)]

    async def wait_for_message(
        self,
        channel_id: int | str,
        predicate: Callable[[RecordedCall], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - test-facing API
        *,
        since: float | None = None,
    ) -> RecordedCall:
        """Next successful message POST to ``channel_id`` (optionally matching ``predicate``)."""
        cid = str(channel_id)
        return await self.wait_for_call(
            lambda c: _is_message_sent(c, cid) and (predicate is None or predicate(c)),
            timeout=timeout,
            since=since,
        )

    def interaction_responses(self, interaction_id: int | str) -> list[RecordedCall]:
        """Callback + webhook (original/followup) calls for one interaction, in order."""
        iid = str(interaction_id)
        state = next((s for s in self.interactions.values() if s.id == iid), None)
        token = state.token if state else None
        return [c for c in self._calls if self._belongs_to(c, iid, token)]

    @staticmethod
    def _belongs_to(call: RecordedCall, interaction_id: str, token: str | None) -> bool:
        if call.params.get("interaction_id") == interaction_id:
            return True
        return token is not None and call.params.get("interaction_token") == token

    def unmatched_calls(self) -> list[RecordedCall]:
        """Calls to routes the fake does not implement (answered 404)."""
        return [c for c in self._calls if not c.matched]

    def assert_no_unmatched_calls(self) -> None:
        bad = self.unmatched_calls()
        if bad and not self.allow_unmatched_routes:
            listing = ", ".join(f"{c.method} {c.path}" for c in bad)
            raise AssertionError(f"bot called routes FakeDiscord does not implement: {listing}")

    def refused_calls(self) -> list[RecordedCall]:
        """Calls refused for their body (400/50035 "Invalid Form Body")."""
        return [c for c in self._calls if c.status == 400 and (c.response or {}).get("code") == 50035]

    def assert_no_refused_calls(self) -> None:
        """The bot sent nothing Discord would refuse as an invalid body."""
        bad = self.refused_calls()
        if bad:
            listing = "; ".join(f"{c.method} {c.path}: {c.response['errors']}" for c in bad)
            raise AssertionError(f"bot sent bodies Discord refuses: {listing}")
