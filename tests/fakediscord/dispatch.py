"""Gateway events a test sends as Discord would: ``guild_create``, ``thread_create``, ``message_create``.

The ``interaction_*`` helpers live in ``dispatch_interactions.py``; ``dispatch()`` (any event) in
``gateway_control.py``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from . import payloads as p
from .components import plain_message
from .constants import JSON, ROLE_MENTION, USER_MENTION
from .gateway_control import GatewayControlMixin
from .limits import DELIVERED_CONTENT_MAX


class DispatchMixin(GatewayControlMixin):
    async def guild_create(
        self,
        guild_id: int | str | None = None,
        name: str = "Test Guild",
        *,
        channels: Sequence[Mapping[str, Any]] | None = None,
        roles: Sequence[Mapping[str, Any]] = (),
        members: Sequence[Mapping[str, Any]] = (),
        owner_id: int | str | None = None,
        threads: Sequence[Mapping[str, Any]] = (),
        everyone_permissions: str = p.MEMBER_PERMISSIONS,
        shard: tuple[int, int] | None = None,
    ) -> JSON:
        """Register a guild; returns its GUILD_CREATE payload.

        Without ``guild_id`` the id is a snowflake one millisecond after the previous guild's, so
        guilds spread over the shards in turn; ``shard=(shard_id, num_shards)`` picks the shard.

        Before the bot connects the guild is listed as unavailable in READY and sent right after
        it (discord.py ``on_guild_available``); afterwards it is dispatched at once as a join
        (``on_guild_join``).  The ``@everyone`` role (id = guild id) and the bot's own member are
        added automatically; ``channels`` defaults to one text channel ``#general``.  A member
        built with ``member_payload(user, permissions=...)`` keeps those permissions for its
        interactions (see :meth:`set_permissions`); otherwise they follow the roles/owner.
        """
        gid = str(guild_id if guild_id is not None else self.guild_snowflake(shard))
        owner = str(owner_id) if owner_id is not None else self.owner["id"]
        channel_list = [dict(c) for c in (channels if channels is not None else [p.text_channel()])]
        for channel in channel_list:
            channel["guild_id"] = gid
            self.channels[channel["id"]] = channel
        thread_list = [dict(t) for t in threads]
        for thread in thread_list:
            thread["guild_id"] = gid
            self.channels[thread["id"]] = thread
        role_list = [dict(r) for r in roles]
        if not any(r["id"] == gid for r in role_list):
            role_list.insert(0, p.role_payload("@everyone", everyone_permissions, role_id=gid, position=0))
        member_list = [copy.deepcopy(dict(m)) for m in members]
        for member in member_list:
            # Only interaction members carry "permissions"; keep it as that user's override.
            perms = member.pop("permissions", None)
            if perms is not None:
                self.permission_overrides[(gid, str(member["user"]["id"]))] = str(perms)
            self._remember_user(member["user"])
        if not any(m["user"]["id"] == self.bot_user["id"] for m in member_list):
            member_list.append(p.member_payload(self.bot_user))
        guild: JSON = {
            "id": gid,
            "name": name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": owner,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": role_list,
            "emojis": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": channel_list[0]["id"] if channel_list else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "max_presences": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.locale,
            "public_updates_channel_id": None,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw_level": 0,
            "stickers": [],
            "premium_progress_bar_enabled": False,
            "safety_alerts_channel_id": None,
            "incidents_data": None,
            # GUILD_CREATE extras
            "joined_at": p.iso_now(),
            "large": False,
            "member_count": len(member_list),
            "voice_states": [],
            "members": member_list,
            "channels": channel_list,
            "threads": thread_list,
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "embedded_activities": [],
            "lazy": True,
        }
        self.guilds[gid] = guild
        if self.gateway.session is not None:  # to its shard's session; the others never hear of it
            await self.dispatch("GUILD_CREATE", copy.deepcopy(guild))
        return guild

    async def thread_create(
        self,
        parent_id: int | str,
        name: str = "thread",
        *,
        owner: Mapping[str, Any] | None = None,
        thread_id: int | str | None = None,
    ) -> JSON:
        """Create a public thread under a registered channel and dispatch THREAD_CREATE."""
        parent = self.channels[str(parent_id)]
        gid = parent["guild_id"]
        thread = p.thread_channel(
            parent["id"],
            name,
            thread_id=thread_id,
            guild_id=gid,
            owner_id=(owner or self.default_user)["id"],
        )
        self.channels[thread["id"]] = thread
        self.guilds[gid]["threads"].append(thread)
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return thread

    async def message_create(
        self,
        channel_id: int | str,
        author: Mapping[str, Any] | None = None,
        content: str = "",
        *,
        guild_id: int | str | None = None,
        mentions: Sequence[Mapping[str, Any]] | None = None,
        mention_roles: Sequence[int | str] | None = None,
        attachments: Sequence[Mapping[str, Any]] = (),
        embeds: Sequence[Mapping[str, Any]] = (),
        reply_to: Mapping[str, Any] | int | str | None = None,
        member: Mapping[str, Any] | None = None,
        message_id: int | str | None = None,
        flags: int = 0,
    ) -> JSON:
        """Dispatch MESSAGE_CREATE as a user posting ``content`` in ``channel_id``.

        Guild and thread messages carry the partial ``member``; ``mentions`` default to the
        ``<@id>`` mentions in ``content`` (as Discord computes them), ``mention_roles`` to
        ``<@&id>``.  ``reply_to`` (a message dict or id) adds ``message_reference`` and
        ``referenced_message`` (type 19 REPLY).  Returns the payload (also kept in ``messages``).

        ``content`` longer than 4,000 characters raises ``ValueError``: Discord delivers no such
        message (2,000 without Nitro, 4,000 with), so a test cannot claim the bot copes with one.
        """
        if len(content) > DELIVERED_CONTENT_MAX:
            raise ValueError(
                f"Discord never delivers a message of {len(content)} characters (max {DELIVERED_CONTENT_MAX}); "
                "test the core or CLI with it instead"
            )
        cid = str(channel_id)
        author_d = dict(author or self.default_user)
        if "user" in author_d:  # a member payload was passed
            member = member or author_d
            author_d = dict(author_d["user"])
        self._remember_user(author_d)
        gid = str(guild_id) if guild_id is not None else self._guild_of_channel(cid)
        if mentions is None:
            mentions = [
                self.users.get(uid) or p.fake_user(uid, f"user{uid[-4:]}")
                for uid in dict.fromkeys(USER_MENTION.findall(content))
            ]
        if mention_roles is None:
            mention_roles = list(dict.fromkeys(ROLE_MENTION.findall(content)))
        mention_list: list[JSON] = []
        for user in mentions:
            u = dict(user)
            if gid is not None:
                u["member"] = self._partial_member(gid, u)
            mention_list.append(u)
        msg: JSON = {
            "id": str(message_id if message_id is not None else self.snowflake()),
            "channel_id": cid,
            "author": author_d,
            "content": content,
            "timestamp": p.iso_now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": "@everyone" in content or "@here" in content,
            "mentions": mention_list,
            "mention_roles": [str(r) for r in mention_roles],
            # No "mention_channels": message.mdx says only crossposted messages carry it.
            "attachments": [dict(a) for a in attachments],
            "embeds": [dict(e) for e in embeds],
            "reactions": [],
            "nonce": str(self.snowflake()),
            "pinned": False,
            "type": 0,
            "flags": flags,
            "components": [],
        }
        if reply_to is not None:
            ref = self.messages.get(p.as_id(reply_to)) if not isinstance(reply_to, Mapping) else dict(reply_to)
            ref_id = p.as_id(reply_to)
            msg["type"] = 19
            msg["message_reference"] = {
                "type": 0,
                "message_id": ref_id,
                "channel_id": ref["channel_id"] if ref else cid,
                **({"guild_id": gid} if gid else {}),
            }
            msg["referenced_message"] = plain_message(ref)
        if gid is not None:
            msg["guild_id"] = gid
            if member is None:
                stored = self._member(gid, author_d["id"])
                member = stored if stored is not None else p.member_payload(author_d)
            partial_member = dict(member)
            partial_member.pop("user", None)
            partial_member.pop("permissions", None)
            msg["member"] = partial_member
        self.messages[msg["id"]] = msg
        if cid in self.channels:
            self.channels[cid]["last_message_id"] = msg["id"]
        await self.dispatch("MESSAGE_CREATE", msg)
        return msg
