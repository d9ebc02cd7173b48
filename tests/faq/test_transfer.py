from __future__ import annotations

import json

import pytest

from faq.errors import ImportFailed
from faq.transfer import MAX_IMPORT_BYTES, detect_format, export, parse, read_rows
from faq.types import Faq


def faq(faq_id: int, question: str, answer: str = "답", alternates: tuple[str, ...] = ()) -> Faq:
    return Faq(faq_id, "g", question, answer, alternates, "a", "", "a", "")


def csv_bytes(*rows: str) -> bytes:
    return ("question,answer,alternates\n" + "\n".join(rows) + "\n").encode()


def test_csv_with_pipe_separated_alternates() -> None:
    drafts = parse(csv_bytes("회비는 얼마인가요?,3만 원입니다.,회비 금액|회비 얼마"), "csv")
    assert drafts[0].alternates == ("회비 금액", "회비 얼마")


def test_json_list_of_objects() -> None:
    data = json.dumps([{"question": "세션 언제?", "answer": "화요일", "alternates": ["세션 요일"]}]).encode()
    assert parse(data, "json")[0].question == "세션 언제?"


@pytest.mark.parametrize(
    ("data", "fmt", "line", "needle"),
    [
        (b"q,a\nx,y\n", "csv", 1, "헤더"),
        (csv_bytes("회비?,3만 원,", ",빈 질문,"), "csv", 3, "비어"),
        (csv_bytes("회비?,,"), "csv", 2, "답변"),
        (csv_bytes("회비?,답,", "회비 ?,다른 답,"), "csv", 3, "같은 질문이 2번째 줄에도"),
        (b"question,answer\n\xff\xfe,x\n", "csv", 2, "UTF-8"),
        (b'[{"question": "a?", "answer": 1}]', "json", None, "1번째 항목: question과 answer는 문자열"),
        (b'[{"question": "a?", "answer": "b",}', "json", 1, "JSON"),
        (b'{"foo": 1}', "json", None, "목록"),
        (b"[]", "json", None, "하나도"),
        (b'[{"question": "a?", "answer": "b", "alternates": "c"}]', "json", None, "alternates"),
    ],
)
def test_malformed_files_are_rejected_with_a_location(data: bytes, fmt: str, line: int | None, needle: str) -> None:
    with pytest.raises(ImportFailed) as info:
        parse(data, fmt)  # type: ignore[arg-type]
    assert needle in str(info.value)
    assert info.value.line == line
    assert "아무것도 변경되지 않았습니다" in str(info.value)


def test_oversized_file_is_rejected_before_parsing() -> None:
    with pytest.raises(ImportFailed, match="너무 큽니다"):
        parse(b"x" * (MAX_IMPORT_BYTES + 1), "csv")


def test_export_guards_against_csv_injection_and_round_trips() -> None:
    faq = Faq(
        1,
        "g",
        '=HYPERLINK("http://x")?',
        '+1 답변, 쉼표 "따옴표"\n둘째 줄',
        ("@everyone 질문", "-하이픈"),
        "a",
        "",
        "a",
        "",
    )
    data = export([faq], "csv")
    assert b"'=HYPERLINK" in data and b"'+1" in data and b"'@everyone" in data
    back = parse(data, "csv")[0]
    assert (back.question, back.answer, back.alternates) == (faq.question, faq.answer, faq.alternates)
    assert parse(export([faq], "json"), "json")[0].answer == faq.answer


def test_detect_format() -> None:
    assert detect_format("faqs.JSON", b"") == "json"
    assert detect_format("faqs.csv", b"[") == "csv"
    assert detect_format("upload", b"  [{}]") == "json"
    assert detect_format("faqs.xlsx", b"") == "xlsx"
    assert detect_format("faqs.csv", b"PK\x03\x04rest") == "xlsx"  # a workbook renamed .csv


@pytest.mark.parametrize(
    "alternates",
    [("파이프 | 들어간 질문", "역슬래시 \\ 하나", "끝에 역슬래시\\", "\\|둘 다"), ("a|b|c",), ("보통 질문",)],
)
def test_alternates_with_pipes_and_backslashes_survive_a_csv_round_trip(alternates: tuple[str, ...]) -> None:
    data = export([faq(7, "질문?", alternates=alternates)], "csv")
    assert read_rows(data, "csv")[0].draft.alternates == alternates


