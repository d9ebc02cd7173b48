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
    """Over (club, text) nodes: the same text in two clubs is two nodes when clubs are kept apart."""

    def __init__(self) -> None:
        self.parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(self, x: tuple[str, str]) -> tuple[str, str]:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: tuple[str, str], b: tuple[str, str]) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass(frozen=True)
class TrainingData:
    groups: tuple[tuple[str, ...], ...]  # connected components; texts in first-seen order
    pairs: tuple[tuple[str, str, int], ...]  # (anchor, positive, group index)
    clubs: tuple[str, ...] = ()  # with ``clubs`` given to build_training_data: each group's club


def build_training_data(
    pairs: Sequence[tuple[str, str]],
    groups: Sequence[Sequence[str]],
    *,
    pairs_per_text: int,
    seed: int,
    expand_components: bool = False,
    clubs: Sequence[str] | None = None,
) -> TrainingData:
    """Merge pairs and groups into connected components and list training pairs.

    A text lives in exactly one component (union-find), so "different group"
    also means "different text": a batch of distinct groups has no duplicates.
    Group members are paired with ``pairs_per_text`` random other members
    (the canonical question always among them) rather than all n·(n-1)
    combinations, which would let big FAQs swamp small ones.

    ``clubs`` (one per group; ``""`` is the bundled club, to which the pair CSVs belong) keeps clubs
    apart: texts merge only within a club, so two FAQs of one club that another club's FAQ
    happens to share a text with ("면접은 어떻게 보나요?") stay two groups, and a text may then
    live in one group per club; batches must then hold one club's groups only (the sampler's
    ``row_clubs``). A pair joins the club of the first group that holds its second text (an
    augmented ``(variant, source)`` joins its source's club), else its first text's, else the bundled club.
    """
    if clubs is not None and len(clubs) != len(groups):
        raise ValueError("clubs must name one club per FAQ group")
    home: dict[str, str] = {}
    if clubs is not None:
        for group, club in zip(groups, clubs, strict=True):
            for text in group:
                home.setdefault(text, club)

    def node(club: str, text: str) -> tuple[str, str]:
        return (club, text)

    uf = _UnionFind()
    order: dict[tuple[str, str], int] = {}
    for a, b in pairs:
        club = home.get(b) or home.get(a, "")
        for key in (node(club, a), node(club, b)):
            order.setdefault(key, len(order))
        uf.union(node(club, a), node(club, b))
    for gi, group in enumerate(groups):
        club = clubs[gi] if clubs is not None else ""
        for text in group:
            order.setdefault(node(club, text), len(order))
            uf.union(node(club, group[0]), node(club, text))
    members: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for key in order:  # dict order = first seen, so the result is deterministic
        members.setdefault(uf.find(key), []).append(key)
    keyed = [m for m in members.values() if len(m) >= 2]
    comps = [tuple(text for _, text in m) for m in keyed]
    comp_clubs = tuple(m[0][0] for m in keyed) if clubs is not None else ()
    key_index = {key: gi for gi, m in enumerate(keyed) for key in m}

    rng = random.Random(seed)
    seen: set[tuple[str, str, str]] = set()
    out: list[tuple[str, str, int]] = []

    def add(a: str, b: str, club: str) -> None:
        if a != b and (club, a, b) not in seen and (club, b, a) not in seen:
            seen.add((club, a, b))
            out.append((a, b, key_index[node(club, a)]))

    for a, b in pairs:
        club = home.get(b) or home.get(a, "")
        if node(club, a) in key_index:
            add(a, b, club)
    # Components of the pair graph count as groups too: a CSV lists each paraphrase
    # with one or two partners; drawing more partners per text multiplies the
    # positives without inventing data.
    all_groups = [(g, clubs[i] if clubs is not None else "") for i, g in enumerate(groups)]
    if expand_components:
        all_groups += list(zip(comps, comp_clubs or ("",) * len(comps), strict=True))
    for group, club in all_groups:
        texts = [t for t in dict.fromkeys(group) if node(club, t) in key_index]
        for i, text in enumerate(texts):
            others = [t for t in texts if t != text]
            if not others:
                continue
            picks = [texts[0]] if i else []
            rest = [t for t in others if t not in picks]
            picks += rng.sample(rest, min(len(rest), max(pairs_per_text - len(picks), 0)))
            for other in picks:
                add(text, other, club)
    return TrainingData(tuple(comps), tuple(out), comp_clubs)


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
