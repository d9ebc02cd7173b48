"""Tune the offline default on a DEV split, never on ``club_heldout.json``.

    python -m model.dev                                  # the default recipe on DEV
    python -m model.dev --set batch_size=63 --set augment=nospace,typo --name b63-aug

DEV = ``DEV_PER_FAQ`` (4) paraphrases per FAQ from ``model/data/club_paraphrases.json``
(seeded, ``model.training_data.dev_split``); the model is trained exactly like
``default_config()`` but from pairs regenerated without them. Reports dense and
hybrid acc@1/MRR@10 on DEV for a range of lexical weights, and the threshold sweep
on DEV + ``model/data/dev_out_of_scope.json`` (out-of-scope queries written for
this purpose) at ``--weight``. One JSON line per run is appended to ``--log``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from model.clubs import DEV_OUT_OF_SCOPE
from model.training_data import CLUB_PARAPHRASES, dev_split

log = logging.getLogger(__name__)

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)


def _coerce(current: Any, raw: str) -> Any:
    if isinstance(current, bool):
        return raw.lower() in {"1", "true", "yes"}
    if isinstance(current, int):
        return int(raw)
    if isinstance(current, float) or current is None:
        return float(raw)
    if isinstance(current, tuple):
        return tuple(x for x in raw.split(",") if x)
    return raw


def dev_config(workdir: Path, sets: list[str]) -> tuple[Any, list[tuple[str, str]]]:
    from model.pairs import load_paraphrase_groups, make_pairs, write_pairs_csv
    from model.train import default_config

    paraphrases = json.loads(CLUB_PARAPHRASES.read_text(encoding="utf-8"))
    train_part, dev = dev_split(paraphrases)
    para_path = workdir / "train_paraphrases.json"
    para_path.write_text(json.dumps(train_part, ensure_ascii=False), encoding="utf-8")
    pairs_path = workdir / "train_pairs.csv"
    write_pairs_csv(make_pairs(load_paraphrase_groups(para_path)), pairs_path)
    cfg = default_config(workdir / "model")
    cfg = replace(cfg, pairs_csv=(pairs_path,), eval_queries=tuple(dev), show_progress=False)
    for item in sets:
        key, _, raw = item.partition("=")
        if key.startswith("static."):
            sub = key.split(".", 1)[1]
            cfg = replace(cfg, static=replace(cfg.static, **{sub: _coerce(getattr(cfg.static, sub), raw)}))
        elif key in {f.name for f in fields(cfg)}:
            cfg = replace(cfg, **{key: _coerce(getattr(cfg, key), raw)})
        else:
            raise ValueError(f"unknown field {key!r}")
    return cfg, dev


def evaluate_dev(model_dir: Path, dev: list[tuple[str, str]], weight: float) -> dict[str, Any]:
    from model.encoder import load_encoder
    from model.evaluate import Scorer, load_club_bank, retrieval_metrics, threshold_sweep

    bank = load_club_bank()
    ids = {q: i for i, q in enumerate(bank.questions)}
    texts = [q for q, _ in dev]
    gold = [ids[f] for _, f in dev]
    scorer = Scorer(bank, load_encoder(model_dir))
    sweep = {}
    for w in WEIGHTS:
        m = retrieval_metrics(scorer.rank(texts, w), gold)
        sweep[f"{w:g}"] = (round(m["acc@1"], 4), round(m["mrr@10"], 4))
    oos = json.loads(DEV_OUT_OF_SCOPE.read_text(encoding="utf-8"))["queries"]
    ranked = scorer.rank(texts, weight)
    misses = [(q, c[0].question) for (q, _), c, g in zip(dev, ranked, gold, strict=True) if c[0].faq_id != g]
    _, rec = threshold_sweep(ranked, gold, scorer.rank(oos, weight))
    best_w = max(sweep, key=lambda k: (sweep[k][0], sweep[k][1]))
    return {
        "weights": sweep,
        "best_weight": best_w,
        "weight": weight,
        "recommended": None
        if rec is None
        else {
            "answer": rec.answer,
            "suggest": rec.suggest,
            "margin": rec.margin,
            "precision": round(rec.rates.answer_precision, 4),
            "coverage": round(rec.rates.answer_correct, 4),
            "in_none": round(rec.rates.none, 4),
            "oos_answered": round(rec.rates.oos_answered, 4),
        },
        "misses": misses,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.dev", description=__doc__.split("\n")[0])
    parser.add_argument("--set", action="append", default=[], help="TrainConfig field=value (static.dim=128)")
    parser.add_argument("--name", default="")
    parser.add_argument("--weight", type=float, default=None, help="lexical weight for the threshold sweep")
    parser.add_argument("--log", type=Path, default=Path("dev_results.jsonl"))
    parser.add_argument("--keep", type=Path, default=None, help="copy the DEV model here")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from faq.matcher import DEFAULT_LEXICAL_WEIGHT
    from model.train import train

    with tempfile.TemporaryDirectory(prefix="faqbot-dev-") as tmp:
        cfg, dev = dev_config(Path(tmp), args.set)
        started = time.monotonic()
        report = train(cfg)
        result = evaluate_dev(cfg.output_dir, dev, DEFAULT_LEXICAL_WEIGHT if args.weight is None else args.weight)
        if args.keep:
            import shutil

            shutil.rmtree(args.keep, ignore_errors=True)
            shutil.copytree(cfg.output_dir, args.keep)
    row = {
        "name": args.name,
        "set": args.set,
        "seconds": round(time.monotonic() - started),
        "steps": report.steps,
        "pairs": report.train_pairs,
        "mib": round(report.model_bytes / 2**20, 1),
        **result,
    }
    with args.log.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in row.items() if k != "misses"}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
