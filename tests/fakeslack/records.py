"""Recorded calls: every Web API call and every POST to a response_url, with what the fake answered."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class RecordedCall:
    method: str  # "chat.postMessage", ..., or "response_url"
    args: dict[str, Any]  # form/query/JSON arguments, JSON-encoded strings decoded
    token: str | None
    status: int
    response: dict[str, Any]
    at: float

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        return None if self.ok else str(self.response.get("error"))


class CallLog:
    def __init__(self) -> None:
        self.calls: list[RecordedCall] = []
        self._changed = asyncio.Condition()

    async def add(self, call: RecordedCall) -> None:
        self.calls.append(call)
        async with self._changed:
            self._changed.notify_all()

    def find(self, method: str | None = None, predicate: Callable[[RecordedCall], bool] | None = None):
        return [c for c in self.calls if (method is None or c.method == method) and (predicate is None or predicate(c))]

    async def wait_for(
        self,
        method: str | None = None,
        predicate: Callable[[RecordedCall], bool] | None = None,
        *,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - test-facing API
    ) -> list[RecordedCall]:
        """The first ``count`` matching calls, once that many were recorded."""

        async def enough() -> list[RecordedCall]:
            async with self._changed:
                while len(found := self.find(method, predicate)) < count:
                    await self._changed.wait()
                return found[:count]

        found = await asyncio.wait_for(enough(), timeout)
        await asyncio.sleep(0)  # let the caller's coroutine finish with the answer first
        return found
