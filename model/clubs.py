"""Other chapters' FAQ sets: how the bot does on a club's own FAQs it was never trained on.

Each file in ``model/data/clubs/`` is one fictional 멋사 chapter (format:
``docs/model.md``, "Unseen clubs"): its FAQs as an admin would import them (question,
answer, 2 alternates), member questions written the way members type, each naming its
FAQ, and off-topic lines.

- ``train_*.json``: training clubs. Their FAQs, alternates, answers' sentences and member
  questions are groups the static default trains on (:func:`training_groups`); never used to
  choose anything (that is DEV's job).
- ``dev_*.json``: DEV clubs. Used to choose matching weights and thresholds; never trained on.
- ``eval_*.json``: evaluation-only. Never trained on, never used to choose anything, written
  by someone who saw none of the training data; scored once settings are fixed.

:func:`bundled_dev_club` makes the bundled sample club's DEV split a club of the same shape.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from faq.types import FaqDraft
from model.training_data import CLUB_FAQS, CLUB_PARAPHRASES, answer_sentences, dev_split

CLUBS_DIR = Path(__file__).resolve().parent / "data" / "clubs"
DEV_OUT_OF_SCOPE = Path(__file__).resolve().parent / "data" / "dev_out_of_scope.json"
BUNDLED_DEV_SLUG = "bundled_dev"


class Split(StrEnum):
    TRAIN = "train"
    DEV = "dev"
    EVAL = "eval"


@dataclass(frozen=True, slots=True)
class ClubQuery:
    text: str
    faq: int  # position in ``ClubSet.faqs``
    kind: str  # casual, typo, english, context, answer_only, plain


@dataclass(frozen=True, slots=True)
class ClubSet:
    name: str
    slug: str
    split: Split
    faqs: tuple[FaqDraft, ...]
    queries: tuple[ClubQuery, ...]
    out_of_scope: tuple[str, ...]


def _drafts(items: list[dict]) -> tuple[FaqDraft, ...]:
    """FAQs as the club JSON files (and ``faq/data/club_faqs.json``) list them."""
    return tuple(FaqDraft(f["question"], f["answer"], tuple(f.get("alternates", ()))) for f in items)


def load_club(path: Path) -> ClubSet:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    faqs = _drafts(data["faqs"])
    position = {f.question: i for i, f in enumerate(faqs)}
    queries = []
    for item in data["queries"]:
        if item["faq"] not in position:
            raise ValueError(f"{path.name}: query {item['query']!r} names an unknown FAQ {item['faq']!r}")
        queries.append(ClubQuery(item["query"], position[item["faq"]], item.get("kind", "plain")))
    return ClubSet(
        name=data["club"],
        slug=path.stem,
        split=Split(data["split"]),
        faqs=faqs,
        queries=tuple(queries),
        out_of_scope=tuple(data["out_of_scope"]),
    )


def load_clubs(split: Split, folder: Path = CLUBS_DIR) -> list[ClubSet]:
    """Every club of ``split`` in ``folder`` (file name ``<split>_<slug>.json``), sorted by name."""
    clubs = [load_club(p) for p in sorted(Path(folder).glob(f"{split.value}_*.json"))]
    for club in clubs:
        if club.split is not split:
            raise ValueError(f"{club.slug}: file says split {club.split}, name says {split}")
    return clubs


def bundled_dev_club() -> ClubSet:
    """The bundled sample club as a DEV club: its FAQs, its DEV paraphrases (``dev_split``, the
    split ``model.dev`` holds out) as member questions and ``dev_out_of_scope.json`` as off-topic
    lines. Never the held-out file. The club-trained models know this club (the static default
    was trained on these paraphrases too), so off-topic lines score higher here than on a club
    they never saw: a decision fitted on unseen clubs only answers them too readily."""
    faqs = _drafts(json.loads(CLUB_FAQS.read_text(encoding="utf-8")))
    position = {f.question: i for i, f in enumerate(faqs)}
    _, dev = dev_split(json.loads(CLUB_PARAPHRASES.read_text(encoding="utf-8")))
    queries = tuple(ClubQuery(text, position[question], "plain") for text, question in dev)
    lines = json.loads(DEV_OUT_OF_SCOPE.read_text(encoding="utf-8"))["queries"]
    return ClubSet("멋사 샘플 동아리 (DEV split)", BUNDLED_DEV_SLUG, Split.DEV, faqs, queries, tuple(lines))


def scored_key(text: str) -> str:
    """A text as :func:`scored_texts` compares it: spacing, punctuation and case ignored."""
    return re.sub(r"[\s\W_]+", "", text).lower()


def scored_texts(folder: Path = CLUBS_DIR) -> set[str]:
    """Every member question and off-topic line of the DEV and evaluation-only clubs, spacing and
    punctuation ignored: short questions ("ㅎㅂ 얼마?") recur across independently written clubs."""
    clubs = [*load_clubs(Split.DEV, folder), *load_clubs(Split.EVAL, folder)]
    return {scored_key(t) for c in clubs for t in (*(q.text for q in c.queries), *c.out_of_scope)}


def training_groups(clubs: list[ClubSet], folder: Path = CLUBS_DIR) -> list[tuple[str, ...]]:
    """One group per FAQ of each training club: its question, alternates, member questions and its
    answer's sentences (as ``load_club_faq_groups(with_answers=True)`` does for the bundled club).
    A text that a DEV or evaluation-only club in ``folder`` asks is left out, so those clubs' figures
    stay figures on questions the model never saw. Refuses any other split: DEV and evaluation-only
    clubs are never trained on."""
    return [group for _, group in club_training_groups(clubs, folder)]


def club_training_groups(clubs: list[ClubSet], folder: Path = CLUBS_DIR) -> list[tuple[str, tuple[str, ...]]]:
    """:func:`training_groups` with each group's club slug (for training with the clubs kept apart)."""
    scored = scored_texts(folder)
    out = []
    for club in clubs:
        if club.split is not Split.TRAIN:
            raise ValueError(f"{club.slug}: only training clubs are trained on, not {club.split}")
        asked: dict[int, list[str]] = {}
        for q in club.queries:
            asked.setdefault(q.faq, []).append(q.text)
        for i, faq in enumerate(club.faqs):
            texts = [faq.question, *faq.alternates, *asked.get(i, ()), *answer_sentences(faq.answer)]
            kept = tuple(dict.fromkeys(t.strip() for t in texts if t.strip() and scored_key(t) not in scored))
            if len(kept) >= 2:
                out.append((club.slug, kept))
    return out
