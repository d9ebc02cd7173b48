"""`faqbot feedback list/accept/reject`: the CLI side of the 👍 review queue; train reads accepted pairs only."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from faq.activity import ActivityLog
from faq.embedder import ThreadedEmbedder
from faq.service import FaqService
from faq.store import FaqStore
from faqbot.cli import main
from faqbot.commands.train import db_groups
from model.fake import HashingEncoder
from tests.helpers import SAMPLE_FAQS


async def _two_thumbs_up(path: Path) -> None:
    store = await FaqStore.open(path)
    service = FaqService(store, ThreadedEmbedder(HashingEncoder()))
    await service.import_drafts("g1", SAMPLE_FAQS, "admin")
    log = ActivityLog(store)
    for user, text in ((1, "동아리 회비 얼마예요"), (2, "회비 금액 알려줘")):
        answer = await service.ask("g1", text)
        assert answer.best is not None
        qid = await log.record_query("g1", answer, user_id=user, source="mention")
        await log.vote("g1", qid, answer.best.faq_id, user_id=user, up=True)
    await service.aclose()
    await store.close()


def test_review_queue_from_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "bot.db"
    asyncio.run(_two_thumbs_up(db))
    assert all("동아리 회비 얼마예요" not in g for g in db_groups(db, "g1"))  # nothing accepted yet

    assert main(["feedback", "list", "--db", str(db), "--guild", "g1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and all("\tpending\t" in line for line in out)
    first, second = (int(line.split("\t")[0].lstrip("#")) for line in out)

    # Another scope's ids are not found, and nothing changes (one transaction).
    assert main(["feedback", "accept", str(first), "--db", str(db), "--guild", "other"]) == 2
    assert "찾을 수 없어요" in capsys.readouterr().err
    assert main(["feedback", "accept", str(first), "999999", "--db", str(db), "--guild", "g1"]) == 2
    capsys.readouterr()

    assert main(["feedback", "accept", str(first), "--db", str(db), "--guild", "g1"]) == 0
    assert main(["feedback", "reject", str(second), "--db", str(db), "--guild", "g1"]) == 0
    capsys.readouterr()
    assert main(["feedback", "list", "--db", str(db), "--guild", "g1"]) == 0
    assert capsys.readouterr().out == ""  # queue empty
    assert main(["feedback", "list", "--status", "all", "--db", str(db), "--guild", "g1"]) == 0
    listed = capsys.readouterr().out
    assert "\taccepted\t동아리 회비 얼마예요" in listed and "\trejected\t회비 금액 알려줘" in listed

    groups = db_groups(db, "g1")
    assert any("동아리 회비 얼마예요" in g for g in groups)
    assert all("회비 금액 알려줘" not in g for g in groups)
