"""``faqbot bench``: performance benchmarks (see docs/performance.md)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from faqbot.perf import DEFAULT, FAKE, SHAPED, BenchPlan, run_bench


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="성능 측정: 마이크로배칭, 매칭 비용, 콜드 스타트, 메모리")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="짧게 (약 1분 이내)")
    size.add_argument("--smoke", action="store_true", help="가짜 인코더로 몇 초 안에 (테스트용)")
    p.add_argument("--json", action="store_true", help="결과를 JSON 객체 하나로 출력")
    p.add_argument(
        "--model",
        action="append",
        dest="models",
        metavar="NAME",
        help=f"측정할 모델 ({SHAPED}, {DEFAULT}, {FAKE} 또는 경로; 여러 번 가능)",
    )
    p.add_argument("--onnx", action="store_true", help=f"{SHAPED} 모델을 onnx, onnx-int8 백엔드로도 측정")
    p.add_argument("--max-batch", type=int, default=32, help="마이크로배치 최대 크기 (기본 32)")
    p.add_argument("--max-wait-ms", type=float, default=5.0, help="배치를 채우려고 기다리는 최대 시간 (기본 5ms)")
    p.add_argument(
        "--rss",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="모델별 최대 메모리 측정 (--quick 에서는 기본 꺼짐)",
    )
    p.add_argument("--cache-dir", type=Path, help="측정용 모델 캐시 폴더 (기본 ~/.cache/faqbot/bench)")
    p.set_defaults(func=run)


def _plan(args: argparse.Namespace) -> BenchPlan:
    options: dict[str, Any] = {"max_batch": args.max_batch, "max_wait_s": args.max_wait_ms / 1000}
    if args.cache_dir:
        options["cache_dir"] = args.cache_dir
    if args.models:
        options["models"] = tuple(args.models)
    if args.onnx:
        options["backends"] = ("torch", "onnx", "onnx-int8")
    if args.rss is not None:
        options["rss"] = args.rss
    if args.smoke:
        return BenchPlan.smoke(**options)
    if args.quick:
        return BenchPlan.quick(**options)
    return BenchPlan.full(**options)


def _summary(result: dict[str, Any]) -> str:
    box = result["machine"]
    lines = [f"기계: {box.get('cpu', '?')} × {box.get('cpus')} (load {box.get('load_avg_1m', 0):.2f})"]
    for name, model in result["models"].items():
        lines.append(f"\n[{name}] 단독 encode p50 {model['lone_encode_p50_ms']} ms, 로드 {model['load_s']} s")
        lines.append(
            "  동시성  naive q/s  batched q/s  배수   naive p50/p99 ms     batched p50/p99 ms   평균배치  loop lag ms"
        )
        for level, row in model["levels"].items():
            n, b = row["naive"], row["batched"]
            lines.append(
                f"  {level:>5}  {n['throughput_qps']:>9}  {b['throughput_qps']:>11}  {row['throughput_ratio']:>4}×"
                f"  {n['p50_ms']:>8}/{n['p99_ms']:<9}  {b['p50_ms']:>8}/{b['p99_ms']:<9}  {b.get('mean_batch', ''):>8}"
                f"  {max(n['loop_lag_ms_max'], b['loop_lag_ms_max']):>6}"
            )
        lone = model.get("lone_question")
        if lone:
            lines.append(
                f"  질문 하나 (서비스 + 기록) p50 {lone['question_p50_ms']} ms = 단독 encode의 {lone['ratio']}배; "
                f"encode {lone['encode_p50_ms']}, Kiwi {lone['tokenize_p50_ms']}, 검색 {lone['search_p50_ms']} "
                f"({lone['rows']}행), 기록 {lone['log_write_p50_ms']}, 스레드 왕복 {lone['thread_hop_p50_ms']} ms"
                + (f", 보정된 신뢰도(decision) +{lone['decision_p50_ms']} ms" if "decision_p50_ms" in lone else "")
            )
            if lone.get("encode_parts_p50_ms"):
                shown = ", ".join(f"{part} {ms}" for part, ms in lone["encode_parts_p50_ms"].items())
                lines.append(f"  앙상블 부분별 encode p50: {shown} ms")
            if "scorer_p50_ms" in lone:
                lines.append(
                    f"  두 번째 확인(크로스 인코더, 상위 3개): p50 {lone['scorer_p50_ms']} ms, "
                    f"이 질문들 중 {lone['second_look_share']:.0%}에서 실행"
                )
        if "query_cache" in model:
            qc = model["query_cache"]
            lines.append(
                f"  질문 캐시 (인기 질문 반복, 동시성 32): 처리량 {qc['throughput_ratio']}×, "
                f"인코딩 {qc['no_cache']['encoded_texts']} → {qc['lru_1024']['encoded_texts']}개"
            )
    lines.append("\n매칭 (brute force, 질문 1개):")
    for row in result["matching"]:
        lines.append(
            f"  {row['rows']:>7} 행  {row['per_query_ms']:>8} ms  (배치 안에서 {row['per_query_in_batch_ms']} ms, "
            f"행렬 {row['matrix_mb']} MB)"
        )
    for name, cold in result["cold_start"].items():
        extra = f", 다시 인코딩하면 약 {cold['reencode_estimate_s']} s" if "reencode_estimate_s" in cold else ""
        lines.append(
            f"콜드 스타트 [{name}] {cold['rows']}행: {cold['ready_s']} s, 인코딩 {cold['texts_encoded']}개{extra}"
        )
    changes = result.get("changes")
    if changes:
        lines.append(
            f"다른 프로세스의 변경 따라가기 (간격 {changes['poll_interval_s']} s): 유휴 확인 1회 "
            f"p50 {changes['idle_poll_us']['p50']} µs (CPU {changes['idle_cpu_share']})"
        )
        for rows, row in changes["scopes"].items():
            c = row["commit_to_served_ms"]
            lines.append(
                f"  {rows:>7} 행: 커밋 → 반영 p50 {c['p50']} ms / 최대 {c['max']} ms, "
                f"다시 읽기 {row['reload_ms']} ms, loop lag 최대 {row['loop_lag_ms_max']} ms "
                f"(변경 없을 때 {row['loop_lag_ms_max_idle']} ms)"
            )
    for name, rss in result.get("rss", {}).items():
        lines.append(f"최대 RSS [{name}]: {rss}")
    lines.append(
        f"\nthroughput_ratio_c32={result['throughput_ratio_c32']} p50_ratio_c1={result['p50_ratio_c1']} "
        f"lone_question_ratio={result['lone_question_ratio']} "
        f"cold_start_s={result['cold_start_s']} loop_lag_ms_max={result['loop_lag_ms_max']} ({result['elapsed_s']} s)"
    )
    lines += [f"참고: {note}" for note in result["notes"]]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    def progress(message: str) -> None:
        if not args.json:
            print(f"… {message}", file=sys.stderr, flush=True)

    result = asyncio.run(run_bench(_plan(args), progress))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(_summary(result))
    return 0
