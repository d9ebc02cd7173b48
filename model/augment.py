"""Training-text augmentations generated from the project's own sentences.

Students type fast: no spaces ("회비얼마예요"), a slipped jamo ("면젒"), particles
and endings dropped ("회비 얼마"), 반말 instead of 존댓말 ("지원 가능해?"). Each
augmentation turns a training text into a variant that must land on the same FAQ;
``augment_pairs`` returns ``(variant, source)`` pairs that join the source's group.
Everything is deterministic (per-text seeded RNG), so the default stays reproducible.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from faq.lexical import join_morphemes, morphemes

KINDS = ("nospace", "typo", "particles", "keywords", "casual", "terms")
TERMS_PATH = Path(__file__).resolve().parent / "data" / "club_terms.json"

_S_BASE, _N_MEDIAL, _N_FINAL = 0xAC00, 21, 28
# Vowels students confuse (ㅐ/ㅔ, ㅚ/ㅙ/ㅞ, ㅗ/ㅓ, ㅕ/ㅓ …), as medial indices.
_VOWEL_SWAP = {1: 5, 5: 1, 3: 7, 7: 3, 11: 10, 10: 15, 15: 11, 8: 4, 4: 8, 6: 2, 2: 6, 13: 18, 18: 13}
# Finals often dropped or added by a slip (ㄴ, ㅇ, ㄹ, ㅁ, ㅅ, ㅆ).
_COMMON_FINALS = (4, 21, 8, 16, 19, 20)


def _rng(kind: str, text: str, seed: int) -> random.Random:
    return random.Random(f"{seed}:{kind}:{text}")  # str seeds are hashed with sha512: stable


def _nospace(text: str, rng: random.Random) -> str:
    return text.replace(" ", "")


def _typo(text: str, rng: random.Random) -> str:
    """One jamo-level slip in one syllable: confused vowel, dropped or added final."""
    positions = [i for i, ch in enumerate(text) if 0xAC00 <= ord(ch) <= 0xD7A3]
    if not positions:
        return text
    i = rng.choice(positions)
    code = ord(text[i]) - _S_BASE
    initial, medial, final = code // (_N_MEDIAL * _N_FINAL), (code // _N_FINAL) % _N_MEDIAL, code % _N_FINAL
    ops = ["final"]
    if medial in _VOWEL_SWAP:
        ops.append("vowel")
    op = rng.choice(ops)
    if op == "vowel":
        medial = _VOWEL_SWAP[medial]
    elif final:
        final = 0
    else:
        final = rng.choice(_COMMON_FINALS)
    ch = chr(_S_BASE + (initial * _N_MEDIAL + medial) * _N_FINAL + final)
    return text[:i] + ch + text[i + 1 :]


def _particles(text: str, rng: random.Random) -> str:
    """Case particles and 은/는/도 dropped, as in chat ("회비 얼마인가요?")."""
    tokens = morphemes(text)
    kept = [t for t in tokens if not t.tag.startswith(("JK", "JX"))]
    if len(kept) == len(tokens) or not kept:
        return text
    return join_morphemes(kept)


_KEYWORD_TAGS = ("NNG", "NNP", "NR", "NP", "SL", "SN", "XR", "MAG")


def _keywords(text: str, rng: random.Random) -> str:
    """Content words only ("면접 준비물"): how people type into a search box."""
    tokens = morphemes(text)
    words: list[str] = []
    prefix = ""
    for t in tokens:
        if t.tag == "XPN":  # 비전공자 must not become 전공자
            prefix = t.form
        elif t.tag.startswith(_KEYWORD_TAGS):
            words.append(prefix + t.form)
            prefix = ""
        else:
            prefix = ""
    return " ".join(words) if words else text


# 존댓말 → 반말 endings, applied at the end of the sentence (before ?!.~).
_CASUAL = [
    (r"(이)?에요$|예요$", "야"),
    (r"인가요$", "임"),
    (r"습니까$|ㅂ니까$", "어"),
    (r"합니다$", "해"),
    (r"됩니다$", "돼"),
    (r"있습니다$", "있어"),
    (r"나요$", "나"),
    (r"까요$", "까"),
    (r"죠$", "지"),
    (r"(어|아|해|돼|워|와|줘|봐|가|나|야|지)요$", r"\1"),
]


def _casual(text: str, rng: random.Random) -> str:
    m = re.match(r"^(.*?)([?!.~\s]*)$", text, flags=re.S)
    assert m
    body, tail = m.group(1), m.group(2)
    for pattern, repl in _CASUAL:
        new = re.sub(pattern, repl, body)
        if new != body:
            return new + tail
    return text


@lru_cache(maxsize=1)
def _term_table() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(term, its equivalents) longest first, from model/data/club_terms.json."""
    import json

    groups = json.loads(TERMS_PATH.read_text(encoding="utf-8"))["groups"]
    table = [(t.lower(), tuple(o for o in g if o != t)) for g in groups for t in g if len(t) >= 2]
    return tuple(sorted(table, key=lambda x: -len(x[0])))


def _terms(text: str, rng: random.Random) -> str:
    """One club term swapped for an equivalent (해커톤 → hackathon, 회비 → 동아리비):
    knowledge a model trained on a few hundred sentences cannot have by itself."""
    low = text.lower()
    found: list[tuple[int, str, tuple[str, ...]]] = []
    covered: set[int] = set()
    for term, others in _term_table():
        start = low.find(term)
        while start >= 0:
            span = set(range(start, start + len(term)))
            if not span & covered:
                covered |= span
                found.append((start, term, others))
            start = low.find(term, start + 1)
    if not found:
        return text
    start, term, others = rng.choice(sorted(found))
    return text[:start] + rng.choice(others) + text[start + len(term) :]


# Draws per text: several term swaps teach more equivalences than one.
_REPEATS = {"terms": 3}

_FUNCS: dict[str, Callable[[str, random.Random], str]] = {
    "nospace": _nospace,
    "typo": _typo,
    "particles": _particles,
    "keywords": _keywords,
    "casual": _casual,
    "terms": _terms,
}


def augment_pairs(
    texts: Iterable[str],
    kinds: Sequence[str],
    *,
    seed: int = 42,
    max_chars: int = 60,
    taken: set[str] | None = None,
) -> list[tuple[str, str]]:
    """``(variant, source)`` for every text and kind that changes it.

    A variant equal to any existing or earlier text is skipped (``taken``), so a
    variant lives in exactly one group and never collides with real data.
    """
    unknown = set(kinds) - set(_FUNCS)
    if unknown:
        raise ValueError(f"unknown augmentation(s) {sorted(unknown)}; known: {', '.join(KINDS)}")
    sources = list(dict.fromkeys(texts))
    seen = set(taken or ()) | set(sources)
    out: list[tuple[str, str]] = []
    for kind in kinds:
        fn = _FUNCS[kind]
        for text in sources:
            if len(text) > max_chars:
                continue
            for r in range(_REPEATS.get(kind, 1)):
                variant = " ".join(fn(text, _rng(kind, f"{r}:{text}" if r else text, seed)).split())
                if len(variant) >= 2 and variant not in seen:
                    seen.add(variant)
                    out.append((variant, text))
    return out
