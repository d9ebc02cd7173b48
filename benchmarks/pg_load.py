"""Faults and load on PostgreSQL: three faqbot processes, one knowledge base (issue 13).

    python -m benchmarks.pg_load            # 100 guilds × 200 FAQs, 3,000 questions over 60 s (~3-5 min)
    python -m benchmarks.pg_load --quick    # 20 guilds × 50 FAQs, 400 questions over 10 s
    python -m benchmarks.pg_load --json     # one JSON object on stdout

A throw-away PostgreSQL 15 cluster (tests/pgcluster.py) and faqbot worker processes
(tests/hardening/pg_worker.py: the bot's own ``open_service`` with the LISTEN/NOTIFY change
feed, so store, feed, follower and per-scope indexes are the product's). The encoder is the
hashing fake (model/fake.py): this measures the store/feed/index/process machinery, not a
model; a real model adds its encode to every question.

1. Seed: guilds × FAQs, one import transaction per guild (the service's import path),
   the guilds spread over the three processes.
2. Throughput: the same number of distinct questions (one mix) answered by 1, 2 and 3
   processes in this run; guild → process as shards route (guild % n), every process kept
   busy (closed loop). Order 1,2,3 (then 3,2,1 for a second round) so a drift in the
   background load evens out. q/s, and ratios to one process.
3. Load: 3 processes, questions paced evenly over the run across the guilds (30 % about an
   FAQ edited in the last 5 s, so stale answers would show), one admin answer edit per
   ``edit_every_s`` in a random guild from rotating processes; each edit is then followed in
   the other processes until they serve the new text (commit → served latency). Mid-load:
   ``kill -9`` of process p1 (questions for it go to the others), restarted after ``down_s``
   (it rejoins); later PostgreSQL restarts (``pg_ctl -m fast``: every connection cut).
   Afterwards every FAQ in the database is compared with the last committed text, and every
   process is asked every edited FAQ.

Fails (exit 1, :func:`failures`) on: a lost or wrong FAQ; a stale answer (an FAQ's earlier text
served more than 1 s after the next edit's commit, commit and answer times from one clock);
a question not answered by its own FAQ or erroring; an edit never committed; the restarted
process missing an edit made while it was down; a process not converging.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.korean_faqs import VARIANTS, edited_answer, guild_faqs
from tests.hardening.test_pg_processes import Worker, start_worker

STALE_AFTER_S = 1.0
HOT_SHARE = 0.3  # questions about an FAQ edited in the last HOT_WINDOW_S
HOT_WINDOW_S = 5.0
BATCH = 16  # questions per "asks" command in the throughput runs
DEPTH = 2  # such commands in flight per process
PROCESSES = 3
ENCODER_NOTE = "hashing fake encoder (model/fake.py): store/feed/index/process machinery, not a model"


@dataclass(frozen=True)
class Scale:
    guilds: int
    faqs: int
    throughput_questions: int  # per configuration and round
    rounds: int  # 1: order 1,2,3; 2: 1,2,3,3,2,1
    questions: int
    seconds: float
    edit_every_s: float
    kill_at_s: float
    down_s: float  # the killed process is started again this long after the kill
    pg_restart_at_s: float  # not before the restarted process is ready


FULL = Scale(100, 200, 6000, 2, 3000, 60.0, 1.0, 20.0, 2.0, 40.0)
QUICK = Scale(20, 50, 1000, 1, 400, 10.0, 0.5, 3.0, 1.0, 6.5)


@dataclass
class Server:
    """The PostgreSQL under test: where it is, how to stop and start it (None: not ours to restart)."""

    url: str
    stop: Callable[[], None] | None = None
    start: Callable[[], None] | None = None
    pids: Callable[[], list[int]] = lambda: []
    logs: Path | None = None  # the workers' stderr (WARNING and up) goes to files here


@dataclass
class Guild:
    index: int
    scope: str
    questions: list[str]
    answers: list[str]  # as seeded
    ids: list[int] = field(default_factory=list)


# ---- the worker processes -----------------------------------------------------------------------


class Gone(Exception):
    """The worker process exited (killed) before it answered."""


class Proc:
    """A worker driven with concurrent requests (each carries a ``rid``; replies echo it)."""

    def __init__(self, worker: Worker, name: str, spawned: float) -> None:
        self.proc = worker.proc
        self.name = name
        self.spawned = spawned
        self.ready = time.time()
        self._pending: dict[int, asyncio.Future[dict]] = {}
        self._rids = itertools.count()
        self._reader = asyncio.create_task(self._read())

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return self.proc.returncode is None and not self._reader.done()

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            reply = json.loads(line)
            future = self._pending.pop(reply.pop("rid", -1), None)
            if future is not None and not future.done():
                future.set_result(reply)
        for future in self._pending.values():
            if not future.done():
                future.set_exception(Gone(self.name))
        self._pending.clear()

    async def call(self, timeout: float = 60.0, **cmd: Any) -> dict:  # noqa: ASYNC109 (a JSON field too)
        if self._reader.done():
            raise Gone(self.name)
        rid = next(self._rids)
        future: asyncio.Future[dict] = asyncio.get_running_loop().create_future()
        self._pending[rid] = future
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write((json.dumps({**cmd, "rid": rid}, ensure_ascii=False) + "\n").encode())
            await self.proc.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            self._pending.pop(rid, None)
            raise Gone(self.name) from None
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._pending.pop(rid, None)

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no clean-up of any kind

    async def close(self) -> None:
        if self.proc.returncode is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                await asyncio.wait_for(self.proc.wait(), 20)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        with contextlib.suppress(Exception):
            await self._reader


async def spawn(url: str, name: str, logs: Path | None = None) -> Proc:
    """Start a worker (its stderr into ``logs/NAME.log`` when given) and wait until it is ready."""
    spawned = time.time()
    if logs is None:
        return Proc(await start_worker(url), name, spawned)
    with (logs / f"{name}.log").open("ab") as stderr:  # the child keeps its own copy of the descriptor
        return Proc(await start_worker(url, stderr=stderr), name, spawned)


def _ok(reply: dict, what: str) -> dict:
    if "error" in reply:
        raise RuntimeError(f"{what}: {reply['error']}")
    return reply


# ---- CPU accounting (the box is shared: say how much of it others used) ---------------------------


def _busy_jiffies() -> int:
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:9]]
    return sum(fields) - fields[3] - fields[4]  # minus idle and iowait


def _pid_jiffies(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(rest[11]) + int(rest[12])  # utime + stime


def postgres_pids(data_dir: Path) -> list[int]:
    """The postmaster and its children (the backends serving the workers)."""
    try:
        master = int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == master:
                children.append(int(entry.name))
    return [master, *children]


class CpuMeter:
    """Cores used over an interval: the whole machine, this benchmark (driver, workers, PostgreSQL), others."""

    def __init__(self, pids: Callable[[], list[int]]) -> None:
        self.pids = pids
        self.hz = os.sysconf("SC_CLK_TCK")

    def _sample(self) -> tuple[float, int, int, set[int]]:
        pids = {os.getpid(), *self.pids()}
        return time.perf_counter(), _busy_jiffies(), sum(_pid_jiffies(p) for p in pids), pids

    def __enter__(self) -> CpuMeter:
        self._start = self._sample()
        return self

    def __exit__(self, *exc: object) -> None:
        t1, busy1, _, pids1 = self._sample()
        t0, busy0, _, pids0 = self._start
        pids = pids0 | pids1
        ours = sum(_pid_jiffies(p) for p in pids) - self._start[2]
        wall = max(t1 - t0, 1e-9)
        self.machine = (busy1 - busy0) / self.hz / wall
        self.ours = ours / self.hz / wall
        self.others = max(0.0, self.machine - self.ours)


def _loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return "?"


# ---- 1. seed ----------------------------------------------------------------------------------------


async def seed(procs: list[Proc], scale: Scale) -> tuple[list[Guild], dict[str, float]]:
    guilds = []
    for g in range(scale.guilds):
        faqs = guild_faqs(g, scale.faqs)
        guilds.append(Guild(g, f"club{g:03d}", [q for q, _ in faqs], [a for _, a in faqs]))

    async def importer(proc: Proc, mine: list[Guild]) -> None:
        for guild in mine:
            faqs = [[q, a] for q, a in zip(guild.questions, guild.answers, strict=True)]
            guild.ids = _ok(await proc.call(op="import", scope=guild.scope, faqs=faqs, timeout=300), "import")["ids"]

    start = time.perf_counter()
    await asyncio.gather(*(importer(p, guilds[i :: len(procs)]) for i, p in enumerate(procs)))
    imported = time.perf_counter() - start
    start = time.perf_counter()
    await asyncio.gather(*(p.call(op="load_scopes", timeout=600) for p in procs))
    return guilds, {"import_s": imported, "load_all_s": time.perf_counter() - start}


# ---- 2. throughput ------------------------------------------------------------------------------------


async def _closed_loop(
    procs: list[Proc], items: list[tuple[int, int, int]], guilds: list[Guild], server: Server
) -> dict:
    shares: list[list[tuple[int, int, int]]] = [[] for _ in procs]
    for item in items:
        shares[item[0] % len(procs)].append(item)
    wrong = 0

    async def run_share(proc: Proc, share: list[tuple[int, int, int]]) -> None:
        nonlocal wrong
        batches = iter([share[i : i + BATCH] for i in range(0, len(share), BATCH)])

        async def lane() -> None:
            nonlocal wrong
            for batch in batches:  # the lanes share the iterator
                asked = [[guilds[g].scope, VARIANTS[v](guilds[g].questions[f])] for g, f, v in batch]
                reply = _ok(await proc.call(op="asks", items=asked, timeout=300), "asks")
                for (g, f, _), (status, faq_id, _) in zip(batch, reply["answers"], strict=True):
                    wrong += status != "answer" or faq_id != guilds[g].ids[f]

        await asyncio.gather(*(lane() for _ in range(DEPTH)))

    meter = CpuMeter(lambda: [*(p.pid for p in procs), *server.pids()])
    with meter:
        start = time.perf_counter()
        await asyncio.gather(*(run_share(p, s) for p, s in zip(procs, shares, strict=True)))
        took = time.perf_counter() - start
    return {
        "processes": len(procs),
        "questions": len(items),
        "seconds": round(took, 3),
        "qps": round(len(items) / took, 1),
        "not_answered_by_own_faq": wrong,
        "cores_machine": round(meter.machine, 2),
        "cores_others": round(meter.others, 2),
    }


async def throughput(procs: list[Proc], guilds: list[Guild], scale: Scale, server: Server, rng: random.Random) -> dict:
    combos = [(g, f, v) for g in range(scale.guilds) for f in range(scale.faqs) for v in range(len(VARIANTS))]
    rng.shuffle(combos)  # distinct questions for every run: no run profits from an earlier one's caches
    order = list(itertools.chain.from_iterable([1, 2, 3] if r % 2 == 0 else [3, 2, 1] for r in range(scale.rounds)))
    runs = []
    for i, n in enumerate(order):
        start = i * scale.throughput_questions
        items = [combos[(start + j) % len(combos)] for j in range(scale.throughput_questions)]
        runs.append(await _closed_loop(procs[:n], items, guilds, server))
        progress(f"throughput: {n} process(es): {runs[-1]['qps']} q/s")
    mean = {n: statistics.mean(r["qps"] for r in runs if r["processes"] == n) for n in (1, 2, 3)}
    return {
        "order": order,
        "runs": runs,
        "qps": {str(n): round(q, 1) for n, q in mean.items()},
        "ratio_to_1": {str(n): round(q / mean[1], 2) for n, q in mean.items()},
    }


# ---- 3. the load run, with faults -------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


async def _sleep_until(at: float) -> None:
    delay = at - time.time()
    if delay > 0:
        await asyncio.sleep(delay)


class LoadRun:
    def __init__(self, procs: list[Proc], guilds: list[Guild], scale: Scale, server: Server, rng: random.Random):
        self.slots: list[Proc | None] = list(procs)  # guild g's process is slot g % 3
        self.all_procs = list(procs)
        self.guilds = guilds
        self.scale = scale
        self.server = server
        self.rng = rng
        # (guild, faq) → [(text, commit wall time)], the seeded text first
        self.versions: dict[tuple[int, int], list[tuple[str, float]]] = {}
        self.recent: deque[tuple[int, int, float]] = deque()
        self.editing: set[tuple[int, int]] = set()
        self.answers: list[dict] = []
        self.edits: list[dict] = []
        self.follow_lags: list[float] = []
        self.follow_at: list[tuple[float, str, float]] = []  # (lag, process, commit time in the run)
        self.follow_misses: list[dict] = []
        self.events: dict[str, Any] = {}
        self.t0 = 0.0

    # -- routing ---------------------------------------------------------------------------------------

    def route(self, guild: int) -> tuple[Proc | None, bool]:
        """The guild's own process, or the next live one (True: re-routed away from a dead one)."""
        home = guild % PROCESSES
        for k in range(PROCESSES):
            proc = self.slots[(home + k) % PROCESSES]
            if proc is not None and proc.alive:
                return proc, k > 0
        return None, True

    def live(self) -> list[Proc]:
        return [p for p in self.slots if p is not None and p.alive]

    def version_text(self, g: int, f: int) -> list[tuple[str, float]]:
        return self.versions.setdefault((g, f), [(self.guilds[g].answers[f], 0.0)])

    # -- members ---------------------------------------------------------------------------------------

    def pick(self) -> tuple[int, int]:
        now = time.time()
        while self.recent and self.recent[0][2] < now - HOT_WINDOW_S:
            self.recent.popleft()
        if self.recent and self.rng.random() < HOT_SHARE:
            g, f, _ = self.rng.choice(self.recent)
            return g, f
        return self.rng.randrange(self.scale.guilds), self.rng.randrange(self.scale.faqs)

    async def question(self, i: int, at: float) -> None:
        await _sleep_until(at)
        g, f = self.pick()
        guild = self.guilds[g]
        text = VARIANTS[self.rng.randrange(len(VARIANTS))](guild.questions[f])
        rec: dict[str, Any] = {"i": i, "g": g, "f": f, "sent": time.time()}
        for _ in range(PROCESSES):
            proc, rerouted = self.route(g)
            if proc is None:
                rec["error"] = "no live process"
                break
            if rerouted:
                rec["routed_to_dead"] = True
            rec["proc"] = proc.name
            try:
                reply = await proc.call(op="ask", scope=guild.scope, q=text, timeout=15)
            except Gone:  # killed while it held the question: the others take it
                rec["in_flight_at_kill"] = True
                rec["routed_to_dead"] = True
                continue
            except TimeoutError:
                rec["error"] = "no reply within 15 s"
                break
            if "error" in reply:
                rec.update(error=reply["error"], t=time.time())
            else:
                rec.update(status=reply["status"], faq_id=reply["faq_id"], answer=reply["answer"], t=reply["t"])
            break
        self.answers.append(rec)

    # -- admins ----------------------------------------------------------------------------------------

    def editor(self, k: int) -> Proc | None:
        for j in range(PROCESSES):
            proc = self.slots[(k + j) % PROCESSES]
            if proc is not None and proc.alive:
                return proc
        return None

    async def edit(self, k: int) -> None:
        while True:
            g, f = self.rng.randrange(self.scale.guilds), self.rng.randrange(self.scale.faqs)
            if (g, f) not in self.editing and all((g, f) != (rg, rf) for rg, rf, _ in self.recent):
                break
        self.editing.add((g, f))
        guild = self.guilds[g]
        text = edited_answer(guild.answers[f], k)
        rec: dict[str, Any] = {"k": k, "g": g, "f": f, "text": text, "refused": [], "asked": time.time()}
        self.edits.append(rec)
        deadline = time.time() + 30
        while time.time() < deadline:
            proc = self.editor(k)
            if proc is None:
                await asyncio.sleep(0.2)
                continue
            started = time.time()
            try:
                reply = await proc.call(op="edit", scope=guild.scope, id=guild.ids[f], a=text, timeout=30)
            except (Gone, TimeoutError) as exc:  # outcome unknown: the same text again settles it
                rec["refused"].append({"proc": proc.name, "at": started - self.t0, "error": type(exc).__name__})
                rec["uncertain"] = True
                await asyncio.sleep(0.2)
                continue
            if "error" in reply:
                rec["refused"].append({"proc": proc.name, "at": started - self.t0, "error": reply["error"]})
                await asyncio.sleep(0.5)
                continue
            rec.update(proc=proc.name, started=started, committed=reply["committed"])
            break
        else:
            rec["failed"] = True
            self.editing.discard((g, f))
            return
        self.version_text(g, f).append((text, rec["committed"]))
        self.recent.append((g, f, rec["committed"]))
        self.editing.discard((g, f))
        others = [p for p in self.live() if p is not proc]
        seen = await asyncio.gather(
            *(p.call(op="until", scope=guild.scope, q=guild.questions[f], answer=text, timeout=5) for p in others),
            return_exceptions=True,
        )
        for p, s in zip(others, seen, strict=True):
            if isinstance(s, dict) and "seen" in s:
                self.follow_lags.append(s["seen"] - rec["committed"])
                self.follow_at.append((s["seen"] - rec["committed"], p.name, rec["committed"] - self.t0))
            else:
                self.follow_misses.append({"k": k, "proc": p.name, "at": round(rec["committed"] - self.t0, 2)})

    async def edit_loop(self) -> None:
        tasks = []
        for k in itertools.count(1):
            at = self.t0 + (k - 0.5) * self.scale.edit_every_s
            if at >= self.t0 + self.scale.seconds:
                break
            await _sleep_until(at)
            tasks.append(asyncio.create_task(self.edit(k)))
        await asyncio.gather(*tasks)

    # -- faults ----------------------------------------------------------------------------------------

    async def faults(self) -> None:
        await _sleep_until(self.t0 + self.scale.kill_at_s)
        victim = self.slots[1]
        assert victim is not None
        killed = time.time()
        victim.kill()
        self.slots[1] = None
        progress(f"load: kill -9 {victim.name} (pid {victim.pid}) at {killed - self.t0:.1f} s")
        await _sleep_until(killed + self.scale.down_s)
        fresh = await spawn(self.server.url, "p1b", self.server.logs)
        self.all_procs.append(fresh)
        ready = time.time()
        # The first question after start-up, about an FAQ edited while it was down when there is one.
        down_edits = [e for e in self.edits if "committed" in e and killed <= e["committed"] <= ready]
        probe = down_edits[-1] if down_edits else None
        g, f = (probe["g"], probe["f"]) if probe else (0, 0)
        first = await self.ask_current(fresh, g, f)
        self.slots[1] = fresh  # questions for its guilds come back to it
        missed = []
        for e in down_edits:
            answer = await self.ask_current(fresh, e["g"], e["f"])
            if not answer["current"]:
                missed.append(e["k"])
        self.events["kill"] = {
            "proc": victim.name,
            "at_s": round(killed - self.t0, 2),
            "restart_at_s": round(fresh.spawned - self.t0, 2),
            "start_to_ready_s": round(ready - fresh.spawned, 2),
            "start_to_first_correct_answer_s": round(first["t"] - fresh.spawned, 2) if first["current"] else None,
            "edits_while_down": len(down_edits),
            "edits_while_down_missed": missed,
        }
        progress(
            f"load: {fresh.name} ready {ready - fresh.spawned:.1f} s after its start, "
            f"{len(down_edits)} edits made while it was down, {len(missed)} missed"
        )
        if self.server.stop is None or self.server.start is None:
            self.events["pg_restart"] = {"skipped": "the server is not this run's own"}
            return
        await _sleep_until(self.t0 + self.scale.pg_restart_at_s)
        began = time.time()
        await asyncio.to_thread(self.server.stop)
        stopped = time.time()
        await asyncio.to_thread(self.server.start)
        up = time.time()
        self.events["pg_restart"] = {
            "at_s": round(began - self.t0, 2),
            "stop_s": round(stopped - began, 2),
            "down_s": round(up - began, 2),
            "_began": began,
            "_up": up,
        }
        progress(f"load: PostgreSQL restarted at {began - self.t0:.1f} s, up again after {up - began:.2f} s")

    async def ask_current(self, proc: Proc, g: int, f: int) -> dict:
        """Ask ``proc`` about FAQ (g, f); ``current``: it answered with the newest committed text."""
        guild = self.guilds[g]
        reply = _ok(await proc.call(op="ask", scope=guild.scope, q=guild.questions[f]), "ask")
        newest = self.version_text(g, f)[-1][0]
        return {**reply, "current": reply["faq_id"] == guild.ids[f] and reply["answer"] == newest}

    # -- the run ---------------------------------------------------------------------------------------

    async def run(self) -> dict:
        scale = self.scale
        self.t0 = time.time() + 0.2
        spacing = scale.seconds / scale.questions
        tasks = [
            asyncio.create_task(self.question(i, self.t0 + (i + self.rng.random()) * spacing))
            for i in range(scale.questions)
        ]
        load_before = _loadavg()
        meter = CpuMeter(lambda: [p.pid for p in self.live()])
        with meter:
            await asyncio.gather(self.edit_loop(), self.faults(), *tasks)
        ended = time.time()
        await asyncio.sleep(1.5)
        if "pg_restart" in self.events and "skipped" not in self.events["pg_restart"]:
            await self.reloaded_after_restart()
        converge = await self.convergence()
        logs = await self.logs()
        return self.report(ended, converge, logs, load_before, meter)

    async def reloaded_after_restart(self, within_s: float = 180.0) -> None:
        """Wait until every live process logged the end of its full reload after the restart."""
        began = self.events["pg_restart"]["_began"]
        deadline = time.time() + within_s
        while time.time() < deadline:
            pending = 0
            for proc in self.live():
                records = _ok(await proc.call(op="log"), "log")["records"]
                pending += not any(t >= began and "after a reconnect" in m for t, _, m in records)
            if not pending:
                return
            await asyncio.sleep(0.5)

    async def convergence(self) -> dict:
        edited = sorted({(e["g"], e["f"]) for e in self.edits if "committed" in e})
        behind: list[dict] = []
        for proc in self.live():
            for g, f in edited:
                if not (await self.ask_current(proc, g, f))["current"]:
                    behind.append({"proc": proc.name, "guild": g, "faq": f})
        return {"processes": len(self.live()), "edited_faqs": len(edited), "behind": behind}

    async def logs(self) -> dict[str, list]:
        out = {}
        for proc in self.live():
            out[proc.name] = _ok(await proc.call(op="log"), "log")["records"]
            if self.server.logs is not None:  # beside its stderr, for a look at a failed run
                lines = (f"{t - self.t0:8.3f} {logger} {message}" for t, logger, message in out[proc.name])
                (self.server.logs / f"{proc.name}.records").write_text("\n".join(lines) + "\n")
        return out

    # -- analysis --------------------------------------------------------------------------------------

    def classify(self) -> dict:
        stale: list[dict] = []
        unknown = within = edited = 0
        for rec in self.answers:
            if rec.get("status") != "answer" or rec.get("faq_id") != self.guilds[rec["g"]].ids[rec["f"]]:
                continue
            versions = self.version_text(rec["g"], rec["f"])
            texts = [t for t, _ in versions]
            if rec["answer"] not in texts:
                unknown += 1  # an uncommitted text would land here
                continue
            shown = texts.index(rec["answer"])
            rec["version"] = shown  # 0: as seeded; n: the FAQ's n-th edit in this run
            edited += shown > 0
            due = max(j for j, (_, c) in enumerate(versions) if c <= rec["t"] - STALE_AFTER_S)
            newest = max(j for j, (_, c) in enumerate(versions) if c <= rec["t"])
            if shown < due:
                age = rec["t"] - versions[shown + 1][1]
                stale.append({"i": rec["i"], "proc": rec["proc"], "at_s": round(rec["t"] - self.t0, 2), "age_s": age})
            elif shown < newest:
                within += 1
        if self.server.logs is not None:  # every answer with the FAQ version it showed
            with (self.server.logs / "answers.jsonl").open("w") as out:
                for rec in sorted(self.answers, key=lambda r: r["i"]):
                    out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        return {
            "stale": stale,
            "unknown_text": unknown,
            "older_text_within_1s": within,
            "answers_showing_an_edit": edited,
        }

    def report(self, ended: float, converge: dict, logs: dict, load_before: str, meter: CpuMeter) -> dict:
        answers = self.answers
        answered = [
            r for r in answers if r.get("status") == "answer" and r["faq_id"] == self.guilds[r["g"]].ids[r["f"]]
        ]
        errors = [r for r in answers if "error" in r]
        other = len(answers) - len(answered) - len(errors)
        latencies = [r["t"] - r["sent"] for r in answers if "t" in r and "error" not in r]
        pg = self.events.get("pg_restart", {})
        began, up = pg.pop("_began", None), pg.pop("_up", None)
        if began is not None and up is not None:
            pg.update(self._recovery(began, up, logs))
            window = [r for r in answers if began <= r["sent"] <= up + 5]
            pg["questions_during_outage"] = len(window)
            pg["question_errors_during_outage"] = sum(1 for r in window if "error" in r)
            pg["edits_refused"] = sum(
                1 for e in self.edits for a in e["refused"] if began <= a["at"] + self.t0 <= up + 10
            )
            refusals = {a["error"][:160] for e in self.edits for a in e["refused"]}
            pg["refusal_messages"] = sorted(refusals)
            later = [e for e in self.edits if e.get("committed", 0) > up]
            if later:
                first = min(later, key=lambda e: e["committed"])
                pg["first_edit_committed_after_up_s"] = round(first["committed"] - up, 2)
        committed = [e for e in self.edits if "committed" in e]
        return {
            "questions": len(answers),
            "seconds": round(ended - self.t0, 1),
            "answered_by_own_faq": len(answered),
            "not_answered_by_own_faq": other,
            "errors": len(errors),
            "error_examples": sorted({r["error"][:160] for r in errors})[:5],
            "routed_to_dead_process": sum(1 for r in answers if r.get("routed_to_dead")),
            "in_flight_at_kill": sum(1 for r in answers if r.get("in_flight_at_kill")),
            "answer_latency_ms": {"p50": _ms(_pct(latencies, 0.5)), "p99": _ms(_pct(latencies, 0.99))},
            "edits": len(self.edits),
            "edits_committed": len(committed),
            "edits_failed": [e["k"] for e in self.edits if e.get("failed")],
            "edits_uncertain": [e["k"] for e in self.edits if e.get("uncertain")],
            "follow_ms": {
                "n": len(self.follow_lags),
                "p50": _ms(_pct(self.follow_lags, 0.5)),
                "p99": _ms(_pct(self.follow_lags, 0.99)),
                "max": _ms(max(self.follow_lags, default=None)),
            },
            "follow_slowest": [
                {"ms": _ms(lag), "proc": name, "commit_at_s": round(at, 1)}
                for lag, name, at in sorted(self.follow_at, reverse=True)[:5]
            ],
            "follow_misses": self.follow_misses,
            **self.classify(),
            "kill": self.events.get("kill"),
            "pg_restart": pg,
            "convergence": converge,
            "load_before": load_before,
            "load_after": _loadavg(),
            "cores_machine": round(meter.machine, 2),
        }

    def _recovery(self, began: float, up: float, logs: dict[str, list]) -> dict:
        per_proc = {}
        for name, records in logs.items():
            after = [(t, logger, msg) for t, logger, msg in records if t >= began]
            reconnected = next((t for t, lg, m in after if lg.endswith("notify_feed") and "reconnected" in m), None)
            reloaded = next(((t, m) for t, lg, m in after if lg == "faq.changes" and "after a reconnect" in m), None)
            per_proc[name] = {
                "feed_reconnected_after_up_s": None if reconnected is None else round(reconnected - up, 2),
                "reload_done_after_up_s": None if reloaded is None else round(reloaded[0] - up, 2),
                "reload_log": None if reloaded is None else reloaded[1],
            }
        return {"processes": per_proc}


