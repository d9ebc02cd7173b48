"""REST routes under ``/channels/{channel_id}``: the channel, its messages, reactions, typing and threads."""

from __future__ import annotations

from . import payloads as p
from .bot_messages import BotMessagesMixin
from .constants import JSON, Reply
from .limits import check_new_message
from .rest_errors import RestError
from .rest_router import RestRequest


class ChannelRoutesMixin(BotMessagesMixin):
    def _channel(self, req: RestRequest) -> JSON:
        channel = self.channels.get(req.params["channel_id"])
        if channel is None:
            raise RestError(404, 10003, "Unknown Channel")
        return channel

    def _channel_message(self, req: RestRequest) -> JSON:
        msg = self.messages.get(req.params["message_id"])
        if msg is None or msg["channel_id"] != req.params["channel_id"]:
            raise RestError(404, 10008, "Unknown Message")
        return msg

    async def _no_content(self, req: RestRequest) -> Reply:
        return 204, None

    async def _get_channel(self, req: RestRequest) -> Reply:
        return 200, self._channel(req)

    async def _list_messages(self, req: RestRequest) -> Reply:
        self._channel(req)
        cid = req.params["channel_id"]
        limit = int(req.query.get("limit", 50))
        msgs = sorted(
            (m for m in self.messages.values() if m["channel_id"] == cid),
            key=lambda m: int(m["id"]),
            reverse=True,
        )
        return 200, msgs[:limit]

    async def _create_message(self, req: RestRequest) -> Reply:
        self._channel(req)
        cid = req.params["channel_id"]
        body = req.json or {}
        check_new_message(body, files=len(req.files))
        msg = self._new_message(cid, body, req.files)
        await self._echo("MESSAGE_CREATE", msg)
        return 200, msg

    async def _get_message(self, req: RestRequest) -> Reply:
        return 200, self._channel_message(req)

    async def _edit_message(self, req: RestRequest) -> Reply:
        msg = self._channel_message(req)
        if msg["author"]["id"] != self.bot_user["id"]:
            raise RestError(403, 50005, "Cannot edit a message authored by another user")
        return await self._edit_and_echo(msg, req.json or {}, req.files)

    async def _delete_message(self, req: RestRequest) -> Reply:
        return await self._delete_and_echo(self._channel_message(req))

    async def _add_reaction(self, req: RestRequest) -> Reply:
        msg = self._channel_message(req)
        self.reactions.append((req.params["channel_id"], msg["id"], req.params["emoji"]))
        return 204, None

    async def _create_thread(self, req: RestRequest) -> Reply:
        parent = self._channel(req)
        body = req.json or {}
        thread = p.thread_channel(
            parent["id"],
            body.get("name", "thread"),
            guild_id=parent.get("guild_id"),
            owner_id=self.bot_user["id"],
            private=body.get("type") == p.PRIVATE_THREAD,
            thread_id=req.params.get("message_id"),
        )
        self.channels[thread["id"]] = thread
        guild = self.guilds.get(parent.get("guild_id") or "")
        if guild is not None:
            guild["threads"].append(thread)
        return 201, thread
