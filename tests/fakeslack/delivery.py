"""What Slack sends the app: Events API callbacks, slash commands, block actions, view
submissions; built as Slack builds them and delivered over Socket Mode or as signed HTTP
requests (``mode="http"``), with Slack's retry markers (``retry_attempt`` /
``X-Slack-Retry-Num``) when a delivery is repeated.

A member's message with a mention of the bot in a channel arrives twice, as Slack sends it to
an app subscribed to both: a ``message`` event and an ``app_mention`` event (different
``event_id``, same ``ts``).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from .socket_mode import Envelope
from .state import Channel, Posted, User, View

if TYPE_CHECKING:
    from .server import FakeSlack


@dataclass
class Delivery:
    kind: str  # events_api, slash_commands, interactive
    payload: dict[str, Any]
    retry_attempt: int = 0
    envelope: Envelope | None = None
    http: asyncio.Task[tuple[int, str]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    async def ack(self, timeout: float = 3.0) -> dict[str, Any] | None:  # noqa: ASYNC109 - test-facing API
        """What the app acknowledged with (Socket Mode ack payload, or the HTTP response body as JSON)."""
        if self.envelope is not None:
            await asyncio.wait_for(self.envelope.done.wait(), timeout)
            return self.envelope.ack_payload
        assert self.http is not None
        status, body = await asyncio.wait_for(asyncio.shield(self.http), timeout)
        self.extra["status"] = status
        try:
            return json.loads(body) if body else None
        except ValueError:
            return {"text": body}

    async def status(self, timeout: float = 5.0) -> int:  # noqa: ASYNC109 - test-facing API
        """HTTP mode: the status the app answered with."""
        assert self.http is not None
        status, _ = await asyncio.wait_for(asyncio.shield(self.http), timeout)
        return status


class DeliveryMixin:
    # ---- transport ------------------------------------------------------------------------------

    async def deliver(self: FakeSlack, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0) -> Delivery:
        if self.mode == "socket":
            envelope = await self.socket.deliver(kind, payload, retry_attempt=retry_attempt)
            return Delivery(kind, payload, retry_attempt, envelope=envelope)
        if kind == "events_api":
            body, ctype = json.dumps(payload), "application/json"
        elif kind == "slash_commands":
            body, ctype = urlencode(payload), "application/x-www-form-urlencoded"
        else:
            body, ctype = urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        headers = {}
        if retry_attempt:
            headers = {"X-Slack-Retry-Num": str(retry_attempt), "X-Slack-Retry-Reason": "http_timeout"}
        task = asyncio.ensure_future(self.post_signed(body, ctype, headers=headers))
        delivery = Delivery(kind, payload, retry_attempt, http=task)
        self.http_deliveries.append(delivery)
        return delivery

    async def redeliver(self: FakeSlack, delivery: Delivery) -> Delivery:
        """Slack sending the same payload again (it thought the first delivery failed)."""
        return await self.deliver(delivery.kind, delivery.payload, retry_attempt=delivery.retry_attempt + 1)

    async def post_signed(
        self: FakeSlack,
        body: str,
        content_type: str = "application/json",
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        """POST ``body`` to the app's HTTP endpoint signed as Slack signs it (v0, HMAC-SHA256)."""
        assert self.http_url, "set fs.http_url to the app's request URL"
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signature = SignatureVerifier(secret or self.signing_secret).generate_signature(timestamp=ts, body=body)
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature,
            **(headers or {}),
        }
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.http_url, data=body.encode(), headers=all_headers) as r,
        ):
            return r.status, await r.text()

    # ---- events ---------------------------------------------------------------------------------

    def _envelope(self: FakeSlack, team_id: str, event: dict[str, Any]) -> dict[str, Any]:
        team = self.team(team_id)
        return {
            "token": "fake-verification-token",
            "team_id": team.id,
            "enterprise_id": team.enterprise_id,
            "context_team_id": team.id,
            "context_enterprise_id": team.enterprise_id,
            "api_app_id": self.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": self.ids.new("Ev"),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": team.enterprise_id,
                    # org-wide installs: the authorization names the org, not the workspace
                    "team_id": None if self.org_install else team.id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": self.org_install,
                }
            ],
            "is_ext_shared_channel": False,
        }

    async def send_event(self: FakeSlack, team_id: str, event: dict[str, Any]) -> Delivery:
        return await self.deliver("events_api", self._envelope(team_id, event))

    def _channel_type(self, channel: Channel) -> str:
        return {"channel": "channel", "group": "group", "im": "im"}[channel.kind]

    async def send_message(
        self: FakeSlack,
        user: User,
        text: str,
        channel: Channel | None = None,
        *,
        thread_ts: str | None = None,
        files: list[str] | None = None,
    ) -> tuple[Posted, list[Delivery]]:
        """A member posts ``text``: the ``message`` event, plus ``app_mention`` when it mentions the bot
        outside a DM. Returns the stored message and the deliveries."""
        channel = channel or self.default_channel(user.team_id)
        posted = Posted(channel.id, self.ids.ts(), text, [], user.id, user.team_id, thread_ts)
        self.messages.append(posted)
        event: dict[str, Any] = {
            "type": "message",
            "channel": channel.id,
            "user": user.id,
            "text": text,
            "ts": posted.ts,
            "event_ts": posted.ts,
            "team": user.team_id,
            "channel_type": self._channel_type(channel),
            "blocks": [{"type": "rich_text", "block_id": self.ids.secret(2), "elements": []}],
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        if files:
            event["subtype"] = "file_share"
            event["files"] = [self.files[f].payload(self.base_url) for f in files]
        deliveries = [await self.send_event(user.team_id, event)]
        if f"<@{self.bot_user_id}>" in text and channel.kind != "im":
            mention = {k: v for k, v in event.items() if k not in ("channel_type", "subtype")}
            mention["type"] = "app_mention"
            deliveries.append(await self.send_event(user.team_id, mention))
        return posted, deliveries

    async def mention(self: FakeSlack, user: User, question: str, channel: Channel | None = None, **kw: Any):
        return await self.send_message(user, f"<@{self.bot_user_id}> {question}", channel, **kw)

    def schedule_echo(self: FakeSlack, posted: Posted) -> None:
        event = {
            "type": "message",
            "subtype": "bot_message",
            "channel": posted.channel,
            "ts": posted.ts,
            "event_ts": posted.ts,
            "text": posted.text,
            "bot_id": self.bot_id,
            "user": self.bot_user_id,
            "team": posted.team_id,
            "channel_type": self._channel_type(self.channels[posted.channel]),
        }
        if posted.thread_ts:
            event["thread_ts"] = posted.thread_ts
        task = asyncio.ensure_future(self.send_event(posted.team_id, event))
        self._echoes.add(task)
        task.add_done_callback(self._echoes.discard)

    async def open_home(self: FakeSlack, user: User) -> Delivery:
        channel = self.im(user)
        event = {
            "type": "app_home_opened",
            "user": user.id,
            "channel": channel.id,
            "tab": "home",
            "event_ts": self.ids.ts(),
        }
        return await self.send_event(user.team_id, event)

    # ---- commands and interactivity -------------------------------------------------------------

    def _team_fields(self: FakeSlack, user: User) -> dict[str, Any]:
        team = self.team(user.team_id)
        return {
            "id": team.id,
            "domain": team.domain,
            **({"enterprise_id": team.enterprise_id} if team.enterprise_id else {}),
        }

    async def slash(
        self: FakeSlack, user: User, command: str, text: str = "", channel: Channel | None = None
    ) -> Delivery:
        channel = channel or self.default_channel(user.team_id)
        team = self.team(user.team_id)
        payload = {
            "token": "fake-verification-token",
            "team_id": team.id,
            "team_domain": team.domain,
            "channel_id": channel.id,
            "channel_name": channel.name,
            "user_id": user.id,
            "user_name": user.name,
            "command": command,
            "text": text,
            "api_app_id": self.app_id,
            "is_enterprise_install": "true" if self.org_install else "false",
            "response_url": self.issue_response_url(team.id, user.id, channel.id),
            "trigger_id": self.issue_trigger(team.id, user.id),
        }
        if team.enterprise_id:
            payload["enterprise_id"] = team.enterprise_id
        return await self.deliver("slash_commands", payload)

    def _find_action(self, blocks: list[dict[str, Any]], action_id: str) -> tuple[str, dict[str, Any]]:
        for block in blocks:
            for el in block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory") or {}]:
                if el.get("action_id") == action_id:
                    return block.get("block_id", ""), el
        raise LookupError(f"no element with action_id {action_id!r} in these blocks")

    async def click(self: FakeSlack, user: User, message: Posted, action_id: str) -> Delivery:
        """``user`` clicks the button ``action_id`` on ``message`` (it must be there)."""
        block_id, el = self._find_action(message.blocks, action_id)
        return await self.action(user, message, action_id, el.get("value"), block_id=block_id, text=el.get("text"))

    async def action(
        self: FakeSlack,
        user: User,
        message: Posted | None,
        action_id: str,
        value: str | None,
        *,
        block_id: str = "forged",
        text: dict[str, Any] | None = None,
        channel: Channel | None = None,
        view: View | None = None,
    ) -> Delivery:
        """A block_actions payload; with made-up ids it is a forged click (Slack delivers what the client sends)."""
        team = self.team(user.team_id)
        channel_id = message.channel if message else (channel or self.default_channel(user.team_id)).id
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user.id, "username": user.name, "name": user.name, "team_id": user.team_id},
            "api_app_id": self.app_id,
            "token": "fake-verification-token",
            "trigger_id": self.issue_trigger(team.id, user.id),
            "team": self._team_fields(user),
            "enterprise": {"id": team.enterprise_id, "name": "org"} if team.enterprise_id else None,
            "is_enterprise_install": self.org_install,
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": block_id,
                    "text": text or {"type": "plain_text", "text": "button"},
                    "value": value,
                    "type": "button",
                    "action_ts": self.ids.ts(),
                }
            ],
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.id}
            payload["view"] = self._view_payload(view)
        else:
            ephemeral = message is not None and message.ephemeral_to is not None
            payload["container"] = {
                "type": "message",
                "message_ts": message.ts if message else self.ids.ts(),
                "channel_id": channel_id,
                "is_ephemeral": ephemeral,
            }
            payload["channel"] = {"id": channel_id, "name": self.channels[channel_id].name}
            if message is not None and not ephemeral:
                payload["message"] = self.message_payload(message)
            payload["response_url"] = self.issue_response_url(team.id, user.id, channel_id, message)
        return await self.deliver("interactive", payload)

    async def submit_view(self: FakeSlack, user: User, view_id: str, values: dict[str, str | None]) -> Delivery:
        """``user`` submits the open modal ``view_id`` with ``values`` keyed by input block_id."""
        stored = self.views[view_id]
        state: dict[str, dict[str, Any]] = {}
        for block in stored.view.get("blocks", []):
            if block.get("type") != "input":
                continue
            el = block["element"]
            value = values.get(block["block_id"])
            if value is not None and len(value) > el.get("max_length", 3000):
                raise ValueError(f"Slack's client refuses more than {el.get('max_length')} characters here")
            state[block["block_id"]] = {el["action_id"]: {"type": el["type"], "value": value}}
        unknown = set(values) - set(state)
        if unknown:
            raise LookupError(f"the view has no input blocks {sorted(unknown)}")
        return await self._send_view_submission(user, stored, state)

    async def forge_view_submission(
        self: FakeSlack, user: User, view: dict[str, Any], state: dict[str, Any]
    ) -> Delivery:
        """A view_submission for a view this user never opened (a forged payload)."""
        stored = View(self.ids.new("V"), user.team_id, user.id, view, "forged")
        return await self._send_view_submission(user, stored, state)

    async def _send_view_submission(self: FakeSlack, user: User, stored: View, state: dict[str, Any]) -> Delivery:
        view = self._view_payload(stored)
        view["state"] = {"values": state}
        payload = {
            "type": "view_submission",
            "team": self._team_fields(user),
            "user": {"id": user.id, "username": user.name, "name": user.name, "team_id": user.team_id},
            "api_app_id": self.app_id,
            "token": "fake-verification-token",
            "trigger_id": self.issue_trigger(user.team_id, user.id),
            "view": view,
            "response_urls": [],
            "is_enterprise_install": self.org_install,
            "enterprise": {"id": self.team(user.team_id).enterprise_id}
            if self.team(user.team_id).enterprise_id
            else None,
        }
        return await self.deliver("interactive", payload)
