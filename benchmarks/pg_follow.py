"""Commit → answer latency across processes on one PostgreSQL (LISTEN/NOTIFY), p50/p99.

    python -m benchmarks.pg_follow [EDITS]

Starts a throw-away cluster (tests/pgcluster.py), three faqbot worker processes
(tests/hardening/pg_worker.py: the bot's open_service with the PostgreSQL change feed, hashing
encoder), then edits one FAQ's answer EDITS times from worker 0 (round-robin the editor) and
records, for each of the two other processes, the wall time from the editor's commit until
that process answers with the new text (its ask loop polls every 5 ms, so add ~2.5 ms).
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import sys

from tests import pgcluster
from tests.hardening.test_pg_processes import start_worker
from tests.pg_fixtures import admin, with_params


async def main(edits: int) -> None:
    cluster = pgcluster.start()
    try:
        await admin(cluster.dsn(), "CREATE SCHEMA bench")
        url = with_params(cluster.dsn(), search_path="bench")
        workers = await asyncio.gather(*(start_worker(url) for _ in range(3)))
        base = await workers[0].call(op="add", q="회비는 얼마인가요?", a="답 0")
        for w in workers[1:]:
            await w.call(op="until", q="회비는 얼마인가요?", answer="답 0", timeout=10)
        lags: list[float] = []
        for i in range(1, edits + 1):
            editor = workers[i % 3]
            others = [w for w in workers if w is not editor]
            done = await editor.call(op="edit", id=base["id"], a=f"답 {i}")
            seen = await asyncio.gather(
                *(w.call(op="until", q="회비는 얼마인가요?", answer=f"답 {i}", timeout=5) for w in others)
            )
            lags += [s["seen"] - done["committed"] for s in seen if "seen" in s]
            misses = sum(1 for s in seen if "seen" not in s)
            if misses:
                print(f"edit {i}: {misses} process(es) missed the 5 s window", file=sys.stderr)
        lags.sort()
        p = lambda q: lags[min(len(lags) - 1, int(q * len(lags)))] * 1000  # noqa: E731
        print(
            f"{len(lags)} commit→answer latencies (3 processes, {edits} edits): "
            f"p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, max {lags[-1] * 1000:.1f} ms, "
            f"mean {statistics.mean(lags) * 1000:.1f} ms"
        )
        for w in workers:
            assert w.proc.stdin is not None
            w.proc.stdin.close()
            await w.proc.wait()
    finally:
        cluster.stop("immediate")
        shutil.rmtree(cluster.root, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
