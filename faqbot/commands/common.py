"""Options every sub-command shares (``--db``, ``--guild``, ``--model``), how they become
settings, and which store and scope a command works on.

Scope choice: ``--guild SCOPE`` when given, else ``default``. A read-only command with no
``--guild`` on a database no FAQ was ever added to (a fresh machine) answers from the
bundled sample club instead, with a notice on stderr; ``--guild sample`` asks the sample
on purpose. The sample is never written to a database (:mod:`faq.seed`).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import numpy as np

from chat import cli_messages as say
from faq.errors import InvalidInput
from faq.index import index_texts
from faq.seed import SAMPLE_SCOPE, open_sample_store
from faq.service import FaqService
from faq.store import FaqStore
from faq.types import DEFAULT_SCOPE
from faqbot.app import open_service, open_store
from faqbot.config_sources import build, check_hub_model, flag_values
from faqbot.settings import CoreSettings


def scope_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--db", help="SQLite 파일 또는 postgresql://… (기본: $FAQBOT_DB 또는 ~/.local/share/faqbot/faqbot.db)"
    )
    parent.add_argument("--guild", help="범위: Discord 서버 ID (기본: default; 'sample' = 내장 예시 동아리, 읽기 전용)")
    parent.add_argument("--model", help="sentence-transformers 모델 경로/허브 ID (기본: $FAQBOT_MODEL 또는 내장 모델)")
    return parent


def bounded_int(low: int, high: int):  # type: ignore[no-untyped-def]
    """An argparse type: an integer in [low, high], else a one-line error naming the range."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(say.not_an_integer(text)) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(say.out_of_range(low, high, value))
        return value

    return parse


def settings_from(args: argparse.Namespace) -> CoreSettings:
    return build(CoreSettings, flag_values(args))


def warn(text: str) -> None:
    print(say.warning(text), file=sys.stderr)


def note(text: str) -> None:
    """A line the command prints on stderr as it is (the text carries its own 알림:/경고: label)."""
    print(text, file=sys.stderr, flush=True)


@asynccontextmanager
async def scoped_store(
    args: argparse.Namespace,
    *,
    write: bool = False,
    settings: CoreSettings | None = None,
    sample_fallback: bool = True,
) -> AsyncIterator[FaqStore]:
    """The store a command works on; sets ``args.guild`` to the scope it chose."""
    settings = settings or settings_from(args)
    chosen = args.guild
    if chosen == SAMPLE_SCOPE:
        if write:
            raise InvalidInput(say.SAMPLE_READ_ONLY)
        async with _sample() as store:
            yield store
        return
    args.guild = chosen or DEFAULT_SCOPE
    async with open_store(settings.db) as store:
        if write:
            yield store
            return
        counts = await store.scope_counts()
        if sample_fallback and not counts and chosen is None and not await store.ever_held_faqs():
            print(say.answering_from_sample(store.path), file=sys.stderr)
            args.guild = SAMPLE_SCOPE
            async with _sample() as sample:
                yield sample
            return
        if args.guild not in counts:
            warn(say.empty_scope(args.guild, counts))
        yield store


@asynccontextmanager
async def _sample() -> AsyncIterator[FaqStore]:
    store = await open_sample_store()
    try:
        yield store
    finally:
        await store.close()


@asynccontextmanager
async def scoped_service(args: argparse.Namespace, *, write: bool = False) -> AsyncIterator[FaqService]:
    settings = settings_from(args)
    check_hub_model(CoreSettings, settings.model, flag_values(args))
    async with (
        scoped_store(args, write=write, settings=settings) as store,
        open_service(settings, store=store, notice=note) as service,
    ):
        if args.guild != SAMPLE_SCOPE:
            yield service
            return
        async with sample_vectors(service):
            yield service


def sample_vectors_file(fingerprint: str) -> Path:
    """Where the sample club's vectors for one model are kept between commands (the model cache)."""
    from faq.seed import bundled_faqs_bytes
    from model.e5_wheel import cache_dir

    key = hashlib.sha256(fingerprint.encode() + b"\0" + bundled_faqs_bytes()).hexdigest()[:16]
    return cache_dir() / "sample-vectors" / f"{key}.npz"


@asynccontextmanager
async def sample_vectors(service: FaqService) -> AsyncIterator[None]:
    """The sample is an in-memory store, so every command would encode its 63 FAQs (and the decision
    model's off-topic lines) again (~6 s with the default's e5 part): their vectors are read from, and
    after the first command written to, a file in the model cache. A missing or unreadable file only
    means encoding them again."""
    fingerprint = service.embedder.encoder.fingerprint
    path = sample_vectors_file(fingerprint)
    try:
        with np.load(path, allow_pickle=False) as data:
            vectors = dict(zip(data["texts"].tolist(), data["vectors"], strict=True))
        await service.store.put_embeddings(vectors, fingerprint)
    except (OSError, ValueError, KeyError):
        pass  # first command with this model, or a damaged file: encoded as usual
    yield
    if path.exists():
        return
    rows = index_texts(await service.store.list_faqs(SAMPLE_SCOPE), service.rules)
    found = await service.cached_index_vectors(SAMPLE_SCOPE, rows, fingerprint)
    if not found:
        return
    if service.decision is not None:  # its off-topic lines are encoded for every question's decision
        found.update(
            await service.store.cached_embeddings(list(dict.fromkeys(service.decision.off_topic)), fingerprint)
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as tmp:
            try:
                np.savez(tmp, texts=np.array(list(found)), vectors=np.stack(list(found.values())))
            except BaseException:
                os.unlink(tmp.name)
                raise
        os.replace(tmp.name, path)  # whole or not at all: another command may be reading it
    except OSError:
        pass  # a read-only cache: the next command encodes again
