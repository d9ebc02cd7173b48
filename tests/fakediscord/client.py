"""Point an unmodified discord.py at a :class:`FakeDiscord` and run a bot against it.

discord.py hard-codes three base URLs, all class attributes read at call time:

* ``discord.http.Route.BASE`` - every REST call, including the interaction callback and
  webhook (followup / ``@original``) routes in ``discord/webhook/async_.py``, which build
  ``Route`` objects too;
* ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` - a plain ``Client`` never calls
  ``GET /gateway/bot``; it connects straight to this URL (``AutoShardedClient`` does ask
  ``/gateway/bot``, which the fake answers with its own URL).  Resumes go to READY's
  ``resume_gateway_url``, which the fake also points at itself;
* ``discord.asset.Asset.BASE`` - the CDN, for ``Asset.read()``.

``point_discord_at`` swaps all three and restores them, so tests must not run two fakes
concurrently in one process (pytest-xdist workers are separate processes, which is fine).
``redirect_discord(base_url)`` does the same from the fake's address alone, for a bot running in
another process (``tests/bot/run_against_fake.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from typing import TypeVar

import discord
import discord.asset
import discord.gateway
import discord.http
import yarl

from .constants import API_VERSION
from .server import FakeDiscord

log = logging.getLogger(__name__)

ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.contextmanager
def point_discord_at(fd: FakeDiscord) -> Iterator[None]:
    """Redirect discord.py's REST, gateway and CDN base URLs to ``fd`` for the block."""
    with redirect_discord(fd.base_url):
        yield


@contextlib.contextmanager
def redirect_discord(base_url: str) -> Iterator[None]:
    """Redirect discord.py to the fake Discord at ``base_url`` (``http://127.0.0.1:PORT``) for the block."""
    fake = yarl.URL(base_url)
    saved = (
        discord.http.Route.BASE,
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
        discord.asset.Asset.BASE,
    )
    # The same URLs FakeDiscordState.api_base / gateway_url / cdn_base give.
    discord.http.Route.BASE = str(fake / f"api/v{API_VERSION}")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = fake.with_scheme("ws").with_path("/")
    discord.asset.Asset.BASE = str(fake / "cdn")
    try:
        yield
    finally:
        (
            discord.http.Route.BASE,
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
            discord.asset.Asset.BASE,
        ) = saved


async def _first(task: asyncio.Task[None], waiter: asyncio.Future[object], limit: float) -> bool:
    """Wait for ``waiter`` or the bot task to finish; True iff ``waiter`` completed."""
    done, _ = await asyncio.wait({task, waiter}, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
    if waiter in done:
        waiter.result()
        return True
    waiter.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await waiter
    return False


@contextlib.asynccontextmanager
async def started_bot(
    bot: ClientT,
    fd: FakeDiscord,
    *,
    token: str = "fake-token",
    ready_timeout: float = 10.0,
    guild_ready_timeout: float | None = 0.2,
    close_timeout: float = 5.0,
) -> AsyncIterator[ClientT]:
    """Run ``bot.start(token)`` against ``fd`` until ``on_ready``; close it cleanly on exit.

    ``guild_ready_timeout`` overrides discord.py's wait after the last startup GUILD_CREATE
    (2 s by default, paid by every start); the fake sends startup guilds straight after READY,
    so a short wait suffices.  ``None`` keeps the bot's own setting.  Errors from login,
    ``setup_hook`` or the gateway surface here instead of as a timeout.
    """
    with point_discord_at(fd):
        if guild_ready_timeout is not None:
            bot._connection.guild_ready_timeout = guild_ready_timeout
        frames_before = len(fd.gateway.frames)
        task = asyncio.create_task(bot.start(token), name="fakediscord-bot")
        try:
            # wait_until_ready() needs login() to have run; READY on the wire proves it has.
            ready_sent = asyncio.ensure_future(
                fd.wait_for_gateway(
                    lambda f: f.direction == "send" and f.t == "READY",
                    ready_timeout,
                    start=frames_before,
                )
            )
            ok = await _first(task, ready_sent, ready_timeout)
            if ok:
                ok = await _first(task, asyncio.ensure_future(bot.wait_until_ready()), ready_timeout)
            if not ok:
                if task.done() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
                raise TimeoutError(f"bot not ready within {ready_timeout}s")
        except BaseException:
            await _close(bot, task, close_timeout)
            raise
        try:
            yield bot
        except BaseException:
            await _close(bot, task, close_timeout)
            raise
        error = await _close(bot, task, close_timeout)
        if error is not None:
            # The body passed but the bot's connect loop died (e.g. a 4004 close): fail loudly.
            raise error


async def _close(bot: discord.Client, task: asyncio.Task[None], limit: float) -> BaseException | None:
    """Close the bot and reap its task; returns the task's exception, if any."""
    if not bot.is_closed():
        await bot.close()
    done, _ = await asyncio.wait({task}, timeout=limit)
    if not done:
        log.warning("bot task still running %.1fs after close(); cancelling", limit)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return None
    return None if task.cancelled() else task.exception()
