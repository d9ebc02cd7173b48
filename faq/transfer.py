"""Import and export of FAQ files: CSV (id,question,answer,alternates), JSON and, to read, .xlsx.

Parsing never touches the database: a file is either parsed whole into rows or
rejected with every problem found (up to :attr:`ImportFailed.MAX_SHOWN` shown), each
with the file's own line number (CSV, .xlsx) or item number (JSON). Which FAQ a row
updates is decided later, against the scope (:mod:`faq.import_plan`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Literal

from faq.errors import FaqError, ImportFailed, InvalidInput
from faq.import_plan import ImportRow, Problem, file_problems
from faq.service import clean_draft
from faq.types import Faq, FaqDraft

Format = Literal["csv", "json", "xlsx"]
MAX_IMPORT_BYTES = 5 * 2**20
MAX_IMPORT_FAQS = 5000
ALT_SEPARATOR = "|"
CSV_HEADER = ("id", "question", "answer", "alternates")
BOM = "\ufeff"  # Excel opens a CSV as UTF-8 only when it starts with one
XLSX_EXTRA_HINT = "pip install 'faqbot[xlsx]'"
# Spreadsheet apps run cells starting with these as formulas (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Header names an admin may write, after lower-casing and dropping spaces, '_' and '-'.
_COLUMN_NAMES = {
    "id": ("id", "번호", "faqid", "faq번호"),
    "question": ("question", "질문"),
    "answer": ("answer", "답변", "답"),
    "alternates": ("alternates", "alternate", "alternatives", "대체질문", "대체질문들", "비슷한질문"),
}
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # the pre-2007 binary format


def detect_format(name: str, data: bytes) -> Format:
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm") or data.startswith(_XLSX_MAGIC):
        return "xlsx"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    if suffix == ".json":
        return "json"
    return "json" if data.lstrip()[:1] in (b"[", b"{") else "csv"


def _decode(data: bytes) -> str:
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


def join_alternates(alternates: Iterable[str]) -> str:
    r"""One cell: alternates separated by ``|``; a ``|`` or ``\`` inside one is written ``\|`` / ``\\``."""
    return ALT_SEPARATOR.join(a.replace("\\", "\\\\").replace("|", "\\|") for a in alternates)


def split_alternates(cell: str) -> tuple[str, ...]:
    r"""Inverse of :func:`join_alternates`. A lone ``\`` (``C:\temp``) stays as written."""
    parts: list[str] = []
    current: list[str] = []
    chars = iter(enumerate(cell))
    for i, ch in chars:
        if ch == "\\" and cell[i + 1 : i + 2] in ("|", "\\"):
            current.append(next(chars)[1])
        elif ch == ALT_SEPARATOR:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return tuple(a for a in (p.strip() for p in parts) if a)


def read_rows(data: bytes, fmt: Format) -> list[ImportRow]:
    """Parse and validate a whole file; raise :class:`ImportFailed` listing every problem."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFailed(f"파일이 너무 큽니다 ({len(data):,}바이트, 최대 {MAX_IMPORT_BYTES:,}바이트)")
    if fmt == "json":
        rows, problems = _parse_json(_decode(data))
    elif fmt == "xlsx":
        rows, problems = _parse_table(_xlsx_cells(data))
    else:
        if data.startswith(_XLSX_MAGIC) or data.startswith(_XLS_MAGIC):
            raise ImportFailed("CSV가 아니라 엑셀 파일입니다: .xlsx 이름으로 가져오거나 'CSV UTF-8'로 저장하세요")
        rows, problems = _parse_table(_csv_cells(_decode(data)))
    if not rows and not problems:
        raise ImportFailed("FAQ가 하나도 없습니다")
    problems += file_problems(rows)
    if problems:
        raise ImportFailed.of(sorted(problems, key=lambda p: (p[0] is None, p[0] or 0)))
    return rows


def parse(data: bytes, fmt: Format) -> list[FaqDraft]:
    """The FAQs of a file without ids or places (bundled data, tests)."""
    return [row.draft for row in read_rows(data, fmt)]


def _too_many(count: int) -> ImportFailed:
    return ImportFailed(f"FAQ가 너무 많습니다 ({count:,}개 이상, 최대 {MAX_IMPORT_FAQS:,}개)")


def _column_key(name: str) -> str | None:
    key = "".join(ch for ch in name.strip().lstrip(BOM).lower() if ch not in " _-")
    return next((column for column, names in _COLUMN_NAMES.items() if key in names), None)


def _parse_id(cell: str) -> int:
    text = cell.strip().lstrip("#")
    if text.endswith(".0"):  # spreadsheets store whole numbers as floats
        text = text[:-2]
    if not text.isdecimal() or not 0 < int(text) < 2**63:
        raise ValueError(cell)
    return int(text)


def _csv_cells(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, cells); a malformed record raises ImportFailed at its line."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFailed(f"CSV 형식 오류: {exc}", start) from None
        yield start, row
        start = reader.line_num + 1


