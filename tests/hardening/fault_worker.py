"""A separate process for the kill -9 tests: does one long write, then prints ``done``.

Run as ``python tests/hardening/fault_worker.py MODE DB [MODEL]``; the test kills it at a
random moment (or once the WAL shows a transaction in flight) and checks the database.
It goes through the same wiring as the CLI and the bot (``faqbot.app.open_service``).

Modes:
- ``import DB N``: one ``FaqService.import_drafts`` of ``N`` synthetic FAQs into scope ``bulk``
  (the service has no file-size cap; ``faqbot faq import`` caps files at 5,000 FAQs).
- ``reembed DB MODEL``: open the service with another model and load every scope, which
  encodes and caches every question with the new model (start-up after a model change).
- ``swap DB MODEL``: the bot's hot swap: load every scope with the default model, then
  ``FaqService.swap_embedder`` to ``MODEL``.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from faq.types import FaqDraft
from faqbot.app import build_embedder, open_service
from faqbot.settings import CoreSettings
from model.encoder import load_encoder

log = logging.getLogger("fault_worker")

BULK_SCOPE = "bulk"
ACTOR = "fault-worker"


def bulk_drafts(n: int, *, alternates: int = 1) -> list[FaqDraft]:
    """``n`` distinct FAQs; deterministic, so a test can recompute them."""
    alts = (lambda i: f"{i}번 대량 질문 알려줘", lambda i: f"가져오기 항목 {i} 내용")[:alternates]
    return [
        FaqDraft(
            f"대량 가져오기 {i}번 질문은 무엇인가요?",
            f"{i}번 답변: 동아리방 {i % 97}호에서 확인하세요.",
            tuple(alt(i) for alt in alts),
        )
        for i in range(n)
    ]


def settings(db: str, model: str = "static") -> CoreSettings:
    return CoreSettings(_env_file=None, db=Path(db), model=model)  # type: ignore[call-arg]


async def do_import(db: str, n: int) -> None:
    async with open_service(settings(db)) as service:
        await service.import_drafts(BULK_SCOPE, bulk_drafts(n), ACTOR)


async def do_reembed(db: str, model: str) -> None:
    async with open_service(settings(db, model)) as service:
        await service.load_all()


async def do_swap(db: str, model: str) -> None:
    config = settings(db)
    async with open_service(config) as service:
        await service.load_all()
        print("loaded", flush=True)
        await service.swap_embedder(build_embedder(config, load_encoder(model)))


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    mode, db, *rest = argv
    if mode == "import":
        asyncio.run(do_import(db, int(rest[0])))
    elif mode == "reembed":
        asyncio.run(do_reembed(db, rest[0]))
    elif mode == "swap":
        asyncio.run(do_swap(db, rest[0]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
