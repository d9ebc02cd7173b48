"""Typed records of what the bot sent to the fake, plus an awaitable append-only log."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class UploadedFile:
    """One ``files[n]`` part of a multipart request."""

    field: str
    filename: str
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class RecordedCall:
    """One REST request the bot made, with the fake's answer.

    ``path`` is relative to the API base (``/channels/1/messages``); ``route`` is the matched
    template (``/channels/{channel_id}/messages``) or ``None`` when no route matched (404).
    ``json`` is the JSON body, or the ``payload_json`` part of a multipart body.
    ``received_at`` is ``time.monotonic()`` when the request arrived, ``responded_at`` when the
    answer had been written (calls are recorded only then).
    """

    method: str
    path: str
    route: str | None
    params: Mapping[str, str]
    query: Mapping[str, str]
    json: Any
    files: tuple[UploadedFile, ...]
    headers: Mapping[str, str]
    received_at: float
    status: int
    response: Any
    responded_at: float = 0.0

    @property
    def matched(self) -> bool:
        return self.route is not None

    def file_names(self) -> list[str]:
        return [f.filename for f in self.files]


@dataclass(frozen=True)
class GatewayFrame:
    """One gateway payload, ``direction`` relative to the fake ("recv" = from the bot)."""

    direction: Literal["send", "recv"]
    op: int
    t: str | None
    s: int | None
    d: Any
    at: float
    connection: int


@dataclass
class EventLog(Generic[T]):
    """Append-only list whose readers can await the first item matching a predicate."""

    items: list[T] = field(default_factory=list)
    _waiters: list[tuple[Callable[[T], bool], asyncio.Future[T]]] = field(default_factory=list)

    def __iter__(self) -> Iterator[T]:
        return iter(list(self.items))

    def __len__(self) -> int:
        return len(self.items)

    def append(self, item: T) -> None:
        self.items.append(item)
        for waiter in list(self._waiters):
            predicate, future = waiter
            if future.done():
                self._waiters.remove(waiter)
                continue
            try:
                ok = predicate(item)
            except Exception as exc:  # surface predicate bugs in the waiting test
                future.set_exception(exc)
                self._waiters.remove(waiter)
                continue
            if ok:
                future.set_result(item)
                self._waiters.remove(waiter)

    async def wait_for(self, predicate: Callable[[T], bool], *, start: int = 0) -> T:
        """First item at index >= ``start`` satisfying ``predicate``; bound it with asyncio.timeout."""
        for item in self.items[start:]:
            if predicate(item):
                return item
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._waiters.append(entry)
        try:
            return await future
        finally:
            if entry in self._waiters:
                self._waiters.remove(entry)
