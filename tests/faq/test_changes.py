"""Catching up with another connection's commits: the seam, the SQLite feed, the follower.

A second ``FaqStore`` on the same file stands in for another process here (SQLite sees
another connection either way); tests/bot/test_live_changes.py uses real processes.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from faq.changes import Change, KnowledgeFollower, SqliteChangeFeed
from faq.embedder import ThreadedEmbedder
from faq.errors import StorageError
from faq.index import index_texts
from faq.scope_config import ScopeConfigs
from faq.service import FaqService
from faq.store import FaqStore
from faq.types import FaqDraft, Status, Thresholds
from model.fake import HashingEncoder
from tests.helpers import SAMPLE_FAQS

MASCOT = FaqDraft("동아리 마스코트 이름이 뭐예요?", "마스코트 이름은 사자 '멋쟁이'예요.", ("마스코트 이름",))


async def answered(service: FaqService, question: str) -> bool:
    return (await service.ask("g1", question)).status is Status.ANSWER


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float = 2.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"not within {timeout_s}s")


@pytest.fixture
def db_target(tmp_path: Path) -> str:
    """SQLite: these tests drive SqliteChangeFeed (PostgreSQL's feed: test_pg_changes.py)."""
    return str(tmp_path / "faq.db")


async def test_data_version_moves_only_for_other_connections(service: FaqService, other: FaqService) -> None:
    store = service.store
    before = await store.data_version()
    await service.add("g1", MASCOT, "me")
    assert await store.data_version() == before  # our own commit: nothing to look at
    await other.edit("g1", 1, "cli", answer="다른 답")
    assert await store.data_version() != before


async def test_feed_names_only_the_scopes_changed_since_the_last_poll(service: FaqService, other: FaqService) -> None:
    feed = SqliteChangeFeed(service.store)
    await feed.prime()
    assert await feed.poll() is None
    await other.import_drafts("g2", SAMPLE_FAQS[:2], "cli")
    assert await feed.poll() == Change(frozenset({"g2"}))
    assert await feed.poll() is None
    await other.set_thresholds("g1", Thresholds(0.9, 0.5, 0.1))
    await other.remove("g2", (await other.list("g2"))[0].id, "cli")
    assert await feed.poll() == Change(frozenset({"g1", "g2"}))


async def test_feed_ignores_writes_that_change_no_scope(service: FaqService, other: FaqService) -> None:
    feed = SqliteChangeFeed(service.store)
    await feed.prime()
    await other.store.put_embeddings({"아무 문장": HashingEncoder().encode(["아무 문장"])[0]}, "x")
    assert await feed.poll() is None
    await service.add("g1", MASCOT, "me")  # our own write: never reported
    assert await feed.poll() is None


async def test_follower_brings_an_faq_added_elsewhere_into_the_index(service: FaqService, other: FaqService) -> None:
    follower = KnowledgeFollower(service, SqliteChangeFeed(service.store, interval_s=0.02))
    await follower.start()
    try:
        assert (await service.ask("g1", "동아리 마스코트 이름이 뭐예요?")).status is not Status.ANSWER
        faq = await other.add("g1", MASCOT, "cli")
        await eventually(lambda: answered(service, "동아리 마스코트 이름이 뭐예요?"))
        answer = await service.ask("g1", "동아리 마스코트 이름이 뭐예요?")
        assert answer.best is not None and answer.best.faq_id == faq.id and answer.answer == MASCOT.answer
        assert follower.reloads == 1
    finally:
        await follower.stop()


async def test_own_writes_cause_no_reload(service: FaqService) -> None:
    follower = KnowledgeFollower(service, SqliteChangeFeed(service.store, interval_s=0.01))
    await follower.start()
    try:
        await service.add("g1", MASCOT, "me")
        await service.edit("g1", 1, "me", answer="바뀐 답")
        await service.set_thresholds("g1", Thresholds(0.7, 0.3, 0.05))
        await asyncio.sleep(0.2)
        assert follower.reloads == 0
    finally:
        await follower.stop()


async def test_other_models_texts_are_encoded_once_with_ours(
    service: FaqService, other: FaqService, encoder: HashingEncoder
) -> None:
    await service.index("g1")
    added = await other.add("g1", MASCOT, "cli")  # cached under the CLI's model only
    ours = encoder.fingerprint
    assert await service.store.cached_embeddings(added.questions, ours) == {}
    calls = len(encoder.calls)
    assert await service.reload("g1")
    new_texts = index_texts([added])  # questions and answer passages
    assert sum(encoder.calls[calls:]) == len(new_texts)  # only the new texts, once
    assert set(await service.store.cached_embeddings(new_texts, ours)) == set(new_texts)
    calls = len(encoder.calls)
    assert await service.reload("g1")
    assert encoder.calls[calls:] == []  # now cached: a reload encodes nothing


async def test_reload_refreshes_thresholds_and_settings_listeners(service: FaqService, other: FaqService) -> None:
    configs = ScopeConfigs(service.store)
    service.on_settings_changed(configs.forget)
    assert (await configs.get("g1")).cooldown_s is None
    assert (await service.thresholds("g1")).answer == 0.6
    await other.set_thresholds("g1", Thresholds(0.95, 0.5, 0.1))
    await ScopeConfigs(other.store).set_cooldown("g1", 5)
    assert (await service.thresholds("g1")).answer == 0.6  # cached until told
    await service.reload("g1")
    assert (await service.thresholds("g1")).answer == 0.95
    assert (await configs.get("g1")).cooldown_s == 5


async def test_settings_dropped_for_a_change_then_unreadable_are_the_last_ones_read(
    service: FaqService, other: FaqService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change elsewhere drops a scope's cached settings; if the database then goes away, members
    are still answered from memory (with the settings read last) instead of getting an error."""
    configs = ScopeConfigs(service.store)
    service.on_settings_changed(configs.forget)
    await other.set_thresholds("g1", Thresholds(0.55, 0.3, 0.04))
    await ScopeConfigs(other.store).set_cooldown("g1", 7)
    await service.reload("g1")
    assert (await service.thresholds("g1")).answer == 0.55 and (await configs.get("g1")).cooldown_s == 7
    await service.reload("g1")  # another change elsewhere: both caches dropped again

    async def unreachable(*_: object) -> None:
        raise StorageError("데이터베이스에 연결할 수 없습니다: test")

    monkeypatch.setattr(service.store, "get_setting", unreachable)
    assert (await service.ask("g1", SAMPLE_FAQS[0].question)).status is Status.ANSWER
    assert (await service.thresholds("g1")).answer == 0.55
    assert (await configs.get("g1")).cooldown_s == 7
    with pytest.raises(StorageError):  # never read: nothing to fall back on
        await configs.get("g9")
    monkeypatch.undo()
    await other.set_thresholds("g1", Thresholds(0.7, 0.3, 0.04))
    assert (await service.thresholds("g1")).answer == 0.7  # read again once it is back


class RecordingService:
    """What the follower calls on a service, recording the order scopes are reloaded in."""

    def __init__(self, loaded: list[str]) -> None:
        self.loaded = loaded
        self.reloaded: list[str] = []

    def forget_settings(self, scope: str | None) -> None:
        pass

    def loaded_scopes(self) -> list[str]:
        return list(self.loaded)

    async def scopes_behind(self) -> list[str]:
        return [scope for scope in self.loaded if scope != "g2"]  # g2 unchanged since it was read

    async def reload(self, scope: str) -> bool:
        self.reloaded.append(scope)
        return scope in self.loaded


class HeardFeed:
    """A feed that hears of ``scope`` after ``after`` reloads of a full reload."""

    def __init__(self, scope: str, after: int, service: RecordingService) -> None:
        self.scope, self.after, self.service = scope, after, service

    def take_pending(self) -> frozenset[str]:
        if len(self.service.reloaded) == self.after:
            return frozenset({self.scope})
        return frozenset()


async def test_a_full_reload_goes_first_to_scopes_written_meanwhile_and_to_changes_heard_during_it() -> None:
    service = RecordingService(["g1", "g2", "g3", "g4", "g5"])
    feed = HeardFeed("g5", after=1, service=service)
    follower = KnowledgeFollower(service, feed)  # type: ignore[arg-type]
    await follower.apply(Change(frozenset({"g4"}), everything=True))
    # g4 was written while disconnected: first; g5 committed during the sweep: at once, once;
    # g2 has not changed since its index was read: left alone.
    assert service.reloaded == ["g4", "g5", "g1", "g3"]


async def test_a_scope_not_loaded_is_left_to_load_on_first_use(service: FaqService, other: FaqService) -> None:
    await other.import_drafts("g2", SAMPLE_FAQS[:1], "cli")
    assert not await service.reload("g2")
    assert (await service.ask("g2", SAMPLE_FAQS[0].question)).status is Status.ANSWER


class FlakyEncoder(HashingEncoder):
    def __init__(self) -> None:
        super().__init__()
        self.fail = False

    def encode(self, texts):  # type: ignore[no-untyped-def]
        if self.fail:
            raise RuntimeError("model unavailable (simulated)")
        return super().encode(texts)


async def test_a_failed_reload_keeps_the_old_index_and_is_retried(tmp_path: Path, other: FaqService) -> None:
    encoder = FlakyEncoder()
    store = await FaqStore.open(tmp_path / "faq.db")
    service = FaqService(store, ThreadedEmbedder(encoder))
    follower = KnowledgeFollower(service, SqliteChangeFeed(store, interval_s=0.01), retry_s=0.05)
    try:
        await follower.start()
        before = (await service.index("g1")).snapshot
        encoder.fail = True
        await other.add("g1", MASCOT, "cli")  # needs our model: the reload fails
        await asyncio.sleep(0.2)
        assert (await service.index("g1")).snapshot is before
        encoder.fail = False
        await eventually(lambda: answered(service, MASCOT.question))
    finally:
        await follower.stop()
        await service.aclose()
        await store.close()


async def test_everything_reloads_the_scopes_written_since_loaded_and_all_settings(
    service: FaqService, other: FaqService
) -> None:
    seen: list[str | None] = []
    service.on_settings_changed(seen.append)
    follower = KnowledgeFollower(service, SqliteChangeFeed(service.store))
    before = (await service.index("g1")).snapshot  # written by this service since its index was built
    await follower.apply(Change(everything=True))
    assert (await service.index("g1")).snapshot is not before
    assert seen[0] is None
    await other.import_drafts("g2", SAMPLE_FAQS[:1], "cli")
    g1, g2 = (await service.index("g1")).snapshot, (await service.index("g2")).snapshot
    await other.edit("g2", (await other.list("g2"))[0].id, "cli", answer="바뀐 답")  # missed while "away"
    await follower.apply(Change(everything=True))
    assert (await service.index("g1")).snapshot is g1  # not written since it was read: not rebuilt
    assert (await service.index("g2")).snapshot is not g2
    assert (await service.ask("g2", SAMPLE_FAQS[0].question)).answer == "바뀐 답"


async def test_upgrade_adds_the_change_log_to_an_existing_database(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    store = await FaqStore.open(db)
    await store.add("g1", SAMPLE_FAQS[:1], "t")
    await store.close()
    conn = sqlite3.connect(db)  # back to schema 4 (before scope_changes), as an older faqbot left it
    conn.executescript(
        "DROP TABLE scope_changes; "
        + "".join(
            f"DROP TRIGGER {t}_{op}_bump; "
            for t in ("faqs", "faq_questions", "scope_settings")
            for op in ("insert", "update", "delete")
        )
        + "DROP TABLE bot_processes; PRAGMA user_version = 4;"
    )
    conn.close()
    store = await FaqStore.open(db)
    try:
        assert await store.change_seq() == 0
        await store.add("g1", SAMPLE_FAQS[1:2], "t")
        assert set(await store.scopes_changed_since(0)) == {"g1"}
        assert len(await store.list_faqs("g1")) == 2
    finally:
        await store.close()


async def test_a_settings_read_racing_a_change_elsewhere_is_not_cached(
    service: FaqService, other: FaqService, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = service.store
    real_get = store.get_setting
    release = asyncio.Event()

    async def slow_get(scope: str, key: str) -> object:
        value = await real_get(scope, key)  # read before the other commit lands
        await release.wait()
        return value

    monkeypatch.setattr(store, "get_setting", slow_get)
    reading = asyncio.create_task(service.thresholds("g1"))
    await asyncio.sleep(0.05)
    await other.set_thresholds("g1", Thresholds(0.95, 0.5, 0.1))
    await service.reload("g1")  # what the follower does when it sees the commit
    release.set()
    assert (await reading).answer == 0.6  # the read in flight saw the old value...
    monkeypatch.setattr(store, "get_setting", real_get)
    assert (await service.thresholds("g1")).answer == 0.95  # ...but did not pin it in the cache


async def test_a_reload_waits_for_a_first_load_in_progress(
    service: FaqService, other: FaqService, monkeypatch: pytest.MonkeyPatch
) -> None:
    await other.import_drafts("g2", SAMPLE_FAQS[:1], "cli")
    real_build = service._build_index
    release = asyncio.Event()

    async def slow_build(scope: str, embedder):  # type: ignore[no-untyped-def]
        index = await real_build(scope, embedder)  # reads the database before the next commit
        await release.wait()
        return index

    monkeypatch.setattr(service, "_build_index", slow_build)
    loading = asyncio.create_task(service.index("g2"))
    await asyncio.sleep(0.05)
    await other.add("g2", MASCOT, "cli")
    reloading = asyncio.create_task(service.reload("g2"))
    await asyncio.sleep(0.05)
    release.set()
    await loading
    assert await reloading  # it waited for the first load and then rebuilt, not "not loaded"
    assert MASCOT.question in (await service.index("g2")).snapshot.row_texts
