"""Imports update FAQs in place: by id, else by question; ids survive round trips and --replace."""

from __future__ import annotations

import pytest

from faq.errors import ImportFailed
from faq.import_plan import ImportRow
from faq.service import FaqService
from faq.transfer import export, read_rows
from faq.types import FaqDraft
from tests.helpers import SAMPLE_FAQS


async def ids_and_drafts(service: FaqService, scope: str = "g1") -> dict[int, FaqDraft]:
    return {f.id: f.draft() for f in await service.list(scope)}


async def test_an_unchanged_export_reimported_changes_nothing(service: FaqService) -> None:
    before = await service.list("g1")
    for fmt in ("csv", "json"):
        for replace in (False, True):
            result = await service.import_rows("g1", read_rows(export(before, fmt), fmt), "admin", replace=replace)
            assert (result.added, result.updated, result.removed_ids) == ((), (), ())
            assert len(result.unchanged_ids) == len(before)
    assert await service.list("g1") == before  # not even updated_at moved


async def test_rows_update_in_place_by_id_or_by_question(service: FaqService) -> None:
    faqs = await service.list("g1")
    fee, pay = faqs[0], faqs[1]
    rows = [
        # Renamed question: only the id ties it to the FAQ.
        ImportRow(FaqDraft("회비가 얼마죠?", "이제 4만 원입니다.", fee.alternates), faq_id=fee.id, line=2),
        # No id: the question names the FAQ; the file has no alternates column, so they are kept.
        ImportRow(FaqDraft(pay.question, "토스로 보내 주세요."), line=3, keep_alternates=True),
        ImportRow(FaqDraft("새 질문인가요?", "네"), line=4),
    ]
    result = await service.import_rows("g1", rows, "admin")
    assert [f.id for f in result.updated] == [fee.id, pay.id] and len(result.added) == 1
    after = await ids_and_drafts(service)
    assert after[fee.id] == FaqDraft("회비가 얼마죠?", "이제 4만 원입니다.", fee.alternates)
    assert after[pay.id] == FaqDraft(pay.question, "토스로 보내 주세요.", pay.alternates)
    answer = await service.ask("g1", "회비가 얼마죠?")
    assert answer.best is not None and answer.best.faq_id == fee.id  # the index follows


async def test_replace_keeps_the_ids_of_faqs_that_remain(service: FaqService) -> None:
    faqs = await service.list("g1")
    kept = faqs[2:]
    rows = [ImportRow(f.draft(), faq_id=f.id) for f in kept] + [ImportRow(FaqDraft("추가 질문?", "답"))]
    result = await service.import_rows("g1", rows, "admin", replace=True)
    assert set(result.removed_ids) == {faqs[0].id, faqs[1].id} and len(result.added) == 1
    assert [f.id for f in await service.list("g1")][: len(kept)] == [f.id for f in kept]


async def test_a_question_may_move_between_faqs_in_one_file(service: FaqService) -> None:
    a, b = (await service.list("g1"))[:2]
    moved = a.alternates[0]
    rows = [
        ImportRow(FaqDraft(a.question, a.answer, a.alternates[1:]), faq_id=a.id),
        ImportRow(FaqDraft(b.question, b.answer, (*b.alternates, moved)), faq_id=b.id),
    ]
    await service.import_rows("g1", rows, "admin")
    assert moved in (await service.get("g1", b.id)).alternates


async def test_every_conflict_is_reported_and_nothing_changes(service: FaqService) -> None:
    before = await service.list("g1")
    a, b = before[:2]
    rows = [
        ImportRow(FaqDraft("새 질문 하나?", "답", (b.question,)), line=2),  # takes another FAQ's question
        ImportRow(FaqDraft("다른 새 질문?", "답"), faq_id=a.id, line=3),
        ImportRow(FaqDraft(a.question, "답"), line=4),  # names FAQ a too
    ]
    with pytest.raises(ImportFailed) as info:
        await service.import_rows("g1", rows, "admin")
    assert [p.split(":")[0] for p in info.value.problems] == ["2번째 줄", "4번째 줄"]
    assert f"이미 FAQ #{b.id}의 질문" in str(info.value) and f"FAQ #{a.id}을(를) 3번째 줄도" in str(info.value)
    assert await service.list("g1") == before


async def test_an_id_from_another_scope_is_matched_by_question(service: FaqService) -> None:
    theirs = (await service.list("g1"))[0]
    await service.import_drafts("g2", SAMPLE_FAQS[:1], "admin")
    mine = (await service.list("g2"))[0]
    result = await service.import_rows("g2", [ImportRow(FaqDraft(theirs.question, "g2 답"), faq_id=theirs.id)], "a")
    assert [f.id for f in result.updated] == [mine.id]
    assert (await service.get("g1", theirs.id)).answer == theirs.answer  # the other scope is untouched


async def test_alternates_one_at_a_time(service: FaqService) -> None:
    faq = (await service.list("g1"))[0]
    grown = await service.add_alternates("g1", faq.id, ["회비 얼마 내요", "회비 액수"], "admin")
    assert grown.alternates == (*faq.alternates, "회비 얼마 내요", "회비 액수")
    shrunk = await service.remove_alternates("g1", faq.id, ["회비 얼마 내요", faq.alternates[0]], "admin")
    assert shrunk.alternates == (*faq.alternates[1:], "회비 액수")
