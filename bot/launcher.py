"""Composition root: settings → encoder, store, service → bot; start-up and clean shutdown.

``faqbot run`` and ``python -m bot`` both end in :func:`main`. On Ctrl-C or SIGTERM
the bot disconnects, handlers still running get a few seconds to finish their
database writes, then the service (encoder thread) and the store close, in that order.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Sequence

import aiohttp
import discord
from pydantic import ValidationError

from bot import log_policy
from bot.client import FaqBot
from bot.model_watch import ModelWatcher, watchable
from faq.activity import ActivityLog
from faq.errors import StorageError
from faq.health import Heartbeat, describe_client
from faq.scope_config import ScopeConfigs
from faqbot.app import build_embedder, model_profile, open_service
from faqbot.config_sources import ConfigError, check_hub_model, describe_env_file_error, describe_errors
from faqbot.settings import BotSettings, MissingEnvFile, token_problem
from model.encoder import Encoder, EncoderLoadError, load_encoder

log = logging.getLogger(__name__)

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_CONFIG = 0, 1, 2
DRAIN_TIMEOUT_S = 10.0


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sync",
        action="store_true",
        help="슬래시 명령을 전역(모든 서버)으로 동기화 (명령이 바뀌었을 때만; 반영까지 최대 1시간)",
    )
    parser.add_argument("--db", help="SQLite 파일 또는 postgresql://… (기본: $FAQBOT_DB)")
    parser.add_argument("--model", help="모델 경로/허브 ID (기본: $FAQBOT_MODEL 또는 내장 모델)")


def _flags(args: argparse.Namespace | None) -> dict[str, tuple[object, str]]:
    flags: dict[str, tuple[object, str]] = {}
    if args is not None:
        if getattr(args, "db", None):
            flags["db"] = (args.db, "명령줄 --db")
        if getattr(args, "model", None):
            flags["model"] = (args.model, "명령줄 --model")
    return flags


def load_settings(args: argparse.Namespace | None = None, **overrides: object) -> BotSettings:
    return BotSettings(**{k: v for k, (v, _) in _flags(args).items()}, **overrides)  # type: ignore[arg-type]


def settings_problem(exc: ValidationError, args: argparse.Namespace | None = None) -> str:
    """One line per bad setting (name, value, source, what is allowed); the token is never echoed."""
    return "\n".join(describe_errors(exc, BotSettings, _flags(args)))


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


def _install_signal_handlers(stop: Callable[[], None]) -> Callable[[], None]:
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
        encoder = await asyncio.to_thread(load_encoder, settings.model or None, backend=settings.model_backend)
        profile = model_profile(settings)
    # follow_changes: FAQs and settings the CLI (or another process) commits reach the bot within ~1 s.
    async with open_service(settings, encoder=encoder, profile=profile, follow_changes=True) as service:
        rows = await service.load_all()
        faqs = sum((await service.store.scope_counts()).values())
        log.info("loaded %d FAQs (%d rows) from %s", faqs, rows, service.store.path)
        watcher = None
        folder = watchable(settings.model)
        if folder is not None and settings.model_poll_s > 0:
            watcher = ModelWatcher(
                service,
                folder,
                load=lambda path: load_encoder(path, backend=settings.model_backend),  # same backend as at start
                make_embedder=lambda enc: build_embedder(settings, enc),
                interval_s=settings.model_poll_s,
            )
        configs = ScopeConfigs(service.store)
        service.on_settings_changed(configs.forget)
        bot = FaqBot(
            service=service,
            activity_log=ActivityLog(service.store),
            configs=configs,
            settings=settings,
            sync_global=sync_global,
            model_watcher=watcher,
        )
        stopping: set[asyncio.Task[None]] = set()

        def stop() -> None:
            log.info("shutdown requested")
            task = asyncio.ensure_future(bot.close())
            stopping.add(task)
            task.add_done_callback(stopping.discard)

        remove_handlers = _install_signal_handlers(stop)
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
        check_hub_model(BotSettings, settings.model, _flags(args))
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
        print(f"설정 오류: {problem}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    configure_logging(settings)
    try:
        asyncio.run(run_bot(settings, sync_global=bool(getattr(args, "sync", False))))
    except KeyboardInterrupt:
        return EXIT_OK
    except discord.LoginFailure:
        print("오류: 디스코드 로그인 실패. DISCORD_TOKEN이 올바른지 확인하세요.", file=sys.stderr)
        return EXIT_BAD_CONFIG
    except discord.PrivilegedIntentsRequired:
        print(
            "오류: Message Content Intent가 꺼져 있습니다. 개발자 포털 → Bot → Privileged Gateway Intents에서 "
            "MESSAGE CONTENT INTENT를 켜세요 (docs/discord-setup.md).",
            file=sys.stderr,
        )
        return EXIT_BAD_CONFIG
    except EncoderLoadError as exc:
        print(f"오류: {exc}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    except StorageError as exc:  # the database unreachable at start (a PostgreSQL server down, a bad URL)
        print(f"오류: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    except (aiohttp.ClientConnectionError, OSError) as exc:
        log.debug("connection failure", exc_info=True)
        print(f"오류: 디스코드에 연결할 수 없습니다 (네트워크를 확인하세요): {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    return EXIT_OK
