"""A model's matching profile: loaded from its folder, and the admin's own settings still win."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from faq.cascade import Cascade
from faq.decision import DecisionModel
from faq.matcher import RowRules
from faq.types import Thresholds
from faqbot.app import open_service
from faqbot.settings import CoreSettings
from model.fake import HashingEncoder
from model.profile import PROFILE, MatchingProfile, load_profile, write_profile

PROFILE_VALUES = MatchingProfile(0.25, 0.9, 0.15, Thresholds(0.7, 0.4, 0.02), "DEV clubs")
DECISION = DecisionModel((("score", 3.0), ("margin", 7.0), ("off_topic", -6.0)), 0.2, ("테스트", "ㅇㅋ"), (0.8, -0.7))
CALIBRATED = MatchingProfile(0.2, 1.0, 0.6, Thresholds(0.86, 0.26, 0.0), "DEV clubs", DECISION)
ROWS = MatchingProfile(0.2, 1.0, 0.6, Thresholds(0.86, 0.26, 0.0), "DEV clubs", DECISION, RowRules(2, 0.4))


def test_profile_round_trip(tmp_path: Path) -> None:
    write_profile(tmp_path, PROFILE_VALUES)
    assert load_profile(tmp_path) == PROFILE_VALUES
    assert load_profile(tmp_path / "missing") is None
    write_profile(tmp_path, CALIBRATED)
    assert load_profile(tmp_path) == CALIBRATED
    write_profile(tmp_path, ROWS)
    assert load_profile(tmp_path) == ROWS


SECOND = DecisionModel((*DECISION.weights, ("ce", 0.5), ("ce_margin", 0.3)), -1.0, DECISION.off_topic)
CASCADED = MatchingProfile(
    0.2,
    1.0,
    0.6,
    Thresholds(0.86, 0.26, 0.0),
    "DEV clubs",
    DECISION,
    RowRules(2, 0.4),
    Cascade(0.95, SECOND, Thresholds(0.92, 0.3, 0.0), "cross-encoder"),
)


def test_a_cascade_round_trips_and_serves_only_with_its_scorer(tmp_path: Path) -> None:
    write_profile(tmp_path, CASCADED)
    assert load_profile(tmp_path) == CASCADED
    written = json.loads((tmp_path / PROFILE).read_text(encoding="utf-8"))
    assert "off_topic" not in written["cascade"]["decision"]  # the first decision's lines, stored once
    served = CASCADED.serving(scorer_loaded=True)
    assert served.thresholds == Thresholds(0.92, 0.3, 0.0) and served.cascade == CASCADED.cascade
    alone = CASCADED.serving(scorer_loaded=False)  # the first stage with its own thresholds
    assert alone.cascade is None and alone.thresholds == CASCADED.thresholds and alone.decision == DECISION


def test_pair_features_belong_to_a_cascade_only(tmp_path: Path) -> None:
    data = CASCADED.to_json()
    data["decision"] = SECOND.to_json()  # a first decision cannot read what the second look adds
    (tmp_path / PROFILE).write_text(json.dumps(data), encoding="utf-8")
    assert load_profile(tmp_path) is None
    data = CASCADED.to_json()
    del data["decision"]  # a cascade behind no decision
    (tmp_path / PROFILE).write_text(json.dumps(data), encoding="utf-8")
    assert load_profile(tmp_path) is None


async def test_a_scorer_that_cannot_load_costs_the_second_look_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    data = CASCADED.to_json()
    data["cascade"]["scorer"] = str(tmp_path / "no-such-scorer")  # type: ignore[index]
    (model_dir / PROFILE).write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr("faqbot.app.load_encoder", lambda *a, **k: HashingEncoder())
    heard: list[str] = []
    async with open_service(CoreSettings(db=tmp_path / "a.db", model=str(model_dir)), notice=heard.append) as service:
        assert service.reranking is None and service.decision == DECISION
        assert service.default_thresholds == CASCADED.thresholds  # the first stage's own
    assert len(heard) == 1 and "크로스 인코더" in heard[0] and "no-such-scorer" in heard[0]
    assert "\n" not in heard[0]


def test_row_rules_are_optional_and_checked(tmp_path: Path) -> None:
    # a profile written before row rules existed (or without them) keeps the rules every model had
    assert "answer_window" not in CALIBRATED.to_json() and "second_row_weight" not in CALIBRATED.to_json()
    assert ROWS.to_json()["answer_window"] == 2 and ROWS.to_json()["second_row_weight"] == 0.4
    write_profile(tmp_path, CALIBRATED)
    assert load_profile(tmp_path).rules == RowRules()  # type: ignore[union-attr]
    for broken in ({"answer_window": 0}, {"answer_window": 9}, {"second_row_weight": 1.5}):
        (tmp_path / PROFILE).write_text(json.dumps({**ROWS.to_json(), **broken}), encoding="utf-8")
        assert load_profile(tmp_path) is None


def test_the_default_ensemble_carries_its_row_rules() -> None:
    from model.encoder import ENSEMBLE_DIR

    profile = load_profile(ENSEMBLE_DIR)
    assert profile is not None and profile.rules == RowRules(answer_window=2, second_row_weight=0.4)


def test_a_broken_decision_drops_the_whole_profile(tmp_path: Path) -> None:
    # Its thresholds are on the decision's probability scale: without the decision they would mean nothing.
    data = CALIBRATED.to_json()
    data["decision"]["weights"]["loudness"] = 1.0  # type: ignore[index]
    (tmp_path / PROFILE).write_text(json.dumps(data), encoding="utf-8")
    assert load_profile(tmp_path) is None


@pytest.mark.parametrize(
    "content",
    ["{broken", json.dumps({"lexical_weight": 0.3}), json.dumps({**PROFILE_VALUES.to_json(), "answer_weight": 9})],
)
def test_a_broken_profile_is_ignored_not_fatal(tmp_path: Path, content: str) -> None:
    (tmp_path / PROFILE).write_text(content, encoding="utf-8")
    assert load_profile(tmp_path) is None


def test_settings_the_admin_gave_override_the_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("FAQBOT_ANSWER_THRESHOLD", "0.8")
    monkeypatch.setenv("FAQBOT_LEXICAL_WEIGHT", "0.5")
    chosen = CoreSettings(db=tmp_path / "x.db").matching(PROFILE_VALUES)
    assert chosen.thresholds == Thresholds(0.8, 0.4, 0.02)
    assert (chosen.lexical_weight, chosen.answer_weight, chosen.document_weight) == (0.5, 0.9, 0.15)
    defaults = CoreSettings(db=tmp_path / "x.db").matching(None)
    assert defaults.thresholds.answer == 0.8 and defaults.chosen_on == "defaults" and defaults.decision is None
    # an admin's threshold applies on the decision's scale; the decision itself travels with the model
    calibrated = CoreSettings(db=tmp_path / "x.db").matching(CALIBRATED)
    assert calibrated.decision == DECISION and calibrated.thresholds == Thresholds(0.8, 0.26, 0.0)


async def test_open_service_uses_the_profile_of_the_model_it_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    write_profile(model_dir, PROFILE_VALUES)
    monkeypatch.setattr("faqbot.app.load_encoder", lambda *a, **k: HashingEncoder())
    async with open_service(CoreSettings(db=tmp_path / "a.db", model=str(model_dir))) as service:
        assert service.default_thresholds == PROFILE_VALUES.thresholds
        assert (service.lexical_weight, service.answer_weight, service.document_weight) == (0.25, 0.9, 0.15)
        assert service.decision is None
        assert service.rules == RowRules()
    write_profile(model_dir, ROWS)
    async with open_service(CoreSettings(db=tmp_path / "c.db", model=str(model_dir))) as service:
        assert service.decision == DECISION and service.default_thresholds == ROWS.thresholds
        assert service.rules == ROWS.rules
    # a caller that brings its own encoder keeps the code defaults unless it passes a profile
    async with open_service(CoreSettings(db=tmp_path / "b.db", model=str(model_dir)), encoder=HashingEncoder()) as svc:
        assert svc.default_thresholds == Thresholds()


def test_a_profile_never_changes_the_models_fingerprint(tmp_path: Path) -> None:
    import shutil

    from model.encoder import DEFAULT_MODEL_DIR, load_encoder

    folder = tmp_path / "m"
    shutil.copytree(DEFAULT_MODEL_DIR, folder)
    (folder / PROFILE).unlink(missing_ok=True)
    before = load_encoder(folder).fingerprint
    write_profile(folder, PROFILE_VALUES)
    assert load_encoder(folder).fingerprint == before  # cached vectors stay valid


def test_builtin_names_find_their_profiles_without_deriving_e5(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from faqbot.app import model_profile
    from model.encoder import DEFAULT_MODEL_DIR, ENSEMBLE_DIR

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FAQBOT_CACHE_DIR", str(tmp_path / "no-cache"))  # nothing derived here
    ensemble = model_profile(CoreSettings(db=tmp_path / "x.db", model="ensemble"))
    assert ensemble == load_profile(ENSEMBLE_DIR) and ensemble is not None
    assert "DEV clubs" in ensemble.chosen_on
    assert model_profile(CoreSettings(db=tmp_path / "x.db")) == ensemble  # empty: the default, the ensemble
    static = model_profile(CoreSettings(db=tmp_path / "x.db", model="static"))  # the old default, by name
    assert static == load_profile(DEFAULT_MODEL_DIR) and static is not None and static != ensemble
    assert not (tmp_path / "no-cache").exists()
