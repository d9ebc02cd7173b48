"""The evaluation data: the bundled club FAQs and held-out queries, paraKQC and KorSTS."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from faq.types import Faq

log = logging.getLogger(__name__)


_ROOT = Path(__file__).resolve().parents[2]
CLUB_FAQS = _ROOT / "faq" / "data" / "club_faqs.json"
CLUB_HELDOUT = _ROOT / "model" / "data" / "club_heldout.json"
DEFAULT_BENCHMARKS = _ROOT.parent / "shared" / "benchmarks"

Scores = npt.NDArray[np.float32]
RELIABILITY_EDGES = (0.0, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)  # cumulative: answers shown with ≥ each


@dataclass(frozen=True)
class FaqBank:
    """FAQs flattened to rows (canonical question + alternates), as the index holds them."""

    questions: tuple[str, ...]  # canonical question per FAQ, FAQ id = position
    rows: tuple[str, ...]
    row_faq: npt.NDArray[np.int64]
    answers: tuple[str, ...] = ()  # per FAQ when known: the index adds their passages as rows

    @classmethod
    def from_groups(cls, groups: Sequence[Sequence[str]], answers: Sequence[str] = ()) -> FaqBank:
        rows: list[str] = []
        ids: list[int] = []
        for fid, group in enumerate(groups):
            for text in group:
                rows.append(text)
                ids.append(fid)
        return cls(tuple(g[0] for g in groups), tuple(rows), np.asarray(ids, dtype=np.int64), tuple(answers))

    def __len__(self) -> int:
        return len(self.questions)

    def as_faqs(self) -> list[Faq]:
        """The bank as stored FAQs (id = position + 1, since the store's ids start at 1)."""
        groups: dict[int, list[str]] = {}
        for text, fid in zip(self.rows, self.row_faq.tolist(), strict=True):
            groups.setdefault(fid, []).append(text)
        return [
            Faq(fid + 1, "eval", g[0], self.answers[fid] if self.answers else "", tuple(g[1:]), "", "", "", "")
            for fid, g in sorted(groups.items())
        ]


def load_club_bank(path: Path = CLUB_FAQS) -> FaqBank:
    """The bundled club's FAQs with their answers (what a new database is seeded with)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return FaqBank.from_groups(load_faq_groups(path), [item["answer"] for item in data])


def load_faq_groups(path: Path = CLUB_FAQS) -> list[tuple[str, ...]]:
    from model.train import groups_from_faqs

    return groups_from_faqs(json.loads(Path(path).read_text(encoding="utf-8")))


@dataclass(frozen=True)
class HeldOut:
    queries: tuple[tuple[str, int], ...]  # (query, FAQ id in the bank)
    out_of_scope: tuple[str, ...]


def load_heldout(bank: FaqBank, path: Path = CLUB_HELDOUT) -> HeldOut:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    ids = {q: i for i, q in enumerate(bank.questions)}
    queries: list[tuple[str, int]] = []
    for item in data.get("queries", []):
        fid = ids.get(item["faq"])
        if fid is None:
            log.warning("held-out query names an unknown FAQ: %r", item["faq"])
            continue
        queries.append((item["query"], fid))
    return HeldOut(tuple(queries), tuple(data.get("out_of_scope", [])))


def parakqc_blocks(benchmarks: Path) -> list[list[str]]:
    lines = (benchmarks / "paraKQC" / "paraKQC_v1.txt").read_text(encoding="utf-8").splitlines()
    sentences = [line.split("\t")[2].strip() for line in lines[:9990]]
    return [sentences[10 * i : 10 * i + 10] for i in range(999)]


def parakqc_split() -> tuple[list[int], list[int]]:
    """(TEST, TRAIN) block ids of the project's paraKQC-faq protocol."""
    ids = list(range(999))
    random.Random(42).shuffle(ids)
    return ids[:200], ids[200:]


def korsts_test(benchmarks: Path) -> list[tuple[str, str, float]]:
    out = []
    lines = (benchmarks / "KorSTS" / "sts-test.tsv").read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        parts = line.split("\t")
        if len(parts) >= 7:
            out.append((parts[5], parts[6], float(parts[4])))
    return out
