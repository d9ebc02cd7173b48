"""``faqbot faq …``: curate the FAQs of a scope from the command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from faq.errors import InvalidInput
from faq.transfer import detect_format, export, parse
from faq.types import Faq, FaqDraft
from faqbot.app import open_service, open_store
from faqbot.commands.common import scope_options, settings_from

CLI_ACTOR = "cli"


def register(sub: argparse._SubParsersAction) -> None:
    parent = scope_options()
    p = sub.add_parser("faq", help="FAQ 관리 (add/edit/remove/list/show/import/export)")
    faq_sub = p.add_subparsers(dest="faq_command", required=True, metavar="ACTION")

    add = faq_sub.add_parser("add", parents=[parent], help="FAQ 추가")
    add.add_argument("--question", "-q", required=True)
    add.add_argument("--answer", "-a", required=True)
    add.add_argument("--alt", action="append", default=[], help="대체 질문 (여러 번 가능)")
    add.add_argument("--force", action="store_true", help="의미가 비슷한 FAQ가 있어도 추가")
    add.set_defaults(func=_sync(_add))

    edit = faq_sub.add_parser("edit", parents=[parent], help="FAQ 수정")
    edit.add_argument("id", type=int)
    edit.add_argument("--question", "-q")
    edit.add_argument("--answer", "-a")
    edit.add_argument("--alt", action="append", help="대체 질문 목록 전체를 이것으로 교체 (여러 번 가능)")
    edit.set_defaults(func=_sync(_edit))

    remove = faq_sub.add_parser("remove", parents=[parent], help="FAQ 삭제")
    remove.add_argument("id", type=int)
    remove.set_defaults(func=_sync(_remove))

    lst = faq_sub.add_parser("list", parents=[parent], help="FAQ 목록")
    lst.set_defaults(func=_sync(_list))

    show = faq_sub.add_parser("show", parents=[parent], help="FAQ 하나 보기")
    show.add_argument("id", type=int)
    show.set_defaults(func=_sync(_show))

    imp = faq_sub.add_parser("import", parents=[parent], help="CSV/JSON 파일에서 가져오기")
    imp.add_argument("file", type=Path)
    imp.add_argument("--replace", action="store_true", help="범위의 FAQ를 파일 내용과 정확히 같게 (한 트랜잭션)")
    imp.add_argument("--format", choices=["csv", "json"])
    imp.set_defaults(func=_sync(_import))

    exp = faq_sub.add_parser("export", parents=[parent], help="CSV/JSON으로 내보내기")
    exp.add_argument("file", nargs="?", default="-", help="출력 파일 (기본: 표준 출력)")
    exp.add_argument("--format", choices=["csv", "json"])
    exp.set_defaults(func=_sync(_export))


def _sync(handler):  # type: ignore[no-untyped-def]
    def run(args: argparse.Namespace) -> int:
        return asyncio.run(handler(args))

    return run


def describe(faq: Faq) -> str:
    lines = [f"FAQ #{faq.id}", f"Q. {faq.question}", f"A. {faq.answer}"]
    if faq.alternates:
        lines.append("대체 질문:")
        lines += [f"  - {alt}" for alt in faq.alternates]
    lines.append(f"(작성 {faq.created_by} {faq.created_at}, 수정 {faq.updated_by} {faq.updated_at})")
    return "\n".join(lines)


async def _add(args: argparse.Namespace) -> int:
    async with open_service(settings_from(args)) as service:
        draft = FaqDraft(args.question, args.answer, tuple(args.alt))
        if not args.force:
            close = await service.similar(args.guild, args.question)
            if close is not None:
                raise InvalidInput(
                    f"의미가 비슷한 FAQ #{close.faq_id}가 이미 있습니다: {close.question!r} "
                    f"(신뢰도 {round(close.confidence * 100)}%). 대체 질문으로 추가하려면 "
                    f"'faqbot faq edit {close.faq_id} --alt ...', 그래도 추가하려면 --force"
                )
        faq = await service.add(args.guild, draft, CLI_ACTOR)
    print(f"추가했습니다: FAQ #{faq.id}")
    return 0


async def _edit(args: argparse.Namespace) -> int:
    if args.question is None and args.answer is None and args.alt is None:
        raise InvalidInput("바꿀 내용을 주세요: --question, --answer, --alt")
    async with open_service(settings_from(args)) as service:
        faq = await service.edit(
            args.guild, args.id, CLI_ACTOR, question=args.question, answer=args.answer, alternates=args.alt
        )
    print(f"수정했습니다: FAQ #{faq.id}")
    return 0


async def _remove(args: argparse.Namespace) -> int:
    async with open_service(settings_from(args)) as service:
        faq = await service.remove(args.guild, args.id, CLI_ACTOR)
    print(f"삭제했습니다: FAQ #{faq.id} {faq.question}")
    return 0


async def _list(args: argparse.Namespace) -> int:
    async with open_store(settings_from(args).db) as store:
        faqs = await store.list_faqs(args.guild)
    for faq in faqs:
        extra = f" (+{len(faq.alternates)})" if faq.alternates else ""
        print(f"#{faq.id}\t{faq.question}{extra}")
    print(f"총 {len(faqs)}개", file=sys.stderr)
    return 0


async def _show(args: argparse.Namespace) -> int:
    async with open_store(settings_from(args).db) as store:
        faq = await store.get(args.guild, args.id)
    print(describe(faq))
    return 0


async def _import(args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"파일을 읽을 수 없습니다: {args.file}: {exc.strerror}") from exc
    drafts = parse(data, args.format or detect_format(args.file.name, data))
    async with open_service(settings_from(args)) as service:
        result = await service.import_drafts(args.guild, drafts, CLI_ACTOR, replace=args.replace)
    removed = f", {len(result.removed_ids)}개 교체" if args.replace else ""
    print(f"가져왔습니다: {len(result.added)}개 추가{removed}")
    return 0


async def _export(args: argparse.Namespace) -> int:
    fmt = args.format or ("json" if str(args.file).endswith(".json") else "csv")
    async with open_store(settings_from(args).db) as store:
        data = export(await store.list_faqs(args.guild), fmt)
    if args.file == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        Path(args.file).write_bytes(data)
        print(f"내보냈습니다: {args.file}", file=sys.stderr)
    return 0
