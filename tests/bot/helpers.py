"""Helpers for the bot tests: two fake guilds with admins and members, a running FaqBot, clicks and
checks on what the bot sent. The ``world`` fixture is in conftest.py."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.client import FaqBot
from faq.activity import ActivityLog
from faq.scope_config import ScopeConfigs
from faq.types import FaqDraft
from faqbot.app import open_service
from faqbot.settings import BotSettings
from model.fake import HashingEncoder
from tests.fakediscord import (
    MEMBER_PERMISSIONS,
    FakeDiscord,
    fake_user,
    member_payload,
    role_payload,
    started_bot,
    text_channel,
)
from tests.fakediscord.constants import EPHEMERAL
from tests.fakediscord.payloads import GUILD_FORUM
from tests.helpers import ANSWER_Q, CHAT_FAQS, NONE_Q, PING_Q, SUGGEST_Q

FAQS = [
    *CHAT_FAQS,
    FaqDraft("공지는 어디서 보나요?", "@everyone @here 공지는 <#1> 채널과 <@&2> 역할로 올라와요. 문의: <@3>", ()),
]
NO_PINGS = {"parse": [], "replied_user": False}
CALLBACK_ROUTE = "/interactions/{interaction_id}/{interaction_token}/callback"


@dataclass
class Club:
    """One fake guild with the people and channels the tests use."""

    guild: dict[str, Any]
    general: str
    faq_channel: str
    forum: str
    admin_role: str
    admin: dict[str, Any]  # has Manage Server (via interaction permissions)
    officer: dict[str, Any]  # only the club's admin role, no Manage Server
    alice: dict[str, Any]
    bob: dict[str, Any]
    faq_ids: list[int] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.guild["id"])


@dataclass
class World:
    fd: FakeDiscord
    db: Path
    a: Club
    b: Club


async def make_club(fd: FakeDiscord, name: str) -> Club:
    general = text_channel("general")
    faq = text_channel("질문-답변", position=1)
    forum = text_channel("질문-포럼", position=2, channel_type=GUILD_FORUM)
    role = role_payload("운영진", MEMBER_PERMISSIONS)
    admin, officer = fake_user(name=f"{name}-admin"), fake_user(name=f"{name}-officer")
    alice, bob = fake_user(name=f"{name}-alice"), fake_user(name=f"{name}-bob")
    guild = await fd.guild_create(
        name=name,
        channels=[general, faq, forum],
        roles=[role],
        members=[
            member_payload(admin),
            member_payload(officer, roles=[role["id"]]),
            member_payload(alice),
            member_payload(bob),
        ],
        owner_id=admin["id"],  # the fake computes owner → all permissions
    )
    return Club(guild, general["id"], faq["id"], forum["id"], role["id"], admin, officer, alice, bob)


def bot_settings(db: Path, **overrides: Any) -> BotSettings:
    values: dict[str, Any] = {
        "discord_token": "fake-token",
        "db": db,
        "answer_threshold": 0.6,
        "suggest_threshold": 0.35,
        "margin": 0.05,
        "cooldown_s": 60.0,
        "model_poll_s": 0,
        "embed_max_wait_ms": 0,
        # Per-member limits off: tests ask many questions as one member; tests of the limits set them.
        "max_questions_per_hour": 0,
        "max_feedback_per_day": 0,
        "max_concurrent_per_member": 0,
    }
    values.update(overrides)
    return BotSettings(_env_file=None, **values)  # type: ignore[call-arg]


@asynccontextmanager
async def running_bot(
    world: World,
    *,
    encoder: HashingEncoder | None = None,
    seed: bool = True,
    sync_global: bool = True,
    **overrides: Any,
) -> AsyncIterator[FaqBot]:
    """A FaqBot on the world's DB, connected to the fake; guild A (and B) get the FAQs once."""
    settings = bot_settings(world.db, **overrides)
    async with open_service(settings, encoder=encoder or HashingEncoder()) as service:
        if seed and not world.a.faq_ids:
            for club in (world.a, world.b):
                added = (await service.import_drafts(club.id, FAQS, "test")).added
                club.faq_ids = [f.id for f in added]
        bot = FaqBot(
            service=service,
            activity_log=ActivityLog(service.store),
            configs=ScopeConfigs(service.store),
            settings=settings,
            dev_guild=settings.dev_guild,
            sync_global=sync_global,
        )
        async with started_bot(bot, world.fd):
            yield bot


def mention(bot: FaqBot, text: str = "") -> str:
    assert bot.user is not None
    return f"<@{bot.user.id}> {text}".rstrip()


def custom_ids(call_json: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in call_json.get("components") or [] for c in row["components"] if "custom_id" in c]


def content_of(callback_json: dict[str, Any]) -> str:
    return (callback_json.get("data") or {}).get("content") or ""


async def quiet(fd: FakeDiscord, seconds: float = 0.3) -> None:
    """Give the bot a moment in which it should *not* post anything."""
    await asyncio.sleep(seconds)
    await fd.settle()


def vote_id(call_json: dict[str, Any], vote: str = "up") -> str:
    return next(c for c in custom_ids(call_json) if re.fullmatch(rf"faq:vote:{vote}:\d+:\d+", c))


async def click(fd: FakeDiscord, message: dict[str, Any], custom_id: str, **kwargs: Any) -> Any:
    """A button click on ``message`` (keywords only: robust to the helper's argument order)."""
    return await fd.interaction_component(custom_id=custom_id, message=message, **kwargs)


def pings_nobody(body: dict[str, Any]) -> bool:
    """``allowed_mentions`` that lets no @everyone/@here, role or user mention ping."""
    allowed = body.get("allowed_mentions")
    return (
        isinstance(allowed, dict)
        and allowed.get("parse") == []
        and not allowed.get("users")
        and not allowed.get("roles")
        and not allowed.get("replied_user", False)
    )


async def forged_click(fd: FakeDiscord, message: dict[str, Any], custom_id: str, **kwargs: Any) -> Any:
    """Click a button whose ``custom_id`` we made up, as a modified client could.

    discord.py only dispatches ids present on the interaction's message, so the forged button
    is put on (the fake's copy of) a message first.
    """
    stored = fd.messages[str(message["id"])]
    stored.setdefault("components", []).append(
        {"type": 1, "components": [{"type": 2, "style": 2, "label": "x", "custom_id": custom_id}]}
    )
    return await click(fd, stored, custom_id, **kwargs)


__all__ = [
    "ANSWER_Q",
    "CALLBACK_ROUTE",
    "EPHEMERAL",
    "FAQS",
    "NONE_Q",
    "NO_PINGS",
    "PING_Q",
    "SUGGEST_Q",
    "Club",
    "World",
    "bot_settings",
    "click",
    "content_of",
    "custom_ids",
    "forged_click",
    "make_club",
    "mention",
    "pings_nobody",
    "quiet",
    "running_bot",
    "vote_id",
]
