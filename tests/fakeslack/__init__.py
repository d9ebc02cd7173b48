"""A local fake Slack for end-to-end tests of the real, unmodified slack-bolt ``AsyncApp``.

How to use it::

    from slack_sdk.web.async_client import AsyncWebClient
    from tests.fakeslack import FakeSlack

    async with FakeSlack() as fs:                                 # or the ``fake_slack`` fixture
        client = AsyncWebClient(token=fs.bot_token, base_url=fs.api_url)
        app = AsyncApp(client=client, signing_secret=fs.signing_secret)
        ...                                                        # listeners
        handler = AsyncSocketModeHandler(app, fs.app_token)       # apps.connections.open → ws
        await handler.connect_async()
        alice = fs.add_user("T0000000001", "alice")
        posted, deliveries = await fs.mention(alice, "회비 얼마예요?")  # message + app_mention twins
        (call,) = await fs.wait_for_call("chat.postMessage")
        assert call.args["thread_ts"] == posted.ts

Pieces: ``server.py`` (:class:`FakeSlack`: routes, token/scope/spec checks, failures on demand,
response URLs, files, what the bot posted), ``web_api.py`` (the methods), ``blocks.py``
(Block Kit limits, mention detection), ``spec.py`` (Slack's Web API spec from
``../shared/specs/slack``; current docs win where the 2021 spec differs), ``socket_mode.py``
(the websocket, acks, redelivery), ``delivery.py`` (events, commands, clicks, view
submissions, over Socket Mode or signed HTTP), ``records.py`` (recorded calls), ``fixtures.py``.

Slack behaviour it reproduces: ``ok: false`` errors (``not_authed``, ``invalid_auth``,
``not_allowed_token_type``, ``missing_scope``, ``invalid_arguments``, ``invalid_blocks``,
``no_text``, ``msg_too_long``, ``channel_not_found``, ``not_in_channel``,
``user_not_in_channel``, ``message_not_found``, ``cant_update_message``, ``thread_not_found``,
``invalid_trigger_id`` / ``exchanged_trigger_id`` / ``expired_trigger_id`` (3 s),
``not_found`` / ``hash_conflict`` for views, ``user_not_found``, ``no_such_subteam``,
``file_not_found``, ``method_deprecated`` for the retired ``files.upload``); 429 with
``Retry-After`` (:meth:`FakeSlack.rate_limit_next`); response URLs valid 30 minutes and 5
uses; ``url_private`` only with the bot token; the bot's own posts echoed back as
``message`` events; a mention in a channel delivered as ``message`` *and* ``app_mention``;
Socket Mode tickets that connect once, ``hello``, envelopes that must be acked within 3 s,
and events whose ack was lost redelivered with ``retry_attempt`` after a reconnect.
``fs.clock.advance(s)`` moves the fake's clock (trigger and response-URL windows).
"""

from __future__ import annotations

from .delivery import Delivery
from .records import RecordedCall
from .server import DEFAULT_SCOPES, FakeSlack
from .state import Channel, Posted, User

__all__ = ["DEFAULT_SCOPES", "Channel", "Delivery", "FakeSlack", "Posted", "RecordedCall", "User"]