async def verify_store(url: str, guilds: list[Guild], run: LoadRun) -> dict:
    """Every guild's FAQs in the database: the seeded ids, each with its last committed text."""
    from faq.store import FaqStore

    store = await FaqStore.open(url)
    lost: list[tuple[str, int]] = []
    wrong: list[tuple[str, int]] = []
    extra = 0
    counts = await store.scope_counts()
    try:
        for guild in guilds:
            stored = {faq.id: faq for faq in await store.list_faqs(guild.scope)}
            extra += len(set(stored) - set(guild.ids))
            for f, faq_id in enumerate(guild.ids):
                faq = stored.get(faq_id)
                if faq is None:
                    lost.append((guild.scope, faq_id))
                    continue
                expected = run.version_text(guild.index, f)[-1][0]
                failed = [e["text"] for e in run.edits if e.get("failed") and (e["g"], e["f"]) == (guild.index, f)]
                if faq.answer != expected and faq.answer not in failed:
                    wrong.append((guild.scope, faq_id))
    finally:
        await store.close()
    return {
        "guilds": len(guilds),
        "faqs_expected": sum(len(g.ids) for g in guilds),
        "faqs_found": sum(counts.get(g.scope, 0) for g in guilds),
        "lost": lost,
        "wrong_text": wrong,
        "extra": extra,
    }


