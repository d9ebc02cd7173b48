"""Start the Slack adapter (``faqbot run --slack``), alone or beside Discord over one service.

Part of the composition root: settings → service → :class:`~chat.core.ChatCore` →
:class:`~slackbot.adapter.SlackAdapter`, connected by Socket Mode (default: no public URL)
or served over HTTP (``FAQBOT_SLACK_MODE=http``, signed requests only). On Ctrl-C or SIGTERM
the connection closes, running handlers finish their writes, then the service closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from chat.core import ChatCore
from chat.model_watch import ModelWatcher, watchable
from faq.activity import ActivityLog
from faq.scope_config import ScopeConfigs
from faq.service import FaqService
from faqbot.app import build_embedder
from faqbot.settings import SlackSettings
from model.encoder import load_encoder
from slackbot.adapter import SlackAdapter
from slackbot.workspace import parse_scope_map

log = logging.getLogger(__name__)


def build_core(service: FaqService, settings: SlackSettings, configs: ScopeConfigs | None = None) -> ChatCore:
    watcher = None
    folder = watchable(settings.model)
    if folder is not None and settings.model_poll_s > 0:
        watcher = ModelWatcher(
            service,
            folder,
            load=lambda path: load_encoder(path, backend=settings.model_backend),
            make_embedder=lambda enc: build_embedder(settings, enc),
            interval_s=settings.model_poll_s,
        )
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
    return SlackAdapter(
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
