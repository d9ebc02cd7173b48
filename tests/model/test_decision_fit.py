"""The decision models committed in the model profiles: fitted on DEV only, and they fit their encoders."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pytest

from faq.cascade import NEAREST_FIRST, pair_features
from faq.types import Candidate, FaqDraft
from model.clubs import ClubQuery, ClubSet, Split, bundled_dev_club, load_clubs, scored_key
from model.decision_fit import (
    CASCADE_BELOW,
    ClubEvidence,
    Fit,
    _ranked,
    _raw,
    add_pair_features,
    collect,
    feature_names,
    fit,
    fit_cascade,
    fit_logistic,
    rescored_share,
)
from model.dev_clubs import PROBABILITY_GRID, choose_thresholds
from model.encoder import DEFAULT_MODEL_DIR, ENSEMBLE_DIR
from model.profile import load_profile
from model.training_data import CLUB_HELDOUT, heldout_eval_queries
from model.unseen import Ranked, rates


def test_logistic_fit_recovers_known_weights() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20000, 2)) * [1.0, 0.1]  # columns on different scales: fitted standardised
    logit = 1.5 * x[:, 0] - 20.0 * x[:, 1] + 0.5
    y = rng.random(20000) < 1 / (1 + np.exp(-logit))
    weights, intercept = fit_logistic(x, y, l2=1e-6)
    np.testing.assert_allclose(weights, [1.5, -20.0], rtol=0.1)
    assert intercept == pytest.approx(0.5, abs=0.1)


@pytest.mark.parametrize(("folder", "parts"), [(ENSEMBLE_DIR, 2), (DEFAULT_MODEL_DIR, 1)])
def test_committed_decisions_come_from_dev_clubs_only(folder, parts) -> None:  # type: ignore[no-untyped-def]
    profile = load_profile(folder)
    assert profile is not None and profile.decision is not None
    decision = profile.decision
    assert decision.parts == parts  # one margin per part of that model's vectors
    clubs = [*load_clubs(Split.DEV), bundled_dev_club(), *load_clubs(Split.TRAIN)]
    allowed = {t for club in clubs for t in club.out_of_scope}
    assert set(decision.off_topic) <= allowed  # never an evaluation-only club's line
    assert "decision" in profile.chosen_on and "DEV clubs" in profile.chosen_on
    assert 0.5 <= profile.thresholds.answer < 1.0  # on the probability scale


def _run(slug: str, sure: int, unsure: int, wrong: int) -> Ranked:
    """Questions whose gold FAQ scores 0.95 (``sure``) or 0.90 (``unsure``), and ``wrong`` ones
    where another FAQ scores 0.90."""
    sure_q = (Candidate(1, "q1", 0.95), Candidate(2, "q2", 0.10))
    unsure_q = (Candidate(1, "q1", 0.90), Candidate(2, "q2", 0.10))
    wrong_q = (Candidate(2, "q2", 0.90), Candidate(1, "q1", 0.10))
    n = sure + unsure + wrong
    club = ClubSet(slug, slug, Split.DEV, (), (), ())
    return Ranked(club, (sure_q,) * sure + (unsure_q,) * unsure + (wrong_q,) * wrong, (1,) * n, ("plain",) * n, ())


def test_each_club_rule_holds_on_every_club_not_only_pooled() -> None:
    # Pooled, answering from 0.90 gains 10 right for 3 wrong of 160 (1.9 %, within the rule);
    # the small club alone would answer 5 % wrong.
    runs = [_run("big", 100, 0, 0), _run("small", 47, 10, 3)]
    pooled = choose_thresholds(runs, PROBABILITY_GRID)
    each = choose_thresholds(runs, PROBABILITY_GRID, each_club=True)
    assert pooled is not None and each is not None
    assert pooled.thresholds.answer <= 0.90 and pooled.rates.answered_right == pytest.approx(157 / 160)
    assert 0.90 < each.thresholds.answer <= 0.95
    assert each.rates.answered_wrong == 0.0 and each.rates.answered_right == pytest.approx(147 / 160)


def _evidence(slug: str, right: Sequence[float], wrong: Sequence[float], off_topic: Sequence[float]) -> ClubEvidence:
    """A club whose questions put the right FAQ first with score ``right``, another FAQ first with
    ``wrong``, and whose off-topic lines score ``off_topic``; feature ``score`` only."""
    faqs = (FaqDraft("q1", "a1"), FaqDraft("q2", "a2"))
    n = len(right) + len(wrong)
    club = ClubSet(slug, slug, Split.DEV, faqs, tuple(ClubQuery(f"{slug}{i}", 0, "plain") for i in range(n)), ())
    candidates, features = [], []
    for first, score in [*((1, s) for s in right), *((2, s) for s in wrong), *((1, s) for s in off_topic)]:
        other = 3 - first
        candidates.append((Candidate(first, f"q{first}", score), Candidate(other, f"q{other}", score / 2)))
        features.append({"score": np.array([score, score / 2], dtype=np.float32)})
    return ClubEvidence(club, candidates, features, [1] * n + [None] * len(off_topic))


def test_a_rule_only_club_binds_the_thresholds_but_teaches_the_logistic_nothing() -> None:
    rng = np.random.default_rng(1)
    learn = [
        _evidence(s, rng.uniform(0.4, 1.0, 200), rng.uniform(0.2, 0.8, 40), rng.uniform(0.1, 0.5, 60)) for s in "ab"
    ]
    # A club the model knows: its off-topic lines score as high as its questions.
    known = _evidence("known", rng.uniform(0.8, 1.0, 200), [], rng.uniform(0.5, 0.8, 60))
    alone = fit(learn, ("score",))
    ruled = fit([*learn, known], ("score",), rule_only=("known",))
    learned = fit([*learn, known], ("score",))
    assert alone is not None and ruled is not None and learned is not None
    assert ruled.decision.weights == alone.decision.weights  # not fitted on
    assert learned.decision.weights != alone.decision.weights
    assert ruled.thresholds.answer > alone.thresholds.answer  # the known club's off-topic lines bind
    assert ruled.loco_by_club["known"].oos_answered <= 0.05 < rates_at(alone, known)


def rates_at(result: Fit, club: ClubEvidence) -> float:
    """Off-topic answered on ``club`` with ``result``'s decision and thresholds."""
    probabilities = _raw(
        (np.array([w for _, w in result.decision.weights]), result.decision.intercept), result.names, club
    )
    return rates(
        [_ranked(club, probabilities, result.decision.runner_up, result.decision.order)], result.thresholds
    ).oos_answered


