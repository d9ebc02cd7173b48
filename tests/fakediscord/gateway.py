"""The fake gateway: HELLO/heartbeat/IDENTIFY/RESUME over an aiohttp websocket.

Behaviour follows https://discord.com/developers/docs/events/gateway: every dispatch gets the next
sequence number of its *session* and is kept in the session history, so a RESUME with ``seq`` N
replays exactly the events after N, then sends RESUMED.  Events dispatched while the bot is
disconnected are buffered the same way.

Sharding (https://discord.com/developers/docs/events/gateway#sharding, which ``../shared/specs``
does not hold; the IDENTIFY/READY ``shard`` fields are in its ``discord/docs/gateway-events.mdx``):
IDENTIFY may carry ``shard: [shard_id, num_shards]``; an id outside ``0 <= shard_id < num_shards``
closes the socket with 4010 Invalid Shard, and a shard that would hold more than 2,500 guilds with
4011 Sharding Required.  An event about a guild goes only to the sessions whose shard satisfies
``(guild_id >> 22) % num_shards == shard_id``; "Gateway events that do not contain a guild_id will
only be sent to the first shard" (DMs included).  READY lists, and the start-up GUILD_CREATEs cover,
only the shard's guilds.  An unsharded session is shard ``[0, 1]``.  Discord lets several sessions
share a shard key; here every session with a live connection gets its events, plus the newest session
of each key while it is disconnected (buffered for its RESUME).

``compress=zlib-stream`` (discord.py's default when no zstd module is installed) is honoured with one
shared zlib context per connection and a ``Z_SYNC_FLUSH`` suffix per message, exactly as
discord.py's ``_ZlibDecompressionContext`` expects.
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
CLOSE_INVALID_SHARD = 4010
CLOSE_SHARDING_REQUIRED = 4011

#: "Each shard can only support a maximum of 2500 guilds, and apps that are in 2500+ guilds *must*
#: enable sharding" (Gateway docs, "Sharding").
MAX_GUILDS_PER_SHARD = 2500

# Events about a guild that name it by ``id`` (the guild object itself) rather than ``guild_id``.
_GUILD_OBJECT_EVENTS = frozenset({"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"})


def shard_of(guild_id: int | str, num_shards: int) -> int:
    """Discord's sharding formula: the shard that receives a guild's events."""
    return (int(guild_id) >> 22) % num_shards


def event_guild_id(event: str, data: Any) -> str | None:
    """The guild an event is about (its routing key); None for DMs and other guild-less events."""
    if not isinstance(data, dict):
        return None
    found = data.get("id") if event in _GUILD_OBJECT_EVENTS else data.get("guild_id")
    return None if found is None else str(found)


def shard_problem(shard: Any) -> str | None:
    """Why an IDENTIFY's ``shard`` is invalid (None: absent or valid)."""
    if shard is None:
        return None
    if not (
        isinstance(shard, list) and len(shard) == 2 and all(type(x) is int for x in shard)  # bool is no shard number
    ):
        return "shard must be [shard_id, num_shards]"
    shard_id, num_shards = shard
    if num_shards < 1 or not 0 <= shard_id < num_shards:
        return f"shard_id {shard_id} is not in 0..{num_shards - 1}"
    return None


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

    @property
    def key(self) -> tuple[int, int]:
        """``(shard_id, num_shards)``; an unsharded session is ``(0, 1)``."""
        return (self.shard[0], self.shard[1]) if self.shard else (0, 1)

    def routes(self, guild_id: str | None) -> bool:
        """Whether Discord sends this session the events of ``guild_id`` (None: a guild-less event)."""
        shard_id, num_shards = self.key
        return shard_id == 0 if guild_id is None else shard_of(guild_id, num_shards) == shard_id

    @property
    def live(self) -> bool:
        return self.connection is not None and not self.connection.ws.closed


