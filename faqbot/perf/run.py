"""The driver: every section in order, one report (``faqbot bench``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from faqbot.perf.changes import changes_section
from faqbot.perf.cold_start import cold_start_section
from faqbot.perf.lone_question import lone_question_section
from faqbot.perf.matching import matching_section
from faqbot.perf.measure import bench_questions, machine
from faqbot.perf.plan import DEFAULT, SHAPED, BenchPlan, load_model, model_profile_of
from faqbot.perf.rss import rss_section
from faqbot.perf.throughput import cache_section, latency_section
from model.encoder import Encoder

log = logging.getLogger(__name__)


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
            section["lone_question"] = await lone_question_section(
                encoder, questions, max(plan.lone_samples, 5), profile=model_profile_of(model)
            )
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
