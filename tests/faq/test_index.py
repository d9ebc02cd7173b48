from __future__ import annotations

import random

import numpy as np
import pytest

from faq.index import ScopeIndex, index_texts
from faq.types import Faq
from model.fake import HashingEncoder

ENC = HashingEncoder(64)


def faq(i: int, *questions: str) -> Faq:
    return Faq(i, "g", questions[0], f"answer {i}", tuple(questions[1:]), "t", "", "t", "")


def vectors_for(*faqs: Faq) -> dict[str, np.ndarray]:
    texts = list(dict.fromkeys(index_texts(faqs)))
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


def test_a_question_only_the_answer_covers_finds_its_faq() -> None:
    answer = "계좌로 보내 주세요. 입금자명은 이름과 학번으로 적어 주세요."
    fee = Faq(1, "g", "회비는 어떻게 내나요?", answer, (), "t", "", "t", "")
    laptop = Faq(2, "g", "노트북이 필요한가요?", "네, 개인 노트북을 가져와 주세요.", (), "t", "", "t", "")
    index = ScopeIndex.build(64, [fee, laptop], vectors_for(fee, laptop))
    query = "입금자명 뭐라고 적어요?"
    without = index.snapshot.search(ENC.encode([query])[0], query, k=2, lexical_weight=0.3)
    found = index.snapshot.search(ENC.encode([query])[0], query, k=2, lexical_weight=0.3, answer_weight=0.9)
    assert not without or without[0].confidence < found[0].confidence
    assert found[0].faq_id == 1 and "입금자명" in found[0].matched_text


def test_answer_rows_follow_edits_and_removals() -> None:
    a = Faq(1, "g", "회비는 어떻게 내나요?", "입금자명은 이름과 학번으로 적어 주세요.", (), "t", "", "t", "")
    index = ScopeIndex.build(64, [a], vectors_for(a))
    edited = Faq(1, "g", a.question, "현장에서 현금으로 내면 됩니다.", (), "t", "", "t", "")
    index.upsert([edited], vectors_for(edited))
    assert index.snapshot.answers.row_texts == ("현장에서 현금으로 내면 됩니다.",)
    index.remove([1])
    assert index.snapshot.answers.row_texts == ()
    assert index.snapshot.search(ENC.encode(["현금"])[0], "현금", k=3, lexical_weight=0.3, answer_weight=0.9) == []


def test_an_upsert_missing_a_passage_vector_changes_nothing() -> None:
    a = Faq(1, "g", "회비는 어떻게 내나요?", "입금자명은 이름과 학번으로 적어 주세요.", (), "t", "", "t", "")
    index = ScopeIndex.build(64, [a], vectors_for(a))
    before = index.snapshot
    b = Faq(2, "g", "세션은 언제?", "매주 수요일 저녁 일곱 시예요.", (), "t", "", "t", "")
    vectors = {t: v for t, v in vectors_for(b).items() if t in b.questions}
    with pytest.raises(KeyError):
        index.upsert([b], vectors)
    assert index.snapshot is before


def test_best_rows_matches_best_per_faq() -> None:
    from faq.matcher import best_per_faq, best_rows

    rng = np.random.default_rng(3)
    for _ in range(50):
        n = int(rng.integers(1, 40))
        scores = rng.choice([0.1, 0.2, 0.5, 0.9, -np.inf], size=n).astype(np.float32)  # ties and tombstones
        ids = rng.integers(1, 8, size=n).astype(np.int64)
        faq_ids, rows = best_rows(scores, ids)
        expected = [(f, r) for f, r, s in best_per_faq(scores, ids, 100) if np.isfinite(s)]
        assert list(zip(faq_ids.tolist(), rows.tolist(), strict=True)) == expected


