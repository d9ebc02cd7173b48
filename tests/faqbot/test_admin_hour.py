"""A volunteer admin's first hour with the CLI, replayed end to end (issue 10).

Fresh database, the club's own CSV in, ask, add an alternate, export, edit the export
as a spreadsheet would (BOM kept, a row changed, a row added, one deleted), re-import,
ask again: ids stay, nothing is lost, and the sample club never answers.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from faqbot.cli import main

CLUB_CSV = """질문,답변,대체 질문
회비는 얼마인가요?,한 학기 2만 원이에요.,회비 금액|동아리 회비 얼마
모임은 어디서 하나요?,공학관 201호에서 모여요.,모임 장소|어디서 모여요
신입 모집은 언제 하나요?,3월 첫 주에 모집해요.,모집 기간|언제 뽑아요
"""


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FAQBOT_DB", str(tmp_path / "new.db"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("FAQBOT_MODEL", "static")  # a fast real model
    monkeypatch.delenv("FAQBOT_ENV_FILE", raising=False)


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "내부 오류" not in err, err
    return code, out, err


def ask(capsys: pytest.CaptureFixture[str], question: str) -> dict[str, object]:
    code, out, err = cli(capsys, "ask", "--json", question)
    assert code == 0 and "예시 동아리" not in err, err
    return json.loads(out)


def listing(capsys: pytest.CaptureFixture[str]) -> dict[int, str]:
    out = cli(capsys, "faq", "list")[1]
    return {int(line.split("\t")[0].lstrip("#")): line.split("\t")[1] for line in out.splitlines()}


def test_the_admins_first_hour(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    club = tmp_path / "club.csv"
    club.write_text(CLUB_CSV, encoding="utf-8")
    code, out, _ = cli(capsys, "faq", "import", str(club))
    assert code == 0 and "3개 추가" in out
    ids = listing(capsys)
    assert sorted(ids) == [1, 2, 3]  # a fresh database holds nothing else

    fee = ask(capsys, "회비 얼마예요?")
    assert fee["status"] == "answer" and fee["answer"] == "한 학기 2만 원이에요."
    fee_id = int(fee["faq_id"])  # type: ignore[arg-type]

    # The near-duplicate hint points at `alt add`, which keeps the other alternates.
    code, _, err = cli(capsys, "faq", "add", "-q", "회비가 얼마예요?", "-a", "x")
    assert code == 2 and f"faqbot faq alt add {fee_id}" in err
    code, out, _ = cli(capsys, "faq", "alt", "add", str(fee_id), "회비 얼마 내요?")
    assert code == 0 and "1개를 더했습니다 (모두 3개)" in out

    export = tmp_path / "faqs.csv"
    assert cli(capsys, "faq", "export", str(export))[0] == 0
    raw = export.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8

    # A spreadsheet-like edit: change one answer, add a row, delete a row, save as CSV UTF-8 (with BOM, CRLF).
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    meeting = next(r for r in body if r[1] == "모임은 어디서 하나요?")
    meeting[2] = "학생회관 305호로 옮겼어요."
    recruit = next(r for r in body if r[1] == "신입 모집은 언제 하나요?")
    body.remove(recruit)
    body.append(["", "뒤풀이는 하나요?", "세션 끝나고 자율로 해요.", "뒤풀이 있어요?"])
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([header, *body])
    edited = tmp_path / "edited.csv"
    edited.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))

    code, out, _ = cli(capsys, "faq", "import", "--dry-run", "--replace", str(edited))
    assert code == 0 and "1개 추가, 1개 수정, 1개 그대로, 1개 삭제 예정" in out
    code, out, _ = cli(capsys, "faq", "import", "--replace", str(edited))
    assert code == 0 and "1개 추가, 1개 수정, 1개 그대로, 1개 삭제" in out

    after = listing(capsys)
    assert after[fee_id] == "회비는 얼마인가요? (+3)" and after[int(meeting[0])] == "모임은 어디서 하나요? (+2)"
    assert int(recruit[0]) not in after and len(after) == 3
    code, out, _ = cli(capsys, "faq", "show", str(fee_id))
    assert "회비 얼마 내요?" in out and "회비 금액" in out  # the alternate added by hand survived

    assert ask(capsys, "모임 장소 바뀌었어요?")["answer"] == "학생회관 305호로 옮겼어요."
    assert ask(capsys, "회비 얼마 내요?")["faq_id"] == fee_id
    assert ask(capsys, "뒤풀이 있어요?")["status"] == "answer"

    # The same file again: nothing changes, no id moves.
    code, out, _ = cli(capsys, "faq", "import", "--replace", str(edited))
    assert code == 0 and "0개 추가, 0개 수정, 3개 그대로" in out
    assert listing(capsys) == after


def test_alternate_commands_say_what_they_did(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    club = tmp_path / "club.csv"
    club.write_text(CLUB_CSV, encoding="utf-8")
    cli(capsys, "faq", "import", str(club))
    code, out, _ = cli(capsys, "faq", "edit", "1", "--alt", "회비 알려줘")
    assert code == 0 and "대체 질문 2개를 1개로 교체" in out
    code, _, err = cli(capsys, "faq", "edit", "1", "--alt", "")
    assert code == 2 and "faqbot faq alt clear" in err
    code, out, _ = cli(capsys, "faq", "alt", "remove", "1", "회비 알려줘")
    assert code == 0 and "1개를 뺐습니다 (0개 남음)" in out
    cli(capsys, "faq", "alt", "add", "1", "가", "나")
    code, out, _ = cli(capsys, "faq", "alt", "clear", "1")
    assert code == 0 and "2개를 모두 지웠습니다" in out
    assert "대체 질문" not in cli(capsys, "faq", "show", "1")[1]


def test_empty_question_in_faq_add_uses_admin_wording(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "faq", "add", "-q", "", "-a", "답")
    assert code == 2 and "질문이(가) 비어 있습니다" in err and "궁금한 내용" not in err


def test_xlsx_import_through_the_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["질문", "답변", "대체 질문"])
    book.active.append(["회비는 얼마인가요?", "2만 원", "회비 금액"])
    path = tmp_path / "club.xlsx"
    book.save(path)
    code, out, _ = cli(capsys, "faq", "import", str(path))
    assert code == 0 and "1개 추가" in out


def test_stats_unanswered_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "stats", "--json")
    assert code == 0 and json.loads(out)["total"] == 0
    code, out, _ = cli(capsys, "unanswered")
    assert code == 0 and "없습니다" in out
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0 and capsys.readouterr().out.startswith("faqbot ")
