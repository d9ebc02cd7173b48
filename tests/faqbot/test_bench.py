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
