"""Load through the fake Discord: many members asking at once across guilds.

    python benchmarks/load.py                 # full run: 1,000 questions, 50 users, 3 guilds, 60 s
    python benchmarks/load.py --quick         # CI scale (tests/hardening/test_load.py runs this)
    python benchmarks/load.py --json          # one JSON object

The real ``FaqBot`` (unmodified discord.py client, offline default model, SQLite on disk) runs
against ``tests/fakediscord`` in this process. Questions are the club's held-out queries and
out-of-scope chat, paced evenly over the run: 70 % mention the bot (always answered), 30 % are
posted in each guild's FAQ channel (answered when something fits, at most once per user per
cooldown). Each guild's FAQ answers carry a ``[G<n>]`` tag so a reply from another guild's
FAQs shows. Checked, and printed:

- every mention is answered exactly once, every FAQ-channel message at most once, and the
  ones that should be (a match, user not cooling down) are; every reply to the right guild;
- cooldowns hold: a user's FAQ-channel answers in one guild are ``cooldown_s`` apart;
- event-loop lag (a 10 ms ticker's overshoot) stays under 100 ms; note the fake Discord
  shares the loop, so this is an upper bound for the bot alone;
- RSS after the run (and a GC) is back near the baseline taken after warm-up.

Exit status 1 when any check fails. docs/reliability.md records the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import os
import random
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import psutil

from bot.client import FaqBot
from faq.activity import ActivityLog
from faq.scope_config import ScopeConfigs
from faq.seed import bundled_faqs
from faq.types import FaqDraft, Status
from faqbot.app import open_service
from faqbot.settings import BotSettings
from model.encoder import load_encoder
from tests.fakediscord import FakeDiscord, fake_user, member_payload, started_bot, text_channel

log = logging.getLogger("benchmarks.load")

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "model" / "data" / "club_heldout.json"
LAG_LIMIT_S = 0.100
RSS_SLACK_BYTES = 40 * 2**20  # allocator/arena noise after ~1,000 answers; a leak grows past this


@dataclass(frozen=True, slots=True)
class Scale:
    questions: int = 1000
    users: int = 50
    guilds: int = 3
    duration_s: float = 60.0
    cooldown_s: float = 30.0
    mention_share: float = 0.7
    seed: int = 7


QUICK = Scale(questions=150, users=15, guilds=3, duration_s=6.0, cooldown_s=2.0)


@dataclass
class Report:
    scale: dict[str, Any]
    sent: int = 0
    mentions: int = 0
    channel_messages: int = 0
    replies: int = 0
    answered_mentions: int = 0
    answered_channel: int = 0
    expected_channel: int = 0
    elapsed_s: float = 0.0
    lag_max_ms: float = 0.0
    lag_p99_ms: float = 0.0
    lag_over_50ms: int = 0
    gc_max_ms: float = 0.0
    gc_full: int = 0
    rss_baseline_mb: float = 0.0
    rss_peak_mb: float = 0.0
    rss_after_mb: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class Sent:
    guild: int
    channel: str
    user: int
    text: str
    passive: bool
    message: dict[str, Any]
    at: float


def questions(rng: random.Random) -> list[str]:
    data = json.loads(HELDOUT.read_text(encoding="utf-8"))
    texts = [q["query"] for q in data["queries"]] + list(data["out_of_scope"])
    rng.shuffle(texts)
    return texts


def tagged_faqs(guild: int) -> list[FaqDraft]:
    return [FaqDraft(d.question, f"[G{guild}] {d.answer}", d.alternates) for d in bundled_faqs()]


def rss() -> int:
    return psutil.Process().memory_info().rss


class LagMeter:
    def __init__(self, interval_s: float = 0.01) -> None:
        self.interval_s = interval_s
        self.samples: list[float] = []
        self.peak_rss = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.interval_s)
            self.samples.append(max(0.0, time.perf_counter() - before - self.interval_s))
            if len(self.samples) % 10 == 0:
                self.peak_rss = max(self.peak_rss, rss())

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        # A full collection walks every object (Kiwi, the indexes): the usual cause of a lag spike.
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc_pauses.append((info.get("generation", -1), time.perf_counter() - self._gc_started))

    def __enter__(self) -> LagMeter:
        self.gc_pauses: list[tuple[int, float]] = []
        self._gc_started = 0.0
        gc.callbacks.append(self._gc)
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._gc)
        if self._task is not None:
            self._task.cancel()


def reference_of(call: Any) -> str | None:
    ref = (call.json.get("message_reference") or {}).get("message_id")
    return None if ref is None else str(ref)


async def run(scale: Scale, *, workdir: Path, gc_freeze: bool = False) -> Report:
    rng = random.Random(scale.seed)
    report = Report(scale=asdict(scale))
    settings = BotSettings(  # type: ignore[call-arg]
        _env_file=None,
        discord_token="fake-token",
        db=workdir / "load.db",
        cooldown_s=scale.cooldown_s,
        model_poll_s=0,
        query_log_days=0,
        # Per-member limits off: 50 users asking 1,000 questions a minute is the load being measured.
        max_questions_per_hour=0,
        max_concurrent_per_member=0,
    )
    encoder = load_encoder("static")  # the bot's machinery under load, as docs/reliability.md measured it
    async with FakeDiscord() as fd, open_service(settings, encoder=encoder) as service:
        users = [fake_user(name=f"user{i}") for i in range(scale.users)]
        guilds: list[dict[str, Any]] = []
        channels: list[tuple[str, str]] = []  # (general, faq channel) per guild
        faq_ids: list[set[int]] = []
        for g in range(scale.guilds):
            general, faq_channel = text_channel("general"), text_channel("질문-답변", position=1)
            guild = await fd.guild_create(
                name=f"club{g}", channels=[general, faq_channel], members=[member_payload(u) for u in users]
            )
            guilds.append(guild)
            channels.append((general["id"], faq_channel["id"]))
            added = await service.import_drafts(str(guild["id"]), tagged_faqs(g), "load")
            faq_ids.append({f.id for f in added.added})
        bot = FaqBot(
            service=service,
            activity_log=ActivityLog(service.store),
            configs=ScopeConfigs(service.store),
            settings=settings,
        )
        async with started_bot(bot, fd):
            assert bot.user is not None
            for g, guild in enumerate(guilds):
                await bot.configs.add_channel(str(guild["id"]), str(channels[g][1]))
            pool = questions(rng)
            # What each question should get, per guild (the answer depends only on text and FAQs).
            expected: dict[tuple[int, str], Status] = {}
            for g, guild in enumerate(guilds):
                for text in pool:
                    expected[(g, text)] = (await service.ask(str(guild["id"]), text)).status
            # Warm-up, then the memory baseline.
            for i in range(20):
                await fd.message_create(channels[0][0], users[i % len(users)], f"<@{bot.user.id}> {pool[i]}")
            await fd.wait_for_message(channels[0][0], lambda c: len(fd.messages_sent(channels[0][0])) >= 20, 30)
            await asyncio.sleep(0.2)
            gc.collect()
            if gc_freeze:  # what a gc.freeze() after start-up would give the bot (docs/reliability.md)
                gc.freeze()
            baseline = rss()
            sent: list[Sent] = []
            with LagMeter() as meter:
                start = time.monotonic()
                for i in range(scale.questions):
                    due = start + i * scale.duration_s / scale.questions
                    await asyncio.sleep(max(0.0, due - time.monotonic()))
                    g = rng.randrange(scale.guilds)
                    u = rng.randrange(scale.users)
                    text = pool[rng.randrange(len(pool))]
                    passive = rng.random() >= scale.mention_share
                    channel = channels[g][1] if passive else channels[g][0]
                    content = text if passive else f"<@{bot.user.id}> {text}"
                    message = await fd.message_create(channel, users[u], content)
                    sent.append(Sent(g, channel, u, text, passive, message, time.monotonic()))
                # Drain: every mention has its reply, and nothing new arrives for a moment.
                mention_ids = {str(s.message["id"]) for s in sent if not s.passive}
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    got = {reference_of(c) for ch in channels for c in fd.messages_sent(ch[0])}
                    if mention_ids <= got:
                        break
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.5)
                await fd.settle()
                report.elapsed_s = round(time.monotonic() - start, 2)
            await bot.drain(5)
            calls = [(g, c) for g, ch in enumerate(channels) for chan in ch for c in fd.messages_sent(chan)]
            report.rss_peak_mb = round(max(meter.peak_rss, rss()) / 2**20, 1)
            lags = sorted(meter.samples)
            report.lag_max_ms = round(lags[-1] * 1000, 1) if lags else 0.0
            report.lag_p99_ms = round(lags[int(0.99 * (len(lags) - 1))] * 1000, 1) if lags else 0.0
            report.lag_over_50ms = sum(1 for x in lags if x > 0.05)
            report.gc_max_ms = round(max((p for _, p in meter.gc_pauses), default=0.0) * 1000, 1)
            report.gc_full = sum(1 for g, _ in meter.gc_pauses if g == 2)
        check(report, sent, calls, expected, faq_ids, scale)
        del calls, sent
        gc.collect()
        await asyncio.sleep(0.2)
        report.rss_baseline_mb = round(baseline / 2**20, 1)
        report.rss_after_mb = round(rss() / 2**20, 1)
        if rss() - baseline > RSS_SLACK_BYTES:
            report.problems.append(f"RSS {report.rss_after_mb} MB after the run vs {report.rss_baseline_mb} MB before")
        if report.lag_max_ms > LAG_LIMIT_S * 1000:
            report.problems.append(f"event-loop lag {report.lag_max_ms} ms > {LAG_LIMIT_S * 1000:.0f} ms")
        if report.elapsed_s > scale.duration_s + 30:
            report.problems.append(f"took {report.elapsed_s}s for a {scale.duration_s}s schedule")
    return report


def check(
    report: Report,
    sent: list[Sent],
    calls: list[tuple[int, Any]],
    expected: dict[tuple[int, str], Status],
    faq_ids: list[set[int]],
    scale: Scale,
) -> None:
    by_ref: dict[str, list[tuple[int, Any]]] = {}
    for g, call in calls:
        ref = reference_of(call)
        if ref is not None:
            by_ref.setdefault(ref, []).append((g, call))
    report.sent = len(sent)
    report.replies = sum(len(by_ref.get(str(s.message["id"]), [])) for s in sent)
    last_passive: dict[tuple[int, int], float] = {}
    for s in sent:
        replies = by_ref.get(str(s.message["id"]), [])
        status = expected[(s.guild, s.text)]
        for g, call in replies:
            content = call.json.get("content") or ""
            tags = {t for t in range(scale.guilds) if f"[G{t}]" in content}
            wrong_ids = [i for i in _faq_ids(content) if i not in faq_ids[s.guild]]
            if g != s.guild or tags - {s.guild} or wrong_ids:
                report.problems.append(f"message {s.message['id']} answered from another guild: {content[:80]!r}")
        if not s.passive:
            report.mentions += 1
            report.answered_mentions += len(replies) == 1
            if len(replies) != 1:
                report.problems.append(f"mention {s.message['id']} got {len(replies)} replies")
            continue
        report.channel_messages += 1
        key = (s.guild, s.user)
        cooling = key in last_passive and s.at - last_passive[key] < scale.cooldown_s
        should = status is not Status.NONE and not cooling
        report.expected_channel += should
        report.answered_channel += len(replies) == 1
        if len(replies) > 1:
            report.problems.append(f"channel message {s.message['id']} got {len(replies)} replies")
        elif should and not replies:
            report.problems.append(f"channel message {s.message['id']} ({status}) was not answered")
        elif replies and not should:
            why = "cooldown broken" if cooling else "answered a NONE"
            report.problems.append(f"channel message {s.message['id']}: {why}")
        if replies:
            last_passive[key] = s.at


def _faq_ids(content: str) -> list[int]:
    import re

    return [int(m) for m in re.findall(r"FAQ #(\d+)", content)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="CI scale: 150 questions, 15 users, 6 s")
    parser.add_argument("--questions", type=int)
    parser.add_argument("--users", type=int)
    parser.add_argument("--guilds", type=int)
    parser.add_argument("--duration", type=float)
    parser.add_argument("--cooldown", type=float)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() after warm-up (proposed bot change)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    base = QUICK if args.quick else Scale()
    overrides = {
        k: v
        for k, v in {
            "questions": args.questions,
            "users": args.users,
            "guilds": args.guilds,
            "duration_s": args.duration,
            "cooldown_s": args.cooldown,
        }.items()
        if v is not None
    }
    scale = Scale(**{**asdict(base), **overrides})
    with tempfile.TemporaryDirectory() as tmp:
        report = asyncio.run(run(scale, workdir=Path(tmp), gc_freeze=args.gc_freeze))
    if args.json:
        print(json.dumps({**asdict(report), "ok": report.ok}, ensure_ascii=False))
    else:
        for key, value in asdict(report).items():
            if key != "problems":
                print(f"{key:>18}: {value}")
        print(f"{'result':>18}: {'OK' if report.ok else 'FAILED'}")
        for problem in report.problems[:30]:
            print(f"  - {problem}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
