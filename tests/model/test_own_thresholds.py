"""`faqbot eval --db`: thresholds from a club's own FAQs, with a warning when they are too thin."""

from __future__ import annotations

from model.fake import HashingEncoder
from model.own_thresholds import MIN_QUERIES, recommend

OFF_TOPIC = ["오늘 점심 뭐 먹지", "내일 날씨 어때", "파이썬 리스트 정렬 방법"]


def club_groups(alternates: int) -> list[tuple[str, ...]]:
    topics = ["회비", "모임 장소", "모집 기간", "뒤풀이", "해커톤", "스터디", "노트북", "출석", "MT", "수료"]
    return [(f"{t}는 어떻게 되나요?", *(f"{t} 질문 {i}번 알려줘" for i in range(alternates))) for t in topics]


def test_recommends_from_the_databases_own_alternates() -> None:
    own = recommend(HashingEncoder(), club_groups(4), 0.3, OFF_TOPIC)
    assert own.queries == 40 and own.faqs == 10 and own.out_of_scope == len(OFF_TOPIC)
    assert own.recommended is not None and own.warning is None
    assert 0 <= own.recommended.suggest <= own.recommended.answer <= 1
    assert "FAQBOT_ANSWER_THRESHOLD=" in own.text() and own.to_json()["recommended"]


def test_warns_when_there_are_too_few_alternates() -> None:
    own = recommend(HashingEncoder(), club_groups(1), 0.3, OFF_TOPIC)
    assert own.queries == 10 < MIN_QUERIES and own.warning and "faqbot faq alt add" in own.warning
    bare = recommend(HashingEncoder(), club_groups(0), 0.3, OFF_TOPIC)
    assert bare.queries == 0 and bare.recommended is None and bare.warning


def test_with_a_second_look_the_thresholds_are_on_the_scale_the_bot_answers_with() -> None:
    from collections.abc import Sequence

    import numpy as np

    from faq.cascade import AS_WRITTEN, Cascade, Reranking
    from faq.decision import DecisionModel
    from faq.types import Thresholds

    read: list[str] = []

    class Scorer:  # a bad one: it prefers any FAQ but the one whose topic the question names
        fingerprint, answers = "fake", AS_WRITTEN

        def score(self, question: str, faqs: Sequence[tuple[str, str]]) -> np.ndarray:
            read.append(question)
            topic = question.split()[0].removesuffix("는")
            return np.array([-2.0 if q.startswith(topic) else 2.0 for q, _ in faqs], np.float32)

    unsure = DecisionModel((("score", 1.0),), -0.5, order="fused")  # every question takes the second look
    second = DecisionModel((("ce", 4.0),), 0.0)  # which believes the scorer
    reranking = Reranking(Cascade(0.9, second, Thresholds(0.7, 0.3, 0.0), "fake"), Scorer())
    first = recommend(HashingEncoder(), club_groups(4), 0.3, OFF_TOPIC, decision=unsure)
    assert read == []
    both = recommend(HashingEncoder(), club_groups(4), 0.3, OFF_TOPIC, decision=unsure, reranking=reranking)
    assert len(read) == 40 + len(OFF_TOPIC)  # each alternate and off-topic line, as the bot would read them
    assert first.recommended is not None and both.recommended is not None
    # the first stage ranks this easy club right; what members would get is the scorer's wrong pick
    assert first.recommended.rates.answer_correct == 1.0
    assert both.recommended.rates.answer_correct == 0.0 and both.recommended.rates.answer == 0.0
