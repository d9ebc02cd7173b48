"""Start the Discord adapter: settings → encoder, store, service → bot; start-up and clean shutdown.

Part of the composition root (``faqbot``): the only place that knows both the settings and
the adapters. ``faqbot run`` and ``python -m bot`` both end in :func:`main`. On Ctrl-C or
SIGTERM the bot disconnects, handlers still running get a few seconds to finish their
database writes (:func:`chat.core.drain`), then the service (encoder thread) and the store
close, in that order. Errors map to messages and exit codes through one table
(:data:`START_ERRORS`, on top of :data:`chat.errors.CORE_ERRORS`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import aiohttp
import discord
from pydantic import ValidationError

from bot import log_policy
from bot.client import FaqBot, make_bot
from chat import messages
from chat.core import DRAIN_TIMEOUT_S
from chat.errors import CORE_ERRORS, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, ErrorReply, ErrorTable, reply_for
from chat.model_watch import ModelWatcher, watchable
from faq.activity import ActivityLog
from faq.errors import StorageError
from faq.health import Heartbeat, describe_client
from faq.scope_config import ScopeConfigs
from faq.service import FaqService
from faqbot.app import build_embedder, load_model, open_service
from faqbot.config_sources import (
    ConfigError,
    check_hub_model,
    describe_env_file_error,
    describe_errors,
    flag_values,
)
from faqbot.settings import BotSettings, MissingEnvFile, SlackSettings, token_problem
from model.encoder import Encoder, load_encoder

log = logging.getLogger(__name__)

EXIT_BAD_CONFIG = EXIT_BAD_INPUT

#: What a failed start tells the operator, and the exit code (the core's errors included:
#: a model that cannot be loaded exits 1, as in the CLI).
START_ERRORS: ErrorTable = {
    **CORE_ERRORS,
    discord.LoginFailure: ErrorReply(lambda e: messages.LOGIN_FAILED, EXIT_BAD_CONFIG),
    discord.PrivilegedIntentsRequired: ErrorReply(lambda e: messages.INTENTS_MISSING, EXIT_BAD_CONFIG),
    # The database unreachable at start (a PostgreSQL server down, a bad URL): not a bad setting to retype.
    StorageError: ErrorReply(str, EXIT_INTERNAL),
    aiohttp.ClientConnectionError: ErrorReply(messages.cannot_connect, EXIT_INTERNAL),
    OSError: ErrorReply(messages.cannot_connect, EXIT_INTERNAL),
}


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sync",
        action="store_true",
        help="슬래시 명령을 전역(모든 서버)으로 동기화 (명령이 바뀌었을 때만; 반영까지 최대 1시간)",
    )
    parser.add_argument("--slack", action="store_true", help="슬랙 앱 실행 (SLACK_BOT_TOKEN 등; docs/slack-setup.md)")
    parser.add_argument("--discord", action="store_true", help="--slack과 함께: 디스코드 봇도 한 프로세스에서 실행")
    parser.add_argument("--db", help="SQLite 파일 또는 postgresql://… (기본: $FAQBOT_DB)")
    parser.add_argument("--model", help="모델 경로/허브 ID (기본: $FAQBOT_MODEL 또는 내장 모델)")


def load_settings(args: argparse.Namespace | None = None, **overrides: object) -> BotSettings:
    return BotSettings(**{k: v for k, (v, _) in flag_values(args).items()}, **overrides)  # type: ignore[arg-type]


def settings_problem(exc: ValidationError, args: argparse.Namespace | None = None) -> str:
    """One line per bad setting (name, value, source, what is allowed); the token is never echoed."""
    return "\n".join(describe_errors(exc, BotSettings, flag_values(args)))


def configure_logging(settings: BotSettings) -> None:
    level = getattr(logging, settings.log_level)
    root = logging.getLogger()
    if root.handlers:  # `faqbot run`: the CLI already installed a handler; only the level is ours
        root.setLevel(level)
    else:
        discord.utils.setup_logging(level=level, root=True)
    for noisy in ("sentence_transformers", "transformers", "httpx", "huggingface_hub", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # "PyNaCl is not installed, voice will NOT be supported": the bot never joins voice.
    discord.VoiceClient.warn_nacl = False
    # Members' text and interaction tokens: library loggers quiet unless opted in; tokens always redacted.
    log_policy.apply(
        level,
        log_message_content=settings.log_message_content,
        secrets=(settings.discord_token.get_secret_value(),),
    )


def install_signal_handlers(stop: Callable[[], None]) -> Callable[[], None]:
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
            pass

    def remove() -> None:
        for sig in installed:
            loop.remove_signal_handler(sig)

    return remove


def model_watcher(service: FaqService, settings: BotSettings | SlackSettings) -> ModelWatcher | None:
    """The hot-swap watcher for a local model folder (None: a hub model, or polling off)."""
    folder = watchable(settings.model)
    if folder is None or settings.model_poll_s <= 0:
        return None
    return ModelWatcher(
        service,
        folder,
        load=lambda path: load_encoder(path, backend=settings.model_backend),  # same backend as at start
        make_embedder=lambda enc: build_embedder(settings, enc),
        interval_s=settings.model_poll_s,
    )


def build_bot(settings: BotSettings, **deps: Any) -> FaqBot:
    """The Discord bot the settings ask for: one gateway connection, or the shards of
    ``FAQBOT_SHARD_COUNT``/``FAQBOT_SHARD_IDS`` (discord.py's ``AutoShardedClient``)."""
    plan = settings.sharding()
    if plan is None:
        return make_bot(settings=settings, **deps)
    log.info("running shards %s of %d in this process", list(plan.ids), plan.count)
    return make_bot(shard_count=plan.count, shard_ids=plan.ids, settings=settings, **deps)


async def run_bot(
    settings: BotSettings,
    *,
    sync_global: bool = False,
    encoder: Encoder | None = None,
    started: Callable[[FaqBot], None] | None = None,
) -> None:
    """Build everything, run until the bot is closed (signal or ``bot.close()``), shut down cleanly."""
    profile = None  # a caller's own encoder (tests) keeps the code defaults
    if encoder is None:
        encoder, profile = await asyncio.to_thread(load_model, settings)
    # follow_changes: FAQs and settings the CLI (or another process) commits reach the bot within ~1 s.
    async with open_service(settings, encoder=encoder, profile=profile, follow_changes=True) as service:
        rows = await service.load_all()
        faqs = sum((await service.store.scope_counts()).values())
        log.info("loaded %d FAQs (%d rows) from %s", faqs, rows, service.store.path)
        watcher = model_watcher(service, settings)
        configs = ScopeConfigs(service.store)
        service.on_settings_changed(configs.forget)
        bot = build_bot(
            settings,
            service=service,
            activity_log=ActivityLog(service.store),
            configs=configs,
            dev_guild=settings.dev_guild,
            sync_global=sync_global,
            model_watcher=watcher,
        )
        stopping: set[asyncio.Task[None]] = set()

        def stop() -> None:
            log.info("shutdown requested")
            task = asyncio.ensure_future(bot.close())
            stopping.add(task)
            task.add_done_callback(stopping.discard)

        remove_handlers = install_signal_handlers(stop)
        heartbeat = Heartbeat(service.store, lambda: describe_client(bot, service))  # for `faqbot status`
        heartbeat.start()
        try:
            async with bot:
                if started is not None:
                    started(bot)
                await bot.start(settings.discord_token.get_secret_value())
        finally:
            remove_handlers()
            await bot.drain(DRAIN_TIMEOUT_S)
            await heartbeat.stop()
            for task in list(stopping):
                with contextlib.suppress(Exception):
                    await task
            log.info("bot closed; closing the model and the database")


def main(args: argparse.Namespace | None = None, argv: Sequence[str] | None = None) -> int:
    if args is None:
        parser = argparse.ArgumentParser(prog="python -m bot", description="멋사 FAQ 디스코드 봇 실행")
        add_run_arguments(parser)
        args = parser.parse_args(argv)
    try:
        settings = load_settings(args)
        check_hub_model(BotSettings, settings.model, flag_values(args))
    except MissingEnvFile as exc:
        print(describe_env_file_error(exc), file=sys.stderr)
        return EXIT_BAD_CONFIG
    except ValidationError as exc:
        print(settings_problem(exc, args), file=sys.stderr)
        return EXIT_BAD_CONFIG
    except ConfigError as exc:
        print("\n".join(exc.lines), file=sys.stderr)
        return EXIT_BAD_CONFIG
    problem = token_problem(settings.discord_token.get_secret_value())
    if problem is not None:  # caught here, not after a connection attempt
        print(messages.config_error(problem), file=sys.stderr)
        return EXIT_BAD_CONFIG
    configure_logging(settings)
    return run_until_stopped(run_bot(settings, sync_global=bool(getattr(args, "sync", False))))


def run_until_stopped(main_coroutine: Coroutine[Any, Any, None]) -> int:
    """Run a front end to the end; a start-up failure is one line and its exit code (:data:`START_ERRORS`)."""
    try:
        asyncio.run(main_coroutine)
    except KeyboardInterrupt:
        return EXIT_OK
    except Exception as exc:
        found = reply_for(exc, START_ERRORS)
        if found is None:
            raise
        log.debug("start-up failed", exc_info=True)
        text = found.message(exc)
        print(f"오류: {text}" if found.headline else text, file=sys.stderr)
        return found.exit_code
    return EXIT_OK
