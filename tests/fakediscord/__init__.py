"""A local fake Discord (REST + gateway) for end-to-end tests of an unmodified discord.py bot.

How to use it in a test::

    import discord
    from discord.ext import commands
    from tests.fakediscord import FakeDiscord, fake_user, started_bot

    async def test_replies(fake_discord: FakeDiscord) -> None:   # or: async with FakeDiscord() as fd
        fd = fake_discord
        guild = await fd.guild_create(name="club")     # startup guild: READY + GUILD_CREATE
        channel_id = fd.default_channel_id(guild["id"])
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())
        ...                                             # register handlers / commands
        async with started_bot(bot, fd):                # login + gateway until on_ready
            await fd.message_create(channel_id, fake_user(name="alice"), "hello")
            call = await fd.wait_for_message(channel_id)           # the bot's POST
            assert call.json["content"] == "hi"

            await bot.tree.sync(guild=discord.Object(int(guild["id"])))  # PUT recorded
            handle = await fd.interaction_slash("faq", {"question": "..."},
                                                guild_id=guild["id"],
                                                permissions=ADMIN_PERMISSIONS)
            cb = await handle.callback(timeout=3)       # POST /interactions/{id}/{token}/callback
            assert cb.json["type"] == 4 and cb.json["data"]["flags"] == 64

Wiring: ``pytest_plugins = ["tests.fakediscord.fixtures"]`` in a conftest (or import
``fake_discord`` from ``fixtures`` into the test module).  ``started_bot`` runs the *unmodified*
``bot.start()``; nothing in discord.py is monkeypatched except three base URLs.

Pieces:

* :class:`FakeDiscord` (``server.py``, whose docstring maps its mixin modules) - aiohttp app on
  127.0.0.1:<ephemeral>; REST under ``/api/v10``, gateway websocket at ``/`` (resume at ``/resume``), CDN at ``/cdn``.
  Records every REST call (:class:`RecordedCall`) and gateway frame (:class:`GatewayFrame`);
  ``calls()``, ``wait_for_call()``, ``messages_sent()``, ``wait_for_message()``,
  ``interaction_responses()``, ``unmatched_calls()``.  Dispatch helpers build Discord v10
  payloads: ``guild_create``, ``thread_create``, ``message_create``, ``interaction_slash``,
  ``interaction_autocomplete``, ``interaction_component``, ``interaction_modal_submit``
  (interaction helpers return an :class:`InteractionHandle`); ``dispatch()`` sends anything
  else.  Gateway control: ``disconnect(code=4000 | drop=True)``, ``send_reconnect()``,
  ``invalidate_session()``, ``wait_for_resumed()``.  ``inject_error()`` makes the next
  matching request 429/5xx.  ``set_permissions()`` models admins vs members.
* :func:`point_discord_at` / :func:`redirect_discord` / :func:`started_bot` (``client.py``) - URL patches (this process
  or, from the fake's address, a bot process of its own) and bot lifecycle.
* ``payloads.py`` - ``fake_user``, ``member_payload``, ``role_payload``, ``text_channel``,
  ``thread_channel``, ``permissions_value``, ``ADMIN_PERMISSIONS`` / ``MEMBER_PERMISSIONS``,
  ``snowflake()``, ``guild_snowflake()`` (guild ids spread over shards).
* ``fixtures.py`` - the ``fake_discord`` pytest fixture.
* ``limits.py`` / ``openapi_spec.py`` - Discord's documented limits and its OpenAPI spec, as
  checks on request bodies (``rest_errors.py`` turns them into Discord's error answers).

Discord behaviour the fake reproduces (so tests catch real bugs): every request body is checked
before its handler runs, against Discord's documented limits (``limits.py``: content 2,000,
embeds, 5 action rows of 5 buttons, select options, custom_id/label lengths, unique custom_ids,
modal title/rows/labels/values, 25 autocomplete choices of 100 characters, command names,
descriptions, option count and order, allowed flags per endpoint) and, when
``../shared/specs/discord`` is present, Discord's OpenAPI spec (``openapi_spec.py``; the docs win
where they disagree); a refusal is 400/50035 ``{code, message, errors}`` with field paths, and
``fd.assert_no_refused_calls()`` (run by the fixtures) fails a test whose bot sent one.  Empty
messages get 400/50006; a second response to one interaction gets 400/40060; a callback later
than 3 s gets 404/10062 and a token older than 15 minutes 401/50027 (``fd.clock`` can be moved);
a followup before any response gets 404; the first followup after a thinking defer edits the
loading message and keeps its ephemerality; followups always return the message; the bot's own
non-ephemeral messages are echoed back as MESSAGE_CREATE; slash interactions exist only for
commands the bot synced (otherwise ``LookupError``), with option types taken from the synced
schema; a RESUME replays exactly the missed events.  Sharding as on the gateway (``gateway.py``):
IDENTIFY's ``shard: [id, count]`` is checked (close 4010; more than 2,500 guilds on one shard: 4011),
READY and every guild event reach only the session of shard ``(guild_id >> 22) % count``, guild-less
events (DMs) only shard 0; guild ids made by ``guild_create`` fall on consecutive shards
(``shard=(id, count)`` pins one); ``GET /gateway/bot`` recommends a count; ``disconnect(shard=…)``.
The fake dispatches only what Discord can deliver: ``message_create`` refuses content over 4,000
characters (``ValueError``), delivered components carry ids.

Timing: ids in payloads are strings (as on the wire); helpers accept ints or strings.  No
sleeps are needed: await ``wait_for_call``/``handle.callback()``/``bot.wait_for(...)``.
Calls are recorded once the response is on the wire, and ``wait_for_call`` then lets the
bot (same event loop) finish with it, so e.g. a View is registered under the new message id
before the test clicks it.  Work in executor threads is not awaited by that: wait for its
REST call instead.  discord.py itself waits 5 s before re-IDENTIFYing after
``invalidate_session()`` (``Client.before_identify_hook``); resumes are immediate.
"""

from __future__ import annotations

from .client import point_discord_at, redirect_discord, started_bot
from .gateway import Gateway, GatewaySession, shard_of
from .interaction_models import InteractionHandle, InteractionState
from .payloads import (
    ADMIN_PERMISSIONS,
    BOT_PERMISSIONS,
    MEMBER_PERMISSIONS,
    SnowflakeGenerator,
    compute_permissions,
    dm_channel,
    fake_user,
    guild_snowflake,
    member_payload,
    permissions_value,
    role_payload,
    snowflake,
    text_channel,
    thread_channel,
)
from .records import GatewayFrame, RecordedCall, UploadedFile
from .rest_errors import validate_message_payload
from .server import FakeDiscord

__all__ = [
    "ADMIN_PERMISSIONS",
    "BOT_PERMISSIONS",
    "MEMBER_PERMISSIONS",
    "FakeDiscord",
    "Gateway",
    "GatewayFrame",
    "GatewaySession",
    "InteractionHandle",
    "InteractionState",
    "RecordedCall",
    "SnowflakeGenerator",
    "UploadedFile",
    "compute_permissions",
    "dm_channel",
    "fake_user",
    "guild_snowflake",
    "member_payload",
    "permissions_value",
    "point_discord_at",
    "redirect_discord",
    "role_payload",
    "shard_of",
    "snowflake",
    "started_bot",
    "text_channel",
    "thread_channel",
    "validate_message_payload",
]