# ---- all of it ----------------------------------------------------------------------------------------


def progress(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


async def measure(scale: Scale, server: Server, *, seed_value: int = 13, with_throughput: bool = True) -> dict:
    """Seed, (throughput,) load with faults, verify; the report as a JSON-able dict."""
    rng = random.Random(seed_value)
    report: dict[str, Any] = {"scale": asdict(scale), "encoder": ENCODER_NOTE, "load_before": _loadavg()}
    started = time.perf_counter()
    procs = list(await asyncio.gather(*(spawn(server.url, f"p{i}", server.logs) for i in range(PROCESSES))))
    run: LoadRun | None = None
    try:
        report["start_s"] = round(time.perf_counter() - started, 1)
        guilds, seeded = await seed(procs, scale)
        report["seed"] = {k: round(v, 1) for k, v in seeded.items()}
        progress(f"seeded {scale.guilds} guilds × {scale.faqs} FAQs: {seeded}")
        if with_throughput:
            report["throughput"] = await throughput(procs, guilds, scale, server, rng)
        run = LoadRun(procs, guilds, scale, server, rng)
        progress(f"load: {scale.questions} questions over {scale.seconds:.0f} s")
        report["load"] = await run.run()
        report["store"] = await verify_store(server.url, guilds, run)
    finally:
        for proc in run.all_procs if run else procs:
            await proc.close()
    report["took_s"] = round(time.perf_counter() - started, 1)
    return report


def failures(report: dict) -> list[str]:
    load, store = report["load"], report["store"]
    out = []
    if store["lost"] or store["wrong_text"] or store["faqs_found"] != store["faqs_expected"]:
        out.append(f"FAQs lost {len(store['lost'])}, wrong text {len(store['wrong_text'])}")
    if load["stale"]:
        out.append(f"{len(load['stale'])} stale answers (older text > {STALE_AFTER_S:.0f} s after the next commit)")
    if load["errors"] or load["not_answered_by_own_faq"] or load["unknown_text"]:
        out.append(
            f"questions: {load['errors']} errors, {load['not_answered_by_own_faq']} not answered by their FAQ, "
            f"{load['unknown_text']} with an unknown text"
        )
    if load["edits_failed"]:
        out.append(f"edits never committed: {load['edits_failed']}")
    if load["kill"] is None or load["kill"]["edits_while_down_missed"]:
        out.append("the restarted process missed edits made while it was down")
    if load["convergence"]["behind"]:
        out.append(f"processes behind at the end: {load['convergence']['behind'][:5]}")
    for run in report.get("throughput", {}).get("runs", []):
        if run["not_answered_by_own_faq"]:
            out.append(f"throughput run with {run['processes']} processes: {run['not_answered_by_own_faq']} wrong")
    return out


def machine() -> dict:
    model = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    from tests import pgcluster

    found = pgcluster.bin_dir()
    version = "?"
    if found is not None:
        with contextlib.suppress(OSError):
            version = subprocess.run(
                [str(found / "postgres"), "--version"], capture_output=True, text=True
            ).stdout.strip()
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(), "postgresql": version}


