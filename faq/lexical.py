"""Lexical scoring: BM25 over Kiwi morphemes (kiwipiepy + bm25s).

Dense embeddings miss rare exact words (a date, "데모데이", an English stack
name); BM25 over content morphemes catches them and is robust to Korean
spacing errors because Kiwi re-segments "회비얼마예요" as 회비/얼마. The matcher
fuses both (see docs/matching.md).
"""

from __future__ import annotations

import logging
import math
import sys
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import bm25s
import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

# Content-bearing Kiwi tags: nouns, pronouns, numerals, verb/adjective stems, roots,
# adverbs, foreign words, numbers, hanja. Particles, endings and punctuation only
# add noise to word overlap.
_CONTENT_PREFIXES = ("NN", "NP", "NR", "VV", "VA", "XR", "MAG", "SL", "SN", "SH")

_kiwi_lock = threading.Lock()


@lru_cache(maxsize=1)
def _kiwi() -> object:
    from kiwipiepy import Kiwi

    return Kiwi()


def morphemes(text: str) -> list[Any]:
    """Kiwi's analysis of ``text``: every morpheme with its ``form`` and ``tag`` (particles included)."""
    with _kiwi_lock:
        return list(_kiwi().tokenize(text))  # type: ignore[attr-defined]


def join_morphemes(tokens: Sequence[Any]) -> str:
    """Text from morphemes as :func:`morphemes` returns them (Kiwi re-attaches endings and spacing)."""
    with _kiwi_lock:
        return str(_kiwi().join(tokens))  # type: ignore[attr-defined]


#: Memory the morpheme cache may hold. Members fill it (every distinct question is tokenised),
#: so it is bounded by bytes, not entries: a 1,000-character question costs ~35 KiB.
TOKEN_CACHE_BYTES = 32 * 2**20
_ENTRY_OVERHEAD = 100  # the ordered dict's node and hash slot, roughly


def _entry_bytes(text: str, tokens: tuple[str, ...]) -> int:
    return sys.getsizeof(text) + sys.getsizeof(tokens) + sum(sys.getsizeof(t) for t in tokens) + _ENTRY_OVERHEAD


class TokenCache:
    """LRU of text → morphemes whose estimated size stays within ``max_bytes`` (thread-safe)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[str, tuple[tuple[str, ...], int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, text: str) -> tuple[str, ...] | None:
        with self._lock:
            entry = self._entries.get(text)
            if entry is None:
                return None
            self._entries.move_to_end(text)
            return entry[0]

    def put(self, text: str, tokens: tuple[str, ...]) -> None:
        size = _entry_bytes(text, tokens)
        with self._lock:
            if size > self.max_bytes or text in self._entries:
                return
            self._entries[text] = (tokens, size)
            self.bytes += size
            while self.bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0


token_cache = TokenCache(TOKEN_CACHE_BYTES)


def tokenize(text: str) -> tuple[str, ...]:
    """Content morphemes of ``text`` (lower-cased); cached because FAQ texts repeat."""
    cached = token_cache.get(text)
    if cached is not None:
        return cached
    with _kiwi_lock:  # Kiwi instances are not documented as thread-safe
        found = _kiwi().tokenize(text)
    tokens = tuple(t.form.lower() for t in found if t.tag.startswith(_CONTENT_PREFIXES))
    token_cache.put(text, tokens)
    return tokens


tokenize.cache_clear = token_cache.clear  # type: ignore[attr-defined]  # functools-style, for benchmarks


def tokenize_all(texts: Sequence[str]) -> None:
    """Tokenise ``texts`` into the cache; call it in a worker thread before a write.

    The first call also loads Kiwi (seconds), which must never happen on the event loop.
    """
    for text in texts:
        tokenize(text)


class LexicalIndex:
    """Immutable BM25 index over a list of texts; rebuild it to change the texts.

    ``scores`` are normalised to [0, 1] by the query's summed idf — the BM25 score
    of a document of average length that contains every query term once — so
    1.0 means "all query words present" and a query of words the FAQs never use scores near 0 — an absolute
    scale that can sit beside cosine similarity, unlike max-normalisation.
    """

    K1 = 1.2
    B = 0.75

    def __init__(self, texts: Sequence[str], tokens: Sequence[Sequence[str]] | None = None) -> None:
        """Index ``texts``; pass their ``tokens`` when already known (stored in the DB)."""
        self._size = len(texts)
        docs = [list(t) for t in tokens] if tokens is not None else [list(tokenize(t)) for t in texts]
        self._df: dict[str, int] = {}
        for doc in docs:
            for token in set(doc):
                self._df[token] = self._df.get(token, 0) + 1
        self._bm25: bm25s.BM25 | None = None
        if any(docs):
            self._bm25 = bm25s.BM25(k1=self.K1, b=self.B, method="lucene")
            # bm25s accepts pre-tokenised corpora as lists of strings.
            self._bm25.index(docs, show_progress=False)

    def __len__(self) -> int:
        return self._size

    def _idf(self, token: str) -> float:
        df = self._df.get(token, 0)
        return math.log(1.0 + (self._size - df + 0.5) / (df + 0.5))

    def scores(self, query: str) -> npt.NDArray[np.float32]:
        return self.token_scores(tokenize(query))

    def token_scores(self, tokens: Sequence[str]) -> npt.NDArray[np.float32]:
        """:meth:`scores` of a query already tokenised."""
        out = np.zeros(self._size, dtype=np.float32)
        tokens = list(tokens)
        if not tokens or self._bm25 is None:
            return out
        # Unknown words count at full idf in the ceiling: they are evidence that
        # the query is about something the FAQs do not cover.
        # bm25s's Lucene variant scores tf / (tf + k1·norm): 1 / (1 + k1) per term at tf=1.
        ceiling = sum(self._idf(t) for t in tokens) / (1.0 + self.K1)
        known = [t for t in tokens if t in self._df]
        if not known or ceiling <= 0:
            return out
        raw = self._bm25.get_scores(known)
        np.divide(np.asarray(raw, dtype=np.float32), ceiling, out=out)
        return np.clip(out, 0.0, 1.0, out=out)
