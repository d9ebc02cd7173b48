"""Two Slack workspaces of one org, each with an admin, an officer (in the admin user group) and
members, and a running Slack adapter over one FaqService, connected to the fake Slack."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from faq.types import FaqDraft
from faqbot.app import open_service
from faqbot.settings import SlackSettings
from faqbot.slack_launcher import build_adapter, build_core
from model.fake import HashingEncoder
from slackbot.adapter import SlackAdapter
from tests.fakeslack import Channel, FakeSlack, Posted, User
from tests.helpers import ANSWER_Q as ANSWER_Q  # the questions every Slack test asks, as on Discord
from tests.helpers import CHAT_FAQS
from tests.helpers import NONE_Q as NONE_Q
from tests.helpers import PING_Q as PING_Q
from tests.helpers import SUGGEST_Q as SUGGEST_Q

ENTERPRISE = "E0000000001"
TEAMS = (("T0000000001", "likelion-hanbit"), ("T0000000002", "likelion-other"))
FAQS = [
    *CHAT_FAQS,
    FaqDraft("공지는 어디서 보나요?", "<!channel> <!here> @channel 공지는 <#C1>에. 문의: <@U1> <!subteam^S1> & 끝", ()),
]


@dataclass
class Workspace:
    team_id: str
    scope: str
    general: Channel
    admin: User
    officer: User
    alice: User
    bob: User
    group: str
    faq_ids: list[int] = field(default_factory=list)


@dataclass
class SlackWorld:
    fs: FakeSlack
    db: Path
    a: Workspace
    b: Workspace


def make_world(fs: FakeSlack, db: Path) -> SlackWorld:
    spaces = []
    for team_id, _ in TEAMS:
        admin = fs.add_user(team_id, f"admin-{team_id[-1]}", admin=True)
        officer = fs.add_user(team_id, f"officer-{team_id[-1]}")
        alice = fs.add_user(team_id, f"alice-{team_id[-1]}")
        bob = fs.add_user(team_id, f"bob-{team_id[-1]}")
        group = fs.add_usergroup(team_id, [officer])
        spaces.append(
            Workspace(
                team_id, f"slack:{ENTERPRISE}:{team_id}", fs.default_channel(team_id), admin, officer, alice, bob, group
            )
        )
    return SlackWorld(fs, db, *spaces)


def slack_settings(fs: FakeSlack, db: Path, **overrides: Any) -> SlackSettings:
    values: dict[str, Any] = {
        "db": db,
        "answer_threshold": 0.6,
        "suggest_threshold": 0.35,
        "margin": 0.05,
        "cooldown_s": 60.0,
        "model_poll_s": 0,
        "embed_max_wait_ms": 0,
        "max_questions_per_hour": 0,
        "max_feedback_per_day": 0,
        "max_concurrent_per_member": 0,
        "slack_bot_token": fs.bot_token,
        "slack_app_token": fs.app_token,
        "slack_signing_secret": fs.signing_secret,
        "slack_api_url": fs.api_url,
        "slack_mode": fs.mode,
        "slack_admin_cache_s": 0,
    }
    values.update(overrides)
    return SlackSettings(_env_file=None, **values)  # type: ignore[call-arg]


@asynccontextmanager
async def running_slack(world: SlackWorld, *, seed: bool = True, **overrides: Any) -> AsyncIterator[SlackAdapter]:
    """The adapter on the world's DB, connected to the fake (Socket Mode, or HTTP when ``fs.mode == "http"``)."""
    fs = world.fs
    settings = slack_settings(fs, world.db, **overrides)
    async with open_service(settings, encoder=HashingEncoder()) as service:
        if seed and not world.a.faq_ids:
            for ws in (world.a, world.b):
                ws.faq_ids = [f.id for f in (await service.import_drafts(ws.scope, FAQS, "test")).added]
        core = build_core(service, settings)
        adapter = build_adapter(core, settings)
        if fs.mode == "socket":
            handler = AsyncSocketModeHandler(adapter.app, fs.app_token)
            await handler.connect_async()
            adapter.start()
            try:
                yield adapter
                await fs.settle()
            finally:
                await handler.close_async()
                await adapter.close()
        else:
            runner = web.AppRunner(adapter.app.web_app(path="/slack/events"))
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            adapter.start()
            fs.http_url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/slack/events"  # type: ignore[union-attr]
            try:
                yield adapter
            finally:
                await runner.cleanup()
                await adapter.close()


async def replies_in_thread(fs: FakeSlack, posted: Posted, count: int = 1, timeout: float = 5.0) -> list[Posted]:  # noqa: ASYNC109
    """The bot's first ``count`` messages in ``posted``'s thread, once they exist."""
    await fs.wait_for_call(
        "chat.postMessage", lambda c: c.ok and c.args.get("thread_ts") == posted.ts, count=count, timeout=timeout
    )
    return fs.bot_messages(posted.channel, thread_ts=posted.ts)


async def quiet(fs: FakeSlack, seconds: float = 0.3) -> None:
    await asyncio.sleep(seconds)
    await fs.settle()


def action_ids(message: Posted) -> list[str]:
    return [el["action_id"] for b in message.blocks if b.get("type") == "actions" for el in b["elements"]]


def text_of(blocks: list[dict[str, Any]]) -> str:
    parts = []
    for b in blocks:
        if "text" in b and isinstance(b["text"], dict):
            parts.append(b["text"]["text"])
        for el in b.get("elements", []) if b.get("type") == "context" else []:
            parts.append(el.get("text", ""))
    return "\n".join(parts)


async def responses(fs: FakeSlack, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:  # noqa: ASYNC109
    calls = await fs.wait_for_call("response_url", lambda c: c.status == 200, count=count, timeout=timeout)
    return [c.args for c in calls]
