"""``faqbot bench --smoke``: the benchmark harness runs end to end on the fake encoder."""

from __future__ import annotations

import json

import pytest

from faqbot.cli import main

REQUIRED = ("throughput_ratio_c32", "p50_ratio_c1", "cold_start_s_30k", "loop_lag_ms_max")


def test_bench_smoke_json_has_the_required_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--smoke", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in REQUIRED:
        assert key in result
    assert result["primary_model"] == "hashing-fake"
    assert result["throughput_ratio_c32"] > 0
    assert result["cold_start"]["hashing-fake"]["texts_encoded"] == 0  # ready from the cache alone
    levels = result["models"]["hashing-fake"]["levels"]
    assert set(levels) == {"1", "8", "32"}
    assert levels["32"]["batched"]["mean_batch"] > 1
    assert [row["rows"] for row in result["matching"]] == [100, 1_000]
    changes = result["changes"]  # another connection's commit reached the index (the bench asserts it)
    assert changes["idle_poll_us"]["p50"] > 0
    assert 0 < changes["scopes"]["200"]["commit_to_served_ms"]["max"] < 5_000


def test_bench_smoke_text_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--smoke"]) == 0
    out = capsys.readouterr().out
    assert "throughput_ratio_c32=" in out and "hashing-fake" in out
    assert "커밋 → 반영" in out


async def test_lone_question_times_the_decision_when_the_profile_has_one() -> None:
    from faq.decision import DecisionModel
    from faq.types import Thresholds
    from faqbot.perf.lone_question import lone_question_section
    from model.fake import HashingEncoder
    from model.profile import MatchingProfile

    decision = DecisionModel((("score", 3.0), ("margin", 7.0), ("off_topic", -6.0)), 0.2, ("테스트", "ㅇㅋ"))
    profile = MatchingProfile(0.2, 1.0, 0.6, Thresholds(0.86, 0.26, 0.0), "test", decision)
    with_decision = await lone_question_section(
        HashingEncoder(), ["회비 얼마예요?", "세션 언제 해요?"], 5, profile=profile
    )
    assert with_decision["search_decision_p50_ms"] > 0 and "decision_p50_ms" in with_decision
    plain = await lone_question_section(HashingEncoder(), ["회비 얼마예요?"], 5)
    assert "decision_p50_ms" not in plain


async def test_lone_question_times_each_part_of_an_ensemble_with_the_models_profile() -> None:
    from faq.types import Thresholds
    from faqbot.perf.lone_question import lone_question_section
    from faqbot.perf.plan import DEFAULT, model_profile_of
    from model.encoder import ENSEMBLE_DIR
    from model.ensemble import EnsembleEncoder
    from model.fake import HashingEncoder
    from model.profile import MatchingProfile, load_profile

    ensemble = EnsembleEncoder(
        [(HashingEncoder(64, tag="a"), 0.5), (HashingEncoder(32, tag="b"), 0.5)], part_names=["static", "e5-club"]
    )
    profile = MatchingProfile(0.1, 0.0, 0.0, Thresholds())
    lone = await lone_question_section(ensemble, ["회비 얼마예요?", "세션 언제?"], 5, profile=profile)
    assert set(lone["encode_parts_p50_ms"]) == {"static", "e5-club"}
    for key in ("encode_p50_ms", "tokenize_p50_ms", "search_p50_ms", "log_write_p50_ms", "thread_hop_p50_ms"):
        assert lone[key] >= 0
    assert model_profile_of(DEFAULT) == load_profile(ENSEMBLE_DIR)  # the default is measured with its own weights


async def test_lone_question_takes_and_times_the_second_look_of_a_cascade(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from faq.cascade import Cascade
    from faq.decision import DecisionModel
    from faq.types import Thresholds
    from faqbot.perf.lone_question import lone_question_section
    from model.fake import HashingEncoder
    from model.profile import MatchingProfile

    read: list[str] = []

    class Scorer:
        fingerprint = "fake"
        answers = "as_written"

        def score(self, question: str, faqs: list[tuple[str, str]]) -> np.ndarray:
            read.append(question)
            return np.zeros(len(faqs), np.float32)

    monkeypatch.setattr("model.cross_encoder.load_scorer", lambda name, share_with=None: Scorer())
    unsure = DecisionModel((("score", 1.0),), -0.5)  # never above sigmoid(0.5): every question is read twice
    second = DecisionModel((("score", 1.0), ("ce", 1.0)), 0.0)
    cascade = Cascade(0.9, second, Thresholds(0.7, 0.3, 0.0), "fake")
    profile = MatchingProfile(0.2, 1.0, 0.6, Thresholds(0.86, 0.26, 0.0), "test", unsure, cascade=cascade)
    lone = await lone_question_section(HashingEncoder(), ["회비 얼마예요?", "세션 언제 해요?"], 5, profile=profile)
    assert lone["second_look_share"] == 1.0 and lone["scorer_p50_ms"] > 0
    assert len(read) > 10  # the whole path (service.ask) read them too, not only the timed scorer
