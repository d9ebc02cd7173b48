"""Measuring tools shared by the sections: percentiles, CPU time, event-loop lag, the machine, the questions."""

from __future__ import annotations

import asyncio
import logging
import os
import platform
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "affinity_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        info["load_avg_1m"] = os.getloadavg()[0]
    except OSError:
        pass
    for name in ("numpy", "torch", "sentence_transformers", "onnxruntime"):
        module = sys.modules.get(name)
        if module is not None:
            info[name] = getattr(module, "__version__", "?")
    return info


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if values else float("nan")


def bench_questions() -> list[str]:
    """Realistic club questions (shipped data only), varied lengths, no duplicates."""
    from model.shaped import club_sentences

    texts = [s for s in dict.fromkeys(club_sentences()) if 4 <= len(s) <= 80 and "\n" not in s]
    random.Random(7).shuffle(texts)
    return texts


class CpuMeter:
    """Share of the machine's CPU used by *other* processes during a measurement.

    On a shared 2-core box a background job halves torch's throughput; this number
    says which rows to distrust (0.0 = we had the machine to ourselves).
    """

    def __init__(self) -> None:
        self.foreign_share: float | None = None

    @staticmethod
    def _busy_s() -> float | None:
        try:
            fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        except (OSError, ValueError):
            return None
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> CpuMeter:
        self._busy, self._own, self._wall = self._busy_s(), time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        busy = self._busy_s()
        if busy is None or self._busy is None:
            return
        wall = time.perf_counter() - self._wall
        foreign = (busy - self._busy) - (time.process_time() - self._own)
        if wall >= 0.5:  # /proc/stat counts 10 ms ticks: shorter runs are all rounding error
            self.foreign_share = round(min(1.0, max(0.0, foreign) / (wall * (os.cpu_count() or 1))), 2)


class LoopLagProbe:
    """Measures how late the event loop wakes a 5 ms sleeper (a blocked loop shows up here)."""

    def __init__(self, period_s: float = 0.005) -> None:
        self.period_s = period_s
        self.lags_ms: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(self.period_s)
            self.lags_ms.append((time.perf_counter() - start - self.period_s) * 1000)

    def __enter__(self) -> LoopLagProbe:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()

    @property
    def max_ms(self) -> float:
        return max(self.lags_ms, default=0.0)
