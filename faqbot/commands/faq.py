"""``faqbot faq …``: curate the FAQs of a scope from the command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from faq.errors import InvalidInput
from faq.import_plan import import_summary
from faq.service import clean_draft
from faq.transfer import detect_format, export, read_rows
from faq.types import Faq, FaqDraft
from faqbot.commands.common import scope_options, scoped_service, scoped_store

CLI_ACTOR = "cli"


def register(sub: argparse._SubParsersAction) -> None:
    parent = scope_options()
    p = sub.add_parser("faq", help="FAQ 관리 (add/edit/alt/remove/list/show/import/export)")
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
    edit.add_argument(
        "--alt",
        action="append",
        help="대체 질문 목록 전체를 이것으로 교체 (여러 번 가능; 하나만 더하려면 faqbot faq alt add)",
    )
    edit.set_defaults(func=_sync(_edit))

    alt = faq_sub.add_parser("alt", help="대체 질문 하나씩 더하기/빼기/모두 지우기")
    alt_sub = alt.add_subparsers(dest="alt_command", required=True, metavar="ACTION")
    alt_add = alt_sub.add_parser("add", parents=[parent], help="대체 질문 더하기 (기존 것은 그대로)")
    alt_add.add_argument("id", type=int)
    alt_add.add_argument("texts", nargs="+", metavar="TEXT")
    alt_add.set_defaults(func=_sync(_alt_add))
    alt_remove = alt_sub.add_parser("remove", parents=[parent], help="대체 질문 빼기")
    alt_remove.add_argument("id", type=int)
    alt_remove.add_argument("texts", nargs="+", metavar="TEXT")
    alt_remove.set_defaults(func=_sync(_alt_remove))
    alt_clear = alt_sub.add_parser("clear", parents=[parent], help="대체 질문 모두 지우기")
    alt_clear.add_argument("id", type=int)
    alt_clear.set_defaults(func=_sync(_alt_clear))

    remove = faq_sub.add_parser("remove", parents=[parent], help="FAQ 삭제")
    remove.add_argument("id", type=int)
    remove.set_defaults(func=_sync(_remove))

    lst = faq_sub.add_parser("list", parents=[parent], help="FAQ 목록")
    lst.set_defaults(func=_sync(_list))

    show = faq_sub.add_parser("show", parents=[parent], help="FAQ 하나 보기")
    show.add_argument("id", type=int)
    show.set_defaults(func=_sync(_show))

    imp = faq_sub.add_parser(
        "import",
        parents=[parent],
        help="CSV/JSON/xlsx 파일에서 가져오기 (id 또는 질문이 같은 FAQ는 그 자리에서 수정)",
    )
    imp.add_argument("file", type=Path)
    imp.add_argument(
        "--replace", action="store_true", help="파일에 없는 FAQ는 지워 범위를 파일과 같게 (남는 FAQ의 번호는 그대로)"
    )
    imp.add_argument("--dry-run", action="store_true", help="바뀔 내용만 보이고 아무것도 바꾸지 않음")
    imp.add_argument("--format", choices=["csv", "json", "xlsx"])
    imp.set_defaults(func=_sync(_import))

    exp = faq_sub.add_parser("export", parents=[parent], help="CSV/JSON으로 내보내기 (id 포함)")
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
    # Admin wording for an empty field, before the duplicate check treats the text as a member's question.
    draft = clean_draft(FaqDraft(args.question, args.answer, tuple(args.alt)))
    async with scoped_service(args, write=True) as service:
        if not args.force:
            close = await service.similar(args.guild, draft.question)
            if close is not None:
                raise InvalidInput(
                    f"의미가 비슷한 FAQ #{close.faq_id}가 이미 있습니다: {close.question!r} "
                    f"(신뢰도 {round(close.confidence * 100)}%). 그 FAQ의 대체 질문으로 더하려면 "
                    f"'faqbot faq alt add {close.faq_id} {_quoted(draft.question)}', 그래도 새로 추가하려면 --force"
                )
        faq = await service.add(args.guild, draft, CLI_ACTOR)
    print(f"추가했습니다: FAQ #{faq.id}")
    return 0


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


async def _edit(args: argparse.Namespace) -> int:
    if args.question is None and args.answer is None and args.alt is None:
        raise InvalidInput(
            "바꿀 내용을 주세요: --question, --answer, --alt (대체 질문 하나 더하기: faqbot faq alt add)"
        )
    if args.alt is not None and not any(a.strip() for a in args.alt):
        raise InvalidInput("대체 질문을 모두 지우려면: faqbot faq alt clear ID")
    async with scoped_service(args, write=True) as service:
        before = await service.get(args.guild, args.id)
        faq = await service.edit(
            args.guild, args.id, CLI_ACTOR, question=args.question, answer=args.answer, alternates=args.alt
        )
    note = ""
    if args.alt is not None:
        note = f" (대체 질문 {len(before.alternates)}개를 {len(faq.alternates)}개로 교체)"
    print(f"수정했습니다: FAQ #{faq.id}{note}")
    return 0


async def _alt_add(args: argparse.Namespace) -> int:
    async with scoped_service(args, write=True) as service:
        before = await service.get(args.guild, args.id)
        faq = await service.add_alternates(args.guild, args.id, args.texts, CLI_ACTOR)
    added = len(faq.alternates) - len(before.alternates)
    print(f"FAQ #{faq.id}에 대체 질문 {added}개를 더했습니다 (모두 {len(faq.alternates)}개).")
    return 0


async def _alt_remove(args: argparse.Namespace) -> int:
    async with scoped_service(args, write=True) as service:
        before = await service.get(args.guild, args.id)
        faq = await service.remove_alternates(args.guild, args.id, args.texts, CLI_ACTOR)
    removed = len(before.alternates) - len(faq.alternates)
    print(f"FAQ #{faq.id}에서 대체 질문 {removed}개를 뺐습니다 ({len(faq.alternates)}개 남음).")
    return 0


async def _alt_clear(args: argparse.Namespace) -> int:
    async with scoped_service(args, write=True) as service:
        before = await service.get(args.guild, args.id)
        faq = await service.edit(args.guild, args.id, CLI_ACTOR, alternates=())
    print(f"FAQ #{faq.id}의 대체 질문 {len(before.alternates)}개를 모두 지웠습니다.")
    return 0


async def _remove(args: argparse.Namespace) -> int:
    async with scoped_service(args, write=True) as service:
        faq = await service.remove(args.guild, args.id, CLI_ACTOR)
    print(f"삭제했습니다: FAQ #{faq.id} {faq.question}")
    return 0


async def _list(args: argparse.Namespace) -> int:
    async with scoped_store(args) as store:
        faqs = await store.list_faqs(args.guild)
    for faq in faqs:
        extra = f" (+{len(faq.alternates)})" if faq.alternates else ""
        print(f"#{faq.id}\t{faq.question}{extra}")
    print(f"총 {len(faqs)}개", file=sys.stderr)
    return 0


async def _show(args: argparse.Namespace) -> int:
    async with scoped_store(args) as store:
        faq = await store.get(args.guild, args.id)
    print(describe(faq))
    return 0


async def _import(args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"파일을 읽을 수 없습니다: {args.file}: {exc.strerror}") from exc
    rows = read_rows(data, args.format or detect_format(args.file.name, data))
    async with scoped_service(args, write=True) as service:
        if args.dry_run:
            plan = await service.preview_import(args.guild, rows, replace=args.replace)
            removed = f", {len(plan.remove)}개 삭제 예정" if plan.remove else ""
            print(
                f"바뀔 내용 (--dry-run, 아무것도 바꾸지 않았습니다): {len(plan.add)}개 추가, "
                f"{len(plan.update)}개 수정, {len(plan.unchanged)}개 그대로{removed}"
            )
            for faq_id in plan.remove:
                print(f"  삭제 예정: FAQ #{faq_id}")
            return 0
        result = await service.import_rows(args.guild, rows, CLI_ACTOR, replace=args.replace)
    print(f"가져왔습니다 ({args.guild}): {import_summary(result)}")
    return 0


async def _export(args: argparse.Namespace) -> int:
    if str(args.file).lower().endswith((".xlsx", ".xls")):
        raise InvalidInput("엑셀 파일로는 내보내지 않습니다: .csv로 내보내면 엑셀에서 바로 열립니다 (BOM 포함)")
    fmt = args.format or ("json" if str(args.file).endswith(".json") else "csv")
    async with scoped_store(args) as store:
        data = export(await store.list_faqs(args.guild), fmt)
    if args.file == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        Path(args.file).write_bytes(data)
        print(f"내보냈습니다: {args.file}", file=sys.stderr)
    return 0