def _misleading(slug: str, rng: np.random.Generator, runner_up_document: float) -> ClubEvidence:
    """Right first candidates have a high ``document``, wrong ones a low one; every runner-up (never
    right) has ``runner_up_document``, which the logistic, fitted on first candidates only, never saw."""
    club = _evidence(slug, rng.uniform(0.5, 1.0, 150), rng.uniform(0.5, 1.0, 30), rng.uniform(0.1, 0.4, 40))
    for f, cands, gold in zip(club.features, club.candidates, club.gold, strict=True):
        right = gold is not None and cands[0].faq_id == gold
        first = rng.uniform(0.6, 0.9) if right else rng.uniform(0.0, 0.3)
        f["document"] = np.array([first, runner_up_document], dtype=np.float32)
    # The wrong questions' gold FAQ is second: it keeps the runner-ups' value, so it is no hint either.
    return club


def test_the_order_is_chosen_on_dev_reordering_only_where_it_helps() -> None:
    rng = np.random.default_rng(2)
    # Runner-ups that look likelier than any first candidate: reordering by the logistic puts wrong FAQs
    # first, so the fused order answers more right.
    misled = fit([_misleading(s, rng, 1.0) for s in "abc"], ("score", "document"))
    assert misled is not None and misled.decision.order == "fused"
    assert misled.loco_rank1 == pytest.approx(150 / 180)  # the fused ranking, untouched
    # Runner-ups that look unlikely: both orders rank the same, and a tie keeps the calibrated one.
    clean = fit([_misleading(s, rng, 0.0) for s in "abc"], ("score", "document"))
    assert clean is not None and clean.decision.order == "calibrated"


def test_the_bundled_dev_club_is_the_dev_split_never_the_held_out_set() -> None:
    club = bundled_dev_club()
    held = {q for q, _ in heldout_eval_queries()}
    assert len(club.queries) == 252 and len(club.out_of_scope) == 197
    assert not held & {q.text for q in club.queries}

    # Its off-topic lines were written apart from the held-out ones and share none of them (spacing and
    # punctuation ignored; emoji-only lines compared as written).
    def keys(lines: Sequence[str]) -> set[str]:
        return {scored_key(t) or t for t in lines}

    held_lines = keys(json.loads(CLUB_HELDOUT.read_text(encoding="utf-8"))["out_of_scope"])
    assert len(keys(club.out_of_scope)) == 197
    # Only a count on failure: printing the shared lines would show held-out data to whoever reads it.
    shared = len(held_lines & keys(club.out_of_scope))
    assert shared == 0, f"{shared} DEV off-topic lines are also held-out lines: drop them without printing them"
    assert club.slug == "bundled_dev" and all(0 <= q.faq < len(club.faqs) for q in club.queries)


