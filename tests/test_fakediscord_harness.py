"""Smoke tests: an unmodified discord.py ``commands.Bot`` against ``tests/fakediscord``."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fakediscord import (
    ADMIN_PERMISSIONS,
    MEMBER_PERMISSIONS,
    FakeDiscord,
    fake_user,
    member_payload,
    started_bot,
)
from tests.fakediscord.components import walk_components
from tests.fakediscord.constants import (
    APPLICATION_COMMAND_AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE_WITH_SOURCE,
    DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
    MODAL,
)

pytestmark = pytest.mark.timeout(20)

ALICE = fake_user(name="alice")


def make_bot() -> commands.Bot:
    intents = discord.Intents.default()
    intents.message_content = True
    return commands.Bot(command_prefix="!", intents=intents)


class HelpfulView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="도움이 됐어요", custom_id="faq:helpful")
    async def helpful(self, interaction: discord.Interaction, button: discord.ui.Button[HelpfulView]) -> None:
        await interaction.response.send_message("고마워요!", ephemeral=True)


class AskModal(discord.ui.Modal):
    question: discord.ui.TextInput[AskModal] = discord.ui.TextInput(label="질문", custom_id="faq:question")

    def __init__(self) -> None:
        super().__init__(title="질문하기", custom_id="faq:ask")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"받은 질문: {self.question.value}", ephemeral=True)


async def faq_command(interaction: discord.Interaction, question: str) -> None:
    await interaction.response.send_message(f"answer: {question}", ephemeral=True)


async def slow_command(interaction: discord.Interaction) -> None:
    await interaction.response.defer(thinking=True)
    await interaction.followup.send("done after thinking")


async def ask_command(interaction: discord.Interaction) -> None:
    await interaction.response.send_modal(AskModal())


def add_commands(bot: commands.Bot, guild: discord.abc.Snowflake) -> None:
    bot.tree.add_command(app_commands.Command(name="faq", description="FAQ", callback=faq_command), guild=guild)
    bot.tree.add_command(app_commands.Command(name="slow", description="Slow", callback=slow_command), guild=guild)
    bot.tree.add_command(app_commands.Command(name="ask", description="Ask", callback=ask_command), guild=guild)


def add_echo(bot: commands.Bot, seen: list[str]) -> None:
    @bot.listen("on_message")
    async def echo(message: discord.Message) -> None:
        if message.author.bot:
            return
        seen.append(message.content)
        if message.content == "button":
            await message.channel.send("이 답변이 도움이 됐나요?", view=HelpfulView())
        else:
            await message.reply(f"echo: {message.content}", mention_author=False)


@pytest.fixture
async def guild(fake_discord: FakeDiscord) -> AsyncIterator[dict]:
    yield await fake_discord.guild_create(
        name="멋사", members=[member_payload(ALICE)], owner_id=fake_user(name="owner")["id"]
    )


@pytest.mark.parametrize("compress", [True, False], ids=["zlib-stream", "plain-text"])
async def test_connects_ready_and_guilds(compress: bool) -> None:
    async with FakeDiscord(compress=compress) as fd:
        startup = await fd.guild_create(name="startup")
        bot = make_bot()
        async with started_bot(bot, fd):
            assert bot.is_ready()
            assert bot.user is not None and str(bot.user.id) == fd.bot_user["id"]
            assert bot.get_guild(int(startup["id"])) is not None
            conn = fd.gateway.connections[0]
            assert conn.query["compress"] == "zlib-stream"
            assert (conn.compressor is not None) is compress
            heartbeat = await fd.wait_for_gateway(lambda f: f.direction == "recv" and f.op == 1)
            await fd.wait_for_gateway(lambda f: f.direction == "send" and f.op == 11 and f.at >= heartbeat.at)

            joined = asyncio.ensure_future(bot.wait_for("guild_join", timeout=3))
            later = await fd.guild_create(name="joined later")
            guild = await joined
            assert guild.id == int(later["id"])
            assert bot.get_guild(int(later["id"])) is guild
        assert {c.route for c in fd.calls()} >= {"/users/@me", "/oauth2/applications/@me"}
        fd.assert_no_unmatched_calls()
        fd.assert_no_refused_calls()
        assert discord.http.Route.BASE == "https://discord.com/api/v10"  # restored


async def test_message_reply(fake_discord: FakeDiscord, guild: dict) -> None:
    fd = fake_discord
    channel_id = fd.default_channel_id(guild["id"])
    seen: list[str] = []
    bot = make_bot()
    add_echo(bot, seen)
    async with started_bot(bot, fd):
        sent = await fd.message_create(channel_id, ALICE, "회비 얼마예요?")
        call = await fd.wait_for_message(channel_id)
    assert call.json["content"] == "echo: 회비 얼마예요?"
    assert str(call.json["message_reference"]["message_id"]) == sent["id"]
    assert call.json["allowed_mentions"]["replied_user"] is False
    assert call.response["type"] == 19 and call.response["referenced_message"]["id"] == sent["id"]
    assert call.headers["Authorization"] == "Bot fake-token"
    assert seen == ["회비 얼마예요?"]  # the echoed bot reply is ignored by author.bot
    # A nested message is a plain message object, without the gateway's guild_id/member.
    assert not {"guild_id", "member"} & set(call.response["referenced_message"])
    assert "member" in sent and "guild_id" in sent


async def test_slash_ephemeral_deferred_and_followup(fake_discord: FakeDiscord, guild: dict) -> None:
    fd = fake_discord
    bot = make_bot()
    target = discord.Object(int(guild["id"]))
    add_commands(bot, target)
    async with started_bot(bot, fd):
        synced = await bot.tree.sync(guild=target)
        assert {c.name for c in synced} == {"faq", "slow", "ask"}
        put = fd.calls("PUT", route="/applications/{application_id}/guilds/{guild_id}/commands")
        assert len(put) == 1 and {c["name"] for c in put[0].json} == {"faq", "slow", "ask"}

        handle = await fd.interaction_slash(
            "faq", {"question": "회비?"}, guild_id=guild["id"], user=ALICE, permissions=ADMIN_PERMISSIONS
        )
        cb = await handle.callback(timeout=3)
        assert cb.json["type"] == CHANNEL_MESSAGE_WITH_SOURCE
        assert cb.json["data"]["content"] == "answer: 회비?"
        assert cb.json["data"]["flags"] == 64
        assert cb.received_at - handle.sent_at < 3

        slow = await fd.interaction_slash("slow", guild_id=guild["id"], user=ALICE, permissions=MEMBER_PERMISSIONS)
        assert (await slow.callback(timeout=3)).json["type"] == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
        followup = await slow.followup(timeout=3)
        assert followup.json["content"] == "done after thinking"
        assert followup.status == 200
        original = slow.original_message()
        assert original is not None and original["content"] == "done after thinking"
        assert [c.route for c in slow.responses()] == [
            "/interactions/{interaction_id}/{interaction_token}/callback",
            "/webhooks/{application_id}/{interaction_token}",
        ]


async def test_button_click(fake_discord: FakeDiscord, guild: dict) -> None:
    fd = fake_discord
    channel_id = fd.default_channel_id(guild["id"])
    bot = make_bot()
    add_echo(bot, [])
    async with started_bot(bot, fd):
        await fd.message_create(channel_id, ALICE, "button")
        posted = await fd.wait_for_message(channel_id)
        assert posted.json["components"][0]["components"][0]["custom_id"] == "faq:helpful"
        click = await fd.interaction_component("faq:helpful", message=posted.response, user=ALICE)
        cb = await click.callback(timeout=3)
    # As Discord delivers them: every component numbered, a unicode emoji without "id".
    delivered = click.payload["message"]["components"]
    assert all(isinstance(c.get("id"), int) for c in walk_components(delivered))
    assert cb.json["type"] == CHANNEL_MESSAGE_WITH_SOURCE
    assert cb.json["data"] == {**cb.json["data"], "content": "고마워요!", "flags": 64}
    assert click.payload["data"]["component_type"] == 2


async def test_modal_submit(fake_discord: FakeDiscord, guild: dict) -> None:
    fd = fake_discord
    bot = make_bot()
    target = discord.Object(int(guild["id"]))
    add_commands(bot, target)
    async with started_bot(bot, fd):
        await bot.tree.sync(guild=target)
        opened = await fd.interaction_slash("ask", guild_id=guild["id"], user=ALICE)
        cb = await opened.callback(timeout=3)
        assert cb.json["type"] == MODAL and cb.json["data"]["custom_id"] == "faq:ask"
        submit = await fd.interaction_modal_submit("faq:ask", {"faq:question": "세션 언제?"})
        answer = await submit.callback(timeout=3)
    assert answer.json["type"] == CHANNEL_MESSAGE_WITH_SOURCE
    assert answer.json["data"]["content"] == "받은 질문: 세션 언제?"
    assert submit.payload["member"]["user"]["id"] == ALICE["id"]


@pytest.mark.parametrize("drop", [False, True], ids=["close-4000", "tcp-drop"])
async def test_resume_delivers_each_event_once(fake_discord: FakeDiscord, guild: dict, drop: bool) -> None:
    fd = fake_discord
    channel_id = fd.default_channel_id(guild["id"])
    seen: list[str] = []
    bot = make_bot()
    add_echo(bot, seen)
    resumed = asyncio.Event()

    async def on_resumed() -> None:
        resumed.set()

    bot.add_listener(on_resumed, "on_resumed")
    async with started_bot(bot, fd):
        await fd.message_create(channel_id, ALICE, "before")
        await fd.wait_for_message(channel_id, lambda c: c.json["content"] == "echo: before")

        mark = len(fd.gateway.frames)
        await fd.disconnect(drop=drop)
        await fd.message_create(channel_id, ALICE, "during")  # buffered, replayed on RESUME
        await fd.wait_for_resumed(timeout=10, start=mark)
        await asyncio.wait_for(resumed.wait(), 5)
        await fd.message_create(channel_id, ALICE, "after")
        await fd.message_create(channel_id, ALICE, "sentinel")
        await fd.wait_for_message(channel_id, lambda c: c.json["content"] == "echo: sentinel")

    assert seen == ["before", "during", "after", "sentinel"]
    replies = [c.json["content"] for c in fd.messages_sent(channel_id)]
    assert replies == ["echo: before", "echo: during", "echo: after", "echo: sentinel"]
    assert fd.gateway.identify_count == 1 and fd.gateway.resume_count == 1
    assert fd.gateway.connections[-1].path == "/resume"


async def upload_command(interaction: discord.Interaction, file: discord.Attachment) -> None:
    data = await file.read()  # served by the fake's CDN
    reply = discord.File(io.BytesIO(data.upper()), filename="answer.txt")
    await interaction.response.send_message(f"{file.filename}:{len(data)}", file=reply)
    await interaction.edit_original_response(
        content="edited", attachments=[discord.File(io.BytesIO(b"v2"), filename="v2.txt")]
    )
    assert (await interaction.original_response()).content == "edited"  # GET @original
    extra = await interaction.followup.send("extra", wait=True)
    await extra.edit(content="extra2")  # PATCH /webhooks/{app}/{token}/messages/{id}
    await interaction.delete_original_response()


async def complete_query(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=f"{current} 회비", value="fee")]


@app_commands.autocomplete(query=complete_query)
async def search_command(interaction: discord.Interaction, query: str) -> None:
    await interaction.response.send_message(query)


async def dm_command(interaction: discord.Interaction) -> None:
    await interaction.response.send_message(f"dm pong {interaction.guild_id}")


async def test_rest_surface_files_dm_autocomplete(fake_discord: FakeDiscord, guild: dict) -> None:
    """Routes beyond the basics: typing, multipart uploads, edits, reactions, fetches, DMs."""
    fd = fake_discord
    channel_id = fd.default_channel_id(guild["id"])
    bot = make_bot()
    target = discord.Object(int(guild["id"]))
    bot.tree.add_command(app_commands.Command(name="upload", description="u", callback=upload_command), guild=target)
    bot.tree.add_command(app_commands.Command(name="search", description="s", callback=search_command), guild=target)
    bot.tree.add_command(app_commands.Command(name="dmping", description="d", callback=dm_command))
    done = asyncio.Event()

    @bot.listen("on_message")
    async def tools(message: discord.Message) -> None:
        if message.author.bot or message.content != "tools":
            return
        async with message.channel.typing():
            sent = await message.channel.send("with file", file=discord.File(io.BytesIO(b"hello"), "hello.txt"))
        await sent.add_reaction("👍")
        await sent.edit(content="edited")
        await sent.delete()
        assert (await bot.fetch_channel(message.channel.id)).id == message.channel.id
        assert message.guild is not None
        assert (await message.guild.fetch_member(message.author.id)).id == message.author.id
        await message.author.send("dm hello")
        done.set()

    async with started_bot(bot, fd):
        await bot.tree.sync(guild=target)
        await bot.tree.sync()
        await fd.message_create(channel_id, ALICE, "tools")
        await asyncio.wait_for(done.wait(), 5)

        upload = fd.calls("POST", route="/channels/{channel_id}/messages")[0]
        assert upload.file_names() == ["hello.txt"] and upload.files[0].data == b"hello"
        assert upload.response["attachments"][0]["filename"] == "hello.txt"
        assert fd.calls("POST", route="/channels/{channel_id}/typing")
        assert fd.reactions and fd.reactions[0][2] == "👍"
        assert fd.calls("PATCH", route="/channels/{channel_id}/messages/{message_id}")[0].json["content"] == "edited"
        assert fd.calls("DELETE", route="/channels/{channel_id}/messages/{message_id}")
        dm = await fd.wait_for_call(lambda c: c.route == "/users/@me/channels")
        dm_msg = fd.messages_sent(dm.response["id"])
        assert dm_msg and dm_msg[0].json["content"] == "dm hello"

        att = fd.attachment("q.txt", b"abc", "text/plain")
        up = await fd.interaction_slash("upload", {"file": att}, guild_id=guild["id"], user=ALICE)
        cb = await up.callback()
        assert cb.json["type"] == CHANNEL_MESSAGE_WITH_SOURCE and cb.json["data"]["content"] == "q.txt:3"
        assert cb.files[0].filename == "answer.txt" and cb.files[0].data == b"ABC"
        edit = await up.wait_for_response(lambda c: c.method == "PATCH")
        assert edit.json["content"] == "edited" and edit.file_names() == ["v2.txt"]
        await up.wait_for_response(lambda c: c.method == "DELETE")
        assert up.original_message() is None
        assert [(c.method, c.status) for c in up.responses()] == [
            ("POST", 200),  # callback (with_response=1)
            ("PATCH", 200),  # @original, multipart
            ("GET", 200),  # @original
            ("POST", 200),  # followup, wait=true
            ("PATCH", 200),  # followup edit
            ("DELETE", 204),  # @original
        ]
        assert up.payload["data"]["resolved"]["attachments"][att["id"]]["filename"] == "q.txt"

        ac = await fd.interaction_autocomplete("search", {"query": "회"}, focused="query", guild_id=guild["id"])
        acb = await ac.callback()
        assert acb.json == {
            "type": APPLICATION_COMMAND_AUTOCOMPLETE_RESULT,
            "data": {"choices": [{"name": "회 회비", "value": "fee"}]},
        }

        dm_slash = await fd.interaction_slash("dmping", user=ALICE)
        assert "member" not in dm_slash.payload and dm_slash.payload["user"]["id"] == ALICE["id"]
        dcb = await dm_slash.callback()
        assert dcb.json["data"]["content"] == "dm pong None"


admin = app_commands.Group(name="faqadmin", description="FAQ admin")


@admin.command(name="add", description="Add an FAQ")
async def admin_add(interaction: discord.Interaction, question: str) -> None:
    allowed = interaction.permissions.administrator
    await interaction.response.send_message(f"{'added' if allowed else 'denied'}: {question}", ephemeral=True)


async def test_admin_group_permissions_and_threads(fake_discord: FakeDiscord, guild: dict) -> None:
    fd = fake_discord
    channel_id = fd.default_channel_id(guild["id"])
    bot = make_bot()
    target = discord.Object(int(guild["id"]))
    bot.tree.add_command(admin, guild=target)
    seen: list[str] = []
    add_echo(bot, seen)
    async with started_bot(bot, fd):
        await bot.tree.sync(guild=target)
        assert [c.name for c in await bot.tree.fetch_commands(guild=target)] == ["faqadmin"]
        # Default: computed from the guild's roles (@everyone = MEMBER_PERMISSIONS) -> not admin.
        as_member = await fd.interaction_slash("faqadmin add", {"question": "회비?"}, guild_id=guild["id"], user=ALICE)
        assert (await as_member.callback()).json["data"]["content"] == "denied: 회비?"
        assert as_member.payload["member"]["permissions"] == MEMBER_PERMISSIONS
        fd.set_permissions(guild["id"], ALICE, ADMIN_PERMISSIONS)
        as_admin = await fd.interaction_slash("faqadmin add", {"question": "회비?"}, guild_id=guild["id"], user=ALICE)
        assert (await as_admin.callback()).json["data"]["content"] == "added: 회비?"
        explicit = await fd.interaction_slash(
            "faqadmin add", {"question": "회비?"}, guild_id=guild["id"], user=ALICE, permissions=MEMBER_PERMISSIONS
        )
        assert (await explicit.callback()).json["data"]["content"] == "denied: 회비?"
        option = as_admin.payload["data"]["options"][0]
        assert option["type"] == 1 and option["name"] == "add"

        thread = await fd.thread_create(channel_id, "질문 스레드", owner=ALICE)
        await fd.message_create(thread["id"], ALICE, "in thread")
        reply = await fd.wait_for_message(thread["id"])
        assert reply.json["content"] == "echo: in thread"
        assert isinstance(bot.get_channel(int(thread["id"])), discord.Thread)
