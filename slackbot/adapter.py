"""One Slack adapter: the bolt ``AsyncApp`` with every listener, over one :class:`~chat.core.ChatCore`.

Every listener acknowledges first (Slack's 3-second window) and works after. Errors become
a short message for the member (one table: :data:`SLACK_ERRORS` on top of the core's) and,
when unexpected, a log line with a reference the member can quote. Web API calls retry a
429 after its ``Retry-After`` (slack-sdk's rate-limit handler); a call that still fails is
logged with Slack's error code.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from chat import messages
from chat.answering import Answering, error_reference
from chat.core import ChatCore, drain
from chat.errors import CORE_ERRORS, ErrorReply, ErrorTable, reply_for
from slackbot import blocks as bk
from slackbot.admins import SlackAdmins
from slackbot.workspace import Seen, Workspaces

log = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 3
NOT_IN_WORKSPACE = "워크스페이스 안에서만 쓸 수 있어요."
SLACK_FAILED = "슬랙에 메시지를 보내지 못했어요. 잠시 후 다시 시도해 주세요."

#: Slack's own failures on top of the core's: a Web API call that failed after its retries.
SLACK_ERRORS: ErrorTable = {
    **CORE_ERRORS,
    SlackApiError: ErrorReply(lambda e: SLACK_FAILED),
}

Respond = Callable[..., Awaitable[Any]]


class SlackAdapter:
    def __init__(
        self,
        core: ChatCore,
        *,
        bot_token: str,
        signing_secret: str | None = None,
        api_url: str = "https://slack.com/api/",
        scope_map: Mapping[str, str] | None = None,
        admin_cache_s: float = 60.0,
        client: AsyncWebClient | None = None,
    ) -> None:
        self.core = core
        self.policy = Answering(core)
        self.client = client or AsyncWebClient(
            token=bot_token,
            base_url=api_url,
            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)],
        )
        self.app = AsyncApp(
            client=self.client,
            signing_secret=signing_secret or "",
            # Socket Mode requests carry no signature; HTTP mode verifies every request.
            request_verification_enabled=bool(signing_secret),
            ignoring_self_events_enabled=True,
        )
        self.workspaces = Workspaces(scope_map or {})
        self.admins = SlackAdmins(self.client, core.configs, ttl_s=admin_cache_s)
        self.seen = Seen()
        self.running: set[asyncio.Task[Any]] = set()

    # ---- bookkeeping ----------------------------------------------------------------------------

    def track(self) -> None:
        """Count the current listener as running (shutdown waits for it to finish its writes)."""
        task = asyncio.current_task()
        if task is not None:
            self.running.add(task)
            task.add_done_callback(self.running.discard)

    def start(self) -> None:
        """Once connected: the background jobs, and start-up objects moved out of the GC's reach."""
        self.core.start_background()  # query-log pruning, the model watcher
        # As the Discord adapter does: the model, indexes and Slack client live for the whole run;
        # frozen, a full collection no longer walks them and stalls the loop.
        gc.freeze()

    async def drain(self) -> None:
        await drain(list(self.running))

    def scope(self, body: Mapping[str, Any], context: Mapping[str, Any]) -> str | None:
        return self.workspaces.scope(body, context)

    async def is_admin(self, scope: str, user_id: str) -> bool:
        return await self.admins.check(scope, user_id)

    # ---- sending --------------------------------------------------------------------------------

    async def post(self, channel: str, blocks: Sequence[bk.Block], *, thread_ts: str | None = None) -> None:
        """Blocks as one or more messages (50 blocks each) in ``channel`` (a thread when ``thread_ts``)."""
        for chunk in bk.messages_of(blocks):
            await self.client.chat_postMessage(
                channel=channel, text=bk.fallback_text(chunk), blocks=chunk, thread_ts=thread_ts, unfurl_links=False
            )

    async def ephemeral(self, respond: Respond, blocks: Sequence[bk.Block]) -> None:
        for chunk in bk.messages_of(blocks):
            await respond(text=bk.fallback_text(chunk), blocks=chunk, response_type="ephemeral", replace_original=False)

    async def note(self, respond: Respond, text: str) -> None:
        await self.ephemeral(respond, bk.text_message(text))

    async def report(self, respond: Respond | None, exc: BaseException, what: str) -> None:
        """Tell the member what went wrong (if we can reach them) and log what we should."""
        found = reply_for(exc, SLACK_ERRORS)
        if isinstance(exc, SlackApiError):
            log.warning("%s: Slack Web API error %s", what, exc.response.get("error"))
        if found is None:
            ref = error_reference()
            log.exception("%s failed (오류 참조: %s)", what, ref, exc_info=exc)
            text = messages.unexpected_error(ref)
        else:
            text = found.message(exc)
        if respond is not None:
            try:
                await self.note(respond, bk.escape(text) if found is not None else text)
            except Exception as send_exc:  # the response URL expired, or Slack is down: logged, nothing more to do
                log.warning("%s: could not tell the member: %s", what, send_exc)

    async def close(self) -> None:
        await self.drain()
        await self.core.stop_background()
