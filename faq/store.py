"""FAQ persistence: one store contract over two engines (:mod:`faq.db`).

SQLite (a file path; one connection behind one lock) is the embedded default; PostgreSQL
(``postgresql://…``; an asyncpg pool) serves several processes on one knowledge base. The
SQL below is written once, in the dialect both accept. Every multi-row change is one
transaction; an exception rolls it back.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from faq.db import Connection, Database, open_database
from faq.db.sqlite import split_statements
from faq.errors import DuplicateQuestion, NotFound, StorageError
from faq.import_plan import ImportPlan
from faq.lexical import tokenize
from faq.text import answer_passages, normalized_key
from faq.types import Faq, FaqDraft

log = logging.getLogger(__name__)


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


MAX_ROW_ID = 2**63 - 1  # SQLite integers and PostgreSQL BIGINT are int64


def in_row_id_range(value: int) -> bool:
    """False for ids no row can have: binding one would raise OverflowError, not "not found"."""
    return 0 < value <= MAX_ROW_ID


class FaqStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.path = db.label  # where it is, safe to print (a URL's password masked)

    @property
    def engine(self) -> str:
        return self.db.engine

    @property
    def created(self) -> bool:
        """True when open() made a fresh database."""
        return self.db.created

    # ---- lifecycle -------------------------------------------------------------

    @classmethod
    async def open(cls, target: str | Path) -> FaqStore:
        """Open (creating if needed) and upgrade the database ``target`` names: a path or a postgresql:// URL."""
        return cls(await open_database(target))

    async def close(self) -> None:
        await self.db.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        """Exclusive access and one write transaction; rolls back on any exception."""
        async with self.db.transaction() as conn:
            yield conn

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Any]:
        async with self.db.reading() as conn:
            yield conn

    async def ping(self) -> None:
        """Raise StorageError when the database cannot be reached."""
        await self.db.ping()

    # ---- reads -----------------------------------------------------------------

    async def scopes(self) -> list[str]:
        async with self.reading() as conn, conn.execute("SELECT DISTINCT scope FROM faqs ORDER BY scope") as cur:
            return [row[0] for row in await cur.fetchall()]

    async def list_faqs(self, scope: str) -> list[Faq]:
        async with self.reading() as conn:
            return await self._load(conn, "f.scope = ?", (scope,))

    async def get(self, scope: str, faq_id: int) -> Faq:
        if not in_row_id_range(faq_id):
            raise NotFound(faq_id)
        async with self.reading() as conn:
            found = await self._load(conn, "f.scope = ? AND f.id = ?", (scope, faq_id))
        if not found:
            raise NotFound(faq_id)
        return found[0]

    async def scope_counts(self) -> dict[str, int]:
        """FAQs per scope, for every scope that has any."""
        async with (
            self.reading() as conn,
            conn.execute("SELECT scope, COUNT(*) FROM faqs GROUP BY scope ORDER BY scope") as cur,
        ):
            return {row[0]: int(row[1]) for row in await cur.fetchall()}

    async def ever_held_faqs(self) -> bool:
        """False only for a database no FAQ was ever added to."""
        return await self.db.ever_held_faqs()

    async def count(self, scope: str) -> int:
        async with self.reading() as conn, conn.execute("SELECT COUNT(*) FROM faqs WHERE scope = ?", (scope,)) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    async def _load(conn: Connection, where: str, params: Sequence[object]) -> list[Faq]:
        sql = f"""
            SELECT f.id, f.scope, f.answer, f.created_by, f.created_at, f.updated_by, f.updated_at,
                   q.position, q.text
            FROM faqs f JOIN faq_questions q ON q.faq_id = f.id
            WHERE {where} ORDER BY f.id, q.position
        """
        faqs: dict[int, tuple[Any, list[str]]] = {}
        async with conn.execute(sql, params) as cur:
            async for row in cur:
                faqs.setdefault(row["id"], (row, []))[1].append(row["text"])
        return [
            Faq(
                id=row["id"],
                scope=row["scope"],
                question=texts[0],
                answer=row["answer"],
                alternates=tuple(texts[1:]),
                created_by=row["created_by"],
                created_at=row["created_at"],
                updated_by=row["updated_by"],
                updated_at=row["updated_at"],
            )
            for row, texts in faqs.values()
        ]

    async def question_tokens(self, scope: str) -> dict[str, tuple[str, ...]]:
        """Stored morphemes of every question and answer passage of ``scope``: BM25 needs no Kiwi at start-up."""
        async with (
            self.reading() as conn,
            conn.execute(
                "SELECT text, tokens FROM faq_questions WHERE scope = ? "
                "UNION ALL SELECT text, tokens FROM faq_passages WHERE scope = ?",
                (scope, scope),
            ) as cur,
        ):
            return {row[0]: tuple(row[1].split()) for row in await cur.fetchall()}

    async def find_question(self, scope: str, text: str) -> int | None:
        """The FAQ id holding a question equal to ``text`` (spacing/case-insensitive)."""
        async with (
            self.reading() as conn,
            conn.execute(
                "SELECT faq_id FROM faq_questions WHERE scope = ? AND norm = ?", (scope, normalized_key(text))
            ) as cur,
        ):
            row = await cur.fetchone()
        return int(row[0]) if row else None

    async def get_setting(self, scope: str, key: str) -> object | None:
        async with (
            self.reading() as conn,
            conn.execute("SELECT value FROM scope_settings WHERE scope = ? AND key = ?", (scope, key)) as cur,
        ):
            row = await cur.fetchone()
        return json.loads(row[0]) if row else None

    async def set_setting(self, scope: str, key: str, value: object) -> None:
        async with self.transaction() as conn:
            if value is None:
                await conn.execute("DELETE FROM scope_settings WHERE scope = ? AND key = ?", (scope, key))
            else:
                await conn.execute(
                    "INSERT INTO scope_settings (scope, key, value) VALUES (?, ?, ?) "
                    "ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value",
                    (scope, key, json.dumps(value, ensure_ascii=False)),
                )

    # ---- changes made by other connections (faq/changes.py) ------------------------------

    async def data_version(self) -> int:
        """SQLite's counter of commits by *other* connections (the SQLite change feed's probe)."""
        data_version = getattr(self.db, "data_version", None)
        if data_version is None:
            raise StorageError("data_version is SQLite's; PostgreSQL follows changes with LISTEN/NOTIFY")
        return int(await data_version())

    async def scope_seqs(self, scope: str | None = None) -> dict[str, int]:
        """Each scope's latest number in ``scope_changes`` (only ``scope``'s when given).

        Every write to a scope gives it a number never used before (one sequence, database-wide),
        so a scope whose number is the one seen earlier has not been written since.
        """
        sql, params = "SELECT scope, seq FROM scope_changes", ()
        if scope is not None:
            sql, params = sql + " WHERE scope = ?", (scope,)
        async with self.reading() as conn, conn.execute(sql, params) as cur:
            return {row[0]: int(row[1]) for row in await cur.fetchall()}

    async def change_seq(self) -> int:
        """The latest change number in ``scope_changes`` (0 for none)."""
        async with self.reading() as conn, conn.execute("SELECT COALESCE(MAX(seq), 0) FROM scope_changes") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def scopes_changed_since(self, seq: int) -> dict[str, int]:
        """Scopes whose FAQs or settings changed after change number ``seq``, with their latest number."""
        async with (
            self.reading() as conn,
            conn.execute("SELECT scope, seq FROM scope_changes WHERE seq > ?", (seq,)) as cur,
        ):
            return {str(row[0]): int(row[1]) for row in await cur.fetchall()}

    # ---- embedding cache ---------------------------------------------------------

    async def cached_embeddings(self, texts: Iterable[str], fingerprint: str) -> dict[str, np.ndarray]:
        wanted = list(dict.fromkeys(texts))
        found: dict[str, np.ndarray] = {}
        if not wanted:  # every reload asks for the texts the join missed: usually none
            return found
        async with self.reading() as conn:
            for start in range(0, len(wanted), 500):  # SQLite's host-parameter limit
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                async with conn.execute(
                    f"SELECT text, dim, vector FROM embeddings WHERE fingerprint = ? AND text IN ({marks})",
                    (fingerprint, *chunk),
                ) as cur:
                    async for row in cur:
                        found[row[0]] = np.frombuffer(row[2], dtype=np.float32, count=row[1])
        return found

    async def all_cached_embeddings(self, scope: str, fingerprint: str) -> dict[str, np.ndarray]:
        """Cached vectors for every question and passage of ``scope`` (joins, no per-text lookups)."""
        found: dict[str, np.ndarray] = {}
        async with (
            self.reading() as conn,
            conn.execute(
                "SELECT e.text, e.dim, e.vector FROM embeddings e "
                "JOIN faq_questions q ON q.text = e.text WHERE q.scope = ? AND e.fingerprint = ? "
                "UNION ALL SELECT e.text, e.dim, e.vector FROM embeddings e "
                "JOIN faq_passages p ON p.text = e.text WHERE p.scope = ? AND e.fingerprint = ?",
                (scope, fingerprint, scope, fingerprint),
            ) as cur,
        ):
            async for row in cur:
                found[row[0]] = np.frombuffer(row[2], dtype=np.float32, count=row[1])
        return found

    @staticmethod
    async def _put_embeddings(conn: Connection, vectors: dict[str, np.ndarray], fingerprint: str) -> None:
        # The cache is shared by every scope, and an upsert locks its row until commit: in sorted
        # order, two PostgreSQL transactions writing common texts ("회비는 얼마인가요?" in two
        # clubs' imports) queue behind each other instead of deadlocking (one would be aborted).
        await conn.executemany(
            "INSERT INTO embeddings (text, fingerprint, dim, vector) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (text, fingerprint) DO UPDATE SET dim = excluded.dim, vector = excluded.vector",
            [
                (text, fingerprint, int(vec.shape[0]), np.asarray(vec, dtype=np.float32).tobytes())
                for text, vec in sorted(vectors.items(), key=lambda item: item[0])
            ],
        )

    async def put_embeddings(self, vectors: dict[str, np.ndarray], fingerprint: str) -> None:
        if vectors:
            async with self.transaction() as conn:
                await self._put_embeddings(conn, vectors, fingerprint)

    async def prune_embeddings(self, keep_fingerprint: str) -> int:
        """Drop cached vectors of other models and of texts no FAQ uses any more."""
        async with self.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM embeddings WHERE fingerprint != ? OR (text NOT IN (SELECT text FROM faq_questions)"
                " AND text NOT IN (SELECT text FROM faq_passages))",
                (keep_fingerprint,),
            )
            return cur.rowcount

    # ---- writes (each one transaction) ---------------------------------------------

    async def add(
        self,
        scope: str,
        drafts: Sequence[FaqDraft],
        actor: str,
        *,
        replace_all: bool = False,
        vectors: dict[str, np.ndarray] | None = None,
        fingerprint: str | None = None,
    ) -> tuple[list[Faq], list[int]]:
        """Insert ``drafts`` (and cache their vectors) atomically.

        With ``replace_all`` every existing FAQ of ``scope`` is deleted first, in
        the same transaction. Returns (new FAQs, ids removed).
        """
        now = utcnow()
        removed: list[int] = []
        created: list[Faq] = []
        async with self.transaction() as conn:
            if replace_all:
                async with conn.execute("SELECT id FROM faqs WHERE scope = ?", (scope,)) as cur:
                    removed = [int(r[0]) for r in await cur.fetchall()]
                await conn.execute("DELETE FROM faqs WHERE scope = ?", (scope,))
            for draft in drafts:
                created.append(await self._insert_faq(conn, scope, draft, actor, now))
            if vectors and fingerprint:
                await self._put_embeddings(conn, vectors, fingerprint)
        return created, removed

    async def apply_import(
        self,
        scope: str,
        plan: ImportPlan,
        actor: str,
        *,
        vectors: dict[str, np.ndarray] | None = None,
        fingerprint: str | None = None,
    ) -> tuple[list[Faq], list[Faq]]:
        """Apply an import plan in one transaction. Returns (new FAQs, updated FAQs).

        Removed FAQs and the old questions of updated ones go first, so a question may
        move from one FAQ to another within the same file.
        """
        now = utcnow()
        created: list[Faq] = []
        async with self.transaction() as conn:
            for start in range(0, len(plan.remove), 500):
                chunk = plan.remove[start : start + 500]
                marks = ",".join("?" * len(chunk))
                await conn.execute(f"DELETE FROM faqs WHERE scope = ? AND id IN ({marks})", (scope, *chunk))
            for faq_id, draft in plan.update:
                cur = await conn.execute(
                    "UPDATE faqs SET answer = ?, updated_by = ?, updated_at = ? WHERE id = ? AND scope = ?",
                    (draft.answer, actor, now, faq_id, scope),
                )
                if cur.rowcount == 0:  # removed by another process since the plan was made
                    raise NotFound(faq_id)
                await conn.execute("DELETE FROM faq_questions WHERE faq_id = ?", (faq_id,))
                await conn.execute("DELETE FROM faq_passages WHERE faq_id = ?", (faq_id,))
            for faq_id, draft in plan.update:
                await self._insert_questions(conn, scope, faq_id, (draft.question, *draft.alternates))
                await self._insert_passages(conn, scope, faq_id, draft.answer)
            for draft in plan.add:
                created.append(await self._insert_faq(conn, scope, draft, actor, now))
            if vectors and fingerprint:
                await self._put_embeddings(conn, vectors, fingerprint)
            wanted = {faq_id for faq_id, _ in plan.update}
            updated = [f for f in await self._load(conn, "f.scope = ?", (scope,)) if f.id in wanted] if wanted else []
        return created, updated

    async def update(
        self,
        scope: str,
        faq_id: int,
        draft: FaqDraft,
        actor: str,
        *,
        vectors: dict[str, np.ndarray] | None = None,
        fingerprint: str | None = None,
    ) -> Faq:
        """Replace an FAQ's question, answer and alternates in one transaction."""
        if not in_row_id_range(faq_id):
            raise NotFound(faq_id)
        now = utcnow()
        async with self.transaction() as conn:
            found = await self._load(conn, "f.scope = ? AND f.id = ?", (scope, faq_id))
            if not found:
                raise NotFound(faq_id)
            await conn.execute(
                "UPDATE faqs SET answer = ?, updated_by = ?, updated_at = ? WHERE id = ?",
                (draft.answer, actor, now, faq_id),
            )
            await conn.execute("DELETE FROM faq_questions WHERE faq_id = ?", (faq_id,))
            await conn.execute("DELETE FROM faq_passages WHERE faq_id = ?", (faq_id,))
            await self._insert_questions(conn, scope, faq_id, (draft.question, *draft.alternates))
            await self._insert_passages(conn, scope, faq_id, draft.answer)
            if vectors and fingerprint:
                await self._put_embeddings(conn, vectors, fingerprint)
        return replace(
            found[0],
            question=draft.question,
            answer=draft.answer,
            alternates=draft.alternates,
            updated_by=actor,
            updated_at=now,
        )

    async def remove(self, scope: str, faq_id: int) -> Faq:
        if not in_row_id_range(faq_id):
            raise NotFound(faq_id)
        async with self.transaction() as conn:
            found = await self._load(conn, "f.scope = ? AND f.id = ?", (scope, faq_id))
            if not found:
                raise NotFound(faq_id)
            await conn.execute("DELETE FROM faqs WHERE id = ?", (faq_id,))  # questions cascade
        return found[0]

    @classmethod
    async def _insert_faq(cls, conn: Connection, scope: str, draft: FaqDraft, actor: str, now: str) -> Faq:
        """One new FAQ with its questions and answer passages, inside the caller's transaction."""
        async with conn.execute(
            "INSERT INTO faqs (scope, answer, created_by, created_at, updated_by, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (scope, draft.answer, actor, now, actor, now),
        ) as cur:
            row = await cur.fetchone()
        faq_id = int(row[0])
        await cls._insert_questions(conn, scope, faq_id, (draft.question, *draft.alternates))
        await cls._insert_passages(conn, scope, faq_id, draft.answer)
        return Faq(faq_id, scope, draft.question, draft.answer, draft.alternates, actor, now, actor, now)

    @staticmethod
    async def _insert_passages(conn: Connection, scope: str, faq_id: int, answer: str) -> None:
        await conn.executemany(
            "INSERT INTO faq_passages (faq_id, position, scope, text, tokens) VALUES (?, ?, ?, ?, ?)",
            [(faq_id, i, scope, text, " ".join(tokenize(text))) for i, text in enumerate(answer_passages(answer))],
        )

    @staticmethod
    async def _insert_questions(conn: Connection, scope: str, faq_id: int, texts: Sequence[str]) -> None:
        for position, text in enumerate(texts):
            # ON CONFLICT … DO NOTHING rather than catching the error: a failed statement aborts a
            # PostgreSQL transaction, and the lookup below must still run in it.
            async with conn.execute(
                "INSERT INTO faq_questions (faq_id, position, scope, text, norm, tokens) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (scope, norm) DO NOTHING RETURNING faq_id",
                (faq_id, position, scope, text, normalized_key(text), " ".join(tokenize(text))),
            ) as cur:
                inserted = await cur.fetchone()
            if inserted is None:
                async with conn.execute(
                    "SELECT faq_id FROM faq_questions WHERE scope = ? AND norm = ?",
                    (scope, normalized_key(text)),
                ) as cur:
                    row = await cur.fetchone()
                raise DuplicateQuestion(text, int(row[0]) if row else faq_id)


__all__ = ["FaqStore", "in_row_id_range", "split_statements", "utcnow"]
