"""The ``faqbot`` CLI end to end (in-process), on the bundled FAQs and the static built-in model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from faq.seed import bundled_faqs
from faqbot.cli import main


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("FAQBOT_DB", str(tmp_path / "club.db"))
    monkeypatch.setenv("FAQBOT_MODEL", "static")  # fast and torch-free; the default's own path: test_default_model.py


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def fee_faq_question() -> str:
    return next(
        d.question for d in bundled_faqs() if "회비" in d.question and ("얼마" in d.question or "금액" in d.question)
    )


def test_ask_answers_from_the_bundled_club_faqs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "--json", "회비 얼마예요?")
    assert code == 0
    result = json.loads(out)
    assert set(result) == {"status", "faq_id", "question", "answer", "confidence", "suggestions"}
    assert result["status"] == "answer"
    assert result["question"] == fee_faq_question()
    assert 0.0 <= result["confidence"] <= 1.0

    code, out, _ = run(capsys, "ask", "회비 얼마예요?")
    assert code == 0 and "신뢰도" in out and fee_faq_question() in out


def test_ask_file_prints_one_json_object_per_question(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    queries = tmp_path / "q.txt"
    queries.write_text("회비 얼마예요?\n\n오늘 점심 뭐 먹지\n노트북 필요해요?\n", encoding="utf-8")
    code, out, _ = run(capsys, "ask", "--json", "--file", str(queries))
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 3  # the blank line is skipped
    assert lines[0]["status"] == "answer"
    assert lines[1]["status"] == "none" and lines[1]["faq_id"] is None


@pytest.mark.parametrize("question", ["", "   ", "\u200b"])
def test_empty_question_is_bad_input(capsys: pytest.CaptureFixture[str], question: str) -> None:
    code, _, err = run(capsys, "ask", question)
    assert code == 2 and "비어" in err


def test_faq_lifecycle_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "faq",
        "add",
        "-q",
        "동아리 티셔츠는 언제 나오나요?",
        "-a",
        "5월에 나눠 드려요.",
        "--alt",
        "단체티 언제 줘요?",
    )
    assert code == 0, out
    faq_id = int(out.split("#")[1].split()[0])
    code, out, _ = run(capsys, "ask", "--json", "단체티 언제 줘요?")
    assert json.loads(out)["faq_id"] == faq_id

    code, _, err = run(capsys, "faq", "add", "-q", "단체티 언제 줘요", "-a", "x")
    assert code == 2 and f"#{faq_id}" in err  # duplicate names the existing FAQ

    assert run(capsys, "faq", "edit", str(faq_id), "-a", "6월로 바뀌었어요.")[0] == 0
    code, out, _ = run(capsys, "faq", "show", str(faq_id))
    assert code == 0 and "6월로 바뀌었어요." in out and "단체티 언제 줘요?" in out

    assert run(capsys, "faq", "remove", str(faq_id))[0] == 0
    code, _, err = run(capsys, "faq", "show", str(faq_id))
    assert code == 2 and f"#{faq_id}" in err
    assert run(capsys, "faq", "remove", "999999")[0] == 2


def test_the_sample_answers_only_a_fresh_database_and_never_mixes_in(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "faq", "list")
    assert code == 0 and len(out.splitlines()) == len(bundled_faqs()) and "예시 동아리" in err
    # Importing the club's own FAQs into a fresh database just works; ids start at #1.
    own = tmp_path / "club.csv"
    own.write_text("question,answer\n회비는 얼마인가요?,2만 원입니다.\n", encoding="utf-8")
    code, out, _ = run(capsys, "faq", "import", str(own))
    assert code == 0 and "1개 추가" in out
    code, out, err = run(capsys, "ask", "--json", "회비 얼마예요?")
    assert json.loads(out)["answer"] == "2만 원입니다." and json.loads(out)["faq_id"] == 1 and "예시" not in err
    code, out, _ = run(capsys, "faq", "list")
    assert out.splitlines() == ["#1\t회비는 얼마인가요?"]
    # Asked for on purpose, the sample still answers; it cannot be written to.
    code, out, _ = run(capsys, "ask", "--json", "--guild", "sample", "회비 얼마예요?")
    assert json.loads(out)["question"] == fee_faq_question()
    code, _, err = run(capsys, "faq", "add", "--guild", "sample", "-q", "새 질문?", "-a", "답")
    assert code == 2 and "sample" in err
    # Removing every FAQ does not bring the sample back.
    assert run(capsys, "faq", "remove", "1")[0] == 0
    code, out, err = run(capsys, "ask", "--json", "회비 얼마예요?")
    assert json.loads(out)["status"] == "none" and "default" in err


def test_unknown_or_empty_scope_warns_on_stderr_and_keeps_the_exit_code(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    own = tmp_path / "club.csv"
    own.write_text("question,answer\n회비는 얼마인가요?,2만 원입니다.\n", encoding="utf-8")
    assert run(capsys, "faq", "import", "--guild", "123", str(own))[0] == 0
    code, out, err = run(capsys, "ask", "--json", "--guild", "999", "회비 얼마임?")
    assert code == 0 and json.loads(out)["status"] == "none"
    assert err.count("\n") == 1 and "경고" in err and "'999'" in err and "123 (1개)" in err
    code, out, err = run(capsys, "ask", "--json", "--guild", "123", "회비 얼마임?")
    assert code == 0 and "경고" not in err


def test_import_replace_and_export_round_trip(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = tmp_path / "faqs.json"
    src.write_text(
        json.dumps(
            [
                {"question": "회비는 얼마인가요?", "answer": "2만 원입니다.", "alternates": ["회비 금액"]},
                {"question": "=SUM(A1)?", "answer": "@here 수식처럼 보이는 질문", "alternates": []},
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "faq", "import", "--replace", str(src))
    assert code == 0, out
    code, out, _ = run(capsys, "faq", "list")
    assert len(out.splitlines()) == 2
    ids = out

    dest = tmp_path / "out.csv"
    assert run(capsys, "faq", "export", str(dest))[0] == 0
    assert "'=SUM(A1)?" in dest.read_text(encoding="utf-8")  # CSV injection guarded
    code, out, _ = run(capsys, "faq", "import", "--replace", str(dest))
    assert code == 0 and "0개 추가, 0개 수정, 2개 그대로" in out
    assert run(capsys, "faq", "list")[1] == ids  # --replace kept every id
    code, out, _ = run(capsys, "faq", "export", "--format", "json")
    assert {f["question"] for f in json.loads(out)} == {"회비는 얼마인가요?", "=SUM(A1)?"}


def test_failed_import_changes_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    seed = tmp_path / "seed.csv"
    seed.write_text("question,answer\n기존 질문?,기존 답\n", encoding="utf-8")
    assert run(capsys, "faq", "import", str(seed))[0] == 0
    before = run(capsys, "faq", "export", "--format", "json")[1]
    bad = tmp_path / "bad.csv"
    bad.write_text("question,answer,alternates\n새 질문?,답,\n,빈 질문,\n", encoding="utf-8")
    code, _, err = run(capsys, "faq", "import", "--replace", str(bad))
    assert code == 2 and "3번째 줄" in err
    assert run(capsys, "faq", "export", "--format", "json")[1] == before


def test_broken_model_is_a_clear_error_not_a_traceback(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken-model"
    broken.mkdir()
    code, _, err = run(capsys, "ask", "--model", str(broken), "회비?")
    assert code == 1
    assert "broken-model" in err and "Traceback" not in err


def test_the_sample_is_encoded_once_per_model_not_on_every_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The sample lives in memory; its vectors are kept in the model cache so a second command
    encodes only the question (with the default's e5 part, ~6 s saved on every command)."""
    from model.static import StaticEncoder

    monkeypatch.setenv("FAQBOT_CACHE_DIR", str(tmp_path / "cache"))
    encoded: list[int] = []
    real = StaticEncoder.encode
    monkeypatch.setattr(StaticEncoder, "encode", lambda self, texts: encoded.append(len(texts)) or real(self, texts))
    first = run(capsys, "ask", "--json", "회비 얼마예요?")
    assert first[0] == 0 and sum(encoded) > 100  # every question, alternate and answer passage
    files = list((tmp_path / "cache" / "sample-vectors").glob("*.npz"))
    assert len(files) == 1
    encoded.clear()
    second = run(capsys, "ask", "--json", "회비 얼마예요?")
    assert second[1] == first[1] and encoded == [1]  # the same answer; only the question was encoded
    files[0].write_bytes(b"not a numpy file")  # damaged: encoded again, still answers
    assert run(capsys, "ask", "--json", "회비 얼마예요?")[1] == first[1]
