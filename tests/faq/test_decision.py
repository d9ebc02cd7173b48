"""The calibrated confidence (faq/decision.py): features, the logistic model, and the bot's path through it."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from faq.decision import Calibrator, DecisionModel, candidate_features, shown_confidences
from faq.embedder import ThreadedEmbedder
from faq.encoding import VectorPart, vector_parts
from faq.index import ScopeIndex, index_texts
from faq.service import FaqService
from faq.store import FaqStore
from faq.types import Faq, FaqDraft, Status, Thresholds
from model.ensemble import EnsembleEncoder
from model.fake import HashingEncoder
from tests.helpers import SAMPLE_FAQS

# "테스트" matches the interview FAQ (its answer mentions 코딩 테스트) as well as any member question
# does: only knowing what off-topic lines look like keeps it from being answered.
INTERVIEW = FaqDraft(
    "면접은 어떻게 진행되나요?", "서류 합격자는 코딩 테스트 후 면접을 봅니다.", ("면접 방식", "면접 어떻게 봐요?")
)
DECISION = DecisionModel(
    weights=(("score", 10.0), ("margin", 10.0), ("off_topic", -20.0)),
    intercept=-5.0,
    off_topic=("테스트", "ㅇㅋ", "오늘 점심 뭐 먹지"),
    runner_up=(1.0, -1.0),
)


def test_features_on_a_hand_made_case() -> None:
    totals = np.array([0.9, 0.6, 0.2], np.float32)
    part_rows = np.array([[0.8, 0.3], [0.5, 0.9], [0.1, 0.2], [-np.inf, -np.inf]], np.float32)
    row_faq = np.array([1, 2, 3, -1])
    f = candidate_features(
        totals=totals,
        picks=np.array([0, 1]),
        documents=np.array([0.5, 0.7, 0.0], np.float32),
        part_rows=part_rows,
        row_faq=row_faq,
        faq_ids=np.array([1, 2, 3]),
        off_topic_similarity=0.4,
    )
    np.testing.assert_allclose(f["score"], [0.9, 0.6])
    np.testing.assert_allclose(f["margin"], [0.3, -0.3], atol=1e-6)  # against the best *other* FAQ
    np.testing.assert_allclose(f["document_margin"], [-0.2, 0.2], atol=1e-6)
    np.testing.assert_allclose(f["part_margin:0"], [0.3, -0.3], atol=1e-6)  # part 0 prefers FAQ 1 ...
    np.testing.assert_allclose(f["part_margin:1"], [-0.6, 0.6], atol=1e-6)  # ... part 1 FAQ 2: they disagree
    np.testing.assert_allclose(f["part_score:0"], [0.8, 0.5])  # each part's own best cosine, not a difference
    np.testing.assert_allclose(f["part_score:1"], [0.3, 0.9])
    np.testing.assert_allclose(f["off_topic"], [0.4, 0.4])


def test_the_model_refuses_what_it_cannot_compute() -> None:
    with pytest.raises(ValueError, match="unknown"):
        DecisionModel((("loudness", 1.0),), 0.0)
    with pytest.raises(ValueError, match="off-topic"):
        DecisionModel((("off_topic", -1.0),), 0.0)
    with pytest.raises(ValueError, match="runner-up"):
        DecisionModel((("score", 1.0),), 0.0, runner_up=(-1.0, 0.0))
    with pytest.raises(ValueError, match="finite"):
        DecisionModel((("score", math.nan),), 0.0)
    with pytest.raises(ValueError, match="order"):
        DecisionModel((("score", 1.0),), 0.0, order="alphabetical")
    assert DecisionModel.from_json(DECISION.to_json()) == DECISION
    fused = replace(DECISION, order="fused")
    assert DecisionModel.from_json(fused.to_json()) == fused
    legacy = DECISION.to_json()
    del legacy["order"]  # profiles written before the order was chosen reorder, as they did
    assert DecisionModel.from_json(legacy).order == "calibrated"


def test_part_margins_need_that_many_parts() -> None:
    two_parts = DecisionModel((("part_margin:1", 1.0),), 0.0)
    assert two_parts.parts == 2
    assert DecisionModel((("part_score:2", 1.0), ("part_margin:0", 1.0)), 0.0).parts == 3
    with pytest.raises(ValueError, match="unknown"):
        DecisionModel((("part_score:x", 1.0),), 0.0)
    assert Calibrator.build(two_parts, HashingEncoder(32)) is None  # fitted for an ensemble: not applied
    ensemble = EnsembleEncoder([(HashingEncoder(32, tag="a"), 1.0), (HashingEncoder(16, tag="b"), 3.0)])
    assert Calibrator.build(two_parts, ensemble) is not None


def test_ensemble_parts_give_each_parts_own_cosine() -> None:
    a, b = HashingEncoder(64, tag="a"), HashingEncoder(32, tag="b")
    ensemble = EnsembleEncoder([(a, 0.25), (b, 0.75)])
    assert vector_parts(ensemble) == (VectorPart(0, 64, 0.25), VectorPart(64, 96, 0.75))
    assert vector_parts(a) == (VectorPart(0, 64, 1.0),)
    texts = ["회비 얼마예요?", "회비 얼마임"]
    v = ensemble.encode(texts)
    for part, encoder in zip(vector_parts(ensemble), (a, b), strict=True):
        sl = slice(part.start, part.stop)
        own = encoder.encode(texts)
        assert v[0, sl] @ v[1, sl] / part.share == pytest.approx(float(own[0] @ own[1]), abs=1e-5)


def _index(encoder: HashingEncoder, drafts: list[FaqDraft]) -> ScopeIndex:
    faqs = [Faq(i + 1, "g", d.question, d.answer, d.alternates, "", "", "", "") for i, d in enumerate(drafts)]
    texts = list(dict.fromkeys(index_texts(faqs)))
    return ScopeIndex.build(encoder.dimension, faqs, dict(zip(texts, encoder.encode(texts), strict=True)))


def test_search_orders_by_and_shows_the_calibrated_probability() -> None:
    encoder = HashingEncoder()
    snapshot = _index(encoder, [*SAMPLE_FAQS, INTERVIEW]).snapshot
    calibrator = Calibrator.build(DECISION, encoder)
    assert calibrator is not None
    query = "회비 얼마예요"
    vec = encoder.encode([query])[0]
    weights = {"k": 3, "lexical_weight": 0.3, "answer_weight": 1.0, "document_weight": 0.2}
    plain = snapshot.search(vec, query, **weights)
    calibrated = snapshot.search(vec, query, **weights, calibrator=calibrator)
    evidence = snapshot.evidence(
        vec, query, **weights, parts=calibrator.parts, off_topic_similarity=calibrator.off_topic_similarity(vec)
    )
    assert [c.confidence for c in evidence.candidates] == [c.confidence for c in plain]
    raw = calibrator.probabilities(evidence.features)
    first = int(np.argmax(raw))
    assert calibrated[0].faq_id == plain[first].faq_id
    assert calibrated[0].confidence == pytest.approx(raw[first], abs=1e-6)
    assert calibrated[0].score == pytest.approx(plain[first].confidence)  # the fused score rides along
    shown = [c.confidence for c in calibrated]
    assert shown == sorted(shown, reverse=True)
    # later candidates are recalibrated: sigmoid(1·logit(p) − 1) < p
    assert all(c.confidence < raw[[p.faq_id for p in plain].index(c.faq_id)] for c in calibrated[1:])


def test_a_fused_order_decision_keeps_the_fused_ranking_and_only_calibrates() -> None:
    encoder = HashingEncoder()
    snapshot = _index(encoder, [*SAMPLE_FAQS, INTERVIEW]).snapshot
    # A model that prefers lower scores: reordering by it would turn the fused ranking around.
    model = DecisionModel((("score", -4.0),), 1.0, runner_up=(1.0, 0.5))
    weights = {"k": 3, "lexical_weight": 0.3, "answer_weight": 1.0, "document_weight": 0.2}
    calibrated = Calibrator.build(model, encoder)
    fused = Calibrator.build(replace(model, order="fused"), encoder)
    assert calibrated is not None and fused is not None
    differ = 0
    for query in ["회비 얼마예요", "면접 어떻게 봐요", "세션 언제 해요", "코딩 테스트 있어요?", "지원 자격"]:
        vec = encoder.encode([query])[0]
        plain = snapshot.search(vec, query, **weights)
        kept = snapshot.search(vec, query, **weights, calibrator=fused)
        assert [c.faq_id for c in kept] == [c.faq_id for c in plain]
        shown = [c.confidence for c in kept]
        assert shown == sorted(shown, reverse=True)  # never likelier than the FAQ shown above it
        reordered = snapshot.search(vec, query, **weights, calibrator=calibrated)
        differ += [c.faq_id for c in reordered] != [c.faq_id for c in plain]
    assert differ  # the fused order is a choice that matters on these queries


def test_shown_confidences_clamp_a_likelier_runner_up_under_the_first() -> None:
    raw = np.array([0.4, 0.9, 0.2])
    at, shown = shown_confidences(raw, (1.0, 0.0), "fused")
    assert at.tolist() == [0, 1, 2]
    assert shown.tolist() == pytest.approx([0.4, 0.4, 0.2])
    at, shown = shown_confidences(raw, (1.0, 0.0), "calibrated")
    assert at.tolist() == [1, 0, 2]
    assert shown.tolist() == pytest.approx([0.9, 0.4, 0.2])


async def test_an_off_topic_line_is_not_answered_though_it_scores_like_a_question(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = await FaqStore.open(tmp_path / "faq.db")
    encoder = HashingEncoder()
    plain = FaqService(store, ThreadedEmbedder(encoder), thresholds=Thresholds(0.5, 0.2, 0.0))
    calibrated = FaqService(store, ThreadedEmbedder(encoder), thresholds=Thresholds(0.8, 0.2, 0.0), decision=DECISION)
    try:
        await plain.import_drafts("g", [*SAMPLE_FAQS, INTERVIEW], "t")
        before = await plain.ask("g", "테스트")
        assert before.status is Status.ANSWER and before.best is not None  # the fused score alone answers it
        after = await calibrated.ask("g", "테스트")
        assert after.status is not Status.ANSWER
        answered = await calibrated.ask("g", "동아리 회비 얼마예요?")
        assert answered.status is Status.ANSWER and answered.best is not None
        assert answered.best.question == "회비는 얼마인가요?" and answered.best.confidence >= 0.8
        # the off-topic lines were embedded once and cached like FAQ texts: a restart encodes none of them
        cached = await store.cached_embeddings(DECISION.off_topic, encoder.fingerprint)
        assert set(cached) == set(DECISION.off_topic)
        counting = HashingEncoder()
        again = FaqService(store, ThreadedEmbedder(counting), thresholds=Thresholds(0.8, 0.2, 0.0), decision=DECISION)
        await again.calibrator()
        assert counting.calls == []
        await again.aclose()
    finally:
        await plain.aclose()
        await calibrated.aclose()
        await store.close()


async def test_no_decision_keeps_the_fused_score(service: FaqService) -> None:
    answer = await service.ask("g1", "동아리 회비 얼마예요")
    assert answer.best is not None and answer.best.score is None
    assert await service.calibrator() is None


def test_an_empty_scope_has_no_candidates_with_a_decision_too() -> None:
    encoder = HashingEncoder()
    calibrator = Calibrator.build(DECISION, encoder)
    assert calibrator is not None
    empty = ScopeIndex(encoder.dimension).snapshot
    vec = encoder.encode(["회비"])[0]
    assert empty.search(vec, "회비", k=3, lexical_weight=0.3, calibrator=calibrator) == []


def test_runner_ups_are_offered_from_their_own_floor() -> None:
    from faq.matcher import suggestions
    from faq.types import Candidate

    ranked = [Candidate(1, "a", 0.6), Candidate(2, "b", 0.12), Candidate(3, "c", 0.03)]
    t = Thresholds(0.86, 0.26, 0.0)
    assert [c.faq_id for c in suggestions(ranked, t)] == [1]  # scores: everything against the suggest threshold
    assert [c.faq_id for c in suggestions(ranked, t, 0.05)] == [1, 2]  # probabilities: a 12 % runner-up is offered
    assert suggestions([Candidate(1, "a", 0.2)], t, 0.05) == ()  # the best still needs the suggest threshold
    assert [c.faq_id for c in suggestions(ranked, Thresholds(0.9, 0.02, 0.0), 0.05)] == [1, 2, 3]  # never above it


def test_part_margins_are_each_parts_own_cosines() -> None:
    a, b = HashingEncoder(64, tag="a"), HashingEncoder(48, tag="b")
    ensemble = EnsembleEncoder([(a, 0.3), (b, 0.7)])
    drafts = [*SAMPLE_FAQS, INTERVIEW]
    snapshot = _index(ensemble, drafts).snapshot
    query = "회비 언제 내요"
    found = snapshot.evidence(
        ensemble.encode([query])[0],
        query,
        k=3,
        lexical_weight=0.3,
        answer_weight=0.9,
        document_weight=0.2,
        parts=vector_parts(ensemble),
        off_topic_similarity=0.0,
    )
    for part, encoder in enumerate((a, b)):  # the same margins from each part's own index
        own = _index(encoder, drafts).snapshot
        qv = encoder.encode([query])[0]
        rows = np.concatenate([own.matrix @ qv, 0.9 * (own.answers.matrix @ qv)])
        ids = np.concatenate([own.row_faq_ids, own.answers.row_faq_ids])
        best = {f: rows[ids == f].max() for f in set(ids.tolist())}
        expected = [best[c.faq_id] - max(v for f, v in best.items() if f != c.faq_id) for c in found.candidates]
        np.testing.assert_allclose(found.features[f"part_margin:{part}"], expected, atol=1e-5)
        np.testing.assert_allclose(
            found.features[f"part_score:{part}"], [best[c.faq_id] for c in found.candidates], atol=1e-5
        )