def test_document_weight_adds_the_whole_faqs_bm25() -> None:
    pay = Faq(1, "g", "회비는 어떻게 내나요?", "계좌이체로 내고 입금자명은 학번으로 적어요.", (), "t", "", "t", "")
    use = Faq(2, "g", "회비는 어디에 쓰이나요?", "간식비와 행사비로 써요.", (), "t", "", "t", "")
    index = ScopeIndex.build(64, [pay, use], vectors_for(pay, use))
    query = "회비 입금자명 학번"
    vec = ENC.encode([query])[0]
    plain = index.snapshot.search(vec, query, k=2, lexical_weight=0.3)
    with_doc = index.snapshot.search(vec, query, k=2, lexical_weight=0.3, document_weight=0.5)
    assert with_doc[0].faq_id == 1
    assert all(0.0 <= c.confidence <= 1.0 for c in with_doc)
    assert {c.faq_id for c in plain} == {c.faq_id for c in with_doc}


# ---- row rules (faq.matcher.RowRules): answer windows and the second-best row


def test_answer_windows_join_neighbouring_sentences_only_when_the_rules_ask() -> None:
    from faq.matcher import RowRules

    answer = "입금은 카카오뱅크 계좌로 해요. 입금자명은 이름과 학번이에요. 마감은 3월 10일이에요."
    pay = Faq(1, "g", "회비는 어떻게 내나요?", answer, (), "t", "", "t", "")
    sentences = ("입금은 카카오뱅크 계좌로 해요.", "입금자명은 이름과 학번이에요.", "마감은 3월 10일이에요.")
    windows = (f"{sentences[0]} {sentences[1]}", f"{sentences[1]} {sentences[2]}")
    rules = RowRules(answer_window=2)
    assert index_texts([pay]) == ["회비는 어떻게 내나요?", *sentences]
    assert index_texts([pay], rules) == ["회비는 어떻게 내나요?", *sentences, *windows]
    plain = ScopeIndex.build(64, [pay], vectors_for(pay))
    vectors = dict(zip(index_texts([pay], rules), ENC.encode(index_texts([pay], rules)), strict=True))
    windowed = ScopeIndex.build(64, [pay], vectors, rules=rules)
    assert plain.snapshot.answers.row_texts == sentences
    assert windowed.snapshot.answers.row_texts == (*sentences, *windows)
    # a window's morphemes are its sentences' (no Kiwi run), and the FAQ's BM25 document counts each sentence once
    block = windowed._answer_blocks[1]
    tokens = dict(zip(block.texts, block.tokens, strict=True))
    assert tokens[windows[0]] == tokens[sentences[0]] + tokens[sentences[1]]
    query = "입금자명 학번"
    assert np.array_equal(plain.snapshot.documents.scores(query), windowed.snapshot.documents.scores(query))


def test_the_second_best_row_lifts_an_faq_whose_rows_agree() -> None:
    from faq.matcher import faq_scores

    # FAQ 1: one row at 0.80; FAQ 2: two rows at 0.78 and 0.70 (tombstone and a lone row beside them)
    scores = np.array([0.80, 0.78, -np.inf, 0.70, 0.10], np.float32)
    ids = np.array([1, 2, -1, 2, 3], np.int64)
    faq_ids, rows, plain = faq_scores(scores, ids)
    assert faq_ids.tolist() == [1, 2, 3] and rows.tolist() == [0, 1, 4]
    assert plain.tolist() == pytest.approx([0.80, 0.78, 0.10])
    faq_ids, rows, lifted = faq_scores(scores, ids, 0.4)
    by_faq = dict(zip(faq_ids.tolist(), lifted.tolist(), strict=True))
    assert by_faq[1] == pytest.approx(0.80)  # one row: nothing to lift it
    assert by_faq[2] == pytest.approx(0.78 + 0.4 * 0.70 * 0.22)  # m + v·s₂·(1 − m) > FAQ 1
    assert by_faq[3] == pytest.approx(0.10)
    exact = faq_scores(np.array([1.0, 0.9], np.float32), np.array([5, 5], np.int64), 0.4)[2]
    assert exact.tolist() == pytest.approx([1.0])  # an exact match stays at 1


