"""The load run (``benchmarks/load.py``) at CI scale.

The full run (1,000 questions, 50 users, 3 guilds, 60 s) is a benchmark, not a test:
``python benchmarks/load.py``. docs/reliability.md has the figures.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmarks_load", ROOT / "benchmarks" / "load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve string annotations through it
    spec.loader.exec_module(module)
    return module


@pytest.mark.timeout(120)
async def test_quick_load_loses_nothing(tmp_path: Path) -> None:
    bench = load_benchmark()
    report = await bench.run(bench.QUICK, workdir=tmp_path)
    assert report.ok, report.problems[:20]
    assert report.sent == bench.QUICK.questions
    assert report.answered_mentions == report.mentions > 0
    assert report.answered_channel == report.expected_channel > 0
    assert report.lag_max_ms < 100
