"""What members asked and how it went: query log, asker feedback, stats, training pairs.

Adapter-neutral (no Discord): a chat adapter records each question it answered
with :meth:`ActivityLog.record_query` and gets back an id it can put into a
button, then reports votes, picked suggestions and "none of these" against that
id. Askers are stored only as a salted hash of their platform user id
(pseudonymous): enough to tell "is this the asker?" and to count unique users,
not to list who asked what.

Each query records the FAQs the bot *offered* for it (the answer, or the
suggestions shown); a vote or a pick must name one of them, so a made-up button
id cannot attach a member's text to an arbitrary FAQ. A 👍 makes a (question, FAQ)
pair that waits in a review queue: only pairs an admin accepted are training
data (:meth:`positive_pairs`); see docs/security.md for why.

Retention: :meth:`ActivityLog.prune` deletes query rows, votes and unreviewed or
rejected pairs older than N days. Accepted pairs stay, without any user link:
an admin's decision, like an alternate added from the unanswered list.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from faq.errors import FaqError
from faq.store import FaqStore, in_row_id_range, utcnow
from faq.types import Answer, Status

#: How many suggestions an adapter shows (and so may be picked or rated) per query.
SHOWN_SUGGESTIONS = 3

#: scope_settings row holding the per-database salt of user hashes.
_SALT_SCOPE, _SALT_KEY = "_install", "user_hash_salt"


class Source(StrEnum):
    MENTION = "mention"  # the bot was mentioned
    CHANNEL = "channel"  # a message in a channel marked as an FAQ channel
    DM = "dm"
    COMMAND = "command"  # /faq ask (or the CLI)


class QueryNotFound(FaqError, LookupError):
    def __init__(self, query_id: object) -> None:
        super().__init__("이 질문 기록을 찾을 수 없어요 (보관 기간이 지나 삭제되었을 수 있어요).")
        self.query_id = query_id


class NotAsker(FaqError, PermissionError):
    def __init__(self) -> None:
        super().__init__("질문한 분만 누를 수 있어요.")


class NotOffered(FaqError, PermissionError):
    """A vote or pick for an FAQ the bot did not show for that query (a forged button)."""

    def __init__(self) -> None:
        super().__init__("이 질문에 제시된 FAQ가 아니에요. 아무것도 기록하지 않았어요.")


class FeedbackNotFound(FaqError, LookupError):
    def __init__(self, feedback_id: object) -> None:
        super().__init__(f"피드백 #{feedback_id}을(를) 찾을 수 없어요.")
        self.feedback_id = feedback_id


class Review(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


def offered_faq_ids(answer: Answer) -> tuple[int, ...]:
    """The FAQs an adapter shows for ``answer``: the answer, or the suggestions; none for NONE."""
    if answer.status is Status.ANSWER and answer.best is not None:
        return (answer.best.faq_id,)
    if answer.status is Status.SUGGEST:
        return tuple(dict.fromkeys(c.faq_id for c in answer.suggestions[:SHOWN_SUGGESTIONS]))
    return ()


def _offered_text(ids: tuple[int, ...]) -> str:
    return f",{','.join(str(i) for i in ids)}," if ids else ""


def _offered_ids(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.isdigit())


@dataclass(frozen=True, slots=True)
class QueryRecord:
    id: int
    scope: str
    asked_at: str
    source: str
    user_hash: str
    text: str
    status: Status
    faq_id: int | None
    confidence: float | None
    resolved_faq_id: int | None
    dismissed: bool
    handled: bool
    vote: int | None = None  # the asker's vote on this answer, if any
    offered: tuple[int, ...] = ()  # FAQ ids shown for this query: the only ones to vote on or pick

    def was_offered(self, faq_id: int) -> bool:
        return faq_id in self.offered


@dataclass(frozen=True, slots=True)
class FeedbackPair:
    """A 👍 pair in the review queue: the member's question and the FAQ it was rated for."""

    id: int
    scope: str
    faq_id: int
    faq_question: str | None  # None when the FAQ was deleted since
    text: str
    voted_at: str
    review: Review


@dataclass(frozen=True, slots=True)
class TopFaq:
    faq_id: int
    question: str | None  # None when the FAQ was deleted since
    count: int


@dataclass(frozen=True, slots=True)
class ScopeStats:
    days: int
    total: int
    answered: int
    suggested: int
    unanswered: int
    askers: int
    up_votes: int
    down_votes: int
    top: tuple[TopFaq, ...]

    def rate(self, count: int) -> float:
        return count / self.total if self.total else 0.0


_QUERY_COLUMNS = (
    "q.id, q.scope, q.asked_at, q.source, q.user_hash, q.text, q.status, q.faq_id, q.confidence, "
    "q.resolved_faq_id, q.dismissed, q.handled, f.vote, q.offered"
)


