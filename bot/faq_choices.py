"""Autocomplete for FAQ ids: a search list built once per FAQ change, off the event loop.

Discord sends an autocomplete interaction per keystroke. Normalising every question of
every FAQ on each one (11,000 texts at 1,000 FAQs × 10 alternates) held the event loop
for ~100 ms a keystroke. Instead, each scope's rows (id, question, normalised keys) are
built in a worker thread the first time its FAQ set is seen, and a keystroke is a
substring scan over prepared strings: well under a millisecond at that size.

:class:`FaqAutocomplete` holds the autocomplete callbacks ``/faq`` and ``/faq-admin`` share.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.replies import CHOICE_NAME_LIMIT, CHOICE_VALUE_LIMIT, trim
from faq.text import normalized_key
from faq.types import Faq

if TYPE_CHECKING:
    from bot.client import FaqBot

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


def full_alternate(alternates: tuple[str, ...], text: str) -> str:
    """The alternate an autocomplete value names: choice values hold only its first 100 characters."""
    if text in alternates or len(text) != CHOICE_VALUE_LIMIT:
        return text
    matches = [a for a in alternates if a[:CHOICE_VALUE_LIMIT] == text]
    return matches[0] if len(matches) == 1 else text


class FaqAutocomplete:
    """The FAQ-id and alternate autocomplete that ``/faq`` and ``/faq-admin`` share (a cog mixin).

    discord.py calls a cog's autocomplete with the cog as ``self``, so each cog that mixes this
    in answers from its own :class:`ChoiceIndex`.
    """

    bot: FaqBot
    _choices: ChoiceIndex

    async def _faq_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
        """FAQs of *this* guild whose id starts with, or question contains, what was typed."""
        if interaction.guild_id is None:
            return []
        scope = str(interaction.guild_id)
        rows = await self._choices.rows(scope, (await self.bot.service.index(scope)).snapshot.faqs)
        return [
            app_commands.Choice(name=trim(f"#{r.faq_id} {r.question}", CHOICE_NAME_LIMIT), value=r.faq_id)
            for r in search(rows, current)
        ]

    async def faq_id_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._faq_choices(interaction, current)

    async def alternate_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        faq_id = getattr(interaction.namespace, "faq_id", None)
        if interaction.guild_id is None or not isinstance(faq_id, int):
            return []
        faq = (await self.bot.service.index(str(interaction.guild_id))).snapshot.faqs.get(faq_id)
        if faq is None:
            return []
        key = normalized_key(current) if current.strip() else ""
        return [
            app_commands.Choice(name=trim(a, CHOICE_NAME_LIMIT), value=a[:CHOICE_VALUE_LIMIT])
            for a in faq.alternates
            if not key or key in normalized_key(a)
        ][:MAX_CHOICES]
