"""Moving a whole knowledge base between databases (``faqbot db migrate``), engine to engine.

Everything a store holds is copied with its ids: FAQs, their questions and alternates, answer
passages, cached vectors, settings (including the user-hash salt, so pseudonymous askers stay
the same people), the query log and votes. ``scope_changes`` is not copied: the target's own
triggers fill it as the rows arrive. The copy is one transaction on the target, which must hold
no FAQs and no query log (a half-merged knowledge base is worse than none); the row counts are
compared afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from faq.errors import InvalidInput
from faq.store import FaqStore

#: Tables in foreign-key order, each with the columns that order its rows.
TABLES: dict[str, tuple[str, ...]] = {
    "faqs": ("id",),
    "faq_questions": ("faq_id", "position"),
    "faq_passages": ("faq_id", "position"),
    "embeddings": ("text", "fingerprint"),
    "scope_settings": ("scope", "key"),
    "queries": ("id",),
    "feedback": ("id",),
}
CHUNK = 2000


@dataclass(frozen=True, slots=True)
class CopyReport:
    source: dict[str, int]
    target: dict[str, int]

    @property
    def matches(self) -> bool:
        return self.source == self.target


async def columns(store: FaqStore, table: str) -> list[str]:
    async with store.reading() as conn:
        if store.engine == "sqlite":
            async with conn.execute(f"PRAGMA table_info({table})") as cur:
                return [row[1] for row in await cur.fetchall()]
        async with conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            (table,),
        ) as cur:
            return [row[0] for row in await cur.fetchall()]


async def counts(store: FaqStore) -> dict[str, int]:
    found: dict[str, int] = {}
    async with store.reading() as conn:
        for table in TABLES:
            async with conn.execute(f"SELECT COUNT(*) FROM {table}") as cur:
                row = await cur.fetchone()
            found[table] = int(row[0])
    return found


async def table_rows(store: FaqStore, table: str, names: list[str] | None = None) -> list[tuple[object, ...]]:
    """Every row of ``table`` in key order, as plain tuples (bytes for vectors): for copying and comparing."""
    names = names or await columns(store, table)
    order = ", ".join(TABLES[table])
    rows: list[tuple[object, ...]] = []
    async with store.reading() as conn:
        while True:
            async with conn.execute(
                f"SELECT {', '.join(names)} FROM {table} ORDER BY {order} LIMIT ? OFFSET ?", (CHUNK, len(rows))
            ) as cur:
                chunk = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in await cur.fetchall()]
            rows += chunk
            if len(chunk) < CHUNK:
                return rows


ID_TABLES = ("faqs", "queries", "feedback")


async def last_ids(store: FaqStore) -> dict[str, int]:
    """The last id handed out per table (above the highest row when the newest rows were deleted)."""
    found: dict[str, int] = {}
    async with store.reading() as conn:
        for table in ID_TABLES:
            if store.engine == "sqlite":
                sql = "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0), "
                sql += f"COALESCE((SELECT MAX(id) FROM {table}), 0))"
                params: tuple[object, ...] = (table,)
            else:
                sql = f"SELECT GREATEST(COALESCE(pg_sequence_last_value('{table}_id_seq'::regclass), 0), "
                sql += f"COALESCE((SELECT MAX(id) FROM {table}), 0))"
                params = ()
            async with conn.execute(sql, params) as cur:
                row = await cur.fetchone()
            found[table] = int(row[0] or 0)
    return found


async def set_last_ids(store: FaqStore, conn: object, last: dict[str, int]) -> None:
    """New ids continue after ``last``: an id an old vote or log row names is never handed out again."""
    for table, value in last.items():
        if not value:
            continue
        if store.engine == "sqlite":
            await conn.execute("DELETE FROM sqlite_sequence WHERE name = ?", (table,))  # type: ignore[attr-defined]
            await conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, value))  # type: ignore[attr-defined]
        else:
            await conn.execute(f"SELECT setval('{table}_id_seq'::regclass, ?)", (value,))  # type: ignore[attr-defined]


async def copy_all(source: FaqStore, target: FaqStore) -> CopyReport:
    """Copy every table of ``source`` into the empty ``target`` in one transaction; then count both."""
    before = await counts(target)
    if before["faqs"] or before["queries"]:
        raise InvalidInput(
            f"대상 데이터베이스가 비어 있지 않습니다 (FAQ {before['faqs']}개, 질문 기록 {before['queries']}개): "
            "빈 데이터베이스로만 옮길 수 있습니다"
        )
    plan = {table: await columns(source, table) for table in TABLES}
    last = await last_ids(source)
    async with target.transaction() as conn:
        # A fresh database already holds the salt row of a first start: the source's wins.
        await conn.execute("DELETE FROM scope_settings")
        await conn.execute("DELETE FROM embeddings")
        for table, names in plan.items():
            rows = await table_rows(source, table, names)
            marks = ", ".join("?" * len(names))
            for start in range(0, len(rows), CHUNK):
                await conn.executemany(
                    f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows[start : start + CHUNK]
                )
        await set_last_ids(target, conn, last)
    return CopyReport(await counts(source), await counts(target))


__all__ = ["TABLES", "CopyReport", "columns", "copy_all", "counts", "table_rows"]
