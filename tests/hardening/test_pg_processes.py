"""Several processes, one knowledge base: three real faqbot processes on one PostgreSQL.

Edits in one process reach the answers of the two others within a second of the commit
(LISTEN/NOTIFY, faq/db/notify_feed.py); a restarted server is followed by a reconnect and
a full reload.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 1.0


class Worker:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    async def call(self, **cmd: object) -> dict:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write((json.dumps(cmd, ensure_ascii=False) + "\n").encode())
        await self.proc.stdin.drain()
        line = await asyncio.wait_for(self.proc.stdout.readline(), 60)
        reply = json.loads(line)
        assert "error" not in reply, reply
        return reply


async def start_worker(db: str, *, stderr: int | IO[bytes] | None = None) -> Worker:
    """Start tests/hardening/pg_worker.py on ``db`` and wait until it is ready (its logs go to ``stderr``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAQBOT_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONPATH=str(ROOT))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.hardening.pg_worker",
        db,
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=stderr,
    )
    assert proc.stdout is not None
    ready = json.loads(await asyncio.wait_for(proc.stdout.readline(), 120))
    assert "ready" in ready
    return Worker(proc)


@pytest.fixture
async def workers(pg_schema_url: str) -> AsyncIterator[list[Worker]]:
    started = await asyncio.gather(*(start_worker(pg_schema_url) for _ in range(3)))
    try:
        yield list(started)
    finally:
        for w in started:
            if w.proc.returncode is None:
                assert w.proc.stdin is not None
                w.proc.stdin.close()
        for w in started:
            try:
                await asyncio.wait_for(w.proc.wait(), 20)
            except TimeoutError:
                w.proc.kill()


async def reaches_others(editor: Worker, others: list[Worker], question: str, answer: str | None, committed: float):
    seen = await asyncio.gather(*(w.call(op="until", q=question, answer=answer, timeout=5.0) for w in others))
    assert all("seen" in s for s in seen), seen
    return [s["seen"] - committed for s in seen]


async def test_edits_in_one_process_reach_the_others_within_a_second(workers: list[Worker]) -> None:
    editor, *askers = workers
    base = await editor.call(op="add", q="회비는 얼마인가요?", a="한 학기 3만 원입니다.")
    await reaches_others(editor, askers, "회비는 얼마인가요?", "한 학기 3만 원입니다.", base["committed"])
    lags: list[float] = []
    for round_ in range(5):
        text = f"한 학기 {4 + round_}만 원입니다."
        done = await editor.call(op="edit", id=base["id"], a=text)
        lags += await reaches_others(editor, askers, "회비는 얼마인가요?", text, done["committed"])
    added = await workers[1].call(op="add", q="동아리 마스코트 이름이 뭐예요?", a="사자 멋쟁이예요.")
    others = [workers[0], workers[2]]
    lags += await reaches_others(
        workers[1], others, "동아리 마스코트 이름이 뭐예요?", "사자 멋쟁이예요.", added["committed"]
    )
    removed = await workers[2].call(op="remove", id=added["id"])
    lags += await reaches_others(workers[2], workers[:2], "동아리 마스코트 이름이 뭐예요?", None, removed["committed"])
    assert max(lags) < DEADLINE_S, lags


async def test_a_restarted_server_is_followed_by_a_reconnect_and_reload(workers: list[Worker], pg_server: str) -> None:
    from tests.pg_fixtures import restart_cluster

    editor, *askers = workers
    base = await editor.call(op="add", q="세션은 언제 하나요?", a="화요일 7시")
    await reaches_others(editor, askers, "세션은 언제 하나요?", "화요일 7시", base["committed"])
    if not restart_cluster():
        pytest.skip("the server is not this run's own (FAQBOT_TEST_PG): cannot restart it")
    for w in askers:  # answering from memory meanwhile
        assert (await w.call(op="ask", q="세션은 언제 하나요?"))["answer"] == "화요일 7시"
    done = await editor.call(op="edit", id=base["id"], a="수요일 8시")  # the pool reconnects for the write
    await reaches_others(editor, askers, "세션은 언제 하나요?", "수요일 8시", done["committed"])
