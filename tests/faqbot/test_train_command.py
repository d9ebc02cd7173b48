"""`faqbot train --db` turns the bot's 👍 feedback into training pairs, once an admin accepted them."""

from __future__ import annotations

from pathlib import Path

from faq.activity import ActivityLog
from faq.embedder import ThreadedEmbedder
from faq.service import FaqService
from faq.store import FaqStore
from faqbot.commands.train import db_groups
from model.fake import HashingEncoder
from tests.helpers import SAMPLE_FAQS


async def _db_with_feedback(path: Path) -> tuple[str, str]:
    store = await FaqStore.open(path)
    service = FaqService(store, ThreadedEmbedder(HashingEncoder()))
    await service.import_drafts("g1", SAMPLE_FAQS, "admin")
    log = ActivityLog(store)
    liked = await service.ask("g1", "동아리 회비 얼마예요")
    disliked = await service.ask("g1", "세션 시간 알려주세요")
    assert liked.best is not None and disliked.best is not None
    up = await log.record_query("g1", liked, user_id=42, source="mention")
    down = await log.record_query("g1", disliked, user_id=42, source="mention")
    await log.vote("g1", up, liked.best.faq_id, user_id=42, up=True)
    await log.vote("g1", down, disliked.best.faq_id, user_id=42, up=False)
    unreviewed = await service.ask("g1", "회비 금액 알려줘")
    assert unreviewed.best is not None
    pending = await log.record_query("g1", unreviewed, user_id=43, source="mention")
    await log.vote("g1", pending, unreviewed.best.faq_id, user_id=43, up=True)
    for pair in await log.feedback_pairs("g1"):
        if pair.text == "동아리 회비 얼마예요":
            await log.review("g1", [pair.id], accept=True, reviewer="admin")
    await service.aclose()
    await store.close()
    return liked.best.question, disliked.best.question


def test_thumbs_up_questions_join_their_faq_group(tmp_path: Path) -> None:
    import asyncio

    db = tmp_path / "bot.db"
    liked_faq, disliked_faq = asyncio.run(_db_with_feedback(db))
    groups = {g[0]: g for g in db_groups(db, "g1")}
    assert "동아리 회비 얼마예요" in groups[liked_faq]
    assert "세션 시간 알려주세요" not in groups[disliked_faq]  # 👎 teaches nothing
    assert not any("회비 금액 알려줘" in g for g in groups.values())  # 👍 not yet accepted: not trained on
    assert "동아리 회비 얼마예요" not in {g[0]: g for g in db_groups(db, "g1", feedback=False)}[liked_faq]
    assert db_groups(db, "other-guild") == []
