from __future__ import annotations

import json

import pytest

from faq.errors import ImportFailed
from faq.transfer import MAX_IMPORT_BYTES, detect_format, export, parse
from faq.types import Faq


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
        (csv_bytes("회비?,답,", "회비 ?,다른 답,"), "csv", None, "같은 질문"),
        (b"question,answer\n\xff\xfe,x\n", "csv", 2, "UTF-8"),
        (b'[{"question": "a?", "answer": 1}]', "json", None, "문자열"),
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
