"""``FakeDiscord``: a local Discord (REST + gateway) for driving an unmodified discord.py bot.

Usage in a test (see ``fakediscord/__init__.py`` for the full walkthrough)::

    async with FakeDiscord() as fd:
        guild = await fd.guild_create(name="club")          # before start: a startup guild
        async with started_bot(bot, fd):                     # patches discord.py at fd
            author = fake_user(name="alice")
            await fd.message_create(guild["channels"][0]["id"], author, "hello")
            call = await fd.wait_for_message(guild["channels"][0]["id"])
            assert call.json["content"] == "hi"

Everything the bot sends over REST is a :class:`~fakediscord.records.RecordedCall` in
``fd.calls()``; routes the fake does not know answer 404 JSON and are listed by
``fd.unmatched_calls()`` so a test can fail on them.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import payloads as p
from .gateway import CLOSE_UNKNOWN_ERROR, RECONNECT, Gateway, GatewayHooks, GatewaySession
from .records import EventLog, GatewayFrame, RecordedCall, UploadedFile

log = logging.getLogger(__name__)

JSON = dict[str, Any]
Reply = tuple[int, Any]
Handler = Callable[["_Request"], Awaitable[Reply]]

API_VERSION = 10

# Interaction types (https://discord.com/developers/docs/interactions/receiving-and-responding).
PING = 1
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
APPLICATION_COMMAND_AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

# Interaction callback types.
PONG = 1
CHANNEL_MESSAGE_WITH_SOURCE = 4
DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
APPLICATION_COMMAND_AUTOCOMPLETE_RESULT = 8
MODAL = 9

# Message flags.
EPHEMERAL = 1 << 6
LOADING = 1 << 7

# Application command option types.
SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING = 3
INTEGER = 4
BOOLEAN = 5
USER = 6
CHANNEL = 7
ROLE = 8
MENTIONABLE = 9
NUMBER = 10
ATTACHMENT = 11

_ALLOWED_CALLBACKS: dict[int, set[int]] = {
    PING: {PONG},
    APPLICATION_COMMAND: {CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, MODAL},
    MESSAGE_COMPONENT: {
        CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
        MODAL,
    },
    APPLICATION_COMMAND_AUTOCOMPLETE: {APPLICATION_COMMAND_AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {
        CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
    },
}

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def _error(status: int, code: int, message: str, errors: JSON | None = None) -> Reply:
    body: JSON = {"message": message, "code": code}
    if errors is not None:
        body["errors"] = errors
    return status, body


def _form_error(path: str, code: str, message: str) -> Reply:
    errors: JSON = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path.split(".")):
        errors = {part: errors}
    return _error(400, 50035, "Invalid Form Body", errors)


def _child(schema: Sequence[Mapping[str, Any]], name: str, otype: int) -> Sequence[Mapping[str, Any]]:
    """Options of the subcommand (group) ``name`` in a command schema."""
    for option in schema:
        if option["name"] == name and option["type"] == otype:
            return option.get("options") or []
    raise LookupError(f"command has no {'group' if otype == SUB_COMMAND_GROUP else 'subcommand'} {name!r}")


def validate_message_payload(payload: Mapping[str, Any], *, files: int = 0) -> Reply | None:
    """Discord's checks that matter for a bot: non-empty, 2000-char content, embed limits."""
    content = payload.get("content")
    embeds = payload.get("embeds") or []
    if content is not None and len(content) > 2000:
        return _form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    if len(embeds) > 10:
        return _form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        for key, limit in (("title", 256), ("description", 4096)):
            value = embed.get(key) or ""
            total += len(value)
            if len(value) > limit:
                return _form_error(
                    f"embeds.{i}.{key}",
                    "BASE_TYPE_MAX_LENGTH",
                    f"Must be {limit} or fewer in length.",
                )
        fields = embed.get("fields") or []
        if len(fields) > 25:
            return _form_error(f"embeds.{i}.fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        for f in fields:
            total += len(f.get("name") or "") + len(f.get("value") or "")
        total += len((embed.get("footer") or {}).get("text") or "")
        total += len((embed.get("author") or {}).get("name") or "")
    if total > 6000:
        return _form_error("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
    has_body = (
        bool(content)
        or bool(embeds)
        or files > 0
        or bool(payload.get("components"))
        or bool(payload.get("sticker_ids"))
        or bool(payload.get("poll"))
        or bool(payload.get("attachments"))
    )
    if not has_body:
        return _error(400, 50006, "Cannot send an empty message")
    return None


@dataclass
class _Request:
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: tuple[UploadedFile, ...]
    headers: Mapping[str, str]


@dataclass(frozen=True)
class _Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: bool


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
            lambda c: (
                c.route == "/interactions/{interaction_id}/{interaction_token}/callback"
                and c.params.get("interaction_id") == self.id
            ),
            timeout=timeout,
        )

    async def followup(self, timeout: float = 5.0, index: int = 0) -> RecordedCall:  # noqa: ASYNC109
        """The ``index``-th followup (POST /webhooks/{app}/{token})."""
        seen: list[RecordedCall] = []

        def match(c: RecordedCall) -> bool:
            if (
                c.method == "POST"
                and c.route == "/webhooks/{application_id}/{interaction_token}"
                and c.params.get("interaction_token") == self.token
            ):
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


class FakeDiscord(GatewayHooks):
    """A fake Discord API (v10) + gateway on 127.0.0.1 with an ephemeral port.

    ``token`` (optional) makes login/IDENTIFY with another token fail like the real API (401 /
    close 4004).  ``compress=False`` ignores ``compress=zlib-stream`` and sends text frames.
    ``locale`` is the default user/guild locale put into interactions.  ``echo_bot_messages``
    makes the bot's own non-ephemeral messages come back as MESSAGE_CREATE/UPDATE/DELETE, as on
    Discord (so a bot that does not ignore itself loops here too).
    """

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
    ) -> None:
        self.host = host
        self.locale = locale
        self.expected_token = token
        self.snowflake = p.snowflake
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
        # Discord echoes the bot's own (non-ephemeral) messages back over the gateway.
        self.echo_bot_messages = echo_bot_messages
        self.default_user: JSON = p.fake_user(name="tester")
        self.permission_overrides: dict[tuple[str, str], str] = {}
        self._dm_by_user: dict[str, str] = {}
        self._calls: EventLog[RecordedCall] = EventLog()
        self._injected: list[tuple[str | None, str, int, float]] = []
        self._component_ids = itertools.count(1)
        self._routes: list[_Route] = []
        self.gateway = Gateway(
            self,
            heartbeat_interval_ms=heartbeat_interval_ms,
            compress=compress,
            expected_token=token,
        )
        self._runner: web.AppRunner | None = None
        self.port: int = 0
        self._register_routes()

    # -- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/resume", self.gateway.handle)
        app.router.add_route("*", "/api/{version:v\\d+}/{tail:.*}", self._handle_rest)
        app.router.add_get("/cdn/{tail:.*}", self._handle_cdn)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        log.debug("FakeDiscord listening on %s", self.base_url)

    async def stop(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

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

    # -- recorded calls ----------------------------------------------------------------------

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
        return [
            c
            for c in self._calls
            if c.method == "POST"
            and c.route == "/channels/{channel_id}/messages"
            and c.params["channel_id"] == cid
            and 200 <= c.status < 300
        ]

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
            lambda c: (
                c.method == "POST"
                and c.route == "/channels/{channel_id}/messages"
                and c.params["channel_id"] == cid
                and 200 <= c.status < 300
                and (predicate is None or predicate(c))
            ),
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

    def inject_error(
        self,
        path_contains: str,
        *,
        method: str | None = None,
        status: int = 429,
        retry_after: float = 0.05,
    ) -> None:
        """Make the next matching request fail once (429 with ``retry_after``, or any status)."""
        self._injected.append((method.upper() if method else None, path_contains, status, retry_after))

    # -- gateway facade ----------------------------------------------------------------------

    @property
    def gateway_frames(self) -> list[GatewayFrame]:
        return list(self.gateway.frames)

    async def dispatch(self, event: str, data: JSON) -> int:
        """Send any DISPATCH event; returns its sequence number."""
        return await self.gateway.dispatch(event, data)

    async def disconnect(self, *, code: int = CLOSE_UNKNOWN_ERROR, drop: bool = False) -> None:
        """Force the gateway connection closed (``drop=True``: TCP abort without close frame)."""
        await self.gateway.disconnect(code=code, drop=drop)

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT; discord.py closes and RESUMEs."""
        await self.gateway.send_op(RECONNECT)

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        await self.gateway.invalidate_session(resumable=resumable)

    async def wait_for_gateway(
        self,
        predicate: Callable[[GatewayFrame], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - test-facing API
        *,
        start: int = 0,
    ) -> GatewayFrame:
        async with asyncio.timeout(timeout):
            return await self.gateway.frames.wait_for(predicate, start=start)

    async def wait_for_resumed(self, timeout: float = 5.0, *, start: int = 0) -> GatewayFrame:  # noqa: ASYNC109
        """Wait until the fake has sent RESUMED (i.e. the bot's RESUME was accepted)."""
        return await self.wait_for_gateway(lambda f: f.direction == "send" and f.t == "RESUMED", timeout, start=start)

    # GatewayHooks
    def ready_payload(self, session: GatewaySession) -> JSON:
        ready: JSON = {
            "v": API_VERSION,
            "user_settings": {},
            "user": self.bot_user,
            "guilds": [{"id": gid, "unavailable": True} for gid in self.guilds],
            "guild_join_requests": [],
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "application": {"id": self.application_id, "flags": 0},
            "auth": {},
            "geo_ordered_rtc_regions": ["fake-local"],
            "_trace": ['["fake-gateway",{"micros":0}]'],
        }
        if session.shard is not None:
            ready["shard"] = session.shard
        return ready

    def startup_events(self) -> list[tuple[str, JSON]]:
        # Lazy-loaded guilds after READY carry unavailable=false (discord.py: "now available").
        return [("GUILD_CREATE", {**copy.deepcopy(g), "unavailable": False}) for g in self.guilds.values()]

    def guild_members(self, guild_id: str) -> list[JSON]:
        guild = self.guilds.get(guild_id)
        return copy.deepcopy(guild["members"]) if guild else []

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

    # -- dispatch helpers --------------------------------------------------------------------

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
    ) -> JSON:
        """Register a guild; returns its GUILD_CREATE payload.

        Before the bot connects the guild is listed as unavailable in READY and sent right after
        it (discord.py ``on_guild_available``); afterwards it is dispatched at once as a join
        (``on_guild_join``).  The ``@everyone`` role (id = guild id) and the bot's own member are
        added automatically; ``channels`` defaults to one text channel ``#general``.  A member
        built with ``member_payload(user, permissions=...)`` keeps those permissions for its
        interactions (see :meth:`set_permissions`); otherwise they follow the roles/owner.
        """
        gid = str(guild_id if guild_id is not None else self.snowflake())
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
        if self.gateway.session is not None:
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
        """
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
                for uid in dict.fromkeys(_USER_MENTION.findall(content))
            ]
        if mention_roles is None:
            mention_roles = list(dict.fromkeys(_ROLE_MENTION.findall(content)))
        mention_list: list[JSON] = []
        for user in mentions:
            u = dict(user)
            if gid is not None:
                m = self._member(gid, str(u["id"]))
                partial = dict(m) if m else p.member_payload(u)
                partial.pop("user", None)
                u["member"] = partial
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
            "mention_channels": [],
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
            msg["referenced_message"] = ref
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

    def _interaction_base(
        self,
        itype: int,
        *,
        guild_id: int | str | None,
        channel_id: int | str | None,
        user: Mapping[str, Any] | None,
        member: Mapping[str, Any] | None,
        permissions: int | str | None,
        locale: str | None,
    ) -> JSON:
        if member is not None and user is None:
            user = member["user"]
        user_d = dict(user or self.default_user)
        self._remember_user(user_d)
        cid = str(channel_id) if channel_id is not None else None
        gid = str(guild_id) if guild_id is not None else (self._guild_of_channel(cid) if cid else None)
        payload: JSON = {
            "id": str(self.snowflake()),
            "application_id": self.application_id,
            "type": itype,
            "token": "itok." + secrets.token_urlsafe(24),
            "version": 1,
            "app_permissions": p.BOT_PERMISSIONS,
            "locale": locale or self.locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if gid is not None:
            guild = self.guilds.get(gid)
            if cid is None:
                if guild is None:
                    raise LookupError(f"guild {gid} is not registered (guild_create) and no channel_id given")
                cid = self.default_channel_id(gid)
            member_d = dict(member) if member is not None else None
            if member_d is None:
                stored = self._member(gid, user_d["id"])
                member_d = copy.deepcopy(stored) if stored else p.member_payload(user_d)
            member_d["user"] = user_d
            # Precedence: explicit argument > the member dict's own > set_permissions() > roles.
            if permissions is None and "permissions" not in member_d:
                permissions = self.permission_overrides.get((gid, user_d["id"]))
            if permissions is not None:
                member_d["permissions"] = p.permissions_value(permissions)
            elif "permissions" not in member_d:
                member_d["permissions"] = p.compute_permissions(guild, member_d) if guild else p.MEMBER_PERMISSIONS
            channel = dict(self.channels.get(cid) or p.text_channel(channel_id=cid, guild_id=gid))
            channel["permissions"] = member_d["permissions"]
            payload.update(
                guild_id=gid,
                guild={
                    "id": gid,
                    "locale": guild["preferred_locale"] if guild else self.locale,
                    "features": [],
                },
                guild_locale=guild["preferred_locale"] if guild else self.locale,
                member=member_d,
                channel=channel,
                channel_id=cid,
                authorizing_integration_owners={"0": gid},
                context=0,
            )
        else:
            if cid is None or cid not in self.channels:
                channel = self._dm_channel_for(user_d)
            else:
                channel = self.channels[cid]
            channel = dict(channel)
            channel["permissions"] = p.MEMBER_PERMISSIONS
            payload.update(
                user=user_d,
                channel=channel,
                channel_id=channel["id"],
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        return payload

    async def _send_interaction(self, payload: JSON) -> InteractionHandle:
        state = InteractionState(
            id=payload["id"],
            token=payload["token"],
            type=payload["type"],
            payload=payload,
            sent_at=time.monotonic(),
        )
        self.interactions[state.token] = state
        await self.dispatch("INTERACTION_CREATE", payload)
        return InteractionHandle(
            fd=self,
            id=state.id,
            token=state.token,
            type=state.type,
            payload=payload,
            sent_at=state.sent_at,
        )

    def find_command(
        self, name: str, guild_id: int | str | None = None, command_type: int = 1
    ) -> tuple[JSON, str | None]:
        """A registered command by name: the guild's first, then global; returns (cmd, scope)."""
        scopes: list[str | None] = [str(guild_id)] if guild_id is not None else []
        scopes.append(None)
        for scope in scopes:
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == command_type:
                    return cmd, scope
        known = {str(scope): [c["name"] for c in cmds] for scope, cmds in self.commands.items()}
        raise LookupError(
            f"command {name!r} (type {command_type}) is not registered for guild {guild_id} or "
            f"globally; registered: {known}. Did the bot sync its command tree?"
        )

    def _option_value(
        self,
        otype: int,
        name: str,
        value: Any,
        resolved: JSON,
        guild_id: str | None,
    ) -> Any:
        if otype == STRING:
            return str(value)
        if otype == INTEGER:
            return int(value)
        if otype == NUMBER:
            return float(value)
        if otype == BOOLEAN:
            return bool(value)
        if otype == ATTACHMENT:
            if not isinstance(value, Mapping) or "filename" not in value:
                raise TypeError(f"option {name!r}: pass fd.attachment(...) for attachments")
            resolved.setdefault("attachments", {})[value["id"]] = dict(value)
            return value["id"]
        if otype in (USER, MENTIONABLE) and (not isinstance(value, Mapping) or "username" in value or "user" in value):
            if isinstance(value, Mapping):
                user = dict(value["user"] if "user" in value else value)
            else:
                user = self.users.get(str(value)) or p.fake_user(value)
            self._remember_user(user)
            resolved.setdefault("users", {})[user["id"]] = user
            if guild_id is not None:
                m = self._member(guild_id, user["id"])
                partial = copy.deepcopy(m) if m else p.member_payload(user)
                partial.pop("user", None)
                guild = self.guilds.get(guild_id)
                partial["permissions"] = (
                    p.compute_permissions(guild, {**partial, "user": user}) if guild else p.MEMBER_PERMISSIONS
                )
                resolved.setdefault("members", {})[user["id"]] = partial
            return user["id"]
        if otype in (ROLE, MENTIONABLE):
            rid = p.as_id(value)
            role = dict(value) if isinstance(value, Mapping) else None
            if role is None and guild_id is not None:
                role = next((r for r in self.guilds[guild_id]["roles"] if r["id"] == rid), None)
            resolved.setdefault("roles", {})[rid] = role or p.role_payload("role", role_id=rid)
            return rid
        if otype == CHANNEL:
            ch = dict(value) if isinstance(value, Mapping) else dict(self.channels[str(value)])
            partial = {k: ch[k] for k in ("id", "name", "type", "parent_id", "thread_metadata") if k in ch}
            partial["permissions"] = p.MEMBER_PERMISSIONS
            resolved.setdefault("channels", {})[ch["id"]] = partial
            return ch["id"]
        raise ValueError(f"unsupported option type {otype} for {name!r}")

    def _build_options(
        self,
        schema: Sequence[Mapping[str, Any]],
        values: Mapping[str, Any],
        resolved: JSON,
        guild_id: str | None,
        *,
        focused: str | None,
    ) -> list[JSON]:
        by_name = {o["name"]: o for o in schema}
        unknown = set(values) - set(by_name)
        if unknown:
            raise ValueError(f"unknown options {sorted(unknown)}; command has {sorted(by_name)}")
        if focused is None:
            missing = [o["name"] for o in schema if o.get("required") and o["name"] not in values]
            if missing:
                raise ValueError(f"missing required options {missing}")
        out: list[JSON] = []
        for name, value in values.items():
            otype = by_name[name]["type"]
            if name == focused:
                # Autocomplete sends the raw text typed so far, whatever the option type.
                out.append({"type": otype, "name": name, "value": str(value), "focused": True})
            else:
                out.append(
                    {
                        "type": otype,
                        "name": name,
                        "value": self._option_value(otype, name, value, resolved, guild_id),
                    }
                )
        return out

    async def _command_interaction(
        self,
        itype: int,
        command: str,
        *,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
        group: str | None,
        subcommand: str | None,
        focused: str | None,
        guild_id: int | str | None,
        channel_id: int | str | None,
        user: Mapping[str, Any] | None,
        member: Mapping[str, Any] | None,
        permissions: int | str | None,
        locale: str | None,
    ) -> InteractionHandle:
        parts = command.split()
        name = parts[0]
        if len(parts) == 3:
            group, subcommand = parts[1], parts[2]
        elif len(parts) == 2:
            subcommand = parts[1]
        payload = self._interaction_base(
            itype,
            guild_id=guild_id,
            channel_id=channel_id,
            user=user,
            member=member,
            permissions=permissions,
            locale=locale,
        )
        gid = payload.get("guild_id")
        cmd, scope = self.find_command(name, gid)
        resolved: JSON = {}
        if options is not None and not isinstance(options, Mapping):
            leaf: list[JSON] = [dict(o) for o in options]  # raw option dicts, used verbatim
        else:
            schema: Sequence[Mapping[str, Any]] = cmd.get("options") or []
            if group is not None:
                schema = _child(schema, group, SUB_COMMAND_GROUP)
            if subcommand is not None:
                schema = _child(schema, subcommand, SUB_COMMAND)
            leaf = self._build_options(schema, options or {}, resolved, gid, focused=focused)
        if subcommand is not None:
            leaf = [{"type": SUB_COMMAND, "name": subcommand, "options": leaf}]
        if group is not None:
            leaf = [{"type": SUB_COMMAND_GROUP, "name": group, "options": leaf}]
        data: JSON = {"id": cmd["id"], "name": name, "type": cmd.get("type", 1)}
        if leaf:
            data["options"] = leaf
        if resolved:
            data["resolved"] = resolved
        if scope is not None:
            data["guild_id"] = scope
        payload["data"] = data
        return await self._send_interaction(payload)

    async def interaction_slash(
        self,
        command: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        group: str | None = None,
        subcommand: str | None = None,
        guild_id: int | str | None = None,
        channel_id: int | str | None = None,
        user: Mapping[str, Any] | None = None,
        member: Mapping[str, Any] | None = None,
        permissions: int | str | None = None,
        locale: str | None = None,
    ) -> InteractionHandle:
        """Dispatch an APPLICATION_COMMAND interaction for a *registered* (synced) command.

        ``command`` may be ``"faq"``, ``"faq add"`` or ``"faq admin add"`` (or use ``group`` /
        ``subcommand``).  ``options`` maps option names to Python values, typed from the synced
        schema; user/role/channel/attachment values (dicts or ids) fill ``data.resolved``.
        With no guild (neither ``guild_id`` nor a guild ``channel_id``) it is a bot-DM
        interaction carrying ``user`` instead of ``member``.  ``permissions`` sets
        ``member.permissions`` (default: computed from the guild's roles / owner).
        """
        return await self._command_interaction(
            APPLICATION_COMMAND,
            command,
            options=options,
            group=group,
            subcommand=subcommand,
            focused=None,
            guild_id=guild_id,
            channel_id=channel_id,
            user=user,
            member=member,
            permissions=permissions,
            locale=locale,
        )

    async def interaction_autocomplete(
        self,
        command: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        group: str | None = None,
        subcommand: str | None = None,
        guild_id: int | str | None = None,
        channel_id: int | str | None = None,
        user: Mapping[str, Any] | None = None,
        member: Mapping[str, Any] | None = None,
        permissions: int | str | None = None,
        locale: str | None = None,
    ) -> InteractionHandle:
        """Dispatch an APPLICATION_COMMAND_AUTOCOMPLETE with option ``focused`` being typed."""
        if focused not in options:
            raise ValueError(f"focused option {focused!r} must be in options")
        return await self._command_interaction(
            APPLICATION_COMMAND_AUTOCOMPLETE,
            command,
            options=options,
            group=group,
            subcommand=subcommand,
            focused=focused,
            guild_id=guild_id,
            channel_id=channel_id,
            user=user,
            member=member,
            permissions=permissions,
            locale=locale,
        )

    @staticmethod
    def _walk_components(components: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
        for comp in components:
            yield comp
            yield from FakeDiscord._walk_components(comp.get("components") or [])
            if "component" in comp:
                yield from FakeDiscord._walk_components([comp["component"]])
            if "accessory" in comp:
                yield from FakeDiscord._walk_components([comp["accessory"]])

    async def interaction_component(
        self,
        custom_id: str,
        component_type: int | None = None,
        message: Mapping[str, Any] | int | str | None = None,
        values: Sequence[str] | None = None,
        *,
        user: Mapping[str, Any] | None = None,
        member: Mapping[str, Any] | None = None,
        permissions: int | str | None = None,
        locale: str | None = None,
    ) -> InteractionHandle:
        """Dispatch a MESSAGE_COMPONENT interaction: a click on ``custom_id`` in ``message``.

        ``message`` is a message dict or id known to the fake (e.g. ``call.response`` of the
        bot's POST, or ``handle.original_message()``).  ``component_type`` defaults to the type
        of the component with that ``custom_id``; ``values`` are select-menu choices.
        """
        if message is None:
            raise TypeError("interaction_component needs the message the component is on (message=...)")
        if isinstance(message, Mapping):
            msg = self.messages.get(str(message["id"]), dict(message))
        else:
            msg = self.messages[str(message)]
        found = next(
            (c for c in self._walk_components(msg.get("components") or []) if c.get("custom_id") == custom_id),
            None,
        )
        if found is None and component_type is None:
            raise LookupError(f"message {msg['id']} has no component with custom_id {custom_id!r}")
        ctype = component_type if component_type is not None else found["type"]  # type: ignore[index]
        cid = msg["channel_id"]
        payload = self._interaction_base(
            MESSAGE_COMPONENT,
            guild_id=self._guild_of_channel(cid),
            channel_id=cid,
            user=user,
            member=member,
            permissions=permissions,
            locale=locale,
        )
        data: JSON = {"custom_id": custom_id, "component_type": ctype}
        if ctype != 2:
            data["values"] = list(values or [])
        payload["data"] = data
        payload["message"] = copy.deepcopy(msg)
        return await self._send_interaction(payload)

    def _submitted(self, comp: Mapping[str, Any], values: Mapping[str, Any], used: set[str]) -> JSON | None:
        ctype = comp["type"]
        if ctype == 1:
            children = [self._submitted(c, values, used) for c in comp.get("components", [])]
            return {"type": 1, "id": comp.get("id", 0), "components": [c for c in children if c is not None]}
        if ctype == 18:
            inner = self._submitted(comp["component"], values, used)
            return None if inner is None else {"type": 18, "id": comp.get("id", 0), "component": inner}
        if ctype == 10:
            return {"type": 10, "id": comp.get("id", 0)}
        custom_id = comp.get("custom_id")
        if custom_id is None:
            return None
        used.add(custom_id)
        out: JSON = {"type": ctype, "id": comp.get("id", 0), "custom_id": custom_id}
        value = values.get(custom_id, comp.get("value", "") if ctype == 4 else [])
        if ctype == 4:
            out["value"] = str(value)
        elif ctype == 23:
            out["value"] = bool(value)
        else:
            out["values"] = list(value) if not isinstance(value, str) else [value]
        return out

    async def interaction_modal_submit(
        self,
        custom_id: str,
        values: Mapping[str, Any],
        *,
        source: InteractionHandle | None = None,
        user: Mapping[str, Any] | None = None,
        member: Mapping[str, Any] | None = None,
        permissions: int | str | None = None,
        locale: str | None = None,
    ) -> InteractionHandle:
        """Dispatch a MODAL_SUBMIT for the modal the bot opened with ``custom_id``.

        ``values`` maps text-input custom_ids to text (select custom_ids to lists).  The layout
        (action rows or labels) mirrors the modal from the bot's type-9 callback, and the user,
        guild and channel default to those of the interaction that opened it (or ``source``).
        """
        opened = [s for s in self.interactions.values() if s.modal and s.modal.get("custom_id") == custom_id]
        if source is not None:
            origin = source.state
        elif opened:
            origin = opened[-1]
        else:
            raise LookupError(f"the bot never opened a modal with custom_id {custom_id!r}")
        modal = origin.modal or {"custom_id": custom_id, "components": []}
        src = origin.payload
        used: set[str] = set()
        components = [
            c for c in (self._submitted(c, values, used) for c in modal.get("components", [])) if c is not None
        ]
        unknown = set(values) - used
        if unknown:
            raise ValueError(f"modal {custom_id!r} has no inputs {sorted(unknown)}")
        src_user = (src.get("member") or {}).get("user") or src.get("user")
        payload = self._interaction_base(
            MODAL_SUBMIT,
            guild_id=src.get("guild_id"),
            channel_id=src.get("channel_id"),
            user=user or (None if member else src_user),
            member=member,
            permissions=permissions if permissions is not None else (src.get("member") or {}).get("permissions"),
            locale=locale,
        )
        payload["data"] = {"custom_id": custom_id, "components": components}
        if "message" in src:
            payload["message"] = copy.deepcopy(self.messages.get(src["message"]["id"], src["message"]))
        return await self._send_interaction(payload)

    # -- REST plumbing -----------------------------------------------------------------------

    def _add(self, method: str, template: str, handler: Handler, *, auth: bool = True) -> None:
        regex = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
        self._routes.append(_Route(method, template, re.compile(regex), handler, auth))

    async def _parse_body(self, request: web.Request) -> tuple[Any, tuple[UploadedFile, ...]]:
        if not request.body_exists:
            return None, ()
        ctype = request.content_type
        if ctype.startswith("multipart/"):
            reader = await request.multipart()
            body: Any = None
            files: list[UploadedFile] = []
            while True:
                part = await reader.next()
                if part is None:
                    break
                name = part.name or ""  # type: ignore[union-attr]
                data = await part.read()  # type: ignore[union-attr]
                if name == "payload_json":
                    body = json.loads(data.decode())
                elif part.filename is not None:  # type: ignore[union-attr]
                    files.append(
                        UploadedFile(
                            field=name,
                            filename=part.filename,  # type: ignore[union-attr]
                            content_type=part.headers.get("Content-Type"),  # type: ignore[union-attr]
                            data=bytes(data),
                        )
                    )
            return body, tuple(files)
        raw = await request.read()
        if not raw:
            return None, ()
        if ctype == "application/json":
            return json.loads(raw), ()
        return raw.decode(errors="replace"), ()

    async def _handle_rest(self, request: web.Request) -> web.StreamResponse:
        received = time.monotonic()
        path = "/" + request.match_info["tail"]
        body, files = await self._parse_body(request)
        route: _Route | None = None
        params: dict[str, str] = {}
        for candidate in self._routes:
            if candidate.method != request.method:
                continue
            m = candidate.pattern.match(path)
            if m:
                route, params = candidate, m.groupdict()
                break
        req = _Request(
            method=request.method,
            path=path,
            params=params,
            query=dict(request.query),
            json=body,
            files=files,
            headers=dict(request.headers),
        )
        status, response = await self._respond(route, req)
        headers = {
            # Plausible bucket headers so discord.py's rate-limit bookkeeping runs as in prod.
            "X-RateLimit-Limit": "50",
            "X-RateLimit-Remaining": "49",
            "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
            "X-RateLimit-Reset-After": "1.000",
            "X-RateLimit-Bucket": f"fake-{route.template if route else 'none'}".replace("/", ":"),
            "Via": "1.1 fakediscord",
        }
        if status == 429:
            headers["X-RateLimit-Remaining"] = "0"
            headers["Retry-After"] = str(response["retry_after"])
            headers["X-RateLimit-Scope"] = "user"
        if response is None:
            resp = web.Response(status=status, headers=headers)
        else:
            # discord.py's json_or_text() only parses a bare "application/json" (no charset suffix).
            headers["Content-Type"] = "application/json"
            resp = web.Response(status=status, body=json.dumps(response, ensure_ascii=False).encode(), headers=headers)
        # Record only once the answer is on the wire, so a waiting test never races the bot
        # for a response it has not been sent yet.
        await resp.prepare(request)
        await resp.write_eof()
        self._calls.append(
            RecordedCall(
                method=request.method,
                path=path,
                route=route.template if route else None,
                params=params,
                query=dict(request.query),
                json=body,
                files=files,
                headers=dict(request.headers),
                received_at=received,
                status=status,
                response=response,
                responded_at=time.monotonic(),
            )
        )
        return resp

    async def _respond(self, route: _Route | None, req: _Request) -> Reply:
        for i, (method, needle, status, retry_after) in enumerate(self._injected):
            if (method is None or method == req.method) and needle in req.path:
                del self._injected[i]
                if status == 429:
                    return 429, {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
                return _error(status, 0, f"{status}: injected error")
        if route is None:
            log.warning("FakeDiscord: unimplemented route %s %s", req.method, req.path)
            return _error(404, 0, "404: Not Found")
        if route.auth and self.expected_token is not None:
            if req.headers.get("Authorization") != f"Bot {self.expected_token}":
                return _error(401, 0, "401: Unauthorized")
        try:
            return await route.handler(req)
        except Exception:
            log.exception("FakeDiscord: handler for %s %s failed", req.method, req.path)
            return _error(500, 0, "500: fakediscord handler crashed")

    async def _handle_cdn(self, request: web.Request) -> web.StreamResponse:
        received = time.monotonic()
        path = "/" + request.match_info["tail"]
        hit = self.cdn.get(path)
        if hit is None:
            resp = web.Response(status=404, text="not found")
        else:
            resp = web.Response(body=hit[0], content_type=hit[1])
        await resp.prepare(request)
        await resp.write_eof()
        self._calls.append(
            RecordedCall(
                method="GET",
                path="/cdn" + path,
                route="/cdn/{path}" if hit else None,
                params={"path": path},
                query=dict(request.query),
                json=None,
                files=(),
                headers=dict(request.headers),
                received_at=received,
                status=resp.status,
                response=None,
                responded_at=time.monotonic(),
            )
        )
        return resp

    def _register_routes(self) -> None:
        add = self._add
        add("GET", "/gateway", self._get_gateway, auth=False)
        add("GET", "/gateway/bot", self._get_gateway_bot)
        add("GET", "/users/@me", self._get_me)
        add("POST", "/users/@me/channels", self._create_dm)
        add("GET", "/users/{user_id}", self._get_user)
        add("GET", "/oauth2/applications/@me", self._get_application)
        add("GET", "/applications/@me", self._get_application)
        for prefix in ("/applications/{application_id}", "/applications/{application_id}/guilds/{guild_id}"):
            add("GET", prefix + "/commands", self._list_commands)
            add("PUT", prefix + "/commands", self._bulk_overwrite_commands)
            add("POST", prefix + "/commands", self._upsert_command)
            add("GET", prefix + "/commands/{command_id}", self._get_command)
            add("PATCH", prefix + "/commands/{command_id}", self._edit_command)
            add("DELETE", prefix + "/commands/{command_id}", self._delete_command)
        add("GET", "/channels/{channel_id}", self._get_channel)
        add("GET", "/channels/{channel_id}/messages", self._list_messages)
        add("POST", "/channels/{channel_id}/messages", self._create_message)
        add("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message)
        add("PATCH", "/channels/{channel_id}/messages/{message_id}", self._edit_message)
        add("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_message)
        add("POST", "/channels/{channel_id}/typing", self._no_content)
        reaction = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}"
        add("PUT", reaction + "/@me", self._add_reaction)
        add("DELETE", reaction + "/@me", self._no_content)
        add("DELETE", reaction + "/{user_id}", self._no_content)
        add("POST", "/channels/{channel_id}/messages/{message_id}/threads", self._create_thread)
        add("POST", "/channels/{channel_id}/threads", self._create_thread)
        add("GET", "/guilds/{guild_id}", self._get_guild)
        add("GET", "/guilds/{guild_id}/channels", self._get_guild_channels)
        add("GET", "/guilds/{guild_id}/roles", self._get_guild_roles)
        add("GET", "/guilds/{guild_id}/members", self._list_members)
        add("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member)
        add(
            "POST",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            self._interaction_callback,
            auth=False,
        )
        hook = "/webhooks/{application_id}/{interaction_token}"
        add("POST", hook, self._create_followup, auth=False)
        add("GET", hook + "/messages/@original", self._get_original, auth=False)
        add("PATCH", hook + "/messages/@original", self._edit_original, auth=False)
        add("DELETE", hook + "/messages/@original", self._delete_original, auth=False)
        add("GET", hook + "/messages/{message_id}", self._get_webhook_message, auth=False)
        add("PATCH", hook + "/messages/{message_id}", self._edit_webhook_message, auth=False)
        add("DELETE", hook + "/messages/{message_id}", self._delete_webhook_message, auth=False)

    # -- REST handlers: identity -------------------------------------------------------------

    async def _no_content(self, req: _Request) -> Reply:
        return 204, None

    async def _get_gateway(self, req: _Request) -> Reply:
        return 200, {"url": self.gateway_url}

    async def _get_gateway_bot(self, req: _Request) -> Reply:
        return 200, {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 86_400_000,
                "max_concurrency": 1,
            },
        }

    async def _get_me(self, req: _Request) -> Reply:
        return 200, self.bot_user

    async def _get_user(self, req: _Request) -> Reply:
        user = self.users.get(req.params["user_id"])
        return (200, user) if user else _error(404, 10013, "Unknown User")

    async def _create_dm(self, req: _Request) -> Reply:
        rid = str((req.json or {}).get("recipient_id"))
        user = self.users.get(rid) or p.fake_user(rid)
        return 200, self._dm_channel_for(user)

    async def _get_application(self, req: _Request) -> Reply:
        return 200, {
            "id": self.application_id,
            "name": self.bot_user["username"],
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "owner": self.owner,
            "team": None,
            "verify_key": "0" * 64,
            "flags": 0,
            "hook": True,
            "is_monetized": False,
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "tags": [],
            "integration_types_config": {"0": {}},
            "approximate_guild_count": len(self.guilds),
            "bot": self.bot_user,
        }

    # -- REST handlers: application commands -------------------------------------------------

    def _scope(self, req: _Request) -> str | Reply | None:
        if req.params["application_id"] != self.application_id:
            return _error(403, 20012, "You are not authorized to perform this action on this application")
        return req.params.get("guild_id")

    def _normalise_command(self, body: Mapping[str, Any], scope: str | None, old: JSON | None) -> JSON:
        cmd: JSON = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            "name_localizations": None,
            "description_localizations": None,
            "contexts": None,
            "integration_types": [0],
            **copy.deepcopy(dict(body)),
        }
        cmd["id"] = old["id"] if old else str(self.snowflake())
        cmd["application_id"] = self.application_id
        cmd["version"] = str(self.snowflake())
        if scope is not None:
            cmd["guild_id"] = scope
        else:
            cmd.setdefault("dm_permission", True)
        return cmd

    async def _list_commands(self, req: _Request) -> Reply:
        scope = self._scope(req)
        if isinstance(scope, tuple):
            return scope
        return 200, self.commands.get(scope, [])

    async def _bulk_overwrite_commands(self, req: _Request) -> Reply:
        scope = self._scope(req)
        if isinstance(scope, tuple):
            return scope
        old = {(c["name"], c.get("type", 1)): c for c in self.commands.get(scope, [])}
        new = [
            self._normalise_command(body, scope, old.get((body["name"], body.get("type", 1))))
            for body in (req.json or [])
        ]
        self.commands[scope] = new
        return 200, new

    async def _upsert_command(self, req: _Request) -> Reply:
        scope = self._scope(req)
        if isinstance(scope, tuple):
            return scope
        cmds = self.commands.setdefault(scope, [])
        key = (req.json["name"], req.json.get("type", 1))
        old = next((c for c in cmds if (c["name"], c.get("type", 1)) == key), None)
        cmd = self._normalise_command(req.json, scope, old)
        if old is not None:
            cmds[cmds.index(old)] = cmd
            return 200, cmd
        cmds.append(cmd)
        return 201, cmd

    def _command_by_id(self, req: _Request) -> tuple[list[JSON], JSON] | Reply:
        scope = self._scope(req)
        if isinstance(scope, tuple):
            return scope
        cmds = self.commands.get(scope, [])
        cmd = next((c for c in cmds if c["id"] == req.params["command_id"]), None)
        if cmd is None:
            return _error(404, 10063, "Unknown application command")
        return cmds, cmd

    async def _get_command(self, req: _Request) -> Reply:
        found = self._command_by_id(req)
        return found if isinstance(found[0], int) else (200, found[1])  # type: ignore[return-value]

    async def _edit_command(self, req: _Request) -> Reply:
        found = self._command_by_id(req)
        if isinstance(found[0], int):
            return found  # type: ignore[return-value]
        cmds, cmd = found  # type: ignore[misc]
        updated = {**cmd, **(req.json or {}), "version": str(self.snowflake())}
        cmds[cmds.index(cmd)] = updated
        return 200, updated

    async def _delete_command(self, req: _Request) -> Reply:
        found = self._command_by_id(req)
        if isinstance(found[0], int):
            return found  # type: ignore[return-value]
        cmds, cmd = found  # type: ignore[misc]
        cmds.remove(cmd)
        return 204, None

    # -- REST handlers: channels and messages ------------------------------------------------

    def _assign_component_ids(self, components: list[JSON]) -> list[JSON]:
        for comp in self._walk_components(components):
            if isinstance(comp, dict) and not comp.get("id"):
                comp["id"] = next(self._component_ids)
        return components

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
        ids = list(dict.fromkeys(_USER_MENTION.findall(content)))
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
            "mention_channels": [],
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
                raise _ReplyError(
                    _form_error("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
                )
            msg["referenced_message"] = referenced
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
        for key in ("content", "embeds", "flags"):
            if key in body and body[key] is not None:
                msg[key] = copy.deepcopy(body[key])
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
                member = self._member(gid, self.bot_user["id"]) or p.member_payload(self.bot_user)
                data["member"] = {k: v for k, v in member.items() if k != "user"}
        if gid is not None:
            data["guild_id"] = gid
        await self.dispatch(event, data)

    async def _get_channel(self, req: _Request) -> Reply:
        channel = self.channels.get(req.params["channel_id"])
        return (200, channel) if channel else _error(404, 10003, "Unknown Channel")

    async def _list_messages(self, req: _Request) -> Reply:
        cid = req.params["channel_id"]
        if cid not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        limit = int(req.query.get("limit", 50))
        msgs = sorted(
            (m for m in self.messages.values() if m["channel_id"] == cid),
            key=lambda m: int(m["id"]),
            reverse=True,
        )
        return 200, msgs[:limit]

    async def _create_message(self, req: _Request) -> Reply:
        cid = req.params["channel_id"]
        if cid not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        body = req.json or {}
        problem = validate_message_payload(body, files=len(req.files))
        if problem:
            return problem
        try:
            msg = self._new_message(cid, body, req.files)
        except _ReplyError as exc:
            return exc.reply
        await self._echo("MESSAGE_CREATE", msg)
        return 200, msg

    def _channel_message(self, req: _Request) -> JSON | Reply:
        msg = self.messages.get(req.params["message_id"])
        if msg is None or msg["channel_id"] != req.params["channel_id"]:
            return _error(404, 10008, "Unknown Message")
        return msg

    async def _get_message(self, req: _Request) -> Reply:
        msg = self._channel_message(req)
        return msg if isinstance(msg, tuple) else (200, msg)

    async def _edit_message(self, req: _Request) -> Reply:
        msg = self._channel_message(req)
        if isinstance(msg, tuple):
            return msg
        if msg["author"]["id"] != self.bot_user["id"]:
            return _error(403, 50005, "Cannot edit a message authored by another user")
        body = req.json or {}
        if "content" in body and body["content"] and len(body["content"]) > 2000:
            return _form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        msg = self._apply_edit(msg, body, req.files)
        await self._echo("MESSAGE_UPDATE", msg)
        return 200, msg

    async def _delete_message(self, req: _Request) -> Reply:
        msg = self._channel_message(req)
        if isinstance(msg, tuple):
            return msg
        del self.messages[msg["id"]]
        await self._echo("MESSAGE_DELETE", msg)
        return 204, None

    async def _add_reaction(self, req: _Request) -> Reply:
        msg = self._channel_message(req)
        if isinstance(msg, tuple):
            return msg
        self.reactions.append((req.params["channel_id"], msg["id"], req.params["emoji"]))
        return 204, None

    async def _create_thread(self, req: _Request) -> Reply:
        parent = self.channels.get(req.params["channel_id"])
        if parent is None:
            return _error(404, 10003, "Unknown Channel")
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

    # -- REST handlers: guilds ---------------------------------------------------------------

    _GUILD_CREATE_ONLY = (
        "joined_at",
        "large",
        "member_count",
        "voice_states",
        "members",
        "channels",
        "threads",
        "presences",
        "stage_instances",
        "guild_scheduled_events",
        "soundboard_sounds",
        "embedded_activities",
        "lazy",
        "unavailable",
    )

    def _guild(self, req: _Request) -> JSON | Reply:
        guild = self.guilds.get(req.params["guild_id"])
        return guild if guild is not None else _error(404, 10004, "Unknown Guild")

    async def _get_guild(self, req: _Request) -> Reply:
        guild = self._guild(req)
        if isinstance(guild, tuple):
            return guild
        return 200, {k: v for k, v in guild.items() if k not in self._GUILD_CREATE_ONLY}

    async def _get_guild_channels(self, req: _Request) -> Reply:
        guild = self._guild(req)
        return guild if isinstance(guild, tuple) else (200, guild["channels"])

    async def _get_guild_roles(self, req: _Request) -> Reply:
        guild = self._guild(req)
        return guild if isinstance(guild, tuple) else (200, guild["roles"])

    async def _list_members(self, req: _Request) -> Reply:
        guild = self._guild(req)
        if isinstance(guild, tuple):
            return guild
        limit = int(req.query.get("limit", 1))
        return 200, guild["members"][:limit]

    async def _get_member(self, req: _Request) -> Reply:
        guild = self._guild(req)
        if isinstance(guild, tuple):
            return guild
        member = self._member(guild["id"], req.params["user_id"])
        return (200, member) if member else _error(404, 10007, "Unknown Member")

    # -- REST handlers: interactions ---------------------------------------------------------

    def _interaction(self, req: _Request) -> InteractionState | Reply:
        state = self.interactions.get(req.params["interaction_token"])
        if "interaction_id" in req.params:
            if state is None or state.id != req.params["interaction_id"]:
                return _error(404, 10062, "Unknown interaction")
        elif state is None or req.params["application_id"] != self.application_id:
            return _error(404, 10015, "Unknown Webhook")
        return state

    def _callback_body(self, state: InteractionState, ctype: int, message: JSON | None) -> JSON:
        interaction: JSON = {"id": state.id, "type": state.type}
        if message is not None:
            interaction["response_message_id"] = message["id"]
            interaction["response_message_loading"] = bool(message["flags"] & LOADING)
            interaction["response_message_ephemeral"] = bool(message["flags"] & EPHEMERAL)
        out: JSON = {"interaction": interaction}
        if ctype in (CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, UPDATE_MESSAGE):
            out["resource"] = {"type": ctype, "message": message}
        return out

    async def _interaction_callback(self, req: _Request) -> Reply:
        state = self._interaction(req)
        if isinstance(state, tuple):
            return state
        if state.callback_type is not None:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        body = req.json or {}
        ctype = body.get("type")
        if ctype not in _ALLOWED_CALLBACKS.get(state.type, set()):
            return _form_error(
                "type", "BASE_TYPE_CHOICES", f"Value must be one of {sorted(_ALLOWED_CALLBACKS[state.type])}."
            )
        data = body.get("data") or {}
        channel_id = state.payload["channel_id"]
        message: JSON | None = None
        src_message = state.payload.get("message")
        if ctype == CHANNEL_MESSAGE_WITH_SOURCE:
            problem = validate_message_payload(data, files=len(req.files))
            if problem:
                return problem
            mtype = 20 if state.type == APPLICATION_COMMAND else 0
            message = self._new_message(channel_id, data, req.files, message_type=mtype, interaction=state)
            state.original_id = message["id"]
        elif ctype == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
            mtype = 20 if state.type == APPLICATION_COMMAND else 0
            flags = LOADING | ((data.get("flags") or 0) & EPHEMERAL)
            message = self._new_message(
                channel_id, {"content": ""}, (), message_type=mtype, interaction=state, flags=flags
            )
            state.original_id = message["id"]
            state.original_loading = True
        elif ctype in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE):
            if src_message is None:
                return _error(400, 40061, "Interaction has no message to update")
            target = self.messages.setdefault(src_message["id"], copy.deepcopy(src_message))
            state.original_id = target["id"]
            if ctype == UPDATE_MESSAGE:
                message = self._apply_edit(target, data, req.files)
        elif ctype == APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
            choices = data.get("choices") or []
            if len(choices) > 25:
                return _form_error("data.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            state.choices = choices
        elif ctype == MODAL:
            if not data.get("custom_id") or not data.get("title") or not data.get("components"):
                return _form_error("data", "BASE_TYPE_REQUIRED", "custom_id, title and components are required")
            state.modal = copy.deepcopy(data)
            self._assign_component_ids(state.modal["components"])
        state.callback_type = ctype
        if message is not None:
            await self._echo("MESSAGE_UPDATE" if ctype == UPDATE_MESSAGE else "MESSAGE_CREATE", message)
        if req.query.get("with_response") in ("1", "true", "True"):
            return 200, self._callback_body(state, ctype, message)
        return 204, None

    def _original(self, state: InteractionState) -> JSON | Reply:
        if state.original_id is None or state.original_id not in self.messages:
            return _error(404, 10008, "Unknown Message")
        return self.messages[state.original_id]

    async def _get_original(self, req: _Request) -> Reply:
        state = self._interaction(req)
        if isinstance(state, tuple):
            return state
        msg = self._original(state)
        return msg if isinstance(msg, tuple) else (200, msg)

    async def _edit_original(self, req: _Request) -> Reply:
        state = self._interaction(req)
        if isinstance(state, tuple):
            return state
        msg = self._original(state)
        if isinstance(msg, tuple):
            return msg
        body = dict(req.json or {})
        body.pop("flags", None)  # ephemerality is fixed by the initial response
        if body.get("content") and len(body["content"]) > 2000:
            return _form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        if state.original_loading:
            msg["flags"] &= ~LOADING
            state.original_loading = False
        msg = self._apply_edit(msg, body, req.files)
        await self._echo("MESSAGE_UPDATE", msg)
        return 200, msg

    async def _delete_original(self, req: _Request) -> Reply:
        state = self._interaction(req)
        if isinstance(state, tuple):
            return state
        msg = self._original(state)
        if isinstance(msg, tuple):
            return msg
        del self.messages[msg["id"]]
        await self._echo("MESSAGE_DELETE", msg)
        return 204, None

    async def _create_followup(self, req: _Request) -> Reply:
        state = self._interaction(req)
        if isinstance(state, tuple):
            return state
        if state.callback_type is None:
            return _error(404, 10015, "Unknown Webhook")
        body = req.json or {}
        problem = validate_message_payload(body, files=len(req.files))
        if problem:
            return problem
        wait = req.query.get("wait") in ("1", "true", "True")
        if state.original_loading and state.original_id in self.messages:
            # Discord: the first followup after a thinking defer edits the loading message and
            # keeps the defer's ephemerality.
            msg = self.messages[state.original_id]
            msg["flags"] &= ~LOADING
            state.original_loading = False
            edit = {k: v for k, v in body.items() if k != "flags"}
            msg = self._apply_edit(msg, edit, req.files)
            msg["edited_timestamp"] = None
            await self._echo("MESSAGE_UPDATE", msg)
        else:
            flags = (body.get("flags") or 0) & EPHEMERAL
            try:
                msg = self._new_message(state.payload["channel_id"], body, req.files, interaction=state, flags=flags)
            except _ReplyError as exc:
                return exc.reply
            await self._echo("MESSAGE_CREATE", msg)
        state.followup_ids.append(msg["id"])
        return (200, msg) if wait else (204, None)

    def _webhook_message(self, state: InteractionState, message_id: str) -> JSON | Reply:
        if message_id != state.original_id and message_id not in state.followup_ids:
            return _error(404, 10008, "Unknown Message")
        msg = self.messages.get(message_id)
        return msg if msg is not None else _error(404, 10008, "Unknown Message")

    async def _get_webhook_message(self, req: _Request) -> Reply:
        state = self._interaction(req)
        if isinstance(state, tuple):
            return state
        msg = self._webhook_message(state, req.params["message_id"])
        return msg if isinstance(msg, tuple) else (200, msg)

    async def _edit_webhook_message(self, req: _Request) -> Reply:
        state = self._interaction(req)
        if isinstance(state, tuple):
            return state
        msg = self._webhook_message(state, req.params["message_id"])
        if isinstance(msg, tuple):
            return msg
        body = dict(req.json or {})
        body.pop("flags", None)
        msg = self._apply_edit(msg, body, req.files)
        await self._echo("MESSAGE_UPDATE", msg)
        return 200, msg

    async def _delete_webhook_message(self, req: _Request) -> Reply:
        state = self._interaction(req)
        if isinstance(state, tuple):
            return state
        msg = self._webhook_message(state, req.params["message_id"])
        if isinstance(msg, tuple):
            return msg
        del self.messages[msg["id"]]
        await self._echo("MESSAGE_DELETE", msg)
        return 204, None


class _ReplyError(Exception):
    """Raised inside message building to short-circuit with an API error reply."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply[1])
        self.reply = reply