def _xlsx_cells(data: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        import openpyxl
    except ImportError:
        raise ImportFailed(
            f".xlsx 파일을 읽으려면 openpyxl이 필요합니다: {XLSX_EXTRA_HINT} (또는 엑셀에서 'CSV UTF-8'로 저장)"
        ) from None
    # An uploaded file is untrusted: whatever openpyxl trips over is "cannot read", never a traceback.
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ImportFailed(f"엑셀 파일을 읽을 수 없습니다 ({type(exc).__name__})") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        number = 0
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as exc:
                raise ImportFailed(f"엑셀 파일을 읽을 수 없습니다 ({type(exc).__name__})", number + 1) from None
            number += 1
            yield number, [_xlsx_text(v) for v in values]
    finally:
        book.close()


def _xlsx_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parse_table(cells: Iterator[tuple[int, list[str]]]) -> tuple[list[ImportRow], list[Problem]]:
    header = next(((n, row) for n, row in cells if any(c.strip() for c in row)), None)
    if header is None:
        raise ImportFailed("빈 파일입니다")
    header_line, names = header
    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        key = _column_key(name)
        if key is not None:
            columns.setdefault(key, index)
    if "question" not in columns or "answer" not in columns:
        found = ", ".join(repr(n.strip()) for n in names[:6] if n.strip()) or "없음"
        raise ImportFailed(
            "첫 줄(헤더)에 question(질문), answer(답변) 열이 필요합니다 "
            f"(선택: id, alternates(대체 질문)); 지금 헤더: {found}",
            header_line,
        )
    rows: list[ImportRow] = []
    problems: list[Problem] = []
    for line, row in cells:
        if not any(cell.strip() for cell in row):
            continue
        if len(rows) + len(problems) >= MAX_IMPORT_FAQS:
            raise _too_many(MAX_IMPORT_FAQS + 1)  # before validating 100,000 rows only to reject them
        found = _table_row(line, row, columns)
        if isinstance(found, ImportRow):
            rows.append(found)
        else:
            problems.append(found)
    return rows, problems


def _table_row(line: int, row: Sequence[str], columns: dict[str, int]) -> ImportRow | Problem:
    def cell(name: str) -> str:
        index = columns.get(name)
        return row[index] if index is not None and index < len(row) else ""

    if max(columns["question"], columns["answer"]) >= len(row):
        return line, f"열이 {max(columns.values()) + 1}개여야 하는데 {len(row)}개입니다"
    faq_id = None
    if cell("id").strip():
        try:
            faq_id = _parse_id(cell("id"))
        except ValueError:
            return line, f"id가 FAQ 번호가 아닙니다: {cell('id')!r} (새 FAQ면 비워 두세요)"
    draft = FaqDraft(
        _unescape_cell(cell("question")),
        _unescape_cell(cell("answer")),
        split_alternates(_unescape_cell(cell("alternates"))),
    )
    try:
        return ImportRow(clean_draft(draft), faq_id, line=line, keep_alternates="alternates" not in columns)
    except FaqError as exc:
        return line, str(exc)


def _parse_json(text: str) -> tuple[list[ImportRow], list[Problem]]:
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
    if len(items) > MAX_IMPORT_FAQS:
        raise _too_many(len(items))
    rows: list[ImportRow] = []
    problems: list[Problem] = []
    for number, item in enumerate(items, start=1):
        found = _json_item(number, item)
        if isinstance(found, ImportRow):
            rows.append(found)
        else:
            problems.append((None, f"{number}번째 항목: {found}"))
    return rows, problems


def _json_item(number: int, item: object) -> ImportRow | str:
    if not isinstance(item, dict):
        return "객체가 아닙니다"
    fields = {_column_key(str(k)): v for k, v in item.items()}
    question, answer = fields.get("question"), fields.get("answer")
    alternates = fields.get("alternates") or []
    faq_id = fields.get("id")
    if not isinstance(question, str) or not isinstance(answer, str):
        return "question과 answer는 문자열이어야 합니다"
    if not isinstance(alternates, list) or not all(isinstance(a, str) for a in alternates):
        return "alternates는 문자열 목록이어야 합니다"
    if faq_id is not None and (isinstance(faq_id, bool) or not isinstance(faq_id, int) or not 0 < faq_id < 2**63):
        return f"id가 FAQ 번호가 아닙니다: {faq_id!r}"
    try:
        draft = clean_draft(FaqDraft(question, answer, tuple(alternates)))
        return ImportRow(draft, faq_id, item=number, keep_alternates="alternates" not in fields)
    except FaqError as exc:
        return str(exc)


def _escape_cell(value: str) -> str:
    return "'" + value if _needs_guard(value) else value


def export(faqs: Sequence[Faq], fmt: Format) -> bytes:
    """CSV (with a BOM, for Excel) or JSON; both carry ids so a re-import updates in place."""
    if fmt == "json":
        items = [
            {"id": f.id, "question": f.question, "answer": f.answer, "alternates": list(f.alternates)} for f in faqs
        ]
        return (json.dumps(items, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt != "csv":
        raise InvalidInput(f"내보낼 수 없는 형식입니다: {fmt} (csv 또는 json)")
    buf = io.StringIO(newline="")
    buf.write(BOM)
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for f in faqs:
        writer.writerow(
            [f.id, _escape_cell(f.question), _escape_cell(f.answer), _escape_cell(join_alternates(f.alternates))]
        )
    return buf.getvalue().encode("utf-8")
