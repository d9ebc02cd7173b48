"""App Home: for members, how to ask and the most asked FAQs; for admins also the stats and the
unanswered queue, each question with a one-click "make this an alternate" of its closest FAQ."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from chat import custom_ids, listing, messages
from chat.replies import confidence_percent
from slackbot import blocks as bk
from slackbot import texts
from slackbot.markup import SLACK

if TYPE_CHECKING:
    from slackbot.adapter import SlackAdapter

log = logging.getLogger(__name__)

STATS_DAYS = 30
QUEUE_SHOWN = 10


async def home_view(adapter: SlackAdapter, scope: str, user: str) -> dict[str, Any]:
    core = adapter.core
    stats = await core.activity_log.stats(scope, days=STATS_DAYS)
    blocks: list[bk.Block] = [
        {"type": "header", "text": bk.plain(texts.HOME_MEMBER_TITLE, 150)},
        *bk.sections(texts.HOME_HOW_TO_ASK),
    ]
    top = [f"{i}. {SLACK.member_text(t.question, 100)}" for i, t in enumerate(stats.top, 1) if t.question]
    blocks += bk.sections(SLACK.bold(texts.HOME_TOP) + "\n" + ("\n".join(top) or texts.HOME_NO_TOP))
    if await adapter.is_admin(scope, user):
        blocks += [{"type": "divider"}, {"type": "header", "text": bk.plain(texts.HOME_ADMIN, 150)}]
        blocks += bk.sections(listing.stats_text(stats, SLACK))
        records = await core.activity_log.unanswered(scope, limit=QUEUE_SHOWN)
        blocks += bk.sections(
            SLACK.bold(texts.HOME_UNANSWERED) + ("" if records else f"\n{messages.NOTHING_UNANSWERED}")
        )
        for r in records:
            closest = f" · 가장 가까운 FAQ #{r.faq_id} {confidence_percent(r.confidence or 0)}" if r.faq_id else ""
            blocks += bk.sections(f"{SLACK.member_text(r.text, listing.LISTED_QUESTION_CHARS)}{closest}")
            buttons = [bk.button(messages.TRIAGE_LABELS["skip"], custom_ids.triage("skip", r.id))]
            if r.faq_id:
                buttons.insert(
                    0,
                    bk.button(
                        messages.TRIAGE_LABELS["alt"].format(faq=r.faq_id), custom_ids.triage("alt", r.id, r.faq_id)
                    ),
                )
            blocks.append(bk.actions(*buttons))
    return {"type": "home", "blocks": blocks[: bk.VIEW_BLOCKS]}


async def publish_home(adapter: SlackAdapter, scope: str, user: str) -> None:
    await adapter.client.views_publish(user_id=user, view=await home_view(adapter, scope, user))


def register(adapter: SlackAdapter) -> None:
    @adapter.app.event("app_home_opened")
    async def opened(body: dict[str, Any], context: Any, event: dict[str, Any]) -> None:
        adapter.track()
        scope = adapter.scope(body, context)
        if scope is None or event.get("tab") != "home":
            return
        try:
            await publish_home(adapter, scope, event["user"])
        except Exception as exc:
            await adapter.report(None, exc, "App Home")
