"""Faults and load on PostgreSQL at tiny scale: the core run of ``python -m benchmarks.pg_load``.

Three worker processes (tests/hardening/pg_worker.py) on this run's PostgreSQL: seeded guilds,
questions paced across them with answer edits from rotating processes, one process killed
with SIGKILL and restarted, the server restarted — then nothing lost, nothing stale beyond a
second, every question answered by its own FAQ. docs/performance.md has the full-scale run.
"""

from __future__ import annotations

import os

import pytest

from benchmarks.pg_load import Scale, Server, failures, measure
from tests import pg_fixtures

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

TINY = Scale(
    guilds=4,
    faqs=20,
    throughput_questions=60,
    rounds=1,
    questions=150,
    seconds=8.0,
    edit_every_s=0.5,
    kill_at_s=2.0,
    down_s=0.5,
    pg_restart_at_s=5.0,
)


async def test_three_processes_under_kill_and_server_restart_lose_nothing_and_serve_nothing_stale(
    pg_schema_url: str,
) -> None:
    own = not os.environ.get("FAQBOT_TEST_PG")  # an outside server is not ours to restart
    server = Server(
        url=pg_schema_url,
        stop=pg_fixtures.stop_cluster if own else None,
        start=pg_fixtures.start_cluster if own else None,
    )
    report = await measure(TINY, server)
    load, store = report["load"], report["store"]
    assert store["faqs_found"] == store["faqs_expected"] == TINY.guilds * TINY.faqs
    assert store["lost"] == [] and store["wrong_text"] == [] and store["extra"] == 0
    assert load["stale"] == [], load["stale"]
    assert load["questions"] == TINY.questions
    assert load["answered_by_own_faq"] == TINY.questions and load["errors"] == 0, load["error_examples"]
    assert load["routed_to_dead_process"] > 0  # the kill happened mid-load and its guilds went elsewhere
    assert load["edits"] > 0 and load["edits_committed"] == load["edits"]
    assert load["follow_ms"]["n"] > 0 and load["follow_misses"] == []
    kill = load["kill"]
    assert kill["start_to_first_correct_answer_s"] is not None and kill["edits_while_down_missed"] == []
    assert load["convergence"]["processes"] == 3 and load["convergence"]["behind"] == []
    if own:
        processes = load["pg_restart"]["processes"]
        assert len(processes) == 3
        assert all(p["reload_done_after_up_s"] is not None for p in processes.values()), processes
    assert failures(report) == []
    assert all(run["not_answered_by_own_faq"] == 0 for run in report["throughput"]["runs"])
