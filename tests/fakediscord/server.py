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

``FakeDiscord`` is assembled from mixins, one module each (all share ``state.FakeDiscordState``):

* test-facing: ``call_log`` (recorded calls), ``gateway_control`` (``dispatch``, disconnects,
  READY hooks), ``dispatch`` (guild/thread/message events), ``dispatch_interactions``
  (``interaction_*`` helpers, with ``command_options`` and ``components``);
* REST: ``rest_router`` (plumbing), ``rest_app`` (gateway URL, users, application, guilds),
  ``rest_commands``, ``rest_channels`` (messages, reactions, threads), ``rest_interactions``
  (callback, @original, followups), sharing ``bot_messages`` and ``rest_errors``.

The route table below is the list of everything the fake implements.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from .call_log import CallLogMixin
from .dispatch import DispatchMixin
from .dispatch_interactions import InteractionDispatchMixin
from .interaction_models import CALLBACK_ROUTE, WEBHOOK_ROUTE
from .limits import CHANNEL_MESSAGE_FLAGS, command_problems, commands_problems, message_problems
from .openapi_spec import preload as preload_spec
from .rest_app import AppRoutesMixin
from .rest_channels import ChannelRoutesMixin
from .rest_commands import CommandRoutesMixin
from .rest_errors import Problem
from .rest_interactions import InteractionRoutesMixin, callback_rules, edit_rules, followup_rules
from .rest_router import RestRouterMixin

log = logging.getLogger(__name__)


class FakeDiscord(
    RestRouterMixin,
    AppRoutesMixin,
    CommandRoutesMixin,
    ChannelRoutesMixin,
    InteractionRoutesMixin,
    DispatchMixin,
    InteractionDispatchMixin,
    CallLogMixin,
):
    """A fake Discord API (v10) + gateway on 127.0.0.1 with an ephemeral port.

    ``token`` (optional) makes login/IDENTIFY with another token fail like the real API (401 /
    close 4004).  ``compress=False`` ignores ``compress=zlib-stream`` and sends text frames.
    ``locale`` is the default user/guild locale put into interactions.  ``echo_bot_messages``
    makes the bot's own non-ephemeral messages come back as MESSAGE_CREATE/UPDATE/DELETE, as on
    Discord (so a bot that does not ignore itself loops here too).

    Keyword arguments (all optional; ``__init__`` is :class:`~.state.FakeDiscordState`'s):
    ``bot_name="faqbot"``, ``bot_id``, ``application_id`` (default: the bot id), ``token``,
    ``heartbeat_interval_ms=41_250``, ``compress=True``, ``locale="ko"``, ``host="127.0.0.1"``,
    ``echo_bot_messages=True``, ``initial_response_s=3.0`` (Discord's window for the first
    response to an interaction; ``fd.clock`` is the clock it is measured on).

    Every request body is checked before its handler runs: against Discord's OpenAPI spec when
    ``../shared/specs/discord`` is present (``openapi_spec.py``), and always against the
    documented limits in ``limits.py``; a violation is answered 400/50035 with field paths.
    """

    # -- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        await preload_spec()
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

    # -- route table (first match wins) ------------------------------------------------------

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
            add("PUT", prefix + "/commands", self._bulk_overwrite_commands, rules=_bulk_rules)
            add("POST", prefix + "/commands", self._upsert_command, rules=_command_rules)
            add("GET", prefix + "/commands/{command_id}", self._get_command)
            add("PATCH", prefix + "/commands/{command_id}", self._edit_command)
            add("DELETE", prefix + "/commands/{command_id}", self._delete_command)
        add("GET", "/channels/{channel_id}", self._get_channel)
        add("GET", "/channels/{channel_id}/messages", self._list_messages)
        add("POST", "/channels/{channel_id}/messages", self._create_message, rules=_channel_message_rules)
        add("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message)
        add("PATCH", "/channels/{channel_id}/messages/{message_id}", self._edit_message, rules=edit_rules)
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
        add("POST", CALLBACK_ROUTE, self._interaction_callback, auth=False, rules=callback_rules)
        add("POST", WEBHOOK_ROUTE, self._create_followup, auth=False, rules=followup_rules)
        add("GET", WEBHOOK_ROUTE + "/messages/@original", self._get_original, auth=False)
        add("PATCH", WEBHOOK_ROUTE + "/messages/@original", self._edit_original, auth=False, rules=edit_rules)
        add("DELETE", WEBHOOK_ROUTE + "/messages/@original", self._delete_original, auth=False)
        add("GET", WEBHOOK_ROUTE + "/messages/{message_id}", self._get_webhook_message, auth=False)
        add("PATCH", WEBHOOK_ROUTE + "/messages/{message_id}", self._edit_webhook_message, auth=False, rules=edit_rules)
        add("DELETE", WEBHOOK_ROUTE + "/messages/{message_id}", self._delete_webhook_message, auth=False)


def _channel_message_rules(body: Any) -> list[Problem]:
    return message_problems(body, allowed_flags=CHANNEL_MESSAGE_FLAGS) if isinstance(body, dict) else []


def _command_rules(body: Any) -> list[Problem]:
    return command_problems(body) if isinstance(body, dict) else []


def _bulk_rules(body: Any) -> list[Problem]:
    return commands_problems(body) if isinstance(body, list) else []