def _record(row: Any) -> QueryRecord:
    return QueryRecord(
        id=row[0],
        scope=row[1],
        asked_at=row[2],
        source=row[3],
        user_hash=row[4],
        text=row[5],
        status=Status(row[6]),
        faq_id=row[7],
        confidence=row[8],
        resolved_faq_id=row[9],
        dismissed=bool(row[10]),
        handled=bool(row[11]),
        vote=row[12],
        offered=_offered_ids(row[13] or ""),
    )


def _since(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")


class ActivityLog:
    """Query log, feedback and stats over a :class:`FaqStore` (same connection and lock)."""

    def __init__(self, store: FaqStore) -> None:
        self.store = store
        self._salt: str | None = None
        self._salt_lock = asyncio.Lock()

    # ---- identity ---------------------------------------------------------------

    async def user_hash(self, user_id: object) -> str:
        """Salted hash of a platform user id; the salt is random per database."""
        if self._salt is None:
            async with self._salt_lock:
                if self._salt is None:
                    stored = await self.store.get_setting(_SALT_SCOPE, _SALT_KEY)
                    if not isinstance(stored, str):
                        stored = secrets.token_hex(16)
                        await self.store.set_setting(_SALT_SCOPE, _SALT_KEY, stored)
                    self._salt = stored
        return hashlib.sha256(f"{self._salt}:{user_id}".encode()).hexdigest()[:32]

    async def is_asker(self, record: QueryRecord, user_id: object) -> bool:
        return secrets.compare_digest(record.user_hash, await self.user_hash(user_id))

    # ---- writes -----------------------------------------------------------------

    async def record_query(self, scope: str, answer: Answer, *, user_id: object, source: Source | str) -> int:
        """Log one answered (or not) question; returns its id for buttons and feedback."""
        best = answer.best if answer.status is not Status.NONE else None
        user = await self.user_hash(user_id)
        async with self.store.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO queries (scope, asked_at, source, user_hash, text, status, faq_id, confidence, offered) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    scope,
                    utcnow(),
                    str(source),
                    user,
                    answer.query,
                    answer.status.value,
                    best.faq_id if best else None,
                    round(float(best.confidence), 4) if best else None,
                    _offered_text(offered_faq_ids(answer)),
                ),
            )
            row = await cur.fetchone()
            return int(row[0])

    async def get_query(self, scope: str, query_id: int) -> QueryRecord:
        """The query ``query_id`` of ``scope``; another scope's id is "not found"."""
        if not in_row_id_range(query_id):
            raise QueryNotFound(query_id)
        async with (
            self.store.reading() as conn,
            conn.execute(
                f"SELECT {_QUERY_COLUMNS} FROM queries q LEFT JOIN feedback f ON f.query_id = q.id "
                "WHERE q.scope = ? AND q.id = ?",
                (scope, query_id),
            ) as cur,
        ):
            row = await cur.fetchone()
        if row is None:
            raise QueryNotFound(query_id)
        return _record(row)

    async def vote(self, scope: str, query_id: int, faq_id: int, *, user_id: object, up: bool) -> QueryRecord:
        """The asker's 👍/👎 on the answer ``faq_id`` to ``query_id``; a new vote replaces the old.

        ``faq_id`` must be one the bot offered for the query (:class:`NotOffered` otherwise).
        A 👍 pair waits for review; changing the FAQ of an accepted vote sends it back to review.
        """
        record = await self.get_query(scope, query_id)
        if not await self.is_asker(record, user_id):
            raise NotAsker
        if not in_row_id_range(faq_id) or not record.was_offered(faq_id):
            raise NotOffered
        async with self.store.transaction() as conn:
            await conn.execute(
                "INSERT INTO feedback (query_id, scope, faq_id, text, vote, voted_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (query_id) DO UPDATE SET faq_id = excluded.faq_id, vote = excluded.vote, "
                "voted_at = excluded.voted_at, "
                "review = CASE WHEN feedback.faq_id = excluded.faq_id THEN feedback.review ELSE 'pending' END",
                (query_id, scope, faq_id, record.text, 1 if up else -1, utcnow()),
            )
        return await self.get_query(scope, query_id)

    async def mark_picked(self, scope: str, query_id: int, faq_id: int, *, user_id: object) -> QueryRecord:
        """The asker chose suggestion ``faq_id``: the question was answered after all."""
        record = await self.get_query(scope, query_id)
        if not record.was_offered(faq_id):
            raise NotOffered
        if not await self.is_asker(record, user_id):
            raise NotAsker
        async with self.store.transaction() as conn:
            await conn.execute(
                "UPDATE queries SET resolved_faq_id = ?, dismissed = 0 WHERE scope = ? AND id = ?",
                (faq_id, scope, query_id),
            )
        return await self.get_query(scope, query_id)

    async def mark_unanswered(self, scope: str, query_id: int, *, user_id: object) -> QueryRecord:
        """The asker said "none of these": list the question for admins."""
        record = await self.get_query(scope, query_id)
        if not await self.is_asker(record, user_id):
            raise NotAsker
        async with self.store.transaction() as conn:
            await conn.execute(
                "UPDATE queries SET dismissed = 1, resolved_faq_id = NULL WHERE scope = ? AND id = ?",
                (scope, query_id),
            )
        return await self.get_query(scope, query_id)

    async def mark_handled(self, scope: str, query_id: int) -> None:
        """An admin dealt with an unanswered question (added it, or chose to ignore it)."""
        if not in_row_id_range(query_id):
            raise QueryNotFound(query_id)
        async with self.store.transaction() as conn:
            cur = await conn.execute("UPDATE queries SET handled = 1 WHERE scope = ? AND id = ?", (scope, query_id))
            if cur.rowcount == 0:
                raise QueryNotFound(query_id)

    # ---- reads --------------------------------------------------------------------

    async def unanswered(self, scope: str, *, limit: int = 10) -> list[QueryRecord]:
        """Recent questions nobody got an answer to: no match, "none of these", or 👎; newest first."""
        async with (
            self.store.reading() as conn,
            conn.execute(
                f"SELECT {_QUERY_COLUMNS} FROM queries q LEFT JOIN feedback f ON f.query_id = q.id "
                "WHERE q.scope = ? AND q.handled = 0 AND q.resolved_faq_id IS NULL "
                "AND (q.status = 'none' OR q.dismissed = 1 OR f.vote = -1) "
                "ORDER BY q.id DESC LIMIT ?",
                (scope, limit),
            ) as cur,
        ):
            return [_record(row) for row in await cur.fetchall()]

    async def stats(self, scope: str, *, days: int = 30, top: int = 5) -> ScopeStats:
        """Counts over the last ``days``; votes and FAQ use count distinct members, not clicks."""
        since = _since(days)
        async with self.store.reading() as conn:
            async with conn.execute(
                "SELECT COUNT(*), "
                "SUM(CASE WHEN status = 'answer' THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN status = 'suggest' THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN status = 'none' THEN 1 ELSE 0 END), COUNT(DISTINCT user_hash) "
                "FROM queries WHERE scope = ? AND asked_at >= ?",
                (scope, since),
            ) as cur:
                total, answered, suggested, none, askers = await cur.fetchone() or (0, 0, 0, 0, 0)
            # One member re-asking and rating the same FAQ ten times is one 👍, not ten. A vote
            # whose query row was pruned has no member link left: it counts on its own.
            async with conn.execute(
                "SELECT COUNT(DISTINCT CASE WHEN f.vote = 1 THEN who END), "
                "COUNT(DISTINCT CASE WHEN f.vote = -1 THEN who END) FROM ("
                "  SELECT f.vote, COALESCE(q.user_hash, '#' || f.id) || ':' || f.faq_id AS who"
                "  FROM feedback f LEFT JOIN queries q ON q.id = f.query_id"
                "  WHERE f.scope = ? AND f.voted_at >= ?"
                ") f",
                (scope, since),
            ) as cur:
                up, down = await cur.fetchone() or (0, 0)
            # An FAQ "was used" when it answered outright or the asker picked it from suggestions;
            # counted once per member.
            async with conn.execute(
                "SELECT u.used, COUNT(DISTINCT u.user_hash) AS n, MAX(fq.text) FROM ("
                "  SELECT COALESCE(resolved_faq_id, CASE WHEN status = 'answer' THEN faq_id END) AS used, user_hash"
                "  FROM queries WHERE scope = ? AND asked_at >= ?"
                ") u LEFT JOIN faq_questions fq ON fq.faq_id = u.used AND fq.position = 0 "
                "WHERE u.used IS NOT NULL GROUP BY u.used ORDER BY n DESC, u.used LIMIT ?",
                (scope, since, top),
            ) as cur:
                tops = tuple(TopFaq(int(r[0]), r[2], int(r[1])) for r in await cur.fetchall())
        return ScopeStats(
            days=days,
            total=int(total or 0),
            answered=int(answered or 0),
            suggested=int(suggested or 0),
            unanswered=int(none or 0),
            askers=int(askers or 0),
            up_votes=int(up or 0),
            down_votes=int(down or 0),
            top=tops,
        )

    async def questions_since(self, user_id: object, *, hours: float) -> int:
        """Questions this member had logged (any scope) in the last ``hours``: the hourly limit."""
        since = (datetime.now(UTC) - timedelta(hours=hours)).isoformat(timespec="seconds")
        user = await self.user_hash(user_id)
        async with (
            self.store.reading() as conn,
            conn.execute("SELECT COUNT(*) FROM queries WHERE user_hash = ? AND asked_at >= ?", (user, since)) as cur,
        ):
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def feedback_since(self, user_id: object, *, hours: float) -> int:
        """Votes this member cast (any scope) in the last ``hours``: the daily feedback limit."""
        since = (datetime.now(UTC) - timedelta(hours=hours)).isoformat(timespec="seconds")
        user = await self.user_hash(user_id)
        async with (
            self.store.reading() as conn,
            conn.execute(
                "SELECT COUNT(*) FROM feedback f JOIN queries q ON q.id = f.query_id "
                "WHERE q.user_hash = ? AND f.voted_at >= ?",
                (user, since),
            ) as cur,
        ):
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    # ---- training pairs and their review --------------------------------------------

    async def positive_pairs(self, scope: str) -> list[tuple[str, str]]:
        """(member's question, FAQ's canonical question) for every *accepted* 👍, oldest first.

        Pending and rejected pairs are not training data. FAQs deleted since the vote are
        skipped; a question equal to the FAQ's own text teaches nothing and is skipped too.
        """
        async with (
            self.store.reading() as conn,
            conn.execute(
                "SELECT f.text, q.text FROM feedback f "
                "JOIN faq_questions q ON q.faq_id = f.faq_id AND q.position = 0 AND q.scope = f.scope "
                "WHERE f.scope = ? AND f.vote = 1 AND f.review = 'accepted' ORDER BY f.id",
                (scope,),
            ) as cur,
        ):
            rows = await cur.fetchall()
        return list(dict.fromkeys((str(r[0]), str(r[1])) for r in rows if r[0] != r[1]))

    async def feedback_pairs(
        self, scope: str, *, review: Review | None = Review.PENDING, limit: int = 10, feedback_id: int | None = None
    ) -> list[FeedbackPair]:
        """👍 pairs of ``scope`` in review state ``review`` (None: any), oldest first."""
        where: list[str] = ["f.scope = ?", "f.vote = 1"]  # fixed clauses; values stay bound
        params: list[object] = [scope]
        if review is not None:
            where.append("f.review = ?")
            params.append(review.value)
        if feedback_id is not None:
            where.append("f.id = ?")
            params.append(feedback_id)
        async with (
            self.store.reading() as conn,
            conn.execute(
                "SELECT f.id, f.scope, f.faq_id, q.text, f.text, f.voted_at, f.review FROM feedback f "
                "LEFT JOIN faq_questions q ON q.faq_id = f.faq_id AND q.position = 0 AND q.scope = f.scope "
                f"WHERE {' AND '.join(where)} ORDER BY f.id LIMIT ?",
                (*params, limit),
            ) as cur,
        ):
            rows = await cur.fetchall()
        return [FeedbackPair(r[0], r[1], r[2], r[3], r[4], r[5], Review(r[6])) for r in rows]

    async def review(
        self, scope: str, feedback_ids: Sequence[int], *, accept: bool, reviewer: str
    ) -> list[FeedbackPair]:
        """An admin accepts (training data) or rejects 👍 pairs of ``scope``: all of them or none."""
        decision = Review.ACCEPTED if accept else Review.REJECTED
        async with self.store.transaction() as conn:
            for feedback_id in feedback_ids:
                if not in_row_id_range(feedback_id):
                    raise FeedbackNotFound(feedback_id)
                cur = await conn.execute(
                    "UPDATE feedback SET review = ?, reviewed_by = ?, reviewed_at = ? "
                    "WHERE scope = ? AND id = ? AND vote = 1",
                    (decision.value, reviewer, utcnow(), scope, feedback_id),
                )
                if cur.rowcount == 0:
                    raise FeedbackNotFound(feedback_id)  # rolls back the ones before it
        return [
            (await self.feedback_pairs(scope, review=None, limit=1, feedback_id=feedback_id))[0]
            for feedback_id in feedback_ids
        ]

    # ---- retention ------------------------------------------------------------------

    async def prune(self, days: int) -> int:
        """Delete query rows and feedback older than ``days``; accepted 👍 pairs stay, unlinked."""
        if days <= 0:
            return 0
        since = _since(days)
        async with self.store.transaction() as conn:
            await conn.execute("DELETE FROM feedback WHERE review != 'accepted' AND voted_at < ?", (since,))
            await conn.execute("DELETE FROM feedback WHERE vote = -1 AND voted_at < ?", (since,))
            cur = await conn.execute("DELETE FROM queries WHERE asked_at < ?", (since,))
            return cur.rowcount


__all__ = [
    "SHOWN_SUGGESTIONS",
    "ActivityLog",
    "FeedbackNotFound",
    "FeedbackPair",
    "NotAsker",
    "NotOffered",
    "QueryNotFound",
    "QueryRecord",
    "Review",
    "ScopeStats",
    "Source",
    "TopFaq",
    "offered_faq_ids",
]
