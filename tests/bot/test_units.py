"""Pieces of the adapter without a gateway: limits, splitting, the admin check on every admin command."""

from __future__ import annotations

import pytest

from bot.checks import has_admin_check
from bot.exts.faq_admin import FaqAdminCommands
from bot.exts.faq_commands import FaqCommands, faq_pages
from bot.replies import CONTENT_LIMIT, answer_text, split_text, trim
from bot.ui.answer_buttons import render_answer
from bot.ui.modals import FaqModal, alternate_chunks, alternates_from
from faq.text import MAX_ALTERNATES, MAX_ANSWER_CHARS, MAX_QUESTION_CHARS
from faq.types import Answer, Candidate, Faq, Status


def test_every_admin_subcommand_is_checked_and_member_commands_are_not() -> None:
    admin = FaqAdminCommands.admin
    leaves = [c for c in admin.walk_commands() if not hasattr(c, "walk_commands")]
    assert len(leaves) >= 14
    assert all(has_admin_check(c) for c in leaves), [c.qualified_name for c in leaves if not has_admin_check(c)]
    assert not any(has_admin_check(c) for c in FaqCommands.faq.walk_commands())
    assert admin.guild_only and FaqCommands.faq.guild_only


@pytest.mark.parametrize("size", [10, 1999, 2000, 2001, 4500, 12000])
def test_split_text_respects_the_limit(size: int) -> None:
    text = ("가나다라 마바사 " * 2000)[:size]
    chunks = split_text(text)
    assert all(0 < len(c) <= CONTENT_LIMIT for c in chunks)
    assert "".join(chunks).replace(" ", "") == text.replace(" ", "")


def test_longest_answer_fits_in_two_messages_with_buttons_on_the_last() -> None:
    best = Candidate(1, "질" * MAX_QUESTION_CHARS, 0.9)
    answer = Answer(Status.ANSWER, "q", best=best, answer="답\n" * (MAX_ANSWER_CHARS // 2))
    chunks = render_answer(answer, 7, admin_role=None)
    assert len(chunks) == 2 and chunks[0][1] is None and chunks[1][1] is not None
    assert all(len(text) <= CONTENT_LIMIT for text, _ in chunks)
    assert "신뢰도 90%" in answer_text("q", "a", 1, 0.9)


def test_trim_and_pages() -> None:
    assert trim("가" * 200, 80) == "가" * 79 + "…" and trim("짧음", 80) == "짧음"
    faqs = [Faq(i, "g", "질문" * 100, "a", (), "t", "", "t", "") for i in range(1, 40)]
    pages = faq_pages(faqs)
    assert all(len(p) <= 1900 for p in pages) and sum(p.count("`#") for p in pages) == 39


async def test_alternates_the_modal_cannot_hold_are_left_out_and_kept() -> None:
    """Alternates fill up to three inputs whole; more than that is not shown and submitted as is."""

    async def done(*_: object) -> None: ...

    fitting = [f"{i:02d}" + "가" * (MAX_QUESTION_CHARS - 2) for i in range(MAX_ALTERNATES)]
    modal = FaqModal(title="수정", scope="g", on_done=done, question="q", answer="a", alternates=fitting)
    rows = modal.to_dict()["components"]
    assert len(rows) == 5 and not modal.hidden_alternates
    assert [len(r["components"][0].get("value", "")) <= 4000 for r in rows] == [True] * 5
    assert alternates_from(modal.alternates_text) == tuple(fitting)

    too_many = fitting * 2  # only possible if the limits grew: never cut, leave out instead
    assert alternate_chunks(too_many) is None
    hidden = FaqModal(title="수정", scope="g", on_done=done, question="q", answer="a", alternates=too_many)
    assert len(hidden.to_dict()["components"]) == 2 and hidden.hidden_alternates == tuple(too_many)
