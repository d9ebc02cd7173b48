"""``faqbot db migrate/backup/restore``: round trips that compare every row of every table."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from faq.activity import ActivityLog, Source
from faq.db.copy import TABLES, table_rows
from faq.embedder import ThreadedEmbedder
from faq.scope_config import ScopeConfigs
from faq.service import FaqService
from faq.store import FaqStore
from faq.types import FaqDraft, Thresholds
from faqbot import cli
from model.fake import HashingEncoder
from tests.conftest import SAMPLE_FAQS
from tests.pg_fixtures import admin, database_url


async def populate(target: str) -> None:
    """FAQs with alternates in two scopes, a removed FAQ (an id gap), vectors, settings, queries, votes."""
    store = await FaqStore.open(target)
    service = FaqService(store, ThreadedEmbedder(HashingEncoder()), thresholds=Thresholds(0.6, 0.35, 0.05))
    try:
        await service.import_drafts("g1", SAMPLE_FAQS, "admin")
        await service.import_drafts("g2", SAMPLE_FAQS[:2], "admin")
        gone = await service.add("g2", FaqDraft("사라질 질문", "곧 지워요", ()), "admin")
        await service.remove("g2", gone.id, "admin")
        await ScopeConfigs(store).set_cooldown("g1", 12)
        await ScopeConfigs(store).add_channel("g1", 123456789012345678)
        log = ActivityLog(store)
        for i, question in enumerate(["회비 얼마예요?", "세션 언제 해요?", "주차 되나요?"]):
            answer = await service.ask("g1", question)
            qid = await log.record_query("g1", answer, user_id=1000 + i, source=Source.MENTION)
            if answer.best is not None and answer.status.value == "answer":
                await log.vote("g1", qid, answer.best.faq_id, user_id=1000 + i, up=True)
    finally:
        await service.aclose()
        await store.close()


async def every_row(target: str) -> dict[str, list[tuple[object, ...]]]:
    store = await FaqStore.open(target)
    try:
        return {table: await table_rows(store, table) for table in TABLES}
    finally:
        await store.close()


async def cli_run(*argv: str) -> int:
    return await asyncio.to_thread(cli.main, list(argv))  # the CLI runs its own event loop


async def test_migrate_copies_every_row_and_ids_continue(tmp_path: Path, pg_schema_url: str, capsys) -> None:
    source = str(tmp_path / "club.db")
    await populate(source)
    assert await cli_run("db", "migrate", "--db", source, "--to", pg_schema_url) == 0
    out = capsys.readouterr().out
    assert "개수 일치" in out
    before = await every_row(source)
    assert all(before[t] for t in ("faqs", "faq_questions", "embeddings", "scope_settings", "queries", "feedback"))
    assert await every_row(pg_schema_url) == before

    store = await FaqStore.open(pg_schema_url)
    try:
        assert await store.ever_held_faqs()
        created, _ = await store.add("g1", [FaqDraft("새 질문입니다", "새 답", ())], "admin")
        assert created[0].id == max(r[0] for r in before["faqs"]) + 2  # the removed FAQ's id is not reused
    finally:
        await store.close()
    # A second run would merge two knowledge bases: refused, nothing written.
    assert await cli_run("db", "migrate", "--db", source, "--to", pg_schema_url) == 2
    assert "비어 있지 않습니다" in capsys.readouterr().err


async def test_sqlite_backup_and_restore_round_trip(tmp_path: Path, capsys) -> None:
    db = str(tmp_path / "club.db")
    await populate(db)
    assert await cli_run("db", "backup", "--db", db, str(tmp_path / "b.db")) == 0
    assert await cli_run("db", "backup", "--db", db, str(tmp_path / "b.db")) == 2  # never overwrites a file
    restored = str(tmp_path / "restored.db")
    assert await cli_run("db", "restore", "--db", restored, str(tmp_path / "b.db")) == 0
    assert await every_row(restored) == await every_row(db)
    # restoring over a database that holds FAQs needs --force
    assert await cli_run("db", "restore", "--db", restored, str(tmp_path / "b.db")) == 2
    assert "--force" in capsys.readouterr().err
    assert await cli_run("db", "restore", "--db", restored, "--force", str(tmp_path / "b.db")) == 0


async def test_postgres_backup_and_restore_round_trip(tmp_path: Path, pg_database_url: str, pg_server: str) -> None:
    await populate(pg_database_url)
    dump = tmp_path / "faq.dump"
    assert await cli_run("db", "backup", "--db", pg_database_url, str(dump)) == 0
    second = database_url(pg_server, "restore_target")
    await admin(pg_server, "CREATE DATABASE restore_target")
    try:
        assert await cli_run("db", "restore", "--db", second, str(dump)) == 0
        assert await every_row(second) == await every_row(pg_database_url)
        store = await FaqStore.open(second)  # the restored database works: ids continue, triggers fire
        try:
            created, _ = await store.add("g1", [FaqDraft("복원 후 새 질문", "답", ())], "admin")
            assert created[0].id > max(r[0] for r in (await every_row(pg_database_url))["faqs"])
            assert "g1" in await store.scopes_changed_since(0)
        finally:
            await store.close()
    finally:
        await admin(pg_server, "DROP DATABASE restore_target WITH (FORCE)")


async def test_a_backup_restores_only_into_its_own_engine(tmp_path: Path, pg_schema_url: str, capsys) -> None:
    db = str(tmp_path / "club.db")
    await populate(db)
    assert await cli_run("db", "backup", "--db", db, str(tmp_path / "b.db")) == 0
    assert await cli_run("db", "restore", "--db", pg_schema_url, str(tmp_path / "b.db")) == 2
    assert "migrate" in capsys.readouterr().err
    (tmp_path / "junk.bin").write_bytes(b"not a backup")
    assert await cli_run("db", "restore", "--db", str(tmp_path / "x.db"), str(tmp_path / "junk.bin")) == 2
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize("url", ["postgresql://bot:s3cret@127.0.0.1:1/faq"])
async def test_unreachable_target_is_one_line_without_the_password(tmp_path: Path, url: str, capsys) -> None:
    assert await cli_run("db", "migrate", "--db", str(tmp_path / "a.db"), "--to", url) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "s3cret" not in err and "연결할 수 없습니다" in err
