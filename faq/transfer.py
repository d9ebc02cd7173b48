"""Import and export of FAQ files: CSV (question,answer,alternates) and JSON.

Parsing never touches the database: a file is either parsed whole into drafts
or rejected with the line (CSV) or item (JSON) that is wrong.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from faq.errors import FaqError, ImportFailed
from faq.service import check_unique, clean_draft
from faq.types import Faq, FaqDraft

Format = Literal["csv", "json"]
MAX_IMPORT_BYTES = 5 * 2**20
MAX_IMPORT_FAQS = 5000
ALT_SEPARATOR = "|"
CSV_HEADER = ("question", "answer", "alternates")
# Spreadsheet apps run cells starting with these as formulas (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def detect_format(name: str, data: bytes) -> Format:
    suffix = Path(name).suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    if suffix == ".json":
        return "json"
    return "json" if data.lstrip()[:1] in (b"[", b"{") else "csv"


def _decode(data: bytes) -> str:
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFailed(f"파일이 너무 큽니다 ({len(data):,}바이트, 최대 {MAX_IMPORT_BYTES:,}바이트)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFailed("UTF-8 인코딩이 아닙니다 (엑셀에서 'CSV UTF-8'로 저장하세요)", line) from None


def _needs_guard(value: str) -> bool:
    # Quotes before a formula start count too: "'=x" must survive export and import unchanged.
    return value.lstrip("'").startswith(_FORMULA_START)


def _unescape_cell(value: str) -> str:
    # Undo export's CSV-injection guard so a round trip is lossless.
    if value.startswith("'") and _needs_guard(value[1:]):
        return value[1:]
    return value


def parse(data: bytes, fmt: Format) -> list[FaqDraft]:
    """Parse and validate a whole file; raise :class:`ImportFailed` on the first problem."""
    text = _decode(data)
    drafts = _parse_csv(text) if fmt == "csv" else _parse_json(text)
    if not drafts:
        raise ImportFailed("FAQ가 하나도 없습니다")
    _check_count(len(drafts))
    try:
        check_unique([d for _, d in drafts])
    except FaqError as exc:
        raise ImportFailed(str(exc)) from None
    return [d for _, d in drafts]


def _check_count(count: int) -> None:
    if count > MAX_IMPORT_FAQS:
        raise ImportFailed(f"FAQ가 너무 많습니다 ({count:,}개 이상, 최대 {MAX_IMPORT_FAQS:,}개)")


def _validated(draft: FaqDraft, line: int) -> tuple[int, FaqDraft]:
    try:
        return line, clean_draft(draft)
    except FaqError as exc:
        raise ImportFailed(str(exc), line) from None


def _parse_csv(text: str) -> list[tuple[int, FaqDraft]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ImportFailed(f"CSV 형식 오류: {exc}", 1) from None
    if header is None:
        raise ImportFailed("빈 파일입니다")
    columns = [h.strip().lower() for h in header]
    if "question" not in columns or "answer" not in columns:
        raise ImportFailed("첫 줄(헤더)에 question, answer 열이 필요합니다 (선택: alternates)", 1)
    qi, ai = columns.index("question"), columns.index("answer")
    alti = columns.index("alternates") if "alternates" in columns else None
    out: list[tuple[int, FaqDraft]] = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            _check_count(len(out) + 1)  # before validating 100,000 rows only to reject them
            if len(row) < len(columns):
                raise ImportFailed(f"열이 {len(columns)}개여야 하는데 {len(row)}개입니다", line)
            alts = _unescape_cell(row[alti]) if alti is not None else ""
            draft = FaqDraft(
                _unescape_cell(row[qi]),
                _unescape_cell(row[ai]),
                tuple(a for a in (s.strip() for s in alts.split(ALT_SEPARATOR)) if a),
            )
            out.append(_validated(draft, line))
    except csv.Error as exc:
        raise ImportFailed(f"CSV 형식 오류: {exc}", reader.line_num) from None
    return out


def _parse_json(text: str) -> list[tuple[int, FaqDraft]]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"JSON 형식 오류: {exc.msg}", exc.lineno) from None
    except RecursionError:  # "[[[[…" nested deeper than the parser's stack
        raise ImportFailed("JSON 형식 오류: 너무 깊게 중첩되어 있습니다") from None
    if isinstance(items, dict) and isinstance(items.get("faqs"), list):
        items = items["faqs"]
    if not isinstance(items, list):
        raise ImportFailed('JSON은 [{"question", "answer", "alternates": [...]}, ...] 목록이어야 합니다')
    _check_count(len(items))
    out: list[tuple[int, FaqDraft]] = []
    for number, item in enumerate(items, start=1):
        where = f"{number}번째 항목"
        if not isinstance(item, dict):
            raise ImportFailed(f"{where}이 객체가 아닙니다")
        question, answer = item.get("question"), item.get("answer")
        alternates = item.get("alternates", [])
        if not isinstance(question, str) or not isinstance(answer, str):
            raise ImportFailed(f"{where}: question과 answer는 문자열이어야 합니다")
        if not isinstance(alternates, list) or not all(isinstance(a, str) for a in alternates):
            raise ImportFailed(f"{where}: alternates는 문자열 목록이어야 합니다")
        try:
            out.append((number, clean_draft(FaqDraft(question, answer, tuple(alternates)))))
        except FaqError as exc:
            raise ImportFailed(f"{where}: {exc}") from None
    return out


def _escape_cell(value: str) -> str:
    return "'" + value if _needs_guard(value) else value


def export(faqs: Sequence[Faq], fmt: Format) -> bytes:
    if fmt == "json":
        items = [{"question": f.question, "answer": f.answer, "alternates": list(f.alternates)} for f in faqs]
        return (json.dumps(items, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for f in faqs:
        writer.writerow(
            [_escape_cell(f.question), _escape_cell(f.answer), _escape_cell(ALT_SEPARATOR.join(f.alternates))]
        )
    return buf.getvalue().encode("utf-8")
