"""Hostile input through the core service and the CLI: clear message, no crash, no partial change.

One table of cases (``tests/hardening/hostile.py``) drives every surface; the fake-Discord
surface is in ``test_hostile_discord.py``. A case passes when the input is either handled
(answered, stored cleaned) or refused with a :class:`FaqError` (CLI: exit code 2 and a
Korean message, no traceback), and a refused write leaves every table exactly as it was.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from faq.embedder import ThreadedEmbedder
from faq.errors import FaqError, InvalidInput, NotFound
from faq.service import FaqService
from faq.store import FaqStore
from faq.types import FaqDraft, Status, Thresholds
from faqbot.cli import main
from model.fake import HashingEncoder
from tests.hardening.hostile import (
    BAD_IDS,
    FAQ_TEXTS,
    MALFORMED_IDS,
    QUESTIONS,
    FaqText,
    ImportFile,
    Question,
    clean_text,
    import_files,
    snapshot,
)
from tests.helpers import SAMPLE_FAQS

SCOPE = "g1"
IMPORT_FILES = import_files()


# ---- core service --------------------------------------------------------------------------


@pytest.fixture
async def svc(tmp_path: Path) -> AsyncIterator[tuple[FaqService, Path]]:
    db = tmp_path / "core.db"
    store = await FaqStore.open(db)
    service = FaqService(store, ThreadedEmbedder(HashingEncoder()), thresholds=Thresholds(0.6, 0.35, 0.05))
    await service.import_drafts(SCOPE, SAMPLE_FAQS, "tester")
    try:
        yield service, db
    finally:
        await service.aclose()
        await store.close()


@pytest.mark.parametrize("case", QUESTIONS, ids=lambda c: c.id)
async def test_service_question(svc: tuple[FaqService, Path], case: Question) -> None:
    service, db = svc
    before = snapshot(db)
    if case.empty:
        with pytest.raises(InvalidInput, match="비어"):
            await service.ask(SCOPE, case.text)
    else:
        answer = await service.ask(SCOPE, case.text)
        assert answer.status in set(Status)
        assert clean_text(answer.query) and 0 < len(answer.query) <= 1000
        assert answer.truncated or len(case.text) <= 1000  # a cut is always reported
    assert snapshot(db) == before  # asking never writes


@pytest.mark.parametrize("case", FAQ_TEXTS, ids=lambda c: c.id)
async def test_service_faq_text(svc: tuple[FaqService, Path], case: FaqText) -> None:
    service, db = svc
    before = snapshot(db)
    draft = FaqDraft(case.question, case.answer, case.alternates)
    if case.error:
        with pytest.raises(FaqError, match=case.error):
            await service.add(SCOPE, draft, "admin")
        assert snapshot(db) == before
        # An edit with the same text is refused the same way and changes nothing either.
        target = (await service.list(SCOPE))[-1]
        if "이미 FAQ" not in case.error:
            with pytest.raises(FaqError, match=case.error):
                await service.update(SCOPE, target.id, draft, "admin")
            assert snapshot(db) == before
        return
    faq = await service.add(SCOPE, draft, "admin")
    stored = await service.get(SCOPE, faq.id)
    assert stored == faq
    assert all(clean_text(t) for t in (*stored.questions, stored.answer.replace("\n", " ")))
    # What was stored is what the index answers with: the canonical question finds its FAQ.
    _, _, ranked = await service.rank(SCOPE, stored.question, k=1)
    assert ranked[0].faq_id == faq.id


@pytest.mark.parametrize("faq_id", [0, -1, 999_999, 2**63 - 1, 2**63, -(2**63) - 1, 10**30])
async def test_service_unknown_ids(svc: tuple[FaqService, Path], faq_id: int) -> None:
    service, db = svc
    before = snapshot(db)
    with pytest.raises(NotFound):
        await service.get(SCOPE, faq_id)
    with pytest.raises(NotFound):
        await service.edit(SCOPE, faq_id, "admin", answer="새 답")
    with pytest.raises(NotFound):
        await service.remove(SCOPE, faq_id, "admin")
    assert snapshot(db) == before


async def test_service_other_scope_ids_are_not_found(svc: tuple[FaqService, Path]) -> None:
    service, db = svc
    mine = (await service.list(SCOPE))[0]
    before = snapshot(db)
    for call in (
        service.get("g2", mine.id),
        service.edit("g2", mine.id, "other-admin", answer="탈취"),
        service.remove("g2", mine.id, "other-admin"),
        service.add_alternate("g2", mine.id, "다른 서버의 대체 질문", "other-admin"),
    ):
        with pytest.raises(NotFound):
            await call
    assert snapshot(db) == before


# ---- CLI -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CLI database (bundled default FAQs + the sample FAQs in g1), built once and copied per case."""
    folder = tmp_path_factory.mktemp("cli-template")
    db = folder / "club.db"
    sample = folder / "sample.json"
    sample.write_text(
        json.dumps(
            [{"question": d.question, "answer": d.answer, "alternates": list(d.alternates)} for d in SAMPLE_FAQS],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        mp.setenv("FAQBOT_DB", str(db))
        mp.setenv("FAQBOT_MODEL", "static")
        assert main(["faq", "import", "--guild", SCOPE, str(sample)]) == 0
        # The first question caches the decision model's off-topic vectors (one time, like the FAQs'
        # at import); after that, a question must change nothing.
        assert main(["ask", "--guild", SCOPE, "회비 얼마예요?"]) == 0
    return db


@pytest.fixture
def cli_db(cli_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "club.db"
    shutil.copy(cli_template, db)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("FAQBOT_DB", str(db))
    monkeypatch.setenv("FAQBOT_MODEL", "static")  # a fast real model
    return db


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "내부 오류" not in err, err
    return code, out, err


@pytest.mark.parametrize("case", QUESTIONS, ids=lambda c: c.id)
def test_cli_ask(cli_db: Path, capsys: pytest.CaptureFixture[str], case: Question) -> None:
    before = snapshot(cli_db)
    code, out, err = cli(capsys, "ask", "--json", "--guild", SCOPE, "--", case.text)
    if case.empty:
        assert code == 2 and "비어" in err and out == ""
    else:
        assert code == 0, err
        result = json.loads(out)
        assert result["status"] in {"answer", "suggest", "none"}
        if len(case.text) > 4000:
            assert "너무 길어" in err
    assert snapshot(cli_db) == before


@pytest.mark.parametrize("case", FAQ_TEXTS, ids=lambda c: c.id)
def test_cli_faq_add(cli_db: Path, capsys: pytest.CaptureFixture[str], case: FaqText) -> None:
    before = snapshot(cli_db)
    # --opt=value: argparse would read a value starting with "-" as an option.
    argv = ["faq", "add", "--guild", SCOPE, "--force", f"--question={case.question}", f"--answer={case.answer}"]
    argv += [f"--alt={alt}" for alt in case.alternates]
    code, out, err = cli(capsys, *argv)
    if case.error:
        assert code == 2 and case.error in err and err.startswith("오류: ")
        assert snapshot(cli_db) == before
        return
    assert code == 0, err
    faq_id = out.split("#")[1].split()[0]
    code, shown, _ = cli(capsys, "faq", "show", "--guild", SCOPE, faq_id)
    assert code == 0 and clean_text(shown.replace("\n", " "))


@pytest.mark.parametrize("raw", BAD_IDS)
@pytest.mark.parametrize("action", ["show", "edit", "remove"])
def test_cli_unknown_ids(cli_db: Path, capsys: pytest.CaptureFixture[str], action: str, raw: str) -> None:
    before = snapshot(cli_db)
    extra = ["-a", "새 답"] if action == "edit" else []
    code, _, err = cli(capsys, "faq", action, "--guild", SCOPE, *extra, "--", raw)
    assert code == 2 and "찾을 수 없습니다" in err
    assert snapshot(cli_db) == before


@pytest.mark.parametrize("raw", MALFORMED_IDS)
def test_cli_malformed_ids(cli_db: Path, capsys: pytest.CaptureFixture[str], raw: str) -> None:
    before = snapshot(cli_db)
    with pytest.raises(SystemExit) as exited:  # argparse: usage message, exit 2
        main(["faq", "remove", "--guild", SCOPE, "--", raw])
    assert exited.value.code == 2 and "invalid int value" in capsys.readouterr().err
    assert snapshot(cli_db) == before


def test_cli_other_scope_cannot_touch_faq(cli_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    faq_id = cli(capsys, "faq", "list", "--guild", SCOPE)[1].split()[0].lstrip("#")
    before = snapshot(cli_db)
    for argv in (["show"], ["edit", "-a", "탈취"], ["remove"]):
        code, _, err = cli(capsys, "faq", argv[0], "--guild", "other", *argv[1:], faq_id)
        assert code == 2 and "찾을 수 없습니다" in err
    assert snapshot(cli_db) == before


@pytest.mark.parametrize("case", IMPORT_FILES, ids=lambda c: c.id)
def test_cli_import(cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: ImportFile) -> None:
    path = tmp_path / case.name
    path.write_bytes(case.data)
    before = snapshot(cli_db)
    code, out, err = cli(capsys, "faq", "import", "--guild", SCOPE, *(["--replace"] if case.replace else []), str(path))
    if case.error:
        assert code == 2 and case.error in err, err
        assert "아무것도 변경되지 않았습니다" in err or "이미 FAQ" in err
        assert snapshot(cli_db) == before
        return
    assert code == 0 and "가져왔습니다" in out, err
    exported = json.loads(cli(capsys, "faq", "export", "--guild", SCOPE, "--format", "json")[1])
    assert all(clean_text(f["question"]) for f in exported)


@pytest.mark.parametrize("target", ["missing.csv", "."])
def test_cli_import_unreadable_path(cli_db: Path, capsys: pytest.CaptureFixture[str], target: str) -> None:
    before = snapshot(cli_db)
    code, _, err = cli(capsys, "faq", "import", "--guild", SCOPE, target)
    assert code == 2 and "파일을 읽을 수 없습니다" in err
    assert snapshot(cli_db) == before


def test_cli_ask_file_bad_encoding(cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "q.txt"
    path.write_bytes("회비 얼마예요?\n".encode("cp949"))
    code, _, err = cli(capsys, "ask", "--guild", SCOPE, "--file", str(path))
    assert code == 2 and "UTF-8" in err


FORMULA_CELLS = ["=cmd|' /C calc'!A0", "+SUM(A1)", "-2+3", "@SUM(1)", "\t=1", "'=already quoted", "''+twice"]


def test_cli_export_csv_is_injection_safe_and_round_trips(cli_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No exported cell starts like a formula; importing the export restores every text exactly.

    (Alternates are "|"-joined in CSV, so an alternate containing "|" round-trips only through JSON.)
    """
    for i, cell in enumerate(FORMULA_CELLS):
        code, _, err = cli(
            capsys,
            "faq",
            "add",
            "--guild",
            "x",
            "--force",
            f"--question={cell} 질문{i}",
            f"--answer={cell}",
            f"--alt={cell.replace('|', '/')}{i}",
        )
        assert code == 0, err
    out = Path("export.csv")
    assert cli(capsys, "faq", "export", "--guild", "x", str(out))[0] == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert cells and not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    before = json.loads(cli(capsys, "faq", "export", "--guild", "x", "--format", "json")[1])
    assert cli(capsys, "faq", "import", "--guild", "x", "--replace", str(out))[0] == 0
    after = json.loads(cli(capsys, "faq", "export", "--guild", "x", "--format", "json")[1])
    assert after == before
