"""``FakeSlack``: a local Slack (Web API, response URLs, Socket Mode, signed HTTP delivery) for
driving the real, unmodified slack-bolt ``AsyncApp``.

Routes: ``POST|GET /api/{method}`` (the Web API; point ``AsyncWebClient(base_url=fs.api_url)``
at it), ``POST /respond/{id}`` (response URLs), ``GET /link/`` (the Socket Mode websocket),
``POST /upload/{file_id}`` (``files.getUploadURLExternal`` upload URLs) and
``GET /files-pri/...`` (``url_private`` downloads, bot token required).

Every call is checked before it runs, in Slack's order: token (``not_authed``,
``invalid_auth``, ``not_allowed_token_type``), an injected failure (:meth:`fail_next`), the
Web API spec's required/typed arguments (``invalid_arguments``), the token's scopes
(``missing_scope``), then the method's own rules (Block Kit limits as ``invalid_blocks``,
trigger windows, unknown channels/users/views). Every call is recorded (:class:`RecordedCall`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from .blocks import message_problems, pings
from .delivery import DeliveryMixin
from .records import CallLog, RecordedCall
from .socket_mode import SocketModeServer
from .spec import rule
from .state import (
    APP_ID,
    APP_TOKEN,
    BOT_TOKEN,
    RESPONSE_URL_TTL_S,
    RESPONSE_URL_USES,
    SIGNING_SECRET,
    Channel,
    Clock,
    Ids,
    Posted,
    ResponseUrl,
    SlackFile,
    Team,
    Trigger,
    User,
    View,
)
from .web_api import SlackError, WebApiMixin

log = logging.getLogger(__name__)

# Scopes of the app the manifest in docs/slack-setup.md creates (tests check the two agree).
DEFAULT_SCOPES = frozenset(
    {
        "app_mentions:read",
        "channels:history",
        "groups:history",
        "im:history",
        "chat:write",
        "commands",
        "users:read",
        "usergroups:read",
        "files:read",
        "files:write",
    }
)
_JSON_ARGS = {"blocks", "attachments", "view", "files"}


class FakeSlack(DeliveryMixin, WebApiMixin):
    """One Slack app installed in ``teams`` (``("T1", "club")`` pairs; with ``enterprise_id`` an
    org-wide Enterprise Grid install serving them all with one bot token).

    ``mode``: ``"socket"`` delivers over the Socket Mode websocket; ``"http"`` POSTs signed
    requests to ``http_url`` (set it once the app listens). ``scopes``: the bot token's scopes.
    ``echo_bot_messages``: the bot's own posts come back as ``message`` events, as on Slack.
    """

    def __init__(
        self,
        *,
        teams: tuple[tuple[str, str], ...] = (("T0000000001", "likelion"),),
        enterprise_id: str | None = None,
        mode: str = "socket",
        scopes: frozenset[str] = DEFAULT_SCOPES,
        echo_bot_messages: bool = True,
        host: str = "127.0.0.1",
    ) -> None:
        self.host = host
        self.port = 0
        self.mode = mode
        self.http_url: str | None = None
        self.scopes = scopes
        self.echo_bot_messages = echo_bot_messages
        self.ids = Ids()
        self.clock = Clock()
        self.app_id = APP_ID
        self.bot_token = BOT_TOKEN
        self.app_token = APP_TOKEN
        self.signing_secret = SIGNING_SECRET
        self.bot_name = "faqbot"
        self.bot_user_id = self.ids.new("U")
        self.bot_id = self.ids.new("B")
        self.org_install = enterprise_id is not None
        self.teams = [Team(tid, name, enterprise_id, self.bot_user_id, self.bot_id) for tid, name in teams]
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.usergroups: dict[str, set[str]] = {}
        self.messages: list[Posted] = []
        self.views: dict[str, View] = {}
        self.home_views: dict[str, View] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.files: dict[str, SlackFile] = {}
        self.pinged: list[str] = []
        self.log = CallLog()
        self.socket = SocketModeServer(self.clock, self.app_id)
        self._failures: list[dict[str, Any]] = []
        self._runner: web.AppRunner | None = None
        self._echoes: set[asyncio.Task[None]] = set()
        self.http_deliveries: list[Any] = []
        for team in self.teams:
            self.add_channel(team.id, "general")

    # ---- lifecycle ------------------------------------------------------------------------------

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/respond/{id}", self._handle_response_url)
        app.router.add_get("/link/", self.socket.handle)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        app.router.add_get("/files-pri/{tail:.*}", self._handle_download)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for task in list(self._echoes):
            task.cancel()
        await self.socket.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def api_url(self) -> str:
        """``base_url`` for ``AsyncWebClient`` (the trailing slash matters)."""
        return f"{self.base_url}api/"

    # ---- workspace set-up -----------------------------------------------------------------------

    def team(self, team_id: str | None = None) -> Team:
        return next(t for t in self.teams if team_id in (None, t.id))

    def add_user(self, team_id: str, name: str, *, admin: bool = False, owner: bool = False, bot: bool = False) -> User:
        user = User(self.ids.new("U"), team_id, name, is_admin=admin, is_owner=owner, is_bot=bot)
        self.users[user.id] = user
        for channel in self.channels.values():
            if channel.team_id == team_id and channel.kind == "channel":
                channel.members.add(user.id)
        return user

    def add_channel(self, team_id: str, name: str, *, private: bool = False, bot_member: bool = True) -> Channel:
        prefix = "G" if private else "C"
        channel = Channel(self.ids.new(prefix), team_id, name, "group" if private else "channel")
        if bot_member:
            channel.members.add(self.bot_user_id)
        channel.members |= {u.id for u in self.users.values() if u.team_id == team_id and not private}
        self.channels[channel.id] = channel
        return channel

    def default_channel(self, team_id: str | None = None) -> Channel:
        tid = self.team(team_id).id
        return next(c for c in self.channels.values() if c.team_id == tid and c.kind == "channel")

    def im(self, user: User) -> Channel:
        """The DM between ``user`` and the bot."""
        for channel in self.channels.values():
            if channel.kind == "im" and user.id in channel.members:
                return channel
        channel = Channel(self.ids.new("D"), user.team_id, user.name, "im", {user.id, self.bot_user_id})
        self.channels[channel.id] = channel
        return channel

    def add_usergroup(self, team_id: str, members: list[User]) -> str:
        group = self.ids.new("S")
        self.usergroups[group] = {u.id for u in members}
        return group

    def add_file(self, user: User, name: str, content: bytes, channel: Channel | None = None) -> SlackFile:
        f = SlackFile(self.ids.new("F"), user.team_id, name, content, user.id, channel.id if channel else None)
        f.complete = True
        self.files[f.id] = f
        return f

    # ---- failures on demand ---------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        error: str = "internal_error",
        *,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` calls of ``method`` fail: ``ok: false`` with ``error``; ``status=429`` with
        ``retry_after`` is Slack's rate limit (``error: ratelimited``, ``Retry-After`` header)."""
        self._failures.append(
            {"method": method, "error": error, "status": status, "retry_after": retry_after, "times": times}
        )

    def rate_limit_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        self.fail_next(method, "ratelimited", status=429, retry_after=retry_after, times=times)

    def _injected(self, method: str) -> dict[str, Any] | None:
        for failure in self._failures:
            if failure["method"] == method and failure["times"] > 0:
                failure["times"] -= 1
                return failure
        return None

    # ---- the Web API ----------------------------------------------------------------------------

    async def _read_args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        body = await request.read()
        if body:
            if request.content_type == "application/json":
                try:
                    loaded = json.loads(body)
                except ValueError:
                    loaded = None
                if not isinstance(loaded, dict):
                    raise SlackError("invalid_json")
                args.update(loaded)
            else:
                args.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        for key in _JSON_ARGS & args.keys():
            if isinstance(args[key], str):
                try:
                    args[key] = json.loads(args[key])
                except ValueError:
                    raise SlackError(
                        "invalid_arguments", response_metadata={"messages": [f"[ERROR] {key} is not JSON"]}
                    ) from None
        return args

    def _check_token(self, method: str, token: str | None) -> None:
        r = rule(method)
        if not token:
            raise SlackError("not_authed")
        if token not in (self.bot_token, self.app_token):
            raise SlackError("invalid_auth")
        wanted = r.token if r else "bot"
        if (wanted == "app") != (token == self.app_token):
            raise SlackError("not_allowed_token_type")

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        status, headers = 200, {}
        token: str | None = None
        args: dict[str, Any] = {}
        try:
            auth = request.headers.get("Authorization", "")
            token = auth.removeprefix("Bearer ").strip() or None
            args = await self._read_args(request)
            token = token or args.pop("token", None)
            args.pop("token", None)
            handler = self._handlers().get(method)
            if handler is None:
                raise SlackError("unknown_method")
            self._check_token(method, token)
            failure = self._injected(method)
            if failure is not None:
                status = failure["status"]
                if failure["retry_after"] is not None:
                    headers["Retry-After"] = str(failure["retry_after"])
                raise SlackError(failure["error"])
            from .spec import param_problems

            problems = param_problems(method, args)
            if problems:
                raise SlackError(
                    "invalid_arguments", response_metadata={"messages": [f"[ERROR] {p}" for p in problems]}
                )
            r = rule(method)
            if r is not None and r.scope and token == self.bot_token and r.scope not in self.scopes:
                raise SlackError("missing_scope", needed=r.scope, provided=",".join(sorted(self.scopes)))
            body = {"ok": True, **(await handler(args))}
        except SlackError as exc:
            body = {"ok": False, "error": exc.error, **exc.extra}
        await self.log.add(RecordedCall(method, args, token, status, body, self.clock()))
        return web.json_response(body, status=status, headers=headers)

    # ---- response URLs --------------------------------------------------------------------------

    def issue_response_url(self, team_id: str, user: str, channel: str, source: Posted | None = None) -> str:
        r = ResponseUrl(self.ids.secret(), team_id, user, channel, self.clock(), source_message=source)
        self.response_urls[r.id] = r
        return f"{self.base_url}respond/{r.id}"

    def issue_trigger(self, team_id: str, user: str) -> str:
        t = Trigger(f"{self.ids.new('')}.{self.ids.secret(6)}", user, team_id, self.clock())
        self.triggers[t.id] = t
        return t.id

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        r = self.response_urls.get(request.match_info["id"])
        try:
            body = await request.json()
        except ValueError:
            body = None
        status, answer = 200, {"ok": True}
        if r is None:
            status, answer = 404, {"ok": False, "error": "invalid_url"}
        elif self.clock() - r.issued > RESPONSE_URL_TTL_S:
            status, answer = 404, {"ok": False, "error": "expired_url"}
        elif r.uses >= RESPONSE_URL_USES:
            status, answer = 404, {"ok": False, "error": "used_url"}
        elif not isinstance(body, dict):
            status, answer = 400, {"ok": False, "error": "invalid_payload"}
        elif not body.get("text") and not body.get("blocks") and not body.get("delete_original"):
            status, answer = 400, {"ok": False, "error": "no_text"}
        elif problems := message_problems(body["blocks"]) if "blocks" in body else []:
            status, answer = 400, {"ok": False, "error": "invalid_blocks", "errors": problems}
        else:
            r.uses += 1
            self._apply_response(r, body)
        await self.log.add(
            RecordedCall("response_url", body if isinstance(body, dict) else {}, None, status, answer, self.clock())
        )
        return web.json_response(answer, status=status)

    def _apply_response(self, r: ResponseUrl, body: dict[str, Any]) -> None:
        self.pinged.extend(pings(body.get("text"), body.get("blocks")))
        source = r.source_message
        if source is not None and body.get("delete_original"):
            if source in self.messages:
                self.messages.remove(source)
            return
        if source is not None and body.get("replace_original"):
            source.text = body.get("text") or ""
            source.blocks = body.get("blocks") or []
            source.edits += 1
            return
        in_channel = body.get("response_type") == "in_channel"
        self.messages.append(
            Posted(
                channel=r.channel,
                ts=self.ids.ts(),
                text=body.get("text") or "",
                blocks=body.get("blocks") or [],
                user=self.bot_user_id,
                team_id=r.team_id,
                thread_ts=body.get("thread_ts"),
                ephemeral_to=None if in_channel else r.user,
                bot_id=self.bot_id,
            )
        )

    # ---- files ----------------------------------------------------------------------------------

    async def _handle_upload(self, request: web.Request) -> web.Response:
        f = self.files.get(request.match_info["file_id"])
        if f is None:
            return web.Response(status=404, text="not found")
        f.content = await request.read()
        return web.Response(text=f"OK - {len(f.content)}")

    async def _handle_download(self, request: web.Request) -> web.Response:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        file_key = request.match_info["tail"].split("/", 1)[0]
        f = self.files.get(file_key.split("-", 1)[-1])
        if token != self.bot_token or "files:read" not in self.scopes:
            # Slack answers an unauthenticated url_private with its sign-in page, not the file.
            return web.Response(status=302, headers={"Location": f"{self.base_url}signin"})
        if f is None:
            return web.Response(status=404)
        return web.Response(body=f.content)

    # ---- what the bot did -----------------------------------------------------------------------

    def pings_of(self, args: dict[str, Any]) -> list[str]:
        from .spec import is_true

        return pings(args.get("text"), args.get("blocks"), link_names=is_true(args.get("link_names", False)))

    def find_message(self, channel: str, ts: str) -> Posted | None:
        return next((m for m in self.messages if m.channel == channel and m.ts == ts), None)

    def bot_messages(self, channel: str | None = None, *, thread_ts: str | None = None) -> list[Posted]:
        return [
            m
            for m in self.messages
            if m.user == self.bot_user_id
            and (channel is None or m.channel == channel)
            and (thread_ts is None or m.thread_ts == thread_ts)
        ]

    async def settle(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot's echoed posts were delivered and every sent envelope acknowledged."""

        async def settled() -> None:
            while self._echoes or (self.ws_open() and any(e.sent_at for e in self.socket.unsettled())):  # noqa: ASYNC110
                await asyncio.sleep(0.01)  # acks arrive on the same loop; a short poll keeps the fake simple

        await asyncio.wait_for(settled(), timeout)

    def ws_open(self) -> bool:
        return self.socket.ws is not None

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        return self.log.find(method)

    async def wait_for_call(
        self,
        method: str,
        predicate=None,
        *,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[RecordedCall]:
        return await self.log.wait_for(method, predicate, count=count, timeout=timeout)

    def message_payload(self, m: Posted) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "type": "message",
            "text": m.text,
            "user": m.user,
            "ts": m.ts,
            "team": m.team_id,
            "blocks": m.blocks,
        }
        if m.bot_id:
            payload.update(bot_id=m.bot_id, app_id=self.app_id)
        if m.thread_ts:
            payload["thread_ts"] = m.thread_ts
        return payload

    def refused_calls(self) -> list[RecordedCall]:
        """Calls Slack refused for what the bot sent (not the failures a test injected)."""
        bad = {
            "invalid_blocks",
            "invalid_arguments",
            "missing_scope",
            "no_text",
            "msg_too_long",
            "not_allowed_token_type",
            "invalid_json",
            "unknown_method",
        }
        return [c for c in self.log.calls if c.error in bad]

    def assert_clean(self) -> None:
        """Fails on refused calls, pings, and Socket Mode envelopes left unacknowledged or acked late."""
        problems = [f"{c.method} refused: {c.response}" for c in self.refused_calls()]
        problems += [f"a message pinged {p}" for p in self.pinged]
        problems += self.socket.problems()
        assert not problems, "\n".join(problems)
