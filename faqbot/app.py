"""Wiring: settings → encoder, store, service. Every entry point builds through here."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from faq.batching import CachingEmbedder, MicroBatchingEmbedder
from faq.changes import KnowledgeFollower, SqliteChangeFeed
from faq.embedder import Embedder
from faq.seed import bundled_faqs
from faq.service import FaqService
from faq.store import FaqStore
from faq.types import DEFAULT_SCOPE
from faqbot.settings import CoreSettings
from model.encoder import Encoder, load_encoder

log = logging.getLogger(__name__)

SEED_ACTOR = "seed"


@asynccontextmanager
async def open_store(db: Path | str) -> AsyncIterator[FaqStore]:
    """Open the database; a new one gets the bundled club FAQs in the default scope."""
    store = await FaqStore.open(db)
    try:
        if store.created:
            drafts = bundled_faqs()
            await store.add(DEFAULT_SCOPE, drafts, SEED_ACTOR)
            log.info("new database %s seeded with %d bundled FAQs", db, len(drafts))
        yield store
    finally:
        await store.close()


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


@asynccontextmanager
async def open_service(
    settings: CoreSettings,
    *,
    encoder: Encoder | None = None,
    embedder: Embedder | None = None,
    follow_changes: bool = False,
) -> AsyncIterator[FaqService]:
    """Encoder + store + service, closed in reverse order on exit.

    ``follow_changes`` (long-running front ends): while open, the service catches up with
    what other processes commit to the database, every ``settings.change_poll_s`` seconds.
    """
    if embedder is None:
        embedder = build_embedder(
            settings, encoder or load_encoder(settings.model or None, backend=settings.model_backend)
        )
    async with open_store(settings.db) as store:
        service = FaqService(store, embedder, thresholds=settings.thresholds(), lexical_weight=settings.lexical_weight)
        follower = None
        try:
            if follow_changes and settings.change_poll_s > 0:
                follower = KnowledgeFollower(service, SqliteChangeFeed(store, settings.change_poll_s))
                await follower.start()  # primed before any index loads: nothing committed later is missed
            yield service
        finally:
            if follower is not None:
                await follower.stop()
            await service.aclose()
