"""One faqbot process on a shared database, driven over stdin/stdout (JSON lines), for multi-process tests.

    python -m tests.hardening.pg_worker DB_URL

It opens the service as the bot does (``open_service(..., follow_changes=True)``: the
PostgreSQL change feed) with the hashing test encoder, prints ``{"ready": …}``, then answers
one JSON command per line:

- ``{"op": "add", "scope", "q", "a"}`` → ``{"id", "committed": wall time}``
- ``{"op": "edit", "scope", "id", "a"}`` / ``{"op": "remove", "scope", "id"}`` → ``{"committed"}``
- ``{"op": "until", "scope", "q", "answer": text | null, "timeout"}``: ask every 5 ms until
  the answer text is ``answer`` (null: no answer) → ``{"seen": wall time}`` or ``{"timeout": true}``
- ``{"op": "ask", "scope", "q"}`` → ``{"status", "faq_id", "answer", "t": wall time answered}``
- ``{"op": "asks", "items": [[scope, q], …]}``: all at once, as concurrent members would →
  ``{"answers": [[status, faq_id, answer], …]}`` (the throughput runs of benchmarks/pg_load.py)
- ``{"op": "import", "scope", "faqs": [[q, a], …]}``: one transaction (the import path) →
  ``{"ids", "committed"}``
- ``{"op": "load_scopes"}``: load every scope's index now → ``{"loaded": rows}``
- ``{"op": "log"}``: the warnings (and the follower's reload lines) logged so far, with their
  wall times → ``{"records": [[time, logger, message], …]}``

A command carrying ``"rid"`` runs concurrently with the ones after it and its reply echoes the
``rid`` (replies may then come out of order); without it, commands run one at a time.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import sys
import time

from faq.lexical import tokenize
from faq.service import FaqService
from faq.types import FaqDraft, Status
from faqbot.app import open_service
from faqbot.settings import CoreSettings
from model.fake import HashingEncoder


async def answer_text(service: FaqService, scope: str, question: str) -> tuple[str | None, int | None, str]:
    answer = await service.ask(scope, question)
    if answer.status is Status.ANSWER and answer.best is not None:
        return answer.answer, answer.best.faq_id, answer.status.value
    return None, None, answer.status.value


async def handle(service: FaqService, cmd: dict) -> dict:
    op, scope = cmd["op"], cmd.get("scope", "g1")
    if op == "add":
        faq = await service.add(scope, FaqDraft(cmd["q"], cmd["a"], tuple(cmd.get("alts", ()))), "worker")
        return {"id": faq.id, "committed": time.time()}
    if op == "edit":
        await service.edit(scope, cmd["id"], "worker", answer=cmd["a"])
        return {"committed": time.time()}
    if op == "remove":
        await service.remove(scope, cmd["id"], "worker")
        return {"committed": time.time()}
    if op == "ask":
        text, faq_id, status = await answer_text(service, scope, cmd["q"])
        return {"status": status, "faq_id": faq_id, "answer": text, "t": time.time()}
    if op == "asks":
        found = await asyncio.gather(*(answer_text(service, s, q) for s, q in cmd["items"]))
        return {"answers": [[status, faq_id, text] for text, faq_id, status in found]}
    if op == "import":
        drafts = [FaqDraft(q, a) for q, a in cmd["faqs"]]
        done = await service.import_drafts(scope, drafts, "worker")
        return {"ids": [faq.id for faq in done.added], "committed": time.time()}
    if op == "log":
        return {"records": RECORDS.records}
    if op == "until":
        deadline = time.monotonic() + cmd.get("timeout", 5.0)
        while time.monotonic() < deadline:
            text, _, _ = await answer_text(service, scope, cmd["q"])
            if text == cmd["answer"]:
                return {"seen": time.time()}
            await asyncio.sleep(0.005)
        return {"timeout": True}
    if op == "load_scopes":
        return {"loaded": await service.load_all()}
    raise ValueError(op)


class Records(logging.Handler):
    """Keeps what the worker logged (wall time, logger, message) for the driver's ``log`` command."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[tuple[float, str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING or record.name == "faq.changes":
            self.records.append((record.created, record.name, record.getMessage()))


RECORDS = Records()


async def reply(service: FaqService, cmd: dict) -> dict:
    try:
        out = await handle(service, cmd)
    except Exception as exc:  # report, keep serving
        out = {"error": f"{type(exc).__name__}: {exc}"}
    if "rid" in cmd:
        out["rid"] = cmd["rid"]
    return out


def send(out: dict) -> None:
    print(json.dumps(out, ensure_ascii=False), flush=True)


async def main(db: str) -> None:
    settings = CoreSettings(_env_file=None, db=db, change_poll_s=0.5)  # type: ignore[call-arg]
    async with open_service(settings, encoder=HashingEncoder(), follow_changes=True) as service:
        # As the bot starts (bot/client.py setup_hook): Kiwi loaded before the first question,
        # start-up objects out of the GC's generations.
        await asyncio.to_thread(tokenize, "동아리 회비")
        await service.load_all()
        gc.freeze()
        print(json.dumps({"ready": time.time()}), flush=True)
        loop = asyncio.get_running_loop()
        running: set[asyncio.Task[None]] = set()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            cmd = json.loads(line)
            if "rid" not in cmd:
                send(await reply(service, cmd))
                continue
            task = asyncio.create_task(reply(service, cmd))
            task.add_done_callback(lambda done: send(done.result()))
            running.add(task)
            task.add_done_callback(running.discard)
        if running:
            await asyncio.wait(running)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("faq.changes").setLevel(logging.INFO)  # its reload lines, for RECORDS only
    logging.getLogger().handlers[0].setLevel(logging.WARNING)
    logging.getLogger().addHandler(RECORDS)
    asyncio.run(main(sys.argv[1]))
