"""The fake gateway: HELLO/heartbeat/IDENTIFY/RESUME over an aiohttp websocket.

Behaviour follows https://discord.com/developers/docs/events/gateway: every dispatch gets the next
sequence number of its *session* and is kept in the session history, so a RESUME with ``seq`` N
replays exactly the events after N, then sends RESUMED.  Events dispatched while the bot is
disconnected are buffered the same way.  ``compress=zlib-stream`` (discord.py's default when no
zstd module is installed) is honoured with one shared zlib context per connection and a
``Z_SYNC_FLUSH`` suffix per message, exactly as discord.py's ``_ZlibDecompressionContext`` expects.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import secrets
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .records import EventLog, GatewayFrame

log = logging.getLogger(__name__)

JSON = dict[str, Any]

# Gateway opcodes.
DISPATCH = 0
HEARTBEAT = 1
IDENTIFY = 2
PRESENCE_UPDATE = 3
VOICE_STATE_UPDATE = 4
RESUME = 6
RECONNECT = 7
REQUEST_GUILD_MEMBERS = 8
INVALID_SESSION = 9
HELLO = 10
HEARTBEAT_ACK = 11

# Close codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
CLOSE_UNKNOWN_ERROR = 4000
CLOSE_DECODE_ERROR = 4002
CLOSE_AUTHENTICATION_FAILED = 4004


@dataclass(eq=False)
class GatewayConnection:
    """One websocket the bot opened."""

    id: int
    ws: web.WebSocketResponse
    request: web.Request
    path: str
    query: dict[str, str]
    compressor: Any | None
    frames: EventLog[GatewayFrame]
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, payload: JSON) -> None:
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        # One lock covers compress+write: the zlib stream must reach the wire in compress order.
        async with self.lock:
            if self.compressor is not None:
                data = self.compressor.compress(text.encode()) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(data)
            else:
                await self.ws.send_str(text)
        self.frames.append(
            GatewayFrame(
                direction="send",
                op=payload["op"],
                t=payload.get("t"),
                s=payload.get("s"),
                d=payload.get("d"),
                at=time.monotonic(),
                connection=self.id,
            )
        )


@dataclass(eq=False)
class GatewaySession:
    """An identified session; survives disconnects until invalidated."""

    session_id: str
    token: str
    intents: int | None
    shard: list[int] | None
    seq: int = 0
    history: list[JSON] = field(default_factory=list)
    connection: GatewayConnection | None = None
    resumable: bool = True


class GatewayHooks:
    """What the gateway needs from the server that owns it (implemented by FakeDiscord)."""

    def ready_payload(self, session: GatewaySession) -> JSON:
        raise NotImplementedError

    def startup_events(self) -> list[tuple[str, JSON]]:
        raise NotImplementedError

    def guild_members(self, guild_id: str) -> list[JSON]:
        raise NotImplementedError


class Gateway:
    """Serves ``/`` and ``/resume`` websockets for a :class:`GatewayHooks` owner."""

    def __init__(
        self,
        hooks: GatewayHooks,
        *,
        heartbeat_interval_ms: int,
        compress: bool,
        expected_token: str | None,
    ) -> None:
        self._hooks = hooks
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.compress = compress
        self.expected_token = expected_token
        self.frames: EventLog[GatewayFrame] = EventLog()
        self.connections: list[GatewayConnection] = []
        self.sessions: dict[str, GatewaySession] = {}
        self.session: GatewaySession | None = None
        self.identify_count = 0
        self.resume_count = 0
        self._ids = itertools.count(1)
        # Serialises identify/resume/dispatch so sequence numbers hit the wire in order.
        self._lock = asyncio.Lock()

    # -- aiohttp handler ---------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        query = dict(request.query)
        compressor = None
        if query.get("compress") == "zlib-stream" and self.compress:
            compressor = zlib.compressobj()
        elif query.get("compress") not in (None, "zlib-stream"):
            # discord.py accepts plain text frames whatever it asked for.
            log.info("gateway: %s not implemented, sending text frames", query["compress"])
        conn = GatewayConnection(
            id=next(self._ids),
            ws=ws,
            request=request,
            path=request.path,
            query=query,
            compressor=compressor,
            frames=self.frames,
        )
        self.connections.append(conn)
        log.debug("gateway connection %d opened at %s?%s", conn.id, request.path, request.query_string)
        if query.get("encoding", "json") != "json":
            await ws.close(code=CLOSE_DECODE_ERROR, message=b"only encoding=json is faked")
            return ws
        await conn.send(
            {
                "op": HELLO,
                "d": {
                    "heartbeat_interval": self.heartbeat_interval_ms,
                    "_trace": ['["fake-gateway",{"micros":0}]'],
                },
                "s": None,
                "t": None,
            }
        )
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    payload = json.loads(msg.data)
                elif msg.type is WSMsgType.BINARY:
                    payload = json.loads(msg.data.decode())
                else:
                    break
                await self._on_payload(conn, payload)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            for session in self.sessions.values():
                if session.connection is conn:
                    session.connection = None
            log.debug("gateway connection %d closed (code %s)", conn.id, ws.close_code)
        return ws

    async def _on_payload(self, conn: GatewayConnection, payload: JSON) -> None:
        op = payload.get("op")
        data = payload.get("d")
        self.frames.append(
            GatewayFrame(
                direction="recv",
                op=op if isinstance(op, int) else -1,
                t=None,
                s=None,
                d=data,
                at=time.monotonic(),
                connection=conn.id,
            )
        )
        if op == HEARTBEAT:
            await conn.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            await self._identify(conn, data)
        elif op == RESUME:
            await self._resume(conn, data)
        elif op == REQUEST_GUILD_MEMBERS:
            await self._request_members(data)
        elif op in (PRESENCE_UPDATE, VOICE_STATE_UPDATE):
            pass
        else:
            log.warning("gateway: unhandled op %r", op)

    async def _identify(self, conn: GatewayConnection, data: JSON) -> None:
        token = str(data.get("token", ""))
        if self.expected_token is not None and token != self.expected_token:
            await conn.ws.close(code=CLOSE_AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return
        async with self._lock:
            self.identify_count += 1
            session = GatewaySession(
                session_id=secrets.token_hex(16),
                token=token,
                intents=data.get("intents"),
                shard=data.get("shard"),
            )
            # Set before the snapshot so a concurrent guild registration is sent exactly once:
            # either it is in the snapshot or its dispatch waits for this lock.
            self.sessions[session.session_id] = session
            self.session = session
            startup = self._hooks.startup_events()
            session.connection = conn
            await self._send_locked(session, "READY", self._hooks.ready_payload(session))
            for event, event_data in startup:
                await self._send_locked(session, event, event_data)

    async def _resume(self, conn: GatewayConnection, data: JSON) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or not session.resumable or data.get("token") != session.token:
            await conn.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        async with self._lock:
            self.resume_count += 1
            last = data.get("seq") or 0
            session.connection = conn
            self.session = session
            missed = [p for p in session.history if p["s"] > last]
            log.debug("gateway: resuming %s from seq %s, replaying %d", session.session_id, last, len(missed))
            for payload in missed:
                await conn.send(payload)
            await self._send_locked(session, "RESUMED", {"_trace": ['["fake-gateway"]']})

    async def _request_members(self, data: JSON) -> None:
        guild_id = str(data["guild_id"])
        members = self._hooks.guild_members(guild_id)
        user_ids = data.get("user_ids")
        if user_ids is not None:
            wanted = {str(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])}
            members = [m for m in members if m["user"]["id"] in wanted]
        query = data.get("query")
        if query:
            members = [m for m in members if m["user"]["username"].startswith(query)]
        limit = data.get("limit") or 0
        if limit:
            members = members[:limit]
        chunk: JSON = {
            "guild_id": guild_id,
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        if data.get("presences"):
            chunk["presences"] = []
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    # -- sending -----------------------------------------------------------------------------

    async def _send_locked(self, session: GatewaySession, event: str, data: JSON) -> int:
        session.seq += 1
        payload = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.history.append(payload)
        conn = session.connection
        if conn is not None and not conn.ws.closed:
            try:
                await conn.send(payload)
            except (ConnectionResetError, RuntimeError) as exc:
                # Still in history: a RESUME replays it.
                log.debug("gateway: %s not delivered (%s), kept for resume", event, exc)
        return session.seq

    async def dispatch(self, event: str, data: JSON) -> int:
        """Send (or buffer while disconnected) a DISPATCH; returns its sequence number."""
        async with self._lock:
            session = self.session
            if session is None:
                raise RuntimeError(f"cannot dispatch {event}: no gateway session yet (start the bot first)")
            return await self._send_locked(session, event, data)

    async def send_op(self, op: int, data: Any = None) -> None:
        """Send a raw non-dispatch opcode on the live connection (e.g. RECONNECT)."""
        async with self._lock:
            conn = self.session.connection if self.session else None
            if conn is None:
                raise RuntimeError("no live gateway connection")
            await conn.send({"op": op, "d": data, "s": None, "t": None})

    async def disconnect(self, *, code: int = CLOSE_UNKNOWN_ERROR, drop: bool = False) -> None:
        """Close the live connection; later dispatches are buffered for the RESUME."""
        async with self._lock:
            session = self.session
            conn = session.connection if session else None
            if session is not None:
                session.connection = None
        if conn is None:
            raise RuntimeError("no live gateway connection to disconnect")
        if drop:
            transport = conn.request.transport
            if transport is not None:
                transport.abort()
        else:
            await conn.ws.close(code=code, message=b"fakediscord forced disconnect")

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send INVALID_SESSION (op 9); with ``resumable=False`` the bot must re-IDENTIFY."""
        if self.session is not None and not resumable:
            self.session.resumable = False
        await self.send_op(INVALID_SESSION, resumable)

    async def close(self) -> None:
        for conn in list(self.connections):
            if not conn.ws.closed:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.ws.close(code=1001, message=b"server stopping"), 1)
