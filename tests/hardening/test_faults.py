"""kill -9 of a real process in the middle of a write, then a restart: nothing torn, nothing half-done.

Each trial copies a database, starts ``tests/hardening/fault_worker.py`` (or the real ``faqbot``
CLI), and SIGKILLs it either at a seeded random moment or as soon as its write-ahead log shows
a large transaction in flight. After the kill, as after a power cut:

- ``PRAGMA integrity_check`` is ``ok`` and no foreign key dangles;
- the change is all or nothing (10,000 FAQs: 0 or 10,000; an edit: exactly old or exactly new;
  a model's embedding cache: per scope, none or all of its questions);
- the index a restarted service builds matches the database: one live row per stored question,
  each row the model's vector for that text, and canonical questions find their own FAQ.

``FAQBOT_FAULT_TRIALS`` (default 1) multiplies the random-moment trials for a longer run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from faq.embedder import ThreadedEmbedder
from faq.service import FaqService
from faq.store import FaqStore
from faq.types import DEFAULT_SCOPE
from faqbot.app import open_service
from faqbot.cli import main as cli_main
from model.encoder import DEFAULT_MODEL_DIR, Encoder, load_encoder
from tests.hardening.fault_worker import BULK_SCOPE, bulk_drafts
from tests.hardening.fault_worker import settings as worker_settings

log = logging.getLogger(__name__)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("fault_worker.py")
BULK = 10_000
REEMBED_FAQS = 3_000
TRIALS = max(1, int(os.environ.get("FAQBOT_FAULT_TRIALS", "1")))
SEED = 20260226
WAL_TRIGGER_BYTES = 4 * 2**20  # far above what opening/seeding writes; the big transaction passes it


@dataclass(frozen=True, slots=True)
class Trial:
    killed: bool
    at_s: float
    stdout: str
    stderr: str


def worker_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAQBOT_")}
    # The real CLI and the workers load the model default_encoder loads: fast, and the cached vectors match.
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONPATH=str(ROOT), HOME=str(tmp), FAQBOT_MODEL="static")
    return env


def run_and_kill(
    argv: Sequence[str], cwd: Path, *, after_s: float | None = None, wal: Path | None = None, ready: str = ""
) -> Trial:
    """Run ``argv``; SIGKILL it after ``after_s`` seconds or once ``wal`` passes the trigger size."""
    proc = subprocess.Popen(
        list(argv), cwd=cwd, env=worker_env(cwd), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    start = time.monotonic()
    while proc.poll() is None:
        elapsed = time.monotonic() - start
        if after_s is not None and elapsed >= after_s:
            break
        if wal is not None and wal.exists() and wal.stat().st_size >= WAL_TRIGGER_BYTES:
            break
        if elapsed > 120:
            break
        time.sleep(0.002)
    at_s = time.monotonic() - start
    killed = proc.poll() is None
    if killed:
        os.kill(proc.pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=60)
    if not killed:
        assert proc.returncode == 0, err
    log.info("%s: %s at %.2fs", argv[2:4], "killed" if killed else "finished", at_s)
    return Trial(killed, at_s, out, err)


def integrity_ok(db: Path) -> None:
    conn = sqlite3.connect(db)  # recovers the WAL like any restart
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def rows(db: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def cached_count(db: Path, scope: str, fingerprint: str) -> tuple[int, int]:
    """(questions of ``scope`` with a cached vector for ``fingerprint``, questions of ``scope``)."""
    cached = rows(
        db,
        "SELECT COUNT(*) FROM faq_questions q JOIN embeddings e ON e.text = q.text AND e.fingerprint = ? "
        "WHERE q.scope = ?",
        fingerprint,
        scope,
    )[0][0]
    total = rows(db, "SELECT COUNT(*) FROM faq_questions WHERE scope = ?", scope)[0][0]
    return int(cached), int(total)  # type: ignore[arg-type]


async def index_matches_db(db: Path, encoder: Encoder) -> None:
    """A restarted service's indexes hold exactly the stored questions, with the model's vectors."""
    store = await FaqStore.open(db)
    service = FaqService(store, ThreadedEmbedder(encoder))
    try:
        for scope in await store.scopes():
            snap = (await service.index(scope)).snapshot
            live = sorted((int(snap.row_faq_ids[i]), snap.row_texts[i]) for i in snap.live)
            stored = sorted(
                (int(r[0]), str(r[1]))
                for r in rows(db, "SELECT faq_id, text FROM faq_questions WHERE scope = ?", scope)
            )  # type: ignore[arg-type]
            assert live == stored, scope
            texts = [snap.row_texts[i] for i in snap.live]
            fresh = await asyncio.to_thread(encoder.encode, texts)
            assert np.allclose(snap.matrix[snap.live], fresh, atol=1e-5), f"{scope}: stale or torn cached vector"
            faqs = list(snap.faqs.values())
            for faq in random.Random(scope).sample(faqs, min(15, len(faqs))):
                _, _, ranked = await service.rank(scope, faq.question, k=5)
                top = ranked[0].confidence
                assert faq.id in {c.faq_id for c in ranked if c.confidence >= top - 1e-6}, (scope, faq.question)
    finally:
        await service.aclose()
        await store.close()


def import_all_or_nothing(db: Path, n: int = BULK) -> int:
    got = rows(
        db,
        "SELECT q.text, f.answer FROM faqs f JOIN faq_questions q ON q.faq_id = f.id "
        "WHERE f.scope = ? AND q.position = 0 ORDER BY f.id",
        BULK_SCOPE,
    )
    assert len(got) in (0, n), f"partial import: {len(got)} of {n}"
    if got:
        assert got == [(d.question, d.answer) for d in bulk_drafts(n, alternates=0)]
    return len(got)


# ---- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("faults")


@pytest.fixture(scope="module")
def seeded_db(work: Path) -> Path:
    """A club database holding the bundled sample FAQs in ``default`` (checkpointed: no WAL left)."""
    db = work / "seeded.db"
    sample = Path(__file__).resolve().parents[2] / "faq" / "data" / "club_faqs.json"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)
        mp.setenv("FAQBOT_MODEL", "static")  # the model default_encoder loads
        assert cli_main(["faq", "import", "--db", str(db), str(sample)]) == 0
    return db


@pytest.fixture(scope="module")
def default_encoder() -> Encoder:
    return load_encoder("static")  # a fast real model; the workers load the same


@pytest.fixture(scope="module")
def other_model(work: Path) -> Path:
    """The default static model with perturbed weights: another fingerprint, other vectors."""
    folder = work / "other-model"
    shutil.copytree(DEFAULT_MODEL_DIR, folder)
    weights = folder / "model.safetensors"
    tensors = load_file(str(weights))
    table = tensors["embedding.weight"]
    noise = np.random.default_rng(SEED).normal(0, float(np.std(table)), table.shape).astype(table.dtype)
    save_file({**tensors, "embedding.weight": table + noise}, str(weights))
    return folder


def copy_db(src: Path, dest: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{src}{suffix}").exists():
            shutil.copy(f"{src}{suffix}", f"{dest}{suffix}")
    return dest


@pytest.fixture(scope="module")
def reembed_source(work: Path, seeded_db: Path) -> Path:
    """Bundled FAQs plus 3,000 imported ones, all cached for the default model (built in-process)."""
    db = copy_db(seeded_db, work / "reembed-source.db")

    async def build() -> None:
        async with open_service(worker_settings(str(db))) as service:
            await service.import_drafts(BULK_SCOPE, bulk_drafts(REEMBED_FAQS, alternates=0), "test")
            await service.load_all()

    asyncio.run(build())
    return db


# ---- kill -9 during a 10,000-FAQ import --------------------------------------------------------


def test_kill_during_import_of_10000_faqs(work: Path, seeded_db: Path, default_encoder: Encoder) -> None:
    rng = random.Random(SEED)
    # First kill: once the WAL shows the import's transaction writing; then at random moments.
    latest = 8.0 if TRIALS == 1 else 30.0  # a longer run also lets some imports finish
    plans: list[float | None] = [None] + [rng.uniform(1.0, latest) for _ in range(TRIALS)]
    outcomes = []
    for number, after_s in enumerate(plans):
        db = copy_db(seeded_db, work / f"import-{number}.db")
        wal = None if after_s is not None else Path(f"{db}-wal")
        trial = run_and_kill(
            [sys.executable, str(WORKER), "import", str(db), str(BULK)], work, after_s=after_s, wal=wal
        )
        if after_s is None:
            assert trial.killed, "the WAL-triggered kill must land inside the import's transaction"
        integrity_ok(db)
        outcomes.append((round(trial.at_s, 2), trial.killed, import_all_or_nothing(db)))
        asyncio.run(index_matches_db(db, default_encoder))
    log.info("import kills (at_s, killed, faqs present): %s", outcomes)


# ---- kill -9 while re-embedding every question after a model change ------------------------------


@pytest.mark.parametrize("mode", ["reembed", "swap"])
def test_kill_during_reembedding(
    work: Path, reembed_source: Path, other_model: Path, default_encoder: Encoder, mode: str
) -> None:
    source = reembed_source
    new_encoder = load_encoder(other_model)
    assert new_encoder.fingerprint != default_encoder.fingerprint
    rng = random.Random(f"{SEED}-{mode}")
    plans: list[float | None] = [None] + [rng.uniform(0.5, 3.0) for _ in range(TRIALS if mode == "reembed" else 0)]
    for number, after_s in enumerate(plans):
        db = copy_db(source, work / f"{mode}-{number}.db")
        wal = None if after_s is not None else Path(f"{db}-wal")
        trial = run_and_kill(
            [sys.executable, str(WORKER), mode, str(db), str(other_model)], work, after_s=after_s, wal=wal
        )
        if after_s is None:
            assert trial.killed, "the WAL-triggered kill must land inside a cache write"
        integrity_ok(db)
        outcome = {}
        for scope in (DEFAULT_SCOPE, BULK_SCOPE):
            cached, total = cached_count(db, scope, new_encoder.fingerprint)
            assert cached in (0, total), f"{scope}: {cached} of {total} vectors of the new model cached"
            outcome[scope] = "complete" if cached else "absent"
            old_cached, old_total = cached_count(db, scope, default_encoder.fingerprint)
            assert old_cached == old_total  # the old model's cache is untouched
        assert import_all_or_nothing(db, REEMBED_FAQS) == REEMBED_FAQS
        log.info("%s %s at %.2fs: new-model cache %s", mode, "kill" if trial.killed else "end", trial.at_s, outcome)
        asyncio.run(index_matches_db(db, new_encoder))


# ---- kill -9 during an admin edit (the real CLI) -----------------------------------------------


def faq_state(db: Path, faq_id: int) -> tuple[object, ...]:
    answer = rows(db, "SELECT answer FROM faqs WHERE id = ?", faq_id)
    questions = rows(db, "SELECT text FROM faq_questions WHERE faq_id = ? ORDER BY position", faq_id)
    return (answer[0][0] if answer else None, tuple(q[0] for q in questions))


def test_kill_during_admin_edit(work: Path, seeded_db: Path, default_encoder: Encoder) -> None:
    faq_id = 5
    new_alts = [f"수정된 대체 질문 {i}번이에요?" for i in range(20)]
    argv = [sys.executable, "-m", "faqbot", "faq", "edit", str(faq_id), "--db", "{db}"]
    argv += ["--question=수정된 모집 일정 질문인가요?", "--answer=수정된 답변입니다."]
    argv += [f"--alt={alt}" for alt in new_alts]
    old = faq_state(seeded_db, faq_id)
    new = ("수정된 답변입니다.", ("수정된 모집 일정 질문인가요?", *new_alts))

    db = copy_db(seeded_db, work / "edit-full.db")
    full = run_and_kill([a.replace("{db}", str(db)) for a in argv], work)
    assert not full.killed and faq_state(db, faq_id) == new

    rng = random.Random(f"{SEED}-edit")
    seen = []
    for number in range(2 * TRIALS + 1):
        db = copy_db(seeded_db, work / f"edit-{number}.db")
        after_s = rng.uniform(0.6, 1.02) * full.at_s  # start-up is most of the run; aim at the end
        trial = run_and_kill([a.replace("{db}", str(db)) for a in argv], work, after_s=after_s)
        integrity_ok(db)
        state = faq_state(db, faq_id)
        assert state in (old, new), f"torn edit after kill at {trial.at_s:.2f}s: {state}"
        seen.append((round(trial.at_s, 2), "new" if state == new else "old"))
        asyncio.run(index_matches_db(db, default_encoder))
    log.info("edit kills (at_s, state): %s", seen)
