from __future__ import annotations

import random

import numpy as np

from faq.index import ScopeIndex
from faq.types import Faq
from model.fake import HashingEncoder

ENC = HashingEncoder(64)


def faq(i: int, *questions: str) -> Faq:
    return Faq(i, "g", questions[0], f"answer {i}", tuple(questions[1:]), "t", "", "t", "")


def vectors_for(*faqs: Faq) -> dict[str, np.ndarray]:
    texts = [t for f in faqs for t in f.questions]
    return dict(zip(texts, ENC.encode(texts), strict=True))


def top(index: ScopeIndex, text: str) -> list[tuple[int, float]]:
    hits = index.snapshot.search(ENC.encode([text])[0], text, k=3, lexical_weight=0.3)
    return [(c.faq_id, round(c.confidence, 5)) for c in hits]


def test_an_faq_scores_its_best_question() -> None:
    a, b = faq(1, "회비는 얼마인가요?", "회비 금액"), faq(2, "세션은 언제 하나요?")
    index = ScopeIndex.build(64, [a, b], vectors_for(a, b))
    hits = index.snapshot.search(ENC.encode(["회비 금액"])[0], "회비 금액", k=3, lexical_weight=0.0)
    assert hits[0].faq_id == 1 and hits[0].matched_text == "회비 금액"
    assert hits[0].confidence > 0.99


def test_old_snapshots_never_change() -> None:
    a = faq(1, "회비는 얼마인가요?")
    index = ScopeIndex.build(64, [a], vectors_for(a))
    before = index.snapshot
    matrix_before = before.matrix.copy()
    b = faq(2, "세션은 언제 하나요?", "세션 요일")
    index.upsert([b], vectors_for(b))
    index.remove([1])
    assert len(before.row_texts) == 1 and before.row_faq_ids.tolist() == [1]
    assert np.array_equal(before.matrix, matrix_before)
    assert set(before.faqs) == {1}
    assert set(index.snapshot.faqs) == {2}


def test_incremental_updates_match_a_full_rebuild() -> None:
    rng = random.Random(7)
    words = ["회비", "세션", "면접", "해커톤", "노트북", "스터디", "데모데이", "지원", "파트", "수료"]
    live: dict[int, Faq] = {}
    index = ScopeIndex.build(64, [], {})
    next_id = 1
    for _ in range(300):  # enough removals to trigger compaction
        if live and rng.random() < 0.45:
            victim = rng.choice(sorted(live))
            index.remove([victim])
            del live[victim]
        elif live and rng.random() < 0.3:
            target = rng.choice(sorted(live))
            edited = faq(target, f"{rng.choice(words)} {rng.choice(words)} 수정 {target}?")
            index.upsert([edited], vectors_for(edited))
            live[target] = edited
        else:
            new = faq(
                next_id, f"{rng.choice(words)} {rng.choice(words)} {next_id}?", f"{rng.choice(words)} 질문 {next_id}"
            )
            index.upsert([new], vectors_for(new))
            live[next_id] = new
            next_id += 1
    rebuilt = ScopeIndex.build(64, list(live.values()), vectors_for(*live.values()))
    assert index.snapshot.live_rows == sum(len(f.questions) for f in live.values())
    assert len(index.snapshot.row_texts) < 2 * max(index.snapshot.live_rows, 64)  # compaction ran
    for probe in ["회비 세션", "면접 질문", "노트북 3?", "해커톤"]:
        # Same FAQs with the same confidences: tombstones leave no trace in the scores.
        assert top(index, probe) == top(rebuilt, probe)


def test_empty_index_returns_no_candidates() -> None:
    index = ScopeIndex.build(64, [], {})
    assert index.snapshot.search(ENC.encode(["회비"])[0], "회비", k=3, lexical_weight=0.3) == []
