"""The second look (faq/cascade.py): when it runs, what it reorders, and that it never blocks the event loop."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from faq.cascade import AS_WRITTEN, NEAREST_FIRST, Cascade, Reranking, calibrator_for, nearest_first, pair_features
from faq.decision import DecisionModel
from faq.embedder import ThreadedEmbedder
from faq.index import ScopeIndex, index_texts
from faq.matcher import RowRules
from faq.service import FaqService
from faq.store import FaqStore
from faq.text import answer_passages
from faq.types import Faq, FaqDraft, Status, Thresholds
from model.fake import HashingEncoder
from tests.helpers import SAMPLE_FAQS

WEIGHTS = {"lexical_weight": 0.3, "answer_weight": 1.0, "document_weight": 0.2}
# A first decision that is never sure (confidence ≤ sigmoid(0.5) < 0.9) and keeps the fused order.
UNSURE = DecisionModel((("score", 1.0),), -0.5, order="fused")
SURE = DecisionModel((("score", 1.0),), 20.0, order="fused")  # every first candidate at ~1.0
# The second decision believes the scorer alone.
SECOND = DecisionModel((("ce", 4.0), ("ce_margin", 0.0)), 0.0)
CASCADE = Cascade(below=0.9, decision=SECOND, thresholds=Thresholds(0.7, 0.3, 0.0), scorer="fake", top=3)


class KeywordScorer:
    """Likes the FAQ whose answer holds ``word``; remembers what it read and on which thread."""

    fingerprint = "fake-scorer"

    def __init__(self, word: str, answers: str = AS_WRITTEN) -> None:
        self.word = word
        self.answers = answers
        self.calls: list[tuple[str, list[tuple[str, str]]]] = []
        self.threads: list[threading.Thread] = []

    def score(self, question: str, faqs: Sequence[tuple[str, str]]) -> np.ndarray:
        self.calls.append((question, list(faqs)))
        self.threads.append(threading.current_thread())
        return np.array([2.0 if self.word in answer else -2.0 for _, answer in faqs], np.float32)


def _snapshot(encoder: HashingEncoder):  # type: ignore[no-untyped-def]
    faqs = [Faq(i + 1, "g", d.question, d.answer, d.alternates, "", "", "", "") for i, d in enumerate(SAMPLE_FAQS)]
    texts = list(dict.fromkeys(index_texts(faqs)))
    return ScopeIndex.build(encoder.dimension, faqs, dict(zip(texts, encoder.encode(texts), strict=True))).snapshot


def test_pair_features_are_each_score_and_its_margin_over_the_best_other() -> None:
    out = pair_features([1.0, 3.0, -2.0])
    assert out["ce"].tolist() == [1.0, 3.0, -2.0]
    assert out["ce_margin"].tolist() == [-2.0, 2.0, -5.0]  # the best against the second, the rest against the best
    assert pair_features([2.0, 2.0])["ce_margin"].tolist() == [0.0, 0.0]
    assert pair_features([4.0])["ce_margin"].tolist() == [4.0]  # alone: its score, as faq.decision's margins


def test_nearest_first_leads_with_the_nearest_passage_and_keeps_the_others_as_written() -> None:
    passages = ("회비는 3만원입니다.", "입금자명은 학번+이름으로 써주세요.", "환불은 안 됩니다.")
    assert (
        nearest_first(passages, [0.1, 0.9, 0.3])
        == "입금자명은 학번+이름으로 써주세요. 회비는 3만원입니다. 환불은 안 됩니다."
    )
    assert nearest_first(passages, [0.9, 0.1, 0.3]) == " ".join(passages)
    assert nearest_first((), []) == ""


def test_a_scorer_trained_on_nearest_first_answers_reads_them_so() -> None:
    encoder = HashingEncoder()
    lead = "MT 때 담요와 세면도구를 챙겨 오세요"
    faq = FaqDraft("MT는 언제 가나요?", f"MT는 5월 둘째 주 금요일에 갑니다. 장소는 가평입니다. {lead}.")
    faqs = [
        Faq(i + 1, "g", d.question, d.answer, d.alternates, "", "", "", "") for i, d in enumerate([*SAMPLE_FAQS, faq])
    ]
    rules = RowRules(answer_window=2)
    texts = list(dict.fromkeys(index_texts(faqs, rules)))
    vectors = dict(zip(texts, encoder.encode(texts), strict=True))
    snapshot = ScopeIndex.build(encoder.dimension, faqs, vectors, rules=rules).snapshot
    mt = len(faqs)
    query = "담요 챙겨가야 돼요?"
    vec = encoder.encode([query])[0]
    assert snapshot.pair_answer(mt, query_vec=vec) == faq.answer  # as written: the admin's text, untouched
    assert snapshot.pair_answer(mt, query_vec=vec, how=NEAREST_FIRST).startswith(lead)
    # through a search, the scorer is given the answers its head asks for
    scorer = KeywordScorer("담요", answers=NEAREST_FIRST)
    snapshot.search(vec, query, k=3, **WEIGHTS, calibrator=calibrator_for(UNSURE, encoder, Reranking(CASCADE, scorer)))
    [(_, pairs)] = scorer.calls
    [read] = [a for q, a in pairs if q == faq.question]
    assert read.startswith(lead) and "가평" in read
    # an answer of one passage has nothing to reorder
    assert len(answer_passages(snapshot.faqs[1].answer)) == 1
    assert snapshot.pair_answer(1, query_vec=vec, how=NEAREST_FIRST) == snapshot.faqs[1].answer


def test_a_sure_first_stage_never_runs_the_scorer() -> None:
    encoder, scorer = HashingEncoder(), KeywordScorer("카카오뱅크")
    snapshot = _snapshot(encoder)
    calibrator = calibrator_for(SURE, encoder, Reranking(CASCADE, scorer))
    plain = calibrator_for(SURE, encoder)
    query = "회비 얼마예요"
    vec = encoder.encode([query])[0]
    assert snapshot.search(vec, query, k=3, **WEIGHTS, calibrator=calibrator) == snapshot.search(
        vec, query, k=3, **WEIGHTS, calibrator=plain
    )
    assert scorer.calls == []


def test_an_unsure_first_stage_gets_the_second_decisions_order_and_confidences() -> None:
    encoder, scorer = HashingEncoder(), KeywordScorer("카카오뱅크")  # the answer of "회비는 어떻게 납부하나요?"
    snapshot = _snapshot(encoder)
    calibrator = calibrator_for(UNSURE, encoder, Reranking(CASCADE, scorer))
    query = "회비 얼마예요"
    vec = encoder.encode([query])[0]
    first = snapshot.search(vec, query, k=5, **WEIGHTS, calibrator=calibrator_for(UNSURE, encoder))
    found = snapshot.search(vec, query, k=5, **WEIGHTS, calibrator=calibrator)
    [(asked, pairs)] = scorer.calls
    assert asked == query
    # it read the top 3 by fused score (UNSURE keeps that order), each FAQ's question beside its answer
    assert [q for q, _ in pairs] == [c.question for c in first[:3]]
    assert all(snapshot.faqs[c.faq_id].answer == a for c, (_, a) in zip(first, pairs, strict=False))
    assert found[0].question == "회비는 어떻게 납부하나요?"  # the scorer's choice leads now
    assert found[0].confidence == pytest.approx(1 / (1 + np.exp(-8.0)))  # sigmoid(4 · 2): the second decision's
    # the first stage's other candidates follow in its order, never shown likelier than one above
    assert [c.faq_id for c in found[3:]] == [c.faq_id for c in first[3:]]
    shown = [c.confidence for c in found]
    assert shown == sorted(shown, reverse=True)
    assert found[0].score is not None  # the fused score still rides along


def test_the_second_look_reads_its_own_top_whatever_k_the_caller_wants() -> None:
    encoder, scorer = HashingEncoder(), KeywordScorer("카카오뱅크")
    snapshot = _snapshot(encoder)
    calibrator = calibrator_for(UNSURE, encoder, Reranking(CASCADE, scorer))
    vec = encoder.encode(["회비 얼마예요"])[0]
    one = snapshot.search(vec, "회비 얼마예요", k=1, **WEIGHTS, calibrator=calibrator)
    assert len(one) == 1 and len(scorer.calls[0][1]) == 3  # the duplicate check (k=1) sees what ask() would


def test_a_second_decision_that_does_not_fit_the_encoder_leaves_the_first() -> None:
    encoder = HashingEncoder()
    needs_parts = DecisionModel((("ce", 1.0), ("part_margin:1", 1.0)), 0.0)
    calibrator = calibrator_for(
        UNSURE, encoder, Reranking(Cascade(0.9, needs_parts, Thresholds(), "fake"), KeywordScorer("x"))
    )
    assert calibrator is not None and calibrator.second is None


def test_cascade_settings_round_trip_and_bad_ones_are_refused() -> None:
    assert Cascade.from_json(CASCADE.to_json()) == CASCADE
    for bad in ({"below": 1.5}, {"below": float("nan")}, {"top": 0}, {"scorer": ""}):
        with pytest.raises(ValueError):
            Cascade.from_json(CASCADE.to_json() | bad)
    with pytest.raises(ValueError, match="unknown decision feature"):
        Cascade.from_json(CASCADE.to_json() | {"decision": {"weights": {"loudness": 1.0}, "intercept": 0.0}})


async def test_the_service_takes_the_second_look_off_the_event_loop(tmp_path: Path) -> None:
    store = await FaqStore.open(tmp_path / "faq.db")
    encoder, scorer = HashingEncoder(), KeywordScorer("카카오뱅크")
    service = FaqService(store, ThreadedEmbedder(encoder), decision=UNSURE, reranking=Reranking(CASCADE, scorer))
    try:
        assert service.default_thresholds == CASCADE.thresholds  # chosen for both stages together
        await service.import_drafts("g", [*SAMPLE_FAQS, FaqDraft("MT 가나요?", "MT는 5월에 갑니다.")], "t")
        answer = await service.ask("g", "회비 얼마예요")
        assert answer.status is Status.ANSWER and answer.best is not None
        assert answer.best.question == "회비는 어떻게 납부하나요?"
        assert scorer.threads and all(t is not threading.main_thread() for t in scorer.threads)
    finally:
        await service.aclose()
        await store.close()


async def test_without_a_decision_a_reranking_is_ignored(tmp_path: Path) -> None:
    store = await FaqStore.open(tmp_path / "faq.db")
    scorer = KeywordScorer("카카오뱅크")
    service = FaqService(store, ThreadedEmbedder(HashingEncoder()), reranking=Reranking(CASCADE, scorer))
    try:
        await service.import_drafts("g", SAMPLE_FAQS, "t")
        await service.ask("g", "회비 얼마예요")
        assert scorer.calls == [] and service.default_thresholds == Thresholds()
    finally:
        await service.aclose()
        await store.close()
