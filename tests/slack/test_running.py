"""``faqbot run --slack``: start-up from settings, Discord and Slack together over one service, the
settings file, and the app manifest in docs/slack-setup.md against what the adapter needs."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from faqbot.settings import SlackSettings
from faqbot.slack_launcher import run_slack
from model.fake import HashingEncoder
from tests.bot.helpers import FAQS as DISCORD_FAQS
from tests.bot.helpers import bot_settings, make_club
from tests.fakediscord import FakeDiscord, point_discord_at
from tests.fakeslack import DEFAULT_SCOPES
from tests.slack.helpers import ANSWER_Q, SlackWorld, replies_in_thread, slack_settings, text_of

ROOT = Path(__file__).resolve().parents[2]


async def test_run_slack_and_discord_together_over_one_service(world: SlackWorld, tmp_path: Path) -> None:
    fs, a = world.fs, world.a
    db = world.db
    async with FakeDiscord() as fd:
        club = await make_club(fd, "A")
        settings = slack_settings(fs, db, slack_scopes=f"{a.team_id}={club.id}")  # the club's knowledge serves both
        discord = bot_settings(db)
        from faqbot.app import open_service

        async with open_service(settings, encoder=HashingEncoder()) as service:
            await service.import_drafts(club.id, DISCORD_FAQS, "test")
        stop = asyncio.Event()
        ready = asyncio.Event()
        with point_discord_at(fd):
            task = asyncio.create_task(
                run_slack(settings, discord=discord, encoder=HashingEncoder(), stop=stop, started=lambda _: ready.set())
            )
            await asyncio.wait_for(ready.wait(), 20)
            posted, _ = await fs.mention(a.alice, ANSWER_Q)
            (reply,) = await replies_in_thread(fs, posted)
            assert "3만 원" in text_of(reply.blocks)
            await fd.wait_for_gateway(lambda f: f.t == "GUILD_CREATE", timeout=10)
            await asyncio.sleep(0.5)  # discord.py's wait after the startup guilds
            await fd.message_create(club.general, club.alice, f"<@{fd.bot_user['id']}> {ANSWER_Q}")
            call = await fd.wait_for_message(club.general, timeout=10)
            assert "3만 원" in call.json["content"]
            stop.set()
            await asyncio.wait_for(task, 20)
        await fs.settle()


def test_settings_need_the_tokens_of_their_mode() -> None:
    base = {"_env_file": None}
    assert "SLACK_BOT_TOKEN" in (SlackSettings(**base).slack_problem() or "")  # type: ignore[arg-type]
    socket = SlackSettings(**base, slack_bot_token="xoxb-1")  # type: ignore[arg-type]
    assert "SLACK_APP_TOKEN" in (socket.slack_problem() or "")
    http = SlackSettings(**base, slack_bot_token="xoxb-1", slack_mode="http")  # type: ignore[arg-type]
    assert "SLACK_SIGNING_SECRET" in (http.slack_problem() or "")
    ok = SlackSettings(**base, slack_bot_token="xoxb-1", slack_app_token="xapp-1")  # type: ignore[arg-type]
    assert ok.slack_problem() is None


def _manifest() -> dict:
    text = (ROOT / "docs" / "slack-setup.md").read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)\n```", text, re.S)
    assert block is not None, "docs/slack-setup.md has no JSON manifest"
    return json.loads(block.group(1))


def test_manifest_grants_what_the_adapter_uses() -> None:
    manifest = _manifest()
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(DEFAULT_SCOPES)
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True and settings["interactivity"]["is_enabled"] is True
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_mention",
        "message.im",
        "message.channels",
        "message.groups",
        "app_home_opened",
    }
    assert {c["command"] for c in manifest["features"]["slash_commands"]} == {"/faq", "/faq-admin"}
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_env_example_lists_the_slack_settings() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "FAQBOT_SLACK_MODE",
        "FAQBOT_SLACK_SCOPES",
    ):
        assert re.search(rf"^#? ?{name}=", text, re.M), name


@pytest.mark.parametrize("text", ["T1", "T1=", "T 1=x", "E1/T1=a b"])
def test_bad_scope_map_is_one_clear_line(text: str) -> None:
    from faq.errors import InvalidInput
    from slackbot.workspace import parse_scope_map

    with pytest.raises(InvalidInput, match="SLACK_SCOPES"):
        parse_scope_map(text)
