"""Wiring: settings → encoder, store, service. Every entry point builds through here."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from faq.embedder import Embedder, ThreadedEmbedder
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


@asynccontextmanager
async def open_service(
    settings: CoreSettings, *, encoder: Encoder | None = None, embedder: Embedder | None = None
) -> AsyncIterator[FaqService]:
    """Encoder + store + service, closed in reverse order on exit."""
    if embedder is None:
        embedder = ThreadedEmbedder(encoder or load_encoder(settings.model or None))
    async with open_store(settings.db) as store:
        service = FaqService(store, embedder, thresholds=settings.thresholds(), lexical_weight=settings.lexical_weight)
        try:
            yield service
        finally:
            await service.aclose()
