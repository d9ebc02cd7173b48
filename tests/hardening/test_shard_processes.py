"""Discord sharding across processes: 2 real ``faqbot run`` processes × 2 shards each (shard count 4).

Both processes talk to one fake Discord (in this test's process; tests/bot/run_against_fake.py points
each one's discord.py at it) and share one database: PostgreSQL when this machine has it (CI must:
``FAQBOT_REQUIRE_PG=1``), else one SQLite file. Eight guilds, two on each shard; members ask in
every guild, by mention and by ``/faq ask``. Every question is answered exactly once, by the process
whose shards hold that guild (``(guild_id >> 22) % 4``). An FAQ an admin adds through one process
(in a guild on its shards) is answered by the other: DMs all arrive on shard 0 (Discord's rule), so
the other process answers a member's DM from that guild's FAQs.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from faq.types import FaqDraft
from faqbot.app import open_service
from faqbot.commands.status import format_report, gather
from faqbot.settings import CoreSettings
from model.fake import HashingEncoder
from tests import pgcluster
from tests.fakediscord import ADMIN_PERMISSIONS, FakeDiscord, fake_user, member_payload, text_channel
from tests.fakediscord.constants import MODAL
from tests.fakediscord.gateway import shard_of

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parents[2]
SHARD_COUNT = 4
GUILDS_PER_SHARD = 2
START_S = 120.0  # two processes loading the model and Kiwi on a shared 2-core machine


@dataclass
class BotProcess:
    name: str
    shard_ids: tuple[int, ...]
    token: str
    log: Path
    proc: asyncio.subprocess.Process | None = None

    def owns(self, guild_id: str) -> bool:
        return shard_of(guild_id, SHARD_COUNT) in self.shard_ids

    def log_tail(self) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(text.splitlines()[-40:])


@dataclass
class Club:
    guild: dict[str, Any]
    channel: str
    admin: dict[str, Any]
    members: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.guild["id"])


def club_faqs(name: str) -> list[FaqDraft]:
    """Each guild's own answers, so a reply shows whose FAQs answered it."""
    return [
        FaqDraft("회비는 얼마인가요?", f"{name}의 회비는 한 학기 3만 원이에요.", ("회비 얼마예요?",)),
        FaqDraft("정기 세션은 언제 하나요?", f"{name}의 정기 세션은 매주 화요일 저녁 7시에 해요.", ()),
        FaqDraft("동아리방은 어디에 있나요?", f"{name}의 동아리방은 학생회관 302호예요.", ()),
    ]


@dataclass
class Deployment:
    fd: FakeDiscord
    clubs: list[Club]
    bots: list[BotProcess]
    db: str


QUESTIONS = ("회비는 얼마인가요?", "정기 세션은 언제 하나요?")
NEW_FAQ = FaqDraft("동아리 마스코트 이름이 뭐예요?", "마스코트는 사자 '멋쟁이'예요.", ())


@pytest.fixture
def shared_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """PostgreSQL when available (a required one in CI), else one SQLite file both processes open."""
    if os.environ.get("FAQBOT_TEST_PG") or os.environ.get("FAQBOT_REQUIRE_PG") or pgcluster.missing_reason() is None:
        return str(request.getfixturevalue("pg_schema_url"))
    return str(tmp_path / "shared.db")


async def start(fd: FakeDiscord, bot: BotProcess, db: str, tmp: Path, dm_guild: str, *extra: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAQBOT_", "DISCORD_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        XDG_CONFIG_HOME=str(tmp / "config"),  # no operator's ~/.config/faqbot/.env
        DISCORD_TOKEN=bot.token,
        FAQBOT_DB=db,
        FAQBOT_SHARD_COUNT=str(SHARD_COUNT),
        FAQBOT_SHARD_IDS=f"{bot.shard_ids[0]}-{bot.shard_ids[-1]}",
        FAQBOT_DM_ENABLED="true",
        FAQBOT_DM_GUILD=dm_guild,
        FAQBOT_MODEL_POLL_S="0",
    )
    with bot.log.open("wb") as log:
        bot.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.bot.run_against_fake",
            fd.base_url,
            "run",
            *extra,
            cwd=tmp,  # no ./.env
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )


async def stop(bot: BotProcess) -> int | None:
    if bot.proc is None or bot.proc.returncode is not None:
        return bot.proc.returncode if bot.proc else None
    bot.proc.send_signal(signal.SIGTERM)  # what systemd sends: drain, then close
    try:
        return await asyncio.wait_for(bot.proc.wait(), 30)
    except TimeoutError:
        bot.proc.kill()
        await bot.proc.wait()
        return None


