"""The committed static model (model/default, built-in ``static``) loads offline and answers bundled FAQs."""

from __future__ import annotations

import numpy as np

from model.evaluate import FaqBank, Scorer, load_faq_groups


def test_static_loads_and_normalises(static_encoder) -> None:
    vecs = static_encoder.encode(["회비는 얼마인가요?", "면접 준비물"])
    assert vecs.dtype == np.float32 and vecs.shape == (2, static_encoder.dimension)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)


def test_static_answers_korean_questions(static_encoder) -> None:
    bank = FaqBank.from_groups(load_faq_groups())
    scorer = Scorer(bank, static_encoder)
    checks = {
        "회비 얼마 내요?": "회비",
        "면접 때 뭐 가져가야 돼요?": "면접",
        "비전공자도 지원 가능해요?": "비전공자",
    }
    ranked = scorer.rank(list(checks), 0.3)
    for (query, word), cands in zip(checks.items(), ranked, strict=True):
        assert word in cands[0].question, (query, cands[0].question)