def test_the_second_best_row_reorders_search_and_evidence_alike() -> None:
    from faq.decision import Calibrator, DecisionModel
    from faq.encoding import vector_parts
    from faq.matcher import RowRules

    lone = Faq(1, "g", "회비 얼마", "현장에서 냅니다.", (), "t", "", "t", "")
    pair = Faq(2, "g", "회비 금액 알려줘", "회비는 삼만 원이에요.", ("회비는 얼마인가요",), "t", "", "t", "")
    query = "회비 얼마인가요"
    vec = ENC.encode([query])[0]
    results = {}
    for weight in (0.0, 1.0):
        rules = RowRules(second_row_weight=weight)
        vectors = dict(zip(index_texts([lone, pair], rules), ENC.encode(index_texts([lone, pair], rules)), strict=True))
        snap = ScopeIndex.build(64, [lone, pair], vectors, rules=rules).snapshot
        hits = snap.search(vec, query, k=2, lexical_weight=0.0)
        model = DecisionModel((("score", 1.0),), 0.0)
        found = snap.search(vec, query, k=2, lexical_weight=0.0, calibrator=Calibrator.build(model, ENC))
        evidence = snap.evidence(
            vec,
            query,
            k=2,
            lexical_weight=0.0,
            answer_weight=0.0,
            document_weight=0.0,
            parts=vector_parts(ENC),
            off_topic_similarity=0.0,
        )
        results[weight] = (hits, found, evidence)
    plain, lifted = results[0.0][0], results[1.0][0]
    assert {c.faq_id: c.confidence for c in lifted}[2] > {c.faq_id: c.confidence for c in plain}[2]
    assert {c.faq_id: c.confidence for c in lifted}[1] == pytest.approx({c.faq_id: c.confidence for c in plain}[1])
    hits, calibrated, evidence = results[1.0]
    # the calibrated path reads the same lifted score the plain search ranks by
    assert [c.faq_id for c in calibrated] == [c.faq_id for c in hits]
    assert [c.confidence for c in evidence.candidates] == pytest.approx([c.confidence for c in hits])
    assert evidence.features["score"].tolist() == pytest.approx([c.confidence for c in hits])


def test_incremental_updates_match_a_rebuild_under_row_rules() -> None:
    from faq.matcher import RowRules

    rules = RowRules(answer_window=2, second_row_weight=0.4)

    def vecs(*faqs: Faq) -> dict[str, np.ndarray]:
        texts = list(dict.fromkeys(index_texts(faqs, rules)))
        return dict(zip(texts, ENC.encode(texts), strict=True))

    a = Faq(1, "g", "회비는 얼마인가요?", "한 학기 삼만 원이에요. 계좌이체로 내요.", ("회비 금액",), "t", "", "t", "")
    b = Faq(2, "g", "세션은 언제 하나요?", "매주 수요일이에요. 저녁 일곱 시에 시작해요.", (), "t", "", "t", "")
    b2 = Faq(
        2, "g", "세션은 언제 하나요?", "매주 목요일이에요. 저녁 여덟 시에 시작해요. 두 시간 해요.", (), "t", "", "t", ""
    )
    index = ScopeIndex.build(64, [a], vecs(a), rules=rules)
    index.upsert([b], vecs(b))
    index.upsert([b2], vecs(b2))
    fresh = ScopeIndex.build(64, [a, b2], vecs(a, b2), rules=rules)
    assert index.snapshot.rules == rules and fresh.snapshot.rules == rules
    for query in ("회비 계좌", "세션 목요일 몇 시", "두 시간"):
        vec = ENC.encode([query])[0]
        kw = {"k": 3, "lexical_weight": 0.3, "answer_weight": 1.0, "document_weight": 0.5}
        got = [(c.faq_id, round(c.confidence, 5)) for c in index.snapshot.search(vec, query, **kw)]
        want = [(c.faq_id, round(c.confidence, 5)) for c in fresh.snapshot.search(vec, query, **kw)]
        assert got == want
