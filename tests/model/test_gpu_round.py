"""benchmarks/gpu_round.py's DEV analysis (the part that runs without a GPU or a trained model)."""

from __future__ import annotations

import numpy as np

from benchmarks.gpu_round import analyse


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


def test_bad_sizes_get_one_line(capsys) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from benchmarks.gpu_round import main

    cases = {
        ("--ce-negatives", "0"): "--ce-negatives must be at least 1",
        ("--ce-batch", "-3"): "--ce-batch must be at least 1",
    }
    for argv, said in cases.items():
        with pytest.raises(SystemExit) as exit_:
            main(list(argv))
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert said in err.strip().splitlines()[-1] and "Traceback" not in err
