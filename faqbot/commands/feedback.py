"""``faqbot feedback …``: the review queue of 👍 pairs (member question → FAQ).

A 👍 is training data only after an admin accepts it here or with ``/faq-admin feedback``;
``faqbot train --db`` reads accepted pairs only (docs/security.md).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from chat import cli_messages as say
from chat.messages import DELETED_FAQ
from faq.activity import ActivityLog, FeedbackPair, Review
from faqbot.app import open_store
from faqbot.commands.common import scope_options, settings_from

CLI_REVIEWER = "cli"
_REVIEW_NAMES = {"pending": Review.PENDING, "accepted": Review.ACCEPTED, "rejected": Review.REJECTED, "all": None}


def register(sub: argparse._SubParsersAction) -> None:
    parent = scope_options()
    p = sub.add_parser("feedback", help="👍 피드백 검토 (list/accept/reject): 승인한 것만 학습에 쓰임")
    fb_sub = p.add_subparsers(dest="feedback_command", required=True, metavar="ACTION")

    lst = fb_sub.add_parser("list", parents=[parent], help="검토할 👍 피드백 목록 (기본: 대기 중)")
    lst.add_argument("--status", choices=sorted(_REVIEW_NAMES), default="pending", help="보여 줄 상태")
    lst.add_argument("--limit", type=int, default=50, help="최대 개수 (기본 50)")
    lst.set_defaults(func=_sync(_list))

    for name, accept, text in (("accept", True, "학습 데이터로 승인"), ("reject", False, "거절 (학습에 안 씀)")):
        action = fb_sub.add_parser(name, parents=[parent], help=f"피드백 {text}")
        action.add_argument("ids", type=int, nargs="+", metavar="ID", help="피드백 번호 (list 의 #번호)")
        action.set_defaults(func=_sync(_review), accept=accept)


def _sync(handler):  # type: ignore[no-untyped-def]
    def run(args: argparse.Namespace) -> int:
        return asyncio.run(handler(args))

    return run


def _line(pair: FeedbackPair) -> str:
    faq = pair.faq_question if pair.faq_question is not None else DELETED_FAQ
    return f"#{pair.id}\t{pair.review.value}\t{pair.text}\t→ FAQ #{pair.faq_id} {faq}\t{pair.voted_at[:10]}"


async def _list(args: argparse.Namespace) -> int:
    if args.limit < 1:
        print(say.error(say.LIMIT_AT_LEAST_ONE), file=sys.stderr)
        return 2
    async with open_store(settings_from(args).db) as store:
        pairs = await ActivityLog(store).feedback_pairs(args.guild, review=_REVIEW_NAMES[args.status], limit=args.limit)
    for pair in pairs:
        print(_line(pair))
    print(say.feedback_total(len(pairs)), file=sys.stderr)
    return 0


async def _review(args: argparse.Namespace) -> int:
    async with open_store(settings_from(args).db) as store:
        pairs = await ActivityLog(store).review(args.guild, args.ids, accept=args.accept, reviewer=CLI_REVIEWER)
    for pair in pairs:
        print(_line(pair))
    print(say.feedback_reviewed(len(pairs), accept=args.accept), file=sys.stderr)
    return 0
