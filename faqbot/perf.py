"""Performance benchmarks behind ``faqbot bench`` (numbers in docs/performance.md).

Every comparison is a ratio of two figures measured in the same run on the same
machine, so a slower or busier machine changes the absolute numbers but not the
conclusions. Sections:

1. latency p50/p99 and throughput at several concurrencies, micro-batched vs
   naive (one ``encode`` per question), plus the event-loop lag during each run;
2. matching cost vs FAQ rows (brute force over the normalised matrix);
3. cold start from a database whose 30,000 question vectors are cached;
4. peak RSS of a bot-like process per model (fresh subprocess each);
5. following other processes' commits (faq/changes.py): the cost of one idle poll, and
   from another connection's commit to the new answer being served.

Models: the KR-SBERT-shaped random BERT (:mod:`model.shaped`; speed only), the
default encoder, and in ``--smoke`` mode only the hashing fake (seconds, for tests).
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import platform
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from faq.batching import CachingEmbedder, MicroBatchingEmbedder
from faq.changes import KnowledgeFollower, SqliteChangeFeed
from faq.embedder import Embedder, ThreadedEmbedder
from faq.service import FaqService
from faq.store import FaqStore
from faq.text import answer_passages, normalized_key
from faqbot.lone_question import lone_question_section
from model.encoder import Encoder, Vectors

log = logging.getLogger(__name__)

SHAPED = "bert-base-shaped"
DEFAULT = "default"
FAKE = "hashing-fake"


@dataclass(frozen=True)
class BenchPlan:
    """What to run; ``quick`` fits in about a minute, ``smoke`` in a few seconds."""

    models: tuple[str, ...] = (SHAPED, DEFAULT)
    backends: tuple[str, ...] = ("torch",)  # for the shaped model; torch is the naive baseline
    levels: tuple[int, ...] = (1, 8, 32, 128)
    rounds: int = 3  # closed-loop requests per worker (at least 16 requests per level)
    repeats: int = 2  # runs per mode and level, best kept (1 or an even number)
    lone_samples: int = 20
    match_rows: tuple[int, ...] = (100, 1_000, 10_000, 30_000, 100_000)
    cold_rows: int = 30_000
    change_rows: tuple[int, ...] = (1_000, 10_000)  # scope sizes for the reload latency
    rss: bool = True
    cache: bool = True
    max_batch: int = 32
    max_wait_s: float = 0.005
    cache_dir: Path | None = None

    @classmethod
    def quick(cls, **kw: Any) -> BenchPlan:
        kw.setdefault("rss", False)  # fresh processes importing torch do not fit in a minute
        return cls(
            rounds=1,
            repeats=1,
            lone_samples=8,
            match_rows=(100, 1_000, 10_000, 100_000),
            cache=False,
            change_rows=(1_000,),
            **kw,
        )

    @classmethod
    def full(cls, **kw: Any) -> BenchPlan:
        from model.onnx_backend import onnx_available

        kw.setdefault("backends", ("torch", "onnx", "onnx-int8") if onnx_available() else ("torch",))
        return cls(**kw)

    @classmethod
    def smoke(cls, **kw: Any) -> BenchPlan:
        return cls(
            models=(FAKE,),
            levels=(1, 8, 32),
            rounds=1,
            repeats=1,
            lone_samples=5,
            match_rows=(100, 1_000),
            cold_rows=1_000,
            change_rows=(200,),
            **{"rss": False, **kw},
        )


# --------------------------------------------------------------------------- helpers


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


# --------------------------------------------------------------------------- 1. latency / throughput


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


# --------------------------------------------------------------------------- 2. matching cost


def matching_section(dimension: int, rows_list: Sequence[int], queries: int = 50) -> list[dict[str, Any]]:
    """Per-query cost of brute-force dense scoring (matrix @ q + top-k) per index size."""
    rng = np.random.default_rng(0)
    out = []
    for rows in rows_list:
        matrix = rng.standard_normal((rows, dimension), dtype=np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        qs = rng.standard_normal((queries, dimension), dtype=np.float32)
        qs /= np.linalg.norm(qs, axis=1, keepdims=True)
        k = min(10, rows - 1)
        one = batch = float("inf")
        for _ in range(3):  # best of 3: the first pass pays BLAS thread start-up and page faults
            start = time.perf_counter()
            for q in qs:
                np.argpartition(-(matrix @ q), k)[:10]
            one = min(one, (time.perf_counter() - start) / queries * 1000)
            start = time.perf_counter()
            np.argpartition(-(qs @ matrix.T), k, axis=1)[:, :10]  # a micro-batch scored at once (GEMM)
            batch = min(batch, (time.perf_counter() - start) / queries * 1000)
        out.append(
            {
                "rows": rows,
                "matrix_mb": round(matrix.nbytes / 2**20, 1),
                "per_query_ms": round(one, 3),
                "per_query_in_batch_ms": round(batch, 3),
            }
        )
        del matrix
    return out


# --------------------------------------------------------------------------- 3. cold start


class CountingEncoder:
    """Wraps an encoder and counts the texts it is asked to encode."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.texts = 0

    @property
    def fingerprint(self) -> str:
        return self.inner.fingerprint

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    @property
    def max_seq_length(self) -> int | None:
        return self.inner.max_seq_length

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.texts += len(texts)
        return self.inner.encode(texts)


