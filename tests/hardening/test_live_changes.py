"""A running bot sees what other processes commit to its database (issue 14), with real processes.

The bot runs here through ``faqbot.launcher.run_bot`` (the real wiring, ``FAQBOT_CHANGE_POLL_S``
at its 0.5 s default) against the fake Discord, on HashingEncoder; the writers are separate
Python processes running the real CLI with the offline default model, so every text they
store is cached under another model's fingerprint and the bot encodes it with its own.

- ``faqbot faq add/edit/remove/import --db`` in another process: a member's mention is
  answered from the new state within 1 s of the CLI exiting.
- 200 CLI edits from another process while members ask: every reply shows one committed
  version (question and answer of the same edit), versions never go back, and 1 s after the
  last edit the bot's index equals the database.
- A CLI import SIGKILLed inside its transaction: no reply ever shows any part of it, and the
  index equals the database afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.client import FaqBot
from faq.store import FaqStore
from faqbot.launcher import run_bot
from model.fake import HashingEncoder
from tests.bot.conftest import world as world
from tests.bot.helpers import FAQS, World, bot_settings, mention
from tests.fakediscord import RecordedCall, point_discord_at

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 1.0  # the issue: within a second of the other process's commit


def cli_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAQBOT_")}
    env.update(
        HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONPATH=str(ROOT), HOME=str(home), FAQBOT_MODEL="static"
    )
    return env


async def run_cli(world: World, *args: str) -> float:
    """``python -m faqbot faq ARGS --db DB`` in another process; returns when it exited (monotonic)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "faqbot",
        "faq",
        *args,
        "--db",
        str(world.db),
        cwd=world.db.parent,
        env=cli_env(world.db.parent),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    exited = time.monotonic()
    assert proc.returncode == 0, (args, out.decode(), err.decode())
    return exited


