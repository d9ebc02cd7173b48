from __future__ import annotations

import numpy as np
import pytest

from faq.embedder import EncodeFailed, ThreadedEmbedder
from faq.errors import DuplicateQuestion, InvalidInput, NotFound
from faq.index import index_texts
from faq.service import FaqService
from faq.store import FaqStore
from faq.text import MAX_QUERY_CHARS
from faq.types import FaqDraft, Status, Thresholds
from model.fake import HashingEncoder
from tests.helpers import SAMPLE_FAQS


class BrokenEncoder(HashingEncoder):
    def encode(self, texts):  # type: ignore[no-untyped-def]
        raise RuntimeError("CUDA out of memory (simulated)")


async def test_answers_paraphrases_with_a_confidence(service: FaqService) -> None:
    answer = await service.ask("g1", "동아리 회비 얼마예요")
    assert answer.status is Status.ANSWER
    assert answer.best is not None and answer.best.question == "회비는 얼마인가요?"
    assert answer.answer == "한 학기 회비는 3만 원입니다."
    assert 0.6 <= answer.best.confidence <= 1.0


async def test_unrelated_question_gets_none(service: FaqService) -> None:
    answer = await service.ask("g1", "오늘 점심 뭐 먹지")
    assert answer.status is Status.NONE and answer.best is None
    assert answer.to_json() == {
        "status": "none",
        "faq_id": None,
        "question": None,
        "answer": None,
        "confidence": None,
        "suggestions": [],
    }


async def test_close_runner_up_or_low_score_suggests(service: FaqService) -> None:
    await service.set_thresholds("g1", Thresholds(answer=0.99, suggest=0.2, margin=0.05))
    answer = await service.ask("g1", "회비")
    assert answer.status is Status.SUGGEST
    assert {c.question for c in answer.suggestions[:2]} == {"회비는 얼마인가요?", "회비는 어떻게 납부하나요?"}
    assert len(answer.suggestions) <= 3


async def test_scopes_never_see_each_other(service: FaqService) -> None:
    assert (await service.ask("g2", "회비는 얼마인가요?")).status is Status.NONE
    faq_id = (await service.list("g1"))[0].id
    with pytest.raises(NotFound):
        await service.get("g2", faq_id)
    with pytest.raises(NotFound):
        await service.edit("g2", faq_id, "intruder", answer="hacked")
    with pytest.raises(NotFound):
        await service.remove("g2", faq_id, "intruder")
    assert (await service.get("g1", faq_id)).answer == "한 학기 회비는 3만 원입니다."


async def test_add_edit_remove_are_visible_immediately(service: FaqService) -> None:
    faq = await service.add(
        "g1", FaqDraft("노트북이 꼭 필요한가요?", "네, 세션에 노트북을 가져오세요.", ("노트북 필요해요?",)), "admin"
    )
    assert (await service.ask("g1", "노트북 필요해요?")).best.faq_id == faq.id  # type: ignore[union-attr]
    await service.edit("g1", faq.id, "admin", answer="노트북은 대여도 가능해요.")
    assert (await service.ask("g1", "노트북이 꼭 필요한가요?")).answer == "노트북은 대여도 가능해요."
    await service.add_alternate("g1", faq.id, "랩탑 있어야 함?", "admin")
    assert (await service.ask("g1", "랩탑 있어야 함?")).best.faq_id == faq.id  # type: ignore[union-attr]
    await service.remove("g1", faq.id, "admin")
    answer = await service.ask("g1", "노트북이 꼭 필요한가요?")
    assert answer.best is None or answer.best.faq_id != faq.id


async def test_duplicate_question_names_the_existing_faq(service: FaqService) -> None:
    with pytest.raises(DuplicateQuestion) as info:
        await service.add("g1", FaqDraft("회비 금액이  궁금해요", "다른 답", ()), "admin")
    assert info.value.existing_faq_id == (await service.list("g1"))[0].id


@pytest.mark.parametrize("text", ["", "   ", "\u200b\u200b", "\n\t", "???"])
async def test_empty_questions_are_rejected(service: FaqService, text: str) -> None:
    with pytest.raises(InvalidInput):
        await service.ask("g1", text)


async def test_huge_question_is_truncated_not_rejected(service: FaqService) -> None:
    answer = await service.ask("g1", "회비는 얼마인가요? " * 20_000)
    assert answer.truncated
    assert len(answer.query) <= MAX_QUERY_CHARS


async def test_query_is_cut_to_the_model_token_limit(store: FaqStore) -> None:
    svc = FaqService(store, ThreadedEmbedder(HashingEncoder(max_seq_length=10)))
    answer = await svc.ask("g1", "가나다라마바사아자차카타파하")
    assert answer.truncated and answer.query == "가나다라마바사아자차"
    await svc.aclose()


