"""Start the Slack adapter (``faqbot run --slack``), alone or beside Discord over one service.

Part of the composition root: settings → service → :class:`~chat.core.ChatCore` →
:class:`~slackbot.adapter.SlackAdapter`, connected by Socket Mode (default: no public URL)
or served over HTTP (``FAQBOT_SLACK_MODE=http``, signed requests only). On Ctrl-C or SIGTERM
the connection closes, running handlers finish their writes, then the service closes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable

from aiohttp import web
from pydantic import ValidationError
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.client import FaqBot
from chat import messages
from chat.core import DRAIN_TIMEOUT_S, ChatCore
from chat.errors import EXIT_BAD_INPUT
from faq.activity import ActivityLog
from faq.errors import InvalidInput
from faq.scope_config import ScopeConfigs
from faq.service import FaqService
from faqbot.app import load_model, open_service
from faqbot.config_sources import describe_env_file_error, describe_errors
from faqbot.launcher import build_bot, install_signal_handlers, model_watcher
from faqbot.settings import BotSettings, MissingEnvFile, SlackSettings
from model.encoder import Encoder
from slackbot.adapter import SlackAdapter
from slackbot.app import build_app
from slackbot.workspace import parse_scope_map

log = logging.getLogger(__name__)


def build_core(service: FaqService, settings: SlackSettings, configs: ScopeConfigs | None = None) -> ChatCore:
    watcher = model_watcher(service, settings)
    if configs is None:
        configs = ScopeConfigs(service.store)
        service.on_settings_changed(configs.forget)
    return ChatCore(
        service=service,
        activity_log=ActivityLog(service.store),
        configs=configs,
        settings=settings,
        model_watcher=watcher,
    )


def build_adapter(core: ChatCore, settings: SlackSettings) -> SlackAdapter:
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    assert settings.slack_bot_token is not None
    return build_app(
        core,
        bot_token=settings.slack_bot_token.get_secret_value(),
        signing_secret=secret if settings.slack_mode == "http" else None,
        api_url=settings.slack_api_url,
        scope_map=parse_scope_map(settings.slack_scopes),
        admin_cache_s=settings.slack_admin_cache_s,
    )


async def serve(
    adapter: SlackAdapter,
    settings: SlackSettings,
    stop: asyncio.Event,
    *,
    started: Callable[[SlackAdapter], None] | None = None,
    host: str = "0.0.0.0",
) -> None:
    """Connect (Socket Mode) or listen (HTTP) until ``stop`` is set; then drain the handlers."""
    handler: AsyncSocketModeHandler | None = None
    runner: web.AppRunner | None = None
    try:
        if settings.slack_mode == "socket":
            assert settings.slack_app_token is not None
            handler = AsyncSocketModeHandler(adapter.app, settings.slack_app_token.get_secret_value())
            await handler.connect_async()
            log.info("Slack: connected in Socket Mode")
        else:
            runner = web.AppRunner(adapter.app.web_app(path=settings.slack_path, port=settings.slack_port))
            await runner.setup()
            await web.TCPSite(runner, host, settings.slack_port).start()
            log.info("Slack: listening on %s:%d%s", host, settings.slack_port, settings.slack_path)
        adapter.start()
        if started is not None:
            started(adapter)
        await stop.wait()
    finally:
        if handler is not None:
            with contextlib.suppress(Exception):
                await handler.close_async()
        if runner is not None:
            await runner.cleanup()
        await adapter.close()
        log.info("Slack adapter closed")


async def run_slack(
    settings: SlackSettings,
    *,
    discord: BotSettings | None = None,
    encoder: Encoder | None = None,
    started: Callable[[SlackAdapter], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Slack (and, with ``discord`` settings, the Discord bot too) over one service, until stopped."""
    profile = None
    if encoder is None:
        encoder, profile = await asyncio.to_thread(load_model, settings)
    async with open_service(settings, encoder=encoder, profile=profile, follow_changes=True) as service:
        rows = await service.load_all()
        log.info("loaded %d FAQ rows from %s", rows, settings.db)
        configs = ScopeConfigs(service.store)
        service.on_settings_changed(configs.forget)
        core = build_core(service, settings, configs)
        adapter = build_adapter(core, settings)
        stop = stop or asyncio.Event()
        bot: FaqBot | None = None
        if discord is not None:
            # One service, one settings cache; the model watcher runs once (in the Slack core).
            bot = build_bot(discord, service=service, activity_log=core.activity_log, configs=configs)

        def request_stop() -> None:
            log.info("shutdown requested")
            stop.set()

        remove_handlers = install_signal_handlers(request_stop)
        try:
            if bot is None:
                await serve(adapter, settings, stop, started=started)
            else:
                await _with_discord(adapter, settings, stop, bot, discord, started)  # type: ignore[arg-type]
        finally:
            remove_handlers()


async def _with_discord(
    adapter: SlackAdapter,
    settings: SlackSettings,
    stop: asyncio.Event,
    bot: FaqBot,
    discord: BotSettings,
    started: Callable[[SlackAdapter], None] | None,
) -> None:
    async def discord_side() -> None:
        async with bot:
            runner = asyncio.ensure_future(bot.start(discord.discord_token.get_secret_value()))
            waiter = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait({runner, waiter}, return_when=asyncio.FIRST_COMPLETED)
            if runner in done:
                stop.set()  # Discord ended (or failed): stop Slack too
                waiter.cancel()
                await runner
                return
            await bot.close()
            await runner
        await bot.drain(DRAIN_TIMEOUT_S)

    await asyncio.gather(serve(adapter, settings, stop, started=started), discord_side())


def main(args: argparse.Namespace) -> int:
    """``faqbot run --slack`` [``--discord``]: settings checked first, then one line per failure."""
    from faqbot.launcher import configure_logging, load_settings, run_until_stopped

    try:
        settings = SlackSettings(
            **({"db": args.db} if args.db else {}), **({"model": args.model} if args.model else {})
        )
        discord = load_settings(args) if args.discord else None
    except MissingEnvFile as exc:
        print(describe_env_file_error(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except ValidationError as exc:
        print("\n".join(describe_errors(exc, SlackSettings, {})), file=sys.stderr)
        return EXIT_BAD_INPUT
    problem = settings.slack_problem()
    try:
        parse_scope_map(settings.slack_scopes)
    except InvalidInput as exc:
        problem = str(exc)
    if problem is not None:
        print(messages.config_error(problem), file=sys.stderr)
        return EXIT_BAD_INPUT
    configure_logging(discord or settings)  # type: ignore[arg-type]
    return run_until_stopped(run_slack(settings, discord=discord))