def db_rows(db: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@asynccontextmanager
async def launched(world: World, *, seed: bool = True) -> AsyncIterator[FaqBot]:
    """The bot as ``faqbot run`` builds it, on the world's database; guild A holds FAQS."""
    if seed:
        store = await FaqStore.open(world.db)
        try:
            world.a.faq_ids = [f.id for f in (await store.add(world.a.id, FAQS, "test"))[0]]
        finally:
            await store.close()
    ready: asyncio.Future[FaqBot] = asyncio.get_running_loop().create_future()
    with point_discord_at(world.fd):
        task = asyncio.create_task(run_bot(bot_settings(world.db), encoder=HashingEncoder(), started=ready.set_result))
        bot = await asyncio.wait_for(ready, 15)
        bot._connection.guild_ready_timeout = 0.2
        await asyncio.wait_for(bot.wait_until_ready(), 15)
        try:
            yield bot
        finally:
            await bot.close()
            await asyncio.wait_for(task, 30)


async def ask(world: World, bot: FaqBot, text: str) -> tuple[float, str]:
    """A member mentions the bot with ``text``; (when it was asked, the reply's content)."""
    a = world.a
    asked = time.monotonic()
    sent = await world.fd.message_create(a.general, a.alice, mention(bot, text))
    call: RecordedCall = await world.fd.wait_for_message(
        a.general,
        lambda c: str((c.json.get("message_reference") or {}).get("message_id")) == str(sent["id"]),
        timeout=10,
    )
    return asked, call.json.get("content") or ""


async def answered_within(
    world: World, bot: FaqBot, text: str, expect: str, since: float, *, absent: bool = False
) -> float:
    """Ask until the reply contains ``expect`` (``absent``: no longer contains it); seconds from
    ``since`` to the question that got that reply."""
    while time.monotonic() - since < 5:
        asked, content = await ask(world, bot, text)
        if (expect in content) != absent:
            return asked - since
        await asyncio.sleep(0.05)
    raise AssertionError(f"{text!r} never got {expect!r}")


async def index_equals_db(bot: FaqBot, db: Path, scope: str) -> None:
    snap = (await bot.service.index(scope)).snapshot
    live = sorted((int(snap.row_faq_ids[i]), snap.row_texts[i]) for i in snap.live)
    stored = sorted(
        (int(r[0]), str(r[1])) for r in db_rows(db, "SELECT faq_id, text FROM faq_questions WHERE scope = ?", scope)
    )
    assert live == stored
    answers = {int(r[0]): str(r[1]) for r in db_rows(db, "SELECT id, answer FROM faqs WHERE scope = ?", scope)}
    assert {i: f.answer for i, f in snap.faqs.items()} == answers


def change_seq(db: Path, scope: str) -> object:
    return db_rows(db, "SELECT seq FROM scope_changes WHERE scope = ?", scope)


async def committed_at(db: Path, scope: str, done: asyncio.Event) -> float | None:
    """When a commit to ``scope`` became visible (its change counter moved), polled every 2 ms."""
    start = await asyncio.to_thread(change_seq, db, scope)
    while not done.is_set():
        if await asyncio.to_thread(change_seq, db, scope) != start:
            return time.monotonic()
        await asyncio.sleep(0.002)
    return None


async def cli_change_latency(
    world: World, bot: FaqBot, cli_args: Sequence[str], question: str, expect: str, *, absent: bool = False
) -> float:
    """Run the CLI while a member keeps asking ``question``; seconds from the CLI's commit to the
    first reply that shows it (``expect`` in it, or with ``absent`` no longer in it)."""
    shows = lambda content: (expect in content) != absent  # noqa: E731
    done = asyncio.Event()
    commit = asyncio.create_task(committed_at(world.db, world.a.id, done))
    cli = asyncio.create_task(run_cli(world, *cli_args))
    replies: list[tuple[float, float, str]] = []
    try:
        async with asyncio.timeout(60):
            while not (cli.done() and replies and shows(replies[-1][2])):
                asked, content = await ask(world, bot, question)
                replies.append((asked, time.monotonic(), content))
                await asyncio.sleep(0.02)
    finally:
        await cli
        done.set()
    at = await commit
    assert at is not None, "the CLI committed nothing"
    assert not any(shows(c) for asked, _, c in replies if asked < at), "a reply showed the change before its commit"
    first = next(replied for asked, replied, c in replies if shows(c))
    return first - at


async def test_cli_add_edit_remove_import_reach_the_running_bot_within_a_second(world: World) -> None:
    a = world.a
    async with launched(world) as bot:
        took = {}
        mascot_q, mascot_a = "동아리 마스코트 이름이 뭐예요?", "마스코트 이름은 사자 '멋쟁이'예요."
        args = ["add", "--guild", a.id, "-q", mascot_q, "-a", mascot_a, "--force"]
        took["add"] = await cli_change_latency(world, bot, args, mascot_q, mascot_a)

        fee_a = "한 학기 회비는 4만 원으로 올랐어요."
        args = ["edit", str(a.faq_ids[0]), "--guild", a.id, "-a", fee_a]
        took["edit"] = await cli_change_latency(world, bot, args, "회비 얼마예요?", fee_a)

        notice = f"FAQ #{a.faq_ids[3]}"
        args = ["remove", str(a.faq_ids[3]), "--guild", a.id]
        took["remove"] = await cli_change_latency(world, bot, args, "공지 어디서 봐요?", notice, absent=True)

        file = world.db.parent / "more.json"
        hackathon_a = "해커톤은 매년 8월 첫 주말에 열려요."
        file.write_text(
            json.dumps([{"question": "해커톤은 언제 열리나요?", "answer": hackathon_a, "alternates": ["해커톤 일정"]}]),
            encoding="utf-8",
        )
        args = ["import", str(file), "--guild", a.id]
        took["import"] = await cli_change_latency(world, bot, args, "해커톤은 언제 열리나요?", hackathon_a)

        print("seconds from the CLI's commit to the first reply showing it:", {k: round(v, 3) for k, v in took.items()})
        assert all(v <= DEADLINE_S for v in took.values()), took
        await index_equals_db(bot, world.db, a.id)


BURST = 200
# The other process: the real CLI entry point, 200 times (one process: 64 ms per edit instead of 3 s).
EDITOR = """
import sys
from faqbot.cli import main
db, scope, first, second, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
for i in range(1, n + 1):
    faq, q, a = (first, "정기 세션은 언제 하나요? [판 {}]", "세션은 화요일 저녁 7시예요. [판 {}]") if i % 2 else (
        second, "회비는 어떻게 납부하나요? [판 {}]", "카카오뱅크 계좌로 보내 주세요. [판 {}]")
    code = main(["faq", "edit", faq, "--guild", scope, "--db", db, "-q", q.format(i), "-a", a.format(i)])
    assert code == 0, code
"""
VERSION = re.compile(r"\[판 (\d+)\]")


async def test_a_burst_of_cli_edits_while_members_ask(world: World) -> None:
    a = world.a
    async with launched(world) as bot:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            EDITOR,
            str(world.db),
            a.id,
            str(a.faq_ids[2]),
            str(a.faq_ids[1]),
            str(BURST),
            cwd=world.db.parent,
            env=cli_env(world.db.parent),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        seen: dict[str, list[int]] = {"세션 요일이 언제예요?": [], "회비 납부 방법": []}
        replies = 0
        while proc.returncode is None:
            for text, versions in seen.items():
                _, content = await ask(world, bot, text)
                replies += 1
                found = [int(v) for v in VERSION.findall(content)]
                if found:
                    # question and answer of one reply come from the same committed edit
                    assert len(set(found)) == 1, content
                    versions.append(found[0])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(proc.wait()), 0.01)
        _, err = await proc.communicate()
        done = time.monotonic()
        assert proc.returncode == 0, err.decode()
        for text, versions in seen.items():
            assert versions == sorted(versions), f"{text}: an answer went back to an older edit"
        final_session = await answered_within(world, bot, "세션 요일이 언제예요?", f"[판 {BURST - 1}]", done)
        final_fee = await answered_within(world, bot, "회비 납부 방법", f"[판 {BURST}]", done)
        assert max(final_session, final_fee) <= DEADLINE_S
        await index_equals_db(bot, world.db, a.id)
        distinct = {k: len(set(v)) for k, v in seen.items()}
        print(f"{replies} replies during {BURST} edits; distinct versions seen: {distinct}")
        assert replies >= 20 and all(n >= 2 for n in distinct.values()), distinct  # it really ran concurrently


