"""Consistency checks for the bundled club data (FAQs, paraphrases, held-out set, pairs)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from model.pairs import (
    FAQS_PATH,
    PAIRS_PATH,
    PARAPHRASES_PATH,
    load_paraphrase_groups,
    make_pairs,
    normalize_text,
    read_pairs_csv,
)

HELDOUT_PATH = PARAPHRASES_PATH.with_name("club_heldout.json")


def _load(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def faqs() -> list[dict]:
    return _load(FAQS_PATH)


@pytest.fixture(scope="module")
def paraphrases() -> dict[str, list[str]]:
    return _load(PARAPHRASES_PATH)


@pytest.fixture(scope="module")
def heldout() -> dict:
    return _load(HELDOUT_PATH)


@pytest.fixture(scope="module")
def canonical(faqs: list[dict]) -> set[str]:
    return {f["question"] for f in faqs}


@pytest.fixture(scope="module")
def training_texts(faqs: list[dict], paraphrases: dict[str, list[str]]) -> set[str]:
    texts = [f["question"] for f in faqs]
    texts += [a for f in faqs for a in f["alternates"]]
    texts += [p for group in paraphrases.values() for p in group]
    texts += [t for pair in read_pairs_csv(PAIRS_PATH) for t in pair]
    return {normalize_text(t) for t in texts}


def test_faq_shape(faqs: list[dict]) -> None:
    assert len(faqs) >= 50
    for faq in faqs:
        assert set(faq) == {"question", "answer", "alternates"}, faq
        assert faq["question"].strip()
        assert faq["answer"].strip(), faq["question"]
        assert len(faq["alternates"]) >= 2, faq["question"]
        assert all(a.strip() for a in faq["alternates"]), faq["question"]


def test_no_duplicate_questions_across_faqs(faqs: list[dict]) -> None:
    counts = Counter(normalize_text(f["question"]) for f in faqs)
    assert [q for q, n in counts.items() if n > 1] == []
    # An alternate shared by two FAQs would make the match ambiguous by construction.
    owners = Counter(normalize_text(t) for f in faqs for t in {f["question"], *f["alternates"]})
    assert [t for t, n in owners.items() if n > 1] == []


def test_every_faq_has_paraphrases(paraphrases: dict[str, list[str]], canonical: set[str]) -> None:
    assert set(paraphrases) == canonical
    assert all(len(group) >= 20 for group in paraphrases.values())


def test_paraphrases_belong_to_one_faq(paraphrases: dict[str, list[str]]) -> None:
    owners = Counter(normalize_text(p) for group in paraphrases.values() for p in set(group))
    assert [p for p, n in owners.items() if n > 1] == []


def test_groups_do_not_share_texts() -> None:
    # Training merges groups that share a text, which would fuse two FAQs into one class.
    owners = Counter(t for texts in load_paraphrase_groups().values() for t in texts)
    assert [t for t, n in owners.items() if n > 1] == []


def test_heldout_targets_are_canonical(heldout: dict, canonical: set[str]) -> None:
    assert heldout["queries"]
    assert {q["faq"] for q in heldout["queries"]} <= canonical
    assert len(heldout["out_of_scope"]) >= 80


def test_heldout_never_trained_on(heldout: dict, training_texts: set[str]) -> None:
    queries = [normalize_text(q["query"]) for q in heldout["queries"]]
    oos = [normalize_text(q) for q in heldout["out_of_scope"]]
    assert [q for q in queries + oos if q in training_texts] == []
    assert len(set(queries)) == len(queries)


def test_pairs_csv_matches_make_pairs() -> None:
    expected = make_pairs(load_paraphrase_groups())
    assert read_pairs_csv(PAIRS_PATH) == expected


def test_make_pairs_properties() -> None:
    groups = load_paraphrase_groups()
    pairs = make_pairs(groups)
    assert pairs == make_pairs(groups)  # deterministic
    assert pairs != make_pairs(groups, seed=7)
    keys = [frozenset(p) for p in pairs]
    assert len(set(keys)) == len(keys)
    assert all(a != b for a, b in pairs)
    with_canonical = set(pairs)
    for canonical_q, texts in groups.items():
        for text in texts[1:]:
            assert (text, canonical_q) in with_canonical


def test_make_pairs_per_group_caps_members() -> None:
    groups = load_paraphrase_groups()
    capped = make_pairs(groups, per_group=5)
    anchors_per_group = Counter(b for a, b in capped if b in groups)
    assert max(anchors_per_group.values()) <= 5


def test_unknown_paraphrase_key_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "paraphrases.json"
    bad.write_text(json.dumps({"없는 질문인가요?": ["뭐지"]}, ensure_ascii=False), "utf-8")
    with pytest.raises(ValueError, match="not FAQ questions"):
        load_paraphrase_groups(bad)
