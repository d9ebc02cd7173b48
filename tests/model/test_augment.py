"""Augmentations and the DEV split: deterministic, inside their group, never the held-out set."""

from __future__ import annotations

import json

from model.augment import KINDS, augment_pairs
from model.training_data import CLUB_HELDOUT, CLUB_PARAPHRASES, dev_split

TEXTS = ["회비는 얼마인가요?", "면접 때 노트북 필요해요?", "해커톤은 언제 하나요?", "비전공자도 지원할 수 있나요?"]


def test_augment_is_deterministic_and_new() -> None:
    a = augment_pairs(TEXTS, KINDS, seed=42)
    assert a == augment_pairs(TEXTS, KINDS, seed=42)
    variants = [v for v, _ in a]
    assert len(variants) == len(set(variants))
    assert not set(variants) & set(TEXTS)
    assert all(src in TEXTS for _, src in a)
    assert ("회비는얼마인가요?", "회비는 얼마인가요?") in a
    assert not any(v.startswith("전공자") for v in variants)  # 비- prefix kept


def test_augment_skips_taken_texts() -> None:
    taken = {"회비는얼마인가요?"}
    assert all(v not in taken for v, _ in augment_pairs(TEXTS, ["nospace"], taken=taken))


def test_dev_split_is_disjoint_and_stable() -> None:
    paraphrases = json.loads(CLUB_PARAPHRASES.read_text(encoding="utf-8"))
    train, dev = dev_split(paraphrases)
    assert dev == dev_split(paraphrases)[1]
    assert len(dev) == 4 * len(paraphrases)
    train_texts = {t for texts in train.values() for t in texts}
    assert not {q for q, _ in dev} & train_texts
    heldout = {q["query"] for q in json.loads(CLUB_HELDOUT.read_text(encoding="utf-8"))["queries"]}
    assert not {q for q, _ in dev} & heldout
