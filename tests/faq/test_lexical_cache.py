"""Issue 16 #3: the morpheme cache a member fills with distinct questions is bounded by bytes."""

from __future__ import annotations

import random
import tracemalloc

import pytest

from faq import lexical
from faq.lexical import tokenize

SYLLABLES = "가나다라마바사아자차카타파하회비세션공지지원서동아리멋사프론트백엔드디자인"


def distinct_question(rng: random.Random, n: int) -> str:
    words = ("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(400))
    return f"{n} " + " ".join(words)[:995]


def test_morpheme_cache_stays_within_its_byte_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    budget = 2**19
    monkeypatch.setattr(lexical.token_cache, "max_bytes", budget)
    lexical.token_cache.clear()
    tokenize("동아리 회비")  # Kiwi loaded before measuring
    rng = random.Random(16)
    texts = [distinct_question(rng, n) for n in range(60)]  # ~2 MiB of morphemes unbounded
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for text in texts:
            assert tokenize(text) == tokenize(text)  # second call: from the cache
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert lexical.token_cache.bytes <= budget
    assert 0 < len(lexical.token_cache) < len(texts)
    assert held < 1.5 * budget, f"{held / 2**20:.1f} MiB held"
    # Recently used texts stay; an entry larger than the whole budget is never stored.
    assert lexical.token_cache.get(texts[-1]) is not None
    monkeypatch.setattr(lexical.token_cache, "max_bytes", 100)
    tokenize(texts[0] + " 새로")
    assert lexical.token_cache.get(texts[0] + " 새로") is None
    lexical.token_cache.clear()
