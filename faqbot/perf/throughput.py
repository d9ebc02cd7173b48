"""Section 1: latency p50/p99 and throughput at several concurrencies, micro-batched vs naive
(one ``encode`` per question), the event-loop lag during each run, and the query cache."""

from __future__ import annotations

import asyncio
import logging
import random
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from faq.batching import CachingEmbedder, MicroBatchingEmbedder
from faq.embedder import Embedder, ThreadedEmbedder
from faqbot.perf.measure import CpuMeter, LoopLagProbe, percentile
from faqbot.perf.plan import BenchPlan
from model.encoder import Encoder, Vectors

log = logging.getLogger(__name__)


async def closed_loop(
    embed: Callable[[list[str]], Awaitable[Vectors]], questions: Sequence[str], concurrency: int, per_worker: int
) -> dict[str, float]:
    """``concurrency`` members each asking ``per_worker`` questions back to back."""
    latencies: list[float] = []

    async def member(worker: int) -> None:
        for i in range(per_worker):
            text = questions[(worker * per_worker + i) % len(questions)]
            start = time.perf_counter()
            await embed([text])
            latencies.append((time.perf_counter() - start) * 1000)

    with LoopLagProbe() as probe, CpuMeter() as cpu:
        start = time.perf_counter()
        await asyncio.gather(*(member(w) for w in range(concurrency)))
        wall = time.perf_counter() - start
    return {
        "foreign_cpu": cpu.foreign_share,
        "requests": len(latencies),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "throughput_qps": round(len(latencies) / wall, 2),
        "loop_lag_ms_max": round(probe.max_ms, 2),
    }


def lone_encode_ms(encoder: Encoder, questions: Sequence[str], samples: int) -> float:
    """p50 of a bare ``encoder.encode([q])`` on this thread: the floor for one question."""
    for q in questions[:samples]:  # warm-up on the same texts: a new input shape's first call is slow
        encoder.encode([q])
    times = []
    for q in questions[:samples]:
        start = time.perf_counter()
        encoder.encode([q])
        times.append((time.perf_counter() - start) * 1000)
    return percentile(times, 50)


async def latency_section(encoder: Encoder, questions: Sequence[str], plan: BenchPlan) -> dict[str, Any]:
    out: dict[str, Any] = {"lone_encode_p50_ms": round(lone_encode_ms(encoder, questions, plan.lone_samples), 2)}
    levels: dict[str, Any] = {}
    for concurrency in plan.levels:
        per_worker = max(plan.rounds, -(-16 // concurrency))
        row: dict[str, Any] = {}
        # Alternate (naive, batched, batched, naive, ...) and keep each mode's best run:
        # background load only ever slows a run down, so the best is the least disturbed.
        order = ["naive", "batched"] if plan.repeats == 1 else ["naive", "batched", "batched", "naive"]
        for mode in order * max(1, plan.repeats // 2):
            embedder: Embedder
            if mode == "naive":
                embedder = ThreadedEmbedder(encoder)
            else:
                embedder = MicroBatchingEmbedder(encoder, max_batch=plan.max_batch, max_wait_s=plan.max_wait_s)
            try:
                await embedder.embed([questions[-1]])  # warm the worker thread
                run = await closed_loop(embedder.embed, questions, concurrency, per_worker)
                if isinstance(embedder, MicroBatchingEmbedder):
                    sizes = embedder.stats.sizes[1:]
                    run["mean_batch"] = round(statistics.fmean(sizes), 1) if sizes else 0.0
                if mode not in row or run["throughput_qps"] > row[mode]["throughput_qps"]:
                    row[mode] = run
            finally:
                await embedder.aclose()
        row["throughput_ratio"] = round(row["batched"]["throughput_qps"] / row["naive"]["throughput_qps"], 2)
        levels[str(concurrency)] = row
        log.info("concurrency %d: %s", concurrency, row)
    out["levels"] = levels
    c1 = levels.get("1")
    if c1:
        out["p50_ratio_c1"] = round(c1["batched"]["p50_ms"] / out["lone_encode_p50_ms"], 3)
    return out


async def cache_section(encoder: Encoder, questions: Sequence[str], plan: BenchPlan) -> dict[str, Any]:
    """A burst where members repeat a few popular questions (Zipf-like), with and without the LRU."""
    rng = random.Random(3)
    popular = list(questions[:20])
    weights = [1 / (i + 1) for i in range(len(popular))]
    stream = rng.choices(popular, weights=weights, k=256)
    concurrency, out = 32, {}
    for label, cached in (("no_cache", False), ("lru_1024", True)):
        inner = MicroBatchingEmbedder(encoder, max_batch=plan.max_batch, max_wait_s=plan.max_wait_s)
        embedder: Embedder = CachingEmbedder(inner, 1024) if cached else inner
        try:
            result = await closed_loop(embedder.embed, stream, concurrency, len(stream) // concurrency)
            result["encoded_texts"] = inner.stats.encoded
            out[label] = result
        finally:
            await embedder.aclose()
    out["throughput_ratio"] = round(out["lru_1024"]["throughput_qps"] / out["no_cache"]["throughput_qps"], 2)
    return out
