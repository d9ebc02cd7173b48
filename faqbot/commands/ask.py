"""``faqbot ask``: answer questions from the FAQs (plain text or JSON lines)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

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


def _percent(confidence: float) -> str:
    return f"{round(confidence * 100)}%"


def format_answer(answer: Answer) -> str:
    if answer.status is Status.ANSWER and answer.best:
        return (
            f"[답변] 신뢰도 {_percent(answer.best.confidence)}\n"
            f"Q. {answer.best.question} (FAQ #{answer.best.faq_id})\n"
            f"A. {answer.answer}"
        )
    if answer.status is Status.SUGGEST:
        lines = ["[확실하지 않아요] 혹시 이 질문인가요?"]
        lines += [
            f"  {i}. {c.question} (FAQ #{c.faq_id}, 신뢰도 {_percent(c.confidence)})"
            for i, c in enumerate(answer.suggestions, start=1)
        ]
        lines.append("  → faqbot faq show ID 로 답변을 볼 수 있어요.")
        return "\n".join(lines)
    return "[모르겠어요] 관련된 FAQ를 찾지 못했어요. 운영진에게 직접 문의해 주세요."


def _read_questions(path: Path) -> list[str]:
    raw = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: UTF-8 텍스트가 아닙니다") from exc
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
        where = f"{line}번째 줄: " if line else ""
        if args.json:
            print(json.dumps({"status": "error", "error": str(exc), "line": line}, ensure_ascii=False))
        else:
            print(f"오류: {where}{exc}", file=sys.stderr)
        return 2
    if answer.truncated:
        print(f"알림: 질문이 너무 길어 앞부분({len(answer.query)}자)만 사용했습니다.", file=sys.stderr)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
    else:
        print(format_answer(answer), flush=True)
    return 0


def run(args: argparse.Namespace) -> int:
    if args.file and args.question:
        raise InvalidInput("질문과 --file 중 하나만 주세요.")
    if args.file:
        questions = _read_questions(args.file)
    elif args.question is not None:
        questions = [args.question]
    else:
        raise InvalidInput('질문을 주세요: faqbot ask "회비 얼마예요?"')
    if not args.file and not questions[0].strip():
        raise InvalidInput("질문이 비어 있습니다. 궁금한 내용을 입력해 주세요.")
    return asyncio.run(_ask_all(args, questions))