async def write_cached_db(path: Path, rows: int, encoder: Encoder, *, per_faq: int = 5) -> None:
    """A database with ``rows`` question rows whose vectors are cached for ``encoder``.

    Rows go straight into the tables (Kiwi-tokenising 30,000 texts is setup, not the
    thing measured); vectors are random unit rows of the encoder's dimension.
    """
    store = await FaqStore.open(path)
    await store.close()
    rng = np.random.default_rng(1)
    base = bench_questions()
    conn = sqlite3.connect(path)
    try:
        with conn:
            faq_rows, q_rows, p_rows, e_rows = [], [], [], []
            for faq_id in range(1, rows // per_faq + 1):
                answer = f"답변 {faq_id}번이에요."
                faq_rows.append((faq_id, "default", answer, "bench", "2025-01-01", "bench", "2025-01-01"))
                for pos, text in enumerate(answer_passages(answer)):
                    p_rows.append((faq_id, pos, "default", text, " ".join(text.split()[:6])))
                    vec = rng.standard_normal(encoder.dimension).astype(np.float32)
                    e_rows.append((text, encoder.fingerprint, encoder.dimension, (vec / np.linalg.norm(vec)).tobytes()))
                for pos in range(per_faq):
                    text = f"{base[(faq_id * per_faq + pos) % len(base)]} #{faq_id}-{pos}"
                    q_rows.append((faq_id, pos, "default", text, normalized_key(text), " ".join(text.split()[:6])))
                    vec = rng.standard_normal(encoder.dimension).astype(np.float32)
                    e_rows.append((text, encoder.fingerprint, encoder.dimension, (vec / np.linalg.norm(vec)).tobytes()))
            conn.executemany("INSERT INTO faqs VALUES (?, ?, ?, ?, ?, ?, ?)", faq_rows)
            conn.executemany(
                "INSERT INTO faq_questions (faq_id, position, scope, text, norm, tokens) VALUES (?, ?, ?, ?, ?, ?)",
                q_rows,
            )
            conn.executemany(
                "INSERT INTO faq_passages (faq_id, position, scope, text, tokens) VALUES (?, ?, ?, ?, ?)", p_rows
            )
            conn.executemany("INSERT INTO embeddings (text, fingerprint, dim, vector) VALUES (?, ?, ?, ?)", e_rows)
    finally:
        conn.close()


async def cold_start_section(encoder: Encoder, rows: int, reencode_qps: float | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="faqbot-bench-") as tmp:
        db = Path(tmp) / "cold.db"
        await write_cached_db(db, rows, encoder)
        counting = CountingEncoder(encoder)
        start = time.perf_counter()
        store = await FaqStore.open(db)
        service = FaqService(store, MicroBatchingEmbedder(counting))
        try:
            loaded = await service.load_all()
            ready = time.perf_counter() - start
        finally:
            await service.aclose()
            await store.close()
    out: dict[str, Any] = {
        "rows": loaded,
        "ready_s": round(ready, 3),
        "texts_encoded": counting.texts,
    }
    if reencode_qps:
        out["reencode_estimate_s"] = round(rows / reencode_qps, 1)
    return out


# --------------------------------------------------------------------------- 5. other processes' commits

CHANGE_POLL_S = 0.5  # the default FAQBOT_CHANGE_POLL_S
IDLE_POLLS = 500
EDITS = 6


async def changes_section(encoder: Encoder, rows_list: Sequence[int]) -> dict[str, Any]:
    """Idle poll cost, and commit → served latency when another connection edits an FAQ.

    The other writer is a plain sqlite3 connection (to SQLite, the same as another process);
    it changes one FAQ's answer, so the reload encodes nothing and measures the rebuild.
    """
    out: dict[str, Any] = {"poll_interval_s": CHANGE_POLL_S, "scopes": {}}
    for rows in rows_list:
        with tempfile.TemporaryDirectory(prefix="faqbot-bench-") as tmp:
            db = Path(tmp) / "changes.db"
            await write_cached_db(db, rows, encoder)
            store = await FaqStore.open(db)
            service = FaqService(store, ThreadedEmbedder(encoder))
            feed = SqliteChangeFeed(store, CHANGE_POLL_S)
            follower = KnowledgeFollower(service, feed)
            try:
                await follower.start()
                await service.load_all()
                gc.freeze()  # as FaqBot.setup_hook does once start-up is loaded (docs/reliability.md)
                if not out.get("idle_poll_us"):
                    polls = []
                    for _ in range(IDLE_POLLS):
                        start = time.perf_counter()
                        assert await feed.poll() is None
                        polls.append((time.perf_counter() - start) * 1e6)
                    out["idle_poll_us"] = {
                        "p50": round(statistics.median(polls), 1),
                        "p99": round(percentile(polls, 99), 1),
                    }
                    # CPU per second of wall time an idle bot spends polling (one poll per interval)
                    out["idle_cpu_share"] = f"{statistics.median(polls) / 1e6 / CHANGE_POLL_S:.4%}"
                with LoopLagProbe() as idle_lag:  # the same machine with only the idle polls: the baseline
                    await asyncio.sleep(EDITS * CHANGE_POLL_S)
                latencies, reloads_ms = [], []
                # its commit (an fsync) runs in a thread: the other process's work is not our loop's lag
                other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
                with LoopLagProbe() as lag:
                    for edit in range(EDITS):
                        await asyncio.sleep(random.uniform(0, CHANGE_POLL_S))  # commits land anywhere in a poll
                        answer = f"바뀐 답변 {edit}"
                        before = follower.reloads
                        start = time.perf_counter()
                        await asyncio.to_thread(other.execute, "UPDATE faqs SET answer = ? WHERE id = 1", (answer,))
                        while True:  # the follower publishes the new index in one assignment
                            if (await service.index("default")).snapshot.faqs[1].answer == answer:
                                break
                            await asyncio.sleep(0.001)
                        latencies.append((time.perf_counter() - start) * 1000)
                        assert follower.reloads == before + 1
                    for _ in range(3):
                        start = time.perf_counter()
                        await service.reload("default")
                        reloads_ms.append((time.perf_counter() - start) * 1000)
                other.close()
                out["scopes"][str(rows)] = {
                    "commit_to_served_ms": {
                        "p50": round(statistics.median(latencies), 1),
                        "max": round(max(latencies), 1),
                    },
                    "reload_ms": round(statistics.median(reloads_ms), 1),
                    "loop_lag_ms_max": round(lag.max_ms, 1),
                    "loop_lag_ms_max_idle": round(idle_lag.max_ms, 1),
                }
            finally:
                gc.unfreeze()
                await follower.stop()
                await service.aclose()
                await store.close()
    return out


# --------------------------------------------------------------------------- 4. peak RSS (subprocess)


async def rss_probe(model: str, backend: str, cache_dir: Path | None = None) -> dict[str, Any]:
    """Run in a fresh process: load, open a seeded DB, answer a burst; report peak RSS."""
    from faq.seed import bundled_faqs
    from faqbot.app import open_service
    from faqbot.settings import CoreSettings

    start = time.perf_counter()
    encoder = load_model(model, backend, cache_dir)
    loaded_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory(prefix="faqbot-rss-") as tmp:
        settings = CoreSettings(db=Path(tmp) / "rss.db")
        async with open_service(settings, encoder=encoder) as service:
            # A new database is empty: give it the bundled club FAQs as before.
            await service.import_drafts("default", bundled_faqs(), "bench")
            await service.load_all()
            questions = bench_questions()[:128]
            await asyncio.gather(*(service.ask("default", q) for q in questions))
        # Steady state after the burst (the peak of an ONNX load includes the torch copy it drops).
        rss_now = peak_rss_mb("VmRSS:")
    return {"peak_rss_mb": peak_rss_mb(), "rss_after_burst_mb": rss_now, "load_s": round(loaded_s, 2)}


def peak_rss_mb(field: str = "VmHWM:") -> float:
    """This process's RSS high-water mark.

    VmHWM, not ``getrusage``: Linux carries ru_maxrss across exec, so a child of a
    1.5 GB parent would report the parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_section(models: Sequence[tuple[str, str]], cache_dir: Path | None) -> dict[str, Any]:
    """One fresh process per model, run side by side (peak memory does not depend on timing)."""
    running = {}
    for model, backend in models:
        cmd = [sys.executable, "-m", "faqbot.perf", "rss", model, backend]
        if cache_dir:
            cmd.append(str(cache_dir))
        key = model if backend == "torch" else f"{model}/{backend}"
        running[key] = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out: dict[str, Any] = {}
    for key, proc in running.items():
        stdout, stderr = proc.communicate(timeout=600)
        if proc.returncode != 0:
            out[key] = {"error": (stderr.strip().splitlines() or ["failed"])[-1]}
        else:
            out[key] = json.loads(stdout.strip().splitlines()[-1])
    return out


# --------------------------------------------------------------------------- models


def load_model(model: str, backend: str = "torch", cache_dir: Path | None = None) -> Encoder:
    from model.encoder import DEFAULT_MODEL_DIR, load_encoder
    from model.fake import HashingEncoder

    if model == FAKE:
        return HashingEncoder(delay_s=0.002)
    if model == SHAPED:
        from model.shaped import build_shaped_model

        return load_encoder(build_shaped_model(cache_dir), backend=backend)
    if model == DEFAULT:
        if not (DEFAULT_MODEL_DIR / "modules.json").exists():
            raise FileNotFoundError(f"default model not built yet: {DEFAULT_MODEL_DIR}")
        return load_encoder(None, backend=backend)
    return load_encoder(model, backend=backend)


# --------------------------------------------------------------------------- driver


async def run_bench(plan: BenchPlan, progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    started = time.perf_counter()
    sections: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        sections[name] = round(sections.get(name, 0.0) + now - mark, 1)
        mark = now

    questions = bench_questions()
    result: dict[str, Any] = {"models": {}, "notes": []}
    encoders: dict[str, Encoder] = {}
    primary: str | None = None
    for model in plan.models:
        for backend in plan.backends if model == SHAPED else ("torch",):
            key = model if backend == "torch" else f"{model}/{backend}"
            progress(f"loading {key}")
            try:
                start = time.perf_counter()
                encoder = load_model(model, backend, plan.cache_dir)
                load_s = time.perf_counter() - start
            except Exception as exc:  # one missing model must not sink the whole report
                log.warning("skipping %s: %s", key, exc)
                result["notes"].append(f"{key} skipped: {type(exc).__name__}: {exc}")
                continue
            encoders[key] = encoder
            primary = primary or key
            lap("load")
            progress(f"latency/throughput: {key}")
            section = await latency_section(encoder, questions, plan)
            section.update(load_s=round(load_s, 2), dimension=encoder.dimension, fingerprint=encoder.fingerprint)
            progress(f"lone question: {key}")
            section["lone_question"] = await lone_question_section(encoder, questions, max(plan.lone_samples, 5))
            if plan.cache and key == primary:
                progress(f"query cache: {key}")
                section["query_cache"] = await cache_section(encoder, questions, plan)
            result["models"][key] = section
            lap("latency")
    if primary is None:
        raise RuntimeError("no model could be loaded")

    progress("matching cost")
    result["matching"] = matching_section(encoders[primary].dimension, plan.match_rows)
    lap("matching")

    progress(f"cold start ({plan.cold_rows} rows)")
    primary_levels = result["models"][primary]["levels"]
    best_qps = max(level["batched"]["throughput_qps"] for level in primary_levels.values())
    result["cold_start"] = {primary: await cold_start_section(encoders[primary], plan.cold_rows, best_qps)}
    if DEFAULT in encoders and primary != DEFAULT:
        default_qps = max(v["batched"]["throughput_qps"] for v in result["models"][DEFAULT]["levels"].values())
        result["cold_start"][DEFAULT] = await cold_start_section(encoders[DEFAULT], plan.cold_rows, default_qps)
    lap("cold_start")

    progress("following other processes' commits")
    result["changes"] = await changes_section(encoders[primary], plan.change_rows)
    encoders.clear()
    lap("changes")

    if plan.rss:
        progress("peak RSS (one subprocess per model)")
        result["rss"] = rss_section(
            [(m, "torch") for m in plan.models]
            + [(SHAPED, b) for b in plan.backends if b != "torch" and SHAPED in plan.models],
            plan.cache_dir,
        )
        lap("rss")

    head = result["models"][primary]
    c32 = head["levels"].get("32")
    result.update(
        primary_model=primary,
        throughput_ratio_c32=c32["throughput_ratio"] if c32 else None,
        p50_ratio_c1=head.get("p50_ratio_c1"),
        lone_question_ratio=head["lone_question"]["ratio"],
        cold_start_s_30k=result["cold_start"][primary]["ready_s"] if plan.cold_rows == 30_000 else None,
        cold_start_s=result["cold_start"][primary]["ready_s"],
        loop_lag_ms_max=max(
            level[mode]["loop_lag_ms_max"]
            for model in result["models"].values()
            for level in model["levels"].values()
            for mode in ("naive", "batched")
        ),
        machine=machine(),
        settings={"max_batch": plan.max_batch, "max_wait_ms": plan.max_wait_s * 1000},
        elapsed_s=round(time.perf_counter() - started, 1),
        sections_s=sections,
    )
    return result


def _rss_main(argv: Sequence[str]) -> int:
    model, backend = argv[0], argv[1]
    cache_dir = Path(argv[2]) if len(argv) > 2 else None
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    print(json.dumps(asyncio.run(rss_probe(model, backend, cache_dir))))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "rss":
        sys.exit(_rss_main(sys.argv[2:]))
    sys.exit("usage: python -m faqbot.perf rss MODEL BACKEND [CACHE_DIR]")
