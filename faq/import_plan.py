"""What an import file would change in a scope, worked out before anything is written.

A row names the FAQ it updates by its id (the ``id`` column of an export), else by its
question (equal to any question of an existing FAQ, spacing- and case-insensitive);
a row that names none is a new FAQ. So re-importing an unchanged export changes
nothing and keeps every id, an edited row updates its FAQ in place, and ``replace``
removes only the FAQs the file no longer holds. Every problem is collected, each with
its place in the file, and reported at once (:class:`~faq.errors.ImportFailed`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from faq.errors import ImportFailed
from faq.text import normalized_key
from faq.types import Faq, FaqDraft

Problem = tuple[int | None, str]  # (file line or None, message)


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One FAQ read from a file: its content, the id it names (if any) and where it is."""

    draft: FaqDraft
    faq_id: int | None = None
    line: int | None = None  # CSV/xlsx: the file's own line (row) number
    item: int | None = None  # JSON: the item's 1-based position
    # The file has no alternates column (key): an updated FAQ keeps the alternates it has.
    keep_alternates: bool = False

    def problem(self, message: str) -> Problem:
        if self.line is not None:
            return self.line, message
        if self.item is not None:
            return None, f"{self.item}번째 항목: {message}"
        return None, message

    @property
    def place(self) -> str:
        if self.line is not None:
            return f"{self.line}번째 줄"
        return f"{self.item}번째 항목" if self.item is not None else "다른 항목"


@dataclass(frozen=True, slots=True)
class ImportPlan:
    add: tuple[FaqDraft, ...]
    update: tuple[tuple[int, FaqDraft], ...]
    unchanged: tuple[int, ...]
    remove: tuple[int, ...]

    @property
    def changes(self) -> bool:
        return bool(self.add or self.update or self.remove)


def file_problems(rows: Sequence[ImportRow]) -> list[Problem]:
    """Problems within the file itself: a question in two rows, an id in two rows."""
    problems: list[Problem] = []
    text_owner: dict[str, ImportRow] = {}
    id_owner: dict[int, ImportRow] = {}
    for row in rows:
        if row.faq_id is not None:
            first = id_owner.setdefault(row.faq_id, row)
            if first is not row:
                problems.append(row.problem(f"id {row.faq_id}이(가) {first.place}에도 있습니다"))
        for text in (row.draft.question, *row.draft.alternates):
            first = text_owner.setdefault(normalized_key(text), row)
            if first is not row:
                problems.append(row.problem(f"같은 질문이 {first.place}에도 있습니다: {text!r}"))
    return problems


def _resolved(row: ImportRow, target: Faq | None) -> ImportRow:
    if not row.keep_alternates or target is None:
        return row
    key = normalized_key(row.draft.question)
    kept = tuple(a for a in target.alternates if normalized_key(a) != key)
    return replace(row, draft=FaqDraft(row.draft.question, row.draft.answer, kept), keep_alternates=False)


def plan_import(existing: Sequence[Faq], rows: Sequence[ImportRow], *, replace: bool = False) -> ImportPlan:
    """Match ``rows`` to the ``existing`` FAQs of one scope; raise ImportFailed listing every problem."""
    by_id = {faq.id: faq for faq in existing}
    text_owner = {normalized_key(t): faq.id for faq in existing for t in faq.questions}
    targets: list[int | None] = []
    claimed: dict[int, ImportRow] = {}
    problems: list[Problem] = []
    for row in rows:
        # An id this scope does not hold (another server's export, a deleted FAQ) is matched by question.
        target = row.faq_id if row.faq_id in by_id else text_owner.get(normalized_key(row.draft.question))
        if target is not None:
            first = claimed.setdefault(target, row)
            if first is not row:
                problems.append(row.problem(f"FAQ #{target}을(를) {first.place}도 가리킵니다 (한 FAQ에 한 줄만)"))
        targets.append(target)
    rows = [
        _resolved(row, by_id.get(target) if target is not None else None)
        for row, target in zip(rows, targets, strict=True)
    ]
    problems[:0] = file_problems(rows)
    if not replace:  # kept FAQs the file does not touch must not lose a question to a row
        for row, target in zip(rows, targets, strict=True):
            for text in (row.draft.question, *row.draft.alternates):
                owner = text_owner.get(normalized_key(text))
                if owner is not None and owner != target and owner not in claimed:
                    problems.append(
                        row.problem(
                            f"{text!r}은(는) 이미 FAQ #{owner}의 질문입니다 "
                            f"(그 FAQ를 고치려면 id 열에 {owner}, 파일로 전부 바꾸려면 --replace)"
                        )
                    )
    if problems:
        raise ImportFailed.of(sorted(problems, key=lambda p: (p[0] is None, p[0] or 0)))
    add: list[FaqDraft] = []
    update: list[tuple[int, FaqDraft]] = []
    unchanged: list[int] = []
    for row, target in zip(rows, targets, strict=True):
        if target is None:
            add.append(row.draft)
        elif by_id[target].draft() == row.draft:
            unchanged.append(target)
        else:
            update.append((target, row.draft))
    remove = tuple(faq.id for faq in existing if faq.id not in claimed) if replace else ()
    return ImportPlan(tuple(add), tuple(update), tuple(unchanged), remove)


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: tuple[Faq, ...]
    removed_ids: tuple[int, ...]
    updated: tuple[Faq, ...] = ()
    unchanged_ids: tuple[int, ...] = ()


def import_summary(result: ImportResult | ImportPlan) -> str:
    """'2개 추가, 1개 수정, 17개 그대로[, 3개 삭제]': the CLI's and every chat adapter's wording.

    A plan (``--dry-run``) reads the same, its removals '3개 삭제 예정'.
    """
    if isinstance(result, ImportPlan):
        counts = (len(result.add), len(result.update), len(result.unchanged), len(result.remove))
        removed = "개 삭제 예정"
    else:
        counts = (len(result.added), len(result.updated), len(result.unchanged_ids), len(result.removed_ids))
        removed = "개 삭제"
    parts = [f"{counts[0]}개 추가", f"{counts[1]}개 수정", f"{counts[2]}개 그대로"]
    if counts[3]:
        parts.append(f"{counts[3]}{removed}")
    return ", ".join(parts)
