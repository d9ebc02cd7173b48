"""``/faq`` (members, ephemeral) and ``/faq-admin`` (admins; checked on every call).

Each handler acknowledges at once and answers through ``respond`` (the response URL);
modals open with ``views.open`` right after the admin check, inside the trigger's 3 s.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from chat import flows, listing, messages
from chat.answering import Question
from chat.replies import percent
from faq import transfer
from faq.activity import Source
from faq.errors import InvalidInput
from faq.types import Answer
from slackbot import blocks as bk
from slackbot import forms, texts
from slackbot.markup import SLACK, escape

if TYPE_CHECKING:
    from slackbot.adapter import Respond, SlackAdapter

log = logging.getLogger(__name__)

PAGE_CHARS = 2900  # one /faq list page: one section
LISTING_CHARS = 2900
UNANSWERED_SHOWN = 10


class EphemeralReplier:
    def __init__(self, adapter: SlackAdapter, respond: Respond) -> None:
        self.adapter = adapter
        self.respond = respond

    async def note(self, text: str) -> None:
        await self.adapter.note(self.respond, escape(text))

    async def answer(self, answer: Answer, query_id: int | None, admin_role: str | None) -> None:
        await self.adapter.ephemeral(self.respond, bk.reply_blocks(answer, query_id, admin_role))


def _number(raw: str) -> int:
    return flows.faq_number(raw)


def register(adapter: SlackAdapter) -> None:
    app = adapter.app
    core = adapter.core

    @app.command("/faq")
    async def faq(ack: Any, body: dict[str, Any], context: Any, respond: Respond) -> None:
        await ack()
        adapter.track()
        scope = adapter.scope(body, context)
        if scope is None:
            await adapter.note(respond, texts.ADMIN_REQUIRED)
            return
        sub, _, rest = (body.get("text") or "").strip().partition(" ")
        rest = rest.strip()
        user = body["user_id"]
        try:
            if sub == "ask" and rest:
                await adapter.policy.handle(
                    Question(scope, user, rest, Source.COMMAND, ref="command"), EphemeralReplier(adapter, respond)
                )
            elif sub == "list":
                faqs = await core.service.list(scope)
                pages = listing.faq_pages(faqs, SLACK, page_chars=PAGE_CHARS)
                if not faqs:
                    await adapter.note(respond, messages.NO_FAQS)
                    return
                page = min(max(int(rest) if rest.isdigit() else 1, 1), len(pages))
                await adapter.note(respond, f"{pages[page - 1]}\n{messages.page_footer(page, len(pages))}")
            elif sub == "show" and rest:
                faq = await core.service.get(scope, _number(rest))
                extra = [f"- {SLACK.member_text(a)}" for a in faq.alternates]
                blocks = bk.faq_blocks(faq)
                if extra:
                    blocks += bk.sections(SLACK.bold(f"대체 질문 {len(extra)}개") + "\n" + "\n".join(extra))
                await adapter.ephemeral(respond, blocks)
            else:
                await adapter.note(respond, texts.FAQ_HELP)
        except Exception as exc:
            await adapter.report(respond, exc, "/faq")

    @app.command("/faq-admin")
    async def faq_admin(ack: Any, body: dict[str, Any], context: Any, respond: Respond, client: Any) -> None:
        await ack()
        adapter.track()
        scope = adapter.scope(body, context)
        user = body["user_id"]
        if scope is None or not await adapter.is_admin(scope, user):
            await adapter.note(respond, texts.ADMIN_REQUIRED)
            return
        words = (body.get("text") or "").split()
        sub, args = (words[0], words[1:]) if words else ("", [])
        try:
            await _admin(adapter, scope, user, sub, args, body, respond)
        except Exception as exc:
            await adapter.report(respond, exc, f"/faq-admin {sub}")


async def _admin(
    adapter: SlackAdapter, scope: str, user: str, sub: str, args: list[str], body: dict[str, Any], respond: Respond
) -> None:
    core = adapter.core
    actor = f"slack:{user}"
    if sub == "add":
        await forms.open_faq_modal(adapter, body["trigger_id"], scope)
    elif sub == "edit" and args:
        faq = await core.service.get(scope, _number(args[0]))
        await forms.open_faq_modal(adapter, body["trigger_id"], scope, faq)
    elif sub == "remove" and args:
        faq = await core.service.get(scope, _number(args[0]))
        text = messages.confirm_remove(listing.faq_reference(faq, SLACK))
        await adapter.ephemeral(
            respond,
            [
                *bk.sections(text),
                bk.actions(
                    bk.button(messages.REMOVE_LABEL, f"slack:remove:{faq.id}", style="danger"),
                    bk.button(messages.CANCEL_LABEL, "slack:cancel"),
                ),
            ],
        )
    elif sub == "alt" and len(args) >= 3 and args[0] in ("add", "remove"):
        faq_id, text = _number(args[1]), " ".join(args[2:])
        if args[0] == "add":
            faq = await core.service.add_alternate(scope, faq_id, text, actor)
            await adapter.note(respond, messages.alternate_added(faq.id, len(faq.alternates)))
        else:
            faq = await core.service.remove_alternate(scope, faq_id, text, actor)
            await adapter.note(respond, messages.alternate_removed(faq.id, len(faq.alternates)))
    elif sub == "import":
        await adapter.note(respond, texts.IMPORT_HOW)
    elif sub == "export":
        fmt = "json" if args[:1] == ["json"] else "csv"
        channel = body.get("channel_id", "")
        if not channel.startswith("D"):
            await adapter.note(respond, texts.EXPORT_IN_DM)
            return
        faqs = await core.service.list(scope)
        data = transfer.export(faqs, fmt)  # type: ignore[arg-type]
        await adapter.client.files_upload_v2(
            channel=channel, filename=f"faqs.{fmt}", content=data, initial_comment=messages.exported(len(faqs))
        )
    elif sub == "config":
        await _config(adapter, scope, args, body, respond)
    elif sub == "stats":
        days = int(args[0]) if args and args[0].isdigit() else 30
        stats = await core.activity_log.stats(scope, days=days)
        await adapter.note(respond, listing.stats_text(stats, SLACK))
    elif sub == "unanswered":
        records = await core.activity_log.unanswered(scope, limit=UNANSWERED_SHOWN)
        if not records:
            await adapter.note(respond, messages.NOTHING_UNANSWERED)
            return
        await adapter.note(respond, listing.unanswered_text(records, SLACK, limit=LISTING_CHARS))
    else:
        await adapter.note(respond, texts.ADMIN_HELP)


async def _config(adapter: SlackAdapter, scope: str, args: list[str], body: dict[str, Any], respond: Respond) -> None:
    core = adapter.core
    configs = core.configs
    sub = args[0] if args else ""
    if sub == "channel-add":
        config = await configs.add_channel(scope, body["channel_id"])
        await adapter.note(respond, messages.channel_added(SLACK.channel(body["channel_id"]), len(config.faq_channels)))
    elif sub == "channel-remove":
        await configs.remove_channel(scope, body["channel_id"])
        await adapter.note(respond, messages.channel_removed(SLACK.channel(body["channel_id"])))
    elif sub == "admin-group" and len(args) == 2:
        group = None if args[1].lower() == "none" else args[1]
        if group is not None and not (group.startswith("S") and group[1:].isalnum()):
            raise InvalidInput(texts.GROUP_ID_FORMAT)
        await configs.set_admin_role(scope, group)
        adapter.admins.forget()
        await adapter.note(respond, messages.admin_role_set(SLACK.role(group) if group else None))
    elif sub == "cooldown" and len(args) == 2:
        try:
            seconds = float(args[1])
        except ValueError:
            raise InvalidInput(texts.NUMBER_FORMAT) from None
        await configs.set_cooldown(scope, seconds)
        await adapter.note(respond, messages.cooldown_set(seconds))
    elif sub == "thresholds" and len(args) in (3, 4):
        try:
            answer, suggest = float(args[1]), float(args[2])
            margin = float(args[3]) if len(args) == 4 else None
        except ValueError:
            raise InvalidInput(texts.NUMBER_FORMAT) from None
        current = await core.service.thresholds(scope)
        merged = listing.merged_thresholds(current, answer, suggest, margin)
        await core.service.set_thresholds(scope, merged)
        await adapter.note(
            respond, messages.thresholds_set(percent(merged.answer), percent(merged.suggest), percent(merged.margin))
        )
    elif not sub:
        config = await configs.get(scope)
        thresholds = await core.service.thresholds(scope)
        await adapter.note(respond, listing.config_text(config, thresholds, core.settings, SLACK))
    else:
        await adapter.note(respond, texts.ADMIN_HELP)
