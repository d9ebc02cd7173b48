"""``faqbot stats``: what members asked and how it went (the CLI side of ``/faq-admin stats``)."""

from __future__ import annotations

import argparse
import asyncio
import json

from chat import cli_messages as say
from chat.listing import stats_lines, top_use
from chat.messages import DELETED
from faq.activity import ActivityLog, ScopeStats
from faqbot.commands.common import bounded_int, scope_options, scoped_store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("stats", parents=[scope_options()], help="질문·답변 통계 (디스코드의 /faq-admin stats)")
    p.add_argument("--days", type=bounded_int(1, 3650), default=30, metavar="DAYS", help="최근 며칠 (기본 30)")
    p.add_argument("--json", action="store_true", help="JSON 한 줄로 출력")
    p.set_defaults(func=run)


def format_stats(s: ScopeStats, scope: str) -> str:
    lines = [say.stats_heading(s.days, scope), *stats_lines(s)]
    if s.top:
        lines.append(say.TOP_FAQS_HEADING)
        lines += [f"  {i}. #{t.faq_id} {t.question or DELETED} — {top_use(t.count)}" for i, t in enumerate(s.top, 1)]
    return "\n".join(lines)


async def _run(args: argparse.Namespace) -> int:
    async with scoped_store(args, sample_fallback=False) as store:
        stats = await ActivityLog(store).stats(args.guild, days=args.days)
    if args.json:
        data = {
            "scope": args.guild,
            "days": stats.days,
            "total": stats.total,
            "askers": stats.askers,
            "answered": stats.answered,
            "suggested": stats.suggested,
            "unanswered": stats.unanswered,
            "up_votes": stats.up_votes,
            "down_votes": stats.down_votes,
            "top": [{"faq_id": t.faq_id, "question": t.question, "count": t.count} for t in stats.top],
        }
        print(json.dumps(data, ensure_ascii=False))
    else:
        print(format_stats(stats, args.guild))
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))