def format_report(report: dict) -> str:
    m, load, store = report["machine"], report["load"], report["store"]
    lines = [
        f"machine: {m['cpu']}, {m['cores']} cores (shared with other sessions), {m['postgresql']}, "
        f"Python {m['python']}; load average before: {report['load_before']}",
        f"encoder: {report['encoder']}",
        f"{PROCESSES} worker processes started in {report['start_s']} s; seed "
        f"{store['guilds']} guilds × {report['scale']['faqs']} FAQs: import {report['seed']['import_s']} s "
        f"(one transaction per guild), every process loading every scope {report['seed']['load_all_s']} s",
    ]
    if tp := report.get("throughput"):
        lines.append(
            f"throughput ({report['scale']['throughput_questions']} distinct questions per run, order "
            f"{','.join(map(str, tp['order']))}; {m['cores']} CPU cores, so 3 processes share 2 cores):"
        )
        for r in tp["runs"]:
            lines.append(
                f"  {r['processes']} process(es): {r['qps']:7.1f} q/s  ({r['seconds']:.2f} s; machine busy "
                f"{r['cores_machine']:.2f} cores, others {r['cores_others']:.2f})"
            )
        lines.append(
            "  mean q/s  "
            + "  ".join(f"{n}: {q}" for n, q in tp["qps"].items())
            + "   ratio to 1 process  "
            + "  ".join(f"{n}: {r}×" for n, r in tp["ratio_to_1"].items())
        )
        if min(r["seconds"] for r in tp["runs"]) < 2:
            lines.append("  (runs this short are noise on a shared box: compare the full run's ratios)")
    kill, pg = load["kill"] or {}, load["pg_restart"]
    lines += [
        f"load: {load['questions']} questions over {load['seconds']} s, 3 processes, load average before "
        f"{load['load_before']}, after {load['load_after']}, machine busy {load['cores_machine']} cores",
        f"  answered by their own FAQ {load['answered_by_own_faq']}/{load['questions']}, not "
        f"{load['not_answered_by_own_faq']}, errors {load['errors']} {load['error_examples'] or ''}",
        f"  answer latency p50 {load['answer_latency_ms']['p50']} ms, p99 {load['answer_latency_ms']['p99']} ms",
        f"  routed to the dead process (re-routed to the others) {load['routed_to_dead_process']}, of which in "
        f"flight at the kill {load['in_flight_at_kill']}",
        f"  admin edits {load['edits_committed']}/{load['edits']} committed; failed {load['edits_failed']}, "
        f"outcome unknown then retried {load['edits_uncertain']}",
        f"  commit → served by each other process: n {load['follow_ms']['n']}, p50 {load['follow_ms']['p50']} ms, "
        f"p99 {load['follow_ms']['p99']} ms, max {load['follow_ms']['max']} ms; not within 5 s: "
        f"{len(load['follow_misses'])} {load['follow_misses'][:4] or ''}",
        "    slowest: "
        + ", ".join(f"{f['ms']} ms ({f['proc']}, edit at {f['commit_at_s']} s)" for f in load["follow_slowest"]),
        f"  answers showing an edited text {load['answers_showing_an_edit']}; stale answers (an older text > 1 s "
        f"after the newer one's commit) {len(load['stale'])}; older text within 1 s {load['older_text_within_1s']}; "
        f"text of no committed version {load['unknown_text']}",
        f"  kill -9 {kill.get('proc')} at {kill.get('at_s')} s, restarted at {kill.get('restart_at_s')} s: ready "
        f"after {kill.get('start_to_ready_s')} s, first correct answer {kill.get('start_to_first_correct_answer_s')} "
        f"s after its start; edits made while down {kill.get('edits_while_down')}, missed "
        f"{kill.get('edits_while_down_missed')}",
    ]
    if "skipped" in pg:
        lines.append(f"  PostgreSQL restart: skipped ({pg['skipped']})")
    else:
        lines.append(
            f"  PostgreSQL restart at {pg['at_s']} s: down {pg['down_s']} s; questions meanwhile (to 5 s after) "
            f"{pg['questions_during_outage']}, errors {pg['question_errors_during_outage']}; edit attempts refused "
            f"{pg['edits_refused']}; first edit committed {pg.get('first_edit_committed_after_up_s')} s after it was up"
        )
        for name, rec in pg["processes"].items():
            lines.append(
                f"    {name}: change feed reconnected {rec['feed_reconnected_after_up_s']} s after up, caught up "
                f"{rec['reload_done_after_up_s']} s after up ({rec['reload_log']})"
            )
        for message in pg["refusal_messages"][:3]:
            lines.append(f"    refused: {message}")
    conv = load["convergence"]
    lines += [
        f"  at the end: {conv['processes']} processes asked {conv['edited_faqs']} edited FAQs, behind "
        f"{len(conv['behind'])}",
        f"store: {store['faqs_found']}/{store['faqs_expected']} FAQs in {store['guilds']} guilds, lost "
        f"{len(store['lost'])}, wrong text {len(store['wrong_text'])}, extra {store['extra']}",
        f"took {report['took_s']} s",
    ]
    return "\n".join(lines)


