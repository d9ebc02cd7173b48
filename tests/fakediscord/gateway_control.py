"""The gateway side of ``FakeDiscord``: ``dispatch()``, disconnect/reconnect control and the READY hooks."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable

from .constants import API_VERSION, JSON
from .gateway import CLOSE_UNKNOWN_ERROR, RECONNECT, GatewaySession, shard_of
from .records import GatewayFrame
from .state import FakeDiscordState


class GatewayControlMixin(FakeDiscordState):
    @property
    def gateway_frames(self) -> list[GatewayFrame]:
        return list(self.gateway.frames)

    async def dispatch(self, event: str, data: JSON) -> int:
        """Send any DISPATCH event; returns its sequence number."""
        return await self.gateway.dispatch(event, data)

    async def disconnect(
        self, *, code: int = CLOSE_UNKNOWN_ERROR, drop: bool = False, shard: int | None = None
    ) -> None:
        """Force the gateway connection closed (``drop=True``: TCP abort without close frame).

        ``shard``: that shard's connection instead of the newest one (a sharded bot has several).
        """
        await self.gateway.disconnect(code=code, drop=drop, shard=shard)

    async def send_reconnect(self, *, shard: int | None = None) -> None:
        """Send op 7 RECONNECT; discord.py closes and RESUMEs."""
        await self.gateway.send_op(RECONNECT, shard=shard)

    async def invalidate_session(self, *, resumable: bool = False, shard: int | None = None) -> None:
        await self.gateway.invalidate_session(resumable=resumable, shard=shard)

    def guilds_on_shard(self, shard_id: int, num_shards: int) -> list[str]:
        """Ids of the registered guilds whose events go to ``shard_id`` of ``num_shards``."""
        return [gid for gid in self.guilds if shard_of(gid, num_shards) == shard_id]

    async def wait_for_gateway(
        self,
        predicate: Callable[[GatewayFrame], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - test-facing API
        *,
        start: int = 0,
    ) -> GatewayFrame:
        async with asyncio.timeout(timeout):
            return await self.gateway.frames.wait_for(predicate, start=start)

    async def wait_for_resumed(self, timeout: float = 5.0, *, start: int = 0) -> GatewayFrame:  # noqa: ASYNC109
        """Wait until the fake has sent RESUMED (i.e. the bot's RESUME was accepted)."""
        return await self.wait_for_gateway(lambda f: f.direction == "send" and f.t == "RESUMED", timeout, start=start)

    # -- GatewayHooks ------------------------------------------------------------------------

    def ready_payload(self, session: GatewaySession) -> JSON:
        ready: JSON = {
            "v": API_VERSION,
            "user_settings": {},
            "user": self.bot_user,
            # Only the shard's guilds (Gateway docs, "Sharding"; an unsharded session is [0, 1]: all).
            "guilds": [{"id": gid, "unavailable": True} for gid in self.guilds_on_shard(*session.key)],
            "guild_join_requests": [],
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "application": {"id": self.application_id, "flags": 0},
            "auth": {},
            "geo_ordered_rtc_regions": ["fake-local"],
            "_trace": ['["fake-gateway",{"micros":0}]'],
        }
        if session.shard is not None:
            ready["shard"] = session.shard
        return ready

    def startup_events(self, session: GatewaySession) -> list[tuple[str, JSON]]:
        # Lazy-loaded guilds after READY carry unavailable=false (discord.py: "now available").
        return [
            ("GUILD_CREATE", {**copy.deepcopy(self.guilds[gid]), "unavailable": False})
            for gid in self.guilds_on_shard(*session.key)
        ]

    def guild_members(self, guild_id: str) -> list[JSON]:
        guild = self.guilds.get(guild_id)
        return copy.deepcopy(guild["members"]) if guild else []
