"""The fake Discord is as strict as Discord: each documented limit, just inside and just outside.

Raw HTTP against ``tests/fakediscord`` (no bot, no model): a request at the limit is accepted,
one past it is refused with Discord's status, ``code`` and the field path in ``errors``.  If one
of these starts passing where it should fail, the end-to-end bot tests prove less than they claim.

The built-in limits always apply; the cases marked ``spec`` need Discord's OpenAPI spec in
``../shared/specs/discord`` and are skipped without it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from tests.fakediscord import FakeDiscord, InteractionState
from tests.fakediscord.constants import APPLICATION_COMMAND, APPLICATION_COMMAND_AUTOCOMPLETE, MESSAGE_COMPONENT
from tests.fakediscord.limits import INITIAL_RESPONSE_S, TOKEN_LIFETIME_S
from tests.fakediscord.openapi_spec import spec_available, spec_problems

pytestmark = pytest.mark.timeout(20)

Body = Callable[[int], Any]


@dataclass
class Fake:
    fd: FakeDiscord
    http: aiohttp.ClientSession
    guild_id: str
    channel_id: str

    async def call(self, method: str, path: str, body: Any = None, **query: str) -> tuple[int, Any, Any]:
        async with self.http.request(
            method,
            self.fd.api_base + path,
            json=body,
            params=query,
            headers={"Authorization": "Bot fake-token"},
        ) as resp:
            text = await resp.text()
            return resp.status, (json.loads(text) if text else None), resp.headers

    def interaction(self, itype: int = APPLICATION_COMMAND, message: dict[str, Any] | None = None) -> InteractionState:
        """An interaction the fake knows about, as if it had just been dispatched."""
        payload = self.fd._interaction_base(
            itype, guild_id=self.guild_id, channel_id=None, user=None, member=None, permissions=None, locale=None
        )
        if message is not None:
            payload["message"] = message
        elif itype in (APPLICATION_COMMAND, APPLICATION_COMMAND_AUTOCOMPLETE):
            payload["data"] = {"id": "1", "name": "faq", "type": 1}
        return self.fd._register_interaction(payload)

    async def callback(self, state: InteractionState, body: Any, **query: str) -> tuple[int, Any, Any]:
        return await self.call("POST", f"/interactions/{state.id}/{state.token}/callback", body, **query)

    async def bot_message(self, **body: Any) -> dict[str, Any]:
        status, msg, _ = await self.call("POST", f"/channels/{self.channel_id}/messages", {"content": "hi", **body})
        assert status == 200, msg
        return msg


@pytest.fixture
async def fake() -> AsyncIterator[Fake]:
    async with FakeDiscord() as fd, aiohttp.ClientSession() as http:
        guild = await fd.guild_create(name="limits")
        yield Fake(fd, http, guild["id"], fd.default_channel_id(guild["id"]))


# ---- bodies built to a size n -------------------------------------------------------------------


def button(custom_id: str = "b", label: str = "ok", **extra: Any) -> dict[str, Any]:
    return {"type": 2, "style": 2, "label": label, "custom_id": custom_id, **extra}


def row(*items: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(items)}


def select(options: int) -> dict[str, Any]:
    return {"type": 3, "custom_id": "s", "options": [{"label": f"o{i}", "value": str(i)} for i in range(options)]}


def text_input(**extra: Any) -> dict[str, Any]:
    return {"type": 4, "custom_id": "q", "style": 1, "label": "질문", **extra}


def modal(rows: int = 1, *, title: str = "FAQ 수정", custom_id: str = "m", **field: Any) -> dict[str, Any]:
    components = [row(text_input(**{**field, "custom_id": f"q{i}"})) for i in range(rows)]
    return {"type": 9, "data": {"custom_id": custom_id, "title": title, "components": components}}


def command(name: str = "faq", description: str = "FAQ", options: list[dict[str, Any]] | None = None) -> list[Any]:
    return [{"name": name, "description": description, "type": 1, "options": options or []}]


def string_option(name: str, *, required: bool = False, **extra: Any) -> dict[str, Any]:
    return {"type": 3, "name": name, "description": "설명", "required": required, **extra}


@dataclass(frozen=True)
class Limit:
    """One limit: ``body(inside)`` is accepted, ``body(outside)`` refused at ``path`` with ``code``."""

    id: str
    target: str  # "channel" | "callback" | "component-callback" | "autocomplete" | "followup" | "commands"
    body: Body
    inside: int
    outside: int
    path: tuple[str | int, ...]
    code: str = "BASE_TYPE_MAX_LENGTH"


LIMITS = [
    # message.mdx: content up to 2000 characters (the spec's 4000 is a Nitro user's limit)
    Limit("content", "channel", lambda n: {"content": "가" * n}, 2000, 2001, ("content",)),
    Limit("embeds", "channel", lambda n: {"embeds": [{"title": "t"}] * n}, 10, 11, ("embeds",)),
    Limit(
        "embed-description",
        "channel",
        lambda n: {"embeds": [{"description": "d" * n}]},
        4096,
        4097,
        ("embeds", 0, "description"),
    ),
    Limit(
        "action-rows",
        "channel",
        lambda n: {"components": [row(button(f"b{i}")) for i in range(n)]},
        5,
        6,
        ("components",),
    ),
    Limit(
        "buttons-per-row",
        "channel",
        lambda n: {"components": [row(*(button(f"b{i}") for i in range(n)))]},
        5,
        6,
        ("components", 0, "components"),
        "BASE_TYPE_BAD_LENGTH",
    ),
    Limit(
        "custom-id",
        "channel",
        lambda n: {"components": [row(button("c" * n))]},
        100,
        101,
        ("components", 0, "components", 0, "custom_id"),
        "BASE_TYPE_BAD_LENGTH",
    ),
    Limit(
        "button-label",
        "channel",
        lambda n: {"components": [row(button(label="라" * n))]},
        80,
        81,
        ("components", 0, "components", 0, "label"),
    ),
    Limit(
        "unique-custom-ids",
        "channel",
        lambda n: {"components": [row(button("same"), button("same" if n else "other"))]},
        0,
        1,
        ("components", 0, "components", 1, "custom_id"),
        "COMPONENT_CUSTOM_ID_DUPLICATED",
    ),
    Limit(
        "button-needs-custom-id",
        "channel",
        lambda n: {"components": [row({"type": 2, "style": 1, "label": "x", **({} if n else {"custom_id": "x"})})]},
        0,
        1,
        ("components", 0, "components", 0, "custom_id"),
        "BASE_TYPE_REQUIRED",
    ),
    Limit(
        "select-options",
        "channel",
        lambda n: {"components": [row(select(n))]},
        25,
        26,
        ("components", 0, "components", 0, "options"),
        "BASE_TYPE_BAD_LENGTH",
    ),
    Limit(
        "select-fills-its-row",
        "channel",
        lambda n: {"components": [row(select(2), *([button()] if n else []))]},
        0,
        1,
        ("components", 0, "components"),
        "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
    ),
    Limit(
        "channel-flags",  # EPHEMERAL (64) exists only for interaction responses
        "channel",
        lambda n: {"content": "a", "flags": 64 if n else 4},
        0,
        1,
        ("flags",),
        "MESSAGE_FLAGS_INVALID",
    ),
    Limit(
        "callback-content",
        "callback",
        lambda n: {"type": 4, "data": {"content": "x" * n}},
        2000,
        2001,
        ("data", "content"),
    ),
    Limit(
        "defer-flags",  # type 5: "the only valid message flag you may use is EPHEMERAL"
        "callback",
        lambda n: {"type": 5, "data": {"flags": 4 if n else 64}},
        0,
        1,
        ("data", "flags"),
        "MESSAGE_FLAGS_INVALID",
    ),
    Limit(
        "update-content",
        "component-callback",
        lambda n: {"type": 7, "data": {"content": "x" * n}},
        2000,
        2001,
        ("data", "content"),
    ),
    Limit(
        "modal-title", "callback", lambda n: modal(title="제" * n), 45, 46, ("data", "title"), "BASE_TYPE_BAD_LENGTH"
    ),
    Limit(
        "modal-custom-id",
        "callback",
        lambda n: modal(custom_id="m" * n),
        100,
        101,
        ("data", "custom_id"),
        "BASE_TYPE_BAD_LENGTH",
    ),
    Limit("modal-rows", "callback", lambda n: modal(rows=n), 5, 6, ("data", "components"), "BASE_TYPE_BAD_LENGTH"),
    Limit(
        "text-input-label",
        "callback",
        lambda n: modal(label="라" * n),
        45,
        46,
        ("data", "components", 0, "components", 0, "label"),
        "BASE_TYPE_BAD_LENGTH",
    ),
    Limit(
        "text-input-max-length",
        "callback",
        lambda n: modal(max_length=n),
        4000,
        4001,
        ("data", "components", 0, "components", 0, "max_length"),
        "NUMBER_TYPE_MAX",
    ),
    Limit(
        "text-input-value",
        "callback",
        lambda n: modal(value="값" * n, style=2),
        4000,
        4001,
        ("data", "components", 0, "components", 0, "value"),
    ),
    Limit(
        "text-input-value-within-max-length",
        "callback",
        lambda n: modal(value="값" * n, max_length=300),
        300,
        301,
        ("data", "components", 0, "components", 0, "value"),
    ),
    Limit(
        "autocomplete-choices",
        "autocomplete",
        lambda n: {"type": 8, "data": {"choices": [{"name": f"#{i}", "value": i} for i in range(n)]}},
        25,
        26,
        ("data", "choices"),
    ),
    Limit(
        "autocomplete-choice-name",
        "autocomplete",
        lambda n: {"type": 8, "data": {"choices": [{"name": "회" * n, "value": 1}]}},
        100,
        101,
        ("data", "choices", 0, "name"),
        "BASE_TYPE_BAD_LENGTH",
    ),
    Limit(
        "autocomplete-choice-value",  # application-commands.mdx: "up to 100 characters"; the spec says 6000
        "autocomplete",
        lambda n: {"type": 8, "data": {"choices": [{"name": "a", "value": "v" * n}]}},
        100,
        101,
        ("data", "choices", 0, "value"),
    ),
    Limit("followup-content", "followup", lambda n: {"content": "x" * n}, 2000, 2001, ("content",)),
    Limit(
        "command-name-regex",
        "commands",
        lambda n: command(name="bad name" if n else "faq-admin"),
        0,
        1,
        (0, "name"),
        "APPLICATION_COMMAND_INVALID_NAME",
    ),
    Limit(
        "command-name-lowercase",
        "commands",
        lambda n: command(name="Faq" if n else "질문"),
        0,
        1,
        (0, "name"),
        "APPLICATION_COMMAND_INVALID_NAME",
    ),
    Limit(
        "command-name-length", "commands", lambda n: command(name="f" * n), 32, 33, (0, "name"), "BASE_TYPE_BAD_LENGTH"
    ),
    Limit(
        "command-description",
        "commands",
        lambda n: command(description="설" * n),
        100,
        101,
        (0, "description"),
        "BASE_TYPE_BAD_LENGTH",
    ),
    Limit(
        "command-options",
        "commands",
        lambda n: command(options=[string_option(f"o{i}") for i in range(n)]),
        25,
        26,
        (0, "options"),
    ),
    Limit(
        "option-order",
        "commands",
        lambda n: command(options=[string_option("a", required=not n), string_option("b", required=bool(n))]),
        0,
        1,
        (0, "options", 1, "required"),
        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
    ),
    Limit(
        "option-choices",
        "commands",
        lambda n: command(options=[string_option("a", choices=[{"name": f"c{i}", "value": f"{i}"} for i in range(n)])]),
        25,
        26,
        (0, "options", 0, "choices"),
    ),
]


async def send(fake: Fake, limit: Limit, body: Any) -> tuple[int, Any, Any]:
    if limit.target == "channel":
        return await fake.call("POST", f"/channels/{fake.channel_id}/messages", body)
    if limit.target == "callback":
        return await fake.callback(fake.interaction(), body)
    if limit.target == "component-callback":
        message = await fake.bot_message(components=[row(button("c"))])
        return await fake.callback(fake.interaction(MESSAGE_COMPONENT, message), body)
    if limit.target == "autocomplete":
        return await fake.callback(fake.interaction(APPLICATION_COMMAND_AUTOCOMPLETE), body)
    if limit.target == "followup":
        state = fake.interaction()
        status, _, _ = await fake.callback(state, {"type": 4, "data": {"content": "first"}})
        assert status == 204
        return await fake.call("POST", f"/webhooks/{fake.fd.application_id}/{state.token}", body)
    if limit.target == "commands":
        return await fake.call("PUT", f"/applications/{fake.fd.application_id}/guilds/{fake.guild_id}/commands", body)
    raise AssertionError(limit.target)


def error_at(body: Any, path: tuple[str | int, ...]) -> list[dict[str, str]]:
    node = body["errors"]
    for part in path:
        node = node[str(part)]
    return node["_errors"]


@pytest.mark.parametrize("limit", LIMITS, ids=lambda limit: limit.id)
async def test_limit_inside_accepted_outside_refused(fake: Fake, limit: Limit) -> None:
    status, answer, _ = await send(fake, limit, limit.body(limit.inside))
    assert 200 <= status < 300, answer

    status, answer, _ = await send(fake, limit, limit.body(limit.outside))
    assert status == 400, answer
    assert answer["code"] == 50035 and answer["message"] == "Invalid Form Body"
    assert limit.code in [e["code"] for e in error_at(answer, limit.path)], answer["errors"]


# ---- edits: limits apply, unsupported flag changes are ignored ------------------------------------


async def test_edits_keep_the_content_limit_and_ignore_flag_changes(fake: Fake) -> None:
    state = fake.interaction()
    assert (await fake.callback(state, {"type": 4, "data": {"content": "a", "flags": 64}}))[0] == 204
    original = f"/webhooks/{fake.fd.application_id}/{state.token}/messages/@original"
    assert (await fake.call("PATCH", original, {"content": "x" * 2000}))[0] == 200
    status, answer, _ = await fake.call("PATCH", original, {"content": "x" * 2001})
    assert status == 400 and error_at(answer, ("content",))[0]["code"] == "BASE_TYPE_MAX_LENGTH"

    status, followup, _ = await fake.call("POST", f"/webhooks/{fake.fd.application_id}/{state.token}", {"content": "f"})
    assert status == 200
    edit = f"/webhooks/{fake.fd.application_id}/{state.token}/messages/{followup['id']}"
    assert (await fake.call("PATCH", edit, {"content": "y" * 2000}))[0] == 200
    assert (await fake.call("PATCH", edit, {"content": "y" * 2001}))[0] == 400

    message = await fake.bot_message()
    path = f"/channels/{fake.channel_id}/messages/{message['id']}"
    status, edited, _ = await fake.call("PATCH", path, {"content": "z", "flags": 64 | 4})
    assert status == 200 and edited["flags"] == 4  # SUPPRESS_EMBEDS applied, EPHEMERAL ignored
    assert (await fake.call("PATCH", path, {"content": "z" * 2001}))[0] == 400


# ---- interaction windows ----------------------------------------------------------------------------


class Clock:
    def __init__(self, fd: FakeDiscord) -> None:
        self.now = fd.clock()
        fd.clock = lambda: self.now


async def test_initial_response_within_three_seconds(fake: Fake) -> None:
    clock = Clock(fake.fd)
    in_time, late = fake.interaction(), fake.interaction()
    clock.now += INITIAL_RESPONSE_S - 0.01
    assert (await fake.callback(in_time, {"type": 5}))[0] == 204
    clock.now += 0.02
    status, answer, _ = await fake.callback(late, {"type": 5})
    assert (status, answer["code"]) == (404, 10062)


async def test_token_lives_fifteen_minutes(fake: Fake) -> None:
    clock = Clock(fake.fd)
    state = fake.interaction()
    assert (await fake.callback(state, {"type": 5, "data": {"flags": 64}}))[0] == 204
    webhook = f"/webhooks/{fake.fd.application_id}/{state.token}"
    clock.now += TOKEN_LIFETIME_S - 1
    assert (await fake.call("POST", webhook, {"content": "in time"}))[0] == 200
    clock.now += 2
    status, answer, _ = await fake.call("POST", webhook, {"content": "late"})
    assert (status, answer["code"]) == (401, 50027)
    assert (await fake.call("PATCH", webhook + "/messages/@original", {"content": "late"}))[0] == 401


# ---- answer shapes ------------------------------------------------------------------------------------


async def test_callback_resource_message_only_for_types_4_and_7(fake: Fake) -> None:
    status, deferred, _ = await fake.callback(fake.interaction(), {"type": 5}, with_response="true")
    assert status == 200
    assert deferred["resource"] == {"type": 5}
    assert deferred["interaction"]["response_message_loading"] is True

    status, sent, _ = await fake.callback(
        fake.interaction(), {"type": 4, "data": {"content": "a"}}, with_response="true"
    )
    assert status == 200 and sent["resource"]["message"]["content"] == "a"

    message = await fake.bot_message(components=[row(button("c"))])
    update = {"type": 7, "data": {"content": "b"}}
    status, updated, _ = await fake.callback(fake.interaction(MESSAGE_COMPONENT, message), update, with_response="true")
    assert status == 200 and updated["resource"]["message"]["content"] == "b"


async def test_followup_always_returns_the_message(fake: Fake) -> None:
    state = fake.interaction()
    await fake.callback(state, {"type": 4, "data": {"content": "a"}})
    status, msg, _ = await fake.call("POST", f"/webhooks/{fake.fd.application_id}/{state.token}", {"content": "b"})
    assert status == 200 and msg["content"] == "b"  # no ?wait=true: "wait is always true"


async def test_rate_limit_headers_agree_with_the_body(fake: Fake) -> None:
    fake.fd.inject_error("/channels/", status=429, retry_after=0.25)
    status, answer, headers = await fake.call("POST", f"/channels/{fake.channel_id}/messages", {"content": "a"})
    assert status == 429 and answer["retry_after"] == 0.25
    assert float(headers["X-RateLimit-Reset-After"]) == 0.25
    assert headers["X-RateLimit-Remaining"] == "0"
    assert headers["Retry-After"] == "1"  # whole seconds, rounded up


async def test_stored_components_are_numbered_and_unicode_emoji_have_no_id(fake: Fake) -> None:
    msg = await fake.bot_message(components=[row(button("c", emoji={"id": None, "name": "👍"}))])
    stored = msg["components"][0]["components"][0]
    assert isinstance(msg["components"][0]["id"], int) and isinstance(stored["id"], int)
    assert stored["emoji"] == {"name": "👍"}


async def test_synced_commands_keep_defaults_for_nulls(fake: Fake) -> None:
    body = [{**command()[0], "integration_types": None, "nsfw": None}]
    path = f"/applications/{fake.fd.application_id}/guilds/{fake.guild_id}/commands"
    status, synced, _ = await fake.call("PUT", path, body)
    assert status == 200 and synced[0]["integration_types"] == [0] and synced[0]["nsfw"] is False


async def test_every_error_has_all_problems_with_their_paths(fake: Fake) -> None:
    body = {"content": "x" * 2001, "components": [row(button("c" * 101, label="l" * 81))]}
    status, answer, _ = await fake.call("POST", f"/channels/{fake.channel_id}/messages", body)
    assert status == 400 and set(answer) == {"code", "message", "errors"}
    assert error_at(answer, ("content",))
    assert error_at(answer, ("components", 0, "components", 0, "custom_id"))
    assert error_at(answer, ("components", 0, "components", 0, "label"))


# ---- what the fake dispatches --------------------------------------------------------------------------


async def test_user_messages_longer_than_discord_delivers_are_refused(fake: Fake) -> None:
    with pytest.raises(ValueError, match="4000"):
        await fake.fd.message_create(fake.channel_id, content="가" * 4001)


# ---- spec-driven ---------------------------------------------------------------------------------------

needs_spec = pytest.mark.skipif(not spec_available(), reason="../shared/specs/discord is absent")


@needs_spec
async def test_spec_refuses_what_only_the_spec_knows(fake: Fake) -> None:
    """Fields the built-in limits do not model: allowed_mentions.parse values, tts type."""
    body = {"content": "a", "allowed_mentions": {"parse": ["users"]}, "tts": False}
    assert (await fake.call("POST", f"/channels/{fake.channel_id}/messages", body))[0] == 200
    body = {"content": "a", "allowed_mentions": {"parse": ["nobody"]}, "tts": "yes"}
    status, answer, _ = await fake.call("POST", f"/channels/{fake.channel_id}/messages", body)
    assert status == 400
    assert error_at(answer, ("allowed_mentions", "parse", 0))[0]["code"] == "BASE_TYPE_CHOICES"
    assert error_at(answer, ("tts",))[0]["code"] == "BASE_TYPE_BOOLEAN"


@needs_spec
def test_spec_follows_the_docs_where_they_disagree() -> None:
    """The spec says 4000 characters of content and 40 modal components; the docs 2000 and 5."""
    route = "/channels/{channel_id}/messages"
    assert spec_problems("POST", route, {"content": "x" * 2000}) == []
    assert [p.path for p in spec_problems("POST", route, {"content": "x" * 2001})] == [("content",)]
    callback = "/interactions/{interaction_id}/{interaction_token}/callback"
    assert [p.path for p in spec_problems("POST", callback, modal(rows=6))] == [("data", "components")]
    # discord.py sends snowflakes as numbers and permissions as digit strings; Discord takes both.
    sync = [{**command()[0], "default_member_permissions": "32", "id": 123}]
    assert spec_problems("PUT", "/applications/{application_id}/commands", sync) == []


async def test_single_command_create_and_edit_are_checked(fake: Fake) -> None:
    path = f"/applications/{fake.fd.application_id}/guilds/{fake.guild_id}/commands"
    status, answer, _ = await fake.call("POST", path, {"name": "Bad Name", "description": "x"})
    assert status == 400 and error_at(answer, ("name",))[0]["code"] == "APPLICATION_COMMAND_INVALID_NAME"
    status, created, _ = await fake.call("POST", path, command()[0])
    assert status == 201
    assert (await fake.call("PATCH", f"{path}/{created['id']}", {"description": "설" * 100}))[0] == 200
    status, answer, _ = await fake.call("PATCH", f"{path}/{created['id']}", {"description": "설" * 101})
    assert status == 400 and error_at(answer, ("description",))
