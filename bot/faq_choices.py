"""Autocomplete for FAQ ids: a search list built once per FAQ change, off the event loop.

Discord sends an autocomplete interaction per keystroke. Normalising every question of
every FAQ on each one (11,000 texts at 1,000 FAQs × 10 alternates) held the event loop
for ~100 ms a keystroke. Instead, each scope's rows (id, question, normalised keys) are
built in a worker thread the first time its FAQ set is seen, and a keystroke is a
substring scan over prepared strings: well under a millisecond at that size.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from faq.text import normalized_key
from faq.types import Faq

MAX_CHOICES = 25  # Discord's limit on autocomplete choices
_SEPARATOR = "\x00"  # never inside a normalised key, so a match cannot span two questions


@dataclass(frozen=True, slots=True)
class ChoiceRow:
    faq_id: int
    digits: str
    question: str
    keys: str  # every question's normalised key, joined by _SEPARATOR


def build_rows(faqs: Mapping[int, Faq]) -> tuple[ChoiceRow, ...]:
    return tuple(
        ChoiceRow(f.id, str(f.id), f.question, _SEPARATOR.join(normalized_key(q) for q in f.questions))
        for f in sorted(faqs.values(), key=lambda f: f.id)
    )


def search(rows: tuple[ChoiceRow, ...], current: str, limit: int = MAX_CHOICES) -> list[ChoiceRow]:
    """Rows whose id starts with, or any question contains, what was typed (all when empty)."""
    typed = current.strip().lstrip("#")
    if not typed:
        return list(rows[:limit])
    key = normalized_key(typed)
    digits = typed.isdigit()
    found: list[ChoiceRow] = []
    for row in rows:
        if (digits and row.digits.startswith(typed)) or (key and key in row.keys):
            found.append(row)
            if len(found) == limit:
                break
    return found


class ChoiceIndex:
    """Rows per scope, rebuilt (in a thread) when the scope's FAQ mapping changes."""

    def __init__(self) -> None:
        # scope → (the FAQ mapping the rows were built from, rows). The index publishes a new
        # mapping on every write, so identity says "changed"; holding it keeps the id unique.
        self._built: dict[str, tuple[Mapping[int, Faq], tuple[ChoiceRow, ...]]] = {}

    async def rows(self, scope: str, faqs: Mapping[int, Faq]) -> tuple[ChoiceRow, ...]:
        cached = self._built.get(scope)
        if cached is not None and cached[0] is faqs:
            return cached[1]
        rows = await asyncio.to_thread(build_rows, faqs)
        self._built[scope] = (faqs, rows)
        return rows
