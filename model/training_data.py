"""Training data: pair CSVs and FAQ JSON as *groups* of texts that mean the same.

Groups are merged into connected components (union-find) so a text lives in one
group; "different group" then also means "different text", which the batch
sampler relies on. Also the split helpers: whole held-out groups for the
before/after evaluation, and the DEV split of the club paraphrases used to tune
the default without touching ``club_heldout.json`` (docs/model.md).
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

_MODEL_DIR = Path(__file__).resolve().parent
CLUB_PAIRS = _MODEL_DIR / "data" / "club_pairs.csv"
CLUB_FAQS = _MODEL_DIR.parent / "faq" / "data" / "club_faqs.json"
CLUB_HELDOUT = _MODEL_DIR / "data" / "club_heldout.json"


def read_pairs_csv(path: Path) -> list[tuple[str, str]]:
    """``sentence_0,sentence_1`` rows (header required); blank rows skipped."""
    with Path(path).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"sentence_0", "sentence_1"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: expected columns sentence_0,sentence_1")
        out = []
        for row in reader:
            a, b = (row["sentence_0"] or "").strip(), (row["sentence_1"] or "").strip()
            if a and b:
                out.append((a, b))
        return out


def groups_from_faqs(faqs: Iterable[object]) -> list[tuple[str, ...]]:
    """One group per FAQ: its question and alternates are positives for each other.

    Takes anything with ``questions`` (``faq.types.Faq``) or ``question`` +
    ``alternates`` attributes, or the club JSON's dicts, so the store is not needed.
    """
    out: list[tuple[str, ...]] = []
    for faq in faqs:
        if isinstance(faq, dict):
            texts = (faq["question"], *faq.get("alternates", ()))
        elif hasattr(faq, "questions"):
            texts = tuple(faq.questions)  # type: ignore[attr-defined]
        else:
            texts = (faq.question, *faq.alternates)  # type: ignore[attr-defined]
        cleaned = tuple(dict.fromkeys(t.strip() for t in texts if t and t.strip()))
        if cleaned:
            out.append(cleaned)
    return out


def load_club_faq_groups(path: Path = CLUB_FAQS, *, with_answers: bool = False) -> list[tuple[str, ...]]:
    """Groups from an FAQ JSON file; ``with_answers`` adds each answer's sentences as
    members, which teaches words users ask with but FAQ questions lack ("코딩 테스트",
    "15분")."""
    faqs = json.loads(Path(path).read_text(encoding="utf-8"))
    groups = groups_from_faqs(faqs)
    if not with_answers:
        return groups
    return [
        tuple(dict.fromkeys([*group, *answer_sentences(faq.get("answer", ""))]))
        for group, faq in zip(groups, faqs, strict=True)
    ]


def answer_sentences(answer: str) -> list[str]:
    """An answer's sentences of 4+ characters: training partners of its FAQ's questions."""
    sentences = (s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", answer))
    return [s for s in sentences if len(s) >= 4]


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass(frozen=True)
class TrainingData:
    groups: tuple[tuple[str, ...], ...]  # connected components; texts in first-seen order
    pairs: tuple[tuple[str, str, int], ...]  # (anchor, positive, group index)


def build_training_data(
    pairs: Sequence[tuple[str, str]],
    groups: Sequence[Sequence[str]],
    *,
    pairs_per_text: int,
    seed: int,
    expand_components: bool = False,
) -> TrainingData:
    """Merge pairs and groups into connected components and list training pairs.

    A text lives in exactly one component (union-find), so "different group"
    also means "different text": a batch of distinct groups has no duplicates.
    Group members are paired with ``pairs_per_text`` random other members
    (the canonical question always among them) rather than all n·(n-1)
    combinations, which would let big FAQs swamp small ones.
    """
    uf = _UnionFind()
    order: dict[str, int] = {}
    for a, b in pairs:
        order.setdefault(a, len(order))
        order.setdefault(b, len(order))
        uf.union(a, b)
    for group in groups:
        for text in group:
            order.setdefault(text, len(order))
            uf.union(group[0], text)
    members: dict[str, list[str]] = {}
    for text in order:  # dict order = first seen, so the result is deterministic
        members.setdefault(uf.find(text), []).append(text)
    comps = [tuple(m) for m in members.values() if len(m) >= 2]
    index = {text: gi for gi, comp in enumerate(comps) for text in comp}

    rng = random.Random(seed)
    seen: set[tuple[str, str]] = set()
    out: list[tuple[str, str, int]] = []

    def add(a: str, b: str) -> None:
        if a != b and (a, b) not in seen and (b, a) not in seen:
            seen.add((a, b))
            out.append((a, b, index[a]))

    for a, b in pairs:
        if a in index:
            add(a, b)
    # Components of the pair graph count as groups too: a CSV lists each paraphrase
    # with one or two partners; drawing more partners per text multiplies the
    # positives without inventing data.
    all_groups = list(groups) + (list(comps) if expand_components else [])
    for group in all_groups:
        texts = [t for t in dict.fromkeys(group) if t in index]
        for i, text in enumerate(texts):
            others = [t for t in texts if t != text]
            if not others:
                continue
            picks = [texts[0]] if i else []
            rest = [t for t in others if t not in picks]
            picks += rng.sample(rest, min(len(rest), max(pairs_per_text - len(picks), 0)))
            for other in picks:
                add(text, other)
    return TrainingData(tuple(comps), tuple(out))


def split_groups(n_groups: int, fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """(train, held-out) group indices; whole groups only."""
    ids = list(range(n_groups))
    random.Random(seed).shuffle(ids)
    k = round(n_groups * fraction) if fraction > 0 else 0
    if fraction > 0 and n_groups >= 4:
        k = max(k, 2)
    return sorted(ids[k:]), sorted(ids[:k])


def heldout_eval_queries(path: Path = CLUB_HELDOUT) -> list[tuple[str, str]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [(q["query"], q["faq"]) for q in data.get("queries", [])]


# --------------------------------------------------------------------------- DEV split

CLUB_PARAPHRASES = _MODEL_DIR / "data" / "club_paraphrases.json"
DEV_PER_FAQ = 4
DEV_SEED = 42


def dev_split(
    paraphrases: dict[str, list[str]], per_faq: int = DEV_PER_FAQ, seed: int = DEV_SEED
) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """(training paraphrases, DEV queries) for tuning the default without the held-out set.

    ``per_faq`` paraphrases of every FAQ (seeded sample, file order) become DEV
    queries ``(query, canonical question)``; the rest stay training data. Everything
    derived from the paraphrases (pairs, augmentations, tokenizer) must then be
    built from the training part only.
    """
    rng = random.Random(seed)
    train: dict[str, list[str]] = {}
    dev: list[tuple[str, str]] = []
    for key, texts in paraphrases.items():
        k = min(per_faq, max(len(texts) - 1, 0))
        picked = set(rng.sample(range(len(texts)), k))
        train[key] = [t for i, t in enumerate(texts) if i not in picked]
        dev += [(t, key) for i, t in enumerate(texts) if i in picked]
    return train, dev
