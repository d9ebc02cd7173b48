"""The Socket Mode websocket: ``apps.connections.open`` hands out a one-use ticket URL; the
connection gets ``hello``, then envelopes; every envelope must be acknowledged with its
``envelope_id`` within 3 seconds (api.slack.com/apis/socket-mode).

Envelopes sent while no connection is open wait for the next one. An events_api envelope
whose ack never arrived is sent again after a reconnect with ``retry_attempt`` + 1 and
``retry_reason: "timeout"``, as Slack retries unacknowledged events.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .state import Clock

log = logging.getLogger(__name__)

ACK_WINDOW_S = 3.0


@dataclass
class Envelope:
    id: str
    type: str  # events_api, slash_commands, interactive
    payload: dict[str, Any]
    retry_attempt: int = 0
    retry_reason: str = ""
    sent_at: float | None = None
    acked_at: float | None = None
    ack_payload: dict[str, Any] | None = None
    ack_lost: bool = False
    superseded: bool = False
    connection: int = 0  # the connection it was sent on
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def frame(self) -> dict[str, Any]:
        return {
            "envelope_id": self.id,
            "type": self.type,
            "payload": self.payload,
            "accepts_response_payload": self.type != "events_api",
            "retry_attempt": self.retry_attempt,
            "retry_reason": self.retry_reason,
        }

    @property
    def late(self) -> bool:
        return self.acked_at is not None and self.sent_at is not None and self.acked_at - self.sent_at > ACK_WINDOW_S


class SocketModeServer:
    def __init__(self, clock: Clock, app_id: str) -> None:
        self.clock = clock
        self.app_id = app_id
        self.tickets: set[str] = set()
        self.ws: web.WebSocketResponse | None = None
        self.connections = 0  # connections opened so far
        self.envelopes: list[Envelope] = []
        self._waiting: list[Envelope] = []  # to send once a connection is open
        self.unknown_acks: list[dict[str, Any]] = []
        self.lose_next_ack = False  # the ack of the next envelope sent is lost on the way (Slack redelivers)
        self.connected = asyncio.Event()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self.tickets:
            return web.Response(status=401, text="invalid ticket")
        self.tickets.discard(ticket)  # a ticket URL connects once
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.ws = ws
        self.connections += 1
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "fakeslack", "approximate_connection_time": 18060},
                "connection_info": {"app_id": self.app_id},
            }
        )
        self.connected.set()
        self._retry_unacked()
        for envelope in self._waiting[:]:
            await self._send(envelope)
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._on_text(msg.data)
        finally:
            if self.ws is ws:
                self.ws = None
                self.connected.clear()
        return ws

    def _on_text(self, data: str) -> None:
        try:
            frame = json.loads(data)
        except ValueError:
            self.unknown_acks.append({"raw": data})
            return
        envelope = next((e for e in self.envelopes if e.id == frame.get("envelope_id")), None)
        if envelope is None or envelope.acked_at is not None:
            self.unknown_acks.append(frame)
            return
        if envelope.ack_lost:
            return
        envelope.acked_at = self.clock()
        envelope.ack_payload = frame.get("payload")
        if envelope in self._waiting:
            self._waiting.remove(envelope)
        envelope.done.set()

    async def _send(self, envelope: Envelope) -> None:
        assert self.ws is not None
        envelope.sent_at = self.clock()
        envelope.connection = self.connections
        await self.ws.send_json(envelope.frame())

    async def deliver(self, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0) -> Envelope:
        envelope = Envelope(str(uuid.uuid4()), kind, payload, retry_attempt=retry_attempt)
        envelope.ack_lost, self.lose_next_ack = self.lose_next_ack, False
        self.envelopes.append(envelope)
        self._waiting.append(envelope)
        if self.ws is not None and not self.ws.closed:
            await self._send(envelope)
        return envelope

    async def drop(self) -> None:
        """Close the connection as a network failure would; the client reconnects, and events it
        never acknowledged are sent again on the new connection."""
        ws = self.ws
        self.ws = None
        self.connected.clear()
        if ws is not None:
            await ws.close(code=1001, message=b"going away")

    def _retry_unacked(self) -> None:
        """On a new connection: Slack retries the events a previous connection never acknowledged
        (commands and interactions are not retried: the member sees an error in Slack)."""
        for envelope in list(self._waiting):
            if envelope.sent_at is None or envelope.connection == self.connections:
                continue
            self._waiting.remove(envelope)
            envelope.done.set()  # superseded by its retry, or lost
            envelope.superseded = True
            if envelope.type == "events_api":
                retry = Envelope(
                    str(uuid.uuid4()),
                    envelope.type,
                    envelope.payload,
                    retry_attempt=envelope.retry_attempt + 1,
                    retry_reason="timeout",
                )
                self.envelopes.append(retry)
                self._waiting.append(retry)

    async def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Slack's own ``disconnect`` message: the client should open a new connection."""
        if self.ws is not None:
            await self.ws.send_json({"type": "disconnect", "reason": reason, "debug_info": {"host": "fakeslack"}})

    def unsettled(self) -> list[Envelope]:
        return [e for e in self.envelopes if not e.done.is_set() and not e.ack_lost]

    def problems(self) -> list[str]:
        out = [
            f"envelope {e.id} ({e.type} {e.payload.get('event', {}).get('type', '')}) never acknowledged"
            for e in self.unsettled()
            # Not the app's fault: one sent on a connection replaced since (Slack retries it), or one
            # still inside its 3 s window when the test ended.
            if e.sent_at and e.connection == self.connections and self.clock() - e.sent_at > ACK_WINDOW_S
        ]
        out += [
            f"envelope {e.id} acknowledged after {e.acked_at - e.sent_at:.1f} s"  # type: ignore[operator]
            for e in self.envelopes
            if e.late
        ]
        out += [f"ack for an unknown or already acknowledged envelope: {a}" for a in self.unknown_acks]
        return out

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
