"""Reply content, listings, the custom-id grammar and the error table, without any platform."""

from __future__ import annotations

import re

import pytest

from chat import custom_ids, listing, messages
from chat.errors import CORE_ERRORS, EXIT_BAD_INPUT, EXIT_INTERNAL, ErrorReply, reply_for
from chat.limits import LimitReached
from chat.markup import PLAIN, trim
from chat.replies import Buttons, confidence_percent, percent, reply_content, split_text
from faq.activity import NotOffered
from faq.embedder import EncodeFailed
from faq.errors import FaqError, InvalidInput
from faq.types import Answer, Candidate, Faq, Status, Thresholds
from model.encoder import EncoderLoadError

BEST = Candidate(3, "회비는 얼마인가요?", 0.91)
SUGGESTIONS = tuple(Candidate(i, f"질문 {i}", 0.5 - i / 100) for i in range(1, 6))


def test_reply_content_picks_the_buttons_and_drops_them_without_a_logged_query() -> None:
    answer = Answer(Status.ANSWER, "q", best=BEST, answer="3만 원")
    reply = reply_content(answer, 10, PLAIN, admin_role=None)
    assert reply.buttons is Buttons.VOTE and reply.faq_id == 3
    assert reply.text == "Q. 회비는 얼마인가요?\n3만 원\n신뢰도 91% · FAQ #3"
    assert reply_content(answer, None, PLAIN, admin_role=None).buttons is Buttons.NONE

    suggest = Answer(Status.SUGGEST, "q", suggestions=SUGGESTIONS)
    reply = reply_content(suggest, 10, PLAIN, admin_role=None)
    assert reply.buttons is Buttons.PICK and [c.faq_id for c in reply.suggestions] == [1, 2, 3]
    assert reply.text.splitlines()[0] == messages.SUGGEST_INTRO and "4." not in reply.text

    none = reply_content(Answer(Status.NONE, "q"), 10, PLAIN, admin_role="G1")
    assert none.buttons is Buttons.NONE and "@G1에게 직접 물어봐 주세요" in none.text


def test_a_chance_is_shown_between_1_and_99_percent_while_rates_can_be_whole() -> None:
    sure = Answer(Status.ANSWER, "q", best=Candidate(3, "회비는 얼마인가요?", 0.9996), answer="3만 원")
    assert reply_content(sure, 10, PLAIN, admin_role=None).text.endswith("신뢰도 99% · FAQ #3")
    offered = Answer(Status.SUGGEST, "q", suggestions=(Candidate(1, "a", 1.0), Candidate(2, "b", 0.001)))
    text = reply_content(offered, 10, PLAIN, admin_role=None).text
    assert "(FAQ #1, 신뢰도 99%)" in text and "(FAQ #2, 신뢰도 1%)" in text
    assert [confidence_percent(c) for c in (-0.2, 0.004, 0.5, 0.994, 0.995)] == ["1%", "1%", "50%", "99%", "99%"]
    assert percent(1.0) == "100%" and percent(0.0) == "0%"  # "every question answered" is a count, not a guess


@pytest.mark.parametrize("limit", [40, 2000, 3000])
def test_split_text_cuts_at_the_limit_the_platform_passes(limit: int) -> None:
    text = ("가나다라 마바사\n" * 900)[:5000]
    chunks = split_text(text, limit)
    assert all(0 < len(c) <= limit for c in chunks)
    assert "".join(chunks).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")


def test_listing_texts_and_the_threshold_merge() -> None:
    faqs = [Faq(i, "g", "질문" * 100, "답", (), "t", "", "t", "") for i in range(1, 25)]
    pages = listing.faq_pages(faqs, PLAIN, page_chars=500)
    assert all(len(p) <= 500 + 20 for p in pages) and sum(p.count("\n#") for p in pages) == 24
    assert listing.faq_details(faqs[0], PLAIN, limit=50) == trim(listing.faq_details(faqs[0], PLAIN, limit=9999), 50)

    current = Thresholds(0.6, 0.35, 0.05)
    assert listing.merged_thresholds(current, None, 0.4, None) == Thresholds(0.6, 0.4, 0.05)
    with pytest.raises(InvalidInput, match="제안 임계값"):
        listing.merged_thresholds(current, 0.3, None, None)


def test_custom_ids_round_trip_through_their_patterns_and_refuse_forgeries() -> None:
    cases = [
        (custom_ids.vote(True, 12, 34), custom_ids.VOTE_PATTERN, {"vote": "up", "faq": "12", "query": "34"}),
        (custom_ids.pick(5, 6), custom_ids.PICK_PATTERN, {"faq": "5", "query": "6"}),
        (custom_ids.no_match(7), custom_ids.NO_MATCH_PATTERN, {"query": "7"}),
        (custom_ids.triage("alt", 8, 9), custom_ids.TRIAGE_PATTERN, {"action": "alt", "query": "8", "faq": "9"}),
        (custom_ids.triage("skip", 8), custom_ids.TRIAGE_PATTERN, {"action": "skip", "query": "8", "faq": None}),
        (custom_ids.review(False, 4), custom_ids.REVIEW_PATTERN, {"action": "reject", "feedback": "4"}),
    ]
    for made, pattern, groups in cases:
        match = re.fullmatch(pattern, made)
        assert match is not None and match.groupdict() == groups, made
        assert len(made) <= 100
    assert re.fullmatch(custom_ids.VOTE_PATTERN, "faq:vote:up:1:" + "9" * 20) is None  # past int64
    assert re.fullmatch(custom_ids.TRIAGE_PATTERN, "faq:un:drop:1") is None


def test_errors_map_by_type_with_the_most_specific_entry_winning() -> None:
    assert reply_for(InvalidInput("빈 질문")).message(InvalidInput("빈 질문")) == "빈 질문"  # type: ignore[union-attr]
    limit = LimitReached(messages.CONCURRENT_LIMIT)
    assert reply_for(limit).message(limit) == messages.CONCURRENT_LIMIT  # type: ignore[union-attr]
    assert reply_for(NotOffered()).exit_code == EXIT_BAD_INPUT  # type: ignore[union-attr]
    down = EncodeFailed("모델이 질문을 처리하지 못했습니다.")
    assert reply_for(down).message(down) == messages.model_unavailable(down)  # type: ignore[union-attr]
    assert reply_for(EncoderLoadError("x")).exit_code == EXIT_INTERNAL  # type: ignore[union-attr]
    assert reply_for(RuntimeError("bug")) is None and reply_for(KeyError("k")) is None

    class Special(InvalidInput):
        pass

    table = {**CORE_ERRORS, Special: ErrorReply(lambda e: "특별", EXIT_INTERNAL)}
    assert reply_for(Special("x"), table).message(Special("x")) == "특별"  # type: ignore[union-attr]
    assert reply_for(InvalidInput("x"), table) is CORE_ERRORS[FaqError]
