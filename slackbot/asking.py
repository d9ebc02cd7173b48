"""Members' questions on Slack: which messages are questions, and how replies are posted.

- ``app_mention`` (a channel message that mentions the bot): asked directly; the reply goes
  into the message's thread (``thread_ts`` or its own ``ts``).
- ``message.im`` (a DM to the bot): asked directly, from the workspace's FAQs. A file an
  admin shares there is an FAQ import (:mod:`slackbot.imports`).
- ``message.channels`` / ``message.groups`` in a channel an admin marked as an FAQ channel:
  passive (the chat layer's cooldown and silence), answered in the thread.
- Never bots (itself included) or edits/joins (message subtypes); a channel message that
  mentions the bot is left to its ``app_mention`` twin; every event id and every message
  ``ts`` is handled once, so Slack's retries (``X-Slack-Retry-Num``, Socket Mode
  ``retry_attempt``) and the ``message`` + ``app_mention`` twins get one answer.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from chat.answering import Question
from faq.activity import Source
from faq.types import Answer
from slackbot import blocks as bk
from slackbot.markup import escape

if TYPE_CHECKING:
    from slackbot.adapter import SlackAdapter

log = logging.getLogger(__name__)

_ANSWERABLE_SUBTYPES = {None, "thread_broadcast", "file_share"}


class ThreadReplier:
    """Posts the policy's notes and answers into the question's thread."""

    def __init__(self, adapter: SlackAdapter, channel: str, thread_ts: str) -> None:
        self.adapter = adapter
        self.channel = channel
        self.thread_ts = thread_ts

    async def note(self, text: str) -> None:
        await self.adapter.post(self.channel, bk.text_message(escape(text)), thread_ts=self.thread_ts)

    async def answer(self, answer: Answer, query_id: int | None, admin_role: str | None) -> None:
        blocks = bk.reply_blocks(answer, query_id, admin_role)
        await self.adapter.post(self.channel, blocks, thread_ts=self.thread_ts)


def _mention_pattern(bot_user_id: str | None) -> re.Pattern[str] | None:
    return re.compile(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>") if bot_user_id else None


def register(adapter: SlackAdapter) -> None:
    app = adapter.app

    async def ask(body: dict[str, Any], context: Any, event: dict[str, Any], source: Source) -> None:
        scope = adapter.scope(body, context)
        user = event.get("user")
        if scope is None or not user:
            return
        text = event.get("text") or ""
        mention = _mention_pattern(context.get("bot_user_id"))
        if mention is not None:
            text = mention.sub(" ", text)
        question = Question(scope, user, text.strip(), source, ref=event.get("ts"))
        replier = ThreadReplier(adapter, event["channel"], event.get("thread_ts") or event["ts"])
        await adapter.policy.handle(question, replier)

    def first_time(body: dict[str, Any], event: dict[str, Any]) -> bool:
        event_id = body.get("event_id")
        if event_id and not adapter.seen.claim(f"event:{event_id}"):
            log.debug("event %s delivered again (retry); already handled", event_id)
            return False
        # message + app_mention twins share the message's channel and ts
        return adapter.seen.claim(f"msg:{event.get('channel')}:{event.get('ts')}")

    @app.event("app_mention")
    async def on_mention(body: dict[str, Any], context: Any, event: dict[str, Any]) -> None:
        adapter.track()
        if event.get("bot_id") or not first_time(body, event):
            return
        await ask(body, context, event, Source.MENTION)

    @app.event("message")
    async def on_message(body: dict[str, Any], context: Any, event: dict[str, Any]) -> None:
        adapter.track()
        if event.get("bot_id") or event.get("subtype") not in _ANSWERABLE_SUBTYPES or not event.get("user"):
            return
        kind = event.get("channel_type")
        if kind == "im":
            if not first_time(body, event):
                return
            if event.get("files"):
                from slackbot.imports import import_shared_file

                await import_shared_file(adapter, body, context, event)
                return
            await ask(body, context, event, Source.DM)
            return
        mention = _mention_pattern(context.get("bot_user_id"))
        if mention is not None and mention.search(event.get("text") or ""):
            return  # its app_mention twin answers it (directly, not passively)
        scope = adapter.scope(body, context)
        if scope is None:
            return
        config = await adapter.core.configs.get(scope)
        if event.get("channel") not in config.faq_channels or not first_time(body, event):
            return
        await ask(body, context, event, Source.CHANNEL)
