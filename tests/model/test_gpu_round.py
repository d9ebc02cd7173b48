"""benchmarks/gpu_round.py's DEV analysis (the part that runs without a GPU or a trained model)."""

from __future__ import annotations

import numpy as np

from benchmarks.gpu_round import analyse, cascade_lists, ce_features
from faq.types import Candidate


def _rows(rng: np.random.Generator, n: int) -> list[dict]:
    """Dense top 5 that has the right FAQ first only half the time; a cross-encoder that always likes it best."""
    rows = []
    for i in range(n):
        top = [int(x) for x in rng.permutation(20)[:5]]
        gold = top[0] if i % 2 else top[1]
        dense = sorted(rng.uniform(0.5, 0.9, 5).tolist(), reverse=True)
        ce = [4.0 if j == gold else rng.uniform(-4, 0) for j in top]
        rows.append({"faq": gold, "kind": "plain", "top": top, "dense": dense, "ce": ce})
    rows.append({"faq": -1, "kind": "off_topic", "top": [0, 1, 2, 3, 4], "dense": [0.5] * 5, "ce": [0.0] * 5})
    return rows


def test_the_analysis_credits_a_cross_encoder_that_knows_the_right_faq() -> None:
    rng = np.random.default_rng(7)
    dev = {f"dev_{c}": _rows(rng, 40) for c in "abc"} | {"bundled_dev": _rows(rng, 10)}
    out = analyse(dev)
    assert out["lambda=0.0"]["rank1"] == 0.5  # the dense order alone: right first for every other question
    assert out["cross_encoder_alone_rank1"] == 1.0 and out["right_in_dense_top5"] == 1.0
    assert out["lambda=0.05"] == {"rank1": 1.0, "auc_without_ce": None, "auc_with_ce": None}  # fused: all right
    assert out["lambda=0.0"]["auc_with_ce"] > out["lambda=0.0"]["auc_without_ce"] + 0.2


def test_cross_encoder_features_are_each_candidates_score_and_margin_over_the_best_other() -> None:
    out = ce_features(np.array([1.0, 3.0, -2.0]))
    assert out["ce"].tolist() == [1.0, 3.0, -2.0]
    assert out["ce_margin"].tolist() == [-2.0, 2.0, -5.0]  # the best against the second, the rest against the best
    tied = ce_features(np.array([2.0, 2.0]))
    assert tied["ce_margin"].tolist() == [0.0, 0.0]
    assert ce_features(np.array([4.0]))["ce_margin"].tolist() == [4.0]  # alone: its score, as faq.decision's margins


def test_the_cascade_keeps_what_the_first_stage_answers_and_rescores_the_rest() -> None:
    sure = (Candidate(1, "회비", 0.95), Candidate(2, "MT", 0.02))
    unsure = (Candidate(3, "세션", 0.6), Candidate(4, "과제", 0.3))
    rescored = [
        (Candidate(9, "x", 0.99),),
        (Candidate(4, "과제", 0.97), Candidate(3, "세션", 0.2)),
        (Candidate(5, "y", 0.5),),
    ]
    out = cascade_lists([sure, unsure, ()], rescored, 0.93)
    assert out[0] == (Candidate(1, "회비", 1.0), sure[1])  # answered without it: kept, at any second threshold
    assert out[1] is rescored[1] and out[2] is rescored[2]  # below the first answer threshold, or nothing found


def test_bad_sizes_and_a_folder_without_a_cross_encoder_get_one_line(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from benchmarks.gpu_round import main

    cases = {
        ("--ce-negatives", "0"): "--ce-negatives must be at least 1",
        ("--ce-batch", "-3"): "--ce-batch must be at least 1",
        ("--ensemble", str(tmp_path)): f"no trained cross-encoder in {tmp_path}",
    }
    for argv, said in cases.items():
        with pytest.raises(SystemExit) as exit_:
            main(list(argv))
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert said in err.strip().splitlines()[-1] and "Traceback" not in err
