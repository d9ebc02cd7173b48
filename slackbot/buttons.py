"""What the buttons do: 👍/👎 and suggestion picks under answers (the chat layer's flows and
id grammar), and the admin buttons (remove confirmation, duplicate warning, the App Home's
unanswered queue). The scope is always the workspace the click came from, never the id;
admin buttons re-check the admin rule, so a forged click changes nothing.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from chat import custom_ids, flows, messages
from faq.types import FaqDraft
from slackbot import blocks as bk
from slackbot import texts
from slackbot.markup import SLACK

if TYPE_CHECKING:
    from slackbot.adapter import Respond, SlackAdapter

log = logging.getLogger(__name__)


def register(adapter: SlackAdapter) -> None:
    app = adapter.app
    core = adapter.core

    async def start(ack: Any, body: dict[str, Any], context: Any) -> tuple[str | None, str, dict[str, Any]]:
        await ack()
        adapter.track()
        return adapter.scope(body, context), body["user"]["id"], body["actions"][0]

    async def member_click(ack: Any, body: dict[str, Any], context: Any, respond: Respond, pattern: str, act) -> None:
        """A button under an answer: ids parsed by the chat layer's grammar, the flow run in the click's scope."""
        scope, user, action = await start(ack, body, context)
        m = re.fullmatch(pattern, action["action_id"])
        try:
            assert scope is not None and m is not None  # the listener's own pattern matched
            await act(scope, user, m)
        except Exception as exc:
            await adapter.report(respond, exc, pattern.split(":")[1])

    @app.action(re.compile(f"^{custom_ids.VOTE_PATTERN}$"))
    async def vote(ack: Any, body: dict[str, Any], context: Any, respond: Respond) -> None:
        async def act(scope: str, user: str, m: re.Match[str]) -> None:
            up = m["vote"] == "up"
            await adapter.note(
                respond, await flows.vote(core, scope, int(m["query"]), int(m["faq"]), user_id=user, up=up)
            )

        await member_click(ack, body, context, respond, custom_ids.VOTE_PATTERN, act)

    @app.action(re.compile(f"^{custom_ids.PICK_PATTERN}$"))
    async def pick(ack: Any, body: dict[str, Any], context: Any, respond: Respond) -> None:
        async def act(scope: str, user: str, m: re.Match[str]) -> None:
            picked = await flows.pick(core, scope, int(m["query"]), int(m["faq"]), user_id=user)
            await adapter.ephemeral(
                respond, bk.faq_blocks(picked.faq, votes_for=picked.query_id if picked.asker else None)
            )

        await member_click(ack, body, context, respond, custom_ids.PICK_PATTERN, act)

    @app.action(re.compile(f"^{custom_ids.NO_MATCH_PATTERN}$"))
    async def no_match(ack: Any, body: dict[str, Any], context: Any, respond: Respond) -> None:
        async def act(scope: str, user: str, m: re.Match[str]) -> None:
            await adapter.note(respond, await flows.no_match(core, scope, int(m["query"]), user_id=user))

        await member_click(ack, body, context, respond, custom_ids.NO_MATCH_PATTERN, act)

    # ---- admin buttons ---------------------------------------------------------------------------

    async def admin_start(ack: Any, body: dict[str, Any], context: Any, respond: Respond | None):
        scope, user, action = await start(ack, body, context)
        if scope is None or not await adapter.is_admin(scope, user):
            log.warning("scope %s: a non-admin clicked %s; nothing changed", scope, action.get("action_id"))
            if respond is not None:
                await adapter.note(respond, texts.ADMIN_REQUIRED)
            return None
        return scope, user, action

    @app.action(re.compile(r"^slack:remove:[0-9]{1,19}$"))
    async def remove(ack: Any, body: dict[str, Any], context: Any, respond: Respond) -> None:
        started = await admin_start(ack, body, context, respond)
        if started is None:
            return
        scope, user, action = started
        try:
            faq = await core.service.remove(scope, int(action["action_id"].rsplit(":", 1)[1]), f"slack:{user}")
            await adapter.note(respond, messages.faq_removed(faq.id, SLACK.member_text(faq.question)))
        except Exception as exc:
            await adapter.report(respond, exc, "remove")

    @app.action("slack:cancel")
    async def cancel(ack: Any, respond: Respond) -> None:
        await ack()
        await adapter.note(respond, messages.CANCELLED)

    @app.action(re.compile(r"^slack:dup:(alt:[0-9]{1,19}|add|cancel)$"))
    async def duplicate_choice(ack: Any, body: dict[str, Any], context: Any, respond: Respond) -> None:
        started = await admin_start(ack, body, context, respond)
        if started is None:
            return
        scope, user, action = started
        choice = action["action_id"].split(":")[2]
        try:
            draft: FaqDraft = adapter.pending.take(action.get("value") or "", scope, user)  # type: ignore[attr-defined]
            if choice == "cancel":
                await adapter.note(respond, messages.CANCELLED)
            elif choice == "alt":
                faq_id = int(action["action_id"].rsplit(":", 1)[1])
                faq = await flows.merge_as_alternate(core, scope, faq_id, draft, f"slack:{user}")
                await adapter.note(respond, messages.merged_as_alternate(faq.id))
            else:
                faq = await core.service.add(scope, draft, f"slack:{user}")
                await adapter.note(respond, messages.faq_added_now_live(faq.id, SLACK.member_text(faq.question)))
        except Exception as exc:
            await adapter.report(respond, exc, "duplicate choice")

    @app.action(re.compile(f"^{custom_ids.TRIAGE_PATTERN}$"))
    async def triage(ack: Any, body: dict[str, Any], context: Any) -> None:
        started = await admin_start(ack, body, context, None)
        if started is None:
            return
        scope, user, action = started
        m = re.fullmatch(custom_ids.TRIAGE_PATTERN, action["action_id"])
        assert m is not None
        try:
            record = await flows.unanswered_question(core, scope, int(m["query"]))
            if m["action"] == "alt" and m["faq"]:
                await flows.question_as_alternate(core, scope, record.id, record.text, int(m["faq"]), f"slack:{user}")
            elif m["action"] == "skip":
                await flows.skip(core, scope, record)
            from slackbot.home import publish_home

            await publish_home(adapter, scope, user)
        except Exception as exc:
            await adapter.report(None, exc, "unanswered triage")
