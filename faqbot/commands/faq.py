"""``faqbot faq …``: curate the FAQs of a scope from the command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from chat import cli_messages as say
from chat.replies import confidence_percent
from faq.errors import InvalidInput
from faq.import_plan import import_summary
from faq.service import FaqService, clean_draft
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
        lines.append(say.ALTERNATES_HEADING)
        lines += [f"  - {alt}" for alt in faq.alternates]
    lines.append(say.authored(faq.created_by, faq.created_at, faq.updated_by, faq.updated_at))
    return "\n".join(lines)


async def _add(args: argparse.Namespace) -> int:
    # Admin wording for an empty field, before the duplicate check treats the text as a member's question.
    draft = clean_draft(FaqDraft(args.question, args.answer, tuple(args.alt)))
    async with scoped_service(args, write=True) as service:
        if not args.force:
            close = await service.similar(args.guild, draft.question)
            if close is not None:
                raise InvalidInput(
                    say.similar_exists(
                        close.faq_id, close.question, confidence_percent(close.confidence), _quoted(draft.question)
                    )
                )
        faq = await service.add(args.guild, draft, CLI_ACTOR)
    print(say.faq_added(faq.id))
    return 0


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


async def _edit(args: argparse.Namespace) -> int:
    if args.question is None and args.answer is None and args.alt is None:
        raise InvalidInput(say.EDIT_NOTHING)
    if args.alt is not None and not any(a.strip() for a in args.alt):
        raise InvalidInput(say.EDIT_EMPTY_ALTERNATES)
    async with scoped_service(args, write=True) as service:
        before = await service.get(args.guild, args.id)
        faq = await service.edit(
            args.guild, args.id, CLI_ACTOR, question=args.question, answer=args.answer, alternates=args.alt
        )
    replaced = (len(before.alternates), len(faq.alternates)) if args.alt is not None else None
    print(say.faq_edited(faq.id, replaced))
    return 0


async def _changed_alternates(
    args: argparse.Namespace, change: Callable[[FaqService], Awaitable[Faq]]
) -> tuple[int, Faq]:
    """Apply ``change(service)`` to FAQ ``args.id``: (alternates before, the FAQ after)."""
    async with scoped_service(args, write=True) as service:
        before = await service.get(args.guild, args.id)
        return len(before.alternates), await change(service)


async def _alt_add(args: argparse.Namespace) -> int:
    before, faq = await _changed_alternates(
        args, lambda service: service.add_alternates(args.guild, args.id, args.texts, CLI_ACTOR)
    )
    print(say.alternates_added(faq.id, len(faq.alternates) - before, len(faq.alternates)))
    return 0


async def _alt_remove(args: argparse.Namespace) -> int:
    before, faq = await _changed_alternates(
        args, lambda service: service.remove_alternates(args.guild, args.id, args.texts, CLI_ACTOR)
    )
    print(say.alternates_removed(faq.id, before - len(faq.alternates), len(faq.alternates)))
    return 0


async def _alt_clear(args: argparse.Namespace) -> int:
    before, faq = await _changed_alternates(
        args, lambda service: service.edit(args.guild, args.id, CLI_ACTOR, alternates=())
    )
    print(say.alternates_cleared(faq.id, before))
    return 0


async def _remove(args: argparse.Namespace) -> int:
    async with scoped_service(args, write=True) as service:
        faq = await service.remove(args.guild, args.id, CLI_ACTOR)
    print(say.faq_removed(faq.id, faq.question))
    return 0


async def _list(args: argparse.Namespace) -> int:
    async with scoped_store(args) as store:
        faqs = await store.list_faqs(args.guild)
    for faq in faqs:
        extra = f" (+{len(faq.alternates)})" if faq.alternates else ""
        print(f"#{faq.id}\t{faq.question}{extra}")
    print(say.total(len(faqs)), file=sys.stderr)
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
        raise InvalidInput(say.cannot_read(args.file, exc.strerror)) from exc
    rows = read_rows(data, args.format or detect_format(args.file.name, data))
    async with scoped_service(args, write=True) as service:
        if args.dry_run:
            plan = await service.preview_import(args.guild, rows, replace=args.replace)
            print(say.import_preview(import_summary(plan)))
            for faq_id in plan.remove:
                print(say.planned_removal(faq_id))
            return 0
        result = await service.import_rows(args.guild, rows, CLI_ACTOR, replace=args.replace)
    print(say.imported(args.guild, import_summary(result)))
    return 0


async def _export(args: argparse.Namespace) -> int:
    if str(args.file).lower().endswith((".xlsx", ".xls")):
        raise InvalidInput(say.NO_EXCEL_EXPORT)
    fmt = args.format or ("json" if str(args.file).endswith(".json") else "csv")
    async with scoped_store(args) as store:
        data = export(await store.list_faqs(args.guild), fmt)
    if args.file == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        Path(args.file).write_bytes(data)
        print(say.exported(args.file), file=sys.stderr)
    return 0