class GatewayHooks:
    """What the gateway needs from the server that owns it (implemented by FakeDiscord)."""

    def ready_payload(self, session: GatewaySession) -> JSON:
        raise NotImplementedError

    def startup_events(self, session: GatewaySession) -> list[tuple[str, JSON]]:
        """What follows READY for ``session``: the GUILD_CREATE of every guild on its shard."""
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
        # The newest session (identified or resumed): what disconnect()/send_op() act on by default.
        self.session: GatewaySession | None = None
        # The newest session of each shard key: it gets its shard's events even while disconnected.
        self.current: dict[tuple[int, int], GatewaySession] = {}
        self.max_guilds_per_shard = MAX_GUILDS_PER_SHARD
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
        shard = data.get("shard")
        if (problem := shard_problem(shard)) is not None:
            log.info("gateway: IDENTIFY with an invalid shard %r: %s", shard, problem)
            await conn.ws.close(code=CLOSE_INVALID_SHARD, message=b"Invalid shard.")
            return
        async with self._lock:
            session = GatewaySession(
                session_id=secrets.token_hex(16),
                token=token,
                intents=data.get("intents"),
                shard=list(shard) if shard is not None else None,
            )
            # Registered in the same step as the snapshot (no await between) so a concurrent guild
            # registration is sent exactly once: either it is in the snapshot or it is dispatched after.
            startup = self._hooks.startup_events(session)
            if len(startup) > self.max_guilds_per_shard:
                await conn.ws.close(code=CLOSE_SHARDING_REQUIRED, message=b"Sharding required.")
                return
            self.identify_count += 1
            self.sessions[session.session_id] = session
            self.session = self.current[session.key] = session
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
            self.session = self.current[session.key] = session
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

    def recipients(self, event: str, data: Any) -> list[GatewaySession]:
        """The sessions Discord would send this event to (module docstring: sharding)."""
        guild_id = event_guild_id(event, data)
        current = set(self.current.values())
        return [s for s in self.sessions.values() if (s in current or s.live) and s.routes(guild_id)]

    async def dispatch(self, event: str, data: JSON) -> int:
        """Send (or buffer while disconnected) a DISPATCH to the sessions of its shard.

        Returns its sequence number in the (last) session that got it; 0 when no session runs
        that shard (Discord drops it; a GUILD_CREATE is then sent when that shard identifies).
        """
        async with self._lock:
            if self.session is None:
                raise RuntimeError(f"cannot dispatch {event}: no gateway session yet (start the bot first)")
            seq = 0
            for session in self.recipients(event, data):
                seq = await self._send_locked(session, event, data)
            if not seq:
                log.debug("gateway: %s for guild %s: no session on its shard", event, event_guild_id(event, data))
            return seq

    def _target(self, shard: int | None) -> GatewaySession | None:
        """The newest session, or the current one running ``shard``."""
        if shard is None:
            return self.session
        return next((s for (shard_id, _), s in self.current.items() if shard_id == shard), None)

    async def send_op(self, op: int, data: Any = None, *, shard: int | None = None) -> None:
        """Send a raw non-dispatch opcode on the live connection (e.g. RECONNECT)."""
        async with self._lock:
            session = self._target(shard)
            conn = session.connection if session else None
            if conn is None:
                raise RuntimeError("no live gateway connection")
            await conn.send({"op": op, "d": data, "s": None, "t": None})

    async def disconnect(
        self, *, code: int = CLOSE_UNKNOWN_ERROR, drop: bool = False, shard: int | None = None
    ) -> None:
        """Close the live connection (of ``shard``); later dispatches are buffered for the RESUME."""
        async with self._lock:
            session = self._target(shard)
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

    async def invalidate_session(self, *, resumable: bool = False, shard: int | None = None) -> None:
        """Send INVALID_SESSION (op 9); with ``resumable=False`` the bot must re-IDENTIFY."""
        session = self._target(shard)
        if session is not None and not resumable:
            session.resumable = False
        await self.send_op(INVALID_SESSION, resumable, shard=shard)

    async def close(self) -> None:
        for conn in list(self.connections):
            if not conn.ws.closed:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.ws.close(code=1001, message=b"server stopping"), 1)
