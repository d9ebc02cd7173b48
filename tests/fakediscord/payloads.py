"""Pure builders for Discord API v10 JSON shapes (users, members, roles, channels, attachments).

These mirror the objects documented at https://discord.com/developers/docs/resources/* and the
TypedDicts in ``discord/types``; they hold no server state, so tests can build them before a
:class:`~fakediscord.server.FakeDiscord` exists.  Ids are Discord snowflakes (strings on the wire).
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import discord

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000

# Channel types (https://discord.com/developers/docs/resources/channel#channel-object-channel-types).
GUILD_TEXT = 0
DM = 1
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
GUILD_FORUM = 15

# Permission strings for interaction ``member.permissions``: a plain member vs. a server admin.
MEMBER_PERMISSIONS: str = str(
    discord.Permissions(
        view_channel=True,
        send_messages=True,
        send_messages_in_threads=True,
        read_message_history=True,
        add_reactions=True,
        embed_links=True,
        attach_files=True,
        use_application_commands=True,
        use_external_emojis=True,
        create_public_threads=True,
        change_nickname=True,
    ).value
)
ADMIN_PERMISSIONS: str = str(discord.Permissions.all().value)
# What the bot itself may do in a channel (interaction ``app_permissions``).
BOT_PERMISSIONS: str = str((discord.Permissions.text() | discord.Permissions(view_channel=True)).value)


class SnowflakeGenerator:
    """Monotonic Discord snowflakes: ``(ms since 2015) << 22 | worker << 17 | process << 12 | n``.

    Real timestamps keep ``discord.utils.snowflake_time`` (``Message.created_at``) plausible; the
    increment and a forward-only clock keep ids strictly increasing even within a millisecond.
    """

    def __init__(self, worker: int = 1, process: int = 1) -> None:
        self._worker = worker & 0x1F
        self._process = process & 0x1F
        self._lock = threading.Lock()
        self._last_ms = 0
        self._increment = 0

    def __call__(self) -> int:
        with self._lock:
            now = int(time.time() * 1000) - DISCORD_EPOCH_MS
            if now <= self._last_ms:
                self._increment += 1
                if self._increment >= 4096:
                    self._last_ms += 1
                    self._increment = 0
                now = self._last_ms
            else:
                self._increment = 0
            self._last_ms = now
            return (now << 22) | (self._worker << 17) | (self._process << 12) | self._increment


snowflake = SnowflakeGenerator()


class GuildIdGenerator:
    """Guild snowflakes whose timestamps (``id >> 22``) all differ, one millisecond apart.

    Discord routes a guild to shard ``(guild_id >> 22) % num_shards``; ids made within one
    millisecond would all land on one shard, so each guild here is one millisecond after the
    previous one: consecutive guilds fall on consecutive shards, whatever the shard count.
    ``shard=(shard_id, num_shards)`` moves the id forward to land on that shard.  Worker 2, so
    these never collide with :data:`snowflake`'s ids (worker 1).
    """

    def __init__(self, worker: int = 2, process: int = 1) -> None:
        self._low = ((worker & 0x1F) << 17) | ((process & 0x1F) << 12)
        self._lock = threading.Lock()
        self._last_ms = 0

    def __call__(self, shard: tuple[int, int] | None = None) -> int:
        with self._lock:
            # After the first: round robin over the shards, not the wall clock's spread.
            ms = self._last_ms + 1 if self._last_ms else int(time.time() * 1000) - DISCORD_EPOCH_MS
            if shard is not None:
                shard_id, num_shards = shard
                ms += (shard_id - ms) % num_shards
            self._last_ms = ms
            return (ms << 22) | self._low


guild_snowflake = GuildIdGenerator()
_discriminators = itertools.count(1)


def iso_now() -> str:
    """Current time as Discord's ISO8601 timestamp (``+00:00`` offset)."""
    return dt.datetime.now(dt.UTC).isoformat()


def as_id(value: int | str | Mapping[str, Any]) -> str:
    """Snowflake string from an int, a string, or a payload dict with an ``id`` key."""
    if isinstance(value, Mapping):
        return str(value["id"])
    return str(value)


def permissions_value(value: int | str | discord.Permissions | None = None, **flags: bool) -> str:
    """Permission bit set as Discord's decimal string: ``permissions_value(manage_guild=True)``."""
    if isinstance(value, discord.Permissions):
        base = value.value
    elif value is None:
        base = 0
    else:
        base = int(value)
    if flags:
        base |= discord.Permissions(**flags).value
    return str(base)


def fake_user(
    id: int | str | None = None,
    name: str = "user",
    bot: bool = False,
    *,
    global_name: str | None = None,
    avatar: str | None = None,
) -> JSON:
    """A v10 user object (``username``/``discriminator`` "0" style, as after the 2023 rename)."""
    return {
        "id": str(id if id is not None else snowflake()),
        "username": name,
        "discriminator": "0",
        "global_name": global_name if global_name is not None else (None if bot else name),
        "avatar": avatar,
        "bot": bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
    }


