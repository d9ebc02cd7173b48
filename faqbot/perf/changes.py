"""Section 5: following other processes' commits (faq/changes.py): the cost of one idle poll, and
from another connection's commit to the new answer being served."""

from __future__ import annotations

import asyncio
import gc
import logging
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from faq.changes import KnowledgeFollower, SqliteChangeFeed
from faq.embedder import ThreadedEmbedder
from faq.service import FaqService
from faq.store import FaqStore
from faqbot.perf.cold_start import write_cached_db
from faqbot.perf.measure import LoopLagProbe, percentile
from model.encoder import Encoder

log = logging.getLogger(__name__)


CHANGE_POLL_S = 0.5  # the default FAQBOT_CHANGE_POLL_S
IDLE_POLLS = 500
EDITS = 6


async def changes_section(encoder: Encoder, rows_list: Sequence[int]) -> dict[str, Any]:
    """Idle poll cost, and commit → served latency when another connection edits an FAQ.

    The other writer is a plain sqlite3 connection (to SQLite, the same as another process);
    it changes one FAQ's answer, so the reload encodes nothing and measures the rebuild.
    """
    out: dict[str, Any] = {"poll_interval_s": CHANGE_POLL_S, "scopes": {}}
    for rows in rows_list:
        with tempfile.TemporaryDirectory(prefix="faqbot-bench-") as tmp:
            db = Path(tmp) / "changes.db"
            await write_cached_db(db, rows, encoder)
            store = await FaqStore.open(db)
            service = FaqService(store, ThreadedEmbedder(encoder))
            feed = SqliteChangeFeed(store, CHANGE_POLL_S)
            follower = KnowledgeFollower(service, feed)
            try:
                await follower.start()
                await service.load_all()
                gc.freeze()  # as FaqBot.setup_hook does once start-up is loaded (docs/reliability.md)
                if not out.get("idle_poll_us"):
                    polls = []
                    for _ in range(IDLE_POLLS):
                        start = time.perf_counter()
                        assert await feed.poll() is None
                        polls.append((time.perf_counter() - start) * 1e6)
                    out["idle_poll_us"] = {
                        "p50": round(statistics.median(polls), 1),
                        "p99": round(percentile(polls, 99), 1),
                    }
                    # CPU per second of wall time an idle bot spends polling (one poll per interval)
                    out["idle_cpu_share"] = f"{statistics.median(polls) / 1e6 / CHANGE_POLL_S:.4%}"
                with LoopLagProbe() as idle_lag:  # the same machine with only the idle polls: the baseline
                    await asyncio.sleep(EDITS * CHANGE_POLL_S)
                latencies, reloads_ms = [], []
                # its commit (an fsync) runs in a thread: the other process's work is not our loop's lag
                other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
                with LoopLagProbe() as lag:
                    for edit in range(EDITS):
                        await asyncio.sleep(random.uniform(0, CHANGE_POLL_S))  # commits land anywhere in a poll
                        answer = f"바뀐 답변 {edit}"
                        before = follower.reloads
                        start = time.perf_counter()
                        await asyncio.to_thread(other.execute, "UPDATE faqs SET answer = ? WHERE id = 1", (answer,))
                        while True:  # the follower publishes the new index in one assignment
                            if (await service.index("default")).snapshot.faqs[1].answer == answer:
                                break
                            await asyncio.sleep(0.001)
                        latencies.append((time.perf_counter() - start) * 1000)
                        assert follower.reloads == before + 1
                    for _ in range(3):
                        start = time.perf_counter()
                        await service.reload("default")
                        reloads_ms.append((time.perf_counter() - start) * 1000)
                other.close()
                out["scopes"][str(rows)] = {
                    "commit_to_served_ms": {
                        "p50": round(statistics.median(latencies), 1),
                        "max": round(max(latencies), 1),
                    },
                    "reload_ms": round(statistics.median(reloads_ms), 1),
                    "loop_lag_ms_max": round(lag.max_ms, 1),
                    "loop_lag_ms_max_idle": round(idle_lag.max_ms, 1),
                }
            finally:
                gc.unfreeze()
                await follower.stop()
                await service.aclose()
                await store.close()
    return out
