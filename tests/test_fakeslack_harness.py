"""The fake Slack itself: it refuses what Slack refuses, and the real slack-bolt/slack-sdk work against it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakeslack import FakeSlack
from tests.fakeslack.blocks import pings
from tests.fakeslack.spec import rule, spec_available

T1 = "T0000000001"


@pytest_asyncio.fixture
async def fs() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


def client(fs: FakeSlack, token: str | None = None) -> AsyncWebClient:
    return AsyncWebClient(token=token or fs.bot_token, base_url=fs.api_url)


async def error_of(call) -> str:
    with pytest.raises(SlackApiError) as info:
        await call
    return info.value.response["error"]


@pytest.mark.skipif(not spec_available(), reason="../shared/specs/slack not present: the rules come from it")
async def test_tokens_and_scopes_are_checked(fs: FakeSlack) -> None:
    channel = fs.default_channel().id
    anonymous = AsyncWebClient(base_url=fs.api_url)
    assert await error_of(anonymous.chat_postMessage(channel=channel, text="x")) == "not_authed"
    assert await error_of(client(fs, "xoxb-wrong").chat_postMessage(channel=channel, text="x")) == "invalid_auth"
    app_token = client(fs, fs.app_token)
    assert await error_of(app_token.chat_postMessage(channel=channel, text="x")) == "not_allowed_token_type"
    assert await error_of(client(fs).apps_connections_open(app_token=fs.bot_token)) == "not_allowed_token_type"
    fs.scopes = fs.scopes - {"users:read"}
    user = fs.add_user(T1, "alice")
    with pytest.raises(SlackApiError) as info:
        await client(fs).users_info(user=user.id)
    assert info.value.response["error"] == "missing_scope" and info.value.response["needed"] == "users:read"


@pytest.mark.skipif(not spec_available(), reason="../shared/specs/slack not present")
def test_rules_come_from_the_spec_and_the_docs() -> None:
    post = rule("chat.postMessage")
    assert post is not None and "channel" in post.required and "link_names" in post.booleans
    assert post.scope == "chat:write"
    assert rule("usergroups.users.list").scope == "usergroups:read"  # type: ignore[union-attr]
    assert rule("users.info").required == ("user",)  # type: ignore[union-attr]  # docs over the 2021 spec
    assert rule("apps.connections.open").token == "app"  # type: ignore[union-attr]


@pytest.mark.skipif(not spec_available(), reason="../shared/specs/slack not present: the rules come from it")
async def test_message_rules(fs: FakeSlack) -> None:
    c = client(fs)
    channel = fs.default_channel().id
    assert await error_of(c.chat_postMessage(channel=channel)) == "no_text"
    assert await error_of(c.api_call("chat.postMessage", json={"text": "x"})) == "invalid_arguments"
    assert await error_of(c.chat_postMessage(channel="C404", text="x")) == "channel_not_found"
    outside = fs.add_channel(T1, "elsewhere", bot_member=False)
    assert await error_of(c.chat_postMessage(channel=outside.id, text="x")) == "not_in_channel"
    assert await error_of(c.chat_postMessage(channel=channel, text="x" * 40_001)) == "msg_too_long"
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "a" * 3000}}
    ok = await c.chat_postMessage(channel=channel, text="x", blocks=[section] * 50)
    assert ok["ok"]
    too_long = {"type": "section", "text": {"type": "mrkdwn", "text": "a" * 3001}}
    with pytest.raises(SlackApiError) as info:
        await c.chat_postMessage(channel=channel, text="x", blocks=[too_long])
    assert info.value.response["error"] == "invalid_blocks"
    assert "/blocks/0/text/text" in info.value.response["errors"][0]
    assert await error_of(c.chat_postMessage(channel=channel, text="x", blocks=[section] * 51)) == "invalid_blocks"
    button = {"type": "button", "text": {"type": "plain_text", "text": "b" * 76}, "action_id": "a"}
    actions = {"type": "actions", "elements": [button]}
    assert await error_of(c.chat_postMessage(channel=channel, text="x", blocks=[actions])) == "invalid_blocks"
    verbatim_plain = {"type": "section", "text": {"type": "plain_text", "text": "x", "verbatim": True}}
    assert await error_of(c.chat_postMessage(channel=channel, text="x", blocks=[verbatim_plain])) == "invalid_blocks"
    assert await error_of(c.chat_update(channel=channel, ts="1.2", text="y")) == "message_not_found"
    assert await error_of(c.chat_postMessage(channel=channel, text="x", thread_ts="1.2")) == "thread_not_found"
    assert len(fs.refused_calls()) >= 5


async def test_failures_on_demand_and_429_retry_after(fs: FakeSlack) -> None:
    channel = fs.default_channel().id
    fs.fail_next("chat.postMessage", "fatal_error")
    assert await error_of(client(fs).chat_postMessage(channel=channel, text="x")) == "fatal_error"
    fs.rate_limit_next("chat.postMessage", retry_after=1)
    retrying = AsyncWebClient(
        token=fs.bot_token, base_url=fs.api_url, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)]
    )
    started = time.monotonic()
    assert (await retrying.chat_postMessage(channel=channel, text="x"))["ok"]
    assert time.monotonic() - started >= 1.0
    calls = fs.calls("chat.postMessage")
    assert [c.status for c in calls[-2:]] == [429, 200] and calls[-2].error == "ratelimited"


async def test_trigger_ids_last_three_seconds_and_work_once(fs: FakeSlack) -> None:
    alice = fs.add_user(T1, "alice")
    view = {"type": "modal", "title": {"type": "plain_text", "text": "t"}, "blocks": []}
    trigger = fs.issue_trigger(T1, alice.id)
    assert (await client(fs).views_open(trigger_id=trigger, view=view))["ok"]
    assert await error_of(client(fs).views_open(trigger_id=trigger, view=view)) == "exchanged_trigger_id"
    late = fs.issue_trigger(T1, alice.id)
    fs.clock.advance(3.5)
    assert await error_of(client(fs).views_open(trigger_id=late, view=view)) == "expired_trigger_id"
    long_title = dict(view, title={"type": "plain_text", "text": "x" * 25})
    assert await error_of(client(fs).views_open(trigger_id=fs.issue_trigger(T1, alice.id), view=long_title)) == (
        "invalid_arguments"
    )


async def test_response_urls_take_five_posts(fs: FakeSlack) -> None:
    import aiohttp

    alice = fs.add_user(T1, "alice")
    url = fs.issue_response_url(T1, alice.id, fs.default_channel().id)
    async with aiohttp.ClientSession() as s:
        statuses = []
        for _ in range(6):
            async with s.post(url, json={"text": "hi"}) as r:
                statuses.append(r.status)
    assert statuses == [200] * 5 + [404]
    assert fs.calls("response_url")[-1].response["error"] == "used_url"


async def test_files_upload_v2_info_and_private_download(fs: FakeSlack) -> None:
    import aiohttp

    c = client(fs)
    channel = fs.default_channel().id
    assert await error_of(c.api_call("files.upload", data={"content": "x"})) == "method_deprecated"
    done = await c.files_upload_v2(channel=channel, filename="faq.csv", content="id,question\n")
    file_id = done["files"][0]["id"]
    info = await c.files_info(file=file_id)
    url = info["file"]["url_private"]
    async with aiohttp.ClientSession() as s:
        async with s.get(url, allow_redirects=False) as r:
            assert r.status == 302  # no token: the sign-in page
        async with s.get(url, headers={"Authorization": f"Bearer {fs.bot_token}"}) as r:
            assert await r.read() == b"id,question\n"


def test_pings_are_found_where_slack_would_notify() -> None:
    assert pings("hi <!channel>", None) == ["!channel"]
    assert pings("&lt;!channel&gt;", None) == []
    block = {"type": "section", "text": {"type": "mrkdwn", "text": "<@U0000000009> <!subteam^S1>", "verbatim": True}}
    assert pings(None, [block]) == ["@U0000000009", "!subteam^S1"]
    assert pings("@channel", None) == [] and pings("@channel", None, link_names=True) == ["@channel"]


async def bolt_app(fs: FakeSlack) -> AsyncApp:
    app = AsyncApp(client=client(fs), signing_secret=fs.signing_secret)

    @app.event("app_mention")
    async def on_mention(event, say) -> None:
        await say(text="answer", thread_ts=event.get("thread_ts") or event["ts"])

    @app.event("message")
    async def on_message() -> None:
        pass

    return app


async def test_socket_mode_delivers_acks_and_redelivers_after_a_drop(fs: FakeSlack) -> None:
    app = await bolt_app(fs)
    handler = AsyncSocketModeHandler(app, fs.app_token)
    await handler.connect_async()
    try:
        alice = fs.add_user(T1, "alice")
        posted, deliveries = await fs.mention(alice, "회비?")
        assert [d.payload["event"]["type"] for d in deliveries] == ["message", "app_mention"]
        for d in deliveries:
            await d.ack()
        (call,) = await fs.wait_for_call("chat.postMessage")
        assert call.args["thread_ts"] == posted.ts
        # An ack lost on the way, then the connection drops: Slack sends the event again, retry_attempt 1.
        await fs.settle()
        fs.socket.lose_next_ack = True
        _, (lost,) = await fs.send_message(alice, "그냥 메시지")
        await asyncio.sleep(0.3)
        assert not lost.envelope.done.is_set()  # type: ignore[union-attr]
        await fs.socket.drop()
        await asyncio.wait_for(_connections(fs, 2), 5)
        retry = fs.socket.envelopes[-1]
        await asyncio.wait_for(retry.done.wait(), 5)
        assert retry.retry_attempt == 1 and retry.payload == lost.payload
    finally:
        await handler.close_async()


async def _connections(fs: FakeSlack, n: int) -> None:
    while fs.socket.connections < n:  # noqa: ASYNC110
        await asyncio.sleep(0.05)


async def test_http_mode_signed_requests_reach_bolt_and_bad_ones_get_401(fs: FakeSlack) -> None:
    from aiohttp import web

    fs.mode = "http"
    app = await bolt_app(fs)
    runner = web.AppRunner(app.web_app(path="/slack/events"))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fs.http_url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/slack/events"  # type: ignore[union-attr]
    try:
        alice = fs.add_user(T1, "alice")
        _, deliveries = await fs.mention(alice, "회비?")
        assert [await d.status() for d in deliveries] == [200, 200]
        await fs.wait_for_call("chat.postMessage")
        body = json.dumps(deliveries[1].payload)
        assert (await fs.post_signed(body, secret="wrong"))[0] == 401
        assert (await fs.post_signed(body, timestamp=int(time.time()) - 6 * 60))[0] == 401
    finally:
        await runner.cleanup()
