"""The load run (``benchmarks/load.py``) at CI scale.

The full run (1,000 questions, 50 users, 3 guilds, 60 s) is a benchmark, not a test:
``python benchmarks/load.py``. docs/reliability.md has the figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import load as bench


@pytest.mark.timeout(120)
async def test_quick_load_loses_nothing(tmp_path: Path) -> None:
    report = await bench.run(bench.QUICK, workdir=tmp_path)
    assert report.ok, report.problems[:20]
    assert report.sent == bench.QUICK.questions
    assert report.answered_mentions == report.mentions > 0
    assert report.answered_channel == report.expected_channel > 0
    assert report.lag_max_ms < 100
