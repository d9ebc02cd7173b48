"""What the fake Discord knows (users, guilds, channels, messages, commands, interactions) and its URLs.

:class:`FakeDiscordState` is the base of every ``FakeDiscord`` mixin: it owns the registries they
read and write, plus the small look-ups (member of a guild, DM channel, attachments on the CDN).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import payloads as p
from .components import walk_components
from .constants import API_VERSION, JSON
from .gateway import Gateway, GatewayHooks
from .interaction_models import InteractionState
from .limits import INITIAL_RESPONSE_S
from .records import EventLog, RecordedCall

if TYPE_CHECKING:
    from .rest_router import Route

# (method or None, path substring, status, retry_after) of a pending ``inject_error``.
InjectedError = tuple[str | None, str, int, float]


class FakeDiscordState(GatewayHooks):
    """Registries and URLs shared by the ``FakeDiscord`` mixins; the arguments are ``FakeDiscord``'s."""

    def __init__(
        self,
        *,
        bot_name: str = "faqbot",
        bot_id: int | None = None,
        application_id: int | None = None,
        token: str | None = None,
        heartbeat_interval_ms: int = 41_250,
        compress: bool = True,
        locale: str = "ko",
        host: str = "127.0.0.1",
        echo_bot_messages: bool = True,
        initial_response_s: float = INITIAL_RESPONSE_S,
    ) -> None:
        self.host = host
        # Interaction windows are measured on this clock; a test may replace it to jump ahead.
        self.clock: Callable[[], float] = time.monotonic
        self.initial_response_s = initial_response_s
        self.locale = locale
        self.expected_token = token
        self.snowflake = p.snowflake
        self.guild_snowflake = p.guild_snowflake  # guild ids spread over the shards
        bot_user_id = bot_id if bot_id is not None else self.snowflake()
        self.application_id: str = str(application_id if application_id is not None else bot_user_id)
        self.bot_user: JSON = p.fake_user(bot_user_id, bot_name, bot=True)
        self.bot_user.update(verified=True, mfa_enabled=False, email=None, locale="en-US")
        self.owner: JSON = p.fake_user(name="app-owner")
        self.users: dict[str, JSON] = {self.bot_user["id"]: self.bot_user}
        self.guilds: dict[str, JSON] = {}
        self.channels: dict[str, JSON] = {}
        self.messages: dict[str, JSON] = {}
        # key None = global commands, else guild id
        self.commands: dict[str | None, list[JSON]] = {}
        self.interactions: dict[str, InteractionState] = {}
        self.reactions: list[tuple[str, str, str]] = []  # (channel_id, message_id, emoji)
        self.cdn: dict[str, tuple[bytes, str]] = {}
        self.allow_unmatched_routes = False
        # GET /gateway/bot's "shards"; None: computed from the number of guilds (rest_app.py).
        self.recommended_shards: int | None = None
        # Discord echoes the bot's own (non-ephemeral) messages back over the gateway.
        self.echo_bot_messages = echo_bot_messages
        self.default_user: JSON = p.fake_user(name="tester")
        self.permission_overrides: dict[tuple[str, str], str] = {}
        self._dm_by_user: dict[str, str] = {}
        self._calls: EventLog[RecordedCall] = EventLog()
        self._injected: list[InjectedError] = []
        self._component_ids = itertools.count(1)
        self.gateway = Gateway(
            self,
            heartbeat_interval_ms=heartbeat_interval_ms,
            compress=compress,
            expected_token=token,
        )
        self._runner: web.AppRunner | None = None
        self.port: int = 0
        self._routes: list[Route] = []
        self._register_routes()

    def _register_routes(self) -> None:
        """Fill ``_routes`` (``FakeDiscord`` in ``server.py`` holds the route table)."""

    # -- URLs --------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """What ``discord.http.Route.BASE`` must be."""
        return f"{self.base_url}/api/v{API_VERSION}"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/resume"

    @property
    def cdn_base(self) -> str:
        return f"{self.base_url}/cdn"

    # -- registry helpers --------------------------------------------------------------------

    def attachment(
        self,
        filename: str,
        data: bytes = b"",
        content_type: str | None = None,
        *,
        description: str | None = None,
    ) -> JSON:
        """An attachment object whose ``url`` serves ``data`` from this fake's CDN."""
        attachment_id = str(self.snowflake())
        return self._store_attachment(attachment_id, filename, data, content_type, description)

    def _store_attachment(
        self,
        attachment_id: str,
        filename: str,
        data: bytes,
        content_type: str | None,
        description: str | None,
    ) -> JSON:
        path = f"/attachments/0/{attachment_id}/{filename}"
        ctype = content_type or "application/octet-stream"
        self.cdn[path] = (data, ctype)
        att: JSON = {
            "id": attachment_id,
            "filename": filename,
            "size": len(data),
            "url": f"{self.cdn_base}{path}",
            "proxy_url": f"{self.cdn_base}{path}",
            "content_type": ctype,
        }
        if description is not None:
            att["description"] = description
        return att

    def _assign_component_ids(self, components: list[JSON]) -> list[JSON]:
        """Components as Discord stores them: every one numbered, unicode emoji without ``id``."""
        for comp in walk_components(components):
            if not isinstance(comp, dict):
                continue
            if not comp.get("id"):
                comp["id"] = next(self._component_ids)
            emoji = comp.get("emoji")
            if isinstance(emoji, dict) and emoji.get("id") is None:
                emoji.pop("id", None)
        return components

    def _remember_user(self, user: Mapping[str, Any]) -> JSON:
        stored = self.users.setdefault(str(user["id"]), dict(user))
        return stored

    def dm_channel(self, user: Mapping[str, Any]) -> JSON:
        """The (created on first use) DM channel between the bot and ``user``."""
        return self._dm_channel_for(user)

    def _dm_channel_for(self, user: Mapping[str, Any]) -> JSON:
        uid = str(user["id"])
        cid = self._dm_by_user.get(uid)
        if cid is None:
            channel = p.dm_channel(user)
            self.channels[channel["id"]] = channel
            self._dm_by_user[uid] = cid = channel["id"]
        return self.channels[cid]

    def _guild_of_channel(self, channel_id: str) -> str | None:
        channel = self.channels.get(channel_id)
        return None if channel is None else channel.get("guild_id")

    def _member(self, guild_id: str, user_id: str) -> JSON | None:
        guild = self.guilds.get(guild_id)
        if guild is None:
            return None
        return next((m for m in guild["members"] if m["user"]["id"] == user_id), None)

    def _partial_member(self, guild_id: str, user: Mapping[str, Any]) -> JSON:
        """A copy of the user's stored member (or a fresh one) without its ``user`` key."""
        stored = self._member(guild_id, str(user["id"]))
        partial = dict(stored) if stored else p.member_payload(user)
        partial.pop("user", None)
        return partial

    def set_permissions(
        self, guild_id: int | str, user: Mapping[str, Any] | int | str, permissions: int | str | None
    ) -> None:
        """Fix ``member.permissions`` for this user's future interactions in the guild.

        ``None`` removes the override (permissions are then computed from the guild's roles).
        An explicit ``permissions=`` argument to an interaction helper still wins.
        """
        key = (str(guild_id), p.as_id(user))
        if permissions is None:
            self.permission_overrides.pop(key, None)
        else:
            self.permission_overrides[key] = p.permissions_value(permissions)

    def default_channel_id(self, guild_id: int | str) -> str:
        """Id of the first text channel of a registered guild."""
        guild = self.guilds[str(guild_id)]
        return next(c["id"] for c in guild["channels"] if c["type"] == p.GUILD_TEXT)
