"""The decision models committed in the model profiles: fitted on DEV only, and they fit their encoders."""

from __future__ import annotations

import numpy as np
import pytest

from faq.types import Candidate
from model.clubs import ClubSet, Split, load_clubs
from model.decision_fit import fit_logistic
from model.dev_clubs import PROBABILITY_GRID, choose_thresholds
from model.encoder import DEFAULT_MODEL_DIR, ENSEMBLE_DIR
from model.profile import load_profile
from model.unseen import Ranked


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
    dev_lines = {t for club in load_clubs(Split.DEV) for t in club.out_of_scope}
    assert set(decision.off_topic) <= dev_lines  # never an evaluation-only club's line
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