async def main_async(scale: Scale, logs: Path) -> dict:
    from tests import pgcluster
    from tests.pg_fixtures import admin, with_params

    cluster = pgcluster.start()
    try:
        await admin(cluster.dsn(), "CREATE SCHEMA bench")
        server = Server(
            url=with_params(cluster.dsn(), search_path="bench"),
            stop=cluster.stop,
            start=cluster.start,
            pids=lambda: postgres_pids(cluster.data),
            logs=logs,
        )
        return await measure(scale, server)
    finally:
        cluster.stop("immediate")
        shutil.rmtree(cluster.root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20 guilds × 50 FAQs, 400 questions over 10 s")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="keep the workers' logs and every answer (answers.jsonl) in DIR"
    )
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    logs = args.keep or Path(tempfile.mkdtemp(prefix="faqbot-pg-load-"))
    report = asyncio.run(main_async(QUICK if args.quick else FULL, logs))
    report["machine"] = machine()
    report["failures"] = failures(report)
    print(json.dumps(report, ensure_ascii=False) if args.json else format_report(report))
    for line in report["failures"]:
        print(f"FAILED: {line}", file=sys.stderr)
    if report["failures"] or args.keep:
        print(f"the workers' logs and every answer: {logs}", file=sys.stderr)
    else:
        shutil.rmtree(logs, ignore_errors=True)
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
