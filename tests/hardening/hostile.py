"""Hostile inputs shared by the hostile-input suites (core, CLI, fake Discord).

Each case says what a correct system does with it: ``empty`` questions are refused
with a clear message; every other question gets an answer, a suggestion or "none".
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from faq.text import MAX_ANSWER_CHARS, MAX_QUESTION_CHARS

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Left behind by text cleaning: a stored FAQ text or an answered query never contains them.
INVISIBLE = set(ZERO_WIDTH + BIDI) | {chr(c) for c in range(32) if chr(c) not in "\n\t"}


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    text: str
    empty: bool = False  # nothing to ask once cleaned: a clear "empty" message


QUESTIONS: list[Question] = [
    Question("empty", "", empty=True),
    Question("spaces", "   ", empty=True),
    Question("newlines-tabs", "\n\t\r\n \t", empty=True),
    Question("zero-width-only", ZERO_WIDTH * 3, empty=True),
    Question("bidi-only", BIDI, empty=True),
    Question("nul-only", "\x00", empty=True),
    Question("control-only", "\x01\x02\x07\x08\x1b\x7f", empty=True),
    Question("punctuation-only", "??..!!~", empty=True),
    Question("lone-surrogate-only", "\ud800", empty=True),
    Question("unicode-spaces-only", "\u00a0\u3000\u2028\u2029\u2003", empty=True),
    Question("zero-width-100k", "\u200b" * 100_000, empty=True),
    Question("plain", "회비 얼마예요?"),
    Question("100k-chars", "가" * 100_000),
    Question("100k-words", "회비 얼마예요? " * 12_500),
    Question("long-token", "회비" * 2_500),
    Question("zero-width-inside", "회\u200b비 얼\u200d마\ufeff예요?"),
    Question("control-inside", "회비\x00얼마\x1b[31m예요\x07?"),
    Question("lone-surrogate-inside", "회비\ud800 얼마\udfff예요?"),
    Question("surrogateescape-argv", "회비 \udcff\udcfe 얼마?"),
    Question("rtl-override", "\u202e?요예마얼 비회"),
    Question("rtl-isolate", "\u2067회비\u2069 얼마 \u2066예요\u2069"),
    Question("arabic-hebrew-mixed", "مرحبا 회비 שלום 얼마예요"),
    Question("nfd-hangul", unicodedata.normalize("NFD", "회비 얼마예요?")),
    Question("zalgo", "회̷̢̛비̸̡ 얼̵̨마̶̧예̷요̸?"),
    Question("fullwidth", "ＦＡＱ　회비　얼마？"),
    Question("emoji-only", "😀🎉🔥💸"),
    Question("emoji-zwj", "👨\u200d👩\u200d👧\u200d👦 회비?"),
    Question("emoji-flags-skin", "🇰🇷👍🏽 회비"),
    Question("math-alnum", "𝕳𝖊𝖑𝖑𝖔 회비"),
    Question("private-use", "\ue000\uf8ff 회비"),
    Question("noncharacters", "\ufffe\uffff 회비?"),
    Question("code-block", "```python\nprint('회비 얼마예요?')\n```"),
    Question("unclosed-code-block", "```회비 얼마예요? **굵게 `"),
    Question("markdown-soup", "**회비** __얼마__ ~~예요~~ ||스포|| `코드` > 인용 # 제목 -# 작게"),
    Question("markdown-stars", "*" * 1000),
    Question("spoiler-flood", "||" * 500),
    Question("masked-link", "[회비 안내](https://evil.example/phish) 얼마예요?"),
    Question("url", "https://example.com/회비?x=1&y=<script>alert(1)</script>"),
    Question("everyone", "@everyone 회비 얼마예요?"),
    Question("here", "@here 세션 언제예요?"),
    Question("role-mention", "<@&123456789012345678> 회비 얼마예요?"),
    Question("user-mention", "<@123456789012345678> <@!123456789012345679> 회비?"),
    Question("channel-mention", "<#123456789012345678> 회비?"),
    Question("mention-flood", "<@1> " * 400 + "회비?"),
    Question("slash-command-text", "/faq-admin remove faq_id:1"),
    Question("sql-drop", "'; DROP TABLE faqs; --"),
    Question("sql-or", '회비" OR "1"="1'),
    Question("sql-union", "1 UNION SELECT text FROM embeddings --"),
    Question("csv-formula", "=cmd|' /C calc'!A0"),
    Question("csv-plus-minus-at", "+1+1 -2+3 @SUM(1)"),
    Question("format-string", "%s %d %n {0} {question} ${HOME}"),
    Question("json-looking", '{"status": "answer", "faq_id": 1}'),
    Question("html", "<b>회비</b><img src=x onerror=alert(1)>"),
    Question("backslashes", "\\x00\\n\\u202e 회비"),
    Question("crlf", "회비\r\n얼마\r예요\t?"),
    Question("mojibake", "íšŒë¹„ ì–¼ë§ˆ"),
    Question("replacement-char", "\ufffd\ufffd 회비"),
]


@dataclass(frozen=True, slots=True)
class FaqText:
    id: str
    question: str
    answer: str
    alternates: tuple[str, ...] = ()
    error: str | None = None  # substring of the refusal, or None when it must be stored


FAQ_TEXTS: list[FaqText] = [
    FaqText("empty-question", "", "답", error="비어"),
    FaqText("blank-question", " \t\n ", "답", error="비어"),
    FaqText("zero-width-question", ZERO_WIDTH, "답", error="비어"),
    FaqText("punctuation-question", "?!.", "답", error="내용이 없"),
    FaqText("question-at-limit", "가" * (MAX_QUESTION_CHARS - 1) + "?", "답"),
    FaqText("question-over-limit", "가" * (MAX_QUESTION_CHARS + 1), "답", error="너무 깁니다"),
    FaqText("question-100k", "가" * 100_000, "답", error="너무 깁니다"),
    FaqText("empty-answer", "새 질문?", "", error="답변이 비어"),
    FaqText("blank-answer", "새 질문?", "\n\u200b\n", error="답변이 비어"),
    FaqText("answer-at-limit", "새 질문?", "나" * MAX_ANSWER_CHARS),
    FaqText("answer-over-limit", "새 질문?", "나" * (MAX_ANSWER_CHARS + 1), error="너무 깁니다"),
    FaqText("answer-100k", "새 질문?", "나" * 100_000, error="너무 깁니다"),
    FaqText("empty-alternate", "새 질문?", "답", ("",), error="대체 질문"),
    FaqText("too-many-alternates", "새 질문?", "답", tuple(f"대체 {i}?" for i in range(31)), error="너무 많습니다"),
    FaqText("duplicate-existing", "회비는 얼마인가요?", "다른 답", error="이미 FAQ #"),
    FaqText("duplicate-existing-spacing", "회비는얼마 인가요", "다른 답", error="이미 FAQ #"),
    FaqText("alternate-duplicates-other-faq", "새 질문?", "답", ("세션 시간",), error="이미 FAQ #"),
    FaqText("alternate-same-as-question", "새 질문?", "답", ("새 질문", "새  질문?")),
    FaqText("everyone-in-answer", "공지 채널이 어디예요?", "@everyone @here <@&1> <@2> <#3> 를 보세요"),
    FaqText("everyone-in-question", "@everyone 공지는요?", "공지 채널"),
    FaqText("control-in-answer", "제어 문자 질문?", "줄1\x00\x07\r\n줄2\x1b[0m"),
    FaqText("bidi-in-question", "\u202e회비 환불\u202c 되나요?", "안 돼요"),
    FaqText("surrogate-in-question", "서로게이트\ud800 질문?", "답\udfff"),
    FaqText("markdown-answer", "마크다운 질문?", "```\n코드\n``` **굵게** ||스포|| [링크](https://x.example)"),
    FaqText("unclosed-markdown-question", "**굵게 시작만 `코드 질문?", "답"),
    FaqText("csv-formula-faq", "=cmd|' /C calc'!A0", "+SUM(A1)", ("-2+3", "@SUM(1)")),
    FaqText("sql-faq", "'); DELETE FROM faqs; --", '" OR 1=1 --'),
]

# Out-of-range, malformed and unknown FAQ ids: "not found" (exit 2), never a crash.
BAD_IDS = ["0", "-1", "999999", str(2**63 - 1), str(2**63), str(-(2**63) - 1), "99999999999999999999999"]
MALFORMED_IDS = ["abc", "1.5", "", "0x10", "1e3", "12abc"]  # argparse refuses them (exit 2)


def snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table: equal before and after means "no partial change"."""
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