async def until(check: Any, what: str, bots: list[BotProcess], limit: float = START_S) -> None:
    deadline = asyncio.get_running_loop().time() + limit
    while not check():
        for bot in bots:
            assert bot.proc is None or bot.proc.returncode is None, f"{bot.name} exited\n{bot.log_tail()}"
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not {what} within {limit}s\n" + "\n".join(b.log_tail() for b in bots))
        await asyncio.sleep(0.1)


@pytest.fixture
async def deployment(shared_db: str, tmp_path: Path) -> AsyncIterator[Deployment]:
    # A loaded CI machine runs two bots and this test on two cores: Discord's 3 s for the first
    # response to an interaction is widened; routing, not latency, is under test here.
    async with FakeDiscord(initial_response_s=15.0) as fd:
        clubs = []
        for i in range(SHARD_COUNT * GUILDS_PER_SHARD):
            admin = fake_user(name=f"admin{i}")
            members = [fake_user(name=f"alice{i}"), fake_user(name=f"bob{i}")]
            channel = text_channel("질문")
            guild = await fd.guild_create(
                name=f"멋사{i}",
                shard=(i % SHARD_COUNT, SHARD_COUNT),
                channels=[channel],
                members=[member_payload(u) for u in (admin, *members)],
                owner_id=admin["id"],
            )
            clubs.append(Club(guild, channel["id"], admin, members))
        async with open_service(CoreSettings(_env_file=None, db=shared_db), encoder=HashingEncoder()) as service:  # type: ignore[call-arg]
            for club in clubs:
                await service.import_drafts(club.id, club_faqs(club.guild["name"]), "seed")
        # One bot, so one token in real life; the fake accepts any token, and a token per process is
        # how a REST call (the Authorization header) or a gateway session shows which process it came from.
        bots = [
            BotProcess("bot-a", (0, 1), "MTIzNDU2Nzg5MDEy.ShardA.fake-token-of-process-a", tmp_path / "bot-a.log"),
            BotProcess("bot-b", (2, 3), "MTIzNDU2Nzg5MDEy.ShardB.fake-token-of-process-b", tmp_path / "bot-b.log"),
        ]
        dm_club = next(c for c in clubs if bots[1].owns(c.id))  # DMs land on bot-a (shard 0)
        try:
            # Only one process syncs the global commands (docs/deploy.md).
            await asyncio.gather(
                start(fd, bots[0], shared_db, tmp_path, dm_club.id, "--sync"),
                start(fd, bots[1], shared_db, tmp_path, dm_club.id),
            )
            await until(lambda: len(fd.gateway.current) == SHARD_COUNT, "4 shards identified", bots)
            await until(lambda: fd.calls("PUT"), "commands synced", bots)
            yield Deployment(fd, clubs, bots, shared_db)
        finally:
            codes = [await stop(b) for b in bots]
            assert codes == [0, 0], "\n".join(b.log_tail() for b in bots)
            fd.assert_no_unmatched_calls()
            fd.assert_no_refused_calls()


def token_of(call: Any) -> str:
    return str(call.headers["Authorization"]).removeprefix("Bot ")


def replies_to(fd: FakeDiscord, channel: str, message: dict[str, Any]) -> list[Any]:
    """The bot's messages in ``channel`` that reply to ``message``."""
    return [c for c in fd.messages_sent(channel) if is_reply(c, message)]


def is_reply(call: Any, message: dict[str, Any]) -> bool:
    return str((call.json.get("message_reference") or {}).get("message_id")) == message["id"]


def sessions_that_got(fd: FakeDiscord, event: str, item_id: str) -> list[Any]:
    return [
        s for s in fd.gateway.sessions.values() if any(p["t"] == event and p["d"]["id"] == item_id for p in s.history)
    ]


async def test_two_processes_split_four_shards_over_one_knowledge_base(deployment: Deployment) -> None:
    """One deployment for both checks: starting two bot processes is most of this test's time."""
    await every_guild_is_answered_once_by_the_process_running_its_shard(deployment)
    await an_faq_added_through_one_process_is_answered_by_the_other(deployment)


