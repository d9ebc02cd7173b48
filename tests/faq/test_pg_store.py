"""PostgreSQL specifics of the store: same schema as SQLite, versioning, concurrent start, unreachable server."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from faq.db import display_target
from faq.db.pg_schema import OVERRIDES, UntranslatableStep, postgres_steps, translate
from faq.db.postgres import to_postgres
from faq.errors import StorageError
from faq.schema import SCHEMA_VERSION
from faq.store import FaqStore
from tests.conftest import SAMPLE_FAQS


@pytest.fixture
def db_target(pg_schema_url: str) -> str:
    return pg_schema_url


def test_placeholders_outside_quotes_become_numbered() -> None:
    assert to_postgres("SELECT '?' FROM t WHERE a = ? AND b = \"?\" AND c IN (?, ?)") == (
        "SELECT '?' FROM t WHERE a = $1 AND b = \"?\" AND c IN ($2, $3)"
    )


def test_a_trigger_step_without_a_postgres_form_fails_loudly() -> None:
    with pytest.raises(UntranslatableStep):
        translate("CREATE TRIGGER x AFTER INSERT ON faqs BEGIN SELECT 1; END")
    assert len(postgres_steps()) == SCHEMA_VERSION and set(OVERRIDES) <= set(range(SCHEMA_VERSION))


def test_password_is_masked_for_display() -> None:
    assert display_target("postgresql://bot:s3cret@db.example/faq") == "postgresql://bot:***@db.example/faq"
    assert display_target("/srv/faq.db") == "/srv/faq.db"


async def test_both_engines_reach_the_same_tables_and_columns(tmp_path: Path, db_target: str) -> None:
    await (await FaqStore.open(tmp_path / "s.db")).close()
    conn = sqlite3.connect(tmp_path / "s.db")
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    sqlite_shape = {
        t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in tables if t != "sqlite_sequence"
    }
    conn.close()
    store = await FaqStore.open(db_target)
    try:
        async with store.reading() as pg:
            rows = await pg.raw.fetch(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
            )
            version = await pg.raw.fetchval("SELECT version FROM faqbot_schema")
    finally:
        await store.close()
    pg_shape: dict[str, list[str]] = {}
    for row in rows:
        pg_shape.setdefault(row["table_name"], []).append(row["column_name"])
    assert pg_shape.pop("faqbot_schema") == ["version"]  # PostgreSQL's user_version
    assert pg_shape == sqlite_shape
    assert version == SCHEMA_VERSION


async def test_refuses_a_database_newer_than_the_code(db_target: str) -> None:
    store = await FaqStore.open(db_target)
    assert store.created
    async with store.transaction() as conn:
        await conn.execute("UPDATE faqbot_schema SET version = ?", (SCHEMA_VERSION + 1,))
    await store.close()
    with pytest.raises(StorageError, match="새롭습니다"):
        await FaqStore.open(db_target)


async def test_processes_starting_together_upgrade_once(db_target: str) -> None:
    stores = await asyncio.gather(*(FaqStore.open(db_target) for _ in range(4)))
    try:
        assert sorted(s.created for s in stores) == [False, False, False, True]
        await stores[0].add("g1", SAMPLE_FAQS[:1], "a")
        assert await stores[3].count("g1") == 1  # one knowledge base
    finally:
        for s in stores:
            await s.close()


async def test_ids_are_never_reused_and_ever_held_survives_removal(store: FaqStore) -> None:
    assert not await store.ever_held_faqs()
    created, _ = await store.add("g1", SAMPLE_FAQS[:2], "a")
    await store.remove("g1", created[1].id)
    again, _ = await store.add("g1", SAMPLE_FAQS[2:3], "a")
    assert again[0].id == created[1].id + 1
    await store.remove("g1", created[0].id)
    await store.remove("g1", again[0].id)
    assert await store.ever_held_faqs()


async def test_each_process_names_itself_to_the_server(store: FaqStore) -> None:
    async with store.reading() as conn:
        assert await conn.raw.fetchval("SHOW application_name") == store.db.writer
        assert (await conn.raw.fetchval("SHOW search_path")).startswith("t_")  # the URL's settings kept too


async def test_unreachable_server_is_one_clear_error() -> None:
    with pytest.raises(StorageError, match="연결할 수 없습니다") as info:
        await FaqStore.open("postgresql://bot:pw@127.0.0.1:1/faq")
    assert "\n" not in str(info.value) and "pw" not in str(info.value)


async def test_a_server_gone_mid_run_refuses_writes_and_recovers(store: FaqStore) -> None:
    await store.add("g1", SAMPLE_FAQS[:1], "a")
    async with store.reading() as conn:
        await conn.raw.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 "
            "AND pid != pg_backend_pid()",
            store.db.writer,
        )
    # The terminated pooled connections are replaced on the next acquire: nothing is lost.
    assert await store.count("g1") == 1
    assert isinstance(await store.db.ever_held_faqs(), bool)
    with pytest.raises(asyncpg.PostgresError):
        async with store.reading() as conn:
            await conn.raw.execute("SELECT * FROM no_such_table")  # a bug is not "unreachable"


def test_a_bad_database_url_is_one_line_without_its_password() -> None:
    from faqbot.config_sources import ConfigError, build
    from faqbot.settings import CoreSettings

    with pytest.raises(ConfigError) as info:
        build(CoreSettings, {"db": ("postgresql://bot:s3cret@host", "명령줄 --db")})
    assert len(info.value.lines) == 1 and "s3cret" not in info.value.lines[0] and "FAQBOT_DB" in info.value.lines[0]
    url = "postgresql://bot:s3cret@host:5432/faq?sslmode=require"
    assert build(CoreSettings, {"db": (url, "명령줄 --db")}).db == url  # kept as text, '//' intact


async def test_concurrent_imports_sharing_texts_do_not_deadlock(db_target: str) -> None:
    """Two processes importing into two scopes that share texts (questions common across clubs) upsert
    the same embedding-cache rows; in opposite orders that was a deadlock, and one import failed."""
    import numpy as np

    from faq.types import FaqDraft

    shared = [f"공통 질문 {i}번은 무엇인가요?" for i in range(2000)]

    async def load(store: FaqStore, scope: str, texts: list[str], fingerprint: str) -> None:
        vectors = {q: np.full(4, i, dtype=np.float32) for i, q in enumerate(texts)}
        await store.add(scope, [FaqDraft(texts[0], f"{scope} 답")], "admin", vectors=vectors, fingerprint=fingerprint)

    stores = [await FaqStore.open(db_target) for _ in range(2)]
    try:
        for attempt in range(5):
            await asyncio.gather(
                load(stores[0], f"club{attempt}-a", shared, f"fp{attempt}"),
                load(stores[1], f"club{attempt}-b", shared[::-1], f"fp{attempt}"),
            )
            assert await stores[0].count(f"club{attempt}-a") == await stores[1].count(f"club{attempt}-b") == 1
    finally:
        for s in stores:
            await s.close()
