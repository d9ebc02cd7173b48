"""The bot's own messages: building them from REST bodies, editing them, and echoing them on the gateway.

Shared by the channel routes (``rest_messages.py``) and the interaction routes (``rest_interactions.py``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from . import payloads as p
from .components import plain_message
from .constants import APPLICATION_COMMAND, EPHEMERAL, JSON, USER_MENTION, Reply
from .gateway_control import GatewayControlMixin
from .interaction_models import InteractionState
from .limits import EDITABLE_FLAGS
from .records import UploadedFile
from .rest_errors import FormError


class BotMessagesMixin(GatewayControlMixin):
    def _attachments_from(
        self, body: Mapping[str, Any], files: Sequence[UploadedFile], existing: Sequence[JSON] = ()
    ) -> list[JSON]:
        by_index = {f.field: f for f in files}
        kept = {a["id"]: a for a in existing}
        out: list[JSON] = []
        declared = body.get("attachments")
        if declared is None:
            declared = [{"id": i, "filename": f.filename} for i, f in enumerate(files)]
        for att in declared:
            aid = str(att.get("id"))
            if aid in kept:
                out.append(kept[aid])
                continue
            upload = by_index.get(f"files[{aid}]")
            if upload is None:
                continue
            out.append(
                self._store_attachment(
                    str(self.snowflake()),
                    att.get("filename") or upload.filename,
                    upload.data,
                    upload.content_type,
                    att.get("description"),
                )
            )
        return out

    def _mentions_for(self, content: str, allowed: Mapping[str, Any] | None) -> list[JSON]:
        ids = list(dict.fromkeys(USER_MENTION.findall(content)))
        if allowed is not None:
            parse = allowed.get("parse") or []
            if "users" not in parse:
                permitted = {str(u) for u in allowed.get("users") or []}
                ids = [i for i in ids if i in permitted]
        return [self.users.get(i) or p.fake_user(i) for i in ids]

    def _new_message(
        self,
        channel_id: str,
        body: Mapping[str, Any],
        files: Sequence[UploadedFile],
        *,
        message_type: int = 0,
        interaction: InteractionState | None = None,
        flags: int | None = None,
    ) -> JSON:
        content = body.get("content") or ""
        msg: JSON = {
            "id": str(self.snowflake()),
            "channel_id": channel_id,
            "author": self.bot_user,
            "content": content,
            "timestamp": p.iso_now(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts")),
            "mention_everyone": False,
            "mentions": self._mentions_for(content, body.get("allowed_mentions")),
            "mention_roles": [],
            "attachments": self._attachments_from(body, files),
            "embeds": copy.deepcopy(body.get("embeds") or []),
            "reactions": [],
            "pinned": False,
            "type": message_type,
            "flags": (body.get("flags") or 0) if flags is None else flags,
            "components": self._assign_component_ids(copy.deepcopy(body.get("components") or [])),
        }
        if body.get("nonce") is not None:
            msg["nonce"] = body["nonce"]
        ref = body.get("message_reference")
        if ref:
            # discord.py sends ids as ints; responses carry snowflake strings.
            ref = {k: str(v) if k.endswith("_id") and v is not None else v for k, v in ref.items()}
            msg["message_reference"] = {"type": 0, "channel_id": channel_id, **ref}
            referenced = self.messages.get(str(ref.get("message_id")))
            if referenced is None and ref.get("fail_if_not_exists", True):
                raise FormError.at("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
            msg["referenced_message"] = plain_message(referenced)
            if message_type == 0:
                msg["type"] = 19
        if interaction is not None:
            src = interaction.payload
            src_user = (src.get("member") or {}).get("user") or src.get("user")
            msg["webhook_id"] = self.application_id
            msg["application_id"] = self.application_id
            metadata: JSON = {
                "id": interaction.id,
                "type": interaction.type,
                "user": src_user,
                "authorizing_integration_owners": src.get("authorizing_integration_owners", {}),
            }
            if interaction.type == APPLICATION_COMMAND:
                metadata["name"] = src["data"]["name"]
                metadata["command_type"] = src["data"].get("type", 1)
            if "message" in src:
                metadata["interacted_message_id"] = src["message"]["id"]
            msg["interaction_metadata"] = metadata
        self.messages[msg["id"]] = msg
        if channel_id in self.channels:
            self.channels[channel_id]["last_message_id"] = msg["id"]
        return msg

    def _apply_edit(self, msg: JSON, body: Mapping[str, Any], files: Sequence[UploadedFile]) -> JSON:
        for key in ("content", "embeds"):
            if key in body and body[key] is not None:
                msg[key] = copy.deepcopy(body[key])
        if isinstance(body.get("flags"), int):
            # message.mdx: an edit may change SUPPRESS_EMBEDS / IS_COMPONENTS_V2 only; other
            # flag changes "are currently ignored without error" (ephemerality stays).
            msg["flags"] = (msg["flags"] & ~EDITABLE_FLAGS) | (body["flags"] & EDITABLE_FLAGS)
        if "content" in body and body["content"] is None:
            msg["content"] = ""
        if "components" in body:
            msg["components"] = self._assign_component_ids(copy.deepcopy(body["components"] or []))
        if "attachments" in body or files:
            msg["attachments"] = self._attachments_from(body, files, msg.get("attachments", []))
        if "content" in body:
            msg["mentions"] = self._mentions_for(msg["content"], body.get("allowed_mentions"))
        msg["edited_timestamp"] = p.iso_now()
        return msg

    async def _echo(self, event: str, msg: JSON) -> None:
        """Gateway echo of the bot's own message changes, as Discord sends them (not ephemeral)."""
        if not self.echo_bot_messages or self.gateway.session is None or msg["flags"] & EPHEMERAL:
            return
        gid = self._guild_of_channel(msg["channel_id"])
        if event == "MESSAGE_DELETE":
            data: JSON = {"id": msg["id"], "channel_id": msg["channel_id"]}
        else:
            data = copy.deepcopy(msg)
            if gid is not None:
                data["member"] = self._partial_member(gid, self.bot_user)
        if gid is not None:
            data["guild_id"] = gid
        await self.dispatch(event, data)

    async def _edit_and_echo(self, msg: JSON, body: Mapping[str, Any], files: Sequence[UploadedFile]) -> Reply:
        """Apply an edit to one of the bot's messages, echo MESSAGE_UPDATE, answer 200 with it."""
        msg = self._apply_edit(msg, body, files)
        await self._echo("MESSAGE_UPDATE", msg)
        return 200, msg

    async def _delete_and_echo(self, msg: JSON) -> Reply:
        """Delete a stored message, echo MESSAGE_DELETE, answer 204."""
        del self.messages[msg["id"]]
        await self._echo("MESSAGE_DELETE", msg)
        return 204, None
