"""``faqbot ask``: answer questions from the FAQs (plain text or JSON lines)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from chat import cli_messages as say
from chat.replies import confidence_percent
from faq.errors import FaqError, InvalidInput
from faq.service import FaqService
from faq.types import Answer, Status
from faqbot.commands.common import scope_options, scoped_service


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ask", parents=[scope_options()], help="질문에 답하기")
    p.add_argument("question", nargs="?", help="질문 (--file 과 함께 쓰지 않음)")
    p.add_argument("--json", action="store_true", help="JSON 한 줄로 출력")
    p.add_argument("--file", type=Path, help="한 줄에 질문 하나인 파일 (- 는 표준 입력)")
    p.set_defaults(func=run)


def format_answer(answer: Answer) -> str:
    if answer.status is Status.ANSWER and answer.best:
        best = answer.best
        return say.answered(confidence_percent(best.confidence), best.question, best.faq_id, answer.answer or "")
    if answer.status is Status.SUGGEST:
        lines = [say.SUGGEST_INTRO]
        lines += [
            say.suggestion(i, c.question, c.faq_id, confidence_percent(c.confidence))
            for i, c in enumerate(answer.suggestions, start=1)
        ]
        lines.append(say.SUGGEST_HINT)
        return "\n".join(lines)
    return say.NO_ANSWER


def _read_questions(path: Path) -> list[str]:
    raw = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(say.not_utf8(path)) from exc
    return text.splitlines()


async def _ask_all(args: argparse.Namespace, questions: list[str]) -> int:
    status = 0
    async with scoped_service(args) as service:
        for number, question in enumerate(questions, start=1):
            if args.file and not question.strip():
                continue  # blank lines separate groups in query files
            status = max(status, await _ask_one(service, args, question, number if args.file else None))
    return status


async def _ask_one(service: FaqService, args: argparse.Namespace, question: str, line: int | None) -> int:
    try:
        answer = await service.ask(args.guild, question)
    except FaqError as exc:
        if line is None:
            raise
        where = say.on_line(line) if line else ""
        if args.json:
            print(json.dumps({"status": "error", "error": str(exc), "line": line}, ensure_ascii=False))
        else:
            print(say.error(f"{where}{exc}"), file=sys.stderr)
        return 2
    if answer.truncated:
        print(say.question_truncated(len(answer.query)), file=sys.stderr)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
    else:
        print(format_answer(answer), flush=True)
    return 0


def run(args: argparse.Namespace) -> int:
    if args.file and args.question:
        raise InvalidInput(say.QUESTION_AND_FILE)
    if args.file:
        questions = _read_questions(args.file)
    elif args.question is not None:
        questions = [args.question]
    else:
        raise InvalidInput(say.QUESTION_MISSING)
    if not args.file and not questions[0].strip():
        raise InvalidInput(say.QUESTION_EMPTY)
    return asyncio.run(_ask_all(args, questions))
