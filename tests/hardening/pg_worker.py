"""One faqbot process on a shared database, driven over stdin/stdout (JSON lines), for multi-process tests.

    python -m tests.hardening.pg_worker DB_URL

It opens the service as the bot does (``open_service(..., follow_changes=True)``: the
PostgreSQL change feed) with the hashing test encoder, prints ``{"ready": …}``, then answers
one JSON command per line:

- ``{"op": "add", "scope", "q", "a"}`` → ``{"id", "committed": wall time}``
- ``{"op": "edit", "scope", "id", "a"}`` / ``{"op": "remove", "scope", "id"}`` → ``{"committed"}``
- ``{"op": "until", "scope", "q", "answer": text | null, "timeout"}``: ask every 5 ms until
  the answer text is ``answer`` (null: no answer) → ``{"seen": wall time}`` or ``{"timeout": true}``
- ``{"op": "ask", "scope", "q"}`` → ``{"status", "faq_id", "answer"}``
- ``{"op": "load", "scope", "n", "seconds"}``: ask n questions spread over ``seconds`` → counts
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time

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
        return {"status": status, "faq_id": faq_id, "answer": text}
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


async def main(db: str) -> None:
    settings = CoreSettings(_env_file=None, db=db, change_poll_s=0.5)  # type: ignore[call-arg]
    async with open_service(settings, encoder=HashingEncoder(), follow_changes=True) as service:
        await service.load_all()
        print(json.dumps({"ready": time.time()}), flush=True)
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                return
            try:
                reply = await handle(service, json.loads(line))
            except Exception as exc:  # report, keep serving
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            print(json.dumps(reply, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(main(sys.argv[1]))
