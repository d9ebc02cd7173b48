"""The decision models committed in the model profiles: fitted on DEV only, and they fit their encoders."""

from __future__ import annotations

import numpy as np
import pytest

from model.clubs import Split, load_clubs
from model.decision_fit import fit_logistic
from model.encoder import DEFAULT_MODEL_DIR, ENSEMBLE_DIR
from model.profile import load_profile


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
