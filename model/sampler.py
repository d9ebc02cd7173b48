"""Group-aware batching for MultipleNegativesRankingLoss.

Kept apart from model/trainer.py because subclassing the library's sampler imports
sentence-transformers (and torch), which the training modules must not do at
import time: ``faqbot --help`` would take seconds.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from typing import Any

from sentence_transformers.base.sampler import DefaultBatchSampler as _SamplerBase


class GroupBatchSampler(_SamplerBase):
    """Batches in which every row comes from a different group.

    MNRL scores each anchor against every other positive in the batch as a
    negative; two paraphrases of one FAQ in a batch would teach the model to
    push them apart. Each batch takes one row from each of the ``batch_size``
    groups with the most rows left (random tie-break), which keeps big groups
    from piling up at the end where they could only form tiny batches.

    With ``row_clubs`` every batch holds one club's groups: its negatives are that club's other
    FAQs (the neighbours a member's question must be told apart from), never another club's FAQ
    on the same topic ("회비 얼마예요?" in two chapters). The club of each batch is drawn with
    odds by its rows left, so clubs mix through the epoch and finish together.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int,
        drop_last: bool,
        valid_label_columns: list[str] | None = None,
        generator: Any = None,
        seed: int = 0,
        *,
        row_groups: Sequence[int],
        row_clubs: Sequence[str] | None = None,
    ) -> None:
        super().__init__(
            dataset,
            batch_size=batch_size,
            drop_last=drop_last,
            valid_label_columns=valid_label_columns,
            generator=generator,
            seed=seed,
        )
        if len(row_groups) != len(dataset):
            raise ValueError("row_groups must have one entry per dataset row")
        if row_clubs is not None and len(row_clubs) != len(row_groups):
            raise ValueError("row_clubs must have one entry per dataset row")
        self.row_groups = list(row_groups)
        self.row_clubs = list(row_clubs) if row_clubs is not None and len(set(row_clubs)) > 1 else None
        self._batches_estimate = self._plan_len()

    def _plan_len(self) -> int:
        return sum(1 for _ in self._plan(random.Random(0)))

    def _plan(self, rng: random.Random) -> Iterator[list[int]]:
        if self.row_clubs is None:
            yield from self._plan_rows(range(len(self.row_groups)), rng)
            return
        by_club: dict[str, list[int]] = {}
        for row, club in enumerate(self.row_clubs):
            by_club.setdefault(club, []).append(row)
        plans = {club: self._plan_rows(rows, rng) for club, rows in sorted(by_club.items())}
        left = {club: len(rows) for club, rows in by_club.items()}
        while plans:
            clubs = sorted(plans)
            club = rng.choices(clubs, weights=[left[c] for c in clubs])[0]
            batch = next(plans[club], None)
            if batch is not None:
                left[club] -= len(batch)
                yield batch
            if batch is None or left[club] <= 0:
                del plans[club]

    def _plan_rows(self, rows: Sequence[int], rng: random.Random) -> Iterator[list[int]]:
        queues: dict[int, list[int]] = {}
        for row in rows:
            queues.setdefault(self.row_groups[row], []).append(row)
        for queue in queues.values():
            rng.shuffle(queue)
        while queues:
            keys = list(queues)
            rng.shuffle(keys)
            keys.sort(key=lambda g: -len(queues[g]))  # stable: random among equals
            chosen = keys[: self.batch_size]
            if len(chosen) < self.batch_size and self.drop_last:
                return
            if len(chosen) < 2:  # a lone row has no in-batch negative: nothing to learn
                return
            batch = [queues[g].pop() for g in chosen]
            for g in chosen:
                if not queues[g]:
                    del queues[g]
            rng.shuffle(batch)
            yield batch

    def __iter__(self) -> Iterator[list[int]]:
        yield from self._plan(random.Random(self.seed * 1_000_003 + getattr(self, "epoch", 0)))

    def __len__(self) -> int:
        return self._batches_estimate
