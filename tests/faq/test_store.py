from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from faq.errors import DuplicateQuestion, NotFound, StorageError
from faq.schema import SCHEMA_VERSION
from faq.store import FaqStore
from faq.types import FaqDraft
from tests.helpers import SAMPLE_FAQS


async def test_new_database_is_versioned_and_uses_wal(tmp_path: Path) -> None:
    store = await FaqStore.open(tmp_path / "a.db")
    assert store.created
    await store.close()
    conn = sqlite3.connect(tmp_path / "a.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    again = await FaqStore.open(tmp_path / "a.db")
    assert not again.created
    await again.close()


async def test_refuses_a_database_newer_than_the_code(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "new.db")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StorageError, match="새롭습니다"):
        await FaqStore.open(tmp_path / "new.db")


async def test_add_round_trips_questions_and_alternates_in_order(store: FaqStore) -> None:
    created, _ = await store.add("g1", SAMPLE_FAQS[:2], "admin")
    faq = await store.get("g1", created[0].id)
    assert faq.question == SAMPLE_FAQS[0].question
    assert faq.alternates == SAMPLE_FAQS[0].alternates
    assert faq.created_by == faq.updated_by == "admin"
    assert [f.id for f in await store.list_faqs("g1")] == [c.id for c in created]


async def test_a_failing_multi_row_add_changes_nothing(store: FaqStore) -> None:
    await store.add("g1", SAMPLE_FAQS[:1], "admin")
    clash = FaqDraft("새 질문", "답", ("회비 금액이 궁금해요",))  # alternate of FAQ 1
    with pytest.raises(DuplicateQuestion) as info:
        await store.add("g1", [SAMPLE_FAQS[1], clash], "admin")
    assert info.value.existing_faq_id == 1
    assert await store.count("g1") == 1  # the first draft of the batch was rolled back too


async def test_scopes_are_isolated(store: FaqStore) -> None:
    created, _ = await store.add("g1", SAMPLE_FAQS[:1], "admin")
    # The same question may exist in another guild.
    await store.add("g2", SAMPLE_FAQS[:1], "admin")
    with pytest.raises(NotFound):
        await store.get("g2", created[0].id)
    with pytest.raises(NotFound):
        await store.remove("g2", created[0].id)
    assert await store.count("g1") == 1


async def test_replace_all_swaps_the_scope_in_one_transaction(store: FaqStore) -> None:
    await store.add("g1", SAMPLE_FAQS[:3], "admin")
    await store.add("g2", SAMPLE_FAQS[:1], "admin")
    bad = [SAMPLE_FAQS[3], FaqDraft("x?", "y", ("FE 파트 뭐해요?",))]  # duplicate inside the file
    with pytest.raises(DuplicateQuestion):
        await store.add("g1", bad, "admin", replace_all=True)
    assert await store.count("g1") == 3  # the delete was rolled back with the failed insert
    _, removed = await store.add("g1", SAMPLE_FAQS[3:], "admin", replace_all=True)
    assert len(removed) == 3
    assert [f.question for f in await store.list_faqs("g1")] == [d.question for d in SAMPLE_FAQS[3:]]
    assert await store.count("g2") == 1


async def test_embedding_cache_is_keyed_by_text_and_fingerprint(store: FaqStore) -> None:
    vec = np.arange(4, dtype=np.float32)
    await store.put_embeddings({"회비는 얼마인가요?": vec}, "m1")
    assert np.array_equal((await store.cached_embeddings(["회비는 얼마인가요?"], "m1"))["회비는 얼마인가요?"], vec)
    assert await store.cached_embeddings(["회비는 얼마인가요?"], "m2") == {}


async def test_hostile_text_is_stored_verbatim(store: FaqStore) -> None:
    hostile = FaqDraft("'; DROP TABLE faqs; -- 회비?", "@everyone **굵게** `코드`", ("Robert'); --",))
    created, _ = await store.add("g1", [hostile], "admin")
    faq = await store.get("g1", created[0].id)
    assert (faq.question, faq.answer, faq.alternates) == (hostile.question, hostile.answer, hostile.alternates)


async def test_settings_round_trip_and_delete(store: FaqStore) -> None:
    await store.set_setting("g1", "thresholds", {"answer": 0.7})
    assert await store.get_setting("g1", "thresholds") == {"answer": 0.7}
    assert await store.get_setting("g2", "thresholds") is None
    await store.set_setting("g1", "thresholds", None)
    assert await store.get_setting("g1", "thresholds") is None


async def test_every_write_gives_its_scope_a_new_change_number(store: FaqStore) -> None:
    assert await store.scope_seqs() == {}
    (faq,), _ = await store.add("g1", SAMPLE_FAQS[:1], "t")
    await store.add("g2", SAMPLE_FAQS[1:2], "t")
    first = await store.scope_seqs()
    assert set(first) == {"g1", "g2"} and await store.scope_seqs("g1") == {"g1": first["g1"]}
    seen = {first["g1"]}
    for answer in ("둘째", "셋째"):
        await store.update("g1", faq.id, FaqDraft(faq.question, answer), "t")
        now = (await store.scope_seqs())["g1"]
        assert now not in seen  # never a number seen before: "unchanged" means equal
        seen.add(now)
    await store.set_setting("g1", "k", 1)
    assert (await store.scope_seqs())["g1"] not in seen
    assert (await store.scope_seqs())["g2"] == first["g2"]