IMPORT_FAQS = 3_000


def busy_writer(db: Path) -> bool:
    """True while another connection holds the write lock (a transaction is being written)."""
    conn = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


async def kill_inside_transaction(argv: Sequence[str], cwd: Path, db: Path) -> float:
    """Start ``argv``; SIGKILL it once it has held the write lock for 0.1 s. Returns when."""
    proc = subprocess.Popen(  # noqa: ASYNC220 - polled below; we need its pid and a synchronous kill
        list(argv), cwd=cwd, env=cli_env(cwd), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    busy_since: float | None = None
    start = time.monotonic()
    try:
        while proc.poll() is None and time.monotonic() - start < 120:
            if await asyncio.to_thread(busy_writer, db):
                busy_since = busy_since or time.monotonic()
                if time.monotonic() - busy_since >= 0.1:  # the bot's own writes take milliseconds
                    os.kill(proc.pid, signal.SIGKILL)
                    break
            else:
                busy_since = None
            await asyncio.sleep(0.005)
    finally:
        if proc.poll() is None:
            proc.kill()
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, f"the import finished before it was killed: {err.decode()[-500:]}"
    return time.monotonic()


async def test_a_cli_import_killed_midway_never_shows(world: World) -> None:
    a = world.a
    file = world.db.parent / "big.json"
    file.write_text(
        json.dumps(
            [
                {"question": f"해커톤 {i}번 과제는 무엇인가요?", "answer": f"해커톤 과제 {i}"}
                for i in range(IMPORT_FAQS)
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    async with launched(world) as bot:
        argv = [sys.executable, "-m", "faqbot", "faq", "import", str(file), "--guild", a.id, "--db", str(world.db)]
        started = time.monotonic()
        killer = asyncio.create_task(kill_inside_transaction(argv, world.db.parent, world.db))
        asked = 0
        while not killer.done():
            _, content = await ask(world, bot, f"해커톤 {asked % IMPORT_FAQS}번 과제는 무엇인가요?")
            assert "해커톤" not in content, content
            asked += 1
            await asyncio.sleep(0.05)
        killed_at = await killer
        import_s = killed_at - started
        while time.monotonic() - killed_at < 2 * DEADLINE_S:  # a poll or two after the kill
            _, content = await ask(world, bot, "해커톤 7번 과제는 무엇인가요?")
            assert "해커톤" not in content, content
            asked += 1
        assert db_rows(world.db, "SELECT COUNT(*) FROM faqs WHERE answer LIKE '과제 %'") == [(0,)]
        assert db_rows(world.db, "PRAGMA integrity_check") == [("ok",)]
        await index_equals_db(bot, world.db, a.id)
        # The bot still writes (query log) and still follows: the lock died with the importer.
        args = ["add", "--guild", a.id, "-q", "해커톤은 언제 열리나요?", "-a", "8월이에요.", "--force"]
        assert await cli_change_latency(world, bot, args, "해커톤은 언제 열리나요?", "8월이에요.") <= DEADLINE_S
        print(f"import killed inside its transaction {import_s:.1f} s after start; {asked} questions, none showed it")