async def test_restart_reencodes_nothing_and_answers_the_same(db_target: str) -> None:
    enc = HashingEncoder()
    store = await FaqStore.open(db_target)
    svc = FaqService(store, ThreadedEmbedder(enc))
    await svc.import_drafts("g1", SAMPLE_FAQS, "admin")
    before = (await svc.ask("g1", "세션 요일")).to_json()
    await svc.aclose()
    await store.close()

    enc2 = HashingEncoder()
    store2 = await FaqStore.open(db_target)
    svc2 = FaqService(store2, ThreadedEmbedder(enc2))
    assert await svc2.load_all() == sum(len(d.alternates) + 1 for d in SAMPLE_FAQS)
    assert enc2.calls == []  # every question vector came from the database's cache
    assert (await svc2.ask("g1", "세션 요일")).to_json() == before
    await svc2.aclose()

    enc3 = HashingEncoder(tag="v2")  # another model fingerprint: everything is re-encoded
    svc3 = FaqService(store2, ThreadedEmbedder(enc3))
    await svc3.load_all()
    # questions and answer passages, each once
    assert sum(enc3.calls) == len(set(index_texts(await store2.list_faqs("g1"))))
    await svc3.aclose()
    await store2.close()


async def test_encoder_failure_changes_nothing(store: FaqStore) -> None:
    svc = FaqService(store, ThreadedEmbedder(BrokenEncoder()))
    with pytest.raises(EncodeFailed):
        await svc.add("g1", SAMPLE_FAQS[0], "admin")
    assert await store.count("g1") == 0
    with pytest.raises(EncodeFailed):
        await svc.ask("g1", "회비")
    await svc.aclose()


async def test_replace_import_makes_scope_exactly_the_file(service: FaqService) -> None:
    result = await service.import_drafts("g1", SAMPLE_FAQS[3:], "admin", replace=True)
    assert len(result.removed_ids) == len(SAMPLE_FAQS)
    assert [f.question for f in await service.list("g1")] == [d.question for d in SAMPLE_FAQS[3:]]
    assert (await service.ask("g1", "회비는 얼마인가요?")).status is Status.NONE


async def test_swap_embedder_keeps_answering_and_switches(service: FaqService) -> None:
    new = HashingEncoder(tag="v2")
    await service.swap_embedder(ThreadedEmbedder(new))
    assert service.embedder.encoder is new
    assert sum(new.calls) >= sum(len(d.alternates) + 1 for d in SAMPLE_FAQS)
    assert (await service.ask("g1", "동아리 회비 얼마예요")).best.question == "회비는 얼마인가요?"  # type: ignore[union-attr]


async def test_similar_finds_semantic_duplicates(service: FaqService) -> None:
    close = await service.similar("g1", "동아리 회비 얼마예요")
    assert close is not None and close.question == "회비는 얼마인가요?"
    assert await service.similar("g1", "오늘 점심 뭐 먹지") is None


def test_vectors_are_float32_unit_rows() -> None:
    out = HashingEncoder().encode(["회비", "세션"])
    assert out.dtype == np.float32
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)


async def test_answer_windows_are_encoded_with_the_write_and_cached_for_a_restart(db_target: str) -> None:
    from faq.matcher import RowRules

    rules = RowRules(answer_window=2, second_row_weight=0.4)
    draft = FaqDraft(
        "회비는 어떻게 내나요?", "계좌로 보내 주세요. 입금자명은 이름과 학번이에요. 마감은 3월 10일이에요."
    )
    enc = HashingEncoder()
    store = await FaqStore.open(db_target)
    svc = FaqService(store, ThreadedEmbedder(enc), rules=rules)
    await svc.import_drafts("g1", [draft], "admin")
    rows = (await svc.index("g1")).snapshot.answers.row_texts
    assert "계좌로 보내 주세요. 입금자명은 이름과 학번이에요." in rows and len(rows) == 5
    before = (await svc.ask("g1", "입금자명 뭐라고 써요?")).to_json()
    await svc.aclose()
    await store.close()

    enc2 = HashingEncoder()
    store2 = await FaqStore.open(db_target)
    svc2 = FaqService(store2, ThreadedEmbedder(enc2), rules=rules)
    await svc2.load_all()
    assert enc2.calls == []  # the windows' vectors were cached with the write, like every other row's
    assert (await svc2.index("g1")).snapshot.rules == rules
    assert (await svc2.ask("g1", "입금자명 뭐라고 써요?")).to_json() == before
    await svc2.aclose()
    # a model without the rules (the code defaults) holds the sentences only
    svc3 = FaqService(store2, ThreadedEmbedder(HashingEncoder()))
    assert len((await svc3.index("g1")).snapshot.answers.row_texts) == 3
    await svc3.aclose()
    await store2.close()
