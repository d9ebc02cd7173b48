"""``faqbot unanswered``: questions members got no answer to (the CLI side of ``/faq-admin unanswered``)."""

from __future__ import annotations

import argparse
import asyncio
import json

from chat import cli_messages as say
from chat.listing import unanswered_reason
from chat.replies import confidence_percent
from faq.activity import ActivityLog
from faqbot.commands.common import bounded_int, scope_options, scoped_store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("unanswered", parents=[scope_options()], help="답하지 못한 최근 질문 (답 없음·해당 없음·👎)")
    p.add_argument("--limit", type=bounded_int(1, 500), default=20, metavar="N", help="최대 개수 (기본 20)")
    p.add_argument("--json", action="store_true", help="질문마다 JSON 한 줄")
    p.set_defaults(func=run)


async def _run(args: argparse.Namespace) -> int:
    async with scoped_store(args, sample_fallback=False) as store:
        records = await ActivityLog(store).unanswered(args.guild, limit=args.limit)
    for r in records:
        if args.json:
            item = {
                "query_id": r.id,
                "asked_at": r.asked_at,
                "text": r.text,
                "reason": unanswered_reason(r),
                "closest_faq_id": r.faq_id,
                "confidence": r.confidence,
            }
            print(json.dumps(item, ensure_ascii=False))
        else:
            best = say.closest_faq(r.faq_id, confidence_percent(r.confidence or 0)) if r.faq_id else ""
            print(f"{r.asked_at[:10]}\t{unanswered_reason(r)}\t{r.text}{best}")
    if not records and not args.json:
        print(say.NOTHING_UNANSWERED)
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))