def clean_text(text: str) -> bool:
    return not (set(text) & INVISIBLE) and not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


# ---- import files ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportFile:
    id: str
    name: str
    data: bytes
    error: str | None  # substring of the CLI's message, or None when the import must succeed
    replace: bool = False


def _csv(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode("utf-8")


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def import_files() -> list[ImportFile]:
    ok_row = "해커톤은 언제인가요?,8월에 해요.,해커톤 일정"
    many = "question,answer\n" + "".join(f"대량 질문 {i}번?,답 {i}\n" for i in range(100_000))
    ten_mb = "question,answer\n" + "".join(f"큰 파일 질문 {i}번?,{'가' * 300}\n" for i in range(12_000))
    return [
        ImportFile("csv-ok", "ok.csv", _csv("question,answer,alternates", ok_row), None),
        ImportFile("csv-bom-ok", "bom.csv", b"\xef\xbb\xbf" + _csv("question,answer", "BOM 질문?,답"), None),
        ImportFile(
            "csv-crlf-ok", "crlf.csv", b"question,answer\r\nCRLF \xec\xa7\x88\xeb\xac\xb8?,\xeb\x8b\xb5\r\n", None
        ),
        ImportFile("csv-extra-columns-ok", "extra.csv", _csv("question,answer,note", "추가 열 질문?,답,메모,더"), None),
        ImportFile("csv-blank-lines-ok", "blank.csv", _csv("question,answer", "", "빈 줄 뒤 질문?,답", ",", ""), None),
        ImportFile(
            "csv-mentions-ok", "ping.csv", _csv("question,answer", "공지 어디?,@everyone <@&1> <@2> 확인"), None
        ),
        ImportFile("csv-formula-ok", "formula.csv", _csv("question,answer", "\"=cmd|' /C calc'!A0\",+SUM(A1)"), None),
        ImportFile("csv-replace-ok", "replace.csv", _csv("question,answer", "회비는 얼마인가요?,새 답"), None, True),
        ImportFile(
            "json-ok", "ok.json", _json([{"question": "JSON 질문?", "answer": "답", "alternates": ["제이슨"]}]), None
        ),
        ImportFile(
            "json-faqs-key-ok", "wrapped.json", _json({"faqs": [{"question": "감싼 질문?", "answer": "답"}]}), None
        ),
        ImportFile("empty-file", "empty.csv", b"", "빈 파일"),
        ImportFile("bom-only", "bom-only.csv", b"\xef\xbb\xbf", "빈 파일"),
        ImportFile("header-only", "header.csv", _csv("question,answer"), "하나도 없"),
        ImportFile("missing-answer-column", "noans.csv", _csv("question", "질문?"), "헤더"),
        ImportFile("missing-question-column", "noq.csv", _csv("answer,alternates", "답,"), "헤더"),
        ImportFile("wrong-header", "wrong.csv", _csv("제목,내용", "질문?,답"), "헤더"),
        ImportFile("korean-header-ok", "korean.csv", _csv("질문,답변,대체 질문", "한글 헤더 질문?,답,한글 헤더"), None),
        ImportFile("short-row", "short.csv", _csv("question,answer,alternates", ok_row, "혼자"), "3번째 줄"),
        ImportFile("empty-question-row", "noq-row.csv", _csv("question,answer", ok_row[:-7], ",답만"), "비어"),
        ImportFile("long-answer-row", "long.csv", _csv("question,answer", f"긴 답 질문?,{'나' * 1801}"), "너무 깁니다"),
        ImportFile("unclosed-quote", "quote.csv", _csv("question,answer", '"닫히지 않은 따옴표?,답'), "가져오기 실패"),
        ImportFile("nul-bytes", "nul.csv", b"question,answer\n\x00\x00\x00,\x00\n", "비어"),
        ImportFile("cp949", "cp949.csv", "question,answer\n회비?,3만 원\n".encode("cp949"), "UTF-8"),
        ImportFile("utf16", "utf16.csv", "question,answer\n회비?,답\n".encode("utf-16"), "UTF-8"),
        ImportFile("latin1", "latin1.csv", "question,answer\ncafé?,déjà\n".encode("latin-1"), "UTF-8"),
        ImportFile("binary-png", "image.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "UTF-8"),
        ImportFile(
            "duplicate-in-file", "dup.csv", _csv("question,answer", "같은 질문?,답1", "같은  질문,답2"), "같은 질문"
        ),
        ImportFile(
            "duplicate-alt-in-file", "dupalt.csv", _csv("question,answer,alternates", "가?,1,나", "다?,2,나"), "같은"
        ),
        ImportFile(
            "duplicate-of-existing",
            "exists.csv",
            _csv("question,answer,alternates", "새 질문이에요?,답,회비는 얼마인가요?"),
            "이미 FAQ",
        ),
        ImportFile(
            "one-bad-row-last", "lastbad.csv", _csv("question,answer", ok_row[:-7], "좋은 질문?,답", ",답"), "비어"
        ),
        ImportFile("100k-rows", "many.csv", many.encode("utf-8"), "너무 많습니다"),
        ImportFile("10mb", "big.csv", ten_mb.encode("utf-8"), "너무 큽니다"),
        ImportFile("json-invalid", "bad.json", b'[{"question": "q", ', "JSON 형식 오류"),
        ImportFile("json-deeply-nested", "deep.json", b"[" * 100_000, "JSON 형식 오류"),
        ImportFile("json-not-list", "num.json", b"42", "목록이어야"),
        ImportFile("json-null", "null.json", b"null", "목록이어야"),
        ImportFile("json-empty-list", "empty.json", b"[]", "하나도 없"),
        ImportFile("json-not-object", "strs.json", _json(["질문?", "답"]), "객체가 아닙니다"),
        ImportFile("json-missing-answer", "noans.json", _json([{"question": "질문?"}]), "문자열이어야"),
        ImportFile("json-question-number", "num-q.json", _json([{"question": 1, "answer": "답"}]), "문자열이어야"),
        ImportFile(
            "json-alternates-string", "alt.json", _json([{"question": "q?", "answer": "a", "alternates": "x"}]), "목록"
        ),
        ImportFile(
            "json-alternates-mixed",
            "altmix.json",
            _json([{"question": "q?", "answer": "a", "alternates": ["x", 2]}]),
            "목록",
        ),
        ImportFile("json-nan", "nan.json", b'[{"question": NaN, "answer": "a"}]', "문자열이어야"),
        ImportFile("json-csv-content", "csv.json", _csv("question,answer", "질문?,답"), "JSON 형식 오류"),
        ImportFile(
            "json-5001",
            "many.json",
            _json([{"question": f"질문 {i}?", "answer": "a"} for i in range(5001)]),
            "너무 많습니다",
        ),
    ]