def member_payload(
    user: Mapping[str, Any],
    roles: Iterable[int | str | Mapping[str, Any]] = (),
    permissions: int | str | discord.Permissions | None = None,
    *,
    nick: str | None = None,
    joined_at: str | None = None,
    include_user: bool = True,
) -> JSON:
    """A guild member object.

    ``permissions`` only appears on members inside interactions (Discord computes it there);
    pass :data:`ADMIN_PERMISSIONS`/:data:`MEMBER_PERMISSIONS` or any bit set to model admins.
    ``include_user=False`` gives the partial member Discord attaches to MESSAGE_CREATE.
    """
    member: JSON = {
        "roles": [as_id(r) for r in roles],
        "nick": nick,
        "avatar": None,
        "banner": None,
        "joined_at": joined_at or iso_now(),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if include_user:
        member["user"] = dict(user)
    if permissions is not None:
        member["permissions"] = permissions_value(permissions)
    return member


def role_payload(
    name: str,
    permissions: int | str | discord.Permissions = 0,
    *,
    role_id: int | str | None = None,
    position: int = 1,
    color: int = 0,
    hoist: bool = False,
    mentionable: bool = False,
    managed: bool = False,
) -> JSON:
    """A role object.  The ``@everyone`` role shares its id with the guild."""
    return {
        "id": str(role_id if role_id is not None else snowflake()),
        "name": name,
        "color": color,
        "colors": {"primary_color": color, "secondary_color": None, "tertiary_color": None},
        "hoist": hoist,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": permissions_value(permissions),
        "managed": managed,
        "mentionable": mentionable,
        "flags": 0,
    }


def text_channel(
    name: str = "general",
    *,
    channel_id: int | str | None = None,
    guild_id: int | str | None = None,
    parent_id: int | str | None = None,
    position: int = 0,
    topic: str | None = None,
    channel_type: int = GUILD_TEXT,
    permission_overwrites: Sequence[Mapping[str, Any]] = (),
) -> JSON:
    """A guild text (or announcement/forum, via ``channel_type``) channel object."""
    channel: JSON = {
        "id": str(channel_id if channel_id is not None else snowflake()),
        "type": channel_type,
        "name": name,
        "position": position,
        "permission_overwrites": [dict(o) for o in permission_overwrites],
        "topic": topic,
        "nsfw": False,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "parent_id": None if parent_id is None else str(parent_id),
        "last_pin_timestamp": None,
        "flags": 0,
    }
    if guild_id is not None:
        channel["guild_id"] = str(guild_id)
    if channel_type == GUILD_FORUM:
        channel.update(
            available_tags=[],
            default_reaction_emoji=None,
            default_sort_order=None,
            default_forum_layout=0,
            default_thread_rate_limit_per_user=0,
        )
    return channel


def thread_channel(
    parent_id: int | str,
    name: str = "thread",
    *,
    thread_id: int | str | None = None,
    guild_id: int | str | None = None,
    owner_id: int | str | None = None,
    private: bool = False,
    archived: bool = False,
) -> JSON:
    """A thread channel object (public by default) under ``parent_id``."""
    thread: JSON = {
        "id": str(thread_id if thread_id is not None else snowflake()),
        "type": PRIVATE_THREAD if private else PUBLIC_THREAD,
        "name": name,
        "parent_id": str(parent_id),
        "owner_id": None if owner_id is None else str(owner_id),
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "flags": 0,
        "applied_tags": [],
        "thread_metadata": {
            "archived": archived,
            "auto_archive_duration": 1440,
            "archive_timestamp": iso_now(),
            "locked": False,
            "invitable": not private,
            "create_timestamp": iso_now(),
        },
    }
    if guild_id is not None:
        thread["guild_id"] = str(guild_id)
    return thread


def dm_channel(recipient: Mapping[str, Any], *, channel_id: int | str | None = None) -> JSON:
    """A DM channel object with one recipient."""
    return {
        "id": str(channel_id if channel_id is not None else snowflake()),
        "type": DM,
        "last_message_id": None,
        "recipients": [dict(recipient)],
        "flags": 0,
    }


def compute_permissions(guild: Mapping[str, Any], member: Mapping[str, Any]) -> str:
    """Guild-level permissions of ``member``: owner/administrator get everything, else role OR."""
    user_id = as_id(member["user"]) if "user" in member else None
    if user_id is not None and user_id == str(guild.get("owner_id")):
        return ADMIN_PERMISSIONS
    roles = {str(r["id"]): int(r["permissions"]) for r in guild.get("roles", [])}
    value = roles.get(str(guild["id"]), 0)
    for role_id in member.get("roles", []):
        value |= roles.get(str(role_id), 0)
    if discord.Permissions(value).administrator:
        return ADMIN_PERMISSIONS
    return str(value)