def test_features_name_what_a_decision_model_can_read(capsys: pytest.CaptureFixture[str]) -> None:
    from model.decision_fit import main

    with pytest.raises(SystemExit) as stop:
        main(["--features", "score", "part_score:x"])
    assert stop.value.code == 2
    assert "unknown decision feature 'part_score:x'" in capsys.readouterr().err
    assert feature_names(2, ("score", "part_score:1")) == ("score", "part_score:1", "part_margin:0", "part_margin:1")


def _with_pair_scores(club: ClubEvidence, rng: np.random.Generator) -> ClubEvidence:
    """A pair scorer that knows: the right FAQ scores ~+3, any other ~-3 (off-topic lines: all low)."""
    for f, cands, gold in zip(club.features, club.candidates, club.gold, strict=True):
        ce = np.array([3.0 if gold is not None and c.faq_id == gold else -3.0 for c in cands], np.float32)
        f.update(pair_features(ce + rng.normal(0, 0.5, len(ce)).astype(np.float32)))
    return club


def test_a_cascade_reads_twice_only_what_the_first_stage_is_unsure_of() -> None:
    rng = np.random.default_rng(4)
    # The fused score barely tells right from wrong here; the pair scorer does.
    clubs = [
        _with_pair_scores(
            _evidence(s, rng.uniform(0.5, 1.0, 150), rng.uniform(0.5, 0.9, 30), rng.uniform(0.2, 0.6, 40)), rng
        )
        for s in "abc"
    ]
    first = fit(clubs, ("score",))
    assert first is not None
    found = fit_cascade(clubs, first.decision, "cross-encoder")
    assert found is not None
    assert set(found.levels) == {first.thresholds.answer, *CASCADE_BELOW}
    chosen = found.levels[found.cascade.below][1]
    assert chosen is not None and chosen.rates.answered_right > first.loco.answered_right + 0.3
    assert all(c is None or c.rates.answered_right <= chosen.rates.answered_right for _, c in found.levels.values())
    assert [n for n, _ in found.cascade.decision.weights] == ["score", "ce", "ce_margin"]
    assert found.cascade.decision.off_topic == first.decision.off_topic and found.cascade.top == 3
    assert found.cascade.thresholds == chosen.thresholds and found.cascade.scorer == "cross-encoder"
    # what the cascade's runs hold: the first stage's list where it was sure, the second's elsewhere
    for one, two, both in zip(found.first.runs, found.second.runs, found.runs, strict=True):
        lists = zip(
            [*one.in_scope, *one.out_of_scope],
            [*two.in_scope, *two.out_of_scope],
            [*both.in_scope, *both.out_of_scope],
            strict=True,
        )
        for a, b, c in lists:
            assert c is (a if a and a[0].confidence >= found.cascade.below else b)
    assert rescored_share(found.first.runs, 1.01) == 1.0 and rescored_share(found.first.runs, 0.0) == 0.0


def test_a_cascade_scorer_that_cannot_load_is_one_line_before_any_work(
    tmp_path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from model import decision_fit

    monkeypatch.setattr(decision_fit, "collect", lambda *a, **k: pytest.fail("collected evidence first"))
    assert decision_fit.main(["--model", "static", "--cascade", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "크로스 인코더를 불러올 수 없습니다" in err[0]


def test_pair_features_read_each_answer_as_the_bot_gives_it_to_the_scorer() -> None:
    from model.fake import HashingEncoder

    lead = "담요와 세면도구를 챙겨 오세요"
    faqs = (
        FaqDraft("MT는 언제 가나요?", f"MT는 5월 둘째 주 금요일에 갑니다. 장소는 가평입니다. {lead}."),
        FaqDraft("회비는 얼마인가요?", "한 학기 회비는 3만 원입니다."),
    )
    club = ClubSet("c", "c", Split.DEV, faqs, (ClubQuery("담요 챙겨가야 돼요?", 0, "answer_only"),), ("테스트",))
    read: list[list[str]] = []

    class Scorer:
        fingerprint, answers = "fake", NEAREST_FIRST

        def score(self, question: str, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
            read.append([a for _, a in pairs])
            return np.zeros(len(pairs), np.float32)

    [evidence] = collect([club], HashingEncoder(), 0.2, 1.0, 0.4)
    add_pair_features([evidence], Scorer())
    assert len(read) == 2 and all("ce" in f and "ce_margin" in f for f in evidence.features)
    assert lead in read[0][0] and read[0][0].startswith(lead)  # the member's question: its passage leads
    with pytest.raises(ValueError, match="lacks what ranked it"):
        add_pair_features([_evidence("x", [0.9], [], [])], Scorer())
