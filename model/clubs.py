"""Other chapters' FAQ sets: how the bot does on a club's own FAQs it was never trained on.

Each file in ``model/data/clubs/`` is one fictional 멋사 chapter (format:
``docs/model.md``, "Unseen clubs"): its FAQs as an admin would import them (question,
answer, 2 alternates), member questions written the way members type, each naming its
FAQ, and off-topic lines.

- ``dev_*.json``: DEV clubs. Used to choose matching weights and thresholds; never trained on.
- ``eval_*.json``: evaluation-only. Never trained on, never used to choose anything, written
  by someone who saw none of the training data; scored once settings are fixed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from faq.types import FaqDraft

CLUBS_DIR = Path(__file__).resolve().parent / "data" / "clubs"


class Split(StrEnum):
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


def load_club(path: Path) -> ClubSet:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    faqs = tuple(FaqDraft(f["question"], f["answer"], tuple(f.get("alternates", ()))) for f in data["faqs"])
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