def test_a_lone_backslash_in_a_hand_written_file_stays() -> None:
    assert parse(csv_bytes("경로?,답,C:\\temp 폴더|다른 질문"), "csv")[0].alternates == ("C:\\temp 폴더", "다른 질문")


def test_export_carries_ids_and_a_bom_and_import_reads_them_back() -> None:
    data = export([faq(17, "회비?"), faq(18, "장소?")], "csv")
    assert data.startswith("\ufeffid,question,answer,alternates\n".encode())
    rows = read_rows(data, "csv")
    assert [(r.faq_id, r.line) for r in rows] == [(17, 2), (18, 3)]
    assert [r.faq_id for r in read_rows(export([faq(5, "x?")], "json"), "json")] == [5]
    # Without a BOM (a hand-written file) too.
    assert read_rows(data.removeprefix("\ufeff".encode()), "csv")[0].faq_id == 17


def test_korean_column_names_in_any_order() -> None:
    data = "대체 질문,답변,질문,번호,메모\n회비 얼마|회비 금액,3만 원,회비는?,#4,무시되는 열\n".encode()
    row = read_rows(data, "csv")[0]
    assert (row.faq_id, row.draft.question, row.draft.answer) == (4, "회비는?", "3만 원")
    assert row.draft.alternates == ("회비 얼마", "회비 금액")


def test_every_problem_is_reported_with_the_files_own_line_numbers() -> None:
    data = csv_bytes(
        "좋은 질문?,답,",
        '"여러 줄\n답을 가진 질문?","답\n둘째 줄",',  # lines 3-5: later rows keep the file's numbering
        ",빈 질문,",  # line 6
        "좋은 질문 ?,중복,",  # line 7
        "",
        "답 없는 질문?,,",  # line 9
    )
    with pytest.raises(ImportFailed) as info:
        read_rows(data, "csv")
    text = str(info.value)
    assert [p.split(":")[0] for p in info.value.problems] == ["6번째 줄", "7번째 줄", "9번째 줄"], text
    assert "같은 질문이 2번째 줄에도" in text and "문제 3개" in text


def test_the_problem_list_is_capped() -> None:
    data = csv_bytes(*(f"질문 {i}?,," for i in range(30)))
    with pytest.raises(ImportFailed) as info:
        read_rows(data, "csv")
    assert len(info.value.problems) == 30
    assert str(info.value).count("\n- ") == ImportFailed.MAX_SHOWN + 1 and "외 10개" in str(info.value)


def test_bad_id_cell_is_reported() -> None:
    with pytest.raises(ImportFailed, match="id가 FAQ 번호가 아닙니다: 'abc'"):
        read_rows(b"id,question,answer\nabc,q?,a\n", "csv")


def test_an_excel_workbook_named_csv_is_refused_clearly() -> None:
    with pytest.raises(ImportFailed, match="엑셀 파일"):
        read_rows(b"\xd0\xcf\x11\xe0" + b"\0" * 100, "csv")


def test_xlsx_is_read_with_its_row_numbers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["번호", "질문", "답변", "대체 질문"])
    sheet.append([3, "회비는?", "3만 원", "회비 얼마|회비 금액"])
    sheet.append([None, None, None, None])
    sheet.append([None, "새 질문?", "새 답", None])
    sheet.append([None, "", "질문 없는 답", None])
    path = tmp_path / "faqs.xlsx"
    book.save(path)
    with pytest.raises(ImportFailed) as info:
        read_rows(path.read_bytes(), "xlsx")
    assert info.value.line == 5
    sheet.delete_rows(5)
    book.save(path)
    rows = read_rows(path.read_bytes(), detect_format("faqs.xlsx", b""))
    assert [(r.faq_id, r.line, r.draft.question) for r in rows] == [(3, 2, "회비는?"), (None, 4, "새 질문?")]
    assert rows[0].draft.alternates == ("회비 얼마", "회비 금액")


def test_xlsx_without_openpyxl_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "openpyxl", None)  # import fails as when the extra is missing
    with pytest.raises(ImportFailed, match=r"faqbot\[xlsx\]"):
        read_rows(b"PK\x03\x04", "xlsx")
