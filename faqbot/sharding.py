"""Which Discord shards this process runs: ``FAQBOT_SHARD_COUNT`` and ``FAQBOT_SHARD_IDS``.

Discord routes a guild's events to shard ``(guild_id >> 22) % shard_count`` (docs/deploy.md); a
bot in 2,500 guilds or more must shard. Several processes split the shards between them, each
with the same count and its own ids, e.g. ``FAQBOT_SHARD_COUNT=4`` with ``FAQBOT_SHARD_IDS=0-1``
here and ``2-3`` on another process. Unset: one gateway connection, no sharding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PART = re.compile(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?")
#: More shards than any bot needs (Discord asks for one per ~1,000 guilds): a typo such as
#: ``0-999999999`` is refused before it becomes a list of a billion ids.
MAX_SHARDS = 16_384


class ShardIdsError(ValueError):
    """``FAQBOT_SHARD_IDS`` cannot be read; the message says why (Korean, one line)."""


def parse_shard_ids(text: str) -> tuple[int, ...]:
    """``"0,1"``, ``"0-3"``, ``"0-1, 6"`` → the ids in the order written; a repeated id is an error."""
    ids: list[int] = []
    seen: set[int] = set()
    for part in text.split(","):
        found = _PART.fullmatch(part)
        if found is None:
            raise ShardIdsError(f"{part.strip()!r}을(를) 읽을 수 없습니다: 샤드 번호나 범위를 쉼표로 나눠 쓰세요")
        first, last = int(found[1]), int(found[2] if found[2] is not None else found[1])
        if last < first:
            raise ShardIdsError(f"범위 {first}-{last}이(가) 거꾸로입니다: 작은 번호를 앞에 쓰세요")
        if last >= MAX_SHARDS:
            raise ShardIdsError(f"샤드 {last}은(는) 너무 큽니다: 번호는 {MAX_SHARDS - 1} 이하여야 합니다")
        for shard in range(first, last + 1):
            if shard in seen:
                raise ShardIdsError(f"샤드 {shard}이(가) 두 번 들어 있습니다")
            seen.add(shard)
            ids.append(shard)
    return tuple(ids)


def format_shard_ids(ids: tuple[int, ...]) -> str:
    return ",".join(str(i) for i in ids)


@dataclass(frozen=True, slots=True)
class ShardPlan:
    """``count`` shards in all; this process runs ``ids`` (each below ``count``)."""

    count: int
    ids: tuple[int, ...]

    @classmethod
    def of(cls, count: int, ids: tuple[int, ...] | None) -> ShardPlan:
        """``ids`` None: every shard in this process."""
        return cls(count, tuple(range(count)) if ids is None else ids)


__all__ = ["MAX_SHARDS", "ShardIdsError", "ShardPlan", "format_shard_ids", "parse_shard_ids"]
