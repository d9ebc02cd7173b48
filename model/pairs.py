"""Training pairs for the club encoder, built from the bundled FAQ paraphrases.

A *group* is everything that should land on one FAQ: its canonical question, its
alternates (from ``faq/data/club_faqs.json``) and its paraphrases (from
``model/data/club_paraphrases.json``). ``make_pairs`` turns groups into
(anchor, positive) pairs for an in-batch-negatives loss; ``python -m model.pairs``
regenerates ``model/data/club_pairs.csv``, which is committed so training needs no
extra step.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import random
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).with_name("data")
PARAPHRASES_PATH = DATA_DIR / "club_paraphrases.json"
PAIRS_PATH = DATA_DIR / "club_pairs.csv"
# faq and model are installed side by side (editable or not), so this holds in both layouts.
FAQS_PATH = Path(__file__).resolve().parent.parent / "faq" / "data" / "club_faqs.json"
CSV_HEADER = ("sentence_0", "sentence_1")

Pair = tuple[str, str]


def normalize_text(text: str) -> str:
    """Collapse runs of whitespace; spacing *errors* ("회비얼마예요") are kept on purpose."""
    return " ".join(text.split())


def load_paraphrase_groups(
    path: str | Path | None = None, *, faqs_path: str | Path | None = None
) -> dict[str, list[str]]:
    """Map each canonical FAQ question to its group: canonical, alternates, paraphrases.

    Order follows the FAQ file; within a group the canonical question comes first and
    repeats (after whitespace normalisation) are dropped. A paraphrase key that is not a
    canonical question is an error: it would silently train on a question nobody asks.
    """
    faqs = json.loads(Path(faqs_path or FAQS_PATH).read_text(encoding="utf-8"))
    paraphrases: Mapping[str, Sequence[str]] = json.loads(Path(path or PARAPHRASES_PATH).read_text(encoding="utf-8"))
    groups: dict[str, list[str]] = {}
    for faq in faqs:
        canonical = normalize_text(faq["question"])
        if canonical in groups:
            raise ValueError(f"duplicate FAQ question: {canonical!r}")
        groups[canonical] = [canonical, *(normalize_text(a) for a in faq.get("alternates", []))]

    unknown = sorted(set(map(normalize_text, paraphrases)) - set(groups))
    if unknown:
        raise ValueError(f"paraphrase keys that are not FAQ questions: {unknown}")
    for key, texts in paraphrases.items():
        groups[normalize_text(key)].extend(normalize_text(t) for t in texts)

    for canonical, texts in groups.items():
        groups[canonical] = _dedupe(t for t in texts if t)
    log.debug("loaded %d groups, %d texts", len(groups), sum(map(len, groups.values())))
    return groups


def make_pairs(groups: Mapping[str, Sequence[str]], seed: int = 42, per_group: int | None = None) -> list[Pair]:
    """Deterministic (anchor, positive) pairs.

    Every member other than the canonical question (alternates and paraphrases) is
    paired with the canonical question and with one other random non-canonical member
    of its group, so the model learns both "query -> FAQ" and "query ~ query".
    ``per_group`` caps how many members per group are used (a seeded sample, kept in
    file order). Pairs are de-duplicated regardless of direction.
    """
    rng = random.Random(seed)
    pairs: list[Pair] = []
    seen: set[frozenset[str]] = set()

    def add(anchor: str, positive: str) -> None:
        key = frozenset((anchor, positive))
        if anchor != positive and key not in seen:
            seen.add(key)
            pairs.append((anchor, positive))

    for canonical, texts in groups.items():
        members = [t for t in _dedupe(texts) if t != canonical]
        chosen = members
        if per_group is not None and per_group < len(members):
            picked = set(rng.sample(range(len(members)), per_group))
            chosen = [m for i, m in enumerate(members) if i in picked]
        for member in chosen:
            add(member, canonical)
            others = [m for m in members if m != member]
            if others:
                add(member, rng.choice(others))
    return pairs


def write_pairs_csv(pairs: Iterable[Pair], path: str | Path = PAIRS_PATH) -> int:
    """Write pairs with a ``sentence_0,sentence_1`` header; returns the row count."""
    count = 0
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for anchor, positive in pairs:
            writer.writerow((anchor, positive))
            count += 1
    return count


def read_pairs_csv(path: str | Path = PAIRS_PATH) -> list[Pair]:
    with Path(path).open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if tuple(header or ()) != CSV_HEADER:
            raise ValueError(f"{path}: expected header {CSV_HEADER}, got {header}")
        return [(row[0], row[1]) for row in reader]


def _dedupe(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(texts))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Regenerate model/data/club_pairs.csv")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--per-group", type=int, default=None)
    parser.add_argument("--out", type=Path, default=PAIRS_PATH)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    groups = load_paraphrase_groups()
    pairs = make_pairs(groups, seed=args.seed, per_group=args.per_group)
    count = write_pairs_csv(pairs, args.out)
    print(f"wrote {count} pairs from {len(groups)} groups to {args.out}")


if __name__ == "__main__":
    main()
