"""Lone-query encode latency and process RSS of one encoder (the e5 budget: p50 ≤ 25 ms, RSS ≤ 1.2 GB).

python benchmarks/e5_latency.py [--model e5-club|ensemble|static] [--backend torch] [--n 200] [--json]

The box may be shared: the load average is printed beside the figures; compare models as ratios
measured in one run.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUERIES = [
    "회비 얼마예요?",
    "세션 몇 시에 끝나?",
    "알바 때문에 세션 끝나는 시간이 궁금한데 보통 몇 시쯤 끝나나요?",
    "디코 링크 어디서 받아요",
    "demo day 언제?",
    "포폴 없어도 지원 가능?",
    "입금자명 뭐라고 써요?",
    "비전공자도 지원할 수 있나요",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="e5-club")
    parser.add_argument("--backend", default="torch", help="torch (numpy for static and e5), onnx, onnx-int8, auto")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from model.encoder import load_encoder

    started = time.perf_counter()
    enc = load_encoder(args.model, backend=args.backend)
    load_s = time.perf_counter() - started
    for q in QUERIES:  # warm-up
        enc.encode([q])
    times = []
    for i in range(args.n):
        q = QUERIES[i % len(QUERIES)]
        t = time.perf_counter()
        enc.encode([q])
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    out = {
        "model": args.model,
        "encoder": type(enc).__name__,
        "load_s": round(load_s, 2),
        "p50_ms": round(statistics.median(times), 2),
        "p90_ms": round(times[int(0.9 * len(times))], 2),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "loadavg": Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?",
    }
    print(json.dumps(out) if args.json else " ".join(f"{k} {v}" for k, v in out.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