async def every_guild_is_answered_once_by_the_process_running_its_shard(deployment: Deployment) -> None:
    fd, clubs, bots = deployment.fd, deployment.clubs, deployment.bots
    owner = {c.id: next(b for b in bots if b.owns(c.id)) for c in clubs}
    assert {shard_of(c.id, SHARD_COUNT) for c in clubs} == set(range(SHARD_COUNT))
    assert sorted(s.key for s in fd.gateway.current.values()) == [(i, SHARD_COUNT) for i in range(SHARD_COUNT)]
    for session in fd.gateway.current.values():  # each process identified its own shards with its token
        assert any(b.token == session.token and session.key[0] in b.shard_ids for b in bots)

    me = fd.bot_user["id"]
    asked = [
        (club, await fd.message_create(club.channel, member, f"<@{me}> {question}"))
        for club in clubs
        for member, question in zip(club.members, QUESTIONS, strict=True)
    ]
    slashes = [
        (
            club,
            await fd.interaction_slash(
                "faq ask", {"question": "동아리방은 어디에 있나요?"}, guild_id=club.id, user=club.members[0]
            ),
        )
        for club in clubs
    ]
    for club, msg in asked:
        reply = await fd.wait_for_message(club.channel, lambda c, m=msg: is_reply(c, m), START_S)
        assert club.guild["name"] in reply.json["content"], reply.json["content"]  # its own guild's FAQ
    for club, handle in slashes:
        await handle.callback(timeout=START_S)
        followup = await handle.followup(timeout=START_S)
        assert f"{club.guild['name']}의 동아리방" in followup.json["content"]
    await asyncio.sleep(1.0)  # room for a duplicate answer to show up

    for club, msg in asked:
        replies = replies_to(fd, club.channel, msg)
        assert len(replies) == 1, (club.guild["name"], [token_of(c) for c in replies])
        assert token_of(replies[0]) == owner[club.id].token, (club.guild["name"], owner[club.id].name)
        [got] = sessions_that_got(fd, "MESSAGE_CREATE", msg["id"])  # delivered to one session only
        assert got.token == owner[club.id].token and got.key == (shard_of(club.id, SHARD_COUNT), SHARD_COUNT)
    for club in clubs:  # nothing else posted: one answer per question
        assert len(fd.messages_sent(club.channel)) == len(QUESTIONS)
    for club, handle in slashes:
        callbacks = [c for c in handle.responses() if c.route and c.route.endswith("/callback")]
        assert len(callbacks) == 1
        [got] = sessions_that_got(fd, "INTERACTION_CREATE", handle.id)
        assert got.token == owner[club.id].token

    # `faqbot status` on the shared database: both processes, each with its shards; none missing.
    report = await gather(deployment.db)
    assert sorted((p["shards"], p["shard_count"]) for p in report["processes"] if p["alive"]) == [
        ([0, 1], SHARD_COUNT),
        ([2, 3], SHARD_COUNT),
    ]
    assert report["shard_coverage"] == [{"shard_count": SHARD_COUNT, "missing": [], "duplicated": []}]
    shown = format_report(report)
    assert "샤드 0,1/4" in shown and "샤드 2,3/4" in shown and "경고" not in shown, shown


async def an_faq_added_through_one_process_is_answered_by_the_other(deployment: Deployment) -> None:
    fd, clubs, bots = deployment.fd, deployment.clubs, deployment.bots
    bot_a, bot_b = bots
    club = next(c for c in clubs if bot_b.owns(c.id))  # the DM guild: its admin commands go to bot-b
    opened = await fd.interaction_slash(
        "faq-admin add", guild_id=club.id, user=club.admin, permissions=ADMIN_PERMISSIONS
    )
    modal = await opened.callback(timeout=START_S)
    assert modal.json["type"] == MODAL
    [got] = sessions_that_got(fd, "INTERACTION_CREATE", opened.id)
    assert got.token == bot_b.token
    submit = await fd.interaction_modal_submit(
        modal.json["data"]["custom_id"],
        {"question": NEW_FAQ.question, "answer": NEW_FAQ.answer, "alternates": ""},
        source=opened,
    )
    await submit.callback(timeout=START_S)
    done = await submit.followup(timeout=START_S)
    assert done.json["content"].startswith("✅ FAQ #"), done.json["content"]

    # A member's DM: shard 0 only, so bot-a answers it, from the DM guild's FAQs (bot-b's guild).
    member = club.members[0]
    dm = fd.dm_channel(member)["id"]
    for attempt in range(10):  # the change reaches bot-a within a second (LISTEN/NOTIFY or polling)
        msg = await fd.message_create(dm, member, NEW_FAQ.question)
        reply = await fd.wait_for_message(dm, lambda c, m=msg: is_reply(c, m), START_S)
        assert token_of(reply) == bot_a.token
        [got] = sessions_that_got(fd, "MESSAGE_CREATE", msg["id"])
        assert got.key == (0, SHARD_COUNT)
        if NEW_FAQ.answer in reply.json["content"]:
            break
        assert attempt < 9, reply.json["content"]
        await asyncio.sleep(0.5)
    assert reply.json.get("components"), "a member of the DM guild: logged, with vote buttons"
